"""Hazards as plugins: what the web application does with each hazard layer, found through `layers.registry`.

Each hazard is its definition in `layers/<hazard>.py` (pure: layer, classes, colours, rules with sources) plus one
evaluator module here (`webapp/services/hazards/<hazard>.py`) that subclasses `Evaluator`: the site-check
evaluation and its report rows, and any tile, import or demo hook that differs from the defaults of its kind. The
site check, the catalog, tiles, imports, demo data, the viewer and the report loop over the registry; nothing
outside a hazard's own modules branches on its slug.
"""
from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapely
from sqlalchemy.orm import Session

from layers import registry
from layers.base import LayerDefinition
from webapp.i18n import both
from webapp.services import tiles
from webapp.services.catalog import LayerInfo
from webapp.services.site_check.result import Verdict

Progress = Callable[[int], None]
# (length, label) -> a context manager yielding a Progress callback (the CLI's progress bar; a no-op elsewhere)
ProgressFactory = Callable[[int, str], Any]


@dataclass(frozen=True)
class SiteContext:
    """Everything an evaluator may use to judge one site."""

    session: Session
    area: shapely.Geometry  # the area checked, EPSG:3006
    group: str  # land-use group A, B or C
    vulnerable: bool
    rules: Any  # this hazard's rules (its definition's dataclass, with configured overrides)
    layers: dict[str, LayerInfo]  # every layer the role may see, by slug (a hazard may read another's layer)
    # The accepted situation pictures at the site (`pictures.covering`), or None when the role does not read them.
    pictures: dict[str, Any] | None = None


@dataclass(frozen=True)
class Row:
    """One line of a verdict's measured values in a report: a label and a typed quantity, which
    `webapp.reports.rows` formats (one formatter per quantity, the same for page and PDF).

    `kind`: a quantity (depth_m, distance_m, temperature_c, share, shares_m, ratio, area_m2), "count", "text",
    "list" (of texts), "names" (of {sv, en} texts), "place" (({sv, en} name, distance_m)), or "none_within_m".
    `detail` is said after the label in parentheses: {sv, en} words and (kind, value) quantities."""

    label: dict[str, str]
    kind: str
    value: Any = None
    detail: tuple = ()


@dataclass(frozen=True)
class ImportOptions:
    """What `riskkarta import layer` passes to a hazard's importer."""

    source: str | None = None
    licence: str = ""
    layer: str | None = None
    class_field: str | None = None
    default_class: str | None = None
    encoding: str | None = None
    crs: str | None = None
    repair: bool = False
    data_dir: Path | None = None
    category_map: Path | None = None  # source category -> class (CSV or JSON), for a hazard that maps categories
    temperature: str | None = None  # what a temperature raster holds, "surface" or "air" (heat; None: its default)


class Evaluator:
    """A hazard's behaviour in the web application. The defaults serve a plain vector or raster layer; a hazard
    overrides what it does differently."""

    # Whether the layer is switched on when the viewer opens; whether the site report's web map offers it, and
    # switched on.
    shown_in_viewer: bool = True
    on_report_map: bool = True
    shown_on_report_map: bool = True

    def __init__(self, definition: LayerDefinition) -> None:
        self.definition = definition

    @property
    def report_map_style(self) -> str | None:
        """How the report's map image draws the layer: "fill" (a raster's classes), "line", "outline" (polygons
        and points) or None (not drawn)."""
        if self.definition.kind == "raster":
            return "fill"
        return "line" if self.definition.geometry == "line" else "outline"

    @property
    def key(self) -> str:
        return self.definition.hazard

    def title(self) -> dict[str, str]:
        return both(self.definition.check_title)

    # --- site check ---------------------------------------------------------------------------------------

    def evaluate(self, ctx: SiteContext) -> Verdict | None:
        """The verdict for the site; None when the hazard takes no part in site checks."""
        return None

    def rows(self, verdict: Verdict) -> list[Row]:
        """The verdict's measured values as report rows (label + typed quantity), in reading order."""
        return []

    # --- tiles --------------------------------------------------------------------------------------------

    def tile_variant(self, info: LayerInfo, z: int, role: str) -> str:
        """Which variant of a tile `role` gets at zoom z (part of the cache key); "" for a layer with one."""
        return ""

    def tile_is_private(self, info: LayerInfo, variant: str) -> bool:
        return info.confidentiality != "open"

    def vector_tile(self, session: Session, info: LayerInfo, z: int, x: int, y: int, variant: str) -> bytes:
        return tiles.feature_tile(session, info, z, x, y)

    def tile_fields(self, info: LayerInfo, role: str) -> dict[str, str]:
        """The properties of the layer's vector tiles (TileJSON's vector_layers)."""
        return {"class": "String", "name": "String"}

    def viewer_config(self, info: LayerInfo, lang: str) -> dict[str, Any]:
        """Extra settings for the viewer's script when drawing the layer's vector tiles."""
        return {}

    # --- imports and demo data ----------------------------------------------------------------------------

    def import_metadata(self, options: ImportOptions) -> dict[str, Any] | None:
        """What an import stores in the layer's metadata, from its options (merged into what is there); refuses
        an option the hazard does not take. The CLI asks before it starts the import's worker."""
        from webapp.services.imports import refused

        if options.temperature is not None:
            raise refused(f"{self.definition.slug} holds no temperatures; --temperature is for the heat layer.")
        return None

    def import_file(self, session: Session, path: Path, options: ImportOptions, progress: ProgressFactory):
        """Replace the layer's data with a file (all or nothing, in the caller's transaction)."""
        from webapp.services.imports import layers as layer_import
        from webapp.services.imports import refused

        if options.category_map is not None:
            raise refused(f"{self.definition.slug} has no categories to map; --category-map is for incident "
                          "layers such as crime.")
        metadata = self.import_metadata(options)
        if self.definition.kind == "raster":
            return layer_import.import_raster(session, self.definition.slug, path, options.data_dir,
                                              source=options.source, licence=options.licence, metadata=metadata)
        with progress(layer_import.feature_count(path, options.layer), f"{self.definition.slug}: checking features") \
                as bar:
            return layer_import.import_vector(session, self.definition.slug, path, layer=options.layer,
                                              class_field=options.class_field, default_class=options.default_class,
                                              encoding=options.encoding, source=options.source,
                                              licence=options.licence, repair=options.repair, progress=bar)

    def load_demo(self, session: Session, data_dir: Path, sizes: Any) -> bool:
        """Generate and store the layer's demo data; False when the hazard has no demo generator."""
        from webapp.services.imports import layers as layer_import

        d = self.definition
        if d.demo is None:
            return False
        if d.kind == "raster":
            spec = d.raster
            path = layer_import.new_raster_path(data_dir, d.slug)
            d.demo(path, resolution_m=sizes.raster_resolution_m(d))
            layer_import.register_raster(session, d.slug, path, source=d.demo_source, licence=d.demo_licence,
                                         is_demo=True, scale=spec.scale, offset=spec.offset, nodata=spec.nodata,
                                         units=spec.units, metadata=d.metadata)
        else:
            rows = [(f.cls, f.properties, f.geom) for f in d.demo()]
            layer_import.replace_features(session, d.slug, rows, source=d.demo_source, licence=d.demo_licence,
                                          is_demo=True, metadata=d.metadata)
        return True

    # --- the district page ----------------------------------------------------------------------------------

    def district_summary(self, session: Session, info: LayerInfo, district_geom: shapely.Geometry) -> list[Row]:
        """What the layer holds inside a district (EPSG:3006), as rows; [] when nothing of it is there. The defaults
        of the kinds: a vector layer's features by class, a raster layer's share of the area per class (an overview
        read, webapp.services.hazards.district)."""
        from webapp.services.hazards import district

        if self.definition.kind == "raster":
            return district.raster_shares(info, district_geom)
        return district.features_by_class(session, info, district_geom)

    def district_measure(self, info: LayerInfo) -> dict[str, str]:
        """What the values of `district_summary` are, in both languages: the heading of their column."""
        if self.definition.kind == "raster":
            return both("Share of the mapped area")
        return both("Features")

    # --- OGC API Features ---------------------------------------------------------------------------------

    def ogc_collections(self) -> tuple:
        """Collections of the hazard's own (webapp.services.ogc.collections.OwnCollection, as many as it serves),
        which replace its layer's default collection; () for the default of its kind (a vector layer's features)."""
        return ()


_loaded: dict[str, Evaluator] = {}


def evaluator(slug: str) -> Evaluator:
    """The evaluator of a registered layer (its module's EVALUATOR, or the object registered)."""
    found = _loaded.get(slug)
    if found is not None and found.definition is registry.LAYERS.get(slug):
        return found
    definition = registry.LAYERS.get(slug)
    if definition is None:
        raise KeyError(f"no hazard layer {slug!r} is registered")
    spec = registry.EVALUATORS[slug]
    if isinstance(spec, str):
        found = importlib.import_module(spec).EVALUATOR
    elif isinstance(spec, Evaluator):
        found = spec
    else:  # a class or factory taking the definition
        found = spec(definition)
    _loaded[slug] = found
    return found


def evaluators() -> Iterator[Evaluator]:
    """Every registered hazard's evaluator, in the registry's order."""
    for slug in list(registry.LAYERS):
        yield evaluator(slug)


def for_hazard(key: str) -> Evaluator | None:
    """The evaluator of a hazard key (flood, heat, hazardous_goods, ...), or None when none is registered."""
    return next((e for e in evaluators() if e.key == key), None)
