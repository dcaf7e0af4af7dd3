"""The satisfaction survey's request body and the IKM report (issue 18): typed once here, as
the rest of the contract (bodies.py, payloads.py, reports.py)."""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict
from typing_extensions import TypedDict

from ..domain import ikm
from .bodies import Body
from .fields import MAX_ID, Day

#: One answer: a whole number from 1 (worst) to 4 (best).
Answer = Annotated[int, Strict(), Field(ge=ikm.SCALE[0], le=ikm.SCALE[1])]


class Respondent(BaseModel):
    """The optional respondent fields of the regulation's form; each may be left out."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    age_group: ikm.AgeGroup | None = None
    sex: Annotated[ikm.Sex | None, Field(description="L: laki-laki, P: perempuan")] = None
    education: ikm.Education | None = None
    occupation: ikm.Occupation | None = None


class SurveyBody(Body):
    """`POST /api/v1/tickets/by-token/{token}/survey`."""

    answers: Annotated[
        list[Answer],
        Field(
            min_length=len(ikm.ELEMENTS),
            max_length=len(ikm.ELEMENTS),
            description="the nine elements (unsur) of PermenPANRB 14/2017 in order, each 1–4: "
            + "; ".join(f"{i}. {e.name}" for i, e in enumerate(ikm.ELEMENTS, start=1)),
        ),
    ]
    comment: Annotated[str | None, Strict(), Field(max_length=ikm.MAX_COMMENT)] = None
    respondent: Respondent | None = None

    refusals: ClassVar[dict[str, str]] = {
        "answers": f"'answers' must be {len(ikm.ELEMENTS)} whole numbers from "
        f"{ikm.SCALE[0]} to {ikm.SCALE[1]}, one per element",
        "comment": f"'comment' must be a text of at most {ikm.MAX_COMMENT} characters",
        "respondent": "'respondent' holds only the form's fields, each one of its values",
    }


class TabletSurveyBody(SurveyBody):
    """`POST /survey/answer`, from an enrolled survey tablet (web/survey_tablet.py): the survey
    of the ticket just finished at its counter, named by the counter's number and the ticket's
    id from the finish news (never its token)."""

    counter: Annotated[int, Strict(), Field(ge=1, le=MAX_ID)]
    ticket: Annotated[int, Strict(), Field(ge=1, le=MAX_ID)]

    refusals: ClassVar[dict[str, str]] = {
        **SurveyBody.refusals,
        "counter": "'counter' must be the counter's number",
        "ticket": "'ticket' must be the id of the ticket the tablet offered",
    }


class SurveyReceipt(TypedDict):
    """The answer to a survey response: which ticket's survey is now closed."""

    code: str
    answered: Literal[True]


#: `from` is a Python keyword: the functional form.
IkmReport = TypedDict(
    "IkmReport",
    {
        "from": Day,
        "to": Day,
        "respondents": int,
        "elements": Annotated[
            list[float], Field(description="the nine element means (empty: no respondent)")
        ],
        "ikm": Annotated[
            float | None, Field(description="(Σ element means ÷ 9) × 25, 25–100; null: none")
        ],
        "category": Annotated[
            Literal["A", "B", "C", "D"] | None,
            Field(description="A Sangat Baik, B Baik, C Kurang Baik, D Tidak Baik"),
        ],
        "category_name": str | None,
        "served": Annotated[int, Field(description="tickets served in the period")],
        "minimum_sample": Annotated[
            int, Field(description="respondents the regulation's sample table asks for")
        ],
        "below_minimum_sample": bool,
    },
)
