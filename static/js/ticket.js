/* The printed ticket: print once (silently with Chromium's --kiosk-printing), then go back to
 * the kiosk, replacing this page in the history so nobody can page back to it. */
(function () {
  "use strict";
  var slip = document.getElementById("slip");
  var params = new URLSearchParams(location.search);
  var lang = params.get("lang");
  var left = false;

  function back() {
    if (left) return;
    left = true;
    var target = slip.dataset.kiosk;
    if (lang) target += (target.indexOf("?") >= 0 ? "&" : "?") + "lang=" + encodeURIComponent(lang);
    location.replace(target);
  }

  document.getElementById("done").addEventListener("click", back);
  if (params.get("print") === "1") {
    window.addEventListener("afterprint", function () { setTimeout(back, 2000); });
    setTimeout(function () { window.print(); }, 300);
    setTimeout(back, 20000);
  }
})();
