/* Kiosk: "Sudah daftar online?", the check-in of an online booking (issue 16).
 *
 * Two ways in. (1) The booking's QR at the kiosk's USB barcode scanner: a scanner types what
 * the QR holds (the booking's token, or a link to its page /b/<token>) as keystrokes a few ms
 * apart, then Enter. The page listens at the document level, so no field needs the focus: a
 * burst of fast keys ending in Enter is a scan; a person typing (keys far apart) is left
 * alone, and what a scan typed into a focused field is taken out of it again. (2) A button
 * opens an overlay with keys for the short code (letters and digits, no 0/O, 1/I or L).
 *
 * Either way: POST /api/v1/bookings/check-in with {token} or {code}; a ticket (201) opens
 * its printed slip as a walk-in ticket does (kiosk.js issue()); a refusal is said in words
 * (too early: "come back at 08.45", in the hall's local time). The kiosk's idle reset calls
 * LoketCheckIn.clear(), so nothing typed stays for the next person. */
(function () {
  "use strict";
  var step = document.getElementById("checkin");
  if (!step) return;
  var cfg = Loket.config();
  var t = JSON.parse(document.getElementById("checkin-config").textContent);
  var root = document.getElementById("kiosk");
  var shown = document.getElementById("checkin-code");
  var result = document.getElementById("checkin-result");
  var send = document.getElementById("checkin-send");
  var CODE_LENGTH = 6;
  var ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
  var code = "";
  var busy = false;

  // -- the overlay and its keys --------------------------------------------------------------
  function draw() {
    shown.textContent = code;
    shown.dataset.length = String(code.length);
    send.disabled = busy || code.length !== CODE_LENGTH;
  }

  function say(text) {
    result.textContent = text || "";
    result.hidden = !text;
  }

  function open() {
    if (busy) return;
    code = "";
    say("");
    draw();
    step.hidden = false;
  }

  function close() {
    if (busy) return;
    step.hidden = true;
    code = "";
    say("");
    draw();
  }

  document.getElementById("checkin-open").addEventListener("click", open);
  document.getElementById("checkin-close").addEventListener("click", close);
  document.getElementById("checkin-keys").querySelectorAll("button").forEach(function (button) {
    button.addEventListener("click", function () {
      if (busy) return;
      var key = button.dataset.key;
      if (key === "back") code = code.slice(0, -1);
      else if (code.length < CODE_LENGTH) code += key;
      say("");
      draw();
    });
  });
  send.addEventListener("click", function () {
    if (code.length === CODE_LENGTH) checkIn({ code: code });
  });

  // -- the scanner ---------------------------------------------------------------------------
  // A scanner's keys come a few ms apart, a person's about 100 ms or more. A key after a pause
  // longer than BURST_GAP_MS starts a new burst; Enter ends a scan when the burst has at least
  // a code's length of keys at SCAN_MEAN_MS apart or less on average.
  var BURST_GAP_MS = 100;
  var SCAN_MEAN_MS = 30;
  var scan = { text: "", first: 0, last: 0, field: null, before: null };

  function editable(node) {
    return node && (node.tagName === "INPUT" || node.tagName === "TEXTAREA" || node.isContentEditable);
  }

  function forget() {
    scan.text = "";
    scan.field = null;
    scan.before = null;
  }

  document.addEventListener("keydown", function (event) {
    var now = event.timeStamp || Date.now();
    var inBurst = scan.text !== "" && now - scan.last <= BURST_GAP_MS;
    if (event.key === "Enter") {
      var keys = scan.text.length;
      var mean = keys > 1 ? (scan.last - scan.first) / (keys - 1) : Infinity;
      var text = scan.text;
      var field = scan.field;
      var before = scan.before;
      forget();
      if (!inBurst || keys < CODE_LENGTH || mean > SCAN_MEAN_MS) return;
      event.preventDefault();
      event.stopPropagation();
      // What the scan typed into a focused field goes again.
      if (field && before !== null) field.value = before;
      scanned(text);
      return;
    }
    if (event.key.length !== 1 || event.ctrlKey || event.altKey || event.metaKey) return;
    if (!inBurst) {
      scan.text = "";
      scan.first = now;
      scan.field = editable(event.target) ? event.target : null;
      scan.before = scan.field ? scan.field.value : null;
    }
    scan.text += event.key;
    scan.last = now;
  }, true);

  /* What a scan holds: a link to the booking's page (…/b/<token>), its token, or its code. */
  function scanned(text) {
    var value = text.trim();
    var link = value.match(/\/b\/([A-Za-z0-9_-]+)/);
    if (link) { checkIn({ token: link[1] }); return; }
    var typed = value.toUpperCase().replace(/[\s-]/g, "");
    if (typed.length === CODE_LENGTH && typed.split("").every(function (ch) {
      return ALPHABET.indexOf(ch) >= 0;
    })) {
      checkIn({ code: typed });
      return;
    }
    checkIn({ token: value });
  }

  // -- checking in ---------------------------------------------------------------------------
  function words(status, data) {
    var error = data && data.error;
    var detail = (data && data.detail) || {};
    if (status === 429) return t.rate_limited;
    if (status === 401 || status === 403) return t.unauthorized;
    if (error === "too_early" && detail.opens_at) return Loket.fmt(t.too_early, { time: Loket.hallClock(detail.opens_at, step.dataset.timezone, cfg.lang) });
    if (error === "not_today" && detail.day) return Loket.fmt(t.not_today, { day: Loket.longDay(detail.day, cfg.lang) });
    if (error === "invalid_input" || (status === 404 && !error)) return t.not_found;
    return t[error] || t.error;
  }

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  function checkIn(body) {
    if (busy) return;
    busy = true;
    code = body.code || "";
    step.hidden = false;
    draw();
    say(t.busy);
    fetch("/api/v1/bookings/check-in?site=" + encodeURIComponent(cfg.site), {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRFToken": csrfToken(),
      },
      body: JSON.stringify(body),
      credentials: "same-origin",
    })
      .then(function (response) {
        return response.json().catch(function () { return null; })
          .then(function (data) { return { status: response.status, data: data }; });
      })
      .then(function (answer) {
        if (answer.status === 201 && answer.data && answer.data.token) {
          // As a walk-in ticket: the slip prints itself and comes back to this kiosk.
          var back = cfg.zone !== null && cfg.zone !== undefined
            ? "&back=" + encodeURIComponent(root.dataset.home) : "";
          location.replace("/kiosk/ticket/" + encodeURIComponent(answer.data.token) +
            "?print=1&lang=" + encodeURIComponent(cfg.lang) + back);
          return;
        }
        busy = false;
        code = "";
        draw();
        say(words(answer.status, answer.data));
      })
      .catch(function () {
        busy = false;
        draw();
        say(t.offline);
      });
  }

  window.LoketCheckIn = {
    clear: function () {
      if (busy) return; // a ticket is on its way: its slip takes over
      close();
      forget();
    },
  };
})();
