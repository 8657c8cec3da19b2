"""Histograms and the binning behind them."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from flask_babel import gettext as _
from markupsafe import Markup

from eduinnov.core.charts._svg import (
    ChartData,
    _chart_id,
)
from eduinnov.core.charts.bars import (
    bar_chart,
)

# -- histogram ----------------------------------------------------------------------------------------

def bin_values(values: Iterable[float | None], *, bins: int | Sequence[float] = 10,
               value_range: tuple[float, float] | None = None, series_name: str = "",
               label_header: str = "", decimals: int = 0) -> ChartData:
    """Count values into bins; the result is a :class:`ChartData` for :func:`histogram` and its table.

    Parameters
    ----------
    values
        Raw values; ``None`` and NaN are ignored.
    bins
        Number of equal-width bins, or explicit ascending edges (``[0, 60, 70, 80, 90, 100]``).
    value_range
        ``(low, high)`` for equal-width bins (default: min and max of the values).
    decimals
        Decimals in the bin labels ("60–70").

    Each bin is ``[edge_i, edge_i+1)`` except the last, which includes its upper edge.
    """
    clean = [float(v) for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    if isinstance(bins, int):
        if bins < 1:
            raise ValueError("bins must be at least 1")
        lo, hi = value_range or ((min(clean), max(clean)) if clean else (0.0, 1.0))
        if hi == lo:
            hi = lo + 1
        edges = [lo + (hi - lo) * k / bins for k in range(bins + 1)]
    else:
        edges = [float(e) for e in bins]
        if len(edges) < 2 or any(b <= a for a, b in zip(edges, edges[1:], strict=False)):
            raise ValueError("bin edges must be ascending")
    counts = [0] * (len(edges) - 1)
    for v in clean:
        if v < edges[0] or v > edges[-1]:
            continue
        k = next((k for k in range(len(counts)) if v < edges[k + 1]), len(counts) - 1)
        counts[k] += 1
    labels = [f"{edges[k]:.{decimals}f}–{edges[k + 1]:.{decimals}f}" for k in range(len(counts))]
    return ChartData(labels, {series_name: counts}, label_header=label_header, decimals=0)


def histogram(data: ChartData, *, title: str, x_label: str = "", y_label: str = "", width: int = 640,
              height: int = 320, show_values: bool = True, show_title: bool = True, desc: str | None = None,
              chart_id: str | None = None, colours: Sequence[str] | None = None) -> Markup:
    """A histogram from :func:`bin_values`: adjacent bars, one per bin, counts on top (``colours``: one per bin)."""
    return bar_chart(data, title=title, x_label=x_label, y_label=y_label, width=width, height=height,
                     show_values=show_values, show_title=show_title, desc=desc, colours=colours,
                     chart_id=chart_id or _chart_id("histogram", title, data), _gap=0.02, _kind=_("Histogram"))
