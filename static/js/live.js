/* Loket screens: one Socket.IO connection per screen, healed by snapshots.
 *
 * The server sends a full snapshot on every (re)connect; after that each message carries its
 * data and the hall's sequence number. Screens that follow the whole hall (board, kiosk,
 * counter) notice a gap in the numbers and ask for a fresh snapshot ("resync"). */
(function () {
  "use strict";

  function config() {
    return JSON.parse(document.getElementById("config").textContent);
  }

  /** "± {n} min" with {n: 4} → "± 4 min". */
  function fmt(template, values) {
    return String(template).replace(/\{(\w+)\}/g, function (match, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? values[key] : match;
    });
  }

  // An estimate in words; null (no open counter serves the service) is never "no wait".
  function minutes(t, seconds) {
    if (seconds === null) return t.no_counter || "—";
    if (!(seconds > 0) && t.no_wait) return t.no_wait;
    return fmt(t.minutes, { n: Math.ceil((seconds || 0) / 60) });
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  var GAP_WAIT_MS = 1500; // a missing message usually arrives within this; else resync
  // Whole-hall screens refresh their snapshot anyway: it heals anything missed, and brings
  // changes no event announces (the hall opening at its hour, a new service day).
  var SAFETY_RESYNC_MS = 2 * 60 * 1000;
  var ALIVE_MS = 60 * 1000; // an enrolled device's heartbeat (services/devices.py)

  /**
   * Connect and route messages to `handlers` ({snapshot, ticket, counter, config, queue,
   * position, overview, waiting, entrance}).
   * `sequenced`: this screen hears every message of its hall, so a gap in `seq` means one was
   * missed; "periodic": it hears only part of its hall's news (a zone's board), so gaps are
   * normal: it only refreshes its snapshot every SAFETY_RESYNC_MS.
   */
  function connect(query, handlers, sequenced) {
    var periodic = sequenced === "periodic";
    if (periodic) sequenced = false;
    var offline = document.getElementById("offline");
    var socket = io({
      query: query,
      transports: ["websocket", "polling"],
      tryAllTransports: true,
      reconnectionDelayMax: 5000,
    });
    var state = { lastSeq: -1, missing: {}, gapTimer: null, connected: false };

    function setOnline(online) {
      state.connected = online;
      if (offline) offline.hidden = online;
      document.body.classList.toggle("is-offline", !online);
    }

    function resync() {
      state.missing = {};
      if (state.gapTimer) clearTimeout(state.gapTimer);
      state.gapTimer = null;
      if (socket.connected) socket.emit("resync");
    }

    /** True when the message should be applied (not already covered by the snapshot). */
    function admit(seq) {
      if (!sequenced || typeof seq !== "number") return true;
      if (seq <= state.lastSeq) {
        if (state.missing[seq]) {
          delete state.missing[seq];
          if (Object.keys(state.missing).length === 0 && state.gapTimer) {
            clearTimeout(state.gapTimer);
            state.gapTimer = null;
          }
          return true;
        }
        return false;
      }
      if (state.lastSeq >= 0 && seq > state.lastSeq + 1) {
        for (var s = state.lastSeq + 1; s < seq && s < state.lastSeq + 200; s++) {
          state.missing[s] = true;
        }
        if (!state.gapTimer) state.gapTimer = setTimeout(resync, GAP_WAIT_MS);
      }
      state.lastSeq = seq;
      return true;
    }

    socket.on("connect", function () { setOnline(true); });
    socket.on("disconnect", function () { setOnline(false); });
    socket.on("connect_error", function () { setOnline(false); });
    socket.on("snapshot", function (message) {
      var seq = message.data && message.data.seq;
      if (typeof seq === "number") state.lastSeq = seq;
      state.missing = {};
      if (state.gapTimer) clearTimeout(state.gapTimer);
      state.gapTimer = null;
      if (handlers.snapshot) handlers.snapshot(message.kind, message.data);
    });
    // `config`: the admin console changed the hall's set-up; it takes its place in the
    // sequence like ticket and counter news.
    ["ticket", "counter", "config"].forEach(function (name) {
      socket.on(name, function (message) {
        if (admit(message.seq) && handlers[name]) handlers[name](message);
      });
    });
    // `entrance`: the door's board, every zone's line whole each time (newest wins).
    ["queue", "position", "overview", "waiting", "entrance"].forEach(function (name) {
      socket.on(name, function (message) {
        if (handlers[name]) handlers[name](message);
      });
    });
    if (sequenced || periodic) setInterval(resync, SAFETY_RESYNC_MS);
    // An enrolled kiosk or board (the server marks its page) says it is alive every minute,
    // so the supervisors' overview knows it is on even when no one touches it.
    if (document.body.dataset.device) {
      setInterval(function () { if (socket.connected) socket.emit("alive"); }, ALIVE_MS);
    }
    window.LoketSocket = socket; // for the browser tests and for debugging on site
    return { socket: socket, resync: resync };
  }

  /** Per-key "newest wins" bookkeeping for messages that may arrive out of order. */
  function Freshness() {
    var seen = {};
    return {
      reset: function (seq) { seen = { "*": seq }; },
      fresh: function (key, seq) {
        var floor = Math.max(seen[key] || -1, seen["*"] || -1);
        if (typeof seq === "number" && seq < floor) return false;
        seen[key] = seq;
        return true;
      },
    };
  }

  /** Where a zone is, as a ticket tells its holder: "Lantai 3, Ruang Imigrasi" (the floor is
   * left out when the zone's name says it already: "Lantai 2"); `floorText` is the page's
   * "Floor {n}". The same rule as i18n.zone_place on the server. */
  function zonePlace(floorText, zone) {
    var floor = floorText.replace("{n}", zone.floor);
    var word = floor.split(" ")[0].toLowerCase();
    return zone.name.toLowerCase().indexOf(word) === 0 ? zone.name : floor + ", " + zone.name;
  }

  /** What is wrong with a typed phone number or NIK that a page can tell by itself: "short",
   * "long", "not_mobile" (no 8 after 0, 62 or +62), or null (the server checks the rest). A
   * mobile number has 9 to 12 digits after 0 or +62, a NIK exactly 16. */
  function numberProblem(kind, value) {
    var digits = value.replace(/[\s\-.()/]/g, "");
    if (kind === "phone") digits = digits.replace(/^\+?62/, "").replace(/^0/, "");
    if (!/^[0-9]*$/.test(digits)) return null;
    var shortest = kind === "phone" ? 9 : 16;
    var longest = kind === "phone" ? 12 : 16;
    if (digits.length < shortest) return "short";
    if (digits.length > longest) return "long";
    // A mobile number is 8 then a digit 1-9 after 0, 62 or +62 (services/holders.py _MOBILE).
    if (kind === "phone" && !/^8[1-9]/.test(digits)) return "not_mobile";
    return null;
  }

  /* What is wrong with a NIK, in the page's words `w` (null: well formed): the same rules as
   * the server's domain/booking.nik_problem. `provinces`: the province codes it accepts. */
  function nikProblem(nik, w, provinces) {
    if (!/^[0-9]{16}$/.test(nik)) return fmt(w.nik_length, { n: nik.length });
    if (provinces.indexOf(Number(nik.slice(0, 2))) < 0) {
      return fmt(w.nik_province, { d: nik.slice(0, 2) });
    }
    if (nik.slice(2, 4) === "00") return w.nik_regency;
    if (nik.slice(4, 6) === "00") return w.nik_district;
    var day = Number(nik.slice(6, 8)), month = Number(nik.slice(8, 10)), year = Number(nik.slice(10, 12));
    if (day > 40) day -= 40;
    if (month < 1 || month > 12) return fmt(w.nik_month, { d: nik.slice(8, 10) });
    if (day === 0 || day > 31) return fmt(w.nik_day, { d: nik.slice(6, 8) });
    var now = new Date();
    var century = 2000 + year <= now.getFullYear() ? 2000 : 1900;
    var born = new Date(Date.UTC(century + year, month - 1, day));
    if (born.getUTCDate() !== day) {
      var pad = function (n) { return (n < 10 ? "0" : "") + n; };
      return fmt(w.nik_date, { d: pad(day) + "-" + pad(month) + "-" + nik.slice(10, 12) });
    }
    if (born.getTime() > now.getTime()) return w.nik_future;
    if (nik.slice(12, 16) === "0000") return w.nik_serial;
    return null;
  }

  /** What is wrong with a booking's holder id — a NIK or a mobile number, as the hall's
   * `kind` says — in the words `w` of templates/_holder_words.html (null: well formed). The
   * online booking page and the booking desk check it before asking the server. */
  function holderProblem(kind, value, w, provinces) {
    if (!value) return w.holder_missing;
    if (kind === "phone") {
      // The kiosk's rule (numberProblem), and any character but digits and separators.
      if (!/^[0-9\s\-.()/+]*$/.test(value) || numberProblem("phone", value)) return w.phone_bad;
      return null;
    }
    return nikProblem(value.replace(/[\s.\-]/g, ""), w, provinces);
  }

  /** "08.45" (Indonesian) or "08:45" (English) of an ISO timestamp, in the hall's time zone
   * `timeZone` (an IANA name: the server's site setting, never the device's own zone). */
  function hallClock(iso, timeZone, lang) {
    var text = new Intl.DateTimeFormat("en-GB", {
      hour: "2-digit", minute: "2-digit", hour12: false, timeZone: timeZone,
    }).format(new Date(iso));
    return lang === "en" ? text : text.replace(":", ".");
  }

  /** A day (YYYY-MM-DD) in words: "Selasa, 16 Juni 2026" / "Tuesday, 16 June 2026". */
  function longDay(iso, lang) {
    var parts = String(iso).split("-").map(Number);
    return new Intl.DateTimeFormat(lang === "en" ? "en-GB" : "id-ID", {
      weekday: "long", day: "numeric", month: "long", year: "numeric", timeZone: "UTC",
    }).format(new Date(Date.UTC(parts[0], parts[1] - 1, parts[2], 12)));
  }

  window.Loket = {
    config: config,
    numberProblem: numberProblem,
    holderProblem: holderProblem,
    hallClock: hallClock,
    longDay: longDay,
    fmt: fmt,
    minutes: minutes,
    zonePlace: zonePlace,
    el: el,
    connect: connect,
    Freshness: Freshness,
  };
})();
