"""Use cases: the only place that combines the database, geo/ and layers/. Returns plain dataclasses."""
