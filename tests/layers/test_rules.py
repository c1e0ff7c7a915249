"""Site-check rules: defaults, overrides from a JSON file, and the helpers that apply them."""
import json

import pytest

from layers.rules import level_at, raise_level, thresholds_text
from layers.site_rules import SiteRules, load_rules


def test_no_file_keeps_the_documented_defaults():
    rules = load_rules(None)
    assert rules == SiteRules()
    assert rules.hazardous_goods.risk_management_distance_m == 150.0
    assert rules.hazardous_goods.source.verified and not rules.hazardous_goods.required_source.verified


def test_a_json_file_changes_only_what_it_names(tmp_path):
    path = tmp_path / "rules.json"
    path.write_text(json.dumps({"hazardous_goods": {"required_distance_m": {"A": 0, "B": 30, "C": 50,
                                                                            "C_vulnerable": 75}},
                                "heat": {"levels": [[29, "moderate"], [32, "high"], [35, "very_high"]]}}))
    rules = load_rules(path)
    assert rules.hazardous_goods.required_distance_m["B"] == 30
    assert rules.heat.levels == ((29, "moderate"), (32, "high"), (35, "very_high"))
    assert rules.flood == SiteRules().flood


def test_an_unknown_setting_is_refused_by_name(tmp_path):
    path = tmp_path / "rules.json"
    path.write_text(json.dumps({"heat": {"max_temperature": 40}}))
    with pytest.raises(ValueError, match="unknown rule setting 'max_temperature' in HeatRules"):
        load_rules(path)


@pytest.mark.parametrize(("value", "level"), [(0.09, "low"), (0.1, "moderate"), (0.29, "moderate"),
                                              (0.3, "high"), (2.0, "very_high")],
                         ids=["below the first threshold", "exactly at it", "just below the second",
                              "exactly at the second", "far above the last"])
def test_levels_count_at_or_above(value, level):
    assert level_at(value, ((0.1, "moderate"), (0.3, "high"), (0.5, "very_high"))) == level


def test_raising_stops_at_very_high_and_texts_read_in_each_language():
    assert raise_level("low") == "moderate" and raise_level("very_high") == "very_high"
    levels = ((0.1, "moderate"), (0.3, "high"))
    assert thresholds_text(levels, " m", "sv") == "≥ 0,1 m måttlig, ≥ 0,3 m hög"
    assert thresholds_text(levels, " m", "en") == "≥ 0.1 m moderate, ≥ 0.3 m high"
