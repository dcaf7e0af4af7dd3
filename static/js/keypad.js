/* Kiosk: the on-screen number keys (a touch kiosk has no keyboard). `LoketKeypad(keys, input,
 * changed)` makes each button of `keys` type its digit into `input` (⌫ deletes one, C clears),
 * then calls `changed`. Used by the holder's number box (holder.js) and the number for the
 * SMS/WhatsApp messages (notify_me.js). */
(function () {
  "use strict";
  window.LoketKeypad = function (keys, input, changed) {
    keys.querySelectorAll("button").forEach(function (button) {
      button.addEventListener("click", function () {
        var key = button.dataset.key;
        if (key === "back") input.value = input.value.slice(0, -1);
        else if (key === "clear") input.value = "";
        else if (input.value.length < 20) input.value += key;
        if (changed) changed();
      });
    });
  };
})();
