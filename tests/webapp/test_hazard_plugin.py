"""A hazard is a plugin: a sixth hazard (landslide zones) registered from this test alone, with no edit anywhere else,
appears in the catalog, the OGC API, the tiles, the site-check JSON, the report page and the PDF."""
from __future__ import annotations

import io
import re
from dataclasses import dataclass

import mapbox_vector_tile
import pytest
from pypdf import PdfReader
from shapely.geometry import Point, box
from sqlalchemy import text

from geo.crs import SWEREF99TM, WGS84, transform_geom
from geo.tiles import tile_for_lonlat
from layers import registry
from layers.base import LayerClass, LayerDefinition
from layers.rules import Source, level_at
from webapp.services import hazards
from webapp.services.hazards import Evaluator, Row, SiteContext
from webapp.services.hazards.common import no_data, verdict
from webapp.services.imports.layers import replace_features

MEDBORGARPLATSEN = (18.0735, 59.3143)
SITE = transform_geom(Point(*MEDBORGARPLATSEN), WGS84, SWEREF99TM)


@dataclass(frozen=True)
class LandslideRules:
    # The level of each class of zone the site touches.
    zone_levels: tuple[tuple[float, str], ...] = ((1.0, "moderate"), (2.0, "high"))
    source: Source = Source("Statens geotekniska institut, skredriskzoner (testregel)", False)


LANDSLIDE = LayerDefinition(
    slug="landslide", hazard="landslide", kind="vector", geometry="polygon",
    # English texts only: the catalogues do not know them, so both languages show them as they are.
    title="Landslides: risk zones", check_title="Landslides", description="Zones at risk of landslides.",
    classes=(LayerClass("zone-moderate", "Moderate risk", "#bf812d"),
             LayerClass("zone-high", "High risk", "#8c510a")),
    rules=LandslideRules())
GRADE = {"zone-moderate": 1.0, "zone-high": 2.0}


class Landslide(Evaluator):
    """The whole evaluator of the test's hazard: the worst zone the site touches."""

    def evaluate(self, ctx: SiteContext):
        info = ctx.layers.get(self.definition.slug)
        if info is None or not info.has_data:
            return no_data(self, info, "Inga skreddata ännu.", "No landslide data yet.")
        zones = ctx.session.execute(text(
            "SELECT class FROM layer_feature WHERE layer_id = :layer AND ST_Intersects(geom, ST_GeomFromWKB(:wkb, "
            "3006))"), {"layer": info.id, "wkb": ctx.area.wkb}).scalars().all()
        worst = max((GRADE[z] for z in zones), default=0.0)
        return verdict(self, level_at(worst, ctx.rules.zone_levels), {"zones_touched": len(zones)},
                       {"zones_touched": "count"}, {"sv": "Värsta zonen", "en": "The worst zone"}, ctx.rules.source,
                       info, {"sv": f"Platsen berör {len(zones)} skredzoner.",
                              "en": f"The site touches {len(zones)} landslide zones."})

    def rows(self, v):
        return [Row({"sv": "Berörda skredzoner", "en": "Landslide zones touched"}, "count", v.value("zones_touched"))]


@pytest.fixture()
def landslide(db_session):
    """The hazard registered for one test, with one high-risk zone around Medborgarplatsen (rolled back after)."""
    registry.register(LANDSLIDE, Landslide(LANDSLIDE))
    try:
        replace_features(db_session, "landslide", [("zone-high", {"name": "Testbranten"}, box(
            SITE.x - 100, SITE.y - 100, SITE.x + 100, SITE.y + 100))], source="SGI (test)", licence="CC0",
            is_demo=False)
        yield LANDSLIDE
    finally:
        registry.unregister("landslide")


def test_a_registered_hazard_is_in_the_catalog_and_the_ogc_api(client, landslide):
    layers = {layer["slug"]: layer for layer in client.get("/api/layers").get_json()["layers"]}
    assert layers["landslide"]["title"]["en"] == "Landslides: risk zones" and layers["landslide"]["version"] == 1
    assert client.get("/api/layers/landslide/legend?lang=en").get_json()["classes"][1]["label"] == "High risk"
    ids = [c["id"] for c in client.get("/ogc/collections").get_json()["collections"]]
    assert "landslide" in ids
    items = client.get("/ogc/collections/landslide/items?class=zone-high").get_json()
    assert items["numberReturned"] == 1 and items["features"][0]["properties"]["name"] == "Testbranten"


def test_a_registered_hazard_has_vector_tiles(client, landslide):
    version = client.get("/api/layers/landslide").get_json()["version"]
    x, y = tile_for_lonlat(*MEDBORGARPLATSEN, 14)
    response = client.get(f"/tiles/landslide/{version}/14/{x}/{y}.mvt")
    assert response.status_code == 200
    decoded = mapbox_vector_tile.decode(response.data)
    assert decoded["landslide"]["features"][0]["properties"]["class"] == "zone-high"
    assert client.get("/tiles/landslide.json").get_json()["vector_layers"][0]["id"] == "landslide"


def test_a_registered_hazard_gets_a_verdict_in_the_site_check_page_and_pdf(client, landslide, planner):
    response = client.post("/api/site-checks", json={"type": "Feature", "geometry": {
        "type": "Point", "coordinates": list(MEDBORGARPLATSEN)}, "properties": {"land_use": "C"}}, headers=planner)
    assert response.status_code == 201, response.get_json()
    check = response.get_json()
    assert [h["hazard"] for h in check["hazards"]][-1] == "landslide"
    slide = check["hazards"][-1]
    assert slide["level"] == "high" and slide["values"] == {"zones_touched": 1}
    assert slide["layer"]["slug"] == "landslide" and "testregel" in slide["source"]
    assert check["overall"] in ("high", "very_high")

    html = client.get(check["links"]["report"] + "?lang=en").get_data(as_text=True)
    row = re.search(r'<tr class="hazard" data-hazard="landslide">(.*?)</tr>', html, re.S)
    assert row and "Landslides" in row.group(1) and "Landslide zones touched" in row.group(1)
    assert '<span class="verdict high">high</span>' in row.group(1)

    pdf = client.get(check["links"]["pdf"] + "?lang=sv")
    assert pdf.status_code == 200
    words = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages))
    # The toy's check title is in no catalogue: the Swedish PDF falls back to its English text.
    assert "Landslides" in words and "Platsen berör 1 skredzoner." in words


def test_the_registered_hazard_is_gone_after_unregistering(client, landslide):
    registry.unregister("landslide")
    assert hazards.for_hazard("landslide") is None
    assert "landslide" not in [layer["slug"] for layer in client.get("/api/layers").get_json()["layers"]]
    registry.register(LANDSLIDE, Landslide(LANDSLIDE))  # the fixture unregisters it again
