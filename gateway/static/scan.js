// Progressive enhancement: scan a QR code with the camera where the browser can
// (BarcodeDetector); typing the code always works without it.
(function () {
  var button = document.querySelector("[data-scan]");
  var input = document.querySelector("[data-scan-target]");
  if (!button || !input || !("BarcodeDetector" in window) || !navigator.mediaDevices) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    var video = document.createElement("video");
    video.setAttribute("playsinline", "");
    video.className = "scanner";
    button.after(video);
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
      video.srcObject = stream;
      video.play();
      var stop = function () { stream.getTracks().forEach(function (t) { t.stop(); }); video.remove(); };
      var look = function () {
        detector.detect(video).then(function (codes) {
          if (codes.length) {
            var text = codes[0].rawValue;
            var match = input.hasAttribute("data-scan-raw") ? null : /[?&](?:code|token)=([^&]+)/.exec(text);
            input.value = match ? decodeURIComponent(match[1]) : text;
            stop();
            input.form.submit();
          } else { requestAnimationFrame(look); }
        }).catch(function () { requestAnimationFrame(look); });
      };
      look();
    }).catch(function () { button.disabled = true; video.remove(); });
  });
})();
