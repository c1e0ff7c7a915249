"""Files the tests write for the importers."""
import zipfile
from pathlib import Path


def zip_shapefile(shp: Path, *, with_prj: bool = True) -> Path:
    """Zip a Shapefile's parts (optionally without its .prj) the way a municipality would send them."""
    archive = shp.with_suffix(".zip")
    with zipfile.ZipFile(archive, "w") as zf:
        for part in shp.parent.glob(f"{shp.stem}.*"):
            if part.suffix != ".zip" and (with_prj or part.suffix != ".prj"):
                zf.write(part, part.name)
    return archive
