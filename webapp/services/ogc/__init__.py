"""OGC API Features as a use case: the collections a role may see and their items (features.py), and the items
request's parameters (query.py). No Flask here; the blueprint in webapp/ogc/ adapts."""
