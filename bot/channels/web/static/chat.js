// The complaint desk's web chat. Plain JavaScript, no build step.
// Text from people is only ever set with textContent, never parsed as HTML.
(function () {
  "use strict";
  var MAX_FILES = 10;
  var $ = function (id) { return document.getElementById(id); };
  var words = null;
  var lang = localStorage.getItem("cd-lang") ||
    ((navigator.language || "zh").toLowerCase().indexOf("zh") === 0 ? "zh" : "en");
  var visitor = false;
  var ws = null;
  var lastSeq = 0;           // the highest message number shown on this page
  var pending = new Map();   // frames sent but not yet confirmed by the server ("got")
  var retryDelay = 500;
  var ackTimer = null;
  var shownSeqs = new Set();

  function w(key, values) {
    var text = (words && words[lang] && words[lang][key]) || key;
    Object.keys(values || {}).forEach(function (k) { text = text.split("{" + k + "}").join(values[k]); });
    return text;
  }
  function newId() {
    var bytes = new Uint8Array(8);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, function (b) { return b.toString(16).padStart(2, "0"); }).join("");
  }
  function status(text) { $("status").textContent = text || ""; }

  function applyWords() {
    document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
    $("title").textContent = w("title");
    $("subtitle").textContent = w("subtitle");
    $("text").placeholder = w("placeholder");
    $("send").textContent = w("send");
    $("attach-text").textContent = w("attach");
    $("attach-label").title = w("attach");
    $("lang-switch").textContent = w("language_switch");
    $("revoke").textContent = w("revoke");
    $("revoke").hidden = !visitor;
    $("link-title").textContent = w("keep_link_title");
    $("link-advice").textContent = w("keep_link");
    $("link-copy").textContent = w("copy");
    $("link-done").textContent = w("keep_link_done");
  }

  // ---------------------------------------------------------------- rendering

  function partNode(part) {
    var node;
    if (part.href && /^https?:\/\//i.test(part.href)) {
      node = document.createElement("a");
      node.href = part.href;
      node.rel = "noopener noreferrer";
      node.target = "_blank";
    } else {
      node = document.createElement("span");
    }
    (part.style || []).forEach(function (s) { node.classList.add(s); });
    node.textContent = part.text;
    return node;
  }

  function fileNode(file) {
    var url = "/files/" + encodeURIComponent(file.digest);
    var node;
    if (file.kind === "photo") {
      node = document.createElement("img");
      node.src = url;
      node.alt = file.name || w("file_sent");
    } else if (file.kind === "video") {
      node = document.createElement("video");
      node.src = url;
      node.controls = true;
      node.preload = "metadata";
    } else {
      node = document.createElement("a");
      node.href = url;
      node.textContent = "📄 " + (file.name || w("file_sent"));
      node.target = "_blank";
      node.rel = "noopener";
    }
    return node;
  }

  function note(text) {
    var div = document.createElement("div");
    div.className = "msg note";
    div.textContent = text;
    $("log").appendChild(div);
    scrollDown();
  }

  function scrollDown() { var log = $("log"); log.scrollTop = log.scrollHeight; }

  function showMessage(m) {
    if (shownSeqs.has(m.seq)) return;
    shownSeqs.add(m.seq);
    var div = document.createElement("div");
    div.className = "msg " + (m.from === "me" ? "me" : "bot");
    div.dataset.seq = m.seq;
    (m.parts || []).forEach(function (p) { div.appendChild(partNode(p)); });
    if (m.file) div.appendChild(fileNode(m.file));
    if (m.unread && m.from !== "me") {
      var badge = document.createElement("span");
      badge.className = "unread";
      badge.textContent = w("unread");
      div.appendChild(badge);
    }
    if (m.buttons && m.buttons.length) {
      var box = document.createElement("div");
      box.className = "buttons";
      m.buttons.forEach(function (row) {
        var r = document.createElement("div");
        r.className = "row";
        row.forEach(function (b) {
          var button = document.createElement("button");
          button.type = "button";
          button.textContent = b.label;
          button.addEventListener("click", function () { press(m.seq, b.data, box); });
          r.appendChild(button);
        });
        box.appendChild(r);
      });
      div.appendChild(box);
    }
    $("log").appendChild(div);
    if (m.seq > lastSeq) lastSeq = m.seq;
    scrollDown();
    scheduleAck();
  }

  function disableButtons(seq) {
    var box = document.querySelector('.msg[data-seq="' + Number(seq) + '"] .buttons');
    if (box) box.remove();
  }

  function scheduleAck() {
    if (document.visibilityState !== "visible") return;
    clearTimeout(ackTimer);
    ackTimer = setTimeout(function () {
      if (ws && ws.readyState === 1 && lastSeq) ws.send(JSON.stringify({ t: "ack", seq: lastSeq }));
    }, 150);
  }
  document.addEventListener("visibilitychange", scheduleAck);

  // ---------------------------------------------------------------- the line

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    ws = new WebSocket(scheme + location.host + "/ws");
    status(w("connecting"));
    ws.onopen = function () {
      retryDelay = 500;
      ws.send(JSON.stringify({ t: "hello", after: lastSeq }));
    };
    ws.onmessage = function (event) {
      var frame;
      try { frame = JSON.parse(event.data); } catch (e) { return; }
      if (frame.t === "msg") showMessage(frame);
      else if (frame.t === "ready") {
        status("");
        pending.forEach(function (f) { ws.send(JSON.stringify(f)); });  // resend what was not confirmed
      } else if (frame.t === "got") pending.delete(frame.id);
      else if (frame.t === "off") disableButtons(frame.seq);
      else if (frame.t === "notice") note(frame.text);
      else if (frame.t === "error") {
        if (frame.id && !frame.retry) pending.delete(frame.id);
        note(frame.text);
        if (frame.retry) setTimeout(function () { var f = pending.get(frame.id); if (f && ws.readyState === 1) ws.send(JSON.stringify(f)); }, 5000);
      }
    };
    ws.onclose = function (event) {
      ws = null;
      if (event.code === 4401) { visitor = false; applyWords(); status(""); return; }
      if (event.code === 4403) { status(w("error_origin")); return; }
      status(w("offline"));
      setTimeout(connect, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 10000);
    };
  }

  function sendFrame(frame) {
    pending.set(frame.id, frame);
    if (ws && ws.readyState === 1) ws.send(JSON.stringify(frame));
  }

  function post(path, body) {
    return fetch(path, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json" }, body: JSON.stringify(body || {})
    }).then(function (r) { return r.json().then(function (data) { return { ok: r.ok, data: data }; }); });
  }

  function ensureVisitor() {
    if (visitor) return Promise.resolve(true);
    return post("/api/visitor", { lang: lang }).then(function (answer) {
      if (!answer.ok) { note(answer.data.error || ""); return false; }
      visitor = true;
      applyWords();
      if (answer.data.resume_url) showLink(answer.data.resume_url, w("keep_link"));
      connect();
      return true;
    });
  }

  function showLink(url, advice) {
    $("link-advice").textContent = advice;
    $("link-value").value = url;
    $("link-dialog").showModal();
  }

  function press(seq, data, box) {
    box.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
    sendFrame({ t: "button", id: newId(), seq: seq, data: data });
  }

  // ---------------------------------------------------------------- actions

  $("composer").addEventListener("submit", function (event) {
    event.preventDefault();
    var text = $("text").value;
    if (!text.trim()) return;
    $("text").value = "";
    ensureVisitor().then(function (ok) {
      if (ok) sendFrame({ t: "text", id: newId(), text: text });
      else $("text").value = text;
    });
  });
  $("text").addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $("composer").requestSubmit();
    }
  });

  $("files").addEventListener("change", function () {
    var files = Array.from($("files").files || []);
    $("files").value = "";
    if (!files.length) return;
    if (files.length > MAX_FILES) { note(w("too_many_files", { max_files: MAX_FILES })); return; }
    ensureVisitor().then(function (ok) {
      if (!ok) return;
      var batch = files.length > 1 ? newId() : "";
      var chain = Promise.resolve();
      files.forEach(function (file, index) {
        chain = chain.then(function () { return upload(file, batch, index === files.length - 1); });
      });
    });
  });

  function upload(file, batch, last) {
    status(w("uploading", { name: file.name }));
    var query = new URLSearchParams({ id: newId(), name: file.name, lang: lang });
    if (batch) { query.set("batch", batch); if (last) query.set("last", "1"); }
    var attempt = function (tries) {
      return fetch("/api/upload?" + query.toString(), {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": file.type || "application/octet-stream" }, body: file
      }).then(function (r) {
        status("");
        if (!r.ok) return r.json().then(function (data) { note(data.error || ""); });
      }, function () {  // the network failed: the same id again, the server takes it once
        if (tries > 0) return new Promise(function (ok) { setTimeout(ok, 2000); }).then(function () { return attempt(tries - 1); });
        status(w("offline"));
      });
    };
    return attempt(3);
  }

  $("lang-switch").addEventListener("click", function () {
    lang = lang === "zh" ? "en" : "zh";
    localStorage.setItem("cd-lang", lang);
    applyWords();
    if (visitor) sendFrame({ t: "lang", id: newId(), lang: lang });
  });

  $("revoke").addEventListener("click", function () {
    if (!confirm(w("revoke_confirm"))) return;
    post("/api/revoke").then(function (answer) {
      if (!answer.ok) { note(answer.data.error || ""); return; }
      showLink(answer.data.resume_url, w("new_link") + " " + w("keep_link"));
    });
  });
  $("link-copy").addEventListener("click", function () {
    var value = $("link-value").value;
    (navigator.clipboard ? navigator.clipboard.writeText(value) : Promise.reject()).then(
      function () { $("link-copy").textContent = w("copied"); },
      function () { $("link-value").select(); }
    );
  });
  $("link-done").addEventListener("click", function () { $("link-dialog").close(); $("link-copy").textContent = w("copy"); });

  // ---------------------------------------------------------------- start

  function resumeFromLink() {
    var match = /[#&]resume=([A-Za-z0-9_-]+)/.exec(location.hash);
    if (!match) return Promise.resolve(null);
    history.replaceState(null, "", location.pathname + location.search);  // the secret leaves the address bar
    return post("/api/resume", { secret: match[1] }).then(function (answer) {
      if (!answer.ok) { note(answer.data.error || ""); return false; }
      return true;
    });
  }

  fetch("/texts.json").then(function (r) { return r.json(); }).then(function (data) {
    words = data;
    applyWords();
    return resumeFromLink();
  }).then(function (resumed) {
    return fetch("/api/me", { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (me) {
      visitor = !!me.visitor;
      if (visitor && me.language && !localStorage.getItem("cd-lang")) lang = me.language;
      applyWords();
      if (resumed) note(w("resumed"));
      if (visitor) connect(); else note(w("intro"));
    });
  });
})();
