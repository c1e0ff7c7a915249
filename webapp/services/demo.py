"""The demo city: generated with project code only, marked as demo data wherever it is stored."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from layers import registry
from layers.demo_city import DEMO_SOURCE, demo_districts
from layers.demo_vectors import incident_rows
from webapp.services import district_import, districts, incidents
from webapp.services import layers as catalog
from webapp.services.layer_import import new_raster_path, register_raster, replace_features


@dataclass(frozen=True)
class DemoLoad:
    districts: int
    skipped: bool


@dataclass(frozen=True)
class DemoSizes:
    """How fine the demo data is: the full city for `make run`, coarser for the tests."""

    flood_resolution_m: float = 2.0
    heat_resolution_m: float = 10.0
    incidents: int = 100_000


def load(session: Session, *, if_empty: bool = False) -> DemoLoad:
    """Load the demo districts (upsert by code) in the caller's transaction; with `if_empty`, only into a
    database that has no districts yet, so an imported real city is never overwritten."""
    if if_empty and districts.count(session) > 0:
        return DemoLoad(districts=0, skipped=True)
    rows = [{"code": d.code, "name": d.name, "committee": d.committee, "source": DEMO_SOURCE,
             "wkb": d.geom.wkb} for d in demo_districts()]
    district_import.upsert(session, rows)
    return DemoLoad(districts=len(rows), skipped=False)


def load_layers(session: Session, data_dir: Path, *, sizes: DemoSizes = DemoSizes(), only_missing: bool = True,
                say: Callable[[str], None] = lambda _msg: None) -> list[str]:
    """Generate and load the demo data of every hazard layer (only those without data when `only_missing`, so
    imported real data is never overwritten); returns the slugs loaded."""
    catalog.ensure_catalog(session)
    current = {info.slug: info for info in catalog.all_layers(session)}
    loaded = []
    for slug, definition in registry.LAYERS.items():
        if only_missing and current[slug].has_data:
            continue
        say(f"demo: generating {slug}")
        if definition.kind == "raster":
            spec = definition.raster
            resolution = sizes.flood_resolution_m if definition.hazard == "flood" else sizes.heat_resolution_m
            path = new_raster_path(data_dir, slug)
            definition.demo(path, resolution_m=resolution)
            register_raster(session, slug, path, source=definition.demo_source, licence=definition.demo_licence,
                            is_demo=True, scale=spec.scale, offset=spec.offset, nodata=spec.nodata, units=spec.units,
                            metadata=definition.metadata)
        elif slug == "crime":
            batch = definition.demo(n=sizes.incidents)
            incidents.replace_all(session, incident_rows(batch), source=definition.demo_source, is_demo=True)
        else:
            rows = [(f.cls, f.properties, f.geom) for f in definition.demo()]
            replace_features(session, slug, rows, source=definition.demo_source, licence=definition.demo_licence,
                             is_demo=True, metadata=definition.metadata)
        loaded.append(slug)
    return loaded
