"""Crime (and, through `IncidentLayer`, every incident layer: accidents too): incidents near the site in the site
check; aggregated cells or (for cleared roles) points as tiles; the incident CSV as its import; the incident points
as an OGC API collection for the roles allowed them, the cells and the computed hotspots for everyone else."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import shapely
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo import nearby
from layers import registry
from layers.base import may_see, may_see_incident_points
from layers.crime import CELL_SIZES_M, COUNT_CLASSES, K_ANONYMITY, POINTS_MIN_ZOOM, cell_size_m
from layers.demo_vectors import incident_rows
from layers.rules import LEVEL_WORDS, LEVELS, level_at, thresholds_text
from webapp.i18n import LANGUAGES, N_, both
from webapp.services import hotspots, tiles
from webapp.services.catalog import LayerInfo
from webapp.services.hazards import Evaluator, ImportOptions, ProgressFactory, Row, SiteContext
from webapp.services.hazards.common import decimals, no_data, verdict
from webapp.services.imports import incidents
from webapp.services.site_check.result import Verdict

CRIME_NEAR = text("""
    SELECT count(*) FROM incident AS i
    WHERE i.layer = :layer AND ST_DWithin(i.geom, ST_GeomFromWKB(:wkb, 3006), :radius)
      AND i.occurred_at >= now() - make_interval(months => :months)
""")
# A jagged site of many vertices: the candidates in its box, tested in geo.nearby against the prepared site
# (ST_DWithin tests every candidate against every vertex: 48 s for a 5,000-vertex comb of 193 ha over the centre).
CRIME_CANDIDATES = text("""
    SELECT array_agg(ST_X(i.geom)), array_agg(ST_Y(i.geom)) FROM incident AS i
    WHERE i.layer = :layer AND i.geom && ST_MakeEnvelope(:x0, :y0, :x1, :y1, 3006)
      AND i.occurred_at >= now() - make_interval(months => :months)
""")
CITY_BASELINE = text("""
    SELECT (SELECT count(*) FROM incident WHERE layer = :layer
                AND occurred_at >= now() - make_interval(months => :months)),
           (SELECT sum(ST_Area(geom)) FROM district)
""")
UNITS = {"radius_m": "m", "months": "month", "city_average_expected": "count", "ratio_to_city_average": "ratio"}
# Incident points, only for roles cleared for them. Kept lean (id and class; the time and the rest come from the
# OGC API item): a z13 tile in the centre holds thousands of points.
_POINTS_MVT = text("""
    SELECT ST_AsMVT(t, :name, 4096, 'geom', 'id') FROM (
        SELECT i.id, i.category AS class,
               ST_AsMVTGeom(i.geom_3857, ST_MakeEnvelope(:mx0, :my0, :mx1, :my1, 3857), 4096, 64) AS geom
        FROM incident AS i
        WHERE i.layer = :layer AND i.geom && ST_MakeEnvelope(:x0, :y0, :x1, :y1, 3006)
    ) AS t WHERE t.geom IS NOT NULL
""")
# Everyone else: precomputed counts per grid cell (incident_cell), only cells with at least k incidents.
_CELLS_MVT = text("""
    SELECT ST_AsMVT(t, :name, 4096, 'geom') FROM (
        SELECT c.n, c.top AS class,
               ST_AsMVTGeom(c.geom_3857, ST_MakeEnvelope(:mx0, :my0, :mx1, :my1, 3857), 4096, 0) AS geom
        FROM incident_cell AS c
        WHERE c.layer = :layer AND c.size_m = :cell AND c.n >= :k
          AND c.geom && ST_MakeEnvelope(:x0, :y0, :x1, :y1, 3006)
    ) AS t WHERE t.geom IS NOT NULL
""")
# The district page: incidents inside the district over the period, per category (counts only, never points).
_IN_DISTRICT = text("""
    SELECT i.category, count(*) FROM incident AS i
    WHERE i.layer = :layer AND ST_Intersects(i.geom, ST_GeomFromWKB(:wkb, 3006))
      AND i.occurred_at >= now() - make_interval(months => :months)
    GROUP BY i.category
""")
# The OGC collections' statements of one incident layer (its slug is a registered constant, never user input).
_POINTS_EXTENT = """
    SELECT ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b), t0, t1 FROM (SELECT ST_Transform(ST_Segmentize(
        ST_SetSRID(ST_Extent(geom)::geometry, 3006), 500), 4326) AS b, min(occurred_at) AS t0,
        max(occurred_at) AS t1 FROM incident WHERE layer = '{slug}') AS e
"""
_PROVENANCE = "SELECT source, licence, is_demo FROM layer WHERE slug = '{slug}'"
# The same cells as the aggregated tiles: one kept size, and only cells with at least K_ANONYMITY incidents.
_CELLS_WHERE = "c.layer = '{slug}' AND c.n >= " + str(K_ANONYMITY) + \
    " AND (CAST(:cell AS integer) IS NULL OR c.size_m = :cell)"
_CELLS_EXTENT = f"""
    SELECT ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b), NULL::timestamptz, NULL::timestamptz FROM (
        SELECT ST_Transform(ST_Segmentize(ST_SetSRID(ST_Extent(c.geom)::geometry, 3006), 500), 4326) AS b
        FROM incident_cell AS c WHERE c.layer = '{{slug}}' AND c.size_m = {CELL_SIZES_M[0]}
          AND c.n >= {K_ANONYMITY}) AS e
"""
_HOTSPOTS_EXTENT = """
    SELECT ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b), t0, t1 FROM (
        SELECT ST_Transform(ST_Segmentize(ST_SetSRID(ST_Extent(g.geom)::geometry, 3006), 500), 4326) AS b,
               (SELECT min(period_start)::timestamptz FROM hotspot_run WHERE current AND layer = '{slug}') AS t0,
               (SELECT max(period_end)::timestamptz FROM hotspot_run WHERE current AND layer = '{slug}') AS t1
        FROM grid_cell AS g
        WHERE g.grid = (SELECT grid FROM hotspot_run WHERE current AND layer = '{slug}' ORDER BY id DESC
                        LIMIT 1)) AS e
"""
_SURVEY_EXTENT = """
    SELECT ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b), NULL::timestamptz, NULL::timestamptz FROM (
        SELECT ST_Transform(ST_Segmentize(ST_SetSRID(ST_Extent(d.geom)::geometry, 3006), 500), 4326) AS b
        FROM district AS d WHERE d.code IN (SELECT district_code FROM survey_result)) AS e
"""
_SURVEY_PROVENANCE = "SELECT string_agg(DISTINCT source, '; '), '', bool_or(is_demo) FROM survey_result"
# A cell's id: its size and its south-west corner (easting, northing), e.g. 250-674000-6580250.
_CELL_ID = "concat_ws('-', c.size_m, c.gx, c.gy)"
# The city-wide count and area change only with a new import (a new layer version) and, slowly, with the date.
_baselines: dict[tuple, tuple[int, float]] = {}
_max_baselines = 16  # RISKKARTA_BASELINE_CACHE_ENTRIES: a few layers × periods; each entry is a few bytes


def set_baseline_cache_size(entries: int) -> None:
    """Keep at most this many city-wide baselines (at least 1); the ones kept so far are dropped."""
    global _max_baselines
    _max_baselines = max(1, entries)
    _baselines.clear()


def city_baseline(session: Session, version: int, months: int, layer: str = "crime") -> tuple[int, float]:
    """Incidents of the layer in the city over the period and the city's area, cached per layer version and day."""
    key = (layer, version, months, date.today())
    if key not in _baselines:
        if len(_baselines) >= _max_baselines:
            _baselines.clear()
        count, area = session.execute(CITY_BASELINE, {"months": months, "layer": layer}).one()
        _baselines[key] = (int(count or 0), float(area or 0.0))
    return _baselines[key]


def incidents_near(session: Session, site, radius: float, months: int, layer: str = "crime") -> int:
    """Incidents of the layer within `radius` of the site over the last `months`, exactly, fast for any accepted
    site."""
    if shapely.get_num_coordinates(site) <= nearby.SIMPLE_VERTICES:
        return session.execute(CRIME_NEAR, {"wkb": site.wkb, "radius": radius, "months": months,
                                            "layer": layer}).scalar_one()
    x0, y0, x1, y1 = site.bounds
    xs, ys = session.execute(CRIME_CANDIDATES, {"x0": x0 - radius, "y0": y0 - radius, "x1": x1 + radius,
                                                "y1": y1 + radius, "months": months, "layer": layer}).one()
    if not xs:
        return 0
    return int(nearby.within(site, np.array(xs), np.array(ys), radius).sum())


def k_anonymous(counts: dict[str, int], order: list[str], k: int) -> tuple[list[tuple[str, int]], list[str], int]:
    """The categories to show one by one, the ones shown pooled, and the pool's count, such that every count shown
    is at least k and none below k can be worked out from the others and the total: the categories under k are
    pooled, and while the pool holds fewer than k the smallest shown category joins it. An empty pool counts 0."""
    shown = sorted(((c, n) for c, n in counts.items() if n >= k),
                   key=lambda item: order.index(item[0]) if item[0] in order else len(order))
    pooled = [c for c in order if counts.get(c, 0) < k] + sorted(c for c in counts if c not in order and counts[c] < k)
    pool = sum(counts.get(c, 0) for c in pooled)
    while 0 < pool < k and shown:
        smallest = min(shown, key=lambda item: item[1])
        shown.remove(smallest)
        pooled.append(smallest[0])
        pool += smallest[1]
    return shown, [c for c in order if c in pooled] + [c for c in pooled if c not in order], pool


def _under_k(shown: str, radius_m: float, months: int, expected: float) -> dict[str, str]:
    """The sentence for a count under k: the count as "< k" and the expected count, no ratio; in the words of the
    report's rows ("Reported incidents (within 250 m, 12 months): < 5. Expected at the city's average: 0.4.")."""
    label, within, period = both("Reported incidents"), both("within"), both(", %(months)s months", months=months)
    average, number = both("Expected at the city's average"), decimals(expected)
    return {lang: f"{label[lang]} ({within[lang]} {radius_m:.0f} m{period[lang]}): {shown}. {average[lang]}: "
                  f"{number[lang]}." for lang in LANGUAGES}


class IncidentLayer(Evaluator):
    """An incident layer (crime, accidents): the same site check, tiles, import, OGC collections and privacy; a
    subclass gives its own words (English msgids) and its demo size."""

    shown_in_viewer = False
    on_report_map = False
    report_map_style = None
    demo_size = "incidents"  # the DemoSizes field
    hotspots_id = "hotspots"
    advice = N_("Plan for situational crime prevention (lighting, sight lines, lively ground floors) and ask the "
                "district's safety coordinator about the situation picture.")
    points_title = N_("Crime: reported incidents (points)")
    points_description = N_("Reported incidents as points; for the city office and administrators only.")
    cells_title = N_("Crime: reported incidents per grid cell")
    cells_description = N_("Reported incidents counted per grid cell of 250 m (cell-size=500 … 32000 for coarser "
                           "cells); only cells with at least 5 incidents, so that no single report can be located.")
    hotspots_title = N_("Crime: computed hotspots (Getis-Ord Gi*)")
    hotspots_description = N_("Hot and cold spots of reported crime per hexagonal cell of 250 m: the Gi* z-score, its "
                              "p-value, the p-value after the Benjamini–Hochberg correction and the class at a "
                              "confidence of 90, 95 or 99 %; by period, category and time band. A cell's count is "
                              "shown only where it reaches 5.")

    def evaluate(self, ctx: SiteContext) -> Verdict:
        r = ctx.rules
        info = ctx.layers.get(self.definition.slug)
        if info is None or not info.has_data:
            return no_data(self, info, both("No incident data yet."))
        slug = self.definition.slug
        count = incidents_near(ctx.session, ctx.area, r.radius_m, r.months, slug)
        city_count, city_area = city_baseline(ctx.session, info.version, r.months, slug)
        expected = city_count * nearby.buffered_area(ctx.area, r.radius_m) / city_area if city_area else 0.0
        ratio = count / expected if expected > 0 else 0.0
        # A count under k is shown as "< k" and nothing else may give it back: the ratio times the expected count
        # would, and so would a level read from the ratio (with 0.5 expected, 1, 2 and 3 incidents give three
        # different levels). So the ratio is withheld and the density gives the lowest level, the same for every
        # count under k: fewer than k incidents a year near a site is few in absolute terms. The expected count
        # stays: it comes from the city's total and the site's size alone.
        protected = count < r.k_anonymity
        shown = f"< {r.k_anonymity}" if protected else count
        computed = hotspots.at_site(ctx.session, ctx.area, slug)
        drawn = ctx.pictures["hotspots_by_layer"].get(slug, 0) if ctx.pictures is not None else None
        values = {"incidents_within_radius": shown, "radius_m": r.radius_m, "months": r.months,
                  "city_average_expected": round(expected, 1)}
        if not protected:
            values["ratio_to_city_average"] = round(ratio, 2)
        values |= {"computed_hotspots": computed["cells"] if computed else "no data yet",
                   "drawn_hotspots": drawn if drawn is not None else "no data yet"}
        if computed:
            values |= {"hotspot_confidence": hotspots.CONFIDENCE.get(computed["class"]), "hotspot_z": computed["z"],
                       "hotspot_period": computed["run"].period, "hotspot_run": computed["run"].id}
        if protected:
            found = _under_k(shown, r.radius_m, r.months, expected)
        else:
            found = both("%(count)s reported incidents within %(radius)s m in the last %(months)s months, %(ratio)s "
                         "times the city's average for an area of that size.", count=shown,
                         radius=f"{r.radius_m:.0f}", months=r.months, ratio=decimals(ratio))
        if computed is None:
            spots = both("Computed hotspots: no data yet.")
        elif computed["cells"]:
            spots = both("The site touches %(cells)s computed hotspot cells (Getis-Ord Gi*, %(confidence)s "
                         "confidence after the false-discovery-rate correction, the last 12 months of data).",
                         cells=computed["cells"], confidence=hotspots.CONFIDENCE[computed["class"]])
        else:
            spots = both("The site touches no computed hotspot (Getis-Ord Gi* at %(confidence)s confidence or more, "
                         "the last 12 months of data).", confidence=hotspots.CONFIDENCE[hotspots.SIGNIFICANT_CLASS])
        pictures = both("Hotspots drawn in accepted situation pictures at the site: %(drawn)s.",
                        drawn=values["drawn_hotspots"]) if drawn is not None else {}
        sentence = {lang: " ".join(part[lang] for part in (found, spots, pictures) if part) for lang in LANGUAGES}
        rule = both("Density relative to the city's average: %(thresholds)s; a computed hotspot at 95 %% confidence "
                    "%(at95)s, at 99 %% %(at99)s; a drawn hotspot %(drawn)s",
                    thresholds={lang: thresholds_text(r.ratio_levels, "×", lang) for lang in LANGUAGES},
                    at95={lang: LEVEL_WORDS[lang][level_at(2, r.hotspot_levels)] for lang in LANGUAGES},
                    at99={lang: LEVEL_WORDS[lang][level_at(3, r.hotspot_levels)] for lang in LANGUAGES},
                    drawn={lang: LEVEL_WORDS[lang][r.drawn_hotspot_level] for lang in LANGUAGES})
        candidates = [LEVELS[0] if protected else level_at(ratio, r.ratio_levels)]
        if computed and computed["cells"]:
            candidates.append(level_at(computed["class"], r.hotspot_levels))
        if drawn:
            candidates.append(r.drawn_hotspot_level)
        level = max(candidates, key=LEVELS.index)
        advice = both(self.advice) if level in ("high", "very_high") else {}
        return verdict(self, level, values, UNITS, rule, r.sources, info, sentence, advice)

    def rows(self, v: Verdict) -> list[Row]:
        if not v.measures:
            return []
        months = both(", %(months)s months", months=v.value("months", ""))
        return [
            Row(both("Reported incidents"), "count", v.value("incidents_within_radius"),
                detail=(both("within"), ("distance_m", v.value("radius_m", 0)), months)),
            Row(both("Expected at the city's average"), "number", v.value("city_average_expected")),
            # Only beside a count that is shown: a check saved before the ratio was withheld under k holds it still.
            *([Row(both("Compared with the city's average"), "ratio", v.value("ratio_to_city_average"))]
              if isinstance(v.value("incidents_within_radius"), int) else []),
            Row(both("Computed hotspot cells at the site"), "count" if isinstance(v.value("computed_hotspots"), int)
                else "text", v.value("computed_hotspots"),
                detail=(both("highest confidence"), ("text", v.value("hotspot_confidence")))
                if v.value("hotspot_confidence")
                else ()),
            Row(both("Drawn hotspots in situation pictures"), "count" if isinstance(v.value("drawn_hotspots"), int)
                else "text", v.value("drawn_hotspots"))]

    # --- the district page: counts over the last months, k-anonymous, never points -------------------------

    def district_summary(self, session: Session, info: LayerInfo, district_geom) -> list[Row]:
        months, k = self.definition.rules.months, K_ANONYMITY
        counts = {c: int(n) for c, n in session.execute(_IN_DISTRICT, {"wkb": district_geom.wkb,
                                                                        "months": months,
                                                                        "layer": self.definition.slug}).all()}
        total = sum(counts.values())
        if total < k:
            return [Row(both("All reported incidents"), "number", f"< {k}")]
        order = [c.key for c in self.definition.classes]
        shown, pooled, pool = k_anonymous(counts, order, k)
        labels = {key: both(c.label) for key in order if (c := self.definition.class_of(key))}
        rows = [Row(both("All reported incidents"), "number", total)]
        rows += [Row(labels.get(c, {"sv": c, "en": c}), "number", n) for c, n in shown]
        if pool:
            names = {lang: ", ".join(labels.get(c, {}).get(lang, c) for c in pooled) for lang in LANGUAGES}
            rows.append(Row(both("Other categories together"), "number", pool, detail=(names,)))
        return rows

    def district_measure(self, info: LayerInfo) -> dict[str, str]:
        return both("Reported incidents in the last %(months)s months", months=self.definition.rules.months)

    # --- tiles: k-anonymous cells for everyone, points from z13 for the roles cleared for them ----------------

    def tile_variant(self, info: LayerInfo, z: int, role: str) -> str:
        return "points" if z >= POINTS_MIN_ZOOM and may_see_incident_points(role) else "cells"

    def tile_is_private(self, info: LayerInfo, variant: str) -> bool:
        return variant == "points" or info.confidentiality != "open"

    def vector_tile(self, session: Session, info: LayerInfo, z: int, x: int, y: int, variant: str) -> bytes:
        if variant == "points":
            return tiles.query_tile(session, info, z, x, y, _POINTS_MVT, layer=self.definition.slug)
        return tiles.query_tile(session, info, z, x, y, _CELLS_MVT, cell=cell_size_m(z), k=K_ANONYMITY,
                                layer=self.definition.slug)

    def tile_fields(self, info: LayerInfo, role: str) -> dict[str, str]:
        return {"class": "String"} if may_see_incident_points(role) else {"n": "Number", "class": "String"}

    def viewer_config(self, info: LayerInfo, lang: str) -> dict:
        return {"aggregated": True, "cellClasses": COUNT_CLASSES}

    # --- imports, demo data, OGC API -----------------------------------------------------------------------

    def import_file(self, session: Session, path: Path, options: ImportOptions, progress: ProgressFactory):
        with open(path, "rb") as handle:
            lines = sum(1 for _ in handle)
        with progress(lines, f"{self.definition.slug}: reading incidents") as bar:
            return incidents.import_csv(session, path, source=options.source, crs=options.crs,
                                        category_map=options.category_map, encoding=options.encoding,
                                        progress=bar, layer=self.definition)

    def load_demo(self, session: Session, data_dir: Path, sizes) -> bool:
        batch = self.definition.demo(n=getattr(sizes, self.demo_size))
        incidents.replace_all(session, incident_rows(batch), source=self.definition.demo_source, is_demo=True,
                              layer=self.definition)
        return True

    def ogc_collections(self) -> tuple:
        """`<slug>`: the incident points, for the city office and administrators only (DESIGN §7); `<slug>-cells`:
        the counts per grid cell of the aggregated tiles (at least K_ANONYMITY incidents), for every role that may
        see the layer; the computed hotspots (`hotspots_id`)."""
        from webapp.services.ogc.collections import OwnCollection, Source
        from webapp.services.ogc.query import Parameter

        slug = self.definition.slug
        points = OwnCollection(
            id=self.definition.slug,
            title=self.points_title,
            description=self.points_description,
            source=Source(
                "incident i", f"i.layer = '{slug}'", "i.id", "i.id", "i.geom",
                "json_build_object('category', i.category, 'occurred_at', i.occurred_at, 'district', d.code)",
                {"category": "i.category"}, temporal="i.occurred_at",
                joins="LEFT JOIN district d ON d.id = i.district_id", outward=True),
            extent_sql=_POINTS_EXTENT.format(slug=slug), provenance_sql=_PROVENANCE.format(slug=slug),
            visible=may_see_incident_points,
            tiles=(self.definition.slug, "points"))
        sizes = tuple(str(size) for size in CELL_SIZES_M)
        cell_size = Parameter("cell-size", f"Grid cell size in metres (default {sizes[0]}).", sizes, sizes[0],
                              "cell", int)
        cells = OwnCollection(
            id=f"{self.definition.slug}-cells",
            title=self.cells_title,
            description=self.cells_description,
            source=Source(
                "incident_cell c", _CELLS_WHERE.format(slug=slug),
                "(c.size_m::bigint * 10000000000000 + c.gy::bigint * 1000000 + c.gx)",
                _CELL_ID, "c.geom", "json_build_object('n', c.n, 'class', c.top, 'cell_size_m', c.size_m)",
                {"class": "c.top"}, parameters=(cell_size,), int_ids=False),
            extent_sql=_CELLS_EXTENT.format(slug=slug), provenance_sql=_PROVENANCE.format(slug=slug),
            visible=lambda role: may_see(role, self.definition.confidentiality), tiles=(self.definition.slug, "cells"))
        return (points, cells, self._hotspots_collection(), *self._extra_collections())

    def _extra_collections(self) -> tuple:
        return ()

    def _hotspots_collection(self):
        """`hotspots`: the cells of one current Gi* run (period, category, time band), for every role that may
        see the layer: only cells with at least K_ANONYMITY incidents or a significant class, and the count only
        where it reaches K_ANONYMITY."""
        from webapp.services.hotspots.compute import BANDS
        from webapp.services.ogc.collections import OwnCollection, Source
        from webapp.services.ogc.query import Parameter

        categories = ("all", *(c.key for c in self.definition.classes))
        parameters = (
            Parameter("period", "The last 12 months of data (12m, the default), a year (2026) or a tertial "
                      "(2026-2).", ("12m",), "12m", "hs_period", pattern=r"12m|\d{4}(-[123])?"),
            Parameter("category", "An incident class, or all (the default).", categories, "all", "hs_category"),
            Parameter("hotspot", "Which cells: any (the default), significant (hot or cold), hot or cold.",
                      ("any", "significant", "hot", "cold"), "any", "hs_kind"),
            Parameter("band", "all (the default), a time of day (night 0-6, morning 6-12, afternoon 12-18, evening "
                      "18-24) or weekday/weekend, over the last 12 months.", BANDS, "all", "hs_band"))
        slug = self.definition.slug
        return OwnCollection(
            id=self.hotspots_id,
            title=self.hotspots_title,
            description=self.hotspots_description,
            source=Source(
                "hotspot_cell h JOIN hotspot_run r ON r.id = h.run_id "
                "JOIN grid_cell g ON g.grid = r.grid AND g.i = h.i AND g.j = h.j",
                f"r.current AND r.layer = '{self.definition.slug}' AND (h.n >= {K_ANONYMITY} OR h.\"class\" <> 0) "
                "AND (CAST(:hs_period AS text) IS NULL OR r.period = :hs_period) "
                "AND (CAST(:hs_category AS text) IS NULL OR COALESCE(r.category, 'all') = :hs_category) "
                "AND (CAST(:hs_band AS text) IS NULL OR r.band = :hs_band) "
                "AND (CAST(:hs_kind AS text) IS NULL OR :hs_kind = 'any' OR (:hs_kind = 'significant' AND h.\"class\" "
                "<> 0) OR (:hs_kind = 'hot' AND h.\"class\" > 0) OR (:hs_kind = 'cold' AND h.\"class\" < 0))",
                "ROW(h.run_id, h.i, h.j)", "concat_ws('_', h.run_id, h.i, h.j)", "g.geom",
                f"json_build_object('n', CASE WHEN h.n >= {K_ANONYMITY} THEN h.n END, 'z', round(h.z::numeric, 2), "
                "'p', h.p, 'p_fdr', h.p_fdr, 'class', h.\"class\", 'hotspot', CASE WHEN h.\"class\" > 0 THEN 'hot' "
                "WHEN h.\"class\" < 0 THEN 'cold' ELSE 'not significant' END, 'confidence', CASE abs(h.\"class\") "
                "WHEN 3 THEN '99 %' WHEN 2 THEN '95 %' WHEN 1 THEN '90 %' END, 'period', r.period, "
                "'category', COALESCE(r.category, 'all'), 'band', r.band, 'run', r.id, 'grid', r.grid, "
                "'layer_version', r.layer_version, 'computed_at', r.computed_at)",
                {"class": "h.\"class\"::text"}, parameters=parameters, int_ids=False),
            extent_sql=_HOTSPOTS_EXTENT.format(slug=slug), provenance_sql=_PROVENANCE.format(slug=slug),
            visible=lambda role: may_see(role, self.definition.confidentiality))

class Crime(IncidentLayer):
    """Reported crime: the words above are crime's; perceived safety (the safety survey) sits beside it."""

    def _extra_collections(self) -> tuple:
        """`survey`: the safety survey's results per district, year and indicator on the district areas, for a map
        coloured by the indicator (filter indicator and year); for every role that may see the crime layer."""
        from webapp.services.ogc.collections import OwnCollection, Source

        return (OwnCollection(
            id="survey",
            title=N_("Perceived safety: the safety survey per district"),
            description=N_("Results of the safety survey per district area and year: the indicator (for example the "
                           "share who feel unsafe outdoors in their area at night, in per cent), the question, the "
                           "sample size and the source. Filter by indicator and year to colour a map."),
            source=Source(
                "survey_result s JOIN district d ON d.code = s.district_code", "TRUE",
                "ROW(s.indicator, s.year, s.district_code)", "concat_ws('_', s.indicator, s.year, s.district_code)",
                "d.geom",
                "json_build_object('district', d.code, 'name', d.name, 'indicator', s.indicator, 'year', s.year, "
                "'value', s.value, 'question', s.question, 'sample_size', s.sample_size, 'source', s.source, "
                "'demo', s.is_demo)",
                {"indicator": "s.indicator", "year": "s.year::text", "district": "d.code"}, int_ids=False),
            extent_sql=_SURVEY_EXTENT, provenance_sql=_SURVEY_PROVENANCE,
            visible=lambda role: may_see(role, self.definition.confidentiality)),)


EVALUATOR = Crime(registry.LAYERS["crime"])
