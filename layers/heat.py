"""Heatwaves: land-surface temperature on a hot summer day, as a raster."""
from __future__ import annotations

from dataclasses import dataclass

from layers.base import N_, LayerClass, LayerDefinition, RasterSpec
from layers.demo_rasters import write_heat_demo
from layers.rules import Source


@dataclass(frozen=True)
class HeatRules:
    # Verdict from the hottest land-surface temperature under the site (°C): at or above, the level.
    levels: tuple[tuple[float, str], ...] = ((30.0, "moderate"), (33.0, "high"), (36.0, "very_high"))
    # Vulnerable occupants (preschools, care homes): every threshold this much lower.
    vulnerable_offset_c: float = 3.0
    source: Source = Source("SMHI:s värmevarningar (meddelande vid 26 °C tre dagar i följd; klass 1 vid ≥ 30 °C tre "
                            "dagar; klass 2 vid ≥ 30 °C fem dagar eller ≥ 33 °C tre dagar); yttemperaturnivåerna är "
                            "Riskkartas standardvärden", False)


DEFINITION = LayerDefinition(
    rules=HeatRules(),
    slug="heat",
    hazard="heat",
    kind="raster",
    title=N_("Heatwave: land-surface temperature"),
    check_title=N_("Heat"),
    description=N_("Land-surface temperature on a hot summer day; dense areas are warmest, water and parks coolest."),
    classes=(
        LayerClass("below-26", N_("Below 26 °C"), "#ffffb2", None, 26.0),
        LayerClass("26-30", N_("26–30 °C"), "#fecc5c", 26.0, 30.0),
        LayerClass("30-33", N_("30–33 °C"), "#fd8d3c", 30.0, 33.0),
        LayerClass("33-36", N_("33–36 °C"), "#f03b20", 33.0, 36.0),
        LayerClass("36+", N_("Above 36 °C"), "#bd0026", 36.0, None),
    ),
    raster=RasterSpec(units="°C", scale=0.01, nodata=-32768),
    metadata={"variable": "land-surface temperature", "scenario": "hot summer day"},
    demo_source="Riskkarta demo data: synthetic surface temperatures, not a satellite product",
    demo=write_heat_demo,
)
