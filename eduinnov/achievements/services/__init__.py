"""Actions on achievements: record (staff) or declare (students), update, delete, evidence files.

The review loop (submit, review, verify, reject, re-open) is in :mod:`eduinnov.achievements.review`.

Services take the acting ``user`` and plain values, change models and ``flush()``; the request commits.
Kind-specific rules (DOI syntax, patent grant data, project dates) are checked here so that every way
in — form, import, shell — obeys them; a broken rule raises :class:`FieldError` naming the field.


The package: ``rules`` (fields per kind, permissions, cleaning), ``records`` (record, declare, update,
delete) ``evidence_files`` (add and remove evidence) and
``bulk`` (many achievements at once, for imports).
"""

from eduinnov.achievements.services.bulk import BulkAchievement, bulk_record
from eduinnov.achievements.services.evidence_files import add_evidence, remove_evidence
from eduinnov.achievements.services.records import (
    declare_achievement,
    delete_achievement,
    record_achievement,
    update_achievement,
)
from eduinnov.achievements.services.rules import (
    COMMON_FIELDS,
    DOI_RE,
    KIND_FIELDS,
    PROJECT_LEVELS,
    ROLES_BY_KIND,
    DuplicateEvidence,
    ParticipantInput,
    clean_values,
    may_declare,
    may_delete,
    may_edit,
    may_log_in,
    normalise_doi,
    patent_type_mismatch,
)
from eduinnov.core.errors import FieldError, NotAllowed

__all__ = [
    "COMMON_FIELDS", "DOI_RE", "KIND_FIELDS", "PROJECT_LEVELS", "ROLES_BY_KIND", "BulkAchievement",
    "DuplicateEvidence", "FieldError", "NotAllowed", "ParticipantInput", "add_evidence", "bulk_record",
    "clean_values", "declare_achievement", "delete_achievement", "may_declare", "may_delete", "may_edit",
    "may_log_in", "normalise_doi", "patent_type_mismatch", "record_achievement", "remove_evidence",
    "update_achievement",
]
