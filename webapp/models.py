"""SQLAlchemy 2 typed mappings. Geometries are stored in SWEREF 99 TM (EPSG:3006) with GiST indexes; tile tables
keep a generated Web Mercator copy."""
from __future__ import annotations

from datetime import datetime

from geoalchemy2 import Geometry
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Computed,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    false,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

SRID = 3006


class Base(DeclarativeBase):
    pass


class District(Base):
    """A district area (stadsdelsområde) and the committee (stadsdelsnämnd) responsible for it."""

    __tablename__ = "district"
    __table_args__ = (Index("ix_district_geom", "geom", postgresql_using="gist"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(Text)
    committee: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    # The generated demo city (set by the demo loader); a real import replaces every demo district.
    is_demo: Mapped[bool] = mapped_column(Boolean, server_default=false())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                                 onupdate=func.now())
    geom = mapped_column(Geometry("MULTIPOLYGON", srid=SRID, spatial_index=False), nullable=False)


class Layer(Base):
    """A catalog entry: one hazard layer, its provenance, confidentiality and version (bumped on import)."""

    __tablename__ = "layer"
    __table_args__ = (
        CheckConstraint("kind IN ('vector', 'raster')", name="ck_layer_kind"),
        CheckConstraint("confidentiality IN ('open', 'internal', 'restricted')", name="ck_layer_confidentiality"),
        CheckConstraint("hazard ~ '^[a-z][a-z0-9_]{0,31}$'", name="ck_layer_hazard"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    hazard: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))
    title_sv: Mapped[str] = mapped_column(Text)
    title_en: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    licence: Mapped[str] = mapped_column(Text)
    confidentiality: Mapped[str] = mapped_column(String(16), server_default="open")
    version: Mapped[int] = mapped_column(Integer, server_default="0")
    is_demo: Mapped[bool] = mapped_column(Boolean, server_default=false())
    feature_count: Mapped[int] = mapped_column(Integer, server_default="0")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    metadata_: Mapped[dict] = mapped_column("metadata", JSONB, server_default=text("'{}'::jsonb"))
    bounds = mapped_column(Geometry("POLYGON", srid=SRID, spatial_index=False), nullable=True)


class LayerFeature(Base):
    """A vector feature of a layer: its class, its properties and its geometry."""

    __tablename__ = "layer_feature"
    __table_args__ = (
        Index("ix_layer_feature_geom", "geom", postgresql_using="gist"),
        Index("ix_layer_feature_layer_class", "layer_id", "class"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    layer_id: Mapped[int] = mapped_column(ForeignKey("layer.id", ondelete="CASCADE"))
    cls: Mapped[str] = mapped_column("class", String(64))
    properties: Mapped[dict] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    geom = mapped_column(Geometry("GEOMETRY", srid=SRID, spatial_index=False), nullable=False)
    geom_3857 = mapped_column(Geometry("GEOMETRY", srid=3857, spatial_index=False),
                              Computed("ST_Transform(geom, 3857)", persisted=True))


class RasterAsset(Base):
    """The COG behind a raster layer, and how to read its values."""

    __tablename__ = "raster_asset"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    layer_id: Mapped[int] = mapped_column(ForeignKey("layer.id", ondelete="CASCADE"), unique=True)
    path: Mapped[str] = mapped_column(Text)
    band: Mapped[int] = mapped_column(Integer, server_default="1")
    units: Mapped[str] = mapped_column(Text)
    scale: Mapped[float] = mapped_column(Float, server_default="1")
    offset: Mapped[float] = mapped_column(Float, server_default="0")
    nodata: Mapped[float | None] = mapped_column(Float, nullable=True)
    resolution_m: Mapped[float] = mapped_column(Float)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    bounds = mapped_column(Geometry("POLYGON", srid=SRID, spatial_index=False), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Incident(Base):
    """A reported incident (sensitive: only some roles see points; everyone else sees aggregated cells)."""

    __tablename__ = "incident"
    __table_args__ = (
        Index("ix_incident_geom", "geom", postgresql_using="gist"),
        Index("ix_incident_occurred_at", "occurred_at"),
        Index("ux_incident_source_id", "layer", "source_id", unique=True,
              postgresql_where=text("source_id IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    # The incident family's layer: crime or accidents (each with its own classes, cells and hotspots).
    layer: Mapped[str] = mapped_column(Text, server_default="crime")
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    category: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(Text)
    # The export's own id of the incident, or a hash of its row: the same file imported again gives the same ids.
    source_id: Mapped[str | None] = mapped_column(Text, nullable=True)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id", ondelete="SET NULL"), nullable=True)
    geom = mapped_column(Geometry("POINT", srid=SRID, spatial_index=False), nullable=False)
    # Web Mercator copy for tiles (generated by PostgreSQL).
    geom_3857 = mapped_column(Geometry("POINT", srid=3857, spatial_index=False),
                              Computed("ST_Transform(geom, 3857)", persisted=True))


class IncidentCell(Base):
    """Incidents of a layer counted per square grid cell of `size_m` (EPSG:3006), rebuilt on every import."""

    __tablename__ = "incident_cell"
    __table_args__ = (Index("ix_incident_cell_geom", "geom", postgresql_using="gist"),)

    layer: Mapped[str] = mapped_column(Text, primary_key=True, server_default="crime")
    size_m: Mapped[int] = mapped_column(Integer, primary_key=True)
    gx: Mapped[int] = mapped_column(Integer, primary_key=True)
    gy: Mapped[int] = mapped_column(Integer, primary_key=True)
    n: Mapped[int] = mapped_column(Integer)
    top: Mapped[str] = mapped_column(String(64))
    geom = mapped_column(Geometry("POLYGON", srid=SRID, spatial_index=False), nullable=False)
    geom_3857 = mapped_column(Geometry("POLYGON", srid=3857, spatial_index=False),
                              Computed("ST_Transform(geom, 3857)", persisted=True))


class SiteCheck(Base):
    """A saved site check: the site, the intended land use, the result and the layer versions it used."""

    __tablename__ = "site_check"
    __table_args__ = (
        CheckConstraint("land_use IN ('A', 'B', 'C')", name="ck_site_check_land_use"),
        Index("ix_site_check_geom", "geom", postgresql_using="gist"),
        Index("ix_site_check_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    created_by: Mapped[str | None] = mapped_column(Text, nullable=True)
    reference: Mapped[str | None] = mapped_column(Text, nullable=True)
    title: Mapped[str | None] = mapped_column(Text, nullable=True)
    land_use: Mapped[str] = mapped_column(String(1))
    vulnerable: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")
    inputs: Mapped[dict] = mapped_column(JSONB)
    result: Mapped[dict] = mapped_column(JSONB)
    layer_versions: Mapped[dict] = mapped_column(JSONB)
    rerun_of: Mapped[int | None] = mapped_column(ForeignKey("site_check.id", ondelete="SET NULL"), nullable=True)
    geom = mapped_column(Geometry("GEOMETRY", srid=SRID, spatial_index=False), nullable=False)


class AppUser(Base):
    """A person who signs in: by a local password (small installations, the demo) or through the city's identity
    provider (OpenID Connect: issuer + subject). Emails are stored lower-case."""

    __tablename__ = "app_user"
    __table_args__ = (
        CheckConstraint("role IN ('viewer', 'committee', 'city', 'admin')", name="ck_app_user_role"),
        CheckConstraint("email = lower(email)", name="ck_app_user_email_lower"),
        Index("ux_app_user_oidc", "oidc_issuer", "oidc_subject", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(Text, unique=True)
    name: Mapped[str | None] = mapped_column(Text, nullable=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str | None] = mapped_column(Text, nullable=True)
    oidc_issuer: Mapped[str | None] = mapped_column(Text, nullable=True)
    oidc_subject: Mapped[str | None] = mapped_column(Text, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    is_demo: Mapped[bool] = mapped_column(Boolean, server_default=false())
    failed_sign_ins: Mapped[int] = mapped_column(Integer, server_default="0")
    last_failed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class DistrictMembership(Base):
    """A committee member's district: where they may read drafts and edit situation pictures."""

    __tablename__ = "district_membership"

    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id", ondelete="CASCADE"), primary_key=True)


class ApiToken(Base):
    """A bearer token for scripts: only its SHA-256 is kept (the token is shown once), revocable."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(Text)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class AuditEvent(Base):
    """Who did what, when: one row per write, in the write's own transaction (append-only)."""

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_entity", "entity", "entity_id"),
        # an annotation's rows by the picture it is drawn on (its history and its state at a past time)
        Index("ix_audit_event_annotation_picture", text("(COALESCE(after, before) -> 'properties' ->> 'picture')"),
              "id", postgresql_where=text("entity = 'annotation'")),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    actor: Mapped[str | None] = mapped_column(Text, nullable=True)
    action: Mapped[str] = mapped_column(Text)
    entity: Mapped[str] = mapped_column(Text)
    entity_id: Mapped[str | None] = mapped_column(Text, nullable=True)
    before: Mapped[dict | None] = mapped_column(JSONB, nullable=True)
    after: Mapped[dict | None] = mapped_column(JSONB, nullable=True)


class SituationPicture(Base):
    """A district committee's situation picture (lägesbild) of one topic for one tertial. The district is kept by
    its code: a picture outlives a re-import of the district boundaries."""

    __tablename__ = "situation_picture"
    __table_args__ = (
        CheckConstraint("tertial BETWEEN 1 AND 3", name="ck_picture_tertial"),
        CheckConstraint("topic IN ('accidents', 'crime', 'threats', 'extremism', 'other')", name="ck_picture_topic"),
        CheckConstraint("status IN ('draft', 'submitted', 'returned', 'accepted')", name="ck_picture_status"),
        Index("ux_picture_period", "district_code", "year", "tertial", "topic", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    district_code: Mapped[str] = mapped_column(Text)
    year: Mapped[int] = mapped_column(Integer)
    tertial: Mapped[int] = mapped_column(Integer)
    topic: Mapped[str] = mapped_column(String(16))
    summary: Mapped[str] = mapped_column(Text, server_default="")
    status: Mapped[str] = mapped_column(String(16), server_default="draft")
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    version: Mapped[int] = mapped_column(Integer, server_default="1")
    created_by: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_by: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Annotation(Base):
    """A point, line or area drawn on a situation picture: a hotspot, an incident area, a measure, ..."""

    __tablename__ = "annotation"
    __table_args__ = (
        CheckConstraint("kind IN ('hotspot', 'incident_area', 'measure', 'risk_object', 'observation')",
                        name="ck_annotation_kind"),
        CheckConstraint("severity BETWEEN 1 AND 4", name="ck_annotation_severity"),
        Index("ix_annotation_geom", "geom", postgresql_using="gist"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    picture_id: Mapped[int] = mapped_column(ForeignKey("situation_picture.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    severity: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text, server_default="")
    measure_type: Mapped[str | None] = mapped_column(String(16), nullable=True)
    responsible: Mapped[str | None] = mapped_column(Text, nullable=True)
    measure_status: Mapped[str | None] = mapped_column(String(16), nullable=True)
    valid_from: Mapped[datetime | None] = mapped_column(Date, nullable=True)
    valid_to: Mapped[datetime | None] = mapped_column(Date, nullable=True)
    origin_id: Mapped[int | None] = mapped_column(ForeignKey("annotation.id", ondelete="SET NULL"), nullable=True)
    # A hotspot taken from a computed hotspot: the run, its parameters and its cells' statistics (read-only).
    statistics = mapped_column(JSONB, nullable=True)
    version: Mapped[int] = mapped_column(Integer, server_default="1")
    created_by: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_by: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    geom = mapped_column(Geometry("GEOMETRY", srid=SRID, spatial_index=False), nullable=False)


class GridCell(Base):
    """A cell of a hotspot grid ("hex-250", "square-250", ...), anchored at the origin of EPSG:3006."""

    __tablename__ = "grid_cell"
    __table_args__ = (Index("ix_grid_cell_geom", "geom", postgresql_using="gist"),
                      Index("ix_grid_cell_geom_3857", "geom_3857", postgresql_using="gist"))

    grid: Mapped[str] = mapped_column(Text, primary_key=True)
    i: Mapped[int] = mapped_column(Integer, primary_key=True)
    j: Mapped[int] = mapped_column(Integer, primary_key=True)
    geom = mapped_column(Geometry("POLYGON", srid=SRID, spatial_index=False), nullable=False)
    geom_3857 = mapped_column(Geometry("POLYGON", srid=3857, spatial_index=False),
                              Computed("ST_Transform(geom, 3857)", persisted=True))


class HotspotRun(Base):
    """One Gi* computation: layer and version, category, period, time band, grid, parameters and input counts."""

    __tablename__ = "hotspot_run"
    __table_args__ = (Index("ux_hotspot_run_current", "layer", text("COALESCE(category, '')"), "period", "band",
                            unique=True, postgresql_where=text("current")),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    layer: Mapped[str] = mapped_column(Text)
    layer_version: Mapped[int] = mapped_column(Integer)
    category: Mapped[str | None] = mapped_column(Text, nullable=True)
    period: Mapped[str] = mapped_column(Text)
    period_start: Mapped[datetime] = mapped_column(Date)
    period_end: Mapped[datetime] = mapped_column(Date)
    band: Mapped[str] = mapped_column(Text)
    grid: Mapped[str] = mapped_column(Text)
    params = mapped_column(JSONB, nullable=False)
    incidents: Mapped[int] = mapped_column(Integer)
    cells: Mapped[int] = mapped_column(Integer)
    hot: Mapped[int] = mapped_column(Integer)
    cold: Mapped[int] = mapped_column(Integer)
    current: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))


class HotspotCell(Base):
    """A cell of a run that holds incidents or is significant: count, z, p, p after the FDR, class −3…3."""

    __tablename__ = "hotspot_cell"
    __table_args__ = (CheckConstraint('"class" BETWEEN -3 AND 3', name="ck_hotspot_cell_class"),)

    run_id: Mapped[int] = mapped_column(Integer, primary_key=True)  # hotspot_run.id (no foreign key: bulk writes)
    i: Mapped[int] = mapped_column(Integer, primary_key=True)
    j: Mapped[int] = mapped_column(Integer, primary_key=True)
    n: Mapped[int] = mapped_column(Integer)
    z: Mapped[float] = mapped_column(Float)
    p: Mapped[float] = mapped_column(Float)
    p_fdr: Mapped[float] = mapped_column(Float)
    cls: Mapped[int] = mapped_column("class", SmallInteger)


class SurveyResult(Base):
    """A safety-survey result: one indicator of one district in one year, as a share in per cent."""

    __tablename__ = "survey_result"
    __table_args__ = (CheckConstraint("value BETWEEN 0 AND 100", name="ck_survey_value"),
                      CheckConstraint("sample_size IS NULL OR sample_size > 0", name="ck_survey_sample"))

    district_code: Mapped[str] = mapped_column(Text, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    indicator: Mapped[str] = mapped_column(Text, primary_key=True)
    question: Mapped[str] = mapped_column(Text)
    value: Mapped[float] = mapped_column(Float)
    sample_size: Mapped[int | None] = mapped_column(Integer, nullable=True)
    source: Mapped[str] = mapped_column(Text)
    is_demo: Mapped[bool] = mapped_column(Boolean, server_default=false())
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class DistrictPopulation(Base):
    """A district's residents in a year, for rates per 1,000 residents."""

    __tablename__ = "district_population"
    __table_args__ = (CheckConstraint("population > 0", name="ck_population_positive"),)

    district_code: Mapped[str] = mapped_column(Text, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    population: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(Text)
    is_demo: Mapped[bool] = mapped_column(Boolean, server_default=false())


class ImportJob(Base):
    """An import uploaded through the web (`/admin`, `POST /api/imports`): what, by whom, its progress while the
    worker runs, and then its summary or its problem."""

    __tablename__ = "import_job"
    __table_args__ = (
        CheckConstraint("state IN ('queued', 'running', 'done', 'failed')", name="ck_import_job_state"),
        Index("ix_import_job_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    target: Mapped[str] = mapped_column(Text)
    filename: Mapped[str] = mapped_column(Text)
    options: Mapped[dict] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    state: Mapped[str] = mapped_column(String(16), server_default="queued")
    done: Mapped[int] = mapped_column(BigInteger, server_default="0")
    total: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    label: Mapped[str | None] = mapped_column(Text, nullable=True)
    result: Mapped[dict | None] = mapped_column(JSONB, nullable=True)
    problem: Mapped[dict | None] = mapped_column(JSONB, nullable=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class SavedView(Base):
    """A named state of the layer viewer (the query of /map: layers, opacity, bbox, hotspots), listed for everyone
    who may see the viewer."""

    __tablename__ = "saved_view"
    __table_args__ = (
        CheckConstraint("char_length(name) BETWEEN 1 AND 80", name="ck_saved_view_name"),
        Index("ix_saved_view_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    state: Mapped[dict] = mapped_column(JSONB)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
