/* Riskkarta layer viewer: styles vector tiles per class, answers clicks with values and classes,
   and wires the side panel's opacity sliders. Loaded after Leaflet and Leaflet.VectorGrid. */
(function () {
  "use strict";

  function cellColor(n, classes) {
    var color = "#f2f0f7";
    (classes || []).forEach(function (c) { if (n >= c[0]) { color = c[1]; } });
    return color;
  }

  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    if (className) { node.className = className; }
    return node;
  }

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
  }

  window.riskkarta = { vectorLayer: vectorLayer, start: start, cellColor: cellColor, legend: legend, chrome: chrome,
                       hotspots: hotspots };
}());
