// The service worker (served at /sw.js with Service-Worker-Allowed: /). A push carries JSON {title, body, link}
// (also read as {title, body, data: {link}}); a tap on the notification opens its link (the message's short link).
self.addEventListener("push", function (event) {
  var data = {};
  if (event.data) {
    try { data = event.data.json(); } catch (e) { data = {body: event.data.text()}; }
  }
  var link = (data.data && data.data.link) || data.link || "/web/inbox";
  event.waitUntil(self.registration.showNotification(data.title || "Fengchao", {
    body: data.body || "",
    data: {link: link},
    tag: link
  }));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var link = (event.notification.data && event.notification.data.link) || "/web/inbox";
  event.waitUntil(self.clients.matchAll({type: "window", includeUncontrolled: true}).then(function (windows) {
    for (var i = 0; i < windows.length; i++) {
      if (windows[i].url === link && "focus" in windows[i]) return windows[i].focus();
    }
    return self.clients.openWindow ? self.clients.openWindow(link) : null;
  }));
});
