/* Riskkarta administration (/admin): upload a file to POST /api/imports (multipart, with the page's CSRF token),
   then poll GET /api/imports/<id> every second and show the progress, then the import's summary or its problem.
   The form shows only the options of the chosen target (the others are disabled, so they are not sent). The page
   passes its texts and addresses in data- attributes; no framework; server text only ever through textContent. */
(function () {
  "use strict";

  var POLL_MS = 1000;
  var $ = window.RiskkartaDom.byId;

  var el = window.RiskkartaDom.el;

  function parse(raw) {
    try { return raw ? JSON.parse(raw) : null; } catch (e) { return null; }
  }

  function csrfHeader(headers) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) { headers["X-CSRFToken"] = meta.getAttribute("content"); }
    return headers;
  }

  function start(form) {
    var T = parse(form.getAttribute("data-texts")) || {};
    var lang = form.getAttribute("data-lang") || "sv";
    var numbers = new Intl.NumberFormat(lang === "sv" ? "sv-SE" : "en-GB");
    // Times as the page writes them (reports/format.py: date_time): Stockholm's time, "2026-12-07 10:38 CET".
    var times = new Intl.DateTimeFormat("sv-SE", { timeZone: "Europe/Stockholm", year: "numeric", month: "2-digit",
      day: "2-digit", hour: "2-digit", minute: "2-digit", timeZoneName: "short" });
    function when(iso) { return iso ? times.format(new Date(iso)) : ""; }
    var target = $("i-target");
    var button = form.querySelector("button[type=submit]");
    var box = $("import-status"), bar = $("import-progress"), said = $("import-progress-text");
    var outcome = $("import-outcome");

    function showOptions() {
      var chosen = target.options[target.selectedIndex];
      var job = chosen ? chosen.getAttribute("data-job") : "";
      form.querySelectorAll("fieldset[data-for]").forEach(function (set) {
        set.disabled = set.getAttribute("data-for") !== job;
      });
    }

    function say(text) { said.textContent = text; }

    function progress(job) {
      var p = job.progress || {};
      var state = (T.states || {})[job.state] || job.state;
      if (job.state === "done") {
        bar.max = 1; bar.value = 1;
        say(state);
      } else if (p.total) {
        bar.max = p.total; bar.value = Math.min(p.done || 0, p.total);
        say(state + ": " + (p.label ? p.label + ", " : "") +
            T.of.replace("%(done)s", numbers.format(p.done || 0)).replace("%(total)s", numbers.format(p.total)));
      } else {
        bar.removeAttribute("value");  // indeterminate until the worker says how much there is
        say(state + (p.label ? ": " + p.label : ""));
      }
    }

    function finished(job) {
      outcome.textContent = "";
      var part = el("div", null, "outcome-" + job.state);
      if (job.state === "done") {
        part.appendChild(el("h3", T.summary));
        var list = el("ul");
        list.setAttribute("lang", "en");
        ((job.result || {}).summary || []).forEach(function (line) { list.appendChild(el("li", line)); });
        part.appendChild(list);
        var details = (job.result || {}).details || {};
        var row = document.querySelector('#import-layers tr[data-slug="' + job.target + '"]');
        if (row && details.version !== undefined) {  // the layer's row says what it holds now
          row.querySelector(".version").textContent = String(details.version);
          row.querySelector(".imported").textContent = when(job.finished_at);
          if (!details.grid && details.count !== undefined) {
            row.querySelector(".holds").textContent = numbers.format(details.count);
          }
          if ((job.options || {}).source) { row.querySelector(".source").textContent = job.options.source; }
        }
      } else {
        part.appendChild(el("h3", T.failed));
        var problem = job.problem || {};
        var detail = el("p", (problem.title ? problem.title + ": " : "") + (problem.detail || ""));
        detail.setAttribute("lang", "en");
        part.appendChild(detail);
      }
      outcome.appendChild(part);
      button.disabled = false;
    }

    function listed(job) {
      var body = document.querySelector("#import-jobs tbody");
      var empty = body.querySelector("tr.empty");
      if (empty) { empty.remove(); }
      var row = body.querySelector('tr[data-job="' + job.id + '"]');
      if (!row) {
        row = el("tr");
        row.setAttribute("data-job", job.id);
        var chosen = target.querySelector('option[value="' + job.target + '"]');
        [when(job.created_at), chosen ? chosen.getAttribute("data-title") : job.target, job.filename,
         job.created_by || "–", "", ""].forEach(function (text) { row.appendChild(el("td", text)); });
        body.insertBefore(row, body.firstChild);
      }
      var cells = row.querySelectorAll("td");
      cells[4].textContent = "";
      cells[4].appendChild(el("span", (T.states || {})[job.state] || job.state, "job-state job-" + job.state));
      cells[5].setAttribute("lang", "en");
      cells[5].textContent = job.result ? (job.result.summary || []).join(" ") :
        (job.problem ? job.problem.detail || "" : "");
    }

    function failedToStart(status, body) {
      var text = status === 0 ? T.network : status === 401 ? T.sign_in_again : status === 403 ? T.forbidden : null;
      bar.max = 1; bar.value = 0;
      say((T.states || {}).failed || "");
      finished({ state: "failed", problem: text ? { detail: text } : (body || { detail: "HTTP " + status }) });
    }

    function poll(url) {
      fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" }).then(function (resp) {
        return resp.text().then(function (raw) { return { status: resp.status, body: parse(raw) }; });
      }).then(function (r) {
        if (r.status !== 200 || !r.body) { return failedToStart(r.status, r.body); }
        progress(r.body);
        listed(r.body);
        if (r.body.state === "done" || r.body.state === "failed") { return finished(r.body); }
        window.setTimeout(function () { poll(url); }, POLL_MS);
      }, function () {
        say(T.network);
        window.setTimeout(function () { poll(url); }, POLL_MS * 5);
      });
    }

    target.addEventListener("change", showOptions);
    showOptions();
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      box.hidden = false;
      outcome.textContent = "";
      if (!$("i-file").files.length) { say(T.choose_file); return; }
      button.disabled = true;
      bar.max = 1; bar.value = 0;
      say(T.uploading);
      var request = new XMLHttpRequest();
      request.open("POST", form.getAttribute("data-api"));
      request.setRequestHeader("Accept", "application/json");
      var headers = csrfHeader({});
      Object.keys(headers).forEach(function (name) { request.setRequestHeader(name, headers[name]); });
      request.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) { bar.max = e.total; bar.value = e.loaded; }
      });
      request.addEventListener("load", function () {
        var body = parse(request.responseText);
        if (request.status !== 202 || !body) { return failedToStart(request.status, body); }
        progress(body);
        listed(body);
        poll(request.getResponseHeader("Location") || body.links.self);
      });
      request.addEventListener("error", function () { failedToStart(0, null); });
      request.send(new FormData(form));
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = $("import-form");
    if (form) { start(form); }
  });
}());
