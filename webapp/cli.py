"""The `riskkarta` command: database, demo data, imports and the server."""
from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from pathlib import Path

import click
from sqlalchemy.orm import Session

from webapp.config import Settings
from webapp.errors import CONVERTERS, ProblemError


@contextmanager
def transaction():
    """One session in one transaction: committed when the block succeeds, rolled back otherwise."""
    from webapp.db import make_engine

    engine = make_engine(Settings.from_env().owner_url)
    try:
        with Session(engine) as session, session.begin():
            yield session
    finally:
        engine.dispose()


def _fail_on_problem(func):
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except ProblemError as exc:
            raise click.ClickException(f"{exc.title}: {exc.detail}") from None
        except tuple(CONVERTERS) as exc:
            found = next(convert(exc) for kind, convert in CONVERTERS.items() if isinstance(exc, kind))
            raise click.ClickException(f"{found.title}: {found.detail}") from None

    wrapper.__name__ = func.__name__
    wrapper.__doc__ = func.__doc__
    return wrapper


@click.group()
def main() -> None:
    """Riskkarta: risk layers and situation pictures on maps."""


@main.group()
def db() -> None:
    """Database schema."""


@db.command("up")
@click.option("--revision", default="head", show_default=True)
def db_up(revision: str) -> None:
    """Apply the migrations up to REVISION, as the owner; then grant the web app's role what the web does."""
    from webapp.db import RoleMissing, grant_web_role, upgrade

    settings = Settings.from_env()
    upgrade(settings.owner_url, revision)
    click.echo(f"database: migrated to {revision}")
    try:
        role = grant_web_role(settings.owner_url, settings.database_url)
    except RoleMissing as exc:
        raise click.ClickException(str(exc)) from None
    if role:
        click.echo(f"database: the web app connects as {role}, which reads every table and writes only its own")


@db.command("down")
@click.argument("revision")
def db_down(revision: str) -> None:
    """Revert the migrations down to REVISION (`base` removes every table)."""
    from webapp.db import downgrade

    downgrade(Settings.from_env().owner_url, revision)
    click.echo(f"database: reverted to {revision}")


@main.group()
def demo() -> None:
    """The demo city (generated, no downloads)."""


@demo.command("load")
@click.option("--if-empty", is_flag=True, help="Only what is missing: districts if none, layers without data.")
@click.option("--resolution", "resolutions", multiple=True, metavar="SLUG=M",
              help="Cell size of a raster layer's demo data in metres, e.g. flood=5 (default: the layer's own; "
                   "flood 2 m, heat 10 m).")
@click.option("--incidents", default=100_000, show_default=True, help="Number of demo crime incidents.")
@click.option("--accidents", default=20_000, show_default=True, help="Number of demo accidents.")
@_fail_on_problem
def demo_load(if_empty: bool, resolutions: tuple[str, ...], incidents: int, accidents: int) -> None:
    """Load the demo city: Stockholm's districts and every hazard layer, all marked as demo data."""
    from webapp.services import demo as demo_service

    settings = Settings.from_env()
    with transaction() as session:
        result = demo_service.load(session, if_empty=if_empty)
        sizes = demo_service.DemoSizes(resolution_m=_resolutions(resolutions), incidents=incidents,
                                           accidents=accidents)
        loaded = demo_service.load_layers(session, settings.data_dir, sizes=sizes, only_missing=if_empty,
                                          say=click.echo)
    if result.skipped:
        click.echo("demo: the database already has districts; left as they are (demo districts never go beside "
                   "real ones: `make clean-db` starts from nothing)")
    else:
        click.echo(f"demo: loaded {result.districts} districts")
    click.echo(f"demo: loaded layers {', '.join(loaded)}" if loaded else "demo: every layer already has data")


def _resolutions(given: tuple[str, ...]) -> dict[str, float]:
    from layers import registry

    found = {}
    for item in given:
        slug, _, metres = item.partition("=")
        definition = registry.get(slug)
        if definition is None or definition.kind != "raster":
            rasters = ", ".join(d.slug for d in registry.LAYERS.values() if d.kind == "raster")
            raise click.ClickException(f"--resolution {item!r}: {slug!r} is not a raster layer ({rasters})")
        try:
            found[slug] = float(metres)
        except ValueError:
            raise click.ClickException(f"--resolution {item!r}: give metres as a number, e.g. {slug}=5") from None
        if not 0.5 <= found[slug] <= 1000:
            raise click.ClickException(f"--resolution {item!r}: from 0.5 to 1000 m")
    return found


@main.group(name="import")
def import_() -> None:
    """Import real data (all or nothing)."""


@import_.command("districts")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--layer", help="Layer to read from a GeoPackage with several layers.")
@click.option("--name-field", help="Field with the district name (default: name, namn, sdn_namn, ...).")
@click.option("--code-field", help="Field with the district code (default: code, kod, adm_id; else from the name).")
@click.option("--committee-field", help="Field with the committee (default: '<name> stadsdelsnämnd').")
@click.option("--encoding", help="Attribute encoding when the file does not declare it (e.g. cp1252).")
@click.option("--source", help="Source text stored with each district.")
@click.option("--replace", is_flag=True,
              help="Remove real districts that are not in the file (demo districts are always replaced).")
@click.option("--repair", is_flag=True, help="Repair invalid polygons instead of refusing the file.")
@_fail_on_problem
def import_districts(file: Path, **options) -> None:
    """Import district areas from GeoJSON, GeoPackage or a zipped Shapefile, in any declared CRS."""
    from webapp.services.imports import summary

    result = _in_worker("districts", "districts", file=file, options=options)
    for line in summary.districts_lines(file.name, result):
        click.echo(line)


@import_.command("layer")
@click.argument("slug")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--layer", "source_layer", help="Layer to read from a GeoPackage with several layers.")
@click.option("--class-field", help="Attribute holding the class (default: the layer's usual names).")
@click.option("--default-class", help="Class for features without one (vector layers).")
@click.option("--encoding", help="Attribute encoding when the file does not declare it.")
@click.option("--crs", help="CRS of x/y columns in an incident CSV (default EPSG:3006).")
@click.option("--source", help="Source text shown with the layer.")
@click.option("--licence", default="", help="Licence of the data.")
@click.option("--repair", is_flag=True, help="Repair invalid geometries instead of refusing the file.")
@click.option("--category-map", type=click.Path(path_type=Path), metavar="MAP",
              help="Incident categories to classes: a CSV of two columns (source value, class) or a JSON object.")
@click.option("--temperature", type=click.Choice(["surface", "air"]),
              help="Heat only: the raster holds land-surface temperature (the default; judged against the city) "
                   "or air temperature (judged by SMHI's warning levels).")
@_fail_on_problem
def import_layer(slug: str, file: Path, source_layer: str | None, class_field: str | None,
                 default_class: str | None, encoding: str | None, crs: str | None, source: str | None, licence: str,
                 repair: bool, category_map: Path | None, temperature: str | None) -> None:
    """Replace a hazard layer's data with FILE: GeoJSON, GeoPackage or zipped Shapefile for vector layers,
    GeoTIFF for rasters, CSV for crime incidents and accidents. All or nothing; the layer version goes up."""
    from webapp.services import catalog, hazards

    catalog.definition_or_404(slug)
    options = hazards.ImportOptions(source=source, licence=licence, layer=source_layer, class_field=class_field,
                                    default_class=default_class, encoding=encoding, crs=crs, repair=repair,
                                    data_dir=Settings.from_env().data_dir, category_map=category_map,
                                    temperature=temperature)
    hazards.evaluator(slug).import_metadata(options)  # an option the layer does not take: refused before any work

    @contextmanager
    def progress(length: int, label: str):
        with click.progressbar(length=length, label=label, file=sys.stderr) as bar:
            yield bar.update

    from webapp.services.imports import summary

    result = _in_worker("layer", slug, progress=progress, slug=slug, file=file, options=options)
    for line in summary.layer_lines(slug, result):
        click.echo(line)


@import_.command("survey")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--source", help="Where the results come from, for rows without a source column.")
@click.option("--encoding", help="The CSV's encoding when it is not UTF-8 (e.g. cp1252).")
@_fail_on_problem
def import_survey(file: Path, source: str | None, encoding: str | None) -> None:
    """Safety-survey results per district and year from a CSV: district (code or name), year, indicator,
    question, value (per cent) and optionally sample_size, population, source. All or nothing; a district, year
    and indicator imported again is replaced."""
    result = _in_worker("survey", "survey", file=file, source=source, encoding=encoding)
    click.echo(result.summary())


def _in_worker(job: str, lock: str, **kwargs):
    """An import in its own worker process, with the configured memory and time limits (imports/worker.py)."""
    from webapp.services.imports import worker

    settings = Settings.from_env()
    limits = worker.Limits(memory_mb=settings.import_memory_mb, timeout_s=settings.import_timeout_s)
    return worker.run(job, lock, database_url=settings.owner_url, limits=limits, **kwargs)


@main.group()
def hotspots() -> None:
    """Computed hotspots (Getis-Ord Gi* per grid cell); recomputed after every incident import."""


@hotspots.command("compute")
@click.option("--layer", default="crime", show_default=True, type=click.Choice(["crime", "accidents"]),
              help="The incident layer.")
@click.option("--period", "periods", multiple=True, metavar="PERIOD",
              help="12m (the last 12 months of data), a year (2026) or a tertial (2026-2); default: all of them.")
@click.option("--category", "categories", multiple=True, metavar="CLASS",
              help="An incident class (e.g. violence) or 'all'; default: all, and each class.")
@click.option("--band", "bands", multiple=True, type=click.Choice(["all", "night", "morning", "afternoon",
                                                                   "evening", "weekday", "weekend"]),
              help="Time band (the bands cover the last 12 months); default: every band.")
@click.option("--grid", "shape", type=click.Choice(["hex", "square"]), default="hex", show_default=True)
@click.option("--cell", "cell_m", type=float, default=250.0, show_default=True,
              help="Cell size in metres (a hexagon has the area of a square of this side).")
@click.option("--distance-band", "band_m", type=float, default=500.0, show_default=True,
              help="Neighbourhood: cells whose centres lie within this many metres.")
@_fail_on_problem
def hotspots_compute(layer: str, periods: tuple[str, ...], categories: tuple[str, ...], bands: tuple[str, ...],
                     shape: str, cell_m: float, band_m: float) -> None:
    """Recompute the hotspots of an incident layer (crime or accidents) and store each run with its parameters."""
    from webapp.services.hotspots import compute

    with transaction() as session:
        outcome = compute.compute(session, layer=layer, parameters=compute.checked_parameters(shape, cell_m, band_m),
                                  periods=list(periods) or None, categories=list(categories) or None,
                                  bands=list(bands) or None)
    click.echo(outcome.summary())


@main.group()
def users() -> None:
    """Accounts: who may sign in, with which role (and districts, for committee members)."""


@users.command("add")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice(["viewer", "committee", "city", "admin"]))
@click.option("--district", "district_codes", multiple=True, metavar="CODE", help="A committee member's district.")
@click.option("--name", help="The person's name.")
@click.option("--password-stdin", is_flag=True,
              help="Read a local password from standard input (without one the user signs in through the IdP).")
@_fail_on_problem
def users_add(email: str, role: str, district_codes: tuple[str, ...], name: str | None, password_stdin: bool) -> None:
    """Add a user: `riskkarta users add EMAIL --role committee --district CODE…`."""
    from webapp.services import accounts

    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    with transaction() as session:
        user = accounts.add_user(session, email, role, districts=district_codes, password=password, name=name,
                                 actor="cli")
    how = "a local password" if password else "the identity provider only"
    where = f" of {', '.join(user.districts)}" if user.districts else ""
    click.echo(f"users: {user.email} added as {user.role}{where}; signs in with {how}")


@users.command("list")
def users_list() -> None:
    """The users, their roles and districts."""
    from webapp.services import accounts

    with transaction() as session:
        found = accounts.list_users(session)
    for user in found:
        flags = ", ".join(f for f, on in (("demo", user.is_demo), ("inactive", not user.active),
                                          ("local password", user.has_password)) if on)
        click.echo(f"{user.email}\t{user.role}\t{','.join(user.districts) or '-'}\t{flags}")
    if not found:
        click.echo("users: none yet; add one with `riskkarta users add EMAIL --role ROLE`")


@users.command("password")
@click.argument("email")
@_fail_on_problem
def users_password(email: str) -> None:
    """Set a user's local password (read from standard input)."""
    from webapp.services import accounts

    with transaction() as session:
        accounts.set_password(session, email, sys.stdin.readline().rstrip("\n"), actor="cli")
    click.echo(f"users: password of {email.lower()} set")


@users.command("remove-demo")
def users_remove_demo() -> None:
    """Remove the demo accounts (their passwords are published): needed before RISKKARTA_ENV=production."""
    from webapp.services import accounts

    with transaction() as session:
        removed = accounts.remove_demo_users(session, actor="cli")
    click.echo(f"users: {removed} demo accounts removed")


@main.group()
def tokens() -> None:
    """Bearer tokens for scripts (`Authorization: Bearer …`): shown once, stored hashed, revocable."""


@tokens.command("create")
@click.argument("email")
@click.option("--name", default="script", show_default=True, help="What the token is for.")
@_fail_on_problem
def tokens_create(email: str, name: str) -> None:
    """Create a token for EMAIL and print it once."""
    from webapp.services.accounts import tokens as service

    with transaction() as session:
        token, token_id = service.create_token(session, email, name, actor="cli")
    click.echo(token)
    click.echo(f"tokens: token {token_id} for {email.lower()}; it is shown only now", err=True)


@tokens.command("list")
@click.argument("email", required=False)
def tokens_list(email: str | None) -> None:
    """The tokens (never the tokens themselves: their first characters)."""
    from webapp.services.accounts import tokens as service

    with transaction() as session:
        found = service.list_tokens(session, email)
    for t in found:
        state = f"revoked {t.revoked_at:%Y-%m-%d}" if t.revoked_at else "active"
        used = f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "never"
        click.echo(f"{t.id}\t{t.email}\t{t.name}\t{t.prefix}…\t{state}\tlast used {used}")


@tokens.command("revoke")
@click.argument("token_id", type=int)
@_fail_on_problem
def tokens_revoke(token_id: int) -> None:
    """Revoke token TOKEN_ID (see `riskkarta tokens list`)."""
    from webapp.services.accounts import tokens as service

    with transaction() as session:
        found = service.revoke_token(session, token_id, actor="cli")
    click.echo(f"tokens: token {found.id} of {found.email} revoked")


@main.command("backup")
@click.argument("target", type=click.Path(file_okay=False, path_type=Path))
@_fail_on_problem
def backup_cmd(target: Path) -> None:
    """Back up the database and the raster folder into a new folder under TARGET, with a manifest of row counts
    and checksums that `riskkarta restore` verifies."""
    from webapp.services import backup

    settings = Settings.from_env()
    done = backup.backup(settings.owner_url, settings.data_dir, target)
    click.echo(f"backup: {done.folder}: {done.tables} tables, {done.rows:,} rows, {done.rasters} rasters; "
               f"{done.seconds} s")


@main.command("restore")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--replace", is_flag=True, help="Drop everything in the database first (it must be empty otherwise).")
@_fail_on_problem
def restore_cmd(folder: Path, replace: bool) -> None:
    """Restore a backup made by `riskkarta backup` into the configured database and data folder, then verify
    every table's rows and checksum and every raster's SHA-256 against its manifest."""
    from webapp.services import backup

    settings = Settings.from_env()
    from webapp.db import RoleMissing, grant_web_role

    done = backup.restore(folder, settings.owner_url, settings.data_dir, replace=replace)
    click.echo(f"restore: {done.folder}: {done.tables} tables, {done.rows:,} rows and {done.rasters} rasters "
               f"restored and verified; {done.seconds} s")
    try:  # a backup carries no privileges: the web app's role gets its own again
        grant_web_role(settings.owner_url, settings.database_url)
    except RoleMissing as exc:
        raise click.ClickException(str(exc)) from None


@main.command()
@click.option("--host", default=lambda: os.environ.get("RISKKARTA_HOST", "127.0.0.1"), show_default="127.0.0.1")
@click.option("--port", default=lambda: int(os.environ.get("RISKKARTA_PORT", "5000")), show_default="5000")
@click.option("--workers", default=2, show_default=True)
def serve(host: str, port: int, workers: int) -> None:
    """Serve the app with gunicorn."""
    click.echo(f"Riskkarta: http://{host}:{port}/", err=True)
    # Threads per worker (webapp/serving.py): tile and API requests mostly wait on PostGIS or disk, not on the GIL.
    args = [sys.executable, "-m", "gunicorn", "-c", "python:webapp.serving", "--bind", f"{host}:{port}",
            "--workers", str(workers), "webapp:create_app()"]
    os.execv(sys.executable, args)


if __name__ == "__main__":
    main()
