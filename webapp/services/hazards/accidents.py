"""Accidents: the incident layer of traffic injuries, fires, falls, drownings and other unwanted events. Everything
works as for crime (webapp.services.hazards.crime.IncidentLayer): the count near a site against the city's average,
the computed hotspots it touches and the hotspots drawn in accepted accidents pictures; cells for everyone, points
for the cleared roles; the same import and OGC collections."""
from __future__ import annotations

from layers import registry
from webapp.i18n import N_
from webapp.services.hazards.crime import IncidentLayer


class Accidents(IncidentLayer):
    demo_size = "accidents"
    hotspots_id = "accidents-hotspots"
    advice = N_("Plan for safe traffic environments, fire safety and fall prevention (separated cycle and foot paths, "
                "safe crossings, lighting, winter maintenance) and ask the district's safety coordinator about the "
                "accidents situation picture.")
    points_title = N_("Accidents: reported accidents (points)")
    points_description = N_("Reported accidents as points; for the city office and administrators only.")
    cells_title = N_("Accidents: reported accidents per grid cell")
    cells_description = N_("Reported accidents counted per grid cell of 250 m (cell-size=500 … 32000 for coarser "
                           "cells); only cells with at least 5 accidents, so that no single report can be located.")
    hotspots_title = N_("Accidents: computed hotspots (Getis-Ord Gi*)")
    hotspots_description = N_("Hot and cold spots of reported accidents per hexagonal cell of 250 m: the Gi* z-score, "
                              "its p-value, the p-value after the Benjamini–Hochberg correction and the class at a "
                              "confidence of 90, 95 or 99 %; by period, category and time band. A cell's count is "
                              "shown only where it reaches 5.")


EVALUATOR = Accidents(registry.LAYERS["accidents"])
