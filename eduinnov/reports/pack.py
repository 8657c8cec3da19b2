"""The self-evaluation report / certification-evidence pack: its content as plain data, then sections.

Two steps, kept apart so that the PDF shows exactly what the fingerprinted snapshot holds:

1. :func:`build_pack_payload` reads the program, cohort, framework, evaluation run, OBE figures,
   improvement records, IUR partners and verified achievements through the domains' services and
   queries and returns one JSON-ready dict (labels already in the pack's language). The caller stores it
   as a :class:`~eduinnov.reports.models.ReportSnapshot`.
2. :func:`pack_document` arranges that dict (as read back from the snapshot) into the chapters of the
   program's accreditation standard (:mod:`eduinnov.reports.chapters`), one structured model that
   :func:`pack_sections` renders to PDF sections (autoescaping ``reports/pdf/pack_blocks.html``) and
   :mod:`eduinnov.reports.docx` to a Word file: both show the same content and fingerprint.

Everything user-written (titles, names, records) reaches the PDF through Jinja's autoescaping only.
"""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from eduinnov.achievements.models import (
    Achievement,
    AchievementKind,
    AchievementParticipant,
    EvidenceFile,
    VerificationStatus,
)
from eduinnov.auth.models import User
from eduinnov.config import ROOT
from eduinnov.core.i18n import enum_label
from eduinnov.extensions import db
from eduinnov.frameworks import queries as framework_queries
from eduinnov.frameworks.models import (
    AgreementStatus,
    FrameworkVersion,
    Participation,
    PartnerOrganisation,
)
from eduinnov.indicators.models import EvaluationRun, EvaluationUnit
from eduinnov.indicators.queries import published_runs_clause
from eduinnov.indicators.reports import run_view
from eduinnov.indicators.services import grade_legend
from eduinnov.obe import queries as obe_queries
from eduinnov.obe import reports as obe_reports
from eduinnov.obe.compute import REFERENCE as OBE_REFERENCE
from eduinnov.programs.models import Cohort, Program, Student
from eduinnov.reports.document import Document, html_sections
from eduinnov.reports.report_data import (
    credit_structure,
    curriculum_part,
    faculty_part,
    objectives_part,
    support_part,
)
from eduinnov.reports.report_data import num as _num
from eduinnov.reports.report_data import when as _when
from eduinnov.reports.standards import report_structure

if TYPE_CHECKING:  # the PDF module imports WeasyPrint: only where a PDF is made
    from eduinnov.reports.pdf import PdfLayout, Section

__all__ = [
    "PACK_KIND",
    "PAYLOAD_VERSION",
    "build_pack_payload",
    "list_pack_runs",
    "credit_structure",
    "list_verified_achievements",
    "pack_document",
    "pack_image_files",
    "pack_sections",
    "snapshot_summary",
]

PACK_KIND = "evidence_pack"
PAYLOAD_VERSION = 2
PACK_CSS = ROOT / "templates" / "reports" / "pdf" / "pack.css"


# -- reads ---------------------------------------------------------------------------------------------

def list_pack_runs(cohort: Cohort) -> list[EvaluationRun]:
    """Published evaluation runs that say something about ``cohort``, newest first.

    Runs of student models on this cohort, and runs of cohort models on its program (the cohort is
    one of the evaluated objects). A run whose health check failed is left out until a director has
    reviewed it.
    """
    stmt = (
        select(EvaluationRun)
        .where(or_(
            EvaluationRun.target_cohort_id == cohort.id,
            (EvaluationRun.unit == EvaluationUnit.COHORT) & (EvaluationRun.target_program_id == cohort.program_id),
        ), published_runs_clause())
        .order_by(EvaluationRun.created_at.desc(), EvaluationRun.id.desc())
    )
    return list(db.session.scalars(stmt))


def list_verified_achievements(program: Program, cohort: Cohort | None = None) -> list[Achievement]:
    """Verified achievements of ``program`` (naming a student of ``cohort`` when given), by kind, year, id."""
    stmt = (
        select(Achievement)
        .where(Achievement.program_id == program.id,
               Achievement.verification_status == VerificationStatus.VERIFIED)
        .options(selectinload(Achievement.participants).selectinload(AchievementParticipant.student),
                 selectinload(Achievement.evidence_files), selectinload(Achievement.verified_by))
        .order_by(Achievement.kind, Achievement.year.desc(), Achievement.id)
    )
    if cohort is not None:
        in_cohort = (select(AchievementParticipant.achievement_id)
                     .join(Student, Student.id == AchievementParticipant.student_id)
                     .where(Student.cohort_id == cohort.id))
        stmt = stmt.where(Achievement.id.in_(in_cohort))
    return list(db.session.scalars(stmt))


def pack_image_files(program: Program, evidence_ids: Sequence[int], *,
                     scratch: Path | None = None) -> dict[int, Path]:
    """Disk paths of image evidence files among ``evidence_ids`` that belong to verified achievements of ``program``.

    Only these files (and the static folder) may be read while the pack renders. With the local store they
    are the stored files themselves; with the database store each image is copied (streamed through
    ``open_evidence``) into ``scratch``, a folder the caller creates and removes after rendering (without
    one, database-stored images are listed in the appendix but not shown).
    """
    from eduinnov.achievements.evidence import evidence_store, open_evidence, path_of
    from eduinnov.core.blobs import LOCAL

    if not evidence_ids:
        return {}
    stmt = (
        select(EvidenceFile)
        .join(EvidenceFile.achievement)
        .where(EvidenceFile.id.in_(list(evidence_ids)), Achievement.program_id == program.id,
               Achievement.verification_status == VerificationStatus.VERIFIED,
               EvidenceFile.mime_type.like("image/%"))
    )
    local = evidence_store().kind == LOCAL
    out: dict[int, Path] = {}
    for file in db.session.scalars(stmt):
        try:
            if local:
                path = path_of(file.stored_name)
                if path.is_file():
                    out[file.id] = path
            elif scratch is not None:
                path = scratch / file.stored_name
                with open_evidence(file.stored_name) as src, open(path, "wb") as dst:
                    shutil.copyfileobj(src, dst, 1024 * 1024)
                out[file.id] = path
        except (ValueError, FileNotFoundError):
            continue
    return out


# -- payload -------------------------------------------------------------------------------------------

def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat()


def _english(lang: str) -> bool:
    return lang.startswith("en")


def _framework_part(framework: FrameworkVersion, lang: str) -> dict[str, Any]:
    en = _english(lang)
    requirements = []
    for req in framework_queries.get_obe_tree(framework):
        requirements.append({
            "number": req["number"],
            "title": (req["title_en"] if en and req["title_en"] else req["title"]),
            "description": req["description"],
            "points": [{
                "code": p["code"],
                "description": (p["description_en"] if en and p["description_en"] else p["description"]),
                "courses": [f'{c["code"]} ({c["label"]})' for c in p["courses"]],
            } for p in req["points"]],
        })
    matrix = framework_queries.get_support_matrix(framework)
    matrix_part = {
        "groups": [{"number": req.number, "codes": [p.code for p in points]} for req, points in matrix.groups],
        "rows": [{
            "code": row["course"].code, "name": row["course"].display_name,
            "credits": _num(row["course"].credits, 2),
            "cells": [cell["label"] if cell else None for cell in row["cells"]],
        } for row in matrix.rows],
        "column_counts": [matrix.column_counts.get(p.id, 0) for p in matrix.points],
    }

    def module(node: dict[str, Any]) -> dict[str, Any]:
        return {
            "name": node["name"], "kind": node["kind_label"], "line": node["line_label"] or None,
            "credits": _num(node["credits"], 2), "term": node["term"],
            "courses": [f'{c["code"]} {c["name"]}' for c in node["courses"]],
            "children": [module(child) for child in node["children"]],
        }

    return {
        "id": framework.id, "version": framework.version, "title": framework.title,
        "status": enum_label(framework.status), "entry_year": framework.entry_year,
        "threshold": _num(framework.threshold), "rule": framework.aggregation_rule.value,
        "rule_label": enum_label(framework.aggregation_rule),
        "weights": {"H": _num(framework.weight_h), "M": _num(framework.weight_m), "L": _num(framework.weight_l)},
        "counts": framework_queries.count_framework_contents(framework),
        "requirements": requirements, "matrix": matrix_part,
        "modules": [module(node) for node in framework_queries.get_module_tree(framework)],
    }


def _partners_part(program: Program, cohort: Cohort) -> list[dict[str, Any]]:
    partners = list(db.session.scalars(
        select(PartnerOrganisation).where(PartnerOrganisation.program_id == program.id)
        .options(selectinload(PartnerOrganisation.agreements), selectinload(PartnerOrganisation.practice_bases),
                 selectinload(PartnerOrganisation.joint_supervisors))
        .order_by(PartnerOrganisation.name_zh)
    ))
    placed = dict(db.session.execute(
        select(Participation.partner_id, func.count(Participation.id))
        .join(Student, Student.id == Participation.student_id)
        .where(Student.cohort_id == cohort.id).group_by(Participation.partner_id)
    ).all())
    return [{
        "name": p.display_name, "kind": enum_label(p.kind), "city": p.city,
        "agreements": len(p.agreements),
        "agreements_active": sum(1 for a in p.agreements if a.status == AgreementStatus.ACTIVE),
        "bases": len(p.practice_bases), "supervisors": len(p.joint_supervisors),
        "participations": int(placed.get(p.id, 0)),
    } for p in partners]


def _evaluation_part(run: EvaluationRun, cohort: Cohort, lang: str, *, named: bool = False) -> dict[str, Any]:
    en = _english(lang)
    view = run_view(run)

    def name(row: Mapping[str, Any]) -> str:
        return (row.get("name_en") if en and row.get("name_en") else row.get("name_zh")) or row.get("code", "")

    def grade(row: Mapping[str, Any]) -> str:
        return (row.get("grade") if en else row.get("grade_zh")) or row.get("grade") or ""

    tree = [{
        "code": r["code"], "name": name(r), "depth": r["depth"], "is_leaf": r["is_leaf"],
        "local_weight": _num(r["local_weight"]), "global_weight": _num(r["global_weight"]),
        "weighting": r["weighting"], "aggregation": r["aggregation"], "CR": _num(r["CR"]),
        "consistent": r["consistent"], "mean": _num(r["mean"]),
        "metric": (r["metric"] or {}).get("label") if r["metric"] else None,
    } for r in view["tree"]]
    methods = sorted({r["weighting"] for r in tree if r["weighting"]})
    aggregations = sorted({r["aggregation"] for r in tree if r["aggregation"]})
    legend = grade_legend(run, english=en)
    rows = [{
        "label": r["label"], "score": _num(r["score"]), "grade": grade(r), "rank": r["rank"],
        "membership": [_num(v) for v in r["membership"]] if r.get("membership") else None,
        "first_level": [_num(v) for v in r["first_level"]],
        "is_this_cohort": run.unit == EvaluationUnit.COHORT and r.get("id") == cohort.id,
    } for r in view["ranking"]]
    first_means = []
    for i in range(len(view["first_level"])):
        vals = [r["first_level"][i] for r in rows if i < len(r["first_level"]) and r["first_level"][i] is not None]
        first_means.append(_num(sum(vals) / len(vals)) if vals else None)
    students = run.unit == EvaluationUnit.STUDENT
    # Students are never ranked by name unless a director opted in for this pack (named_ranking).
    results = [] if students else rows
    examples = _anonymised_examples(rows) if students else []
    summary = run.summary or {}
    mean_grade = view["mean_grade"]
    return {
        "run_id": run.id, "model_name": run.model_name, "model_version": run.model_version,
        "unit": run.unit.value, "unit_label": enum_label(run.unit), "target": run.target_label,
        "created_at": _iso(run.created_at), "created_at_display": _when(run.created_at),
        "created_by": run.created_by.name if run.created_by else None, "fingerprint": run.fingerprint,
        "weighting_methods": methods, "aggregation_methods": aggregations,
        "grade_rule": summary.get("grade_rule"), "warnings": [str(w) for w in summary.get("warnings", [])],
        "legend": {"rule": legend["rule"], "text": str(legend["text"]), "score_text": str(legend["score_text"]),
                   "grades": [{"name": g["name"], "min": _num(g["min"]), "max": _num(g["max"]),
                               "value": _num(g["value"])} for g in legend["grades"]]},
        "tree": tree,
        "first_level": [{"code": c, "name": (n_en if en and n_en else n_zh)} for c, n_zh, n_en in view["first_level"]],
        "grades": [{"name": (g.get("name_en") if en else g.get("name_zh")) or g.get("name_zh"),
                    "min": _num(g.get("min")), "count": g["count"]} for g in view["grades"]],
        "summary": {"n": summary.get("n"), "mean": _num(summary.get("mean")), "median": _num(summary.get("median")),
                    "min": _num(summary.get("min")), "max": _num(summary.get("max")),
                    "mean_grade": (mean_grade.get("name_en") if en else mean_grade.get("name_zh"))},
        "results": results, "scores": [r["score"] for r in rows], "first_level_means": first_means,
        "examples": examples, "named_rows": rows if students and named else [],
    }


def _anonymised_examples(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The highest, median and lowest result with its first-level scores, without name or rank."""
    if not rows:
        return []
    ordered = sorted(rows, key=lambda r: (r["score"] is None, -(r["score"] or 0.0)))
    picks = [(_("Highest score"), ordered[0]), (_("Median"), ordered[(len(ordered) - 1) // 2]),
             (_("Lowest score"), ordered[-1])]
    return [{"label": label, "score": r["score"], "grade": r["grade"], "first_level": r["first_level"]}
            for label, r in picks[: min(3, len(ordered))]]


def _obe_part(cohort: Cohort, framework: FrameworkVersion, lang: str) -> dict[str, Any]:
    en = _english(lang)
    report = obe_reports.cohort_report(cohort, framework)
    requirements = []
    for r in report.requirements:
        req = r.requirement
        requirements.append({
            "number": req.number, "title": (req.title_en if en and req.title_en else req.title),
            "weighted_sum": _num(r.weighted_sum), "minimum": _num(r.minimum),
            "achieved_weighted_sum": r.achieved_weighted_sum, "achieved_minimum": r.achieved_minimum,
            "rule_changes_verdict": bool(r.rule_changes_verdict),
            "share_weighted_sum": _num(r.share_weighted_sum), "share_minimum": _num(r.share_minimum),
            "points": [{
                "code": p.point.code, "weighted_sum": _num(p.weighted_sum), "minimum": _num(p.minimum),
                "achieved_weighted_sum": p.achieved_weighted_sum, "achieved_minimum": p.achieved_minimum,
                "courses": [{"code": c.course.code, "weight": _num(c.normalised_weight), "value": _num(c.value)}
                            for c in p.courses],
            } for p in r.points],
        })
    has_values = any(r["weighted_sum"] is not None or r["minimum"] is not None for r in requirements)
    return {
        "framework_version": framework.version, "threshold": _num(report.threshold), "rule": report.rule.value,
        "rule_label": enum_label(report.rule), "reference": OBE_REFERENCE,
        "objective_rule": framework.objective_rule.value, "objective_rule_label": enum_label(framework.objective_rule),
        "offerings": len(report.offerings), "courses_without_scores": [c.code for c in report.courses_without_scores],
        "has_values": has_values, "requirements": requirements,
    }


def _improvements_part(framework: FrameworkVersion, cohort: Cohort) -> list[dict[str, Any]]:
    # This version's records of the cohort (or of none), and every record of the earlier versions'
    # requirements this version's continue: the earlier cycles of the loop, labelled with their version.
    records = [r for r in obe_queries.list_improvements_across_versions(framework)
               if r.cohort_id in (None, cohort.id) or r.framework_id != framework.id]
    return [{
        "id": r.id, "cycle_year": r.cycle_year,
        "target": (r.target_label if r.framework_id == framework.id
                   else f"{r.target_label} (v{r.framework_version.version})"),
        "cohort": r.cohort.display_name if r.cohort else None, "achievement_value": _num(r.achievement_value),
        "analysis": r.analysis, "measure": r.measure, "responsible": r.responsible,
        "status": enum_label(r.status), "next_cycle_result": r.next_cycle_result,
    } for r in records]


def _achievement_detail(a: Achievement) -> str:
    """Level, indexing, patent type or prize: the one or two facts a panel looks for, as text."""
    parts: list[str] = []
    if a.kind == AchievementKind.PROJECT:
        parts += [enum_label(a.level), enum_label(a.project_type), enum_label(a.project_status)]
    elif a.kind == AchievementKind.PUBLICATION:
        parts += [a.venue or "", enum_label(a.indexing), a.doi or ""]
    elif a.kind == AchievementKind.PATENT:
        parts += [enum_label(a.patent_type), enum_label(a.patent_status), a.grant_number or a.application_number or ""]
    elif a.kind == AchievementKind.AWARD:
        parts += [a.competition or "", enum_label(a.level), enum_label(a.prize_rank)]
    return " · ".join(p for p in parts if p)


def _achievements_part(achievements: Sequence[Achievement]) -> list[dict[str, Any]]:
    return [{
        "id": a.id, "ref": f"A{a.id}", "kind": a.kind.value, "kind_label": enum_label(a.kind),
        "title": a.title, "year": a.year, "detail": _achievement_detail(a),
        "students": [f"{p.student.name} ({p.student.student_no})" for p in a.participants],
        "verified_at": _when(a.verified_at), "verified_by": a.verified_by.name if a.verified_by else None,
        "evidence": [{
            "id": f.id, "ref": f"E{f.id}", "name": f.original_name, "mime": f.mime_type,
            "size": f.size_bytes, "sha256": f.sha256, "is_image": f.is_image,
        } for f in a.evidence_files],
    } for a in achievements]


def build_pack_payload(program: Program, cohort: Cohort, run: EvaluationRun | None, *, user: User | None,
                       lang: str, taken_at: datetime, named_ranking_reason: str | None = None) -> dict[str, Any]:
    """Everything the evidence pack shows, as plain JSON-ready data in the language ``lang``.

    Call it under ``force_locale(lang)`` so that labels come out in that language.

    Parameters
    ----------
    program, cohort
        The cohort must belong to the program.
    run
        The evaluation run to report (see :func:`list_pack_runs`), or None for no evaluation chapter.
    user
        Who asked for the pack (named in the snapshot).
    lang
        ``"zh"`` or ``"en"``.
    taken_at
        When the data were read (UTC); part of the fingerprinted data.
    named_ranking_reason
        None (the default): students appear in the report body only as distributions, shares and
        anonymised examples. A reason (recorded in the snapshot): a named ranking is added to the
        appendix. The caller checks that the user may opt in.

    Returns
    -------
    dict
        Keys ``kind``, ``version``, ``lang``, ``taken_at``, ``taken_by``, ``program``, ``cohort``,
        ``framework``, ``partners``, ``evaluation``, ``obe``, ``improvements``, ``achievements``,
        ``achievement_summary``, ``structure`` (the standard's chapters), ``curriculum`` (courses and
        credit structure), ``objectives``, ``faculty``, ``support``, ``named_ranking``.
    """
    if cohort.program_id != program.id:
        raise ValueError("the cohort belongs to another program")
    framework = obe_queries.get_framework_for_cohort(cohort)
    achievements = list_verified_achievements(program, cohort)
    cohort_students = db.session.scalar(select(func.count(Student.id)).where(Student.cohort_id == cohort.id)) or 0
    with_achievement = {p.student_id for a in achievements for p in a.participants if p.student.cohort_id == cohort.id}
    by_kind = Counter(a.kind for a in achievements)
    structure = report_structure(program, lang)
    return {
        "kind": PACK_KIND,
        "version": PAYLOAD_VERSION,
        "lang": lang,
        "taken_at": _iso(taken_at),
        "taken_at_display": _when(taken_at),
        "taken_by": {"id": user.id, "name": user.name} if user is not None else None,
        "program": {"id": program.id, "code": program.code, "name": program.display_name,
                    "name_zh": program.name_zh, "name_en": program.name_en,
                    "degree": enum_label(program.degree_level)},
        "cohort": {"id": cohort.id, "entry_year": cohort.entry_year, "name": cohort.display_name,
                   "students": int(cohort_students)},
        "framework": _framework_part(framework, lang) if framework is not None else None,
        "partners": _partners_part(program, cohort),
        "evaluation": (_evaluation_part(run, cohort, lang, named=named_ranking_reason is not None)
                       if run is not None else None),
        "obe": _obe_part(cohort, framework, lang) if framework is not None else None,
        "improvements": _improvements_part(framework, cohort) if framework is not None else [],
        "achievements": _achievements_part(achievements),
        "achievement_summary": {
            "total": len(achievements),
            "by_kind": [{"kind": k.value, "label": enum_label(k), "count": by_kind.get(k, 0)} for k in AchievementKind],
            "students_with_achievement": len(with_achievement),
        },
        "structure": structure,
        "curriculum": curriculum_part(framework, structure["credit_minima"]) if framework is not None else None,
        "objectives": objectives_part(program, cohort),
        "faculty": faculty_part(program),
        "support": support_part(program),
        "named_ranking": ({"reason": named_ranking_reason, "by": user.name if user is not None else None}
                          if named_ranking_reason is not None else None),
    }


def snapshot_summary(payload: Mapping[str, Any]) -> dict[str, Any]:
    """A short, readable digest of a pack payload for the verification page."""
    evaluation = payload.get("evaluation") or {}
    obe = payload.get("obe") or {}
    framework = payload.get("framework") or {}
    return {
        "program": (payload.get("program") or {}).get("name"),
        "program_code": (payload.get("program") or {}).get("code"),
        "cohort": (payload.get("cohort") or {}).get("name"),
        "students": (payload.get("cohort") or {}).get("students"),
        "lang": payload.get("lang"),
        "framework": framework.get("version"),
        "run": ({"id": evaluation.get("run_id"), "model": evaluation.get("model_name"),
                 "version": evaluation.get("model_version"), "created_at": evaluation.get("created_at_display"),
                 "mean": (evaluation.get("summary") or {}).get("mean"),
                 "mean_grade": (evaluation.get("summary") or {}).get("mean_grade"),
                 "n": (evaluation.get("summary") or {}).get("n")} if evaluation else None),
        "obe": ({"threshold": obe.get("threshold"), "rule_label": obe.get("rule_label"),
                 "requirements": obe.get("requirements", []),
                 "has_values": obe.get("has_values")} if obe else None),
        "achievements": payload.get("achievement_summary") or {},
        "improvements": len(payload.get("improvements") or []),
        "partners": len(payload.get("partners") or []),
    }


# -- sections (PDF) --------------------------------------------------------------------------------------

def pack_document(payload: Mapping[str, Any], *, fingerprint: str,
                  image_files: Mapping[int, Path] | None = None) -> Document:
    """The report as structured sections (call under ``force_locale(payload["lang"])``): the one model
    that both the PDF (:func:`pack_sections`) and the Word file (:mod:`eduinnov.reports.docx`) render."""
    from eduinnov.reports.chapters import build_document

    return build_document(payload, fingerprint=fingerprint, image_files=dict(image_files or {}))


def pack_sections(payload: Mapping[str, Any], *, fingerprint: str,
                  image_files: Mapping[int, Path] | None = None) -> tuple[list[Section], PdfLayout]:
    """The pack's PDF sections and layout from a stored payload (call under ``force_locale(payload["lang"])``).

    Parameters
    ----------
    payload
        A :func:`build_pack_payload` result, as stored in the snapshot.
    fingerprint
        The snapshot's SHA-256, printed on the cover and the last page.
    image_files
        Evidence id → disk path of the image files the appendix may embed (see :func:`pack_image_files`);
        images without a path are listed, not shown.
    """
    from eduinnov.reports.pdf import PdfLayout

    document = pack_document(payload, fingerprint=fingerprint, image_files=image_files)
    sections, cover = html_sections(document)
    layout = PdfLayout(
        title=f"{document.title} · {document.subtitle}",
        lang=document.lang,
        footer_format=document.footer_format,
        contents=True,
        contents_title=document.contents_title,
        cover_html=cover,
        stylesheets=(PACK_CSS.read_text(encoding="utf-8"),),
        body_class="evidence-pack",
    )
    return sections, layout
