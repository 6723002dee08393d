// The complaint desk's chat on any site: <script src="https://desk.example/widget.js" defer></script>
// Opens the chat (served by the desk itself) in a panel; nothing of the host page is read.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) return;
  var origin = new URL(script.src).origin;
  var label = (navigator.language || "zh").toLowerCase().indexOf("zh") === 0 ? "投诉" : "Complaint";
  var button = document.createElement("button");
  button.type = "button";
  button.textContent = "💬 " + label;
  button.setAttribute("aria-expanded", "false");
  button.style.cssText = "position:fixed;right:16px;bottom:16px;z-index:2147483646;border:0;border-radius:24px;" +
    "padding:12px 18px;background:#d9480f;color:#fff;font:16px system-ui,sans-serif;box-shadow:0 4px 16px rgba(0,0,0,.25);cursor:pointer";
  var panel = null;
  button.addEventListener("click", function () {
    if (!panel) {
      panel = document.createElement("iframe");
      panel.src = origin + "/";
      panel.title = label;
      panel.setAttribute("referrerpolicy", "no-referrer");
      panel.style.cssText = "position:fixed;right:16px;bottom:76px;z-index:2147483647;width:min(400px,calc(100vw - 32px));" +
        "height:min(640px,calc(100vh - 100px));border:0;border-radius:12px;box-shadow:0 10px 40px rgba(0,0,0,.3);background:#fff";
      document.body.appendChild(panel);
    } else {
      panel.hidden = !panel.hidden;
    }
    button.setAttribute("aria-expanded", String(!panel.hidden));
  });
  document.body.appendChild(button);
})();
