"""Heatwaves: land-surface temperature on a hot summer day, as a raster."""
from __future__ import annotations

from dataclasses import dataclass

from layers.base import N_, LayerClass, LayerDefinition, RasterSpec
from layers.demo_rasters import write_heat_demo
from layers.rules import Source

# What kind of temperature a heat layer holds, in its metadata ("temperature"): the demo and MSB's national heat map
# are land-surface temperatures; SMHI's heat warnings are about the daily maximum air temperature.
SURFACE, AIR = N_("surface"), N_("air")


@dataclass(frozen=True)
class HeatRules:
    # Surface temperature has no official classes (RULES-SOURCES.md): the site's mean is placed in the city's
    # distribution on the same raster; at or above each percentile of the city's cells, the level.
    relative_levels: tuple[tuple[float, str], ...] = ((75.0, "moderate"), (90.0, "high"), (97.5, "very_high"))
    # Air temperature: SMHI's warning levels, absolute (°C).
    levels: tuple[tuple[float, str], ...] = ((26.0, "moderate"), (30.0, "high"), (33.0, "very_high"))
    # Vulnerable occupants (preschools, care homes): every threshold this much lower (°C).
    vulnerable_offset_c: float = 3.0
    source: Source = Source("SMHI:s värmevarningar gäller dygnets högsta lufttemperatur: meddelande vid 26 °C tre "
                            "dagar i följd; gul varning vid 30 °C tre–fyra dagar; orange vid 30 °C fem dagar eller "
                            "33 °C tre dagar", True, N_("What a heatwave is (SMHI, air temperature)"))
    relative_source: Source = Source("Riskkartas metod: platsens medeltemperatur mot stadens percentiler på samma "
                                     "raster; det finns inga officiella klasser för yttemperatur", False,
                                     N_("The levels for surface temperature, relative to the city"))
    air_source: Source = Source("SMHI:s varningsnivåer 26, 30 och 33 °C (dygnets högsta lufttemperatur)", True,
                                N_("The levels for air temperature"))

    def sources_for(self, kind: str) -> tuple[Source, ...]:
        return (self.air_source,) if kind == AIR else (self.source, self.relative_source)


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
    metadata={"variable": N_("land-surface temperature"), "temperature": SURFACE, "scenario": N_("hot summer day")},
    demo_source=N_("Riskkarta demo data: synthetic surface temperatures, not a satellite product"),
    demo=write_heat_demo,
)
