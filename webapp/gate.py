"""The one input gate: every request passes here before a view, a service, GEOS or SQL sees it.

- The address: at most `MAX_URL` characters, no parameter given twice, no NUL, control or bidirectional-override
  character in a name or value, `lang` one of the languages.
- A JSON body (`json_body`): a JSON media type (a `text/plain` body is never read as JSON: that is how a
  cross-site form smuggles a write), at most `Settings.max_json_bytes`, strict UTF-8, no NaN or Infinity, no
  duplicate keys, nesting at most `MAX_DEPTH` levels, and every key and string free of NUL, lone surrogates, control
  characters (tab and line breaks allowed) and bidirectional overrides.
- A write from a browser must come from our own origin (Origin / Sec-Fetch-Site), whatever its media type; the
  session's CSRF token is checked on top of that (webapp/auth.py).
- A file upload (multipart/form-data) only where a view is marked `takes_uploads` (the administrator's imports); any
  other address answers 415 without reading the body. An upload's fields are read by the view after its access
  check (`form_fields`), so a request that may not upload is never spooled to disk.

Every refusal is a 4xx problem+json (or the error page, for a browser on a page) saying what to change."""
from __future__ import annotations

import json
import re
from typing import Any

from flask import Flask, current_app, request

from webapp.errors import ProblemError, respond

MAX_URL = 4_096
MAX_DEPTH = 24
JSON_TYPES = frozenset({"application/json", "application/geo+json"})
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# C0 controls but tab, line feed and carriage return; DEL and the C1 controls; bidirectional embeddings, overrides
# and isolates (the "Trojan source" characters); lone UTF-16 surrogates, which no UTF-8 text can hold.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_ADDRESS_FORBIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_LANG = re.compile(r"(sv|en)(?:[-_][a-z0-9]{1,8})*", re.IGNORECASE)


def bad(detail: str, *, status: int = 400, type_: str = "bad-request", title: str = "Bad request",
        **extra) -> ProblemError:
    return ProblemError(status, type_, title, detail, **extra)


def describe(char: str) -> str:
    """A character as a person can find it in their data: U+202E, the NUL character (U+0000)."""
    return "the NUL character (U+0000)" if char == "\x00" else f"the character U+{ord(char):04X}"


def refuse_characters(value: str, where: str) -> None:
    """400 when `value` holds a character no text here may contain; `where` names it (a pointer or parameter)."""
    found = _FORBIDDEN.search(value)
    if found:
        raise bad(f"{where} holds {describe(found.group())}, a control, bidirectional-override or "
                  "unpaired surrogate character that no text here may contain.", type_="forbidden-character",
                  title="Forbidden character", pointer=where)


def _settings():
    return current_app.extensions["riskkarta.settings"]


def _check_address() -> None:
    path = request.full_path
    if len(path) > MAX_URL:
        raise bad(f"The address is {len(path):,} characters long; the service reads at most {MAX_URL:,}.",
                  status=414, type_="uri-too-long", title="URI too long")
    found = _ADDRESS_FORBIDDEN.search(request.path)
    if found:
        raise bad(f"The address holds {describe(found.group())}, which no name here contains.")
    for name in request.args:
        values = request.args.getlist(name)
        if len(values) > 1:
            raise bad(f"The parameter {name[:40]!r} is given {len(values)} times; give it once (several values "
                      "go in one, comma-separated where the parameter takes a list).", type_="repeated-parameter",
                      title="Repeated parameter", parameter=name[:40])
        for text, what in ((name, "A parameter name"), (values[0], f"The parameter {name[:40]!r}")):
            found = _ADDRESS_FORBIDDEN.search(text)
            if found:
                raise bad(f"{what} holds {describe(found.group())}, which no name or value here "
                          "contains.", type_="forbidden-character", title="Forbidden character")
    lang = request.args.get("lang")
    if lang is not None and lang != "" and not _LANG.fullmatch(lang.strip()):
        raise bad(f"lang is sv (svenska) or en (English), not {lang[:20]!r}.", type_="invalid-parameter",
                  title="Invalid lang", parameter="lang")


def _same_origin() -> bool:
    """Whether a write comes from our own pages or from no browser at all (a script, curl, a test client)."""
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None and fetch_site not in ("same-origin", "none"):
        return False
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    if origin == "null":
        return False
    return origin.rstrip("/") == request.host_url.rstrip("/")


def _check_write() -> None:
    if request.method not in WRITES:
        return
    if not _same_origin():
        raise bad("A write must come from this service's own pages: this one came from another site "
                  f"({request.headers.get('Origin') or request.headers.get('Sec-Fetch-Site')}).", status=403,
                  type_="cross-site-write", title="Cross-site write refused")
    if request.mimetype == "multipart/form-data":
        if request.url_rule is None:  # no such address (404) or method (405): routing answers
            return
        if not getattr(current_app.view_functions.get(request.endpoint), "takes_uploads", False):
            raise bad("This address takes no file uploads; send what it reads (JSON, or a form) instead.",
                      status=415, type_="unsupported-media-type", title="Unsupported media type")
        return  # read by the view after its access check: form_fields()
    if request.mimetype == "application/x-www-form-urlencoded":
        _check_form()


def _check_form() -> dict[str, str]:
    found = {}
    for name in request.form:
        values = request.form.getlist(name)
        for text in (name, *values):
            char = _FORBIDDEN.search(text)
            if char:
                raise bad(f"The form field {name[:40]!r} holds {describe(char.group())}, which "
                          "no text here may contain.", type_="forbidden-character", title="Forbidden character")
        found[name] = values[-1]
    return found


def takes_uploads(view):
    """Mark a view as one that reads multipart/form-data (a file upload); every other view refuses it (415)."""
    view.takes_uploads = True
    return view


def form_fields() -> dict[str, str]:
    """An upload's text fields through the gate (no forbidden character, one value per name; 400 otherwise)."""
    for name in request.form:
        if len(request.form.getlist(name)) > 1:
            raise bad(f"The form field {name[:40]!r} is given {len(request.form.getlist(name))} times; give it "
                      "once.", type_="repeated-parameter", title="Repeated parameter", parameter=name[:40])
    return _check_form()


def _refuse_constant(name: str) -> float:
    raise bad(f"The JSON holds the non-finite number {name}; use finite numbers only.", type_="not-json",
              title="Not JSON")


def _pairs(pairs: list[tuple[str, Any]]) -> dict:
    found = dict(pairs)
    if len(found) != len(pairs):
        seen: set[str] = set()
        twice = next(k for k, _ in pairs if k in seen or seen.add(k))
        raise bad(f"The JSON names the member {twice[:40]!r} twice in one object; name each member once.",
                  type_="not-json", title="Not JSON")
    return found


def check_tree(value: Any, max_depth: int = MAX_DEPTH) -> None:
    """Walk a decoded JSON value without recursion: nesting depth, and every key and string's characters."""
    stack: list[tuple[Any, str, int]] = [(value, "", 1)]
    while stack:
        node, pointer, depth = stack.pop()
        if isinstance(node, str):
            refuse_characters(node, pointer or "/")
            continue
        if not isinstance(node, dict | list):
            continue
        if depth > max_depth:
            raise bad(f"The JSON nests arrays or objects more than {max_depth} levels deep (at {pointer}); no "
                      "input here needs that many.", status=422, type_="too-deep", title="Nested too deeply",
                      pointer=pointer)
        if isinstance(node, dict):
            for key, item in node.items():
                child = f"{pointer}/{key.replace('~', '~0').replace('/', '~1')}"
                refuse_characters(key, child)
                stack.append((item, child, depth + 1))
        else:
            stack.extend((item, f"{pointer}/{i}", depth + 1) for i, item in enumerate(node))


def is_json_type(mimetype: str) -> bool:
    return mimetype in JSON_TYPES or (mimetype.startswith("application/") and mimetype.endswith("+json"))


def json_body(*, optional: bool = False, what: str = "a JSON object", max_bytes: int | None = None) -> Any:
    """The request's JSON body through the gate; None when `optional` and there is no body. `max_bytes` lowers the
    configured cap for one endpoint."""
    raw = request.get_data(cache=True)
    if not raw:
        if optional:
            return None
        raise bad(f"Send {what} as the request body (application/json).", type_="missing-body",
                  title="Missing body")
    if not is_json_type(request.mimetype):
        raise bad(f"Send {what} as application/json (or application/geo+json), not "
                  f"{request.mimetype or 'a body without a Content-Type'}.", status=415,
                  type_="unsupported-media-type", title="Unsupported media type")
    limit = min(_settings().max_json_bytes, max_bytes or _settings().max_json_bytes)
    if len(raw) > limit:
        raise bad(f"The body is {len(raw):,} bytes; JSON bodies here are at most {limit:,} bytes.", status=413,
                  type_="too-large", title="Body too large")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise bad(f"The body is not UTF-8 (byte {exc.start:,}).", type_="not-json", title="Not JSON") from None
    try:
        value = json.loads(text, parse_constant=_refuse_constant, object_pairs_hook=_pairs)
    except json.JSONDecodeError as exc:
        raise bad(f"The body is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}.",
                  type_="not-json", title="Not JSON") from None
    except RecursionError:
        raise bad(f"The JSON nests arrays or objects more than {MAX_DEPTH} levels deep; no input here needs that "
                  "many.", status=422, type_="too-deep", title="Nested too deeply") from None
    check_tree(value)
    return value


def init_app(app: Flask) -> None:
    @app.before_request
    def _gate():
        try:
            _check_address()
            _check_write()
        except ProblemError as problem:
            return respond(problem)
        return None
