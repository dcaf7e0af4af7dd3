/* The printed ticket: print once (silently with Chromium's --kiosk-printing), then go back to
 * the kiosk, replacing this page in the history so nobody can page back to it. The slip is in
 * the applicant's language; the kiosk comes back in Indonesian for the next person (its
 * address, `data-kiosk`, says so). */
(function () {
  "use strict";
  var slip = document.getElementById("slip");
  var params = new URLSearchParams(location.search);
  var left = false;

  function back() {
    if (left) return;
    left = true;
    location.replace(slip.dataset.kiosk);
  }

  document.getElementById("done").addEventListener("click", back);
  if (params.get("print") === "1") {
    window.addEventListener("afterprint", function () { setTimeout(back, 2000); });
    setTimeout(function () { window.print(); }, 300);
    setTimeout(back, 20000);
  }
})();
