/* Kiosk: one button per service, live waiting counts and estimates; a touch takes a ticket
 * and opens its printable page (which prints itself and comes back here, in Indonesian).
 *
 * Each applicant starts fresh: after `data-idle-s` seconds untouched the kiosk drops the last
 * person's priority choice, number and message, and goes back to Indonesian. An error message
 * closes at the next touch, or by itself after `data-message-s` seconds.
 *
 * In a mall (`cfg.agencies`: more than one agency) the agencies come first, as tiles in their
 * colours; a touch shows that agency's services, "Back" (or the idle time) the tiles again. A
 * tile says when its agency takes no walk-ins ("register online") or is full for today; the
 * agencies' counts come with the queue news (and from GET /api/v1/agencies on connecting).
 * `cfg.zone`: a kiosk of one zone shows that zone's services only, and its room's figures.
 *
 * Online registration (issue 16): a service taking both channels with a daily quota says how
 * many walk-in numbers are left today (`walk_in_left`, in the board and the queue news, from
 * the hall's read model); at 0, or for an agency or service taking online bookings only, a
 * touch shows the booking page's address and its QR code (`#register`) instead of issuing. */
(function () {
  "use strict";
  var cfg = Loket.config();
  var t = cfg.t;
  var root = document.getElementById("kiosk");
  var IDLE_MS = Number(root.dataset.idleS) * 1000 || 30000;
  var MESSAGE_MS = Number(root.dataset.messageS) * 1000 || 10000;
  var priority = null;
  var busy = false;
  var fresh = Loket.Freshness();
  var hall = cfg.board.hall;
  var services = {};
  // Service id → the documents it asks for (the board's and the queue news' `requirements`).
  var requirements = {};
  // Open counters per service. The board's figures leave the count out, so it is worked out
  // from the board's counter states and the counters' services (`counter_services`); the
  // queue news carries it itself.
  var counterServices = cfg.counter_services || {};
  var countersOpen = {};

  // -- the mall: agencies first ------------------------------------------------------------
  var agencyList = cfg.agencies || [];
  var agencyMode = agencyList.length > 1;
  var agencies = {}; // id → {id, code, name, name_en, colour, walk_in, daily_cap, issued_today}
  agencyList.forEach(function (a) { agencies[a.id] = a; });
  var chosenAgency = null; // the agency whose services are shown
  var boardServices = []; // the services this kiosk offers (of its zone), in order

  function ofZone(list) {
    if (cfg.zone === null || cfg.zone === undefined) return list;
    return list.filter(function (s) { return s.zone && s.zone.id === cfg.zone; });
  }

  /* The service buttons shown now: all of them, or in a mall the chosen agency's (none while
   * the tiles are shown). */
  function shownServices() {
    if (!agencyMode) return boardServices;
    if (chosenAgency === null) return [];
    return boardServices.filter(function (s) { return s.agency && s.agency.id === chosenAgency; });
  }

  var message = document.getElementById("message");
  var messageText = document.getElementById("message-text");
  var messageTimer = null;

  function show(text, closable) {
    messageText.textContent = text;
    document.getElementById("message-close").hidden = !closable;
    message.hidden = false;
    message.dataset.closable = closable ? "yes" : "no";
    if (messageTimer) clearTimeout(messageTimer);
    messageTimer = closable ? setTimeout(hide, MESSAGE_MS) : null;
  }

  function hide() {
    if (messageTimer) clearTimeout(messageTimer);
    messageTimer = null;
    message.hidden = true;
    if (homeAfterMessage) goHome();
  }

  // -- register online: the booking page's address and its QR code --------------------------
  var register = document.getElementById("register");
  var registerTimer = null;

  /* The booking page's address, starting with an agency or a service (`which`: {agency} or
   * {service}, their codes), as the server's daftar_url makes it for the QR code. */
  function daftarUrl(which) {
    var url = cfg.daftar_url;
    var key = which.service ? "service" : which.agency ? "agency" : null;
    if (!key) return url;
    return url + (url.indexOf("?") < 0 ? "?" : "&") + key + "=" + encodeURIComponent(which[key]);
  }

  /* Show where to register online; `why`: the sentence saying why no number is given. */
  function showRegister(which, why) {
    if (registerTimer) clearTimeout(registerTimer);
    document.getElementById("register-why").textContent = why;
    // The address breaks, when it must, after a "/" or before its "?" (never inside a word).
    var box = document.getElementById("register-url");
    box.textContent = "";
    daftarUrl(which).split(/(?=[?&])|(?<=\/)/).forEach(function (part, i) {
      if (i) box.appendChild(document.createElement("wbr"));
      box.appendChild(document.createTextNode(part));
    });
    var query = "?site=" + encodeURIComponent(cfg.site);
    if (which.service) query += "&service=" + encodeURIComponent(which.service);
    else if (which.agency) query += "&agency=" + encodeURIComponent(which.agency);
    document.getElementById("register-qr").src = "/kiosk/register-online.svg" + query;
    register.hidden = false;
    registerTimer = setTimeout(hideRegister, MESSAGE_MS);
  }

  function hideRegister() {
    if (registerTimer) clearTimeout(registerTimer);
    registerTimer = null;
    register.hidden = true;
  }

  // The next touch anywhere closes it (the box covers the screen, like an error's).
  register.addEventListener("click", hideRegister);

  // After "not yet" the kiosk starts over for the next person, in the hall's first language,
  // once its message has been read (or has closed by itself).
  var homeAfterMessage = false;

  function goHome() {
    homeAfterMessage = false;
    if (cfg.lang !== cfg.home_lang) location.replace(root.dataset.home);
  }

  // The next touch anywhere closes an error (the box covers the screen, so the touch reaches
  // no button behind it); "Printing your ticket…" stays until the ticket page opens.
  message.addEventListener("click", function () {
    if (message.dataset.closable === "yes") hide();
  });

  function countOpen(board) {
    var counts = {};
    (board.counters || []).forEach(function (c) {
      if (c.state !== "open") return;
      (counterServices[c.id] || []).forEach(function (id) { counts[id] = (counts[id] || 0) + 1; });
    });
    countersOpen = counts;
  }

  function waitText(s) {
    if (!countersOpen[s.id] || s.estimated_wait_s === null) return t.no_counter;
    return Loket.minutes(t, s.estimated_wait_s);
  }

  function applyService(s) {
    services[s.id] = s;
    if (s.requirements) requirements[s.id] = s.requirements;
    if (typeof s.counters_open === "number") countersOpen[s.id] = s.counters_open;
    if (agencyMode && s.agency) applyTile(s.agency.id);
    var button = document.querySelector('.service[data-id="' + s.id + '"]');
    if (!button) return;
    button.querySelector('[data-field="waiting"]').textContent = s.waiting;
    button.querySelector('[data-field="wait"]').textContent = waitText(s);
    var status = "";
    // Online only, or its walk-in share used up: no number here, but a touch says where to
    // register online (the button stays touchable).
    var refer = "";
    if (hall && hall.open === false) {
      status = Loket.fmt(t.hall_closed_button, { hours: hall.opens_at + "–" + hall.closes_at });
    } else if (!s.open) status = t.closed;
    else if (s.quota_left === 0) status = t.quota;
    else if (s.channels === "online") { status = t.register_online; refer = "online"; }
    else if (s.walk_in_left === 0) { status = t.walk_in_used; refer = "walk_in_share"; }
    var left = "";
    if (!status && typeof s.walk_in_left === "number") left = Loket.fmt(t.walk_in_left, { n: s.walk_in_left });
    var leftField = button.querySelector('[data-field="left"]');
    if (leftField) leftField.textContent = left;
    button.querySelector('[data-field="status"]').textContent = status;
    button.disabled = status !== "" && !refer;
    if (refer) button.dataset.refer = refer;
    else delete button.dataset.refer;
    button.classList.toggle("unavailable", status !== "");
    refit(false);
  }

  function applyHall(news) {
    var wasOpen = hall && hall.open;
    hall = news;
    if (wasOpen !== hall.open) {
      Object.keys(services).forEach(function (id) { applyService(services[id]); });
      Object.keys(agencies).forEach(function (id) { applyTile(Number(id)); });
    }
    var line = document.getElementById("hall");
    var before = line.offsetHeight;
    var text = "";
    if (!hall.open) text = t.hall_closed;
    else if (hall.full) text = t.full;
    var capped = hall.capacity !== null && hall.capacity !== undefined;
    var count = capped ? Loket.fmt(t.inside, { inside: hall.inside, capacity: hall.capacity }) : "";
    document.getElementById("hall-text").textContent = text;
    document.getElementById("hall-count").textContent = count;
    line.dataset.full = hall.full ? "yes" : "no";
    line.dataset.open = hall.open ? "yes" : "no";
    line.hidden = !text && !count;
    refit(line.offsetHeight !== before); // the buttons got more or less room
    refitTiles(line.offsetHeight !== before);
  }

  // -- the agency tiles ----------------------------------------------------------------------
  /* What a tile says: no walk-ins, full for today, or every one of its services closed (the
   * hall closed, or each service closed or out of quota); "" when it opens into its services. */
  function tileStatus(a) {
    if (!a.walk_in) return { text: t.register_online, refused: "walk_in_not_accepted", refer: true };
    if (a.daily_cap !== null && a.daily_cap !== undefined && a.issued_today >= a.daily_cap) {
      return { text: t.agency_full, refused: "agency_cap_reached" };
    }
    if (hall && hall.open === false) {
      return { text: Loket.fmt(t.hall_closed_button, { hours: hall.opens_at + "–" + hall.closes_at }), refused: null };
    }
    var own = boardServices.filter(function (s) { return s.agency && s.agency.id === a.id; })
      .map(function (s) { return services[s.id] || s; });
    if (own.length && own.every(function (s) { return !s.open; })) return { text: t.agency_closed, refused: null };
    if (own.length && own.every(function (s) { return !s.open || s.quota_left === 0; })) {
      return { text: t.quota, refused: null };
    }
    return { text: "", refused: null };
  }

  function applyTile(id) {
    var a = agencies[id];
    var tile = document.querySelector('.agency[data-id="' + id + '"]');
    if (!a || !tile) return;
    var state = tileStatus(a);
    var field = tile.querySelector('[data-field="status"]');
    if (field.textContent !== state.text) {
      field.textContent = state.text;
      refitTiles(false);
    }
    tile.classList.toggle("unavailable", state.text !== "");
    tile.dataset.walkIn = a.walk_in ? "yes" : "no";
    tile.dataset.full = state.refused === "agency_cap_reached" ? "yes" : "no";
    // An online-only agency's tile stays touchable: it shows where to register online.
    if (state.text && !state.refer) tile.setAttribute("aria-disabled", "true");
    else tile.removeAttribute("aria-disabled");
  }

  function touchTile(tile) {
    if (busy) return;
    var id = Number(tile.dataset.id);
    var a = agencies[id];
    if (!a) return;
    var state = tileStatus(a);
    if (state.refer) { showRegister({ agency: a.code }, t.register_agency); return; }
    if (state.refused) { show(t[state.refused], true); return; }
    if (state.text) return; // closed: its services would all be closed too
    openAgency(id);
  }

  function openAgency(id) {
    var a = agencies[id];
    chosenAgency = id;
    document.getElementById("agencies").hidden = true;
    document.getElementById("agency-bar").hidden = false;
    var name = document.getElementById("agency-chosen");
    name.textContent = cfg.lang === "en" && a.name_en ? a.name_en : a.name;
    var c = colour(a.colour);
    document.getElementById("agency-bar").style.removeProperty("--agency");
    servicesBox.style.removeProperty("--agency");
    if (c) {
      document.getElementById("agency-bar").style.setProperty("--agency", c);
      servicesBox.style.setProperty("--agency", c);
    }
    servicesBox.hidden = false;
    drawServices();
    refit(true);
  }

  function closeAgency() {
    if (!agencyMode || chosenAgency === null) return;
    chosenAgency = null;
    servicesBox.hidden = true;
    document.getElementById("agency-bar").hidden = true;
    document.getElementById("agencies").hidden = false;
    drawServices();
    refitTiles(true);
  }

  /* The agencies' counts (issued today against each one's daily cap) come with each piece of
   * the hall's queue news; they are not in the board's figures, so on (re)connecting and after
   * a refusal the kiosk reads them once from the API's kept snapshot. */
  function applyAgencyCounts(list) {
    list.forEach(function (a) {
      if (!agencies[a.id]) return;
      agencies[a.id].issued_today = a.issued_today;
      applyTile(a.id);
    });
  }

  var agencyTimer = null;

  function refreshAgencies() {
    if (!agencyMode || agencyTimer !== null) return;
    agencyTimer = setTimeout(function () {
      agencyTimer = null;
      fetch("/api/v1/agencies?site=" + encodeURIComponent(cfg.site), {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (list) {
          if (!list) return;
          list.forEach(function (a) {
            if (!agencies[a.id]) return;
            agencies[a.id] = a;
            applyTile(a.id);
          });
        })
        .catch(function () {});
    }, 300);
  }

  /* An agency's colour as its tile's --agency (set here: the page's CSP allows no inline
   * style attribute); anything but #rrggbb keeps the hall's own colour. */
  function colour(value) { return /^#[0-9a-fA-F]{6}$/.test(value || "") ? value : null; }

  if (agencyMode) {
    document.querySelectorAll(".agency").forEach(function (tile) {
      var c = colour(tile.dataset.colour);
      if (c) tile.style.setProperty("--agency", c);
      tile.addEventListener("click", function () { touchTile(tile); });
    });
    document.getElementById("back").addEventListener("click", closeAgency);
  }

  // The buttons follow the hall's services: the admin console may add, rename, reorder or
  // close one at any time, and the kiosk redraws its buttons from the next board it gets.
  // The grid's columns follow the number of buttons (loket.css).
  var layout = "";

  function signature(list) {
    return list.map(function (s) { return [s.id, s.code, s.name, s.name_en].join("\u0001"); })
      .join("\u0002");
  }

  function makeButton(s) {
    var button = Loket.el("button", "service");
    button.type = "button";
    button.dataset.id = s.id;
    button.dataset.code = s.code;
    var body = button.appendChild(Loket.el("span", "svc-body"));
    body.appendChild(Loket.el("span", "svc-code", s.code)).dataset.len = String(s.code).length;
    body.appendChild(Loket.el("span", "svc-name", s.name)).lang = "id";
    body.appendChild(Loket.el("span", "svc-name-en", s.name_en)).lang = "en";
    var meta = Loket.el("span", "svc-meta");
    meta.appendChild(Loket.el("b", null, s.waiting)).dataset.field = "waiting";
    meta.appendChild(document.createTextNode(" " + t.waiting + " · "));
    meta.appendChild(Loket.el("span")).dataset.field = "wait";
    body.appendChild(meta);
    body.appendChild(Loket.el("span", "svc-left")).dataset.field = "left";
    body.appendChild(Loket.el("span", "svc-status")).dataset.field = "status";
    button.addEventListener("click", function () { take(button); });
    return button;
  }

  function drawServices() {
    renderButtons(shownServices());
    shownServices().forEach(function (s) { applyService(services[s.id] || s); });
  }

  function renderButtons(list) {
    var drawn = signature(list);
    if (drawn === layout) return;
    layout = drawn;
    var box = document.getElementById("services");
    box.textContent = "";
    list.forEach(function (s) { box.appendChild(makeButton(s)); });
  }

  // -- text as large as the buttons allow ----------------------------------------------------
  // The stylesheet sizes a button's text from the button; this scales it (--k) to the largest
  // at which no button's text overflows (nor any word breaks), the same for every button.
  var servicesBox = document.getElementById("services");

  /* A button's text is too big when a word sticks out sideways, or the lines take more than
   * 97% of its height (its padding and a little more stay free above and below). */
  function tooBig(button) {
    if (button.scrollWidth > button.clientWidth + 1) return true;
    var body = button.firstElementChild;
    var top = Infinity, bottom = -Infinity;
    Array.prototype.forEach.call(body.children, function (part) {
      if (part.offsetParent === null) return; // not shown
      var box = part.getBoundingClientRect();
      top = Math.min(top, box.top);
      bottom = Math.max(bottom, box.bottom);
    });
    return bottom - top > body.getBoundingClientRect().height * 0.97;
  }

  /* The same for a box of buttons (the services, or the agency tiles). */
  function Fitter(box, selector) {
    function overflowing() {
      return Array.prototype.some.call(box.querySelectorAll(selector), tooBig);
    }

    function scale(k) { box.style.setProperty("--k", String(k)); }

    /* `whole`: find the largest scale afresh (new buttons, a new screen size); else only
     * shrink if a changed text no longer fits (the text does not jump with every count). */
    function fit(whole) {
      if (box.hidden) return;
      if (!whole && !overflowing()) return;
      box.classList.add("fitted");
      var low = 0.5, high = 2.5;
      scale(high);
      if (!overflowing()) return; // the stylesheet's caps bound the text
      for (var i = 0; i < 9; i++) {
        var k = (low + high) / 2;
        scale(k);
        if (overflowing()) high = k; else low = k;
      }
      scale(low);
      // Nothing fits: let long words break rather than be cut off.
      if (overflowing()) box.classList.remove("fitted");
    }

    var frame = null;
    var wholeNext = false;
    return function refitBox(whole) {
      wholeNext = wholeNext || whole;
      if (frame !== null) return;
      frame = requestAnimationFrame(function () {
        var again = wholeNext;
        frame = null;
        wholeNext = false;
        fit(again);
      });
    };
  }

  var refit = Fitter(servicesBox, ".service");
  var tilesBox = document.getElementById("agencies");
  var refitTiles = tilesBox ? Fitter(tilesBox, ".agency") : function () {};

  window.addEventListener("resize", function () { refit(true); refitTiles(true); });

  function applyBoard(board) {
    fresh.reset(board.seq);
    hall = board.hall;
    services = {};
    countOpen(board);
    boardServices = ofZone(board.services);
    renderButtons(shownServices());
    boardServices.forEach(applyService);
    applyHall(board.hall);
    refit(true);
    refitTiles(true);
    refreshAgencies();
  }

  function setPriority(value) {
    priority = value;
    document.querySelectorAll(".prio").forEach(function (b) {
      b.setAttribute("aria-pressed", b.dataset.priority === value ? "true" : "false");
    });
  }

  document.querySelectorAll(".prio").forEach(function (button) {
    button.addEventListener("click", function () {
      setPriority(priority === button.dataset.priority ? null : button.dataset.priority);
    });
  });

  document.getElementById("message-close").addEventListener("click", hide);

  // -- each applicant starts fresh -------------------------------------------------------
  var idleTimer = null;

  function idle() {
    if (busy) { touched(); return; } // a ticket is on its way: its page takes over
    closeRequirements();
    hideRegister();
    hide();
    closeAgency();
    setPriority(null);
    if (window.LoketHolder) window.LoketHolder.clear();
    if (window.LoketCheckIn) window.LoketCheckIn.clear(); // "Sudah daftar online?" (checkin.js)
    if (window.LoketNotify) window.LoketNotify.clear();
    if (cfg.lang !== cfg.home_lang) location.replace(root.dataset.home);
  }

  function touched() {
    if (idleTimer) clearTimeout(idleTimer);
    idleTimer = setTimeout(idle, IDLE_MS);
  }

  ["pointerdown", "keydown"].forEach(function (name) {
    document.addEventListener(name, touched, true);
  });
  touched(); // a page opened in English and left alone goes back too

  // -- taking a ticket ---------------------------------------------------------------------
  function idempotencyKey() {
    // crypto.getRandomValues works on plain http too (randomUUID needs a secure context).
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return "kiosk-" + Array.prototype.map.call(bytes, function (b) {
      return (b + 256).toString(16).slice(1);
    }).join("");
  }

  /* What is wrong with the number typed, when the kiosk can tell by itself: too short or too
   * long (the server checks the rest, and says "check the number"). */
  function holderProblem(kind, value) {
    var problem = Loket.numberProblem(kind, value);
    return problem === "short" ? t.holder_short : problem === "long" ? t.holder_long : null;
  }

  // -- the requirements step -------------------------------------------------------------
  var step = document.getElementById("requirements");
  var chosen = null; // {id, code} of the service whose documents are shown

  function showRequirements(id, code, list) {
    var s = services[id] || {};
    chosen = { id: id, code: code };
    document.getElementById("req-code").textContent = code;
    var name = document.getElementById("req-name");
    name.textContent = cfg.lang === "en" && s.name_en ? s.name_en : (s.name || "");
    var box = document.getElementById("req-list");
    box.textContent = "";
    list.forEach(function (r) {
      var item = box.appendChild(Loket.el("li"));
      item.appendChild(Loket.el("span", "req-name", cfg.lang === "en" && r.name_en ? r.name_en : r.name));
      if (r.note) item.appendChild(Loket.el("span", "req-note", r.note));
    });
    step.style.setProperty("--n", String(Math.max(list.length, 3)));
    step.hidden = false;
    document.getElementById("req-yes").focus();
  }

  function closeRequirements() {
    step.hidden = true;
    chosen = null;
  }

  document.getElementById("req-yes").addEventListener("click", function () {
    if (!chosen) return;
    var code = chosen.code;
    closeRequirements();
    issue(code);
  });

  document.getElementById("req-no").addEventListener("click", function () {
    if (!chosen) return;
    var id = chosen.id;
    closeRequirements();
    // Counted as a visit saved (the reports); nothing is issued. The kiosk does not wait for
    // the answer: a lost count must not hold the next person up.
    fetch("/api/v1/services/" + encodeURIComponent(id) + "/not-ready", {
      method: "POST",
      headers: { Accept: "application/json" },
      credentials: "same-origin",
      keepalive: true,
    }).catch(function () {});
    setPriority(null);
    if (window.LoketHolder) window.LoketHolder.clear();
    if (window.LoketNotify) window.LoketNotify.clear();
    homeAfterMessage = true;
    show(t.not_ready, true);
  });

  /* Where an applicant of this service registers online, and why no number is given here. */
  function referOnline(code, refer) {
    showRegister({ service: code }, refer === "online" ? t.register_service : t.register_used);
    // The figure may be out of date (a session's no-shows' places come back to walk-ins
    // without any change announcing it): the next snapshot says.
    if (refer === "walk_in_share" && live) live.resync();
  }

  function take(button) {
    if (busy) return;
    if (button.dataset.refer) { referOnline(button.dataset.code, button.dataset.refer); return; }
    var holder = window.LoketHolder; // one ticket per person: phone number or NIK (holder.js)
    if (holder && !holder.value()) { show(t.holder_missing, true); holder.focus(); return; }
    var problem = holder ? holderProblem(holder.kind, holder.value()) : null;
    if (problem) { show(problem, true); return; }
    var list = requirements[button.dataset.id] || [];
    if (list.length) { showRequirements(Number(button.dataset.id), button.dataset.code, list); return; }
    issue(button.dataset.code);
  }

  function issue(code) {
    if (busy) return;
    var holder = window.LoketHolder;
    busy = true;
    show(t.busy, false);
    var body = { service: code, channel: "kiosk" };
    if (priority) body.priority = priority;
    if (holder) body.holder_id = holder.value();
    // The number to be told by SMS/WhatsApp, when the applicant gave one (notify_me.js); the
    // messages come in the kiosk's language.
    var phone = window.LoketNotify ? window.LoketNotify.number() : null;
    if (phone) { body.phone = phone; body.lang = cfg.lang; }
    // One key per touch: if the answer is lost (the network dropped it), the one retry with
    // the same key gets the same ticket back instead of a second one.
    var key = idempotencyKey();
    var send = function () {
      return fetch("/api/v1/tickets?site=" + encodeURIComponent(cfg.site), {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          Accept: "application/json",
          "Idempotency-Key": key,
        },
        body: JSON.stringify(body),
        credentials: "same-origin",
      });
    };
    send()
      .catch(function () { return send(); })
      .then(function (response) {
        return response.json().then(function (data) { return { status: response.status, data: data }; });
      })
      .then(function (result) {
        if (result.status === 201) {
          setPriority(null);
          // replace(): the kiosk's history never holds a ticket's private link. The slip is
          // in this applicant's language; it comes back to the kiosk in Indonesian.
          // A kiosk of one zone: the slip comes back to this zone's kiosk.
          var back = cfg.zone !== null && cfg.zone !== undefined
            ? "&back=" + encodeURIComponent(root.dataset.home) : "";
          location.replace("/kiosk/ticket/" + encodeURIComponent(result.data.token) +
            "?print=1&lang=" + encodeURIComponent(cfg.lang) + back);
          return;
        }
        busy = false;
        var error = result.data && result.data.error;
        if (error === "agency_cap_reached" || error === "walk_in_not_accepted") {
          // Someone else took the agency's last number (or its policy changed) since the
          // tiles were drawn: back to them, which say so once read afresh.
          closeAgency();
          refreshAgencies();
        }
        var detail = (result.data && result.data.detail) || {};
        if (error === "quota_reached" && detail.reason === "walk_in_share") {
          // Walk-ins drew the share meanwhile (another kiosk): say where to register online.
          referOnline(code, "walk_in_share");
          return;
        }
        if (error === "walk_in_not_accepted") {
          referOnline(code, "online");
          return;
        }
        var field = detail.field;
        if (error === "invalid_input" && field === "phone") { show(t.notify_invalid, true); return; }
        show(t[error] || t.error, true);
      })
      .catch(function () {
        busy = false;
        show(t.offline, true);
      });
  }

  document.querySelectorAll(".service").forEach(function (button) {
    button.addEventListener("click", function () { take(button); });
  });
  boardServices = ofZone(cfg.board.services);
  layout = signature(shownServices()); // the page came with these buttons

  /* Whether the agencies offering this kiosk's services are no longer those of its tiles (the
   * admin console moved or added services): the page is then taken afresh. */
  function agencySetChanged(board) {
    if (!board || !board.services) return false;
    var now = {};
    ofZone(board.services).forEach(function (s) { if (s.agency) now[s.agency.id] = true; });
    var ids = Object.keys(now);
    if (!agencyMode) return ids.length > 1;
    return ids.length !== agencyList.length || ids.some(function (id) { return !agencies[id]; });
  }

  applyBoard(cfg.board);
  // A kiosk of one zone hears that zone's news (its room's figures), which has gaps in `seq`:
  // it heals by a periodic snapshot, as a zone's board does.
  var zoned = cfg.zone !== null && cfg.zone !== undefined;
  var live = Loket.connect(zoned ? { board: cfg.site, zone: cfg.zone } : { board: cfg.site }, {
    snapshot: function (kind, data) {
      if (kind !== "board") return;
      applyBoard(data);
      refreshAgencies(); // (re)connected: the counts may have moved meanwhile
    },
    config: function (msg) {
      // Asking (or no longer asking) for a phone number or NIK changes the page itself, and
      // a counter's services change which counters serve what: take the page afresh, unless
      // someone is in the middle of taking a ticket.
      var holder = document.getElementById("holder");
      var asked = holder ? holder.dataset.kind : null;
      var changed = (msg.holder_id_kind || null) !== asked || msg.what === "counter" ||
        agencySetChanged(msg.board);
      if (changed && !busy) { location.reload(); return; }
      applyBoard(msg.board);
    },
    queue: function (msg) {
      if (fresh.fresh("hall", msg.seq)) applyHall(msg.hall);
      msg.services.forEach(function (s) { if (fresh.fresh(s.id, msg.seq)) applyService(s); });
      if (msg.agencies && fresh.fresh("agencies", msg.seq)) applyAgencyCounts(msg.agencies);
    },
  }, zoned ? "periodic" : true);
})();
