"""The words and colours of situation pictures, for pages, exports and reports alike: topics, statuses, kinds of
annotation, measures and severities (msgids; translated where they are shown)."""
from __future__ import annotations

from webapp.i18n import N_

TOPIC_NAMES = {"accidents": N_("Accidents"), "crime": N_("Crime"), "threats": N_("Threats and violence against staff"),
               "extremism": N_("Violent extremism"), "other": N_("Other")}
STATUS_NAMES = {"draft": N_("Draft"), "submitted": N_("Submitted"), "returned": N_("Returned"),
                "accepted": N_("Accepted")}
# A district's picture as the city view shows it: its status, or that it is missing or not published to the user.
CELL_NAMES = STATUS_NAMES | {"missing": N_("Missing"), "not_published": N_("Not published")}
KIND_NAMES = {"hotspot": N_("Hotspot"), "incident_area": N_("Incident area"), "measure": N_("Measure"),
              "risk_object": N_("Risk object"), "observation": N_("Observation")}
MEASURE_TYPE_NAMES = {"situational": N_("Situational prevention"), "social": N_("Social prevention")}
MEASURE_STATUS_NAMES = {"planned": N_("Planned"), "started": N_("Started"), "done": N_("Done")}
SEVERITY_NAMES = {1: N_("1 – low"), 2: N_("2 – moderate"), 3: N_("3 – high"), 4: N_("4 – very high")}
KIND_COLOURS = {"hotspot": "#b2182b", "incident_area": "#d6604d", "measure": "#2166ac", "risk_object": "#762a83",
                "observation": "#4d4d4d"}
