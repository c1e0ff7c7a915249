"""The planner's site check: read the input, evaluate every hazard, store and re-run checks.

`evaluate` (check.py) is the one function behind the JSON API, the report page and the PDF; its result is the
typed CheckResult of result.py."""
from webapp.services.site_check import map_data
from webapp.services.site_check.check import evaluate
from webapp.services.site_check.inputs import SiteInput, bad_input, measure, site_input
from webapp.services.site_check.result import CheckResult, SavedCheck, Verdict
from webapp.services.site_check.store import changes, load, outdated, recent, rerun, save, stored_site

__all__ = ["CheckResult", "SavedCheck", "SiteInput", "Verdict", "bad_input", "changes", "evaluate", "load",
           "map_data", "measure", "outdated", "recent", "rerun", "save", "site_input", "stored_site"]
