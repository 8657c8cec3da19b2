"""The certification-evidence pack: content, provenance, fingerprint, contents, images and safe fetching."""

from __future__ import annotations

import hashlib
import http.server
import io
import re
import subprocess
import threading
from datetime import UTC, datetime

import pytest
from flask_babel import force_locale
from pypdf import PdfReader

from eduinnov.auth.models import Role
from eduinnov.core.errors import DomainError, ValidationError
from eduinnov.extensions import db
from eduinnov.obe.reports import cohort_report
from eduinnov.reports import pack, services
from eduinnov.reports.models import ReportSnapshot
from eduinnov.reports.pdf import Section, render_pdf_parallel
from tests.factories import make_user
from tests.reports.conftest import pdf_pages_text
from tests.reports.packdata import make_pack_data


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802
        _Recorder.hits.append(self.path)
        self.send_response(404)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def recorder():
    """A local HTTP server that records every request (nothing may reach it)."""
    _Recorder.hits = []
    server = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()


def _images(path) -> list[tuple[int, int]]:
    """(width, height) of every image embedded in a PDF, from ``pdfimages -list``."""
    out = subprocess.run(["pdfimages", "-list", str(path)], check=True, capture_output=True, text=True).stdout
    rows = [line.split() for line in out.splitlines()[2:] if line.strip()]
    return [(int(r[3]), int(r[4])) for r in rows if r[2] == "image"]


def _outline_pages(reader: PdfReader) -> dict[str, int]:
    """Bookmark title → 1-based page number (nested bookmarks included)."""
    out: dict[str, int] = {}

    def walk(items):
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                out.setdefault(item.title, reader.get_destination_page_number(item) + 1)

    walk(reader.outline)
    return out


def test_zh_pack_shows_what_the_snapshot_holds(app, program, other_program, recorder, tmp_path):
    port = recorder.server_address[1]
    d = make_pack_data(program, other_program, port=port)
    prepared = services.prepare_evidence_pack(program, d.cohort, d.run, lang="zh", user=d.director)
    db.session.commit()
    pdf = services.render_evidence_pack(prepared, processes=2)
    path = tmp_path / "pack.pdf"
    path.write_bytes(pdf)
    pages = pdf_pages_text(path, tmp_path)
    text = "\n".join(pages)
    flat = re.sub(r"\s+", "", text)

    # Chinese section titles and content, with the CJK font
    for title in ("1 学生", "2 培养目标", "3 毕业要求", "4 持续改进", "5 课程体系", "6 师资队伍", "7 支持条件",
                  "课程支撑矩阵", "模块结构", "产学研合作单位", "毕业要求达成度", "学分结构", "快照指纹（SHA-256）"):
        assert title in text, title
    for title in ("基于知识图谱的课程推荐系统", "Deep learning for 软件缺陷预测", "阶段化课程学习", "专业核心课程"):
        assert re.sub(r"\s+", "", title) in flat, title
    # user content is shown as text, never interpreted
    assert '"><script>alert(1)</' in flat and "script>恶意标题" in flat  # wrapped in its table cell
    assert "hostile.png" in flat
    assert "<b>甲科技</b>有限公司" in flat
    assert "<script>x()</script>实验环节薄弱" in flat
    assert recorder and _Recorder.hits == []
    # only verified achievements of this program and cohort
    assert "尚待认定的项目" not in flat
    assert "护理技能大赛" not in flat
    # provenance: the run and the OBE computation with rule and threshold, and the snapshot time
    assert f"评价运行#{d.run.id}".replace(" ", "") in flat or f"Evaluationrun#{d.run.id}" in flat
    assert "阈值0.70" in flat

    # the fingerprint on the last page is the stored snapshot's, and the snapshot hashes to it
    snapshot = db.session.scalar(db.select(ReportSnapshot))
    assert snapshot.fingerprint == prepared.snapshot.fingerprint
    assert snapshot.fingerprint in re.sub(r"\s+", "", pages[-1])
    assert snapshot.matches_payload()
    assert snapshot.fingerprint == hashlib.sha256(ReportSnapshot.canonical_json(snapshot.payload).encode()).hexdigest()
    assert snapshot.program_id == program.id and snapshot.cohort_id == d.cohort.id
    assert snapshot.created_by_id == d.director.id
    assert snapshot.payload["evaluation"]["run_id"] == d.run.id
    assert [a["title"] for a in snapshot.payload["achievements"]].count("尚待认定的项目") == 0

    # the appendix embeds exactly the one image evidence of this program (charts are vector graphics)
    assert _images(path) == [(60, 40)]

    # contents: each entry's page number is where its heading (bookmark) is
    reader = PdfReader(io.BytesIO(pdf))
    bookmarks = _outline_pages(reader)
    with force_locale("zh"):
        contents_title = prepared.layout.contents_title
    contents_page = 1  # after the cover
    assert contents_title in pages[contents_page]
    entries = re.findall(r"^\s*(\S.*?\S)\s{2,}(\d+)\s*$", pages[contents_page], flags=re.M)
    assert len(entries) >= 10
    checked = 0
    for title, number in entries:
        if title in bookmarks:
            assert bookmarks[title] == int(number), title
            assert re.sub(r"\s+", "", title) in re.sub(r"\s+", "", pages[int(number) - 1])
            checked += 1
    assert checked >= 10
    # page numbers in the footer
    assert f"第2页/共{len(pages)}页" in flat or f"Page2of{len(pages)}" in flat


def test_another_programs_evidence_is_not_reachable_even_if_named_in_the_html(app, program, other_program, tmp_path):
    d = make_pack_data(program, other_program, with_run=False, with_scores=False)
    from eduinnov.achievements.evidence import path_of

    own, other = path_of(d.image.stored_name), path_of(d.other_image.stored_name)
    assert pack.pack_image_files(program, [d.image.id, d.other_image.id]) == {d.image.id: own}
    prepared = services.prepare_evidence_pack(program, d.cohort, None, lang="en", user=d.director)
    db.session.commit()
    assert other not in prepared.allowed_roots
    sneaky = Section("Sneaky", f'<img src="{other.as_uri()}"><img src="{own.as_uri()}">'
                               f'<img src="{other.parent.as_uri()}/../evidence/{other.name}">')
    pdf = render_pdf_parallel([*prepared.sections, sneaky], layout=prepared.layout,
                              base_url=prepared.allowed_roots[0], allowed_roots=list(prepared.allowed_roots),
                              processes=1)
    path = tmp_path / "sneaky.pdf"
    path.write_bytes(pdf)
    sizes = _images(path)
    assert (77, 33) not in sizes
    assert sizes.count((60, 40)) == 2  # the appendix and the sneaky section's own image


def test_en_pack_without_run_or_scores(app, program, other_program, tmp_path):
    d = make_pack_data(program, other_program, with_run=False, with_scores=False)
    prepared = services.prepare_evidence_pack(program, d.cohort, None, lang="en", user=None)
    db.session.commit()
    text = "\n".join(pdf_pages_text(services.render_evidence_pack(prepared, processes=1), tmp_path))
    for title in ("Contents", "Course support matrix", "Graduation requirement achievement", "Verified achievements",
                  "Appendix: evidence images", "Snapshot fingerprint (SHA-256)"):
        assert title in text, title
    assert "no stored evaluation run" in text
    assert "No achievement degrees yet" in text
    assert prepared.snapshot.payload["evaluation"] is None
    assert prepared.snapshot.payload["obe"]["has_values"] is False
    assert prepared.snapshot.payload["taken_by"] is None


def test_obe_figures_name_both_rules_and_the_threshold(app, program, other_program):
    d = make_pack_data(program, other_program, with_run=False)
    with force_locale("en"):
        payload = pack.build_pack_payload(program, d.cohort, None, user=d.director, lang="en",
                                          taken_at=datetime(2026, 1, 1, tzinfo=UTC))
    obe = payload["obe"]
    assert obe["threshold"] == 0.7 and obe["rule"] == "weighted_sum" and obe["has_values"]
    gr3 = obe["requirements"][0]
    assert gr3["number"] == 3
    assert {"weighted_sum", "minimum", "achieved_weighted_sum", "achieved_minimum", "rule_changes_verdict"} <= gr3.keys()
    report = cohort_report(d.cohort)  # the pack shows the OBE module's own figures
    assert gr3["weighted_sum"] == pytest.approx(report.requirements[0].weighted_sum, abs=1e-6)
    assert gr3["minimum"] == pytest.approx(report.requirements[0].minimum, abs=1e-6)
    assert gr3["weighted_sum"] is not None
    assert payload["taken_at"] == "2026-01-01T00:00:00+00:00"
    assert payload["achievement_summary"]["total"] == 3
    assert payload["improvements"][0]["analysis"].startswith("<script>")


def test_a_run_of_another_cohort_is_refused(app, program, other_program):
    d = make_pack_data(program, other_program)
    from tests.factories import make_cohort

    later = make_cohort(program, 2023)
    assert services.resolve_pack_run(d.cohort, None).id == d.run.id
    assert services.resolve_pack_run(later, None) is None
    with pytest.raises(ValidationError):
        services.resolve_pack_run(later, d.run.id)
    with pytest.raises(ValidationError):
        services.prepare_evidence_pack(program, later, d.run, lang="zh", user=d.director)
    with pytest.raises(ValidationError):
        services.prepare_evidence_pack(other_program, d.cohort, None, lang="zh", user=d.director)
    with pytest.raises(ValidationError):
        services.prepare_evidence_pack(program, d.cohort, None, lang="fr", user=d.director)
    with pytest.raises(DomainError):
        services.prepare_evidence_pack(program, d.cohort, None, lang="zh", user=d.other_director)


def test_snapshots_are_found_by_fingerprint_only_by_members(app, program, other_program, cohort):
    director = make_user(Role.DIRECTOR, [program])
    teacher = make_user(Role.TEACHER, [program])
    outsider = make_user(Role.TEACHER, [other_program])
    admin = make_user(Role.ADMIN)
    from tests.factories import make_student

    student_user = make_user(Role.STUDENT, student=make_student(cohort))
    snapshot = services.create_snapshot({"a": 1, "b": [1.5, "二"]}, kind="test", program=program, cohort=cohort,
                                        user=director)
    db.session.commit()
    again = services.create_snapshot({"b": [1.5, "二"], "a": 1}, kind="test", program=program, cohort=cohort,
                                     user=director)
    assert again.id == snapshot.id  # same content, same fingerprint, one row
    fp = snapshot.fingerprint
    assert services.find_snapshot_by_fingerprint(fp).id == snapshot.id
    assert services.find_snapshot_by_fingerprint(f"  {fp.upper()[:20]} {fp.upper()[20:]} ").id == snapshot.id
    assert services.find_snapshot_by_fingerprint(fp, teacher).id == snapshot.id
    assert services.find_snapshot_by_fingerprint(fp, admin).id == snapshot.id
    assert services.find_snapshot_by_fingerprint(fp, outsider) is None
    assert services.find_snapshot_by_fingerprint(fp, student_user) is None
    assert services.find_snapshot_by_fingerprint("not a fingerprint") is None
    assert services.find_snapshot_by_fingerprint("0" * 64) is None
    with pytest.raises(ValueError):
        services.create_snapshot({"x": float("nan")}, kind="test", program=program, cohort=cohort, user=director)
