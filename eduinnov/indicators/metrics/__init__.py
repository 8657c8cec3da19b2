"""The metric registry: measured quantities an index tree's leaves are bound to.

A metric is one small decorated function ``fn(ctx, **params) -> pd.Series`` returning one value per
evaluation object (the Series is indexed by object id; objects without rows get 0 unless the metric
says otherwise). Each runs ONE SQL aggregation (``select ... group by``) for all objects of a run — never
a query per object. Adding a metric is adding one decorated function here; the editor, the YAML
validation and the runs find it through :data:`METRICS`.

Only verified achievements count unless the model says ``include_unverified`` (then claimed ones count
too; rejected ones never do).


The package: ``_registry`` (the decorator, the context, parameter checks), then the metrics by subject
(``achievements``, ``people``, ``obe``) — importing them here registers them — and ``describe``.
"""

from eduinnov.indicators.metrics import achievements, obe, people  # noqa: F401  (registers the metrics)
from eduinnov.indicators.metrics._registry import (
    ALL_UNITS,
    DEFAULT_INDEXING_WEIGHTS,
    DEFAULT_LEVEL_WEIGHTS,
    METRICS,
    Metric,
    MetricContext,
    MetricParamError,
    metric,
    metric_choices,
)
from eduinnov.indicators.metrics.describe import describe_params

__all__ = [
    "ALL_UNITS", "DEFAULT_INDEXING_WEIGHTS", "DEFAULT_LEVEL_WEIGHTS", "METRICS", "Metric", "MetricContext",
    "MetricParamError", "describe_params", "metric", "metric_choices",
]
