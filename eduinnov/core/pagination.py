"""Pagination of select() statements for list pages."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select

from eduinnov.extensions import db


@dataclass(frozen=True)
class Page:
    items: list[Any]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def paginate(stmt: Select, page: int | str | None, per_page: int = 25) -> Page:
    """Run ``stmt`` for one page (1-based; bad or out-of-range pages are clamped)."""
    try:
        page = int(page or 1)
    except (TypeError, ValueError):
        page = 1
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    pages = max(1, math.ceil(total / per_page))
    page = min(max(page, 1), pages)
    items = list(db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)).unique())
    return Page(items=items, page=page, per_page=per_page, total=total)


def paginate_list(items: list[Any], page: int | str | None, per_page: int = 25) -> Page:
    """One page of an already computed list (same clamping as :func:`paginate`)."""
    try:
        page = int(page or 1)
    except (TypeError, ValueError):
        page = 1
    pages = max(1, math.ceil(len(items) / per_page))
    page = min(max(page, 1), pages)
    return Page(items=items[(page - 1) * per_page:page * per_page], page=page, per_page=per_page, total=len(items))
