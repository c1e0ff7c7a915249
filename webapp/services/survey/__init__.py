"""Perceived safety (trygghetsmätningen, Stockholmsenkäten): survey results per district and year imported from
CSV, set beside the crimes recorded there per 1,000 residents, and the districts where the two diverge."""
from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session

from layers.crime import DEFINITION as CRIME
from layers.crime import K_ANONYMITY
from webapp.services.imports import csv_dialect, refused

REQUIRED = ("district", "year", "indicator", "question", "value")
OPTIONAL = ("sample_size", "population", "source")
# A district is flagged when its indicator and its recorded rate, each standardised over the districts, lie at
# least this many standard deviations apart (Riskkarta's default).
DIVERGENCE_SD = 1.5
# The recorded side of the comparison: reported crime only. The other incident layers (accidents) share the
# incident table but say nothing about how safe from crime a district feels.
RECORDED_LAYER = CRIME.slug
MAX_FIELD = 2000
_INDICATOR_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_")


@dataclass(frozen=True)
class SurveyImport:
    rows: int
    districts: int
    years: tuple[int, ...]
    indicators: tuple[str, ...]
    populations: int

    def summary(self) -> str:
        return (f"survey: {self.rows:,} results for {self.districts} districts, years "
                f"{', '.join(map(str, self.years))}, indicators {', '.join(self.indicators)}; "
                f"{self.populations} populations")


def _number(raw: str, line: int, name: str, whole: bool = False) -> float:
    value = (raw or "").strip().replace("\u00a0", "").replace(" ", "").replace(",", ".").rstrip("%")
    try:
        number = float(value)
    except ValueError:
        raise refused(f"Line {line}: {name} {raw!r} is not a number.") from None
    if not math.isfinite(number) or (whole and number != int(number)):
        raise refused(f"Line {line}: {name} {raw!r} is not a {'whole ' if whole else ''}number.")
    return number


def import_rows(session: Session, rows: list[dict], *, source: str | None, is_demo: bool) -> SurveyImport:
    """Store survey rows (dicts of the CSV's columns, `line` for messages); any bad row refuses all of them."""
    districts = {}
    for code, name in session.execute(text("SELECT code, name FROM district")).all():
        districts[code.casefold()] = code
        districts[name.casefold()] = code
    results, populations = {}, {}
    for row in rows:
        line = row.get("line", 0)
        given = (row.get("district") or "").strip()
        code = districts.get(given.casefold())
        if code is None:
            raise refused(f"Line {line}: there is no district {given!r} (give its code or name).")
        year = int(_number(str(row.get("year", "")), line, "year", whole=True))
        if not 1990 <= year <= 2100:
            raise refused(f"Line {line}: year {year} is not a survey year (1990–2100).")
        indicator = (row.get("indicator") or "").strip().lower()
        if not indicator or len(indicator) > 64 or set(indicator) - _INDICATOR_CHARS:
            raise refused(f"Line {line}: indicator {row.get('indicator')!r} is a key of at most 64 letters a–z, "
                          "digits and _ (e.g. unsafe_outdoors_night).")
        question = (row.get("question") or "").strip()
        if not question or len(question) > MAX_FIELD:
            raise refused(f"Line {line}: the question is text of 1 to {MAX_FIELD} characters.")
        value = _number(str(row.get("value", "")), line, "value")
        if not 0 <= value <= 100:
            raise refused(f"Line {line}: value {value:g} is a share in per cent (0–100).")
        sample = row.get("sample_size")
        sample = int(_number(str(sample), line, "sample_size", whole=True)) if str(sample or "").strip() else None
        if sample is not None and sample < 1:
            raise refused(f"Line {line}: sample_size is at least 1.")
        where = (row.get("source") or source or "").strip()
        if not where or len(where) > MAX_FIELD:
            raise refused(f"Line {line}: say where the result comes from (a source column or --source).")
        key = (code, year, indicator)
        if key in results:
            raise refused(f"Line {line}: district {code}, {year}, {indicator} is given twice.")
        results[key] = (question, value, sample, where)
        population = row.get("population")
        if str(population or "").strip():
            people = int(_number(str(population), line, "population", whole=True))
            if people < 1:
                raise refused(f"Line {line}: population is at least 1.")
            if populations.get((code, year), (people,))[0] != people:
                raise refused(f"Line {line}: district {code} has two populations for {year}.")
            populations[(code, year)] = (people, where)
    if not results:
        raise refused("The file has no survey results.")
    session.execute(text("""
        INSERT INTO survey_result (district_code, year, indicator, question, value, sample_size, source, is_demo)
        SELECT * FROM unnest(CAST(:codes AS text[]), CAST(:years AS int[]), CAST(:indicators AS text[]),
                             CAST(:questions AS text[]), CAST(:values AS float8[]), CAST(:samples AS int[]),
                             CAST(:sources AS text[]), CAST(:demo AS bool[]))
        ON CONFLICT (district_code, year, indicator) DO UPDATE SET question = EXCLUDED.question,
            value = EXCLUDED.value, sample_size = EXCLUDED.sample_size, source = EXCLUDED.source,
            is_demo = EXCLUDED.is_demo, imported_at = now()
    """), {"codes": [k[0] for k in results], "years": [k[1] for k in results], "indicators": [k[2] for k in results],
           "questions": [v[0] for v in results.values()], "values": [v[1] for v in results.values()],
           "samples": [v[2] for v in results.values()], "sources": [v[3] for v in results.values()],
           "demo": [is_demo] * len(results)})
    if populations:
        session.execute(text("""
            INSERT INTO district_population (district_code, year, population, source, is_demo)
            SELECT * FROM unnest(CAST(:codes AS text[]), CAST(:years AS int[]), CAST(:people AS int[]),
                                 CAST(:sources AS text[]), CAST(:demo AS bool[]))
            ON CONFLICT (district_code, year) DO UPDATE SET population = EXCLUDED.population,
                source = EXCLUDED.source, is_demo = EXCLUDED.is_demo
        """), {"codes": [k[0] for k in populations], "years": [k[1] for k in populations],
               "people": [v[0] for v in populations.values()], "sources": [v[1] for v in populations.values()],
               "demo": [is_demo] * len(populations)})
    return SurveyImport(len(results), len({k[0] for k in results}), tuple(sorted({k[1] for k in results})),
                        tuple(sorted({k[2] for k in results})), len(populations))


def import_csv(session: Session, path: Path, *, source: str | None = None, encoding: str | None = None,
               is_demo: bool = False) -> SurveyImport:
    """Survey results from a CSV: district (code or name), year, indicator, question, value (per cent) and
    optionally sample_size, population and source; all or nothing."""
    try:
        with open(path, newline="", encoding=encoding or "utf-8-sig") as handle:
            sample = handle.read(4096)
            handle.seek(0)
            reader = csv.DictReader(handle, dialect=csv_dialect(sample))
            header = [h.strip().lower() for h in (reader.fieldnames or [])]
            missing = [c for c in REQUIRED if c not in header]
            if missing:
                raise refused(f"The CSV needs the columns {', '.join(REQUIRED)} (and may have "
                              f"{', '.join(OPTIONAL)}); it lacks {', '.join(missing)}.")
            rows = []
            for line, raw in enumerate(reader, start=2):
                if None in raw:
                    raise refused(f"Line {line}: more fields than the header has columns.")
                rows.append({"line": line, **{k.strip().lower(): (v or "") for k, v in raw.items() if k}})
    except LookupError:
        raise refused(f"--encoding {encoding!r} is not an encoding Python knows (e.g. utf-8, cp1252).") from None
    except UnicodeDecodeError:
        raise refused(f"{path.name} is not {encoding or 'UTF-8'} text; give its encoding with --encoding.") from None
    except csv.Error as exc:
        raise refused(f"{path.name}: {exc}.") from None
    except OSError as exc:
        raise refused(f"{path} cannot be read: {exc.strerror}.") from None
    return import_rows(session, rows, source=source, is_demo=is_demo)


@dataclass(frozen=True)
class DistrictSafety:
    code: str
    name: str
    value: float | None          # the indicator, per cent
    sample_size: int | None
    population: int | None
    incidents: int | None        # recorded in the year; None below k
    rate: float | None           # incidents per 1,000 residents; None without population or below k
    divergence: float | None     # standardised indicator − standardised rate
    flag: str | None             # "less_safe" (feels less safe than recorded crime suggests), "safer", None

    def to_json(self) -> dict:
        return {"district": self.code, "name": self.name, "value": self.value, "sample_size": self.sample_size,
                "population": self.population, "incidents": self.incidents,
                "incidents_per_1000": None if self.rate is None else round(self.rate, 1),
                "divergence": None if self.divergence is None else round(self.divergence, 2), "flag": self.flag}


def indicators(session: Session) -> list[tuple[str, str, list[int]]]:
    """(indicator, its question, the years with results), by indicator."""
    rows = session.execute(text("""
        SELECT indicator, min(question), array_agg(DISTINCT year ORDER BY year DESC) FROM survey_result
        GROUP BY indicator ORDER BY indicator
    """)).all()
    return [(key, question, list(years)) for key, question, years in rows]


def is_demo(session: Session, indicator: str, year: int) -> bool:
    """True when any result of the indicator and year is demo data."""
    return bool(session.execute(text("SELECT bool_or(is_demo) FROM survey_result WHERE indicator = :i AND year = :y"),
                                {"i": indicator, "y": year}).scalar())


def overview(session: Session, indicator: str, year: int) -> list[DistrictSafety]:
    """Every district with the indicator of the year, the crimes recorded in that year per 1,000 residents (the
    crime layer's incidents, not the accidents'), and the divergence flag."""
    rows = session.execute(text("""
        SELECT d.code, d.name, s.value, s.sample_size, p.population,
               (SELECT count(*) FROM incident AS i WHERE i.district_id = d.id AND i.layer = :layer
                  AND i.occurred_at >= make_timestamptz(:year, 1, 1, 0, 0, 0, 'Europe/Stockholm')
                  AND i.occurred_at < make_timestamptz(:year + 1, 1, 1, 0, 0, 0, 'Europe/Stockholm'))
        FROM district AS d
        LEFT JOIN survey_result AS s ON s.district_code = d.code AND s.year = :year AND s.indicator = :indicator
        LEFT JOIN district_population AS p ON p.district_code = d.code AND p.year = :year
        ORDER BY d.name
    """), {"indicator": indicator, "year": year, "layer": RECORDED_LAYER}).all()
    found = []
    for code, name, value, sample, population, count in rows:
        shown = int(count) if count >= K_ANONYMITY else None
        rate = shown * 1000.0 / population if shown is not None and population else None
        found.append([code, name, value, sample, population, shown, rate])
    pairs = [(f[2], f[6]) for f in found if f[2] is not None and f[6] is not None]
    z = _standardiser([v for v, _ in pairs]), _standardiser([r for _, r in pairs])
    result = []
    for code, name, value, sample, population, shown, rate in found:
        divergence = flag = None
        if value is not None and rate is not None and z[0] and z[1]:
            divergence = z[0](value) - z[1](rate)
            if divergence >= DIVERGENCE_SD:
                flag = "less_safe"
            elif divergence <= -DIVERGENCE_SD:
                flag = "safer"
        result.append(DistrictSafety(code, name, value, sample, population, shown, rate, divergence, flag))
    return result


def _standardiser(values: list[float]):
    if len(values) < 3:
        return None
    mean = sum(values) / len(values)
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))
    return (lambda v: (v - mean) / sd) if sd > 0 else None


def load_demo(session: Session, data_dir: Path) -> SurveyImport | None:
    """Generate the demo survey as a CSV under `data_dir` and import it (marked as demo); None without
    districts."""
    from layers.demo_survey import DEMO_SURVEY_SOURCE, survey_rows

    rows = session.execute(text("""
        SELECT d.code, ST_Area(d.geom) / 1e6,
               (SELECT count(*) FROM incident AS i WHERE i.district_id = d.id AND i.layer = :layer)
        FROM district AS d
    """), {"layer": RECORDED_LAYER}).all()
    if not rows:
        return None
    people = {code: max(area, 0.5) * 6000 for code, area, _ in rows}
    generated = survey_rows([(code, float(area), count * 1000.0 / people[code]) for code, area, count in rows])
    path = data_dir / "demo" / "survey.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=[*REQUIRED, "sample_size", "population", "source"])
        writer.writeheader()
        writer.writerows(generated)
    return import_csv(session, path, source=DEMO_SURVEY_SOURCE, is_demo=True)
