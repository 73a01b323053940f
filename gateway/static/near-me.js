// Progressive enhancement: where the phone can tell its position, offer "nearest first".
(function () {
  var button = document.getElementById("near-me");
  var form = document.getElementById("place-filter");
  if (!button || !form || !("geolocation" in navigator)) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    navigator.geolocation.getCurrentPosition(function (position) {
      form.elements["near_lat"].value = position.coords.latitude.toFixed(5);
      form.elements["near_lng"].value = position.coords.longitude.toFixed(5);
      form.submit();
    }, function () { button.disabled = true; }, { timeout: 10000, maximumAge: 60000 });
  });
})();
