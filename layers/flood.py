"""Flooding: water depth after a 100-year cloudburst (skyfall), as a raster."""
from __future__ import annotations

from dataclasses import dataclass, field

from layers.base import N_, LayerClass, LayerDefinition, RasterSpec
from layers.demo_rasters import write_flood_demo
from layers.rules import Source


@dataclass(frozen=True)
class FloodRules:
    bands_m: tuple[float, ...] = (0.1, 0.3, 0.5, 1.0)
    # Verdict from the deepest water under the site: at or above each depth, the level (per land-use group).
    # A car park tolerates more water than housing; vulnerable occupants are judged as group C.
    levels_by_group: dict[str, tuple[tuple[float, str], ...]] = field(default_factory=lambda: {
        "A": ((0.3, "moderate"), (0.5, "high"), (1.0, "very_high")),
        "B": ((0.1, "moderate"), (0.3, "high"), (0.5, "very_high")),
        "C": ((0.1, "moderate"), (0.2, "high"), (0.3, "very_high")),
    })
    # Below this share of the site's area, water at a depth counts only as "moderate" at most (puddles).
    min_share: float = 0.01
    # The design event is the city's model (RULES-SOURCES.md: sure); the depth levels are defaults.
    source: Source = Source("Stockholms stad, skyfallskartering: 100-årsregn i klimatet år 2100 (Stockholms "
                            "skyfallsmodell enligt MSB:s vägledning 2017)", True,
                            N_("The design event: a 100-year rain in the climate of 2100"))
    levels_source: Source = Source("Riskkartas standardvärden, att stämma av mot stadens skyfallsvägledning (0,5 m "
                                   "strömmande vatten kan välta en person eller få en bil att flyta, enligt MSB)",
                                   False, N_("The depth levels per land-use group"))

    @property
    def sources(self) -> tuple[Source, ...]:
        return (self.source, self.levels_source)


# Depth bands the city's cloudburst mapping uses for planning (0.1 / 0.3 / 0.5 / 1.0 m).
DEFINITION = LayerDefinition(
    rules=FloodRules(),
    slug="flood",
    hazard="flood",
    kind="raster",
    title=N_("Cloudburst flooding (100-year rain)"),
    check_title=N_("Cloudburst flooding"),
    description=N_("Water depth after a 100-year rain in the climate of 2100."),
    classes=(
        LayerClass("dry", N_("Below 0.1 m"), "#00000000", None, 0.1),
        LayerClass("0.1-0.3", N_("0.1–0.3 m"), "#bdd7ee", 0.1, 0.3),
        LayerClass("0.3-0.5", N_("0.3–0.5 m"), "#6baed6", 0.3, 0.5),
        LayerClass("0.5-1.0", N_("0.5–1.0 m"), "#2171b5", 0.5, 1.0),
        LayerClass("1.0+", N_("Above 1.0 m"), "#08306b", 1.0, None),
    ),
    raster=RasterSpec(units="m", scale=0.01, nodata=65535, transparent_below=0.1),
    metadata={"model": N_("Cloudburst mapping (demo model)"), "scenario": N_("100-year rain, climate of 2100"),
              "model_date": "2026-11-01"},
    demo_source=N_("Riskkarta demo data: synthetic cloudburst depths, not the city's mapping"),
    demo=write_flood_demo,
    demo_resolution_m=2.0,
)
