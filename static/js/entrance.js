/* The board at the building's door (`/display?entrance=1`): one line per zone (a floor, a
 * room) with its "silakan masuk" codes and "inside N of M", for the TV at the entrance.
 *
 * It follows the socket's `?board=<site>&entrance=1`: a snapshot on every (re)connect and
 * resync, then one `entrance` message per change, each carrying every zone's line whole. So
 * a message missed is put right by the next one (or the periodic resync): nothing to merge,
 * no gap in `seq` to look for. */
(function () {
  "use strict";
  var cfg = Loket.config();
  var opt = cfg.options;
  var t = cfg.t;
  var lang = cfg.lang;
  var state = cfg.entrance;
  var shownSeq = -1;
  var CODES_SHOWN = 6;

  function $(id) { return document.getElementById(id); }

  /** Whether the hall is open now by its hours (the server's `hall.open` when made). */
  function isOpen() { return !state.hall || state.hall.open !== false; }

  function render() {
    var list = $("zones");
    list.textContent = "";
    var open = isOpen();
    state.zones.forEach(function (zone) {
      var full = open && zone.hall.full;
      var item = Loket.el("li", "entrance-zone" + (full ? " full" : ""));
      item.dataset.zone = zone.id;
      item.appendChild(Loket.el("span", "ez-name", Loket.zonePlace(t.floor, zone)));
      var codes = zone.recently_admitted.slice(0, CODES_SHOWN).join(" ");
      item.appendChild(Loket.el("span", "ez-admitted", open ? codes || t.nobody : ""));
      var count = "";
      if (zone.hall.capacity !== null) {
        count = Loket.fmt(t.inside, { inside: zone.hall.inside, capacity: zone.hall.capacity });
      }
      if (full) count = t.zone_full + " · " + count;
      item.appendChild(Loket.el("span", "ez-count", count));
      list.appendChild(item);
    });
    $("note").textContent = open ? "" : Loket.fmt(t.closed_line, { time: state.hall.opens_at });
    // Codes that do not fit their line are dropped, the oldest first: nothing is cut.
    Array.prototype.forEach.call(list.querySelectorAll(".ez-admitted"), function (box) {
      var kept = box.textContent.split(" ").filter(Boolean);
      while (kept.length > 1 && box.scrollWidth > box.clientWidth + 1) {
        kept.pop();
        box.textContent = kept.join(" ");
      }
    });
  }

  function apply(data) {
    if (typeof data.seq === "number" && data.seq < shownSeq) return; // older than shown
    shownSeq = data.seq;
    state = data;
    render();
  }

  // -- the hall's clock (from the server's, in the hall's zone) --------------------------------
  var skew = typeof cfg.server_now === "number" ? cfg.server_now - Date.now() : 0;
  var locale = lang === "en" ? "en-GB" : "id-ID";
  function formatter(options) {
    try {
      return new Intl.DateTimeFormat(locale, Object.assign({ timeZone: state.site.timezone }, options));
    } catch (err) {
      return new Intl.DateTimeFormat(locale, options);
    }
  }
  var timeFormat = formatter({ hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  var dateFormat = formatter({ weekday: "long", day: "numeric", month: "long", year: "numeric" });
  function tick() {
    var now = new Date(Date.now() + skew);
    var parts = {};
    timeFormat.formatToParts(now).forEach(function (p) { parts[p.type] = p.value; });
    $("clock").textContent = parts.hour + ":" + parts.minute; // "HH:MM", as the floors' boards

    $("date").textContent = dateFormat.format(now);
  }

  window.LoketEntrance = { state: function () { return state; } }; // for the browser tests

  apply(cfg.entrance);
  tick();
  setInterval(tick, 1000);
  window.addEventListener("resize", render);
  Loket.connect({ board: opt.site, entrance: 1 }, {
    snapshot: function (kind, data) { if (kind === "entrance") apply(data); },
    entrance: apply,
  }, "periodic");
})();
