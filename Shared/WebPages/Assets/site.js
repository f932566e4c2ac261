// Open137's pages work without this file; with it: "use my location", copy buttons, the open reports near
// the place before a report is sent (report page and call screen), the call screen's live suggestion and phone check, and the units' desk following other staff's changes with its deadlines
// counting down. Nothing is loaded from elsewhere.
"use strict";
(function () {
  function $(selector, root) { return (root || document).querySelector(selector); }

  // Open reports near the chosen place and service (<ul id="nearby-reports"> in #nearby-box), each a link
  // to its tracking page; the box stays hidden while there are none.
  function showNearby(reports) {
    var list = $("#nearby-reports"), box = $("#nearby-box");
    if (!list || !box) return;
    list.innerHTML = "";
    (reports || []).forEach(function (report) {
      var li = document.createElement("li"), link = document.createElement("a");
      link.href = "/track/" + encodeURIComponent(report.tracking_code);
      link.textContent = report.label;
      li.appendChild(link);
      list.appendChild(li);
    });
    box.hidden = !(reports && reports.length);
  }
  function field(form, name) {
    var element = form.querySelector("[name=" + name + "]:checked") || form.querySelector("select[name=" + name + "], textarea[name=" + name + "], input:not([type=radio])[name=" + name + "]");
    return element ? element.value : "";
  }
  function placeQuery(form, names) {
    return names.map(function (name) { return name + "=" + encodeURIComponent(field(form, name)); }).join("&");
  }

  // The report page asks /report/nearby whenever the service or the place changes.
  var report = $("#report-form"), placeChanged = function () {};
  if (report) {
    var nearbyTimer = null;
    placeChanged = function () {
      clearTimeout(nearbyTimer);
      nearbyTimer = setTimeout(function () {
        var query = placeQuery(report, ["service_code", "lat", "long", "district", "address"]) + "&lang=" + document.documentElement.lang;
        fetch("/report/nearby?" + query, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
          .then(function (response) { return response.ok ? response.json() : null; })
          .then(function (data) { if (data) showNearby(data.reports); })
          .catch(function () {});
      }, 300);
    };
    report.addEventListener("change", placeChanged);
    $("#address", report).addEventListener("input", placeChanged);
    if (field(report, "service_code")) placeChanged();
  }

  // "Use my location": the browser's geolocation fills the hidden lat/long fields.
  var locate = $("#use-location");
  if (locate && navigator.geolocation) {
    locate.hidden = false;
    locate.addEventListener("click", function () {
      var status = $("#location-status");
      status.textContent = locate.dataset.waiting;
      navigator.geolocation.getCurrentPosition(function (position) {
        $("#lat").value = position.coords.latitude.toFixed(6);
        $("#long").value = position.coords.longitude.toFixed(6);
        status.textContent = locate.dataset.found;
        placeChanged();
      }, function () {
        status.textContent = locate.dataset.failed;
      }, { enableHighAccuracy: true, timeout: 15000 });
    });
  }

  // Copy buttons: <button data-copy="#id">.
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var text = $(button.dataset.copy).dataset.value || $(button.dataset.copy).textContent.trim();
      navigator.clipboard.writeText(text).then(function () {
        button.textContent = button.dataset.done;
      });
    });
  });

  // Deadlines counting down: <… data-deadline="ISO time" data-lang="fa|en">, said as the server says them.
  function countdown() {
    document.querySelectorAll("[data-deadline]").forEach(function (element) {
      var fa = element.dataset.lang === "fa", left = Date.parse(element.dataset.deadline) - Date.now();
      var minutes = Math.floor(Math.abs(left) / 60000), days = Math.floor(minutes / 1440);
      var hours = Math.floor((minutes % 1440) / 60), rest = minutes % 60;
      var d = fa ? "روز" : "d", h = fa ? "ساعت" : "h", m = fa ? "دقیقه" : "min", span;
      if (days >= 2) span = days + " " + d + " " + hours + " " + h;
      else if (minutes >= 60) span = (days * 24 + hours) + " " + h + " " + rest + " " + m;
      else span = minutes + " " + m;
      if (fa) span = span.replace(/[0-9]/g, function (digit) { return "۰۱۲۳۴۵۶۷۸۹"[digit]; });
      element.textContent = left >= 0 ? (fa ? span + " مانده" : span + " left") : (fa ? span + " از مهلت گذشته" : "overdue by " + span);
    });
  }
  setInterval(countdown, 30000);

  // The units' desk: every few seconds ask whether the unit's cases changed (<div data-poll="…/changes"
  // data-version="n">); if so, fetch this page again and put its content in place — unless someone is
  // typing on it, then say so and let them reload.
  var live = $("[data-poll]");
  if (live) {
    var polling = setInterval(function () {
      fetch(live.dataset.poll, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (!data || String(data.version) === live.dataset.version) return;
          var busy = Array.prototype.some.call(live.querySelectorAll("textarea, input[type=text], input:not([type])"), function (field) {
            return field === document.activeElement || field.value !== field.defaultValue;
          });
          if (busy) { $("#live-notice").hidden = false; clearInterval(polling); return; }
          return fetch(location.href, { credentials: "same-origin" })
            .then(function (response) { return response.ok ? response.text() : null; })
            .then(function (html) {
              if (!html) return;
              var next = new DOMParser().parseFromString(html, "text/html").querySelector("[data-poll]");
              if (!next) return;
              live.innerHTML = next.innerHTML;
              live.dataset.version = next.dataset.version;
            });
        })
        .catch(function () {});
    }, 3000);
  }

  // The call screen: a suggestion while the description is typed, the caller's number checked and
  // their recent reports shown, Ctrl+Enter submits, Alt+A takes the suggested service.
  var call = $("#call-form");
  if (!call) return;
  var description = $("#description", call), phone = $("#phone", call), service = $("#service_code", call);
  var box = $("#suggestion"), phoneNote = $("#phone-note"), recent = $("#recent-reports");
  var timer = null, suggested = null, chosenByHand = false;
  service.addEventListener("change", function () { chosenByHand = true; });
  function preview() {
    var query = placeQuery(call, ["description", "phone", "service_code", "district", "address"]);
    fetch("/staff/call/preview?" + query, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) return;
        if (data.suggestion) {
          suggested = data.suggestion.service_code;
          box.hidden = false;
          $("#suggested-service").textContent = data.suggestion.service_name + " (" + data.suggestion.service_code + ")";
          $("#suggested-child").textContent = data.suggestion.child_friendly_label;
          $("#suggested-priority").textContent = data.suggestion.priority;
          $("#suggested-confidence").textContent = data.suggestion.confidence_label;
          if (!chosenByHand) service.value = suggested;
        } else {
          box.hidden = true;
        }
        phoneNote.textContent = data.phone_label || "";
        phoneNote.className = data.phone_valid === false ? "error" : "hint";
        recent.innerHTML = "";
        (data.recent || []).forEach(function (report) {
          var li = document.createElement("li");
          li.textContent = report.label;
          recent.appendChild(li);
        });
        $("#recent-box").hidden = !(data.recent && data.recent.length);
        showNearby(data.nearby);
      })
      .catch(function () {});
  }
  function later() { clearTimeout(timer); timer = setTimeout(preview, 250); }
  description.addEventListener("input", later);
  phone.addEventListener("input", later);
  $("#address", call).addEventListener("input", later);
  $("#district", call).addEventListener("change", later);
  service.addEventListener("change", later);
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey && event.key === "Enter") { event.preventDefault(); call.requestSubmit(); }
    if (event.altKey && (event.key === "a" || event.key === "A" || event.key === "ش") && suggested) {
      event.preventDefault(); service.value = suggested; chosenByHand = true; service.focus();
    }
  });
  if (description.value || phone.value) preview();
})();
