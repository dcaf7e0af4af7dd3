/* Phone status page: this ticket's own news, its place in the queue and the number now served
 * in its service, live; the holder may leave the queue (after confirming in a dialog); a call
 * vibrates and chimes; once served, the satisfaction survey (survey.js), unless answered or
 * skipped (remembered per ticket in this browser). */
(function () {
  "use strict";
  var cfg = Loket.config();
  var t = cfg.t;
  var ticket = cfg.ticket;
  var token = location.pathname.split("/").pop();
  var lastSeq = -1;
  var placeSeq = -1;
  var servingSeq = -1;
  var live = null;
  // What the page did, for the browser tests and for checking on site.
  var status = { chimed: 0, soundLocked: true };
  window.LoketStatus = status;

  function $(id) { return document.getElementById(id); }

  function queued() { return ticket.state === "issued" || ticket.state === "waiting"; }

  function stateText() {
    var counter = ticket.counter ? ticket.counter.number : "";
    switch (ticket.state) {
      case "issued": return t.issued;
      case "waiting": return t.waiting;
      case "called": return Loket.fmt(t.called, { n: counter });
      case "serving": return Loket.fmt(t.serving, { n: counter });
      case "done": return t.done;
      case "no_show": return t.no_show;
      case "cancelled": return t.cancelled;
      default: return t.over;
    }
  }

  /** "Lantai 3, Ruang Imigrasi" (i18n.zone_place): a transfer may send the ticket to another
   * floor. */
  function render() {
    var box = $("ticket");
    box.dataset.state = ticket.state;
    $("state-text").textContent = stateText();
    if ($("zone") && ticket.zone) $("zone").textContent = Loket.zonePlace(t.floor, ticket.zone);
    $("queue-facts").hidden = !queued();
    if ($("requirements")) $("requirements").hidden = !queued(); // needed until the call
    $("now-serving").textContent = ticket.now_serving || "—";
    $("position").textContent = ticket.position;
    $("wait").textContent = Loket.minutes(t, ticket.estimated_wait_s);
    $("leave").hidden = !queued();
    if (!queued() && dialog.open) dialog.close();
    // The sound matters only while the ticket may still be called.
    var callable = queued() || ticket.state === "called";
    $("sound-hint").hidden = !(status.soundLocked && callable);
    renderSurvey();
    document.title = (ticket.state === "called" ? "▶ " : "") + ticket.code + " — Loket";
  }

  // -- sound and vibration on the call ------------------------------------------------------

  var chime = $("chime");

  /** Browsers play sound only after the user touched the page: the first tap anywhere plays
   * the chime muted once, which allows it from then on. The unlock listens for the finished
   * tap (click), not its start: hiding the hint moves the Leave button under it, and a move
   * between finger down and finger up would make the tap miss the button it was meant for. */
  function unlockSound() {
    if (!status.soundLocked) return;
    chime.muted = true;
    var played = chime.play();
    var done = function () {
      chime.pause();
      chime.currentTime = 0;
      chime.muted = false;
    };
    if (played && played.then) {
      played.then(function () { done(); status.soundLocked = false; render(); },
        function () { done(); });
    } else {
      done();
      status.soundLocked = false;
      render();
    }
  }

  ["click", "keydown"].forEach(function (name) {
    document.addEventListener(name, unlockSound, { passive: true });
  });
  $("sound-hint").addEventListener("click", unlockSound);

  function ring() {
    if (navigator.vibrate) {
      try { navigator.vibrate([400, 200, 400, 200, 400]); } catch (err) { /* not allowed */ }
    }
    chime.muted = false;
    chime.currentTime = 0;
    var played = chime.play();
    if (played && played.then) {
      played.then(function () { status.chimed += 1; }, function () {
        status.soundLocked = true; // still blocked: say so on the page
        render();
      });
    } else {
      status.chimed += 1;
    }
  }

  // -- leaving the queue ----------------------------------------------------------------------

  var dialog = $("leave-dialog");

  function showError(text) {
    var box = $("leave-error");
    box.textContent = text || "";
    box.hidden = !text;
  }

  $("leave").addEventListener("click", function () {
    showError("");
    dialog.showModal();
  });
  $("leave-no").addEventListener("click", function () { dialog.close(); });
  dialog.addEventListener("close", function () {
    if (!$("leave").hidden) $("leave").focus();
  });

  $("leave-yes").addEventListener("click", function () {
    var yes = $("leave-yes");
    yes.disabled = true;
    fetch("/api/v1/tickets/by-token/" + encodeURIComponent(token) + "/cancel", {
      method: "POST",
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    }).then(function (response) {
      return response.json().then(function (body) { return { status: response.status, body: body }; });
    }).then(function (answer) {
      yes.disabled = false;
      dialog.close();
      if (answer.status === 200) {
        if (answer.body.seq >= lastSeq) {
          ticket = answer.body;
          lastSeq = answer.body.seq;
        } else {
          ticket.state = answer.body.state;
        }
        render();
        $("state-text").focus();
        return;
      }
      if (answer.status === 409) {
        showError(t.leave_refused);
        if (answer.body.detail && answer.body.detail.state) ticket.state = answer.body.detail.state;
        render();
        if (live) live.resync();
        return;
      }
      showError(t.leave_failed);
    }).catch(function () {
      yes.disabled = false;
      dialog.close();
      showError(t.leave_failed);
    });
  });

  // -- the satisfaction survey, once served ---------------------------------------------------

  var SURVEY_KEY = "loket.survey." + token;
  function remembered() {
    try { return window.localStorage.getItem(SURVEY_KEY); } catch (err) { return null; }
  }
  function remember(what) {
    try { window.localStorage.setItem(SURVEY_KEY, what); } catch (err) { /* private mode */ }
  }
  // open | answered | expired | not_done, as the server knew it when the page loaded.
  var surveyState = remembered() === "answered" ? "answered" : cfg.survey;
  var surveyOver = false; // its closing word is shown: it stays until the page is left
  var survey = $("survey") ? window.LoketSurvey({
    t: t,
    post: function (body) {
      return fetch("/api/v1/tickets/by-token/" + encodeURIComponent(token) + "/survey", {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        credentials: "same-origin",
        body: JSON.stringify(body),
      }).then(function (response) {
        return response.json().then(function (answer) {
          return { status: response.status, body: answer };
        });
      });
    },
    done: function (outcome) {
      surveyState = outcome === "expired" ? "expired" : "answered";
      remember(surveyState);
      surveyOver = true;
      survey.thank(survey.outcomeText(outcome));
      status.survey = outcome;
      render();
    },
    skip: function () {
      remember("skipped");
      status.survey = "skipped";
      render();
      $("state-text").focus();
    },
  }) : null;

  function renderSurvey() {
    $("survey-answered").hidden = surveyState !== "answered" || surveyOver;
    if (!survey || surveyOver) return;
    var open = surveyState === "open" || surveyState === "not_done";
    survey.show(ticket.state === "done" && open && remembered() !== "skipped");
  }

  // -- live news ------------------------------------------------------------------------------

  render();
  live = Loket.connect({ ticket: token }, {
    snapshot: function (kind, data) {
      if (kind !== "ticket") return;
      ticket = data;
      lastSeq = data.seq;
      placeSeq = data.seq;
      servingSeq = data.seq;
      render();
    },
    ticket: function (msg) {
      if (msg.seq <= lastSeq) return;
      lastSeq = msg.seq;
      var news = msg.ticket;
      var serviceChanged = news.service_id !== ticket.service.id;
      ticket.state = news.state;
      ticket.admitted = news.state !== "issued";
      ticket.counter = news.counter_number ? { number: news.counter_number } : null;
      if (msg.action === "call" || msg.action === "recall") ring();
      render();
      // A transfer moves the ticket to another service's queue: reconnect to follow that one
      // (the snapshot brings its new service, place and estimate).
      if (serviceChanged && live) { live.socket.disconnect(); live.socket.connect(); }
    },
    position: function (msg) {
      if (msg.seq < placeSeq || msg.seq < lastSeq) return;
      placeSeq = msg.seq;
      ticket.position = msg.position;
      ticket.estimated_wait_s = msg.estimated_wait_s;
      if (msg.state) ticket.state = msg.state;
      render();
    },
    // The public figures of this ticket's service: the number now being served there.
    queue: function (msg) {
      if (msg.seq < servingSeq) return;
      (msg.services || []).forEach(function (service) {
        if (service.id !== ticket.service.id || !("now_serving" in service)) return;
        servingSeq = msg.seq;
        ticket.now_serving = service.now_serving;
        render();
      });
    },
  }, false);
})();
