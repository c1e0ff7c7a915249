"""OGC API as a use case: the collections a role may see (collections.py), their items (features.py), and the
items request's parameters (query.py). No Flask here; the blueprint in webapp/ogc/ adapts."""
