"""Accidents: unwanted events from the city's incident system and the national traffic-injury register (traffic
injuries, fires, falls, drownings, other). The same privacy as crime: points for cleared roles only, everyone else
sees counts per grid cell (k-anonymous) and computed hotspots."""
from __future__ import annotations

from dataclasses import dataclass

from layers.base import N_, LayerClass, LayerDefinition
from layers.crime import CrimeRules
from layers.demo_accidents import accident_incidents
from layers.rules import Source


@dataclass(frozen=True)
class AccidentRules(CrimeRules):
    source: Source = Source("Riskkartas standardvärden, relativt stadens genomsnitt; olyckor ur incidentsystemet och "
                            "STRADA", False, N_("The levels relative to the city's average"))


# Category names in accident exports (the incident system, STRADA's injury types), English and Swedish, by class.
# "fall" is a fall on the same level or from a height, indoors or out (fallolycka, halkolycka); "other" holds
# the remaining unwanted events (cuts, poisoning, electrical accidents, animals) on purpose, so that the
# import's summary tells them from unknown words.
CATEGORY_WORDS: dict[str, tuple[str, ...]] = {
    "traffic": (
        "traffic accident", "traffic injury", "road accident", "road traffic accident", "collision", "crash",
        "car accident", "bicycle accident", "cycle accident", "pedestrian accident", "pedestrian injury",
        "vehicle collision", "trafikolycka", "trafikskada", "vägtrafikolycka", "kollision", "singelolycka",
        "cykelolycka", "fotgängarolycka", "påkörning", "viltolycka", "personbil", "cykel", "fotgängare",
        "moped", "motorcykel", "buss", "spårvagn",
    ),
    "fire": (
        "fire", "building fire", "house fire", "apartment fire", "flat fire", "vehicle fire", "car fire",
        "grass fire", "wildfire", "brush fire", "brand", "brand i byggnad", "bostadsbrand", "lägenhetsbrand",
        "fordonsbrand", "bilbrand", "brand i fordon", "gräsbrand", "skogsbrand", "brand ej i byggnad",
        "brand utomhus", "anlagd brand",
    ),
    "fall": (
        "fall", "falls", "fall injury", "slip", "slip and fall", "trip", "fall from height", "icy fall",
        "fallolycka", "fallskada", "fall i samma plan", "fall från höjd", "halka", "halkolycka", "halkskada",
        "snubbling", "fotgängare singel", "fotgängarolycka singel",
    ),
    "drowning": (
        "drowning", "near drowning", "drowned", "water rescue", "drunkning", "drunkningsolycka",
        "drunkningstillbud", "nära drunkning", "livräddning", "vattenlivräddning",
    ),
    "other": (
        "other accident", "unwanted event", "cut", "poisoning", "electrical accident", "explosion", "gas leak",
        "chemical spill", "hazardous material", "water damage", "storm damage", "övrig olycka", "annan olycka",
        "olycka", "oönskad händelse", "förgiftning", "elolycka", "gasläcka", "utsläpp av farligt ämne",
        "kemikalieutsläpp", "vattenskada", "stormskada", "övrigt",
    ),
}

DEFINITION = LayerDefinition(
    rules=AccidentRules(),
    slug="accidents",
    hazard="accidents",
    kind="vector",
    geometry="point",
    stores_features=False,
    title=N_("Accidents: reported accidents"),
    check_title=N_("Accidents"),
    description=N_("Reported accidents (traffic injuries, fires, falls, drownings, other), as counts per grid cell "
                   "(at least 5 per cell); points for authorised roles only."),
    classes=(
        LayerClass("traffic", N_("Traffic injury"), "#d95f02"),
        LayerClass("fire", N_("Fire"), "#e7298a"),
        LayerClass("fall", N_("Fall"), "#7570b3"),
        LayerClass("drowning", N_("Drowning"), "#1b9e77"),
        LayerClass("other", N_("Other"), "#999999"),
    ),
    class_fields=("category", "kategori", "class", "olyckstyp", "skadetyp"),
    category_words=CATEGORY_WORDS,
    queryables=("class",),
    demo=accident_incidents,
)
