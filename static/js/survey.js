/* The satisfaction survey's card (templates/_survey.html), shared by the phone status page and
 * the counter's survey tablet: reads the nine answers, the comment and the optional respondent
 * fields, sends them through `options.post(body)` (a promise of {status, body}), and says how
 * it went. The questions' words are in the page (the server's, from domain/ikm.py); the texts
 * here come from the page's config (`t`). */
(function () {
  "use strict";

  var RESPONDENT = ["age_group", "sex", "education", "occupation"];

  /**
   * options: {t, post(body) → Promise<{status, body}>, done(outcome) with outcome "sent" or a
   * refusal's reason, skip(), activity() on every touch}.
   */
  function Survey(options) {
    var t = options.t;
    var root = document.getElementById("survey");
    var form = document.getElementById("survey-form");
    var error = document.getElementById("survey-error");
    var send = document.getElementById("survey-send");
    var doneBox = document.getElementById("survey-done");
    var questions = Array.prototype.slice.call(form.querySelectorAll("fieldset.q"));
    var touched = false;
    var sending = false;

    function showError(text) {
      error.textContent = text || "";
      error.hidden = !text;
    }

    function chosen(fieldset) {
      var picked = fieldset.querySelector("input[type=radio]:checked");
      return picked ? Number(picked.value) : null;
    }

    function body() {
      var respondent = {};
      RESPONDENT.forEach(function (name) {
        var field = form.elements[name];
        if (field && field.value) respondent[name] = field.value;
      });
      var comment = form.elements.comment.value.trim();
      var out = { answers: questions.map(chosen) };
      if (comment) out.comment = comment;
      if (Object.keys(respondent).length) out.respondent = respondent;
      return out;
    }

    function activity() {
      touched = true;
      if (options.activity) options.activity();
    }

    form.addEventListener("change", function (event) {
      activity();
      var fieldset = event.target.closest && event.target.closest("fieldset.q");
      if (fieldset) fieldset.classList.remove("missing");
      if (!error.hidden && questions.every(function (q) { return chosen(q) !== null; })) {
        showError("");
      }
    });
    form.addEventListener("input", activity);
    form.addEventListener("pointerdown", function () { if (options.activity) options.activity(); });

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (sending) return;
      var missing = questions.filter(function (q) { return chosen(q) === null; });
      questions.forEach(function (q) { q.classList.toggle("missing", missing.indexOf(q) >= 0); });
      if (missing.length) {
        showError(Loket.fmt(t.survey_missing, { n: missing[0].dataset.n }));
        var first = missing[0].querySelector("input[type=radio]");
        missing[0].scrollIntoView({ block: "center" });
        if (first) first.focus({ preventScroll: true });
        return;
      }
      showError("");
      sending = true;
      send.disabled = true;
      options.post(body()).then(function (answer) {
        sending = false;
        send.disabled = false;
        if (answer.status === 201) { options.done("sent"); return; }
        if (answer.status === 409 && answer.body && answer.body.detail) {
          options.done(answer.body.detail.reason || "answered");
          return;
        }
        if (answer.status === 400) { showError(t.survey_expired_page); return; }
        showError(answer.status === 422 ? t.survey_invalid : t.survey_failed);
      }).catch(function () {
        sending = false;
        send.disabled = false;
        showError(t.survey_failed);
      });
    });

    document.getElementById("survey-skip").addEventListener("click", function () {
      options.skip();
    });

    return {
      /** A fresh form, shown (or not). */
      reset: function () {
        form.reset();
        questions.forEach(function (q) { q.classList.remove("missing"); });
        showError("");
        touched = false;
        sending = false;
        send.disabled = false;
        form.hidden = false;
        doneBox.hidden = true;
        var details = document.getElementById("survey-respondent");
        if (details) details.open = false;
      },
      show: function (visible) { root.hidden = !visible; },
      visible: function () { return !root.hidden; },
      /** The form gives way to a closing word (thanks, or why no answer is taken). */
      thank: function (text) {
        form.hidden = true;
        doneBox.hidden = false;
        document.getElementById("survey-done-text").textContent = text;
        root.hidden = false;
        document.getElementById("survey-done-title").focus({ preventScroll: false });
      },
      touched: function () { return touched; },
      /** What the outcome of a send says. */
      outcomeText: function (outcome) {
        if (outcome === "sent") return t.survey_thanks;
        if (outcome === "expired") return t.survey_expired;
        if (outcome === "not_just_finished" || outcome === "not_done") {
          return t.survey_not_just_finished;
        }
        return t.survey_answered;
      },
    };
  }

  window.LoketSurvey = Survey;
})();
