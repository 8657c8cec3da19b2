"""Services of the indicators domain; :mod:`.compute` and :mod:`.runs` are the only bridge to the engine."""

from eduinnov.indicators.services.editing import (
    DEFAULT_GRADE_SCALE,
    activate_model,
    add_node,
    archive_model,
    copy_model,
    create_model,
    delete_model,
    delete_node,
    import_model,
    judgment_report,
    model_problems,
    move_node,
    new_version,
    set_judgments,
    update_model,
    update_node,
)
from eduinnov.indicators.services.records import (
    SWOT_FIELDS,
    add_manual_score,
    delete_manual_score,
    delete_swot,
    save_swot,
)
from eduinnov.indicators.services.reviews import review_run
from eduinnov.indicators.services.runs import (
    Target,
    fingerprint_of,
    list_objects,
    load_leaf_values,
    run_evaluation,
)
from eduinnov.indicators.services.targets import apply_targets, suggest_targets
from eduinnov.indicators.services.verdict import grade_legend, health_view, run_memberships

__all__ = [
    "DEFAULT_GRADE_SCALE", "SWOT_FIELDS", "Target", "activate_model", "apply_targets", "suggest_targets", "add_manual_score", "add_node",
    "archive_model", "copy_model", "create_model", "delete_manual_score", "delete_model",
    "delete_node", "delete_swot", "fingerprint_of", "grade_legend", "health_view", "import_model",
    "judgment_report", "list_objects", "load_leaf_values", "model_problems", "move_node", "new_version",
    "review_run", "run_evaluation", "run_memberships", "save_swot",
    "set_judgments", "update_model", "update_node",
]
