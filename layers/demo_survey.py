"""A small demo safety survey: per district and year, the share who feel unsafe outdoors late at night in their
area and the share worried about crime, with sample sizes and a population; generated, marked as demo."""
from __future__ import annotations

import numpy as np

DEMO_SURVEY_SOURCE = "Riskkartas demonstrationsdata: genererad trygghetsmätning, inte verklig"
INDICATORS = {
    "unsafe_outdoors_night": "Andel som känner sig ganska eller mycket otrygga ute sent en kväll i sitt område",
    "worried_about_crime": "Andel som ganska eller mycket ofta är oroliga för att utsättas för brott",
}


def survey_rows(districts: list[tuple[str, float, float]], years: tuple[int, ...] = (2024, 2025),
                seed: int = 18) -> list[dict]:
    """Rows for the survey import from (code, area in km², incidents per 1,000 residents) per district: the
    indicators follow recorded crime loosely, with noise, and two districts (the first two by code) stray from it
    on purpose so that the divergence flag has something to show."""
    rng = np.random.default_rng(seed)
    rates = np.array([rate for _, _, rate in districts]) if districts else np.zeros(0)
    spread = rates.std() or 1.0
    rows = []
    ordered = sorted(districts, key=lambda d: (len(d[0]), d[0]))
    strays = {ordered[0][0]: 14.0, ordered[1][0]: -18.0} if len(ordered) > 2 else {}
    for code, area_km2, rate in districts:
        population = int(round(max(area_km2, 0.5) * rng.uniform(3_000, 9_000), -2))
        for year in years:
            base = 18.0 + 8.0 * (rate - rates.mean()) / spread + strays.get(code, 0.0)
            for indicator, question in INDICATORS.items():
                shift = 0.0 if indicator == "unsafe_outdoors_night" else -6.0
                value = float(np.clip(base + shift + rng.normal(0, 1.5), 2.0, 80.0))
                rows.append({"district": code, "year": year, "indicator": indicator, "question": question,
                             "value": round(value, 1), "sample_size": int(rng.integers(250, 1200)),
                             "population": population, "source": f"Trygghetsmätningen {year} (demo)"})
    return rows
