"""Report services: fingerprinted data snapshots and the certification-evidence pack (a background job).

- :func:`create_snapshot` stores the JSON of everything a report shows (canonical, SHA-256);
  :func:`find_snapshot_by_fingerprint` finds it again for the verification page.
- :func:`prepare_evidence_pack` collects the pack's data, stores its snapshot and lays out the PDF from the
  stored data; :func:`render_evidence_pack` renders it (two processes for long packs);
  :func:`generate_pack` does both as a :func:`~eduinnov.jobs.services.report_job` and
  :func:`start_pack_job` enqueues it from a web request.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import weakref
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from eduinnov.achievements.evidence import evidence_store
from eduinnov.auth.access import Action, can
from eduinnov.auth.models import Role, User
from eduinnov.core.audit import AuditLog
from eduinnov.core.blobs import LOCAL
from eduinnov.core.errors import DomainError, ValidationError
from eduinnov.core.i18n import LANGUAGES
from eduinnov.core.models import utcnow
from eduinnov.extensions import db
from eduinnov.indicators.models import EvaluationRun
from eduinnov.jobs import services as jobs
from eduinnov.jobs.models import ReportJob
from eduinnov.programs.models import Cohort, Program
from eduinnov.reports import appendix, pack
from eduinnov.reports.models import ReportSnapshot

__all__ = [
    "PACK_JOB",
    "PreparedPack",
    "check_named_ranking",
    "create_snapshot",
    "find_snapshot_by_fingerprint",
    "generate_pack",
    "list_pack_jobs",
    "pack_docx_file",
    "pack_filename",
    "prepare_evidence_pack",
    "prepare_stored_pack",
    "render_evidence_pack",
    "render_evidence_pack_docx",
    "resolve_pack_run",
    "start_pack_job",
]

if TYPE_CHECKING:  # the PDF module imports WeasyPrint: only where a PDF is made
    from eduinnov.reports.document import Document
    from eduinnov.reports.pdf import PdfLayout, Section

PACK_JOB = "eduinnov.reports.services:generate_pack"
_FINGERPRINT = re.compile(r"[0-9a-f]{64}")


# -- snapshots -------------------------------------------------------------------------------------------

def create_snapshot(payload: dict[str, Any], *, kind: str, program: Program | None, cohort: Cohort | None,
                    user: User | None, taken_at: datetime | None = None) -> ReportSnapshot:
    """Store ``payload`` as a snapshot with the SHA-256 of its canonical JSON; flush, do not commit.

    The payload is stored exactly as it will be read back (a JSON round trip), so the fingerprint of the
    stored payload equals the recorded one. A snapshot with identical content is reused.

    Raises
    ------
    ValueError
        The payload is not JSON (e.g. NaN, a datetime object).
    """
    canonical = ReportSnapshot.canonical_json(payload)
    stored = json.loads(canonical)
    fingerprint = ReportSnapshot.fingerprint_of(stored)
    existing = find_snapshot_by_fingerprint(fingerprint)
    if existing is not None:
        return existing
    snapshot = ReportSnapshot(
        fingerprint=fingerprint, kind=kind, payload=stored,
        program_id=program.id if program is not None else None,
        cohort_id=cohort.id if cohort is not None else None,
        created_by_id=user.id if user is not None else None,
        taken_at=taken_at or utcnow(),
    )
    db.session.add(snapshot)
    db.session.flush()
    return snapshot


def find_snapshot_by_fingerprint(fingerprint: str, user: User | None = None) -> ReportSnapshot | None:
    """The snapshot with this fingerprint (64 hex digits, case and spaces ignored), or None.

    With ``user``: None also when the snapshot's program is not one the user may see (admins see all,
    students none), so a fingerprint reveals nothing to outsiders.
    """
    text = re.sub(r"\s+", "", fingerprint or "").lower()
    if not _FINGERPRINT.fullmatch(text):
        return None
    snapshot = db.session.scalar(select(ReportSnapshot).where(ReportSnapshot.fingerprint == text))
    if snapshot is None or user is None:
        return snapshot
    if user.role == Role.ADMIN:
        return snapshot
    if snapshot.program_id is None or user.role == Role.STUDENT or not can(user, Action.VIEW, snapshot):
        return None
    return snapshot


# -- the evidence pack -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class PreparedPack:
    """A pack ready to render: its stored snapshot, sections, layout and the files it may embed."""

    snapshot: ReportSnapshot
    sections: list[Section]
    layout: PdfLayout
    allowed_roots: tuple[Path, ...]
    lang: str
    document: Document | None = None  # the structured sections both PDF and Word are made from
    scratch: Path | None = None  # copies of database-stored images; removed when the prepared pack is dropped
    evidence: appendix.EvidencePlan = appendix.EvidencePlan()  # PDF evidence pages appended after the report


def resolve_pack_run(cohort: Cohort, run_id: int | None, *, latest_if_none: bool = True) -> EvaluationRun | None:
    """The evaluation run a pack reports: ``run_id`` (must concern ``cohort``), else the latest one, or None.

    Raises
    ------
    ValidationError
        ``run_id`` names a run that does not concern this cohort (or does not exist).
    """
    runs = pack.list_pack_runs(cohort)
    if run_id is None:
        return runs[0] if runs and latest_if_none else None
    for run in runs:
        if run.id == run_id:
            return run
    held = db.session.get(EvaluationRun, run_id)
    if held is not None and not held.is_published and (
            held.target_cohort_id == cohort.id or held.target_program_id == cohort.program_id):
        raise ValidationError(_("This evaluation run failed its health check and has not been reviewed by a "
                                "director; it cannot go into an evidence pack."))
    raise ValidationError(_("This evaluation run does not belong to the chosen cohort."))


def _check_pack_request(program: Program, cohort: Cohort, lang: str, user: User | None) -> None:
    if cohort.program_id != program.id:
        raise ValidationError(_("The cohort belongs to another program."))
    if lang not in LANGUAGES:
        raise ValidationError(_("Choose Chinese or English."))
    if user is not None and (user.role == Role.STUDENT or not can(user, Action.EDIT, cohort)):
        raise DomainError(_("Only teachers and directors of the program can generate its evidence pack."))


def check_named_ranking(program: Program, reason: str | None, user: User | None) -> str | None:
    """The cleaned reason for a named ranking, or None for none; only directors (and admins) may opt in.

    Raises
    ------
    ValidationError
        A reason of only spaces, or longer than 500 characters.
    DomainError
        A user who is not a director of the program (nor an admin) asks for names.
    """
    if reason is None:
        return None
    text = reason.strip()
    if not text:
        raise ValidationError(_("Give the reason for naming students in this pack."))
    if len(text) > 500:
        raise ValidationError(_("The reason may be at most 500 characters long."))
    if user is not None and user.role != Role.ADMIN and not can(user, Action.MANAGE, program):
        raise DomainError(_("Only a director of the program can include a named ranking of students."))
    return text


def prepare_evidence_pack(program: Program, cohort: Cohort, run: EvaluationRun | None, *, lang: str,
                          user: User | None, named_ranking_reason: str | None = None) -> PreparedPack:
    """Collect the pack's data, store its snapshot (flush, no commit) and lay out the PDF from the stored data.

    Commit before :func:`render_evidence_pack`: rendering takes a while and must not hold the
    transaction (on SQLite, a write lock) open.

    Parameters
    ----------
    program, cohort
        The cohort must belong to the program.
    run
        The evaluation run to report (see :func:`resolve_pack_run`), or None.
    lang
        ``"zh"`` or ``"en"``: the language of the whole pack.
    user
        Who asks (a teacher or director of the program, or an admin); None from the command line.

    Raises
    ------
    ValidationError, DomainError
        Cohort of another program, an unknown language, a run of another cohort, a user who may not
        generate the pack.
    """
    _check_pack_request(program, cohort, lang, user)
    reason = check_named_ranking(program, named_ranking_reason, user)
    if run is not None and run.id not in {r.id for r in pack.list_pack_runs(cohort)}:
        raise ValidationError(_("This evaluation run does not belong to the chosen cohort."))
    taken_at = utcnow()
    with force_locale(lang):
        payload = pack.build_pack_payload(program, cohort, run, user=user, lang=lang, taken_at=taken_at,
                                          named_ranking_reason=reason)
        snapshot = create_snapshot(payload, kind=pack.PACK_KIND, program=program, cohort=cohort, user=user,
                                   taken_at=taken_at)
        if reason is not None:
            db.session.add(AuditLog(created_at=utcnow(), user_id=user.id if user is not None else None,
                                    program_id=program.id, entity_type=ReportSnapshot.__tablename__,
                                    entity_id=snapshot.id, action="named_ranking",
                                    changes={"reason": reason, "cohort_id": cohort.id,
                                             "fingerprint": snapshot.fingerprint}))
            db.session.flush()
    return _lay_out(program, snapshot)


def _lay_out(program: Program, snapshot: ReportSnapshot) -> PreparedPack:
    """Sections, layout and allowed files of a stored pack snapshot: what the PDF and the .docx show."""
    stored = snapshot.payload
    lang = stored["lang"]
    with force_locale(lang):
        evidence = appendix.plan_evidence(program, stored)  # PDF pages for the appendix, images, the size limit
        evidence_ids = sorted(evidence.image_ids)
        scratch = None
        if evidence_ids and evidence_store().kind != LOCAL:
            scratch = Path(tempfile.mkdtemp(prefix="eduinnov-pack-"))
        try:
            images = pack.pack_image_files(program, evidence_ids, scratch=scratch)
            document = pack.pack_document(stored, fingerprint=snapshot.fingerprint, image_files=images)
            sections, layout = pack.pack_sections(stored, fingerprint=snapshot.fingerprint, image_files=images)
        except BaseException:
            if scratch is not None:
                shutil.rmtree(scratch, ignore_errors=True)
            raise
    static = Path(current_app.static_folder)
    prepared = PreparedPack(snapshot=snapshot, sections=sections, layout=layout,
                            allowed_roots=(static, *images.values()), lang=lang, document=document, scratch=scratch,
                            evidence=evidence)
    if scratch is not None:  # both renderers (PDF, Word) read the copies, in any order; gone with the object
        weakref.finalize(prepared, shutil.rmtree, scratch, True)
    return prepared


def prepare_stored_pack(snapshot: ReportSnapshot) -> PreparedPack:
    """An existing pack snapshot laid out again, e.g. its .docx beside a PDF made earlier (same fingerprint).

    Raises
    ------
    ValidationError
        The snapshot is not an evidence pack of the current payload version, or its program is gone.
    """
    payload = snapshot.payload or {}
    program = db.session.get(Program, snapshot.program_id) if snapshot.program_id is not None else None
    if snapshot.kind != pack.PACK_KIND or payload.get("version") != pack.PAYLOAD_VERSION or program is None:
        raise ValidationError(_("This snapshot cannot be laid out as a self-evaluation report again."))
    return _lay_out(program, snapshot)


def render_evidence_pack(prepared: PreparedPack, *, processes: int | None = None) -> bytes:
    """Render a prepared pack to PDF bytes in ``processes`` worker processes (default: 2 when there are 2 cores).

    Only the static folder and the pack's own image evidence files can be read while rendering. The PDF
    evidence of the pack's achievements follows the report as stamped appendix pages (see
    :mod:`eduinnov.reports.appendix`).
    """
    from eduinnov.reports.pdf import default_processes, render_pdf_parallel

    report = render_pdf_parallel(
        prepared.sections, layout=prepared.layout, base_url=prepared.allowed_roots[0],
        allowed_roots=list(prepared.allowed_roots),
        processes=processes if processes is not None else default_processes(),
    )
    with force_locale(prepared.lang):
        return appendix.append_evidence(report, prepared.evidence, title=prepared.layout.title)


def render_evidence_pack_docx(prepared: PreparedPack) -> bytes:
    """The prepared pack as a Word file: the same sections (and fingerprint) as its PDF."""
    from eduinnov.reports.docx import render_docx

    with force_locale(prepared.lang):
        return render_docx(prepared.document)


def pack_filename(program: Program, cohort: Cohort, lang: str, suffix: str = ".pdf") -> str:
    """A file name such as ``evidence-pack-SE-2022-zh.pdf`` (or ``.docx``)."""
    code = re.sub(r"[^A-Za-z0-9_-]+", "_", program.code) or "program"
    return f"evidence-pack-{code}-{cohort.entry_year}-{lang}{suffix}"


def pack_docx_file(job: ReportJob) -> Path | None:
    """The Word file written beside a finished pack job's PDF, if it exists."""
    pdf = jobs.result_file(job)
    if pdf is None:
        return None
    docx = pdf.with_suffix(".docx")
    return docx if docx.is_file() else None


@jobs.report_job
def generate_pack(program_id: int, cohort_id: int, run_id: int | None, lang: str, user_id: int | None,
                  named_ranking_reason: str | None = None) -> Path:
    """Job: build the evidence pack of a cohort and write it to the job's folder (see :func:`start_pack_job`).

    Commits the snapshot before rendering, as a CLI command would."""
    program = db.session.get(Program, program_id)
    cohort = db.session.get(Cohort, cohort_id)
    user = db.session.get(User, user_id) if user_id is not None else None
    if program is None or cohort is None or (user_id is not None and user is None):
        raise DomainError(_("The program or cohort of this pack no longer exists."))
    run = resolve_pack_run(cohort, run_id, latest_if_none=False) if run_id is not None else None
    with force_locale(lang):
        jobs.report_progress(0.05, _("Collecting the data"))
    prepared = prepare_evidence_pack(program, cohort, run, lang=lang, user=user,
                                     named_ranking_reason=named_ranking_reason)
    db.session.commit()  # the snapshot is stored before the PDF that prints its fingerprint is rendered
    with force_locale(lang):
        jobs.report_progress(0.25, _("Rendering the PDF (%(n)d sections)", n=len(prepared.sections)))
    pdf = render_evidence_pack(prepared)
    path = jobs.output_path(pack_filename(program, cohort, lang))
    path.write_bytes(pdf)
    path.with_suffix(".docx").write_bytes(render_evidence_pack_docx(prepared))
    jobs.report_progress(1.0, _("The evidence pack is ready."))
    return path


def start_pack_job(program: Program, cohort: Cohort, run: EvaluationRun | None, *, lang: str, user: User,
                   named_ranking_reason: str | None = None) -> str:
    """Enqueue :func:`generate_pack` (it starts when the current transaction commits); return the job id.

    Raises
    ------
    ValidationError, DomainError
        As :func:`build_evidence_pack`, checked before anything is queued.
    """
    _check_pack_request(program, cohort, lang, user)
    reason = check_named_ranking(program, named_ranking_reason, user)
    if run is not None and run.id not in {r.id for r in pack.list_pack_runs(cohort)}:
        raise ValidationError(_("This evaluation run does not belong to the chosen cohort."))
    with force_locale(lang):
        title = _("Evidence pack %(program)s %(cohort)s", program=program.code, cohort=cohort.display_name)
    args = [program.id, cohort.id, run.id if run is not None else None, lang, user.id]
    if reason is not None:  # the job's arguments stay as before when nobody opts in
        args.append(reason)
    return jobs.enqueue(PACK_JOB, *args, title=title, owner=user, program_id=program.id)


def list_pack_jobs(user: User, limit: int = 10) -> list[ReportJob]:
    """The user's latest evidence-pack jobs, newest first."""
    stmt = (select(ReportJob).where(ReportJob.owner_id == user.id, ReportJob.func_path == PACK_JOB)
            .order_by(ReportJob.created_at.desc()).limit(limit))
    return list(db.session.scalars(stmt))
