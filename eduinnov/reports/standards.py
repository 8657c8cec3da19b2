"""Accreditation standards: the data-driven chapter list of the self-evaluation report (自评报告).

Each program follows one :class:`~eduinnov.reports.models.ReportStandard` (``programs.report_standard_id``;
none set: the engineering standard). Admins edit the chapters on ``/reports/standards``. Two standards
are built in and stored by :func:`ensure_default_standards` (the demo seed and the admin page call it):
the general standard of China's engineering education accreditation and the nursing standard.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from eduinnov.core.errors import ValidationError
from eduinnov.extensions import db
from eduinnov.programs.models import Program
from eduinnov.reports.models import ChapterContent, ReportChapter, ReportStandard

__all__ = [
    "DEFAULT_STANDARD", "DEFAULT_STANDARDS", "ENGINEERING_CREDIT_MINIMA", "add_chapter", "assign_standard",
    "delete_chapter", "ensure_default_standards", "get_standard_for", "list_standards", "report_structure",
    "update_chapter",
]

C = ChapterContent
DEFAULT_STANDARD = "engineering"
#: Minimum share of total credits per course category (general standard, criterion 5 curriculum).
ENGINEERING_CREDIT_MINIMA = {"math_science": 0.15, "engineering": 0.30, "practice": 0.20, "humanities": 0.15}

#: code → (name_zh, name_en, credit minima, [(number, title_zh, title_en, content)]).
DEFAULT_STANDARDS: dict[str, tuple[str, str, dict[str, float] | None, list[tuple[str | None, str, str, C]]]] = {
    "engineering": ("工程教育认证通用标准", "Engineering education accreditation (general standard)",
                    ENGINEERING_CREDIT_MINIMA, [
        (None, "专业基本情况", "Program overview", C.OVERVIEW),
        ("1", "学生", "Students", C.STUDENTS),
        ("2", "培养目标", "Program educational objectives", C.OBJECTIVES),
        ("3", "毕业要求", "Graduation requirements", C.REQUIREMENTS),
        ("4", "持续改进", "Continuous improvement", C.IMPROVEMENT),
        ("5", "课程体系", "Curriculum", C.CURRICULUM),
        ("6", "师资队伍", "Faculty", C.FACULTY),
        ("7", "支持条件", "Support conditions", C.SUPPORT),
        ("附录A", "评价模型与指标体系", "Evaluation model and index tree", C.APPENDIX_EVALUATION),
        ("附录B", "已认定成果与佐证材料", "Verified achievements and evidence", C.APPENDIX_EVIDENCE),
    ]),
    "nursing": ("护理学专业认证标准", "Nursing program accreditation standard", None, [
        (None, "专业基本情况", "Program overview", C.OVERVIEW),
        ("1", "宗旨及目标", "Mission and objectives", C.OBJECTIVES),
        ("2", "教育计划", "Educational program", C.CURRICULUM),
        ("3", "学生成绩评定", "Student assessment", C.REQUIREMENTS),
        ("4", "学生", "Students", C.STUDENTS),
        ("5", "教师", "Faculty", C.FACULTY),
        ("6", "教育资源", "Educational resources", C.SUPPORT),
        ("7", "教育评价", "Educational evaluation", C.IMPROVEMENT),
        ("8", "科学研究", "Research", C.PROSE),
        ("9", "管理与行政", "Governance and administration", C.PROSE),
        ("10", "改革与发展", "Reform and development", C.PROSE),
        ("附录A", "评价模型与指标体系", "Evaluation model and index tree", C.APPENDIX_EVALUATION),
        ("附录B", "已认定成果与佐证材料", "Verified achievements and evidence", C.APPENDIX_EVIDENCE),
    ]),
}


def ensure_default_standards() -> list[ReportStandard]:
    """Store the built-in standards that are not stored yet (by code); flush. Existing ones are left as edited."""
    stored = {s.code for s in db.session.scalars(select(ReportStandard))}
    added = []
    for code, (name_zh, name_en, minima, chapters) in DEFAULT_STANDARDS.items():
        if code in stored:
            continue
        standard = ReportStandard(code=code, name_zh=name_zh, name_en=name_en, credit_minima=minima)
        for position, (number, title_zh, title_en, content) in enumerate(chapters):
            standard.chapters.append(ReportChapter(position=position, number=number, name_zh=title_zh,
                                                   name_en=title_en, content=content))
        db.session.add(standard)
        added.append(standard)
    db.session.flush()
    return added


def list_standards() -> list[ReportStandard]:
    """All stored standards, by code."""
    return list(db.session.scalars(select(ReportStandard).order_by(ReportStandard.code)))


def get_standard_for(program: Program) -> ReportStandard | None:
    """The program's standard, else the stored engineering standard, else None (the built-in list applies)."""
    if program.report_standard_id is not None:
        standard = db.session.get(ReportStandard, program.report_standard_id)
        if standard is not None:
            return standard
    return db.session.scalar(select(ReportStandard).where(ReportStandard.code == DEFAULT_STANDARD))


def _number(number: str | None, en: bool) -> str | None:
    """A chapter number in the report's language: "附录A" reads "Appendix A" in English."""
    if en and number and number.startswith("附录"):
        return "Appendix " + number.removeprefix("附录").strip()
    return number


def report_structure(program: Program, lang: str) -> dict[str, Any]:
    """The standard and its chapters for ``program`` as plain data (goes into the fingerprinted snapshot)."""
    en = lang.startswith("en")
    standard = get_standard_for(program)
    if standard is not None:
        name = standard.name_en if en and standard.name_en else standard.name_zh
        rows = [(_number(c.number, en), c.name_en if en and c.name_en else c.name_zh, c.content)
                for c in standard.chapters]
        return {"code": standard.code, "name": name, "credit_minima": standard.credit_minima,
                "chapters": [{"number": n, "title": t, "content": c.value} for n, t, c in rows]}
    name_zh, name_en, minima, chapters = DEFAULT_STANDARDS[DEFAULT_STANDARD]
    return {"code": DEFAULT_STANDARD, "name": name_en if en else name_zh, "credit_minima": minima,
            "chapters": [{"number": _number(n, en), "title": t_en if en else t_zh, "content": c.value}
                         for n, t_zh, t_en, c in chapters]}


# -- admin edits -----------------------------------------------------------------------------------------

def _clean(value: str | None, label: str, *, required: bool) -> str | None:
    text = (value or "").strip()
    if required and not text:
        raise ValidationError(_("%(field)s is required.", field=label))
    return text or None


def add_chapter(standard: ReportStandard, *, number: str | None, name_zh: str, name_en: str | None,
                content: ChapterContent, position: int | None = None) -> ReportChapter:
    """Add a chapter (last, or at ``position``, moving the later ones down); flush."""
    last = db.session.scalar(select(func.max(ReportChapter.position))
                             .where(ReportChapter.standard_id == standard.id))
    end = (last + 1) if last is not None else 0
    position = end if position is None or position > end else max(position, 0)
    chapter = ReportChapter(standard=standard, number=_clean(number, _("Number"), required=False),
                            name_zh=_clean(name_zh, _("Name"), required=True),
                            name_en=_clean(name_en, _("Name (English)"), required=False), content=content,
                            position=end + 1000)  # parked at the end while the others move
    db.session.add(chapter)
    db.session.flush()
    _move(standard, chapter, position)
    return chapter


def update_chapter(chapter: ReportChapter, *, number: str | None, name_zh: str, name_en: str | None,
                   content: ChapterContent, position: int) -> ReportChapter:
    """Change a chapter's number, titles, content and place in the order; flush."""
    chapter.number = _clean(number, _("Number"), required=False)
    chapter.name_zh = _clean(name_zh, _("Name"), required=True)
    chapter.name_en = _clean(name_en, _("Name (English)"), required=False)
    chapter.content = content
    db.session.flush()
    _move(chapter.standard, chapter, position)
    return chapter


def delete_chapter(chapter: ReportChapter) -> None:
    """Remove a chapter and close the gap in the order; flush."""
    standard = chapter.standard
    standard.chapters.remove(chapter)
    db.session.flush()
    _renumber(standard, list(standard.chapters))


def _move(standard: ReportStandard, chapter: ReportChapter, position: int) -> None:
    db.session.refresh(standard, ["chapters"])
    others = [c for c in standard.chapters if c.id != chapter.id]
    position = min(max(int(position), 0), len(others))
    _renumber(standard, [*others[:position], chapter, *others[position:]])


def _renumber(standard: ReportStandard, ordered: list[ReportChapter]) -> None:
    # Two passes: the unique (standard, position) must hold after each flush.
    offset = len(ordered) + 1000
    for i, c in enumerate(ordered):
        c.position = offset + i
    db.session.flush()
    for i, c in enumerate(ordered):
        c.position = i
    db.session.flush()
    db.session.refresh(standard, ["chapters"])


def assign_standard(program: Program, standard: ReportStandard | None) -> Program:
    """Make ``program`` follow ``standard`` (None: the engineering default); flush."""
    program.report_standard_id = standard.id if standard is not None else None
    db.session.flush()
    return program
