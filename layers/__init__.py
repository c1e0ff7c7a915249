"""Hazard layer definitions, demo generators and importer hooks. Nothing here imports webapp."""
