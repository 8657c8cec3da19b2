"""OBE actions: assessment plans, score-sheet imports, surveys, improvement records.

Services flush and never commit. The figures they feed are recomputed and stored by
:mod:`eduinnov.obe.results` in the same transaction; pages read them through :mod:`eduinnov.obe.reports`.
"""

from eduinnov.core.errors import ImportRefused
from eduinnov.obe.services.improvements import create_improvement, delete_improvement, update_improvement
from eduinnov.obe.services.offerings import (
    add_item,
    check_plan,
    create_offering,
    delete_item,
    delete_offering,
    set_type_weights,
    update_item,
    update_offering,
)
from eduinnov.obe.services.scores import (
    import_score_sheet,
    preview_score_sheet,
    score_template_csv,
)
from eduinnov.obe.services.surveys import delete_survey, import_surveys, parse_survey_sheet

__all__ = [
    "ImportRefused", "add_item", "check_plan", "create_improvement", "create_offering", "delete_improvement",
    "delete_item", "delete_offering", "delete_survey", "import_score_sheet", "import_surveys",
    "parse_survey_sheet", "preview_score_sheet", "score_template_csv", "set_type_weights", "update_improvement",
    "update_item", "update_offering",
]
