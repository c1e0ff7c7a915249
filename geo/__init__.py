"""Pure spatial helpers: CRS, GeoJSON parsing, tile maths, raster reads. No Flask, no database."""
