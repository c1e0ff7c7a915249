/* Riskkarta situation pictures: the map editor of one picture (draw, move, reshape and delete points, lines and
   areas with Leaflet.draw; the annotation's form; save state; recovery from a stale version, 412, that keeps the
   user's drawing and shows both versions; the workflow buttons) and the list page's "new picture" and "copy
   forward". Every write goes to the JSON API with the annotation's ETag in If-Match and the page's CSRF token.
   No framework; user text only ever through textContent. */
(function () {
  "use strict";

  var FIELDS = ["title", "kind", "severity", "body", "measure_type", "responsible", "measure_status", "valid_from",
                "valid_to"];
  var MEASURE_ONLY = { measure_type: true, responsible: true, measure_status: true };
  var $ = window.RiskkartaDom.byId;

  var el = window.RiskkartaDom.el;

  function merge(target, source) {
    Object.keys(source).forEach(function (key) {
      if (typeof source[key] === "object" && target[key]) { merge(target[key], source[key]); }
      else { target[key] = source[key]; }
    });
  }

  /* One request to the API: JSON both ways, the CSRF header of a signed-in page, If-Match when a version is
     named. Resolves to {ok, status, body}; status 0 when the server did not answer. */
  function send(method, url, body, version) {
    var headers = { "Accept": "application/json" };
    if (body !== undefined) { headers["Content-Type"] = "application/json"; }
    var csrf = document.querySelector('meta[name="csrf-token"]');
    if (csrf) { headers["X-CSRFToken"] = csrf.getAttribute("content"); }
    if (version !== undefined && version !== null) { headers["If-Match"] = '"' + version + '"'; }
    return fetch(url, {
      method: method, headers: headers, credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (resp) {
      return resp.text().then(function (raw) {
        var parsed = null;
        try { parsed = raw ? JSON.parse(raw) : null; } catch (e) { parsed = null; }
        return { ok: resp.ok, status: resp.status, body: parsed };
      });
    }, function () { return { ok: false, status: 0, body: null }; });
  }

  /* Why a write failed, as one sentence in the page's language. */
  function failure(T, r) {
    if (r.status === 0) { return T.network; }
    if (r.status === 401) { return T.sign_in_again; }
    if (r.status === 403) { return T.forbidden; }
    var detail = r.body && (r.body.message || r.body.detail || r.body.title);
    return T.could_not_save + " " + (detail || "HTTP " + r.status);
  }

  function withLang(url, lang) { return lang === "sv" ? url : url + (url.indexOf("?") < 0 ? "?" : "&") + "lang=" + lang; }

  /* ---- the editor ------------------------------------------------------------------------------------------- */

  function picture(config) {
    var T = config.texts;
    var map = window[config.map];
    var may = {};
    config.may.forEach(function (m) { may[m] = true; });
    var message = $("picture-message");
    var pictureVersion = config.picture.version;
    var summaryDirty = false;

    function say(text) { message.textContent = text || ""; }

    var pending = function () { return 0; };
    workflow(config, T, say, function () { return pictureVersion; }, function () { return pending(); });
    if (!may.edit) { return; }

    var items = {};                                  // by key: {key, id, version, props, layer, fixed, dirty, ...}
    var drawn = new L.FeatureGroup().addTo(map);     // what Leaflet.draw edits and deletes
    var fixed = L.featureGroup().addTo(map);         // multi-point annotations: their properties change, not shape
    var theirs = L.featureGroup().addTo(map);        // the saved version during a conflict, dashed
    var selected = null;
    var form = $("annotation-form");
    var busyDrawing = false;

    function style(kind, chosen) {
      var colour = config.colours[kind] || "#4d4d4d";
      return { color: colour, fillColor: colour, weight: chosen ? 6 : 3, opacity: 1, fillOpacity: chosen ? 0.35 : 0.2,
               dashArray: null, radius: 8 };
    }
    var THEIRS = { color: "#e66101", fillColor: "#e66101", weight: 3, opacity: 1, fillOpacity: 0.1,
                   dashArray: "8 6", radius: 10, interactive: false };

    function layerFor(geometry, options) {
      var c = geometry.coordinates, t = geometry.type;
      if (t === "Point") { return L.circleMarker([c[1], c[0]], options); }
      if (t === "LineString") { return L.polyline(L.GeoJSON.coordsToLatLngs(c, 0), options); }
      if (t === "MultiLineString") { return L.polyline(L.GeoJSON.coordsToLatLngs(c, 1), options); }
      if (t === "Polygon") { return L.polygon(L.GeoJSON.coordsToLatLngs(c, 1), options); }
      if (t === "MultiPolygon") { return L.polygon(L.GeoJSON.coordsToLatLngs(c, 2), options); }
      return L.geoJSON(geometry, { style: options, pointToLayer: function (f, ll) { return L.circleMarker(ll, options); } });
    }

    function geometryOf(item) {
      return item.fixed ? item.geometry : item.layer.toGeoJSON(6).geometry;
    }

    function propsOf(feature) {
      var props = {};
      FIELDS.forEach(function (f) { props[f] = feature.properties[f] === undefined ? null : feature.properties[f]; });
      return props;
    }

    function attach(item, geometry) {
      item.fixed = geometry.type === "MultiPoint";
      item.geometry = geometry;
      item.layer = layerFor(geometry, style(item.props.kind, item === selected));
      item.layer.riskkartaKey = item.key;
      item.layer.on("click", function (e) {
        if (busyDrawing) { return; }
        if (e.originalEvent) { L.DomEvent.stopPropagation(e); }
        select(item);
      });
      (item.fixed ? fixed : drawn).addLayer(item.layer);
    }

    function detach(item) {
      if (item.layer) { drawn.removeLayer(item.layer); fixed.removeLayer(item.layer); }
    }

    var counter = 0;
    function add(feature, dirty) {
      var item = { key: "a" + (++counter), id: feature.id || null,
                   version: feature.properties.version || null, props: propsOf(feature), dirty: !!dirty,
                   edits: 0, saving: false, conflict: null };
      attach(item, feature.geometry);
      items[item.key] = item;
      return item;
    }

    config.features.forEach(function (f) { add(f, false); });

    /* -- computed hotspots in the district, each cluster of hot cells one button away from an annotation -- */
    function hotspotPanel() {
      var box = $("hotspot-clusters"), state = $("hotspot-state");
      if (!box) { return; }
      send("GET", config.links.hotspots).then(function (r) {
        if (!r.ok) { state.textContent = failure(T, r); return; }
        if (!r.body.run) { state.textContent = T.hotspots_missing; return; }
        if (!r.body.clusters.length) { state.textContent = T.hotspots_none; return; }
        r.body.clusters.forEach(function (c) {
          var confidence = { 1: "90 %", 2: "95 %", 3: "99 %" }[c["class"]];
          var li = el("li", T.hotspot_cluster.replace("%(cells)s", c.cells.length)
            .replace("%(z)s", Number(c.z_max).toLocaleString(config.lang === "sv" ? "sv-SE" : "en-GB"))
            .replace("%(confidence)s", confidence) + " ");
          var button = el("button", T.hotspot_take);
          button.type = "button";
          button.setAttribute("data-hotspot", c.number);
          button.addEventListener("click", function () {
            button.disabled = true;
            send("POST", config.links.from_hotspot, {
              run: r.body.run.id, cells: c.cells.map(function (cell) { return cell.id; }),
              title: T.hotspot_title.replace("%(confidence)s", confidence)
            }).then(function (made) {
              if (!made.ok) { button.disabled = false; state.textContent = failure(T, made); return; }
              var item = add(made.body, false);
              li.parentNode.removeChild(li);
              refresh();
              select(item);
              state.textContent = T.hotspot_taken;
            });
          });
          li.appendChild(button);
          box.appendChild(li);
        });
      });
    }
    hotspotPanel();

    function list() {
      return Object.keys(items).map(function (k) { return items[k]; }).sort(function (a, b) {
        return (a.id || 1e12 + parseInt(a.key.slice(1), 10)) - (b.id || 1e12 + parseInt(b.key.slice(1), 10));
      });
    }

    /* -- save state, always visible -- */
    var stateBox = $("save-state");
    var saveAll = el("button", T.save_all);
    saveAll.type = "button"; saveAll.id = "save-all"; saveAll.hidden = true;
    stateBox.parentNode.insertBefore(saveAll, stateBox.nextSibling);
    saveAll.addEventListener("click", function () {
      list().forEach(function (item) { if (item.dirty && !item.conflict) { save(item); } });
      if (summaryDirty) { saveSummary(); }
    });

    function unsaved() { return list().filter(function (i) { return i.dirty || i.deleting; }).length + (summaryDirty ? 1 : 0); }
    function saving() { return list().some(function (i) { return i.saving; }); }

    function refresh() {
      var state = saving() ? "saving" : unsaved() ? "unsaved" : "saved";
      stateBox.setAttribute("data-state", state);
      stateBox.textContent = T[state];
      saveAll.hidden = state !== "unsaved";
      renderTable();
    }

    window.addEventListener("beforeunload", function (e) {
      if (unsaved() || saving()) { e.preventDefault(); e.returnValue = T.leave; return T.leave; }
    });

    /* -- the table beside the map (what the map shows, for keyboard and screen-reader users too) -- */
    function renderTable() {
      var table = $("annotations-table"), body = table.tBodies[0];
      body.textContent = "";
      list().forEach(function (item) {
        var tr = el("tr");
        tr.setAttribute("data-annotation", item.id || "");
        var title = el("td", item.props.title || "–");
        if (item.dirty) { title.appendChild(el("span", " (" + T.unsaved + ")", "unsaved-mark")); }
        tr.appendChild(title);
        tr.appendChild(el("td", config.kinds[item.props.kind] || item.props.kind));
        tr.appendChild(el("td", config.severities[String(item.props.severity)] || item.props.severity));
        tr.appendChild(el("td", item.props.body || ""));
        tr.appendChild(el("td", item.props.responsible || ""));
        var cell = el("td"), button = el("button", T.change);
        button.type = "button";
        button.setAttribute("aria-label", T.change + ": " + (item.props.title || "–"));
        button.addEventListener("click", function () { select(item); $("a-title").focus(); });
        cell.appendChild(button);
        tr.appendChild(cell);
        if (item === selected) { tr.className = "selected"; }
        body.appendChild(tr);
      });
      table.hidden = !list().length;
      $("annotations-empty").hidden = !!list().length;
    }

    /* -- the form -- */
    function showMeasure() { $("a-measure").hidden = $("a-kind").value !== "measure"; }

    function fill(item) {
      var p = item.props;
      $("a-title").value = p.title || "";
      $("a-kind").value = p.kind || "observation";
      $("a-severity").value = String(p.severity || 2);
      $("a-body").value = p.body || "";
      $("a-measure-type").value = p.measure_type || "situational";
      $("a-responsible").value = p.responsible || "";
      $("a-measure-status").value = p.measure_status || "planned";
      $("a-valid-from").value = p.valid_from || "";
      $("a-valid-to").value = p.valid_to || "";
      showMeasure();
    }

    function read() {
      var kind = $("a-kind").value, measure = kind === "measure";
      return { title: $("a-title").value.trim(), kind: kind, severity: parseInt($("a-severity").value, 10),
               body: $("a-body").value, measure_type: measure ? $("a-measure-type").value : null,
               responsible: measure ? ($("a-responsible").value.trim() || null) : null,
               measure_status: measure ? $("a-measure-status").value : null,
               valid_from: $("a-valid-from").value || null, valid_to: $("a-valid-to").value || null };
    }

    function restyle(item) {
      if (item.layer && item.layer.setStyle) { item.layer.setStyle(style(item.props.kind, item === selected)); }
    }

    function formError(text) {
      var box = $("annotation-error");
      box.textContent = text || "";
      box.hidden = !text;
    }

    function describe(item) {
      var t = item.geometry && item.geometry.type || (item.layer.toGeoJSON().geometry.type);
      var shape = /Point/.test(t) ? T.point : /Line/.test(t) ? T.line : T.area;
      $("annotation-form-what").textContent = (item.id ? T.editing : T.new_annotation) + " · " + shape;
    }

    function select(item) {
      var before = selected;
      selected = item;
      if (before && before !== item) { restyle(before); }
      restyle(item);
      fill(item);
      describe(item);
      formError(null);
      form.hidden = false;
      $("editor-hint").hidden = true;
      if (item.conflict) { showConflict(item); } else { hideConflict(); }
      refresh();
    }

    function deselect() {
      var before = selected;
      selected = null;
      if (before) { restyle(before); }
      form.hidden = true;
      $("editor-hint").hidden = false;
      hideConflict();
      refresh();
    }

    function edited() {
      if (!selected) { return; }
      selected.props = read();
      selected.dirty = true;
      selected.edits += 1;
      showMeasure();
      restyle(selected);
      refresh();
    }
    form.addEventListener("input", edited);
    form.addEventListener("change", edited);
    form.addEventListener("submit", function (e) { e.preventDefault(); if (selected) { save(selected); } });
    $("annotation-close").addEventListener("click", deselect);
    $("annotation-delete").addEventListener("click", function () {
      if (!selected || !window.confirm(T.confirm_delete)) { return; }
      var item = selected;
      detach(item);
      remove(item);
    });

    /* -- writing -- */
    function problem(item, r) {
      if (item === selected) { formError(failure(T, r)); } else { say(failure(T, r)); }
    }

    function save(item) {
      if (item.saving) { item.again = true; return; }
      if (!item.props.title) {
        select(item);
        formError(T.title_required);
        $("a-title").focus();
        return;
      }
      var edits = item.edits;
      var feature = { type: "Feature", geometry: geometryOf(item), properties: item.props };
      var request = item.id ? send("PUT", config.links.annotations + "/" + item.id, feature, item.version)
                            : send("POST", config.links.annotations, feature);
      item.saving = true;
      refresh();
      request.then(function (r) {
        item.saving = false;
        if (r.ok) {
          item.id = r.body.id;
          item.version = r.body.properties.version;
          item.conflict = null;
          theirs.clearLayers();
          if (item.edits === edits) { item.dirty = false; }
          if (item === selected) { formError(null); describe(item); hideConflict(); }
        } else if (r.status === 412 && r.body && r.body.current) {
          conflict(item, r.body.current, "save");
        } else if (r.status === 404 && item.id) {
          conflict(item, null, "gone");
        } else {
          problem(item, r);
        }
        refresh();
        if (item.again) { item.again = false; if (item.dirty && !item.conflict) { save(item); } }
      });
    }

    function remove(item) {
      item.geometry = geometryOf(item);
      if (!item.id) { forget(item); return; }
      item.deleting = true;
      item.saving = true;
      refresh();
      send("DELETE", config.links.annotations + "/" + item.id, undefined, item.version).then(function (r) {
        item.saving = false;
        item.deleting = false;
        if (r.ok || r.status === 404) { forget(item); return; }
        attach(item, item.geometry);
        if (r.status === 412 && r.body && r.body.current) { conflict(item, r.body.current, "delete"); }
        else { select(item); problem(item, r); }
        refresh();
      });
    }

    function forget(item) {
      detach(item);
      delete items[item.key];
      if (selected === item) { deselect(); } else { refresh(); }
    }

    /* -- a stale version: keep the user's drawing, show the saved one beside it, let them choose -- */
    function conflict(item, current, how) {
      item.conflict = { current: current, how: how };
      item.dirty = true;
      select(item);
    }

    function shown(field, value) {
      if (value === null || value === undefined || value === "") { return "–"; }
      if (field === "kind") { return config.kinds[value] || value; }
      if (field === "severity") { return config.severities[String(value)] || value; }
      if (field === "measure_type") { return config.measure_types[value] || value; }
      if (field === "measure_status") { return config.measure_statuses[value] || value; }
      return String(value);
    }

    function when(iso) {
      var at = new Date(iso);
      if (isNaN(at.getTime())) { return ""; }
      return at.toLocaleString(config.lang === "sv" ? "sv-SE" : "en-GB",
                               { timeZone: "Europe/Stockholm", dateStyle: "short", timeStyle: "short" });
    }

    function sameShape(a, b) { return JSON.stringify(a) === JSON.stringify(b); }

    function showConflict(item) {
      var c = item.conflict, current = c.current, box = $("conflict"), body = box.querySelector("tbody");
      theirs.clearLayers();
      $("conflict-heading").textContent = T.conflict_heading;
      $("conflict-text").textContent = current ? T.conflict_text : T.conflict_deleted;
      $("conflict-field").textContent = T.field;
      $("conflict-mine").textContent = T.mine;
      $("conflict-theirs").textContent = T.theirs;
      $("conflict-keep").textContent = T.keep_mine;
      $("conflict-take").textContent = T.take_theirs;
      body.textContent = "";
      function row(label, mine, saved) {
        var tr = el("tr");
        tr.appendChild(el("th", label)).setAttribute("scope", "row");
        tr.appendChild(el("td", mine));
        tr.appendChild(el("td", saved));
        body.appendChild(tr);
      }
      if (current) {
        var saved = propsOf(current);
        FIELDS.forEach(function (f) {
          if (String(saved[f] === null ? "" : saved[f]) !== String(item.props[f] === null ? "" : item.props[f])) {
            row(T[f], shown(f, item.props[f]), shown(f, saved[f]));
          }
        });
        var mine = roundShape(geometryOf(item)), other = roundShape(current.geometry);
        row(T.shape, sameShape(mine, other) ? T.shape_same : T.shape_changed, sameShape(mine, other) ? T.shape_same : T.shape_changed);
        row(T.changed_by, "", (current.properties.updated_by || "") + ", " + when(current.properties.updated_at));
        theirs.addLayer(layerFor(current.geometry, THEIRS));
      }
      box.hidden = false;
      box.focus();
    }

    function roundShape(geometry) {
      return JSON.parse(JSON.stringify(geometry.coordinates, function (k, v) {
        return typeof v === "number" ? Math.round(v * 1e5) / 1e5 : v;
      }));
    }

    function hideConflict() {
      $("conflict").hidden = true;
      theirs.clearLayers();
    }

    $("conflict-keep").addEventListener("click", function () {
      var item = selected;
      if (!item || !item.conflict) { return; }
      var c = item.conflict;
      item.conflict = null;
      hideConflict();
      if (c.how === "gone") { item.id = null; item.version = null; save(item); return; }
      item.version = c.current.properties.version;
      if (c.how === "delete") { detach(item); remove(item); return; }
      save(item);
    });

    $("conflict-take").addEventListener("click", function () {
      var item = selected;
      if (!item || !item.conflict) { return; }
      var c = item.conflict;
      item.conflict = null;
      hideConflict();
      if (!c.current) { forget(item); return; }
      detach(item);
      item.id = c.current.id;
      item.version = c.current.properties.version;
      item.props = propsOf(c.current);
      item.dirty = false;
      attach(item, c.current.geometry);
      select(item);
    });

    /* -- Leaflet.draw: points, lines and areas; move, reshape and delete what is drawn -- */
    if (config.draw) { merge(L.drawLocal, config.draw); }
    var chosenKind = "observation";
    var drawStyle = style(chosenKind, true);
    map.addControl(new L.Control.Draw({
      position: "topleft",
      draw: { polygon: { allowIntersection: false, showArea: false, shapeOptions: drawStyle },
              polyline: { shapeOptions: drawStyle }, circlemarker: drawStyle,
              rectangle: false, circle: false, marker: false },
      edit: { featureGroup: drawn, remove: true }
    }));
    map.on("draw:drawstart draw:editstart draw:deletestart", function () { busyDrawing = true; });
    map.on("draw:drawstop draw:editstop draw:deletestop", function () { busyDrawing = false; });
    map.on("draw:created", function (e) {
      var geometry = e.layer.toGeoJSON(6).geometry;
      var props = { title: "", kind: selected ? selected.props.kind : chosenKind, severity: 2, body: "" };
      var item = add({ type: "Feature", geometry: geometry, properties: props }, true);
      select(item);
      $("a-title").focus();
    });
    map.on("draw:edited", function (e) {
      e.layers.eachLayer(function (layer) {
        var item = items[layer.riskkartaKey];
        if (!item) { return; }
        item.geometry = geometryOf(item);
        item.dirty = true;
        item.edits += 1;
        if (item.id && !item.conflict) { save(item); }
      });
      refresh();
    });
    map.on("draw:deleted", function (e) {
      e.layers.eachLayer(function (layer) {
        var item = items[layer.riskkartaKey];
        if (item) { remove(item); }
      });
    });

    /* -- a point placed by typing its coordinates (SWEREF 99 TM or WGS 84, read by the site check's reader): the
       keyboard's way to draw; then the same form as after drawing -- */
    var placeForm = $("place-form");
    if (placeForm) {
      placeForm.addEventListener("submit", function (e) {
        e.preventDefault();
        var result = $("place-result"), text = $("place-coordinates").value.trim();
        result.hidden = false;
        result.className = "reading";
        result.textContent = "";
        if (!text) { result.className = "form-error"; result.textContent = placeForm.getAttribute("data-empty"); return; }
        send("POST", withLang(placeForm.getAttribute("data-url"), config.lang), { text: text }).then(function (r) {
          if (!r.ok) {
            result.className = "form-error";
            result.textContent = r.status === 0 ? T.network
              : (r.body && (r.body.message || r.body.detail || r.body.title)) || "HTTP " + r.status;
            $("place-coordinates").focus();
            return;
          }
          result.textContent = r.body.description;
          var props = { title: "", kind: selected ? selected.props.kind : chosenKind, severity: 2, body: "" };
          var item = add({ type: "Feature", geometry: r.body.geometry, properties: props }, true);
          var bounds = item.layer.getBounds ? item.layer.getBounds() : L.latLngBounds([item.layer.getLatLng()]);
          map.fitBounds(bounds.pad(0.5), { maxZoom: Math.max(map.getZoom(), 15) });
          select(item);
          $("a-title").focus();
        });
      });
    }

    /* -- the summary -- */
    var summary = $("picture-summary");
    summary.addEventListener("input", function () { summaryDirty = true; refresh(); });
    $("picture-summary-save").addEventListener("click", saveSummary);
    function saveSummary() {
      var text = summary.value;
      send("PATCH", config.links.picture, { summary: text }, pictureVersion).then(function (r) {
        if (r.ok) {
          pictureVersion = r.body.version;
          if (summary.value === text) { summaryDirty = false; }
          say(T.summary_saved);
        } else if (r.status === 412) { say(T.picture_changed); }
        else { say(failure(T, r)); }
        refresh();
      });
    }

    pending = function () { return unsaved() + (saving() ? 1 : 0); };
    refresh();
    window.riskkartaPictures.editor = { items: items, select: select, list: list };
  }

  /* The workflow buttons: submit (the committee), accept or return with a comment (the city office). */

  function workflow(config, T, say, versionOf, pending) {
    function act(url, body, done) {
      if (pending()) { say(T.save_first); return; }
      send("POST", url, body, versionOf()).then(function (r) {
        if (r.ok) { say(done); window.setTimeout(function () { window.location.assign(config.links.page); }, 600); }
        else if (r.status === 412) { say(T.picture_changed); }
        else { say(failure(T, r)); }
      });
    }
    var submit = $("picture-submit"), accept = $("picture-accept"), back = $("picture-return");
    if (submit) { submit.addEventListener("click", function () { act(config.links.submit, undefined, T.submitted); }); }
    if (accept) { accept.addEventListener("click", function () { act(config.links.accept, undefined, T.accepted); }); }
    if (back) {
      back.addEventListener("click", function () {
        var comment = $("picture-comment").value.trim();
        if (!comment) { say(T.comment_required); $("picture-comment").focus(); return; }
        act(config.links["return"], { comment: comment }, T.returned);
      });
    }
  }

  /* ---- the list page: a new picture, copy forward ----------------------------------------------------------- */

  function listPage(config) {
    var T = config.texts, message = $("pictures-message");
    function go(r) {
      if (r.ok) { window.location.assign(withLang(config.page + r.body.id, config.lang)); return; }
      message.textContent = r.status === 409 ? T.exists : failure(T, r);
    }
    var form = $("new-picture");
    if (form) {
      form.addEventListener("submit", function (e) {
        e.preventDefault();
        send("POST", config.create, {
          district: $("n-district").value, year: parseInt($("n-year").value, 10),
          tertial: parseInt($("n-tertial").value, 10), topic: $("n-topic").value, summary: $("n-summary").value
        }).then(go);
      });
    }
    Array.prototype.forEach.call(document.querySelectorAll("button[data-copy-forward]"), function (button) {
      button.addEventListener("click", function () {
        send("POST", button.getAttribute("data-copy-forward")).then(go);
      });
    });
  }

  /* ---- the city view: accept, or return with a comment, each picture waiting for a decision --------------- */

  function cityPage(config) {
    var T = config.texts, message = $("city-message");
    Array.prototype.forEach.call(document.querySelectorAll(".decisions li"), function (item) {
      function act(url, body, done) {
        send("POST", url, body, item.getAttribute("data-version")).then(function (r) {
          if (r.ok) { message.textContent = done; window.setTimeout(function () { window.location.reload(); }, 600); }
          else if (r.status === 412) { message.textContent = T.picture_changed; }
          else { message.textContent = failure(T, r); }
        });
      }
      item.querySelector("button.accept").addEventListener("click", function () {
        act(item.getAttribute("data-accept"), undefined, T.accepted);
      });
      item.querySelector("button.return").addEventListener("click", function () {
        var box = item.querySelector("textarea"), comment = box.value.trim();
        if (!comment) { message.textContent = T.comment_required; box.focus(); return; }
        act(item.getAttribute("data-return"), { comment: comment }, T.returned);
      });
    });
  }

  window.riskkartaPictures = { picture: picture, list: listPage, workflow: workflow, city: cityPage };
})();
