"""Pagination of select() statements for list pages."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, literal_column, select

from eduinnov.extensions import db


@dataclass(frozen=True)
class Page:
    items: list[Any]
    page: int
    per_page: int
    total: int
    more: bool = False  # counting stopped at ``total``: there are more rows than that

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages or self.more


def paginate(stmt: Select, page: int | str | None, per_page: int = 25, *,
             count_at_most: int | None = None) -> Page:
    """Run ``stmt`` for one page (1-based; bad or out-of-range pages are clamped).

    ``count_at_most`` counts the rows only so far: up to the asked page or this many, whichever is more. When
    more rows exist, ``total`` is that bound and ``more`` is true (the next page is still offered).
    """
    try:
        page = int(page or 1)
    except (TypeError, ValueError):
        page = 1
    counted = stmt.order_by(None)
    bound = None
    if count_at_most is not None:
        # (a page number past any real list counts no further than a million pages: the LIMIT stays an integer)
        bound = max(count_at_most, min(max(page, 1), 1_000_000) * per_page)
        # One column the FROM already has (not every column of the row) and no more rows than needed.
        counted = counted.with_only_columns(literal_column("1").label("one"), maintain_column_froms=True).limit(bound + 1)
    total = db.session.scalar(select(func.count()).select_from(counted.subquery())) or 0
    more = bound is not None and total > bound
    if more:
        total = bound
    pages = max(1, math.ceil(total / per_page))
    page = min(max(page, 1), pages)
    items = list(db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)).unique())
    return Page(items=items, page=page, per_page=per_page, total=total, more=more)


def paginate_list(items: list[Any], page: int | str | None, per_page: int = 25) -> Page:
    """One page of an already computed list (same clamping as :func:`paginate`)."""
    try:
        page = int(page or 1)
    except (TypeError, ValueError):
        page = 1
    pages = max(1, math.ceil(len(items) / per_page))
    page = min(max(page, 1), pages)
    return Page(items=items[(page - 1) * per_page:page * per_page], page=page, per_page=per_page, total=len(items))
