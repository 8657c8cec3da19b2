"""The evidence pack with the database store: image evidence is streamed out of the database into a scratch
folder only the render may read, embedded, and the folder is removed afterwards."""

from __future__ import annotations

import gc
import subprocess
from pathlib import Path

from eduinnov.achievements import evidence
from eduinnov.core.blobs import DATABASE
from eduinnov.extensions import db
from eduinnov.reports import pack, services
from tests.reports.packdata import image_bytes, make_pack_data


def _images(path) -> list[tuple[int, int]]:
    out = subprocess.run(["pdfimages", "-list", str(path)], check=True, capture_output=True, text=True).stdout
    rows = [line.split() for line in out.splitlines()[2:] if line.strip()]
    return [(int(r[3]), int(r[4])) for r in rows if r[2] == "image"]


def test_pack_embeds_database_stored_images(app, program, other_program, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "EVIDENCE_STORE", DATABASE)
    d = make_pack_data(program, other_program, with_run=False, with_scores=False)
    assert evidence.evidence_store().exists(d.image.stored_name)
    assert not evidence.path_of(d.image.stored_name).exists()  # nothing on this machine's disk

    scratch = tmp_path / "scratch"
    scratch.mkdir()
    files = pack.pack_image_files(program, [d.image.id, d.other_image.id], scratch=scratch)
    assert list(files) == [d.image.id]  # never another program's image
    assert files[d.image.id].parent == scratch and files[d.image.id].read_bytes() == image_bytes()
    assert pack.pack_image_files(program, [d.image.id]) == {}  # no scratch folder: listed, not shown

    prepared = services.prepare_evidence_pack(program, d.cohort, None, lang="en", user=d.director)
    db.session.commit()
    assert prepared.scratch is not None and prepared.scratch.is_dir()
    assert [p.parent for p in prepared.allowed_roots[1:]] == [prepared.scratch]
    pdf = services.render_evidence_pack(prepared, processes=1)
    docx = services.render_evidence_pack_docx(prepared)  # the Word file reads the same copies, after the PDF
    assert docx.startswith(b"PK") and prepared.scratch.is_dir()
    scratch = prepared.scratch
    del prepared
    gc.collect()
    assert not scratch.exists()  # removed with the prepared pack
    out = Path(tmp_path / "pack.pdf")
    out.write_bytes(pdf)
    assert _images(out) == [(60, 40)]
