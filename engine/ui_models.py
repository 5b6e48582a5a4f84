"""Tables the people-facing screens own: a user's saved worklist filters."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.models import Base


class SavedFilter(Base):
    """A named worklist view of one user (tab, sort, queue), shown as a link above their worklist."""

    __tablename__ = "saved_filters"
    __table_args__ = (UniqueConstraint("user_id", "name", name="uq_saved_filter_name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    view: Mapped[str] = mapped_column(String(20))
    sort: Mapped[str] = mapped_column(String(20))
    queue: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime]
