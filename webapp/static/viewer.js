/* Riskkarta layer viewer: styles vector tiles per class, answers clicks with values and classes,
   and wires the side panel's opacity sliders; on /map also the layer tree, the view kept in the address, sharing,
   saved views, the print link and the tabular view (layerViewer). Loaded after Leaflet and Leaflet.VectorGrid. */
(function () {
  "use strict";

  function cellColor(n, classes) {
    var color = "#f2f0f7";
    (classes || []).forEach(function (c) { if (n >= c[0]) { color = c[1]; } });
    return color;
  }

  var el = window.RiskkartaDom.el;

  function styleFunction(config) {
    return function (props, zoom, dimension) {
      if (config.aggregated) {
        return { fill: true, fillColor: cellColor(props.n || 0, config.cellClasses), fillOpacity: 0.55, stroke: true, color: "#ffffff",
                 weight: 0.5, opacity: 0.5 };
      }
      var cls = config.classes[props["class"]] || { color: "#555555" };
      if (dimension === 1) {
        return { radius: zoom >= 14 ? 7 : 5, fill: true, fillColor: cls.color, fillOpacity: 0.95, color: "#ffffff",
                 weight: 1.5 };
      }
      if (dimension === 2) { return { color: cls.color, weight: zoom >= 13 ? 5 : 3, opacity: 0.9 }; }
      return { color: cls.color, weight: 1.5, fill: true, fillColor: cls.color, fillOpacity: 0.25 };
    };
  }

  var state = { map: null, rasters: [], texts: {}, lang: "sv" };
  // The hotspot panels of the layer viewer by layer slug: their "show" box, period/category/band selects, redraw.
  var hotspotPanels = {};

  function featureRows(config, props) {
    var rows = [];
    if (config.aggregated) {
      rows.push([config.countLabel, props.n]);
      var top = config.classes[props["class"]];
      if (top) { rows.push(["", top.label]); }
      return rows;
    }
    var cls = config.classes[props["class"]];
    rows.push(["", cls ? cls.label : props["class"]]);
    if (props.name) { rows.push(["", props.name]); }
    return rows;
  }

  function showInfo(latlng, title, rows) {
    var box = el("div", null, "info-popup");
    if (title) { box.appendChild(el("strong", title)); }
    var list = el("dl");
    rows.forEach(function (r) {
      if (r[0]) { list.appendChild(el("dt", r[0])); }
      list.appendChild(el("dd", r[1]));
    });
    box.appendChild(list);
    var shown = state.rasters.filter(function (r) { return window[r.js] && state.map.hasLayer(window[r.js]); });
    var popup = L.popup({ maxWidth: 320 }).setLatLng(latlng).setContent(box).openOn(state.map);
    shown.forEach(function (r) {
      var url = r.url + "?lon=" + latlng.lng.toFixed(6) + "&lat=" + latlng.lat.toFixed(6) + "&lang=" + state.lang;
      fetch(url).then(function (resp) { return resp.json(); }).then(function (v) {
        box.appendChild(el("strong", r.title));
        var text = v.value === null || v.value === undefined ? state.texts.no_value
          : v.value + " " + (v.units || "") + (v.cls ? " (" + v.cls.label + ")" : "");
        box.appendChild(el("div", text, "raster-value"));
        popup.update();
      });
    });
  }

  function vectorLayer(url, config) {
    var styles = {};
    styles[config.slug] = styleFunction(config);
    var layer = L.vectorGrid.protobuf(url, {
      vectorTileLayerStyles: styles, interactive: true, rendererFactory: L.svg.tile, maxNativeZoom: 20,
      attribution: ""
    });
    layer.on("click", function (e) {
      L.DomEvent.stopPropagation(e);
      showInfo(e.latlng, config.title || "", featureRows(config, e.layer.properties || {}));
    });
    return layer;
  }

  function start(mapName, rasters, texts, lang) {
    state.map = window[mapName];
    state.rasters = rasters;
    state.texts = texts;
    state.lang = lang;
    state.map.on("click", function (e) { if (state.rasters.length) { showInfo(e.latlng, "", []); } });
    document.querySelectorAll("input[data-opacity-for]").forEach(function (input) {
      input.addEventListener("input", function () {
        var layer = window[input.getAttribute("data-opacity-for")];
        if (layer && layer.setOpacity) { layer.setOpacity(parseFloat(input.value)); }
      });
    });
  }

  /* A legend control on a map: a heading and rows of (kind, label, colour); every text set as textContent. */
  function legend(map, heading, entries) {
    var control = L.control({ position: "bottomright" });
    control.onAdd = function () {
      var box = L.DomUtil.create("div", "map-legend");
      var title = L.DomUtil.create("p", "map-legend-title", box);
      title.textContent = heading;
      var list = L.DomUtil.create("ul", "", box);
      entries.forEach(function (e) {
        var item = L.DomUtil.create("li", "", list);
        var swatch = L.DomUtil.create("span", "swatch " + e.kind, item);
        swatch.setAttribute("aria-hidden", "true");
        if (e.kind === "fill") { swatch.style.background = e.color; } else { swatch.style.borderColor = e.color; }
        item.appendChild(document.createTextNode(e.label));
      });
      L.DomEvent.disableClickPropagation(box);
      return box;
    };
    control.addTo(map);
    return control;
  }

  /* The map's controls in the page's language: zoom buttons with their titles, a metric scale, the layer switch's
     name; a notice when the base map's tiles fail and none has loaded; district shapes out of the tab order (a
     keyboard user places a site by typing coordinates, and reaches the form without 26 stops on the way). */
  function chrome(map, words, baseName) {
    L.control.zoom({ zoomInTitle: words.zoomIn, zoomOutTitle: words.zoomOut }).addTo(map);
    L.control.scale({ imperial: false, metric: true }).addTo(map);
    function untab() {
      map.getPanes().overlayPane.querySelectorAll("path.leaflet-interactive").forEach(function (p) {
        p.setAttribute("tabindex", "-1");
      });
    }
    map.on("layeradd", function () { setTimeout(untab, 0); });
    setTimeout(function () {
      untab();
      document.querySelectorAll("#" + map.getContainer().id + " .leaflet-control-layers-toggle").forEach(function (a) {
        a.title = words.layers;
        a.setAttribute("aria-label", words.layers);
      });
    }, 0);
    var base = baseName ? window[baseName] : null;
    if (!base) { return; }
    var failed = 0, loaded = 0, notice = null;
    base.on("tileload", function () { loaded += 1; if (notice) { map.removeControl(notice); notice = null; } });
    base.on("tileerror", function () {
      failed += 1;
      if (notice || loaded > 0 || failed < 3) { return; }
      notice = L.control({ position: "bottomleft" });
      notice.onAdd = function () {
        var box = L.DomUtil.create("div", "map-notice");
        box.setAttribute("role", "status");
        box.textContent = words.baseDown;
        return box;
      };
      notice.addTo(map);
    });
  }

  /* The computed hotspots of one incident layer (its panel's ids start with config.prefix): the significant cells
     of the chosen run (period, category, band) from the OGC API, each drawn with its confidence class's pattern; a
     status line says what is shown. */
  function hotspots(mapName, config) {
    var map = window[mapName], layer = null, request = 0;
    var prefix = config.prefix;
    var show = document.getElementById(prefix + "-show"), status = document.getElementById(prefix + "-status");
    var selects = ["-period", "-category", "-band"].map(function (id) { return document.getElementById(prefix + id); });
    var css = {};
    config.classes.forEach(function (c) { css[c[0]] = c[1]; });
    function words(template, values) {
      return template.replace(/\{(\w+)\}/g, function (_, key) { return String(values[key]); });
    }
    function refresh() {
      var period = selects[0].value, category = selects[1].value, band = selects[2].value, mine = ++request;
      if (layer) { map.removeLayer(layer); layer = null; }
      if (!show.checked) { status.textContent = ""; return; }
      var run = config.runs.filter(function (r) {
        return r.period === period && r.category === category && r.band === band;
      })[0];
      if (!run) { status.textContent = config.words.missing; return; }
      var url = config.items + "?f=json&limit=10000&hotspot=significant&period=" + encodeURIComponent(period) +
        "&category=" + encodeURIComponent(category) + "&band=" + encodeURIComponent(band);
      fetch(url, { headers: { Accept: "application/geo+json" } }).then(function (resp) {
        if (!resp.ok) { throw new Error(resp.status); }
        return resp.json();
      }).then(function (data) {
        if (mine !== request) { return; }
        layer = L.geoJSON(data, {
          style: function (f) {
            return { className: "hs-cell hs-" + css[f.properties["class"]], weight: 0.6, color: "#333333", opacity: 0.8 };
          },
          onEachFeature: function (f, l) {
            var p = f.properties, box = document.createElement("div");
            [[config.words.count, p.n === null ? config.words.few : p.n], ["Gi* z", p.z],
             ["p (FDR)", Number(p.p_fdr).toPrecision(2)], [config.words.confidence, p.confidence]].forEach(function (r) {
              var line = document.createElement("div");
              line.textContent = r[0] + ": " + r[1];
              box.appendChild(line);
            });
            l.bindPopup(box);
          }
        }).addTo(map);
        status.textContent = data.features.length ? words(config.words.cells, {
          hot: run.hot, cold: run.cold, run: run.id, at: run.computed_at.slice(0, 10),
          incidents: Number(run.incidents).toLocaleString(document.documentElement.lang === "sv" ? "sv-SE" : "en-GB")
        }) : config.words.none;
      }).catch(function () { if (mine === request) { status.textContent = config.words.failed; } });
    }
    show.addEventListener("change", refresh);
    selects.forEach(function (s) { s.addEventListener("change", refresh); });
    hotspotPanels[prefix.replace(/^hs-/, "")] = { show: show, selects: selects, refresh: refresh };
  }

  /* ---- The layer viewer's view in its address: layers=a,b  opacity=a:0.65,b:1  bbox=minlon,minlat,maxlon,maxlat
     hotspots=slug:period:category:band. Read leniently (anything unknown or malformed is ignored), written back
     with history.replaceState whenever the view changes. The print route reads the same query. */
  var VIEW_KEYS = ["layers", "opacity", "bbox", "hotspots"];

  function number(text) {
    return /^-?\d+(\.\d+)?$/.test(text) ? parseFloat(text) : NaN;
  }

  /* The view a query string asks for, with only what is well-formed (slugs are checked against `known` later). */
  function readView(search) {
    var q = new URLSearchParams(search), view = {};
    if (q.has("layers")) {
      view.layers = q.get("layers").split(",").filter(function (s) { return s !== ""; });
      view.layersEmpty = q.get("layers") === "";
    }
    if (q.has("opacity")) {
      view.opacity = {};
      q.get("opacity").split(",").forEach(function (part) {
        var bits = part.split(":"), value = number(bits[1] || "");
        if (bits.length === 2 && value >= 0 && value <= 1) { view.opacity[bits[0]] = value; }
      });
    }
    if (q.has("bbox")) {
      var b = q.get("bbox").split(",").map(number);
      if (b.length === 4 && b.every(isFinite) && b[0] >= -180 && b[2] <= 180 && b[1] >= -90 && b[3] <= 90 &&
          b[0] < b[2] && b[1] < b[3]) { view.bbox = b; }
    }
    if (q.has("hotspots")) {
      view.hotspots = {};
      q.get("hotspots").split(",").forEach(function (part) {
        var bits = part.split(":");
        if (bits.length === 4) { view.hotspots[bits[0]] = bits.slice(1); }
      });
    }
    return view;
  }

  function queryPart(key, value) {
    return key + "=" + encodeURIComponent(value).replace(/%2C/g, ",").replace(/%3A/g, ":");
  }

  function csrfHeaders(headers) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) { headers["X-CSRFToken"] = meta.getAttribute("content"); }
    return headers;
  }

  function problemText(resp) {
    return resp.json().then(function (p) { return p.detail || p.title || String(resp.status); },
                            function () { return String(resp.status); });
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) { return String(values[key]); });
  }

  /* The layer viewer's side panel: the layer tree's switches, sliders and zoom buttons kept in step with the map,
     the view in the address, the share button, saved views, the print link and the tabular view. */
  function layerViewer(mapName, config) {
    var map = window[mapName], words = config.words, tree = config.tree, bySlug = {}, timer = null;
    tree.forEach(function (t) { bySlug[t.slug] = t; });
    function layerOf(t) { return window[t.js]; }
    function slider(t) { return document.querySelector('input[type=range][data-slug="' + t.slug + '"]'); }
    function toggle(t) { return document.querySelector('input[data-layer-switch="' + t.slug + '"]'); }
    function isOn(t) { return Boolean(layerOf(t)) && map.hasLayer(layerOf(t)); }

    function setOpacity(t, value) {
      var input = slider(t), out = document.getElementById("opacity-" + t.slug + "-value");
      if (input) { input.value = String(value); }
      if (out) { out.textContent = Math.round(value * 100) + " %"; }
      if (layerOf(t) && layerOf(t).setOpacity) { layerOf(t).setOpacity(value); }
    }
    function opacityOf(t) {
      var input = slider(t);
      return input ? Math.round(parseFloat(input.value) * 100) / 100 : 1;
    }

    /* This view as the viewer's query: [key, value] pairs in a fixed order. */
    function viewPairs() {
      var b = map.getBounds(), pairs = [];
      var box = [Math.max(b.getWest(), -180), Math.max(b.getSouth(), -90), Math.min(b.getEast(), 180),
                 Math.min(b.getNorth(), 90)];
      pairs.push(["layers", tree.filter(isOn).map(function (t) { return t.slug; }).join(",")]);
      pairs.push(["opacity", tree.map(function (t) { return t.slug + ":" + opacityOf(t); }).join(",")]);
      pairs.push(["bbox", box.map(function (v) { return v.toFixed(5); }).join(",")]);
      var shown = Object.keys(hotspotPanels).filter(function (slug) { return hotspotPanels[slug].show.checked; });
      if (shown.length) {
        pairs.push(["hotspots", shown.map(function (slug) {
          return [slug].concat(hotspotPanels[slug].selects.map(function (s) { return s.value; })).join(":");
        }).join(",")]);
      }
      return pairs;
    }
    function viewQuery() {
      return viewPairs().map(function (p) { return queryPart(p[0], p[1]); }).join("&");
    }
    function viewState() {
      var state = {};
      viewPairs().forEach(function (p) { state[p[0]] = p[1]; });
      return state;
    }
    var printSize = document.getElementById("print-size"), printOrientation = document.getElementById("print-orientation");
    var printLink = document.getElementById("print-link"), langLink = document.querySelector("a.lang[hreflang]");

    function writeView() {
      timer = null;
      var others = [], q = new URLSearchParams(location.search);
      q.forEach(function (value, key) { if (VIEW_KEYS.indexOf(key) < 0) { others.push(queryPart(key, value)); } });
      var view = viewQuery();
      history.replaceState(history.state, "", location.pathname + "?" + [view].concat(others).join("&") + location.hash);
      var lang = config.lang !== "sv" ? "&lang=" + config.lang : "";
      if (printLink) {
        printLink.href = printLink.getAttribute("data-base") + "?" + view + "&size=" + printSize.value +
          "&orientation=" + printOrientation.value + lang;
      }
      // The language switch keeps the view (and only the other language).
      if (langLink) { langLink.href = "?" + view + "&lang=" + langLink.getAttribute("hreflang"); }
    }
    function schedule() {
      if (timer) { clearTimeout(timer); }
      timer = setTimeout(writeView, 120);
    }

    /* The layer tree: a switch per layer, synced both ways with the map (the map's own layer control too). */
    tree.forEach(function (t) {
      var box = toggle(t), input = slider(t);
      if (box) {
        box.checked = isOn(t);
        box.addEventListener("change", function () {
          if (!layerOf(t)) { return; }
          if (box.checked) { map.addLayer(layerOf(t)); } else { map.removeLayer(layerOf(t)); }
        });
      }
      if (input) {
        input.addEventListener("input", function () { setOpacity(t, parseFloat(input.value)); schedule(); });
      }
      setOpacity(t, opacityOf(t));
    });
    function onLayerChange(e) {
      tree.forEach(function (t) {
        if (layerOf(t) === e.layer) {
          var box = toggle(t);
          if (box) { box.checked = e.type === "layeradd"; }
          schedule();
        }
      });
    }
    map.on("layeradd", onLayerChange);
    map.on("layerremove", onLayerChange);
    map.on("moveend", schedule);
    document.querySelectorAll("button[data-zoom-to]").forEach(function (button) {
      button.addEventListener("click", function () {
        var b = JSON.parse(button.getAttribute("data-bounds"));
        map.fitBounds([[b[1], b[0]], [b[3], b[2]]], { animate: false });
      });
    });
    Object.keys(hotspotPanels).forEach(function (slug) {
      var panel = hotspotPanels[slug];
      [panel.show].concat(panel.selects).forEach(function (s) { s.addEventListener("change", schedule); });
    });
    [printSize, printOrientation].forEach(function (s) { if (s) { s.addEventListener("change", writeView); } });

    /* The view the address asks for; what it cannot use (a layer this role does not see, a bad number) is left. */
    var view = readView(location.search);
    if (view.layers) {
      var wanted = view.layers.filter(function (slug) { return bySlug[slug] && layerOf(bySlug[slug]); });
      if (wanted.length || view.layersEmpty) {
        tree.forEach(function (t) {
          var on = wanted.indexOf(t.slug) >= 0;
          if (layerOf(t) && on !== isOn(t)) { if (on) { map.addLayer(layerOf(t)); } else { map.removeLayer(layerOf(t)); } }
        });
      }
    }
    Object.keys(view.opacity || {}).forEach(function (slug) {
      if (bySlug[slug]) { setOpacity(bySlug[slug], view.opacity[slug]); }
    });
    if (view.bbox) {
      var b = view.bbox;
      // A shade inside the saved extent, so that the same window size comes back at the same zoom level.
      map.fitBounds(L.latLngBounds([[b[1], b[0]], [b[3], b[2]]]).pad(-0.02), { animate: false });
    }
    Object.keys(view.hotspots || {}).forEach(function (slug) {
      var panel = hotspotPanels[slug];
      if (!panel) { return; }
      view.hotspots[slug].forEach(function (value, i) {
        var select = panel.selects[i];
        if (Array.prototype.some.call(select.options, function (o) { return o.value === value; })) { select.value = value; }
      });
      panel.show.checked = true;
      panel.refresh();
    });
    writeView();

    /* Share: copy the address (the clipboard, else a field with the address selected), and say so. */
    var shareStatus = document.getElementById("share-status");
    var fallback = document.getElementById("share-fallback"), field = document.getElementById("share-address");
    function showField() {
      fallback.hidden = false;
      field.value = location.href;
      field.focus();
      field.select();
      var copied = false;
      try { copied = document.execCommand("copy"); } catch (err) { copied = false; }
      shareStatus.textContent = copied ? words.copied : words.copyHere;
    }
    document.getElementById("share-view").addEventListener("click", function () {
      writeView();
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(location.href).then(function () {
          shareStatus.textContent = words.copied;
          fallback.hidden = false;
          field.value = location.href;
        }, showField);
      } else { showField(); }
    });

    /* Saved views: save this one under a name (signed in), delete one's own. */
    var list = document.getElementById("view-list"), saveStatus = document.getElementById("save-status");
    var form = document.getElementById("save-view");
    function viewItem(v) {
      var item = el("li"), link = el("a", v.name);
      item.setAttribute("data-view-id", v.id);
      link.href = v.links.map + (config.lang !== "sv" ? "&lang=" + config.lang : "");
      item.appendChild(link);
      item.appendChild(document.createTextNode(" "));
      item.appendChild(el("span", v.created_at.slice(0, 10), "meta"));
      if (v.may_delete) {
        item.appendChild(document.createTextNode(" "));
        var button = el("button", words["delete"], "tool small");
        button.type = "button";
        button.setAttribute("data-delete-view", v.id);
        button.appendChild(el("span", ": " + v.name, "visually-hidden"));
        item.appendChild(button);
      }
      return item;
    }
    if (form) {
      form.addEventListener("submit", function (e) {
        e.preventDefault();
        var input = document.getElementById("save-view-name"), name = input.value.trim();
        if (!name) { saveStatus.textContent = words.nameMissing; input.focus(); return; }
        writeView();
        fetch(config.api, {
          method: "POST", credentials: "same-origin",
          headers: csrfHeaders({ "Content-Type": "application/json", Accept: "application/json" }),
          body: JSON.stringify({ name: name, state: viewState() })
        }).then(function (resp) {
          if (resp.status !== 201) { return problemText(resp).then(function (r) { throw new Error(r); }); }
          return resp.json();
        }).then(function (v) {
          var empty = list.querySelector("li.empty");
          if (empty) { list.removeChild(empty); }
          list.insertBefore(viewItem(v), list.firstChild);
          input.value = "";
          saveStatus.textContent = fill(words.saved, { name: v.name });
        })["catch"](function (err) { saveStatus.textContent = fill(words.failed, { reason: err.message }); });
      });
    }
    if (list) {
      list.addEventListener("click", function (e) {
        var button = e.target.closest("button[data-delete-view]");
        if (!button) { return; }
        fetch(config.api + "/" + button.getAttribute("data-delete-view"), {
          method: "DELETE", credentials: "same-origin", headers: csrfHeaders({ Accept: "application/json" })
        }).then(function (resp) {
          if (resp.status !== 204) { return problemText(resp).then(function (r) { throw new Error(r); }); }
          list.removeChild(button.closest("li"));
          if (!list.children.length) { list.appendChild(el("li", list.getAttribute("data-empty"), "empty")); }
          saveStatus.textContent = words.deleted;
          document.getElementById("saved-title").focus();
        })["catch"](function (err) { saveStatus.textContent = fill(words.failed, { reason: err.message }); });
      });
    }

    /* The tabular view (WCAG: an alternative to the map): the switched-on vector layers' features within ~500 m of
       the map's centre from the OGC API, and the switched-on rasters' values at the centre. */
    var tableButton = document.getElementById("show-table"), section = document.getElementById("map-table");
    var tableStatus = document.getElementById("map-table-status"), tableBody = document.getElementById("map-table-body");
    function table(caption, headers, rows) {
      var t = el("table", null, "data-table"), head = el("thead"), headRow = el("tr"), body = el("tbody");
      t.appendChild(el("caption", caption));
      headers.forEach(function (h) { var th = el("th", h); th.scope = "col"; headRow.appendChild(th); });
      head.appendChild(headRow);
      t.appendChild(head);
      rows.forEach(function (r) {
        var tr = el("tr"), th = el("th", r[0]);
        th.scope = "row";
        tr.appendChild(th);
        r.slice(1).forEach(function (c) { tr.appendChild(el("td", c)); });
        body.appendChild(tr);
      });
      t.appendChild(body);
      return t;
    }
    function featureValue(t, props) {
      var label = t.labels[props["class"]] || props["class"] || "";
      if (props.n !== undefined && props.n !== null) { label = (label ? label + " · " : "") + props.n; }
      return label === "" ? "–" : String(label);
    }
    function buildTable() {
      var centre = map.getCenter(), dLat = 500 / 111320, dLon = dLat / Math.cos(centre.lat * Math.PI / 180);
      var bbox = [centre.lng - dLon, centre.lat - dLat, centre.lng + dLon, centre.lat + dLat]
        .map(function (v) { return v.toFixed(6); }).join(",");
      var on = tree.filter(isOn), vectors = on.filter(function (t) { return t.items; });
      var rasters = on.filter(function (t) { return t.value; });
      tableBody.textContent = "";
      if (!on.length) { tableStatus.textContent = words.noLayers; return; }
      tableStatus.textContent = words.loading;
      var asks = vectors.map(function (t) {
        return fetch(t.items + "?f=json&limit=50&bbox=" + bbox + "&lang=" + config.lang,
                     { headers: { Accept: "application/geo+json" } })
          .then(function (resp) { return resp.ok ? resp.json() : { features: [] }; })
          .then(function (data) {
            var rows = data.features.map(function (f) {
              var p = f.properties || {};
              return [t.title, p.name || p.title || String(f.id), featureValue(t, p)];
            });
            if (data.features.length >= 50) { rows.push([t.title, fill(words.more, { n: 50 }), ""]); }
            return rows;
          }, function () { return []; });
      });
      var values = rasters.map(function (t) {
        return fetch(t.value + "?lon=" + centre.lng.toFixed(6) + "&lat=" + centre.lat.toFixed(6) + "&lang=" + config.lang)
          .then(function (resp) { return resp.ok ? resp.json() : {}; })
          .then(function (v) {
            return [t.title, v.value === null || v.value === undefined ? words.noValue
              : v.value + " " + (v.units || "") + (v.cls ? " (" + v.cls.label + ")" : "")];
          }, function () { return [t.title, words.noValue]; });
      });
      Promise.all([Promise.all(asks), Promise.all(values)]).then(function (found) {
        var rows = [].concat.apply([], found[0]), where = { lat: centre.lat.toFixed(5), lon: centre.lng.toFixed(5) };
        tableBody.textContent = "";
        if (vectors.length) {
          if (rows.length) {
            tableBody.appendChild(table(fill(words.caption, where), [words.layer, words.feature, words.value], rows));
          } else { tableBody.appendChild(el("p", words.none, "empty")); }
        }
        if (found[1].length) {
          tableBody.appendChild(table(words.rasterCaption + " (" + where.lat + " N, " + where.lon + " E)",
                                      [words.layer, words.value], found[1]));
        }
        tableStatus.textContent = fill(words.tableShown, { n: rows.length + found[1].length });
      });
    }
    document.getElementById("table-refresh").addEventListener("click", buildTable);
    tableButton.addEventListener("click", function () {
      var open = section.hidden;
      section.hidden = !open;
      tableButton.setAttribute("aria-expanded", String(open));
      tableButton.textContent = open ? words.hide : words.show;
      if (open) { buildTable(); document.getElementById("map-table-title").focus(); }
    });
    return { view: viewState, refreshTable: buildTable };
  }

  window.riskkarta = { vectorLayer: vectorLayer, start: start, cellColor: cellColor, legend: legend, chrome: chrome,
                       hotspots: hotspots, layerViewer: layerViewer, readView: readView };
}());
