"""Framework models: versioned OBE tree and module structure, IUR partnerships, supervision."""

from eduinnov.core.lifecycle import Lifecycle
from eduinnov.frameworks.models.iur import (
    Agreement,
    AgreementStatus,
    JointSupervisor,
    Participation,
    ParticipationKind,
    PartnerKind,
    PartnerOrganisation,
    PracticeBase,
    Supervision,
    SupervisorRole,
)
from eduinnov.frameworks.models.obe import (
    AggregationRule,
    Course,
    CourseCategory,
    CourseObjective,
    CourseSupport,
    FrameworkStatus,
    FrameworkVersion,
    GraduationRequirement,
    IndicatorPoint,
    Module,
    ModuleKind,
    ModuleLine,
    ObjectiveIndicatorLink,
    ObjectiveRule,
    RequirementSuccession,
    SupportStrength,
)

__all__ = [
    "Agreement", "AgreementStatus", "AggregationRule", "Course", "CourseCategory", "CourseObjective", "CourseSupport",
    "FrameworkStatus", "FrameworkVersion", "GraduationRequirement", "IndicatorPoint", "JointSupervisor", "Lifecycle",
    "Module", "ModuleKind", "ModuleLine", "ObjectiveIndicatorLink", "ObjectiveRule", "Participation",
    "ParticipationKind", "PartnerKind", "PartnerOrganisation", "PracticeBase", "RequirementSuccession",
    "Supervision", "SupervisorRole", "SupportStrength",
]
