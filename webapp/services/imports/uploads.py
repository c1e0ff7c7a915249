"""What a web upload of an import brings: the file (kept under the data folder with a safe name, size-capped) and
the options the CLI takes for its target, checked here into the worker's arguments (imports/worker.py)."""
from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from layers import registry
from webapp.errors import ProblemError

# The options of each kind of target, named as the CLI's (`riskkarta import … --name-field` → name_field).
OPTIONS = {
    "districts": ("layer", "name_field", "code_field", "committee_field", "encoding", "source", "replace", "repair"),
    "layer": ("layer", "class_field", "default_class", "encoding", "crs", "source", "licence", "repair",
              "temperature"),
    "survey": ("source", "encoding"),
}
FLAGS = frozenset({"replace", "repair"})
CHOICES = {"temperature": ("surface", "air")}
MAX_OPTION_CHARS = 500
MAX_NAME_CHARS = 120
_UNSAFE = re.compile(r"[^\w.\-]+")


@dataclass(frozen=True)
class Upload:
    """A file as the request brings it: the name the browser gave and its bytes to read."""

    filename: str
    stream: BinaryIO


def job_of(target: str) -> str:
    """The worker job of an import target: "districts", "survey" or a layer's slug ("layer"); 422 otherwise."""
    if target in ("districts", "survey"):
        return target
    if registry.get(target) is not None:
        return "layer"
    known = ", ".join(targets())
    said = f"There is nothing called {target[:60]!r} to import into" if target else "Say what to import into"
    raise ProblemError(422, "unknown-target", "Unknown import target", f"{said}; the targets are {known}.",
                       pointer="target")


def targets() -> list[str]:
    """What a file can be imported into: the districts, every layer, the safety survey."""
    return ["districts", *registry.LAYERS, "survey"]


def checked_options(job: str, given: Mapping[str, str]) -> dict[str, Any]:
    """The options given for a `job` import, empty ones left out; 422 for one the target does not take."""
    found: dict[str, Any] = {}
    for name, raw in given.items():
        value = raw.strip()
        if not value:
            continue
        if name not in OPTIONS[job]:
            raise ProblemError(422, "unknown-option", "Unknown option",
                               f"An import of this target takes no {name[:40]!r}; it takes {', '.join(OPTIONS[job])}.",
                               pointer=name[:40])
        if len(value) > MAX_OPTION_CHARS:
            raise ProblemError(422, "invalid-option", "Invalid option",
                               f"{name} is {len(value):,} characters long; at most {MAX_OPTION_CHARS}.", pointer=name)
        if name in FLAGS:
            if value.lower() not in ("on", "true", "1", "yes", "off", "false", "0", "no"):
                raise ProblemError(422, "invalid-option", "Invalid option",
                                   f"{name} is a flag: true or false, not {value[:20]!r}.", pointer=name)
            if value.lower() in ("on", "true", "1", "yes"):
                found[name] = True
        elif name in CHOICES and value not in CHOICES[name]:
            raise ProblemError(422, "invalid-option", "Invalid option",
                               f"{name} is {' or '.join(CHOICES[name])}, not {value[:20]!r}.", pointer=name)
        else:
            found[name] = value
    return found


def safe_name(name: str) -> str:
    """A file name that names nothing else: no folder parts, no leading dot, only letters, digits, `.`, `-` and `_`
    (the suffix kept: the importers read the format from it)."""
    base = unicodedata.normalize("NFC", re.split(r"[/\\]", name or "")[-1])
    base = _UNSAFE.sub("_", base).strip("._") or "upload"
    if len(base) > MAX_NAME_CHARS:
        stem, suffix = os.path.splitext(base)
        base = stem[:MAX_NAME_CHARS - len(suffix[:20])] + suffix[:20]
    return base


def save(folder: Path, upload: Upload, max_bytes: int) -> Path:
    """Write `upload` into `folder` (made here, readable by this user only), at most `max_bytes`; 413 past that,
    400 for an empty file."""
    folder.mkdir(parents=True, mode=0o700)
    path = folder / safe_name(upload.filename)
    written = 0
    with open(path, "xb") as out:
        while chunk := upload.stream.read(1 << 20):
            written += len(chunk)
            if written > max_bytes:
                raise ProblemError(413, "too-large", "Upload too large",
                                   f"{path.name} is larger than the {max_bytes:,} bytes an upload may be "
                                   "(RISKKARTA_MAX_UPLOAD_BYTES).")
            out.write(chunk)
    if written == 0:
        raise ProblemError(400, "empty-file", "Empty file", f"{path.name} is empty; choose the file to import.",
                           pointer="file")
    return path


def worker_arguments(job: str, target: str, path: Path, options: dict[str, Any], *, data_dir: Path,
                     category_map: Path | None, actor: str) -> dict[str, Any]:
    """What imports/worker.py's job `job` takes, as the CLI passes it."""
    if job == "districts":
        return {"file": path, "options": options, "actor": actor}
    if job == "survey":
        return {"file": path, "source": options.get("source"), "encoding": options.get("encoding"), "actor": actor}
    from webapp.services import hazards

    layer_options = hazards.ImportOptions(
        source=options.get("source"), licence=options.get("licence", ""), layer=options.get("layer"),
        class_field=options.get("class_field"), default_class=options.get("default_class"),
        encoding=options.get("encoding"), crs=options.get("crs"), repair=options.get("repair", False),
        data_dir=data_dir, category_map=category_map, temperature=options.get("temperature"))
    hazards.evaluator(target).import_metadata(layer_options)  # an option the layer does not take: refused now
    return {"slug": target, "file": path, "options": layer_options, "actor": actor}
