"""The satisfaction survey's form, as the phone page and the counter's tablet show it
(templates/_survey.html): the nine elements in the regulation's words (domain/ikm.py) in the
page's language, the optional respondent fields with their values in words, and the texts the
scripts say (static/js/survey.js)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from ..contract.survey import SurveyBody
from ..domain import ikm
from ..i18n import current_language
from ..services import survey


def _age_labels() -> dict[str, str]:
    labels = {"<20": _("under 20"), "60+": _("60 or older")}
    for value in ikm.RESPONDENT_FIELDS["age_group"]:
        if value not in labels:
            low, high = value.split("-")
            labels[value] = _("%(low)s–%(high)s years", low=low, high=high)
    return labels


def _respondent_fields() -> list[dict[str, Any]]:
    """Each optional field: its name, label and (value, words) options."""
    words: dict[str, tuple[str, dict[str, str]]] = {
        "age_group": (_("Age"), _age_labels()),
        "sex": (_("Sex"), {"L": _("Male"), "P": _("Female")}),
        "education": (
            _("Education"),
            {
                "SD": _("Primary school (SD)"),
                "SMP": _("Junior high school (SMP)"),
                "SMA": _("Senior high school (SMA)"),
                "D1-D3": _("Diploma (D1–D3)"),
                "D4-S1": _("Bachelor (D4/S1)"),
                "S2": _("Master (S2)"),
                "S3": _("Doctorate (S3)"),
            },
        ),
        "occupation": (
            _("Occupation"),
            {
                "PNS": _("Civil servant (PNS)"),
                "TNI": _("Armed forces (TNI)"),
                "POLRI": _("Police (POLRI)"),
                "SWASTA": _("Private employee"),
                "WIRAUSAHA": _("Self-employed"),
                "PELAJAR": _("Student"),
                "LAINNYA": _("Other"),
            },
        ),
    }
    return [
        {
            "name": name,
            "label": words[name][0],
            "options": [(value, words[name][1].get(value, value)) for value in values],
        }
        for name, values in ikm.RESPONDENT_FIELDS.items()
    ]


def survey_form() -> dict[str, Any]:
    """What templates/_survey.html renders: the elements in the page's language (value 1–4
    with its words), the respondent fields, the comment's limit."""
    english = current_language() == "en"
    return {
        "elements": [
            {
                "key": e.key,
                "name": e.name_en if english else e.name,
                "question": e.question_en if english else e.question,
                "answers": list(enumerate(e.answers_en if english else e.answers, start=1)),
            }
            for e in ikm.ELEMENTS
        ],
        "respondent": _respondent_fields(),
        "max_comment": ikm.MAX_COMMENT,
    }


def survey_texts() -> dict[str, str]:
    """What static/js/survey.js and its pages say, in the page's language."""
    return {
        "survey_missing": _("Please answer question %(n)s.", n="{n}"),
        "survey_thanks": _("Thank you. Your answers help us improve our service."),
        "survey_answered": _("The survey of this number has already been answered. Thank you."),
        "survey_expired": _(
            "The survey closed %(days)s days after the service.", days=ikm.ANSWER_DAYS
        ),
        "survey_not_just_finished": _(
            "This survey can no longer be answered here. Thank you for your visit."
        ),
        "survey_invalid": _("Please check your answers and send them again."),
        "survey_failed": _("Could not send your answers. Check your connection and try again."),
        "survey_expired_page": _("The page is too old: reload it and try again."),
    }


def answers_of(given: SurveyBody) -> survey.Answers:
    """What a respondent sent (the phone's or the tablet's body), as the survey records it."""
    respondent = given.respondent
    return survey.Answers(
        answers=list(given.answers),
        comment=given.comment,
        age_group=respondent.age_group if respondent else None,
        sex=respondent.sex if respondent else None,
        education=respondent.education if respondent else None,
        occupation=respondent.occupation if respondent else None,
    )
