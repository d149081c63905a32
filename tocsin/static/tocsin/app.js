// Tocsin's only script, and an optional one: every page works without it.
// 1. An open incident's page refreshes its status header and timeline every 5 s while visible.
// 2. A "Copy" button next to each secret shown in a read-only field: an API token shown once,
//    intake URLs and keys, webhook secrets, calendar feed URLs. Without the script the field
//    stays selectable, and focusing it selects it all.
(function () {
  "use strict";

  var POLL_MS = 5000;

  function formsAreDirty() {
    var fields = document.querySelectorAll("main textarea, main input[type=text], main select");
    for (var i = 0; i < fields.length; i++) {
      var field = fields[i];
      if (field.tagName === "SELECT") {
        for (var j = 0; j < field.options.length; j++) {
          if (field.options[j].selected !== field.options[j].defaultSelected) return true;
        }
      } else if (field.value !== field.defaultValue) {
        return true;
      }
    }
    return false;
  }

  function startLiveRefresh(root) {
    var url = root.getAttribute("data-live-url");
    var statusPart = root.querySelector('[data-live-part="status"]');
    var initialStatus = statusPart ? statusPart.getAttribute("data-status") : null;
    var lastHtml = null;
    var busy = false;
    var timer = null;

    function stop() {
      if (timer !== null) window.clearInterval(timer);
      timer = null;
      var indicator = document.querySelector(".live-indicator");
      if (indicator) indicator.remove();
    }

    function swap(html) {
      var template = document.createElement("template");
      template.innerHTML = html;
      var parts = template.content.querySelectorAll("[data-live-part]");
      for (var i = 0; i < parts.length; i++) {
        var name = parts[i].getAttribute("data-live-part");
        var current = root.querySelector('[data-live-part="' + name + '"]');
        // Leave a part alone while someone is using a control inside it.
        if (current && !current.contains(document.activeElement)) current.replaceWith(parts[i]);
      }
      var fresh = template.content.querySelector('[data-live-part="status"]') ||
        root.querySelector('[data-live-part="status"]');
      var status = fresh ? fresh.getAttribute("data-status") : initialStatus;
      var stillOpen = fresh ? fresh.getAttribute("data-open") === "true" : true;
      if (status !== initialStatus) {
        // The available actions depend on the status: reload unless that would lose typing.
        if (!formsAreDirty()) {
          window.location.reload();
          return;
        }
      }
      if (!stillOpen) stop();
    }

    function poll() {
      if (busy || document.visibilityState !== "visible") return;
      busy = true;
      fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then(function (response) {
          if (!response.ok || response.redirected) {
            stop(); // signed out or gone: the page itself will say so on the next reload
            return null;
          }
          return response.text();
        })
        .then(function (html) {
          if (html !== null && html !== lastHtml) {
            lastHtml = html;
            swap(html);
          }
        })
        .catch(function () { /* offline for a moment: try again on the next tick */ })
        .then(function () { busy = false; });
    }

    timer = window.setInterval(poll, POLL_MS);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible" && timer !== null) poll();
    });
  }

  function enableCopyButtons() {
    var buttons = document.querySelectorAll("[data-copy]");
    for (var i = 0; i < buttons.length; i++) {
      var button = buttons[i];
      var input = document.getElementById(button.getAttribute("data-copy"));
      if (!input) continue;
      input.addEventListener("focus", function (event) { event.target.select(); });
      if (!navigator.clipboard) continue;
      button.hidden = false;
      button.addEventListener("click", function (event) {
        var clicked = event.currentTarget;
        var target = document.getElementById(clicked.getAttribute("data-copy"));
        navigator.clipboard.writeText(target.value).then(function () {
          clicked.textContent = "Copied";
        }, function () {
          target.focus();
          target.select();
        });
      });
    }
  }

  var live = document.querySelector("[data-live-url]");
  if (live && window.fetch && "content" in document.createElement("template")) {
    startLiveRefresh(live);
  }
  enableCopyButtons();
})();
