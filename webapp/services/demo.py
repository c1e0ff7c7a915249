"""The demo city: generated with project code only, marked as demo data wherever it is stored."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from layers.demo_city import DEMO_SOURCE, demo_districts
from webapp.services import accounts, catalog, districts, hazards, survey
from webapp.services.districts import importer as district_import
from webapp.services.imports import incidents


@dataclass(frozen=True)
class DemoLoad:
    districts: int
    skipped: bool


@dataclass(frozen=True)
class DemoSizes:
    """How fine the demo data is: the full city for `make run`, coarser for the tests. `resolution_m` overrides a
    raster layer's own demo cell size, by slug."""

    resolution_m: dict[str, float] = field(default_factory=dict)
    incidents: int = 100_000
    accidents: int = 20_000

    def raster_resolution_m(self, definition) -> float:
        return self.resolution_m.get(definition.slug, definition.demo_resolution_m)


def load(session: Session, *, if_empty: bool = False) -> DemoLoad:
    """Load the demo districts (upsert by code) in the caller's transaction; with `if_empty`, only into a
    database that has no districts yet, so an imported real city is never overwritten."""
    if if_empty and districts.count(session) > 0:
        if districts.is_demo(session):
            accounts.add_demo_users(session)  # a demo city loaded before there were accounts gets its users
        return DemoLoad(districts=0, skipped=True)
    if districts.count_real(session) > 0:
        # The demo city beside a real one would put every site in two districts: never mix them.
        return DemoLoad(districts=0, skipped=True)
    rows = [{"code": d.code, "name": d.name, "committee": d.committee, "source": DEMO_SOURCE,
             "wkb": d.geom.wkb} for d in demo_districts()]
    district_import.upsert(session, rows, is_demo=True)
    incidents.assign_districts(session)
    accounts.add_demo_users(session)
    return DemoLoad(districts=len(rows), skipped=False)


def load_layers(session: Session, data_dir: Path, *, sizes: DemoSizes = DemoSizes(), only_missing: bool = True,
                say: Callable[[str], None] = lambda _msg: None) -> list[str]:
    """Generate and load the demo data of every hazard layer (only those without data when `only_missing`, so
    imported real data is never overwritten); returns the slugs loaded."""
    catalog.ensure_catalog(session)
    current = {info.slug: info for info in catalog.all_layers(session)}
    loaded = []
    for evaluator in hazards.evaluators():
        slug = evaluator.definition.slug
        if only_missing and current[slug].has_data:
            continue
        say(f"demo: generating {slug}")
        if evaluator.load_demo(session, data_dir, sizes):
            loaded.append(slug)
    if not only_missing or not survey.indicators(session):
        say("demo: generating the safety survey")
        if survey.load_demo(session, data_dir) is not None:
            loaded.append("survey")
    return loaded
