/* Counter terminal: the clerk's buttons (and keys), the ticket at this counter with its timers,
 * this counter's queues, and today's figures. Actions go through the JSON API with the
 * signed-in session; the socket keeps the screen in step with the other counters. */
(function () {
  "use strict";
  var cfg = Loket.config();
  var t = cfg.t;
  var detail = cfg.counter;
  var board = cfg.board;
  var counterId = detail.id;
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var clockOffset = 0; // server time − local time, ms
  var busy = false;
  var fresh = Loket.Freshness();
  var live = null;
  // The `seq` of what is known of the ticket at this counter (a snapshot, an action's answer,
  // a message): news of it no newer than this is already shown.
  var currentSeq = -1;
  // News of this counter's ticket that arrived while the clerk's own action was on its way:
  // applied after its answer, which covers the older ones.
  var pending = [];

  function $(id) { return document.getElementById(id); }

  function serverNow() { return Date.now() + clockOffset; }

  function since(iso) {
    if (!iso) return "—";
    var s = Math.max(0, Math.floor((serverNow() - Date.parse(iso)) / 1000));
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    var mm = (h ? String(m).padStart(2, "0") : String(m)) + ":" + String(r).padStart(2, "0");
    return h ? h + ":" + mm : mm;
  }

  function duration(seconds) {
    if (seconds === null || seconds === undefined) return "—";
    var m = Math.floor(seconds / 60), s = Math.round(seconds % 60);
    return m + ":" + String(s).padStart(2, "0");
  }

  function showError(text) {
    var box = $("error");
    box.textContent = text || "";
    box.hidden = !text;
  }

  function renderCurrent() {
    var cur = detail.current;
    $("current-code").textContent = cur ? cur.code : "—";
    $("current-service").textContent = cur ? cur.service.code + " · " + cur.service.name : t.idle;
    $("current-state").textContent = cur ? (t.states[cur.state] || cur.state) : "";
    $("current-state").dataset.state = cur ? cur.state : "";
    var prio = $("current-priority");
    prio.textContent = "";
    if (cur && cur.priority) {
      prio.appendChild(Loket.el("span", null,
        Loket.fmt(t.priority, { group: t.priorities[cur.priority] || cur.priority })));
    }
    prio.hidden = !(cur && cur.priority);
    renderTimers();
    var state = cur ? cur.state : null;
    var open = detail.state === "open";
    var enabled = {
      "call-next": open && !cur,
      recall: state === "called" && recallsLeft() !== 0,
      start: state === "called",
      finish: state === "called" || state === "serving",
      "no-show": state === "called" && noShowWait() === 0,
      requeue: state === "called",
      transfer: state === "called" || state === "serving",
      pause: open,
      open: !open,
    };
    document.querySelectorAll("[data-action]").forEach(function (button) {
      button.disabled = busy || !enabled[button.dataset.action];
    });
    // A chosen ticket is called when call-next could be (open, nobody at the counter).
    document.querySelectorAll("button[data-call]").forEach(function (button) {
      button.disabled = busy || !enabled["call-next"];
    });
    $("pause").hidden = !open;
    $("resume").hidden = open;
    var target = $("transfer-to");
    if (cur && target.value === cur.service.code) {
      // Offer another service than the ticket's own (transferring to it is refused).
      for (var i = 0; i < target.options.length; i++) {
        if (target.options[i].value !== cur.service.code) { target.selectedIndex = i; break; }
      }
    }
    var pill = $("counter-state");
    pill.textContent = t["state_" + detail.state] || detail.state;
    pill.dataset.state = detail.state;
    pill.className = "pill " + detail.state;
    $("served").textContent = detail.stats.served;
    $("mean").textContent = duration(detail.stats.mean_service_s);
    $("counter-title").textContent = detail.label || Loket.fmt(t.counter_n, { n: detail.number });
    $("counter-title").title = $("counter-title").textContent;
    renderPolicy();
  }

  // -- the site's recall and no-show rules (set in the admin console) -------------------------

  /** Recalls left for the ticket called here; null when the site sets no limit (or unknown). */
  function recallsLeft() {
    var limit = detail.policy ? detail.policy.recall_limit : null;
    var cur = detail.current;
    if (limit === null || limit === undefined || !cur || typeof cur.recalls_since_call !== "number") {
      return null;
    }
    return Math.max(0, limit - cur.recalls_since_call);
  }

  /** Seconds until a no-show may be marked for the ticket called here (0: now). */
  function noShowWait() {
    var after = detail.policy ? detail.policy.no_show_after_s : 0;
    var cur = detail.current;
    if (!after || !cur || cur.state !== "called" || !cur.called_at) return 0;
    return Math.max(0, Math.ceil((Date.parse(cur.called_at) + after * 1000 - serverNow()) / 1000));
  }

  function renderPolicy() {
    var wait = noShowWait();
    var waitNote = $("no-show-wait");
    waitNote.textContent = wait > 0 ? Loket.fmt(t.in_time, { t: duration(wait) }) : "";
    waitNote.hidden = wait === 0;
    var noShow = document.querySelector('[data-action="no-show"]');
    var called = !!(detail.current && detail.current.state === "called");
    noShow.disabled = busy || !called || wait > 0;
    var left = recallsLeft();
    var recallNote = $("recall-left");
    recallNote.textContent = left === null || !called ? "" : Loket.fmt(t.recalls_left, { n: left });
    recallNote.hidden = left === null || !called;
  }

  function renderTransferOptions() {
    var select = $("transfer-to");
    var chosen = select.value;
    select.textContent = "";
    board.services.forEach(function (s) {
      var option = Loket.el("option", null, s.code + " — " + (cfg.lang === "en" ? s.name_en : s.name));
      option.value = s.code;
      select.appendChild(option);
    });
    select.value = chosen;
    if (select.value !== chosen) select.selectedIndex = 0;
  }

  function renderTimers() {
    var cur = detail.current;
    $("t-waiting").textContent = cur ? since(cur.issued_at) : "—";
    if (cur && cur.first_called_at) {
      // Waiting ended at the first call: show how long it was, frozen.
      var waited = (Date.parse(cur.first_called_at) - Date.parse(cur.issued_at)) / 1000;
      $("t-waiting").textContent = duration(Math.max(0, waited));
    }
    $("t-called").textContent = cur && cur.state === "called" ? since(cur.called_at) : "—";
    $("t-serving").textContent = cur && cur.state === "serving" ? since(cur.started_at) : "—";
    document.querySelectorAll("#queues [data-issued]").forEach(function (cell) {
      cell.textContent = minutesSince(cell.dataset.issued);
    });
  }

  /** Whole minutes since `iso` on the server's clock ("12 min"). */
  function minutesSince(iso) {
    var minutes = Math.max(0, Math.floor((serverNow() - Date.parse(iso)) / 60000));
    return Loket.fmt(t.waited_min, { n: minutes });
  }

  /** The counter's services in its preference order, each with its figures and who waits
   * (the front of the queue first): a "Call" button for those waiting inside. */
  function renderQueues() {
    var box = $("queues");
    var scrolled = box.scrollTop;
    box.textContent = "";
    var lists = {};
    (detail.waiting || []).forEach(function (w) { lists[w.service_id] = w; });
    detail.services.forEach(function (s) {
      var block = Loket.el("section", "waiting-service");
      block.dataset.service = s.id;
      var head = Loket.el("h3", null, s.code + " · " + (cfg.lang === "en" ? s.name_en : s.name));
      head.appendChild(Loket.el("span", "figures", Loket.fmt(t.queue_line, {
        inside: s.waiting_inside, outside: s.waiting_outside, wait: Loket.minutes(t, s.estimated_wait_s),
      })));
      block.appendChild(head);
      var table = Loket.el("table", "waiting-list");
      var body = Loket.el("tbody");
      var list = lists[s.id] || { tickets: [], total: 0 };
      list.tickets.forEach(function (ticket) { body.appendChild(waitingRow(ticket)); });
      if (!list.tickets.length) {
        var none = Loket.el("tr", "none");
        var cell = Loket.el("td", null, t.nobody_here);
        cell.colSpan = 5;
        none.appendChild(cell);
        body.appendChild(none);
      } else if (list.total > list.tickets.length) {
        var more = Loket.el("tr", "more");
        var rest = Loket.el("td", null, Loket.fmt(t.more, { n: list.total - list.tickets.length }));
        rest.colSpan = 5;
        more.appendChild(rest);
        body.appendChild(more);
      }
      table.appendChild(body);
      block.appendChild(table);
      box.appendChild(block);
    });
    box.scrollTop = scrolled;
    renderCurrent();
  }

  function waitingRow(ticket) {
    var row = Loket.el("tr", ticket.inside ? "inside" : "outside");
    row.dataset.ticket = ticket.id;
    row.dataset.code = ticket.code;
    var code = Loket.el("td", "code", ticket.code);
    if (ticket.transferred) code.appendChild(Loket.el("span", "moved", " ↪ " + t.transferred));
    row.appendChild(code);
    var group = Loket.el("td", "group");
    if (ticket.priority) {
      group.appendChild(Loket.el("span", "prio-tag", t.priorities[ticket.priority] || ticket.priority));
    }
    row.appendChild(group);
    var time = Loket.el("td", "waited", minutesSince(ticket.issued_at));
    time.dataset.issued = ticket.issued_at;
    row.appendChild(time);
    row.appendChild(Loket.el("td", "where", ticket.inside ? t.inside : t.outside));
    var act = Loket.el("td", "act");
    if (ticket.inside) {
      var button = Loket.el("button", null, t.call);
      button.type = "button";
      button.dataset.call = ticket.id;
      button.title = Loket.fmt(t.call_code, { code: ticket.code });
      button.setAttribute("aria-label", button.title);
      act.appendChild(button);
    }
    row.appendChild(act);
    return row;
  }

  function renderRecent() {
    var list = $("recent");
    list.textContent = "";
    board.recent_calls.slice(0, 6).forEach(function (call) {
      var item = Loket.el("li", call.counter_id === counterId ? "mine" : null);
      item.appendChild(Loket.el("b", null, call.code));
      item.appendChild(document.createTextNode(" → " + Loket.fmt(t.counter_n, { n: call.counter_number })));
      list.appendChild(item);
    });
  }

  function applySnapshot(data) {
    board = data.board;
    delete data.board;
    detail = data;
    clockOffset = Date.parse(data.generated_at) - Date.now();
    fresh.reset(data.seq);
    currentSeq = data.seq;
    pending = [];
    renderTransferOptions();
    renderQueues();
    renderRecent();
  }

  /** A gap this screen cannot fill from the news: take a fresh snapshot (live.js). */
  function resync() {
    if (live) live.resync();
  }

  // -- applying what changed (the action's answer, the socket's news) ------------------------

  /** The staff view of the ticket an action at this counter answered with, as `current`. */
  function takeCurrent(ticket, action) {
    var before = detail.current;
    var same = before && before.id === ticket.id;
    var recalls = 0;
    if (action === "recall") recalls = same ? (before.recalls_since_call || 0) + 1 : 1;
    else if (action !== "call-next") recalls = same ? before.recalls_since_call : 0;
    detail.current = Object.assign({}, ticket, { recalls_since_call: recalls });
  }

  /** One more ticket served here today: the served count and mean service time move. */
  function countServed(begin, end) {
    var stats = detail.stats;
    var seconds = begin && end ? (Date.parse(end) - Date.parse(begin)) / 1000 : null;
    if (seconds !== null && !isNaN(seconds)) {
      var timed = stats.timed || 0;
      var total = (stats.mean_service_s || 0) * timed + seconds;
      stats.timed = timed + 1;
      stats.mean_service_s = Math.round(total / stats.timed);
    }
    stats.served += 1;
  }

  /** A ticket message about this counter's ticket (or one just called to it). */
  function applyTicket(msg) {
    if (typeof msg.seq === "number" && msg.seq <= currentSeq) return; // shown already
    var ticket = msg.ticket;
    var cur = detail.current;
    var known = cur && cur.id === ticket.id;
    var here = ticket.counter_id === counterId &&
      (ticket.state === "called" || ticket.state === "serving");
    if (typeof msg.seq === "number") currentSeq = msg.seq;
    if (known && here) {
      var changes = { state: ticket.state };
      if (msg.action === "recall") {
        changes.called_at = msg.at;
        changes.recalls_since_call = (cur.recalls_since_call || 0) + 1;
        changes.call_count = (cur.call_count || 0) + 1;
      }
      if (msg.action === "start") changes.started_at = msg.at;
      detail.current = Object.assign({}, cur, changes);
    } else if (known) {
      // Ended, sent back or elsewhere (from another screen of this counter): not here now.
      if (ticket.state === "done") countServed(cur.started_at || cur.called_at, msg.at);
      detail.current = null;
    } else if (here) {
      // Called here from somewhere else: the staff view (its group, times) is not in the
      // public news, so this one gap is filled from a fresh snapshot.
      resync();
      return;
    } else {
      return;
    }
    renderCurrent();
  }

  /** Why an action cannot be taken now, in words (a key pressed at the wrong moment says so). */
  function whyNot(action) {
    var cur = detail.current;
    var state = cur ? cur.state : null;
    if (busy) return t.why.wait;
    if (action === "open") return null; // open already: nothing to say
    if (action === "pause") return detail.state === "open" ? null : t.why.paused;
    if (action === "call-next") {
      if (detail.state !== "open") return t.why.paused;
      return cur ? t.why.busy_counter : null;
    }
    if (!cur) return t.why.no_ticket;
    if (action === "recall") {
      if (state !== "called") return t.why.not_called;
      return recallsLeft() === 0 ? t.why.recall_limit : null;
    }
    if (action === "no-show") {
      if (state !== "called") return t.why.not_called;
      var wait = noShowWait();
      return wait > 0 ? Loket.fmt(t.why.too_early, { t: duration(wait) }) : null;
    }
    if (action === "start" || action === "requeue") return state === "called" ? null : t.why.not_called;
    return null;
  }

  // -- no-show: asked first, and undone from here (reinstate) -------------------------------

  var lastNoShow = null; // { id, code } of this counter's latest no-show, while it can be undone
  var undoTimer = null;

  function confirming() { return !$("confirm").hidden; }

  function askNoShow() {
    $("confirm-text").textContent = Loket.fmt(t.confirm_no_show, { code: detail.current.code });
    $("confirm").hidden = false;
    $("confirm-yes").focus();
  }

  function closeConfirm() { $("confirm").hidden = true; }

  function showUndo(text, canUndo) {
    $("undo-text").textContent = text;
    $("undo-button").hidden = !canUndo;
    $("undo").hidden = false;
    if (undoTimer) clearTimeout(undoTimer);
    undoTimer = canUndo ? null : setTimeout(function () { $("undo").hidden = true; }, 5000);
  }

  function hideUndo() {
    lastNoShow = null;
    $("undo").hidden = true;
  }

  function url(action) {
    var cur = detail.current;
    if (action === "call-next" || action === "pause" || action === "open") {
      return "/api/v1/counters/" + counterId + "/" + action;
    }
    return cur ? "/api/v1/tickets/" + cur.id + "/" + action : null;
  }

  function act(action, confirmed, outcome) {
    var button = document.querySelector('[data-action="' + action + '"]' +
      (outcome ? '[data-outcome="' + outcome + '"]' : ""));
    if (!button) return;
    if (busy || button.disabled || button.hidden) {
      var why = whyNot(action);
      if (why) showError(why);
      return;
    }
    var target = url(action);
    if (!target) return;
    if (action === "no-show" && !confirmed) {
      askNoShow();
      return;
    }
    var body = action === "transfer" ? { service: $("transfer-to").value } : {};
    if (action === "finish") {
      // Selesai (F) is completed; the outcome buttons say otherwise; the note goes with either.
      var note = $("outcome-note").value.trim();
      if (outcome) body.outcome = outcome;
      if (note) body.note = note;
    }
    var ticket = detail.current;
    if (action === "call-next" && lastNoShow) hideUndo(); // the next applicant: the moment passed
    send(target, body, action, ticket, outcome);
  }

  /** Call the ticket the clerk picked from the waiting list (its row's button). */
  function callChosen(button) {
    if (busy || button.disabled) {
      var why = whyNot("call-next");
      if (why) showError(why);
      return;
    }
    if (lastNoShow) hideUndo();
    var target = "/api/v1/counters/" + counterId + "/call/" + button.dataset.call;
    send(target, {}, "call-next", null);
  }

  function undoNoShow() {
    if (!lastNoShow || busy) return;
    var ticket = lastNoShow;
    send("/api/v1/tickets/" + ticket.id + "/reinstate", {}, "reinstate", ticket);
  }

  function send(target, body, action, ticket, outcome) {
    busy = true;
    showError("");
    renderCurrent();
    fetch(target, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body),
      credentials: "same-origin",
    })
      .then(function (response) {
        if (response.status === 204) return { status: 204, data: null };
        return response.json().then(function (data) { return { status: response.status, data: data }; });
      })
      .then(function (result) {
        busy = false;
        var news = pending;
        pending = [];
        if (result.data && typeof result.data.seq === "number" && result.data.id !== undefined &&
            action !== "pause" && action !== "open") {
          currentSeq = Math.max(currentSeq, result.data.seq);
        }
        if (result.status === 204) showError(t.nobody);
        else if (result.status >= 400) {
          var code = result.data && result.data.error;
          showError((t.errors && t.errors[code]) || (result.data && result.data.message) || String(result.status));
          // Refused: this screen's picture was behind (a ticket moved on elsewhere).
          news = [];
          resync();
        } else if (action === "call-next" || action === "recall" || action === "start") {
          takeCurrent(result.data, action);
        } else if (action === "pause" || action === "open") {
          detail.state = result.data.state;
          detail.label = result.data.label;
        } else if (action === "reinstate") {
          lastNoShow = null;
          showUndo(Loket.fmt(t.reinstated, { code: ticket.code }), false);
        } else {
          if (action === "finish") {
            countServed(result.data.started_at || result.data.called_at, result.data.finished_at);
            $("outcome-note").value = "";
            if (outcome) {
              showUndo(Loket.fmt(t.finished_as, { code: ticket.code, outcome: t.outcomes[outcome] }), false);
            }
          }
          detail.current = null;
          if (action === "no-show") {
            lastNoShow = { id: ticket.id, code: ticket.code };
            showUndo(Loket.fmt(t.marked_no_show, { code: ticket.code }), true);
          }
        }
        renderCurrent();
        news.forEach(applyTicket);
      })
      .catch(function () {
        busy = false;
        showError(t.network);
        renderCurrent();
        // What happened to the action is unknown: ask.
        pending = [];
        resync();
      });
  }

  document.querySelectorAll("[data-action]").forEach(function (button) {
    button.addEventListener("click", function () {
      act(button.dataset.action, false, button.dataset.outcome);
    });
  });
  $("confirm-yes").addEventListener("click", function () { closeConfirm(); act("no-show", true); });
  $("confirm-no").addEventListener("click", closeConfirm);
  $("undo-button").addEventListener("click", undoNoShow);
  $("queues").addEventListener("click", function (event) {
    var button = event.target.closest("button[data-call]");
    if (button) callChosen(button);
  });

  var KEYS = { " ": "call-next", r: "recall", s: "start", f: "finish", n: "no-show",
    b: "requeue", t: "transfer", p: "pause", o: "open" };
  // Finish with another outcome, one key each (Selesai, F, is completed).
  var OUTCOME_KEYS = { d: "incomplete_documents", j: "referred", l: "other" };
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.altKey || event.metaKey) return;
    if (confirming()) {
      // The question waits for its answer: N or Enter says yes, Escape no; nothing else.
      var key = event.key.toLowerCase();
      if (key === "n" || key === "enter") { event.preventDefault(); closeConfirm(); act("no-show", true); }
      else if (key === "escape") { event.preventDefault(); closeConfirm(); }
      return;
    }
    var tag = (event.target && event.target.tagName) || "";
    if (tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA") return;
    var key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
    if (OUTCOME_KEYS[key]) {
      event.preventDefault();
      act("finish", false, OUTCOME_KEYS[key]);
      return;
    }
    var action = KEYS[key];
    if (!action) return;
    event.preventDefault();
    act(action);
  });

  applySnapshot(Object.assign({}, detail, { board: board }));
  setInterval(function () { renderTimers(); renderPolicy(); }, 1000);
  live = Loket.connect({ counter: counterId }, {
    snapshot: function (kind, data) { if (kind === "counter") applySnapshot(data); },
    ticket: function (msg) {
      var ticket = msg.ticket;
      if (msg.action === "call" || msg.action === "recall") {
        board.recent_calls = [{ code: ticket.code, counter_id: ticket.counter_id,
          counter_number: ticket.counter_number, seq: msg.seq }].concat(
          board.recent_calls.filter(function (c) { return c.code !== ticket.code; }));
        renderRecent();
      }
      var mine = ticket.counter_id === counterId ||
        (detail.current && detail.current.id === ticket.id);
      if (!mine) return;
      if (busy) pending.push(msg); // the action's answer comes first
      else applyTicket(msg);
    },
    counter: function (msg) {
      if (msg.counter.id !== counterId || !fresh.fresh("counter", msg.seq)) return;
      detail.state = msg.counter.state;
      renderCurrent();
    },
    // The admin console changed the hall's set-up (this counter's services or label, the
    // site's rules …), which the message's board does not say: take a fresh look.
    config: function () { resync(); },
    // Who waits for this counter's services (staff only: this counter's room).
    waiting: function (msg) {
      var changed = false;
      detail.waiting = detail.waiting || [];
      msg.services.forEach(function (w) {
        if (!fresh.fresh("w" + w.service_id, msg.seq)) return;
        var at = detail.waiting.findIndex(function (mine) { return mine.service_id === w.service_id; });
        if (at >= 0) detail.waiting[at] = w;
        else detail.waiting.push(w);
        changed = true;
      });
      if (changed) renderQueues();
    },
    queue: function (msg) {
      var changed = false;
      msg.services.forEach(function (s) {
        detail.services.forEach(function (mine, i) {
          if (mine.id === s.id && fresh.fresh(s.id, msg.seq)) {
            detail.services[i] = Object.assign({}, s, { rank: mine.rank });
            changed = true;
          }
        });
      });
      if (changed) renderQueues();
    },
  }, true);
})();
