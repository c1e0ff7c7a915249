"""What a site check finds, as frozen dataclasses: the one object the JSON API, the report page and the PDF
serialise. `to_json` gives the stored and served form; `from_json` reads a saved check back."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from layers.rules import LEVELS, NO_DATA

Bilingual = Mapping[str, str]  # {"sv": ..., "en": ...}


@dataclass(frozen=True)
class Measure:
    """One measured value behind a verdict, with its unit ("m", "°C", "share", "count", "ratio", ... or None)."""

    key: str
    value: Any
    unit: str | None = None


@dataclass(frozen=True)
class LayerRef:
    """The layer and version a verdict was made from."""

    slug: str
    version: int
    updated: str
    source: str
    demo: bool

    def to_json(self) -> dict[str, Any]:
        return {"slug": self.slug, "version": self.version, "updated": self.updated, "source": self.source,
                "demo": self.demo}

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> LayerRef | None:
        if not data:
            return None
        return cls(data["slug"], data["version"], data.get("updated", ""), data.get("source", ""),
                   bool(data.get("demo")))


@dataclass(frozen=True)
class SourceNote:
    """Where one value of a verdict's rule comes from, and whether it was checked against it."""

    what: Bilingual
    citation: str
    verified: bool

    def to_json(self) -> dict[str, Any]:
        return {"what": dict(self.what), "citation": self.citation, "verified": self.verified}


@dataclass(frozen=True)
class Verdict:
    """One hazard's verdict: the level, the measured values, the rule and its source, the layer, a sentence."""

    hazard: str
    title: Bilingual
    level: str
    measures: tuple[Measure, ...]
    rule: Bilingual
    source: str
    source_verified: bool
    layer: LayerRef | None
    sentence: Bilingual
    sources: tuple[SourceNote, ...] = ()  # each value of the rule by what backs it; `source` joins their citations
    advice: Bilingual = field(default_factory=dict)  # what the planner should do next, in the rule's terms

    @property
    def values(self) -> dict[str, Any]:
        return {m.key: m.value for m in self.measures}

    def value(self, key: str, default: Any = None) -> Any:
        return next((m.value for m in self.measures if m.key == key), default)

    def to_json(self) -> dict[str, Any]:
        return {"hazard": self.hazard, "title": dict(self.title), "level": self.level, "values": self.values,
                "units": {m.key: m.unit for m in self.measures if m.unit}, "rule": dict(self.rule),
                "source": self.source, "source_verified": self.source_verified,
                "layer": self.layer.to_json() if self.layer else None, "sentence": dict(self.sentence),
                "sources": [n.to_json() for n in self.sources], "advice": dict(self.advice)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Verdict:
        units = data.get("units") or {}
        measures = tuple(Measure(k, v, units.get(k)) for k, v in (data.get("values") or {}).items())
        notes = tuple(SourceNote(n.get("what") or {}, n.get("citation", ""), bool(n.get("verified")))
                      for n in data.get("sources") or ())
        if not notes and data.get("source"):  # a check saved before its sources were told apart
            notes = (SourceNote({}, data["source"], bool(data.get("source_verified"))),)
        return cls(data["hazard"], data.get("title") or {}, data["level"], measures, data.get("rule") or {},
                   data.get("source") or "", bool(data.get("source_verified")), LayerRef.from_json(data.get("layer")),
                   data.get("sentence") or {}, notes, data.get("advice") or {})


@dataclass(frozen=True)
class Site:
    """The area checked: kind ("point" with a buffer, or "polygon"), its size, GeoJSON (WGS 84) and how it came."""

    kind: str
    buffer_m: float | None
    area_m2: float
    geometry: dict[str, Any]
    given: dict[str, Any]
    centroid: tuple[float, float]
    how: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "buffer_m": self.buffer_m, "area_m2": self.area_m2, "geometry": self.geometry,
                "given": self.given, "centroid": list(self.centroid), "how": self.how}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Site:
        return cls(data["kind"], data.get("buffer_m"), float(data.get("area_m2") or 0), data["geometry"],
                   data.get("given") or {}, tuple(data.get("centroid") or (0.0, 0.0)), data.get("how") or {})


@dataclass(frozen=True)
class LandUse:
    group: str
    label: Bilingual
    vulnerable: tuple[str, ...]
    vulnerable_labels: tuple[Bilingual, ...]

    def to_json(self) -> dict[str, Any]:
        return {"group": self.group, "label": dict(self.label), "vulnerable": list(self.vulnerable),
                "vulnerable_labels": [dict(v) for v in self.vulnerable_labels]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LandUse:
        return cls(data.get("group", ""), data.get("label") or {}, tuple(data.get("vulnerable") or ()),
                   tuple(data.get("vulnerable_labels") or ()))


@dataclass(frozen=True)
class DistrictHit:
    code: str
    name: str
    committee: str

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name, "committee": self.committee}


@dataclass(frozen=True)
class Change:
    """What a re-run changed for one hazard."""

    hazard: str
    title: Bilingual
    level_before: str
    level_after: str
    version_before: int | None
    version_after: int | None
    sentence_before: Bilingual
    sentence_after: Bilingual

    def to_json(self) -> dict[str, Any]:
        return {"hazard": self.hazard, "title": dict(self.title), "level_before": self.level_before,
                "level_after": self.level_after, "version_before": self.version_before,
                "version_after": self.version_after, "sentence_before": dict(self.sentence_before),
                "sentence_after": dict(self.sentence_after)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Change:
        return cls(data["hazard"], data.get("title") or {}, data["level_before"], data["level_after"],
                   data.get("version_before"), data.get("version_after"), data.get("sentence_before") or {},
                   data.get("sentence_after") or {})


def overall(levels: list[str]) -> str:
    """The worst known level; no data only when no hazard has data."""
    known = [lv for lv in levels if lv in LEVELS]
    return max(known, key=LEVELS.index) if known else NO_DATA


@dataclass(frozen=True)
class CheckResult:
    """A whole check: the site, the land use, the districts, a verdict per hazard and what they rest on."""

    site: Site
    land_use: LandUse
    districts: tuple[DistrictHit, ...]
    situation_pictures: dict[str, Any]
    verdicts: tuple[Verdict, ...]
    layer_versions: dict[str, int]
    timings_ms: dict[str, float] = field(default_factory=dict)
    changes: tuple[Change, ...] | None = None  # set on a re-run

    @property
    def overall(self) -> str:
        return overall([v.level for v in self.verdicts])

    @property
    def drivers(self) -> tuple[Verdict, ...]:
        """The verdicts at the overall level (what drives it), when that level is above low."""
        level = self.overall
        if level not in LEVELS or level == LEVELS[0]:
            return ()
        return tuple(v for v in self.verdicts if v.level == level)

    @property
    def next_steps(self) -> tuple[Verdict, ...]:
        """The verdicts with advice, worst first: what the planner should do next."""
        ranked = [v for v in self.verdicts if v.advice and v.level in LEVELS[1:]]
        return tuple(sorted(ranked, key=lambda v: -LEVELS.index(v.level)))

    def verdict(self, hazard: str) -> Verdict | None:
        return next((v for v in self.verdicts if v.hazard == hazard), None)

    def to_json(self) -> dict[str, Any]:
        body = {"site": self.site.to_json(), "land_use": self.land_use.to_json(),
                "districts": [d.to_json() for d in self.districts], "situation_pictures": self.situation_pictures,
                "hazards": [v.to_json() for v in self.verdicts], "overall": self.overall,
                "layer_versions": dict(self.layer_versions), "timings_ms": dict(self.timings_ms)}
        if self.changes is not None:
            body["changes"] = [c.to_json() for c in self.changes]
        return body

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CheckResult:
        changes = data.get("changes")
        return cls(Site.from_json(data["site"]), LandUse.from_json(data.get("land_use") or {}),
                   tuple(DistrictHit(d["code"], d["name"], d["committee"]) for d in data.get("districts") or ()),
                   data.get("situation_pictures") or {}, tuple(Verdict.from_json(h) for h in data.get("hazards") or ()),
                   data.get("layer_versions") or {}, data.get("timings_ms") or {},
                   None if changes is None else tuple(Change.from_json(c) for c in changes))


@dataclass(frozen=True)
class SavedCheck:
    """A stored check: its id, when it was made, the planner's reference and title, and the result."""

    id: int | None
    created_at: datetime | None
    reference: str | None
    title: str | None
    inputs: dict[str, Any]
    result: CheckResult
    rerun_of: int | None
    outdated_layers: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "created_at": self.created_at.isoformat() if self.created_at else None,
                "reference": self.reference, "title": self.title, "rerun_of": self.rerun_of,
                **self.result.to_json(), "outdated_layers": list(self.outdated_layers)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SavedCheck:
        """A check as the API serves it (what `to_json` gives, links ignored)."""
        created = data.get("created_at")
        return cls(data.get("id"), datetime.fromisoformat(created) if created else None, data.get("reference"),
                   data.get("title"), data.get("inputs") or {}, CheckResult.from_json(data), data.get("rerun_of"),
                   tuple(data.get("outdated_layers") or ()))
