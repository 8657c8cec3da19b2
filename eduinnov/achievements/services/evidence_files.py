"""Evidence files of an achievement: add (checked by content, stored under a random name) and remove."""

from __future__ import annotations

from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage

from eduinnov.achievements import evidence
from eduinnov.achievements.models import (
    Achievement,
    EvidenceFile,
)
from eduinnov.achievements.services.rules import (
    DuplicateEvidence,
    may_edit,
)
from eduinnov.auth.models import User
from eduinnov.core.audit import AuditLog
from eduinnov.core.errors import FieldError, NotAllowed
from eduinnov.core.models import utcnow
from eduinnov.extensions import db

# --- evidence ---

def _audit_evidence(user: User, achievement: Achievement, action: str, file: EvidenceFile) -> None:
    """An audit row on the achievement naming the evidence file added or removed (shown in its history)."""
    db.session.add(AuditLog(
        created_at=utcnow(), user_id=user.id, program_id=achievement.program_id,
        entity_type=Achievement.__tablename__, entity_id=achievement.id, action=action,
        changes={"evidence": file.original_name, "sha256": file.sha256},
    ))


def add_evidence(user: User, achievement: Achievement, upload: FileStorage, *,
                 allow_duplicate: bool = False) -> EvidenceFile:
    """Check an uploaded file by its content, store it under a random name and attach it.

    A file whose SHA-256 is already the evidence of another achievement of the program is refused
    (:class:`DuplicateEvidence`) unless ``allow_duplicate`` says the person confirmed it is different.

    Parameters
    ----------
    user : User
        The uploader (see :func:`may_edit`).
    achievement : Achievement
        The achievement the file supports.
    upload : FileStorage
        The uploaded file.

    Returns
    -------
    EvidenceFile
        The new, flushed row; the file is in the evidence store and vanishes again if the request fails.

    Raises
    ------
    NotAllowed
        If the user may not change the achievement.
    FieldError
        If the file is empty, too large, or not an allowed type (field ``file``).
    """
    if not may_edit(user, achievement):
        raise NotAllowed(_("You cannot add evidence to this achievement."))
    try:
        stored = evidence.store_upload(upload)
    except evidence.EvidenceRejected as exc:
        raise FieldError("file", str(exc)) from None
    if not allow_duplicate:
        from eduinnov.achievements.duplicates import find_evidence_duplicates

        found = find_evidence_duplicates(achievement.program_id, stored.sha256, exclude_id=achievement.id)
        if found:
            evidence.evidence_store().delete(stored.stored_name)
            raise DuplicateEvidence(found)
    row = EvidenceFile(
        achievement=achievement, original_name=stored.original_name, stored_name=stored.stored_name,
        mime_type=stored.mime_type, size_bytes=stored.size_bytes, sha256=stored.sha256,
        uploaded_by_id=user.id,
    )
    db.session.add(row)
    db.session.flush()
    _audit_evidence(user, achievement, "evidence_added", row)
    return row


def remove_evidence(user: User, file: EvidenceFile) -> None:
    """Delete an evidence row; its stored file is removed once the transaction commits.

    Raises
    ------
    NotAllowed
        If the user may not change the achievement.
    """
    if not may_edit(user, file.achievement):
        raise NotAllowed(_("You cannot remove evidence from this achievement."))
    evidence.delete_after_commit(file.stored_name)
    _audit_evidence(user, file.achievement, "evidence_removed", file)
    file.achievement.evidence_files.remove(file)
    db.session.delete(file)
    db.session.flush()

