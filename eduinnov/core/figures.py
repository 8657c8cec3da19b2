"""A chart with its data table: what every page and PDF shows (domain-free, built on :mod:`core.charts`)."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from eduinnov.core.charts import ChartData

__all__ = ["Figure", "make_figure"]


@dataclass(frozen=True)
class Figure:
    """One chart (inline SVG) with its data table one click away."""

    title: str
    svg: Markup
    table: Markup


def make_figure(title: str, svg: Markup, data: ChartData) -> Figure:
    """A figure of ``svg`` with ``data`` as its collapsible table captioned ``title``."""
    return Figure(title=title, svg=svg, table=data.table_html(caption=title, collapsible=True))
