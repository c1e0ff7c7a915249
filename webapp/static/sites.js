/* Riskkarta site check: the form (click a point, draw with Leaflet.draw, paste coordinates or upload GeoJSON,
   then POST the site to /api/site-checks) and the report's re-run button. No framework; nodes get textContent. */
(function () {
  "use strict";

  var SITE_STYLE = { color: "#000000", weight: 3, opacity: 1, fillColor: "#000000", fillOpacity: 0.06 };
  var PREVIEW_STYLE = { color: "#1f4e79", weight: 3, dashArray: "6 4", fillOpacity: 0.05 };
  var SITE_TYPES = { Point: true, Polygon: true, MultiPolygon: true };
  var $ = window.RiskkartaDom.byId;

  var el = window.RiskkartaDom.el;

  function merge(target, source) {
    Object.keys(source).forEach(function (key) {
      if (typeof source[key] === "object" && target[key]) { merge(target[key], source[key]); }
      else { target[key] = source[key]; }
    });
  }

  function number(value, digits, lang) {
    var text = value.toFixed(digits);
    return lang === "sv" ? text.replace(".", ",") : text;
  }

  function showError(box, text) {
    box.textContent = "";
    if (text) { box.appendChild(el("p", text)); }
    box.hidden = !text;
  }

  /* A problem+json (or any failed) response as one sentence for the person. */
  function problemText(resp, body) {
    if (body && body.message) { return body.message; }  // said in the page's language
    if (body && body.detail) { return body.detail; }
    if (body && body.title) { return body.title; }
    return "HTTP " + resp.status;
  }

  function postJSON(url, payload) {
    var headers = { "Content-Type": "application/json", "Accept": "application/json" };
    var csrf = document.querySelector('meta[name="csrf-token"]');  // a signed-in page's writes carry it
    if (csrf) { headers["X-CSRFToken"] = csrf.getAttribute("content"); }
    return fetch(url, {
      method: "POST", headers: headers,
      body: JSON.stringify(payload), credentials: "same-origin"
    }).then(function (resp) {
      return resp.json().catch(function () { return null; }).then(function (body) {
        return { ok: resp.ok, status: resp.status, body: body, resp: resp };
      });
    });
  }

  function withLang(url, lang) { return lang === "sv" ? url : url + (url.indexOf("?") < 0 ? "?" : "&") + "lang=" + lang; }

  /* Every position of a GeoJSON geometry, to check it is lon/lat. */
  function positions(coords, out) {
    if (typeof coords[0] === "number") { out.push(coords); return out; }
    coords.forEach(function (c) { positions(c, out); });
    return out;
  }

  /* The one site geometry of an uploaded GeoJSON text, or an error text. */
  function uploadedGeometry(text, T) {
    var data;
    try { data = JSON.parse(text); } catch (e) { return { error: T.upload_not_json }; }
    var geoms = [];
    if (data && data.type === "FeatureCollection" && Array.isArray(data.features)) {
      data.features.forEach(function (f) { if (f && f.geometry) { geoms.push(f.geometry); } });
    } else if (data && data.type === "Feature") {
      if (data.geometry) { geoms.push(data.geometry); }
    } else if (data && data.type) {
      geoms.push(data);
    }
    if (geoms.length !== 1 || !SITE_TYPES[geoms[0].type] || !Array.isArray(geoms[0].coordinates)) {
      return { error: T.upload_bad };
    }
    var named = data.crs && data.crs.properties && String(data.crs.properties.name || "");
    var lonlat = positions(geoms[0].coordinates, []).every(function (p) {
      return p.length >= 2 && Math.abs(p[0]) <= 180 && Math.abs(p[1]) <= 90;
    });
    if (!lonlat || (named && !/(4326|CRS84)$/i.test(named))) { return { error: T.upload_not_lonlat }; }
    return { geometry: geoms[0] };
  }

  function form(mapName, urls, T, lang, drawTexts) {
    var map = window[mapName];
    var state = { site: null, busy: false, pending: null };
    var drawn = new L.FeatureGroup().addTo(map);      // a drawn or uploaded area: editable with Leaflet.draw
    var fixed = L.featureGroup().addTo(map);          // a point and its buffer circle, or pasted coordinates
    var preview = L.featureGroup().addTo(map);        // pasted coordinates awaiting confirmation
    var range = $("buffer-range"), bufferBox = $("buffer-number"), status = $("site-status");
    var formError = $("form-error"), reading = $("coordinates-result");

    // Leaflet.draw's own strings, in the page's language from the server's catalogues.
    if (drawTexts) { merge(L.drawLocal, drawTexts); }
    map.addControl(new L.Control.Draw({
      position: "topleft",
      draw: { polyline: false, circle: false, marker: false, circlemarker: false,
              polygon: { allowIntersection: false, showArea: false, shapeOptions: SITE_STYLE },
              rectangle: { showArea: false, shapeOptions: SITE_STYLE } },
      edit: { featureGroup: drawn, remove: true }
    }));

    function bufferM() {
      var v = parseFloat(bufferBox.value);
      return isFinite(v) ? Math.min(Math.max(v, 0), parseFloat(bufferBox.max)) : parseFloat(range.value);
    }

    function describe() {
      var s = state.site;
      if (!s) { status.textContent = T.site_none; return; }
      var parts = [T.site_chosen + ": " + T["given_" + s.givenAs]];
      if (s.kind === "point") {
        var p = s.marker.getLatLng();
        parts.push("lat " + number(p.lat, 5, lang) + ", lon " + number(p.lng, 5, lang));
        parts.push(T.with_buffer + " " + bufferM() + " m");
      } else {
        // The area as the report will give it: measured by the server in SWEREF 99 TM, written by its formatter.
        var asked = s;
        postJSON(withLang(urls.measure, lang), geometry()).then(function (r) {
          if (state.site === asked && r.ok && r.body && r.body.area) {
            status.textContent = parts.concat([r.body.area]).join(", ");
          }
        });
      }
      status.textContent = parts.join(", ");
    }

    function clearSite() {
      drawn.clearLayers(); fixed.clearLayers(); preview.clearLayers(); state.site = null;
    }

    function setPoint(latlng, givenAs, text) {
      clearSite();
      var circle = L.circle(latlng, L.extend({ radius: bufferM(), interactive: false }, SITE_STYLE)).addTo(fixed);
      var marker = L.marker(latlng, { draggable: true, keyboard: true, title: T.site_chosen, alt: T.site_chosen })
        .addTo(fixed);
      marker.on("drag", function () { circle.setLatLng(marker.getLatLng()); });
      marker.on("dragend", function () { state.site.givenAs = "map"; state.site.text = null; describe(); });
      state.site = { kind: "point", givenAs: givenAs, marker: marker, circle: circle, text: text || null };
      showError(formError, "");
      describe();
    }

    function setArea(layer, givenAs, group, text) {
      clearSite();
      if (layer.setStyle) { layer.setStyle(SITE_STYLE); }
      group.addLayer(layer);
      state.site = { kind: "area", givenAs: givenAs, layer: layer, text: text || null };
      showError(formError, "");
      describe();
    }

    function geometry() {
      var s = state.site;
      if (s.kind === "point") {
        var p = s.marker.getLatLng();
        return { type: "Point", coordinates: [Number(p.lng.toFixed(6)), Number(p.lat.toFixed(6))] };
      }
      return s.layer.toGeoJSON(6).geometry;
    }

    // A click places the point, except while Leaflet.draw draws or edits (and just after: its last click).
    var quietUntil = 0, busyDrawing = false;
    map.on("click", function (e) {
      if (busyDrawing || Date.now() < quietUntil) { return; }
      setPoint(e.latlng, "map");
    });
    map.on("draw:drawstart draw:editstart draw:deletestart", function () { busyDrawing = true; });
    map.on("draw:drawstop draw:editstop draw:deletestop", function () {
      busyDrawing = false; quietUntil = Date.now() + 400;
    });
    map.on("draw:created", function (e) { setArea(e.layer, "drawn", drawn); });
    map.on("draw:edited", function () { if (state.site && state.site.kind === "area") { state.site.givenAs = state.site.givenAs === "upload" ? "upload" : "drawn"; describe(); } });
    map.on("draw:deleted", function () { if (state.site && state.site.kind === "area" && !drawn.getLayers().length) { state.site = null; describe(); } });

    function syncBuffer(source, target) {
      target.value = source.value;
      if (state.site && state.site.kind === "point") { state.site.circle.setRadius(bufferM()); describe(); }
    }
    range.addEventListener("input", function () { syncBuffer(range, bufferBox); });
    bufferBox.addEventListener("input", function () { syncBuffer(bufferBox, range); });

    // Pasted coordinates: the server says how it read them; the planner confirms before they become the site.
    $("coordinates-read").addEventListener("click", function () {
      var text = $("coordinates-text").value;
      reading.hidden = false;
      reading.textContent = "";
      preview.clearLayers();
      state.pending = null;
      postJSON(withLang(urls.read, lang), { text: text }).then(function (r) {
        if (!r.ok) {
          var box = el("div", null, "form-error");
          box.setAttribute("role", "alert");
          box.appendChild(el("p", problemText(r.resp, r.body)));
          reading.appendChild(box);
          return;
        }
        state.pending = { geometry: r.body.geometry, text: text };
        reading.appendChild(el("p", r.body.description, "description"));
        reading.appendChild(el("p", T.confirm_ask, "note"));
        var confirm = el("button", T.confirm);
        confirm.type = "button";
        confirm.id = "coordinates-confirm";
        confirm.addEventListener("click", confirmReading);
        reading.appendChild(confirm);
        if (r.body.alternatives && r.body.alternatives.length) {
          reading.appendChild(el("p", T.alternatives + ":", "note"));
          var list = el("ul", null, "note");
          r.body.alternatives.forEach(function (a) { list.appendChild(el("li", a)); });
          reading.appendChild(list);
        }
        var shown = L.geoJSON(r.body.geometry, {
          style: function () { return PREVIEW_STYLE; },
          pointToLayer: function (f, latlng) { return L.circle(latlng, L.extend({ radius: bufferM() }, PREVIEW_STYLE)); }
        }).addTo(preview);
        map.fitBounds(shown.getBounds().pad(0.5), { maxZoom: 16 });
      }).catch(function (err) { showError(formError, String(err)); });
    });

    function confirmReading() {
      var p = state.pending;
      if (!p) { return; }
      if (p.geometry.type === "Point") {
        setPoint(L.latLng(p.geometry.coordinates[1], p.geometry.coordinates[0]), "coordinates", p.text);
      } else {
        setArea(L.geoJSON(p.geometry).getLayers()[0], "coordinates", fixed, p.text);
      }
      reading.hidden = true;
      reading.textContent = "";
      status.focus();
    }

    $("geojson-file").addEventListener("change", function (e) {
      var file = e.target.files && e.target.files[0];
      if (!file) { return; }
      var reader = new FileReader();
      reader.onload = function () {
        var got = uploadedGeometry(String(reader.result), T);
        if (got.error) { showError(formError, got.error); return; }
        var g = got.geometry;
        if (g.type === "Point") {
          setPoint(L.latLng(g.coordinates[1], g.coordinates[0]), "upload");
          map.setView(state.site.marker.getLatLng(), Math.max(map.getZoom(), 15));
        } else {
          var layer = L.geoJSON(g).getLayers()[0];
          setArea(layer, "upload", drawn);
          map.fitBounds(layer.getBounds().pad(0.3));
        }
      };
      reader.onerror = function () { showError(formError, T.upload_not_json); };
      reader.readAsText(file);
    });

    $("site-form").addEventListener("submit", function (e) {
      e.preventDefault();
      if (state.busy || !$("check-submit")) { return; }  // not signed in: the form offers a sign-in link instead
      var use = document.querySelector("input[name=land_use]:checked");
      if (!state.site) { showError(formError, T.no_site); return; }
      if (!use) { showError(formError, T.no_land_use); $("land-use-A").focus(); return; }
      showError(formError, "");
      var props = {
        land_use: use.value,
        vulnerable: Array.prototype.map.call(document.querySelectorAll("input[name=vulnerable]:checked"),
                                             function (box) { return box.value; }),
        buffer_m: bufferM(),
        reference: $("check-reference").value.trim() || null,
        title: $("check-title").value.trim() || null,
        given_as: state.site.givenAs
      };
      var feature = { type: "Feature", geometry: null, properties: props };
      if (state.site.givenAs === "coordinates" && state.site.text) {
        props.coordinates = state.site.text;  // the server reads them again and keeps how it read them
      } else {
        feature.geometry = geometry();
      }
      var button = $("check-submit");
      state.busy = true;
      button.disabled = true;
      button.textContent = T.checking;
      postJSON(urls.checks, feature).then(function (r) {
        if (r.ok && r.body && r.body.links) {
          window.location.assign(withLang(r.body.links.report, lang));
          return;
        }
        showError(formError, problemText(r.resp, r.body));
        state.busy = false; button.disabled = false; button.textContent = T.submit;
      }).catch(function (err) {
        showError(formError, String(err));
        state.busy = false; button.disabled = false; button.textContent = T.submit;
      });
    });
  }

  function report(T, lang) {
    var button = $("rerun");
    if (!button) { return; }
    button.addEventListener("click", function () {
      button.disabled = true;
      postJSON(button.getAttribute("data-url"), {}).then(function (r) {
        if (r.ok && r.body && r.body.links) { window.location.assign(withLang(r.body.links.report, lang)); return; }
        showError($("rerun-error"), problemText(r.resp, r.body));
        button.disabled = false;
      }).catch(function (err) { showError($("rerun-error"), String(err)); button.disabled = false; });
    });
  }

  window.riskkartaSites = { form: form, report: report, uploadedGeometry: uploadedGeometry };
}());
