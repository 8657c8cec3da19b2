"""The evidence appendix: PDF evidence embedded after the report, stamped, within a size limit."""

from __future__ import annotations

import io
import re
import uuid
from hashlib import sha256

import pytest
from flask_babel import force_locale
from pypdf import PdfReader, PdfWriter

from eduinnov.achievements.evidence import evidence_dir, open_evidence, path_of
from eduinnov.achievements.models import EvidenceFile
from eduinnov.extensions import db
from eduinnov.reports import appendix, services
from eduinnov.reports.pdf import render_pdf
from eduinnov.seed.evidence import tiny_pdf
from tests.reports.conftest import pdf_pages_text
from tests.reports.packdata import make_pack_data


def _store(achievement, user, data: bytes, name: str, mime: str = "application/pdf") -> EvidenceFile:
    """Store ``data`` as evidence of ``achievement`` (as the upload service would, without its checks)."""
    stored = f"{uuid.uuid4().hex}.{name.rsplit('.', 1)[-1]}"
    (evidence_dir() / stored).write_bytes(data)
    row = EvidenceFile(achievement=achievement, original_name=name, stored_name=stored, mime_type=mime,
                       size_bytes=len(data), sha256=sha256(data).hexdigest(), uploaded_by_id=user.id)
    db.session.add(row)
    db.session.commit()
    return row


def _two_page_certificate(app) -> bytes:
    """A real two-page PDF (WeasyPrint) with a known text on each page."""
    static = app.static_folder
    html = ('<html><body><p>Certificate ZX-4711 first page</p>'
            '<p style="break-before: page">Certificate ZX-4711 second page</p></body></html>')
    return render_pdf(html, base_url=static, allowed_roots=[static])


def _encrypted() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer.encrypt("secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _rotated(lines: list[str]) -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(tiny_pdf(lines)))
    writer.pages[0].rotate(90)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture
def evidence_pack(app, program, other_program):
    d = make_pack_data(program, other_program, with_run=False, with_scores=False)
    d.certificate = _store(d.project, d.teacher, _two_page_certificate(app), "获奖证书.pdf")
    d.letter = _store(d.paper, d.teacher, _rotated(["Acceptance letter QW-99", "Journal of Tests"]), "录用通知.pdf")
    d.locked = _store(d.paper, d.teacher, _encrypted(), "locked.pdf")
    d.broken = _store(d.hostile, d.teacher, b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\ngarbage", "broken.pdf")
    d.sheet = _store(d.hostile, d.teacher, b"PK\x03\x04 not really", "scores.xlsx",
                     mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    d.foreign = _store(d.other_achievement, d.other_director, tiny_pdf(["Foreign-Secret 777"]), "foreign.pdf")
    return d


def test_open_evidence_reads_the_stored_bytes_and_refuses_other_names(app, evidence_pack):
    d = evidence_pack
    with open_evidence(d.letter.stored_name) as fh:
        assert sha256(fh.read()).hexdigest() == d.letter.sha256
    for bad in ("../secret.pdf", "/etc/passwd", "abc.pdf"):
        with pytest.raises(ValueError):
            open_evidence(bad)
    path_of(d.letter.stored_name).unlink()
    with pytest.raises(FileNotFoundError):
        open_evidence(d.letter.stored_name)


def test_pdf_evidence_follows_the_report_stamped_page_by_page(app, evidence_pack, tmp_path):
    d = evidence_pack
    prepared = services.prepare_evidence_pack(d.program, d.cohort, None, lang="en", user=d.director)
    db.session.commit()
    plan = prepared.evidence
    assert [i.ref for i in plan.pdfs] == [f"E{d.certificate.id}", f"E{d.letter.id}", f"E{d.locked.id}",
                                         f"E{d.broken.id}"]
    assert plan.image_ids == {d.image.id}
    assert [(x.ref, "only PDF and image files" in x.reason) for x in plan.left_out] == [(f"E{d.sheet.id}", True)]

    pdf = services.render_evidence_pack(prepared, processes=1)
    pages = pdf_pages_text(pdf, tmp_path)
    flat = [re.sub(r"\s+", " ", p) for p in pages]
    report_pages = next(i for i, p in enumerate(flat) if "Appendix: evidence documents" in p)
    # the report itself ends with its fingerprint page; the appendix index follows it
    assert prepared.snapshot.fingerprint in re.sub(r"\s+", "", pages[report_pages - 1])
    assert len(pages) == report_pages + 1 + 3  # index, 2 certificate pages, 1 letter page

    cert = f"E{d.certificate.id}"
    letter = f"E{d.letter.id}"
    assert "Certificate ZX-4711 first page" in flat[report_pages + 1]
    assert f"Evidence {cert} · p. 1/2" in flat[report_pages + 1]
    assert "Certificate ZX-4711 second page" in flat[report_pages + 2]
    assert f"Evidence {cert} · p. 2/2" in flat[report_pages + 2]
    assert f"A{d.project.id} · Evidence {cert}" in flat[report_pages + 2]
    assert "Acceptance letter QW-99" in flat[report_pages + 3]  # a rotated page, turned upright
    assert f"Evidence {letter} · p. 1/1" in flat[report_pages + 3]
    reader = PdfReader(io.BytesIO(pdf))
    stamped = reader.pages[report_pages + 3]
    assert float(stamped.mediabox.width) == pytest.approx(595) and stamped.rotation == 0

    # the index: first pages of what is embedded, and what is not with the reason
    index = flat[report_pages]
    assert re.search(rf"{cert} 获奖证书.pdf .*? 2 {report_pages + 2}\b", index)
    assert re.search(rf"{letter} 录用通知.pdf .*? 1 {report_pages + 4}\b", index)
    assert re.search(rf"E{d.locked.id} locked.pdf A{d.paper.id} the file is encrypted", index)
    assert re.search(rf"E{d.broken.id} broken.pdf A{d.hostile.id} the file is damaged", index)
    assert re.search(rf"E{d.sheet.id} scores.xlsx A{d.hostile.id} only PDF and image files", index)
    # another program's evidence is never embedded
    assert not any("Foreign-Secret" in p for p in pages)

    # bookmarks lead to the appendix and each file
    outline = {item.title: reader.get_destination_page_number(item) for item in reader.outline
               if not isinstance(item, list)}
    assert outline["Appendix: evidence documents"] == report_pages
    nested = [i for i in reader.outline if isinstance(i, list)][-1]
    assert {i.title: reader.get_destination_page_number(i) for i in nested} == {
        f"{cert} · 获奖证书.pdf": report_pages + 1, f"{letter} · 录用通知.pdf": report_pages + 3}


def test_the_size_limit_leaves_out_what_does_not_fit_and_the_pack_says_so(app, evidence_pack, tmp_path, monkeypatch):
    d = evidence_pack
    big = _store(d.paper, d.teacher, tiny_pdf(["Large attachment"] + ["x" * 60] * 40), "big.pdf")
    small = _store(d.paper, d.teacher, tiny_pdf(["Small note 55"]), "small.pdf")
    # In pack order: project (image, certificate), paper (letter, locked, big, small), award (broken, sheet).
    sizes = {f.id: f.size_bytes for f in (d.image, d.certificate, d.letter, d.locked, big, small, d.broken)}
    assert sizes[big.id] > sizes[small.id] + sizes[d.broken.id]
    limit = sizes[d.image.id] + sizes[d.certificate.id] + sizes[d.letter.id] + sizes[d.locked.id] \
        + sizes[small.id] + sizes[d.broken.id]
    monkeypatch.setitem(app.config, "PACK_EVIDENCE_MAX_BYTES", limit)
    prepared = services.prepare_evidence_pack(d.program, d.cohort, None, lang="en", user=d.director)
    db.session.commit()
    plan = prepared.evidence
    assert plan.used_bytes == limit
    assert [i.ref for i in plan.pdfs] == [f"E{f.id}" for f in (d.certificate, d.letter, d.locked, small, d.broken)]
    assert [x.ref for x in plan.left_out] == [f"E{big.id}", f"E{d.sheet.id}"]
    assert "past its limit" in plan.left_out[0].reason

    opened: list[str] = []

    def recording_open(stored_name):
        opened.append(stored_name)
        return open_evidence(stored_name)

    monkeypatch.setattr(appendix, "open_evidence", recording_open)
    text = re.sub(r"\s+", " ", "\n".join(pdf_pages_text(services.render_evidence_pack(prepared, processes=1),
                                                         tmp_path)))
    # every PDF read went through the store's one reader, and only the planned files were read
    assert opened == [i.stored_name for i in plan.pdfs]
    assert "Small note 55" in text and "Large attachment" not in text
    assert re.search(rf"E{big.id} big.pdf A{d.paper.id} embedding it would take the pack's evidence past its limit",
                     text)

    # no budget at all: nothing is embedded, images included, and every file is listed
    monkeypatch.setitem(app.config, "PACK_EVIDENCE_MAX_BYTES", 0)
    with force_locale("en"):
        none = appendix.plan_evidence(d.program, prepared.snapshot.payload)
    assert none.pdfs == () and none.image_ids == frozenset() and none.used_bytes == 0
    assert len(none.left_out) == 8


def test_a_pack_without_pdf_evidence_is_the_report_alone(app, program, other_program):
    d = make_pack_data(program, other_program, with_run=False, with_scores=False)
    with force_locale("en"):
        plan = appendix.plan_evidence(program, services.prepare_evidence_pack(
            program, d.cohort, None, lang="en", user=None).snapshot.payload)
    assert plan.is_empty and plan.image_ids == {d.image.id}
    assert appendix.append_evidence(b"%PDF-report", plan) == b"%PDF-report"


def test_the_zh_stamp(app, evidence_pack, tmp_path):
    d = evidence_pack
    prepared = services.prepare_evidence_pack(d.program, d.cohort, None, lang="zh", user=d.director)
    db.session.commit()
    text = re.sub(r"\s+", "", "\n".join(pdf_pages_text(services.render_evidence_pack(prepared, processes=1), tmp_path)))
    assert f"佐证E{d.certificate.id}·第2/2页" in text
    assert "附录：佐证材料原件" in text
