"""The demo city: generated with project code only, marked as demo data wherever it is stored."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from layers.demo_city import DEMO_SOURCE, demo_districts
from webapp.services import district_import, districts


@dataclass(frozen=True)
class DemoLoad:
    districts: int
    skipped: bool


def load(session: Session, *, if_empty: bool = False) -> DemoLoad:
    """Load the demo districts (upsert by code) in the caller's transaction; with `if_empty`, only into a
    database that has no districts yet, so an imported real city is never overwritten."""
    if if_empty and districts.count(session) > 0:
        return DemoLoad(districts=0, skipped=True)
    rows = [{"code": d.code, "name": d.name, "committee": d.committee, "source": DEMO_SOURCE,
             "wkb": d.geom.wkb} for d in demo_districts()]
    district_import.upsert(session, rows)
    return DemoLoad(districts=len(rows), skipped=False)
