"""The folium elements of the app's maps (the controls, the vector tile layer, the legend). Imported only inside the
functions that draw a map, like folium itself (webapp/pages/maps.py says why)."""
from __future__ import annotations

import folium
from jinja2 import Template


class MapChrome(folium.MacroElement):
    """The map's controls in the page's language: zoom buttons, a metric scale bar, the layer switch's name, a notice
    when the base map cannot be reached; and district shapes kept out of the keyboard's tab order."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        riskkarta.chrome({{ this._parent.get_name() }}, {{ this.texts|tojson }}, {{ this.base|tojson }});
        {% endmacro %}
    """)

    def __init__(self, texts: dict[str, str], base: str | None) -> None:
        super().__init__()
        self._name = "MapChrome"
        self.texts = texts
        self.base = base


class VectorGridLayer(folium.map.Layer):
    """Mapbox vector tiles drawn by Leaflet.VectorGrid, styled per class by /static/viewer.js."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = riskkarta.vectorLayer({{ this.url|tojson }}, {{ this.config|tojson }});
        {% endmacro %}
    """)

    def __init__(self, url: str, name: str, config: dict, show: bool = True) -> None:
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "VectorGridLayer"
        self.url = url
        self.config = config


class MapLegend(folium.MacroElement):
    """A legend on the map (bottom right): a heading, then (kind, label, colour) rows, kind being "fill", "line",
    "outline" or "site". Built with textContent by the page's script: labels come from data and stay text."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        riskkarta.legend({{ this._parent.get_name() }}, {{ this.heading|tojson }}, {{ this.entries|tojson }});
        {% endmacro %}
    """)

    def __init__(self, heading: str, entries: list[dict]) -> None:
        super().__init__()
        self._name = "MapLegend"
        self.heading = heading
        self.entries = entries
