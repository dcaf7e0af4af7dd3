/* Kiosk: the optional number to be told by SMS/WhatsApp when the turn comes (the server sends
 * notifications). In a hall that asks for the phone number already (one ticket per person),
 * the button offers that same number; else it opens a step with its own number keys, and the
 * saved number shows masked on the button. The kiosk script reads it through
 * window.LoketNotify when it issues, and clears it whenever it starts over. */
(function () {
  "use strict";
  var box = document.getElementById("notify-me");
  if (!box) return;
  var toggle = document.getElementById("notify-toggle");
  var label = document.getElementById("notify-label");
  var plain = label.textContent;
  var same = box.dataset.same === "yes";
  var step = document.getElementById("notify-step");
  var input = document.getElementById("notify-phone");
  var problemBox = document.getElementById("notify-problem");
  var number = ""; // the number saved in the step
  var on = false; // a hall asking for the phone number: that number also gets the messages

  function t() { return window.Loket.config().t; }

  /** "0812•••••890": on a screen in a public hall, not the whole number. */
  function masked(value) {
    var digits = value.replace(/\D/g, "");
    if (digits.length < 8) return digits;
    return digits.slice(0, 4) + "•".repeat(digits.length - 7) + digits.slice(-3);
  }

  function render() {
    var set = same ? on : !!number;
    toggle.setAttribute("aria-pressed", set ? "true" : "false");
    toggle.classList.toggle("on", set);
    if (!set) label.textContent = plain;
    else if (same) label.textContent = t().notify_same_on;
    else label.textContent = window.Loket.fmt(t().notify_set, { number: masked(number) });
  }

  function showProblem(text) {
    problemBox.textContent = text || "";
    problemBox.hidden = !text;
  }

  function closeStep() {
    if (step) step.hidden = true;
  }

  toggle.addEventListener("click", function () {
    if (same) { on = !on; render(); return; }
    input.value = number;
    showProblem(null);
    step.hidden = false;
    document.getElementById("notify-save").focus();
  });

  if (step) {
    window.LoketKeypad(step.querySelector(".keypad"), input, function () { showProblem(null); });
    document.getElementById("notify-save").addEventListener("click", function () {
      var value = input.value.trim();
      var problem = value ? window.Loket.numberProblem("phone", value) : null;
      if (problem === "short" || problem === "long") {
        showProblem(problem === "short" ? t().notify_short : t().notify_long);
        return;
      }
      number = value;
      closeStep();
      render();
    });
    document.getElementById("notify-cancel").addEventListener("click", function () {
      number = "";
      input.value = "";
      closeStep();
      render();
    });
  }

  window.LoketNotify = {
    /** The number to send with the ticket, or null. */
    number: function () {
      if (same) return on && window.LoketHolder ? window.LoketHolder.value() || null : null;
      return number || null;
    },
    clear: function () {
      number = "";
      on = false;
      if (input) input.value = "";
      closeStep();
      render();
    },
  };
})();
