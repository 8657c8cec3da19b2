"""The ``indicators`` blueprint (under /evaluation) and its template helpers."""

from __future__ import annotations

from flask import Blueprint

from eduinnov.indicators.metrics import describe_params
from eduinnov.indicators.models import (
    AggregationMethod,
    WeightingMethod,
)

bp = Blueprint("indicators", __name__, url_prefix="/evaluation")



@bp.app_template_global("describe_params")
def _describe_params(metric_key, params):
    return describe_params(metric_key, params)


@bp.app_template_filter("method_label")
def _method_label(value) -> str:
    """The label of a weighting or aggregation method given by its stored value ('ahp' → "AHP (eigenvector)")."""
    from eduinnov.core.i18n import enum_label

    for enum_cls in (WeightingMethod, AggregationMethod):
        try:
            return enum_label(enum_cls(getattr(value, "value", value)))
        except ValueError:
            continue
    return str(value or "")

