"""The self-evaluation report: chapters in the standard's order, credit structure, Word output, no names."""

from __future__ import annotations

import io
import re

import pytest
from docx import Document as WordDocument
from docx.oxml.ns import qn
from flask_babel import force_locale
from pypdf import PdfReader

from eduinnov.core.audit import AuditLog
from eduinnov.core.errors import DomainError, ValidationError
from eduinnov.core.i18n import enum_label
from eduinnov.extensions import db
from eduinnov.frameworks.models import CourseCategory, ObjectiveRule
from eduinnov.reports import services, standards
from eduinnov.reports.models import ReportStandard
from eduinnov.reports.pack import credit_structure
from tests.reports.conftest import pdf_pages_text
from tests.reports.packdata import make_pack_data

ENGINEERING_ZH = ["专业基本情况", "1 学生", "2 培养目标", "3 毕业要求", "4 持续改进", "5 课程体系", "6 师资队伍",
                  "7 支持条件", "附录A 评价模型与指标体系", "附录B 已认定成果与佐证材料", "快照指纹（SHA-256）"]


def _outline_titles(reader: PdfReader) -> list[tuple[str, int]]:
    """Top-level bookmarks after the cover and the contents (title, 1-based page), in order."""
    items = [(item.title, reader.get_destination_page_number(item) + 1)
             for item in reader.outline if not isinstance(item, list)]
    titles = [t for t, _page in items]
    return items[titles.index("目录") + 1:] if "目录" in titles else items


def test_credit_structure_shares_against_hand_computed_credits():
    minima = standards.ENGINEERING_CREDIT_MINIMA
    # 10 + 6 maths, 30 engineering, 10 practice, 18 humanities, 4 other: 78 credits
    courses = [("math_science", 10), ("math_science", 6), ("engineering", 30), ("practice", 10),
               ("humanities", 18), ("other", 4)]
    cs = credit_structure(courses, minima)
    rows = {r["category"]: r for r in cs["rows"]}
    assert cs["total"] == 78
    assert rows["math_science"]["credits"] == 16 and rows["math_science"]["courses"] == 2
    assert rows["math_science"]["share"] == pytest.approx(16 / 78, abs=1e-6)      # 20.5 % ≥ 15 %
    assert rows["engineering"]["share"] == pytest.approx(30 / 78, abs=1e-6)       # 38.5 % ≥ 30 %
    assert rows["practice"]["share"] == pytest.approx(10 / 78, abs=1e-6)          # 12.8 % < 20 %
    assert rows["humanities"]["share"] == pytest.approx(18 / 78, abs=1e-6)        # 23.1 % ≥ 15 %
    assert [rows[c]["meets"] for c in ("math_science", "engineering", "practice", "humanities")] == \
        [True, True, False, True]
    assert rows["other"]["minimum"] is None and rows["other"]["meets"] is None
    # exactly at the minimum passes: 15 of 100 credits
    edge = {r["category"]: r for r in credit_structure([("humanities", 15), ("engineering", 85)], minima)["rows"]}
    assert edge["humanities"]["meets"] is True
    # no credits: shares and verdicts cannot be computed
    empty = credit_structure([], minima)
    assert empty["total"] == 0 and all(r["share"] is None and r["meets"] is None for r in empty["rows"])
    # a standard without minima: no verdicts
    assert all(r["meets"] is None for r in credit_structure(courses, None)["rows"])


def test_pdf_and_docx_follow_the_engineering_chapters_with_the_same_fingerprint(app, program, other_program,
                                                                                tmp_path):
    d = make_pack_data(program, other_program)
    d.plan.course.credits = 4
    d.plan.course.category = CourseCategory.ENGINEERING
    db.session.commit()
    prepared = services.prepare_evidence_pack(program, d.cohort, d.run, lang="zh", user=d.director)
    db.session.commit()
    pdf = services.render_evidence_pack(prepared, processes=1)
    reader = PdfReader(io.BytesIO(pdf))
    outline = _outline_titles(reader)
    assert [t for t, _page in outline] == ENGINEERING_ZH
    pages = pdf_pages_text(pdf, tmp_path)
    flat = re.sub(r"\s+", "", "\n".join(pages))
    fingerprint = prepared.snapshot.fingerprint
    assert fingerprint in re.sub(r"\s+", "", pages[-1])
    # the credit-structure table: the one course, 4 credits, 100 % engineering, the other shares 0 % and failing
    assert "学分结构" in flat and "待撰写" in flat
    # the OBE provenance line names the program's course-objective rule beside its aggregation rule
    with force_locale("zh"):
        objective_rule = str(enum_label(ObjectiveRule.MEAN))
    assert re.sub(r"\s+", "", f"课程目标：{objective_rule}") in flat
    assert "工程基础类与专业类课程" in flat and "100.0%" in flat and "低于最低要求" in flat

    data = services.render_evidence_pack_docx(prepared)
    doc = WordDocument(io.BytesIO(data))
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings == ENGINEERING_ZH
    assert {"课程支撑矩阵", "毕业要求达成度", "创新能力评价", "匿名示例"} <= {
        p.text for p in doc.paragraphs if p.style.name == "Heading 2"}
    text = "\n".join(p.text for p in doc.paragraphs)
    assert fingerprint in text and doc.core_properties.comments == fingerprint
    cells = [c.text for t in doc.tables for r in t.rows for c in r.cells]
    assert "工程基础类与专业类课程" in cells and "100.0%" in cells
    assert len(doc.tables) >= 10
    # a table-of-contents field Word can update, charts as PNG images, East-Asian font names
    assert 'TOC \\o "1-2"' in doc.element.xml
    assert len(doc.inline_shapes) >= 2
    fonts = doc.styles["Normal"].element.rPr.find(qn("w:rFonts"))
    assert fonts.get(qn("w:eastAsia")) == "SimSun"


def _names(d) -> list[str]:
    return [s.name for s in d.students] + [s.student_no for s in d.students]


def _before_appendix_b(pages: list[str], reader: PdfReader) -> tuple[str, str]:
    outline = dict(_outline_titles(reader))
    start = outline["附录B 已认定成果与佐证材料"]
    end = outline["快照指纹（SHA-256）"]
    return "\n".join(pages[: start - 1]) + "\n".join(pages[end - 1:]), "\n".join(pages[start - 1: end - 1])


def _docx_split(data: bytes) -> tuple[str, str]:
    """Text of paragraphs and table cells in body order: outside / inside appendix B."""
    doc = WordDocument(io.BytesIO(data))
    outside, inside, where = [], [], "out"
    for element in doc.element.body.iterchildren():
        if element.tag == qn("w:p"):
            text = "".join(t.text or "" for t in element.iter(qn("w:t")))
            if text == "附录B 已认定成果与佐证材料":
                where = "in"
            elif text == "快照指纹（SHA-256）":
                where = "out"
        else:
            text = " ".join(t.text or "" for t in element.iter(qn("w:t")))
        (inside if where == "in" else outside).append(text)
    return "\n".join(outside), "\n".join(inside)


def test_no_student_is_named_outside_the_evidence_appendix_unless_a_director_opts_in(app, program, other_program,
                                                                                   tmp_path):
    d = make_pack_data(program, other_program)
    prepared = services.prepare_evidence_pack(program, d.cohort, d.run, lang="zh", user=d.director)
    db.session.commit()
    pdf = services.render_evidence_pack(prepared, processes=1)
    outside, appendix = _before_appendix_b(pdf_pages_text(pdf, tmp_path), PdfReader(io.BytesIO(pdf)))
    for name in _names(d):
        assert name not in outside, name
    assert d.students[1].name in appendix  # the achievements name their students as evidence
    assert "最高分" in outside and "中位数" in outside  # anonymised examples instead
    assert all(name not in str(prepared.snapshot.payload["evaluation"]) for name in _names(d))
    docx_outside, docx_appendix = _docx_split(services.render_evidence_pack_docx(prepared))
    for name in _names(d):
        assert name not in docx_outside, name
    assert d.students[1].name in docx_appendix and "最高分" in docx_outside

    # a teacher cannot opt in, an empty reason is refused, and nothing is stored
    with pytest.raises(DomainError):
        services.prepare_evidence_pack(program, d.cohort, d.run, lang="zh", user=d.teacher,
                                       named_ranking_reason="for the panel")
    with pytest.raises(ValidationError):
        services.prepare_evidence_pack(program, d.cohort, d.run, lang="zh", user=d.director,
                                       named_ranking_reason="   ")
    # the director opts in with a reason: the named ranking is in the appendix, the reason in the snapshot and log
    named = services.prepare_evidence_pack(program, d.cohort, d.run, lang="zh", user=d.director,
                                           named_ranking_reason="评审专家要求查看个人排名")
    db.session.commit()
    assert named.snapshot.payload["named_ranking"]["reason"] == "评审专家要求查看个人排名"
    assert named.snapshot.fingerprint != prepared.snapshot.fingerprint
    log = db.session.scalar(db.select(AuditLog).where(AuditLog.action == "named_ranking"))
    assert log.entity_id == named.snapshot.id and log.user_id == d.director.id
    assert log.changes["reason"] == "评审专家要求查看个人排名"
    pdf2 = services.render_evidence_pack(named, processes=1)
    outside2, appendix2 = _before_appendix_b(pdf_pages_text(pdf2, tmp_path), PdfReader(io.BytesIO(pdf2)))
    assert "实名排名" in appendix2 and "评审专家要求查看个人排名" in re.sub(r"\s+", "", appendix2)
    assert all(s.name in appendix2 for s in d.students)
    for name in _names(d):
        assert name not in outside2, name


def test_nursing_program_gets_the_nursing_chapters(app, program, other_program):
    d = make_pack_data(program, other_program, with_run=False)
    standards.ensure_default_standards()
    nursing = db.session.scalar(db.select(ReportStandard).where(ReportStandard.code == "nursing"))
    standards.assign_standard(program, nursing)
    db.session.commit()
    prepared = services.prepare_evidence_pack(program, d.cohort, None, lang="en", user=d.director)
    titles = [s.title for s in prepared.document.sections if s.level == 1]
    assert titles[:4] == ["Program overview", "1 Mission and objectives", "2 Educational program",
                          "3 Student assessment"]
    assert "8 Research" in titles and titles[-1] == "Snapshot fingerprint (SHA-256)"
    assert titles[-3:-1] == ["Appendix A Evaluation model and index tree", "Appendix B Verified achievements and evidence"]
    # no credit minima in the nursing standard: no verdict column
    cs = prepared.snapshot.payload["curriculum"]["credit_structure"]
    assert all(r["meets"] is None for r in cs["rows"])


def test_admins_edit_chapters_and_assign_standards(app, program, admin, director, login_as):
    b = login_as(director)
    assert b.get("/reports/standards").status_code == 403
    a = login_as(admin)
    assert "Store the built-in standards" in a.get("/reports/standards").get_data(as_text=True)
    assert a.post("/reports/standards/defaults", {}, token_from="/reports/standards").status_code == 302
    engineering = db.session.scalar(db.select(ReportStandard).where(ReportStandard.code == "engineering"))
    curriculum = next(c for c in engineering.chapters if c.content.value == "curriculum")
    r = a.post(f"/reports/standards/chapters/{curriculum.id}",
               {f"c{curriculum.id}-position": 1, f"c{curriculum.id}-number": "5",
                f"c{curriculum.id}-name_zh": "课程体系", f"c{curriculum.id}-name_en": "Curriculum",
                f"c{curriculum.id}-content": "curriculum"}, token_from="/reports/standards")
    assert r.status_code == 302
    db.session.expire_all()
    engineering = db.session.get(ReportStandard, engineering.id)
    assert [c.content.value for c in engineering.chapters][:3] == ["overview", "curriculum", "students"]
    assert [c.position for c in engineering.chapters] == list(range(len(engineering.chapters)))
    # a save from a form opened before that change is refused (optimistic locking)
    stale = a.post(f"/reports/standards/chapters/{curriculum.id}",
                   {"row_version": f"report_chapters:{curriculum.id}:1", f"c{curriculum.id}-position": 7,
                    f"c{curriculum.id}-number": "5", f"c{curriculum.id}-name_zh": "旧的",
                    f"c{curriculum.id}-content": "curriculum"}, token_from="/reports/standards")
    assert stale.status_code == 409
    db.session.expire_all()
    assert db.session.get(ReportStandard, engineering.id).chapters[1].name_zh == "课程体系"
    bad = a.post(f"/reports/standards/chapters/{curriculum.id}",
                 {f"c{curriculum.id}-position": 3, f"c{curriculum.id}-name_zh": "",
                  f"c{curriculum.id}-content": "curriculum"}, token_from="/reports/standards")
    assert bad.status_code == 400
    db.session.expire_all()
    assert db.session.get(ReportStandard, engineering.id).chapters[1].content.value == "curriculum"
    nursing = db.session.scalar(db.select(ReportStandard).where(ReportStandard.code == "nursing"))
    assert a.post("/reports/standards/assign", {"program": program.id, "standard": nursing.id},
                  token_from="/reports/standards").status_code == 302
    db.session.expire_all()
    assert db.session.get(type(program), program.id).report_standard_id == nursing.id
