/* The booking desk (issue 16, item 8): a clerk finds a booking by its code, or by the holder's
 * NIK or number and a day, and checks it in for someone.
 *
 * Both ask the API with the browser's session and the page's CSRF token (header
 * X-CSRFToken, as the counter terminal does): GET /api/v1/bookings/lookup lists what it
 * finds; POST /api/v1/bookings/check-in {code} answers 201 with the ticket issued (its number
 * shown large, with a link to print its slip) or a refusal, said in words: too early ("come
 * back at 08.45", in the hall's time), too late, already checked in (with its ticket), not
 * today, cancelled, expired. Times are the hall's (Loket.hallClock), not the desk PC's. */
(function () {
  "use strict";
  var cfg = Loket.config();
  var t = cfg.t;
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var list = document.getElementById("desk-list");
  var error = document.getElementById("desk-error");
  var note = document.getElementById("desk-note");
  var issued = document.getElementById("desk-issued");
  var last = null; // the last search's query, asked again after a check-in
  var busy = false;
  var refusals = 0; // how many searches were refused: a search answered after one is dropped

  function say(text) {
    error.textContent = text || "";
    error.hidden = !text;
  }

  function tell(text) {
    note.textContent = text || "";
    note.hidden = !text;
  }

  function clock(iso) { return Loket.hallClock(iso, cfg.timezone, cfg.lang); }

  /* A refused or failed search: said, and the last search's bookings and ticket go, so that
   * the next person's error never stands above the last person's booking, one click from
   * checking it in. */
  function refuse(text) {
    refusals += 1;
    list.textContent = "";
    issued.hidden = true;
    last = null;
    tell("");
    say(text);
  }

  function ask(method, url, body) {
    return fetch(url, {
      method: method,
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf },
      body: body ? JSON.stringify(body) : undefined,
      credentials: "same-origin",
    }).then(function (response) {
      return response.json().catch(function () { return null; })
        .then(function (data) { return { status: response.status, data: data }; });
    });
  }

  /* A refused search or check-in in words (the server's reason for a bad id or date). */
  function problem(status, data) {
    var code = data && data.error;
    var detail = (data && data.detail) || {};
    var reason = detail.reason || (data && data.message) || "";
    if (status === 401) return t.unauthorized;
    if (status === 429) return t.rate_limited;
    if (code === "invalid_holder_id") return Loket.fmt(t.invalid_holder_id, { reason: reason });
    if (code === "invalid_date") return Loket.fmt(t.invalid_date, { reason: reason });
    if (status === 422 && reason) return Loket.fmt(t.invalid, { reason: reason });
    return t.error;
  }

  // -- the search ----------------------------------------------------------------------------
  function normalCode(raw) { return raw.toUpperCase().replace(/[\s-]/g, ""); }

  function search(query) {
    if (busy) return;
    busy = true;
    say("");
    tell(t.searching);
    var params = new URLSearchParams(query);
    params.set("site", cfg.site);
    var since = refusals;
    ask("GET", "/api/v1/bookings/lookup?" + params.toString())
      .then(function (answer) {
        busy = false;
        if (refusals !== since) return; // the clerk has moved on to someone else meanwhile
        if (answer.status !== 200 || !Array.isArray(answer.data)) {
          refuse(problem(answer.status, answer.data));
          return;
        }
        last = query;
        show(answer.data, query);
      })
      .catch(function () {
        busy = false;
        if (refusals === since) refuse(t.network);
      });
  }

  function show(found, query) {
    list.textContent = "";
    if (!found.length) {
      tell(query.code
        ? Loket.fmt(t.none_code, { code: query.code })
        : Loket.fmt(t.none_holder, { day: Loket.longDay(query.date, cfg.lang) }));
      return;
    }
    tell("");
    found.forEach(function (booking) { list.appendChild(row(booking)); });
  }

  function row(booking) {
    var item = Loket.el("li", "desk-booking");
    item.dataset.code = booking.code;
    item.dataset.state = booking.state;
    var head = Loket.el("div", "desk-booking-head");
    head.appendChild(Loket.el("span", "desk-code", booking.code));
    head.appendChild(Loket.el("span", "pill desk-state " + booking.state, t.states[booking.state] || booking.state));
    if (booking.ticket) head.appendChild(Loket.el("span", "desk-has-ticket", Loket.fmt(t.ticket, { code: booking.ticket })));
    item.appendChild(head);
    var what = Loket.el("p", "desk-what");
    what.appendChild(Loket.el("b", null, booking.service.code + " · " + booking.service.name));
    what.appendChild(document.createTextNode(" — " + booking.agency.name));
    item.appendChild(what);
    item.appendChild(Loket.el("p", "desk-where", Loket.zonePlace(t.floor, booking.zone)));
    var when = Loket.longDay(booking.date, cfg.lang) + " · " + Loket.fmt(t.session, {
      from: clock(booking.session.starts_at), to: clock(booking.session.ends_at),
    });
    item.appendChild(Loket.el("p", "desk-when", when));
    if (booking.state === "booked") {
      item.appendChild(Loket.el("p", "muted desk-window", Loket.fmt(t.window, {
        from: clock(booking.check_in_from), to: clock(booking.check_in_until),
      })));
    }
    if (booking.name) item.appendChild(Loket.el("p", "desk-name", Loket.fmt(t.name, { name: booking.name })));
    // Only a booking of today that is still booked can become a ticket here (the server
    // decides the rest: too early, too late).
    if (booking.state === "booked" && booking.date === cfg.today) {
      var button = Loket.el("button", "desk-check-in", t.check_in);
      button.type = "button";
      button.addEventListener("click", function () { checkIn(booking, item, button); });
      item.appendChild(button);
    }
    var refused = Loket.el("p", "error desk-refusal");
    refused.setAttribute("role", "alert");
    refused.hidden = true;
    item.appendChild(refused);
    return item;
  }

  document.getElementById("by-code").addEventListener("submit", function (event) {
    event.preventDefault();
    var typed = normalCode(document.getElementById("code").value);
    if (!typed) { refuse(t.code_empty); return; }
    var wellFormed = typed.length === cfg.code_length && typed.split("").every(function (ch) {
      return cfg.alphabet.indexOf(ch) >= 0;
    });
    if (!wellFormed) { refuse(t.code_bad); return; }
    issued.hidden = true; // the next person: the last ticket's panel goes
    search({ code: typed });
  });

  document.getElementById("by-holder").addEventListener("submit", function (event) {
    event.preventDefault();
    var holder = document.getElementById("holder").value.trim();
    if (!holder) { refuse(t.holder_empty); return; }
    var wrong = Loket.holderProblem(cfg.holder_kind, holder, cfg.holder_words, cfg.provinces);
    if (wrong) { refuse(wrong); return; }
    issued.hidden = true;
    search({ holder_id: holder, date: document.getElementById("day").value || cfg.today });
  });

  // -- checking in ---------------------------------------------------------------------------
  function refusal(status, data, booking) {
    var code = data && data.error;
    var detail = (data && data.detail) || {};
    if (code === "too_early" && detail.opens_at) return Loket.fmt(t.refused.too_early, { time: clock(detail.opens_at) });
    if (code === "not_today") return Loket.fmt(t.refused.not_today, { day: Loket.longDay(detail.day || booking.date, cfg.lang) });
    if (code === "already_checked_in") return null; // said with its ticket, once looked up
    if (t.refused[code]) return t.refused[code];
    return problem(status, data);
  }

  function checkIn(booking, item, button) {
    if (busy) return;
    busy = true;
    button.disabled = true;
    button.textContent = t.checking_in;
    say("");
    var refused = item.querySelector(".desk-refusal");
    refused.hidden = true;
    ask("POST", "/api/v1/bookings/check-in?site=" + encodeURIComponent(cfg.site), { code: booking.code })
      .then(function (answer) {
        busy = false;
        button.disabled = false;
        button.textContent = t.check_in;
        if (answer.status === 201 && answer.data && answer.data.token) {
          ticket(answer.data);
          if (last) search(last); // the row now says checked in, with its ticket
          return;
        }
        var words = refusal(answer.status, answer.data, booking);
        if (words === null) {
          alreadyIn(booking, refused);
          return;
        }
        refused.textContent = words;
        refused.hidden = false;
      })
      .catch(function () {
        busy = false;
        button.disabled = false;
        button.textContent = t.check_in;
        refused.textContent = t.network;
        refused.hidden = false;
      });
  }

  /* Checked in already (at the kiosk, or at another desk): look it up again to say which
   * ticket it has, and show its row as it is now. */
  function alreadyIn(booking, refused) {
    ask("GET", "/api/v1/bookings/lookup?" + new URLSearchParams({ code: booking.code, site: cfg.site }))
      .then(function (answer) {
        var now = answer.status === 200 && Array.isArray(answer.data) ? answer.data[0] : null;
        var words = now && now.ticket
          ? Loket.fmt(t.refused.already_checked_in, { ticket: now.ticket })
          : t.refused.already_checked_in_unknown;
        if (now) {
          var fresh = row(now);
          refused.parentNode.replaceWith(fresh);
          refused = fresh.querySelector(".desk-refusal");
        }
        refused.textContent = words;
        refused.hidden = false;
      })
      .catch(function () {
        refused.textContent = t.refused.already_checked_in_unknown;
        refused.hidden = false;
      });
  }

  /* The ticket issued: its number large, what it is, and its slip to print (the kiosk's
   * ticket page, which comes back here when printed). */
  function ticket(data) {
    document.getElementById("issued-code").textContent = data.code;
    document.getElementById("issued-what").textContent =
      data.service.code + " · " + data.service.name + (data.zone ? " — " + Loket.zonePlace(t.floor, data.zone) : "");
    var walkIn = document.getElementById("issued-note");
    walkIn.textContent = t.walk_in;
    walkIn.hidden = data.channel === "online";
    document.getElementById("issued-print").href = "/kiosk/ticket/" + encodeURIComponent(data.token) +
      "?print=1&lang=" + encodeURIComponent(cfg.lang) + "&back=" + encodeURIComponent(location.pathname + location.search);
    issued.hidden = false;
  }
})();
