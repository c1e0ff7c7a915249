"""SQLAlchemy 2 typed mappings. Every geometry column is in SWEREF 99 TM (EPSG:3006) with a GiST index."""
from __future__ import annotations

from datetime import datetime

from geoalchemy2 import Geometry
from sqlalchemy import DateTime, Index, Integer, String, Text, func
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
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                                 onupdate=func.now())
    geom = mapped_column(Geometry("MULTIPOLYGON", srid=SRID, spatial_index=False), nullable=False)
