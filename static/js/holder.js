/* Kiosk: the phone number or NIK box of a hall that gives one ticket per person.
 *
 * A touch kiosk has no keyboard, so the page has its own number keys. The kiosk script reads
 * the value through window.LoketHolder and sends it with the ticket request; the server keeps
 * only a keyed hash of it. An unattended entry is cleared, so it never stays for the next
 * person. */
(function () {
  "use strict";
  var box = document.getElementById("holder");
  if (!box) return;
  var input = document.getElementById("holder-id");
  var IDLE_MS = 45000;
  var timer = null;

  function touched() {
    if (timer) clearTimeout(timer);
    if (input.value) timer = setTimeout(clear, IDLE_MS);
  }

  function clear() {
    input.value = "";
    if (timer) clearTimeout(timer);
    timer = null;
  }

  window.LoketKeypad(box.querySelector(".keypad"), input, touched);
  input.addEventListener("input", touched);

  window.LoketHolder = {
    kind: box.dataset.kind,
    value: function () { return input.value.trim(); },
    clear: clear,
    focus: function () { input.focus(); },
  };
})();
