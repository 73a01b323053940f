// "Enable push": register the service worker at the site root, subscribe with the platform's VAPID key and hand the
// subscription to the page's own form endpoint (with the page's form token). Without support, the button stays hidden.
(function () {
  var button = document.getElementById("enable-push");
  var status = document.getElementById("push-status");
  if (!button || !status) return;
  var key = button.getAttribute("data-key");
  function say(which) { status.textContent = status.getAttribute("data-" + which) || ""; }
  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
    if (key) say("unsupported");
    return;
  }
  if (!key) return;
  button.hidden = false;

  function keyBytes(base64) {
    var padded = (base64 + "===".slice((base64.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = window.atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  function send(subscription) {
    var body = new URLSearchParams();
    body.append(button.getAttribute("data-csrf-field"), button.getAttribute("data-csrf"));
    body.append("subscription", JSON.stringify(subscription));
    return fetch(button.getAttribute("data-url"), {method: "POST", body: body, credentials: "same-origin"})
      .then(function (response) { if (!response.ok) throw new Error("HTTP " + response.status); });
  }

  button.addEventListener("click", function () {
    button.disabled = true;
    Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") { say("denied"); button.disabled = false; return null; }
      return navigator.serviceWorker.register("/sw.js", {scope: "/"})
        .then(function () { return navigator.serviceWorker.ready; })
        .then(function (registration) {
          return registration.pushManager.getSubscription().then(function (existing) {
            return existing || registration.pushManager.subscribe({userVisibleOnly: true,
                                                                   applicationServerKey: keyBytes(key)});
          });
        })
        .then(function (subscription) { return send(subscription.toJSON()); })
        .then(function () { say("done"); button.hidden = true; });
    }).catch(function () { say("failed"); button.disabled = false; });
  });
})();
