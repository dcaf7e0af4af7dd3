/* The counter's survey tablet: follows its counter's finishes (socket `?survey=<counter id>`)
 * and offers the survey of the ticket just finished there; after it is sent or skipped, or
 * left untouched for two minutes, back to the idle screen ("Terima kasih atas kunjungan
 * Anda"). It knows a ticket by its id and public code only, never its token. A finish while
 * someone is answering waits until they are done (then it is offered, if still recent). */
(function () {
  "use strict";
  var cfg = Loket.config();
  var t = cfg.t;
  var counter = cfg.view.counter;
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var current = null; // the ticket whose survey is on screen: {id, code}
  var next = null; // one finished while someone was answering
  var idleTimer = null;
  var thanksTimer = null;
  // What the tablet did, for the browser tests and for checking on site.
  var status = { offered: [], sent: 0, outcomes: [] };
  window.LoketTablet = status;

  function $(id) { return document.getElementById(id); }

  function restartIdle() {
    if (idleTimer) clearTimeout(idleTimer);
    idleTimer = current ? setTimeout(idle, cfg.idle_ms) : null;
  }

  function offer(ticket) {
    if (thanksTimer) { clearTimeout(thanksTimer); thanksTimer = null; }
    current = ticket;
    status.offered.push(ticket.code);
    survey.reset();
    $("survey-for").textContent = Loket.fmt(t.for_code, { code: ticket.code });
    $("idle").hidden = true;
    survey.show(true);
    window.scrollTo(0, 0);
    restartIdle();
  }

  /** Back to the idle screen, or to the survey of whoever was finished meanwhile. */
  function idle() {
    if (idleTimer) clearTimeout(idleTimer);
    if (thanksTimer) clearTimeout(thanksTimer);
    idleTimer = thanksTimer = null;
    current = null;
    if (next) {
      var waiting = next;
      next = null;
      offer(waiting);
      return;
    }
    if (!cfg.default_language) {
      location.replace(cfg.home_url); // the next visitor starts in the hall's language
      return;
    }
    survey.show(false);
    $("idle").hidden = false;
    window.scrollTo(0, 0);
  }

  var survey = window.LoketSurvey({
    t: t,
    post: function (body) {
      body.counter = counter.number;
      body.ticket = current.id;
      return fetch("/survey/answer", {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf },
        credentials: "same-origin",
        body: JSON.stringify(body),
      }).then(function (response) {
        return response.json().then(function (answer) {
          return { status: response.status, body: answer };
        });
      });
    },
    done: function (outcome) {
      status.outcomes.push(outcome);
      if (outcome === "sent") status.sent += 1;
      if (idleTimer) clearTimeout(idleTimer);
      survey.thank(survey.outcomeText(outcome));
      thanksTimer = setTimeout(idle, cfg.thanks_ms);
    },
    skip: function () {
      status.outcomes.push("skipped");
      idle();
    },
    activity: restartIdle,
  });

  function busy() { return current !== null && survey.touched(); }

  if (cfg.view.ticket) offer(cfg.view.ticket);

  Loket.connect({ survey: counter.id }, {
    // On every (re)connect: the ticket offered now, if any (none: the last one finished here
    // was answered, or is too old).
    snapshot: function (kind, data) {
      if (kind !== "survey" || busy() || thanksTimer) return;
      if (data.ticket && (!current || current.id !== data.ticket.id)) offer(data.ticket);
      else if (!data.ticket && current) idle();
    },
    ticket: function (msg) {
      var news = msg.ticket;
      if (msg.action !== "finish" || news.counter_id !== counter.id) return;
      var ticket = { id: news.id, code: news.code };
      if (busy()) { next = ticket; return; }
      offer(ticket);
    },
  }, false);
})();
