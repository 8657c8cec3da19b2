"""Named actions of the frameworks domain (flush, never commit; raise ``DomainError`` subclasses)."""

from eduinnov.frameworks.services.iur import (
    create_partner,
    delete_partner,
    delete_partner_item,
    save_agreement,
    save_joint_supervisor,
    save_participation,
    save_practice_base,
    update_partner,
)
from eduinnov.frameworks.services.lineage import map_requirements
from eduinnov.frameworks.services.obe import (
    CellInput,
    MatrixError,
    create_course,
    create_indicator_point,
    create_module,
    create_objective,
    create_requirement,
    delete_course,
    delete_indicator_point,
    delete_module,
    delete_objective,
    delete_requirement,
    module_descendant_ids,
    save_support_matrix,
    update_course,
    update_indicator_point,
    update_module,
    update_objective,
    update_requirement,
)
from eduinnov.frameworks.services.versions import (
    activate_framework,
    archive_framework,
    clone_framework,
    create_framework,
    delete_framework,
    update_framework_settings,
)

__all__ = [
    "CellInput", "MatrixError", "activate_framework", "archive_framework", "clone_framework",
    "create_course", "create_framework", "create_indicator_point", "create_module", "create_objective",
    "create_partner", "create_requirement", "delete_course", "delete_framework", "delete_indicator_point",
    "delete_module", "delete_objective", "delete_partner", "delete_partner_item", "delete_requirement",
    "map_requirements", "module_descendant_ids", "save_agreement", "save_joint_supervisor", "save_participation",
    "save_practice_base", "save_support_matrix", "update_course", "update_framework_settings",
    "update_indicator_point", "update_module", "update_objective", "update_partner", "update_requirement",
]
