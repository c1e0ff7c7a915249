"""Crime: reported incidents. Points are restricted; everyone else sees counts per grid cell (k-anonymous)."""
from __future__ import annotations

from dataclasses import dataclass

from layers.base import N_, LayerClass, LayerDefinition, category_word
from layers.demo_vectors import crime_incidents
from layers.rules import Source


@dataclass(frozen=True)
class CrimeRules:
    radius_m: float = 250.0
    months: int = 12
    # Verdict from the incident density around the site relative to the city's average (count / expected).
    ratio_levels: tuple[tuple[float, str], ...] = ((1.5, "moderate"), (3.0, "high"), (6.0, "very_high"))
    # Verdict when the site touches a computed hot cell, by its class (2: 95 %, 3: 99 % confidence after the
    # false-discovery-rate correction), and when it touches a hotspot drawn in an accepted situation picture.
    hotspot_levels: tuple[tuple[float, str], ...] = ((2, "moderate"), (3, "high"))
    drawn_hotspot_level: str = "moderate"
    # Counts below this are reported as "fewer than k" so that no single report can be singled out.
    k_anonymity: int = 5
    source: Source = Source("Riskkartas standardvärden, relativt stadens genomsnitt; händelser ur incidentsystemet",
                            False, N_("The levels relative to the city's average"))

    @property
    def sources(self) -> tuple[Source, ...]:
        return (self.source,)


# A grid cell is shown only when it holds at least this many incidents, so no single report can be located.
K_ANONYMITY = 5
# Cell sizes the aggregates are kept in (metres, EPSG:3006 grid); 250 m is the finest anyone sees.
CELL_SIZES_M = (250, 500, 1000, 2000, 4000, 8000, 16000, 32000)
# Below this zoom even roles cleared for points get cells: a whole-city tile of 100k points is unreadable and the
# slowest tile there is (PERFORMANCE.md: 300+ ms at z10 even for the bare query).
POINTS_MIN_ZOOM = 13
# Colours of the aggregated cells by incident count (lower bound, colour): purples, never read as heat or water.
COUNT_CLASSES = ((5, "#cbc9e2"), (10, "#9e9ac8"), (25, "#756bb1"), (50, "#54278f"), (100, "#3f007d"))

# Category names in incident exports, English and Swedish, and the class each goes to. An import compares
# normalised values (`category_word`: case-folded, "_" and "-" as spaces, single spaces); a class key or label
# (en/sv) needs no entry; a city's own codes come in with `--category-map`, which goes before this table.
# The classes follow the main groups of the Swedish crime statistics (Brå): violence = crimes against the person
# by violence or its threat (assault, homicide, sexual violence, unlawful threats); robbery = theft by violence or
# threat; theft = theft and burglary of every kind; vandalism = criminal damage and graffiti; drugs = narcotics
# offences. The "other" entries are deliberate, so that the import's summary tells them from unknown words:
# fraud is mostly committed by telephone or online and recorded where the victim lives, so counted as theft it
# would draw hotspots at homes; traffic offences, fires and arson (crimes against public safety, not criminal
# damage; map arson to vandalism with --category-map where the city counts car fires so), disturbances and
# weapons offences belong to none of the classes.
CATEGORY_WORDS: dict[str, tuple[str, ...]] = {
    "violence": (
        "assault", "aggravated assault", "assault and battery", "battery", "violence", "violent crime",
        "domestic violence", "homicide", "murder", "attempted murder", "manslaughter", "rape", "sexual assault",
        "sexual offence", "sexual offense", "threat", "threats", "unlawful threat", "shooting", "stabbing",
        "misshandel", "grov misshandel", "ringa misshandel", "våld", "våldsbrott", "mord", "försök till mord",
        "dråp", "våldtäkt", "sexualbrott", "sexuellt ofredande", "olaga hot", "hot", "skottlossning",
    ),
    "robbery": (
        "mugging", "armed robbery", "street robbery", "personal robbery", "aggravated robbery", "carjacking",
        "grovt rån", "personrån", "väpnat rån", "butiksrån", "försök till rån",
    ),
    "theft": (
        "burglary", "residential burglary", "break in", "housebreaking", "shoplifting", "pickpocketing",
        "pickpocket", "bicycle theft", "bike theft", "car theft", "vehicle theft", "theft from vehicle",
        "theft from car", "larceny", "stöld", "grov stöld", "ringa stöld", "inbrott", "bostadsinbrott",
        "lägenhetsinbrott", "villainbrott", "snatteri", "cykelstöld", "fickstöld", "bilstöld", "biltillgrepp",
        "stöld ur bil", "stöld ur fordon", "tillgrepp", "tillgreppsbrott",
    ),
    "vandalism": (
        "criminal damage", "damage", "property damage", "graffiti", "tagging", "skadegörelse",
        "grov skadegörelse", "skadegörelsebrott", "klotter", "åverkan",
    ),
    "drugs": (
        "drug", "drug offence", "drug offense", "drug crime", "drug possession", "drug dealing",
        "drug trafficking", "narcotics", "narcotics offence", "narkotikabrott", "ringa narkotikabrott",
        "grovt narkotikabrott", "narkotikainnehav",
    ),
    "other": (
        "fraud", "traffic", "traffic offence", "traffic offense", "drink driving", "drunk driving", "fire",
        "arson", "disturbance", "public disorder", "disorderly conduct", "noise", "weapons", "weapons offence",
        "bedrägeri", "trafikbrott", "rattfylleri", "brand", "anlagd brand", "mordbrand", "ordningsstörning",
        "störning", "fylleri", "vapenbrott", "övriga brott",
    ),
}


CATEGORY_CLASSES: dict[str, str] = {category_word(word): cls for cls, words in CATEGORY_WORDS.items()
                                    for word in words}



def cell_size_m(z: int) -> int:
    """The grid cell for a zoom level: about 24 cells across a tile, never finer than 250 m (finer cells would
    point at single addresses), never coarser than the coarsest kept."""
    ground_m = 40_075_016.686 * 0.51 / 2**z  # a tile's width on the ground at Stockholm's latitude (cos 59.3°)
    return next((size for size in CELL_SIZES_M if size >= ground_m / 24), CELL_SIZES_M[-1])


DEFINITION = LayerDefinition(
    rules=CrimeRules(),
    slug="crime",
    hazard="crime",
    kind="vector",
    geometry="point",
    stores_features=False,
    title=N_("Crime: reported incidents"),
    check_title=N_("Crime and insecurity"),
    description=N_("Reported incidents, as counts per grid cell (at least 5 per cell); points for authorised roles "
                   "only."),
    classes=(
        LayerClass("violence", N_("Violence"), "#e41a1c"),
        LayerClass("robbery", N_("Robbery"), "#984ea3"),
        LayerClass("theft", N_("Theft"), "#ff7f00"),
        LayerClass("vandalism", N_("Vandalism"), "#a65628"),
        LayerClass("drugs", N_("Drugs"), "#4daf4a"),
        LayerClass("other", N_("Other"), "#999999"),
    ),
    class_fields=("category", "kategori", "class"),
    category_words=CATEGORY_WORDS,
    queryables=("class",),
    demo=crime_incidents,
)
