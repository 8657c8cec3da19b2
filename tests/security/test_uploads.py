"""Uploaded files: YAML models, score sheets and survey CSVs are bounded; names never reach the disk."""

from __future__ import annotations

import csv
import io
import time
import zipfile

import pytest
from flask_babel import force_locale
from openpyxl import Workbook

from eduinnov.achievements.models import EvidenceFile
from eduinnov.extensions import db
from eduinnov.indicators.spec import SpecError
from eduinnov.indicators.yaml_io import dump_model, parse_yaml
from eduinnov.obe import services as obe_services
from eduinnov.obe.sheets import SheetFormatError, read_grid
from tests.factories import make_pdf


def _billion_laughs() -> bytes:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    lines.append("name: *a8\nunit: student\ntree: {code: G, name_zh: x, metric: projects, description: *a8}")
    return "\n".join(lines).encode()


@pytest.mark.parametrize("text, words", [
    (_billion_laughs(), "expands to more than"),
    (b"&a [*a]", "refers to itself"),
    (b"[" * 20000 + b"]" * 20000, "nested too deeply"),
    (b"!!python/object/apply:os.system ['touch /tmp/eduinnov-pwned']", "not valid YAML"),
    (b"name: x\nunit: !!python/name:os.system\n", "not valid YAML"),
])
def test_hostile_yaml_is_refused_quickly(app, text, words):
    with app.test_request_context(), force_locale("en"):
        started = time.monotonic()
        with pytest.raises(SpecError, match=words):
            parse_yaml(text)
        assert time.monotonic() - started < 5


def test_an_exported_model_with_shared_values_still_imports(app, world_a):
    """Aliases are fine in moderation: the exporter's own files (which may use them) read back."""
    with app.test_request_context(), force_locale("en"):
        spec = parse_yaml(dump_model(world_a.model).encode())
    assert spec["tree"]["code"] == world_a.node.code


def _zip_bomb_xlsx() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"<sheetData>" + b" " * (8 * 2**20) + b"</sheetData>")
    return buf.getvalue()


def test_a_zip_bomb_score_sheet_is_refused_without_inflating_it(app, monkeypatch):
    import openpyxl

    def never(*args, **kwargs):
        raise AssertionError("openpyxl must not open it")

    monkeypatch.setattr(openpyxl, "load_workbook", never)
    data = _zip_bomb_xlsx()
    assert len(data) < 100_000
    with app.test_request_context(), force_locale("en"):
        with pytest.raises(SheetFormatError, match="refused without opening it"):
            read_grid(data, "scores.xlsx")


def test_a_real_workbook_is_still_read(app):
    wb = Workbook()
    wb.active.append(["学号", "姓名", "作业1"])
    wb.active.append(["2021001", "张三", 9])
    buf = io.BytesIO()
    wb.save(buf)
    with app.test_request_context():
        grid, _encoding = read_grid(buf.getvalue(), "scores.xlsx")
    assert grid[1][:3] == ["2021001", "张三", 9]


def test_a_survey_csv_with_too_many_rows_is_refused_before_parsing(app, world_a):
    rows = "indicator_point,source,value\n" + "1.1,graduate,0.8\n" * 6000
    with app.test_request_context(), force_locale("en"):
        parsed, errors = obe_services.parse_survey_sheet(rows.encode(), world_a.cohort, world_a.framework)
    assert parsed == [] and len(errors) == 1 and "more than 5000 rows" in str(errors[0])


def test_score_template_keeps_formula_like_names_as_text(app, world_a):
    world_a.students[1].name = '=HYPERLINK("http://evil.example","click")'
    db.session.commit()
    text = obe_services.score_template_csv(world_a.offering).decode("utf-8-sig")
    names = {row[1] for row in csv.reader(io.StringIO(text)) if row}
    assert "'=HYPERLINK(\"http://evil.example\",\"click\")" in names
    assert not any(n.startswith(("=", "+", "-", "@")) for n in names)


def test_evidence_names_never_choose_the_stored_path(login_as, world_a, app):
    browser = login_as(world_a.director)
    url = f"/achievements/{world_a.achievement.id}/evidence"
    response = browser.post(url, {"file": (io.BytesIO(make_pdf()), "../../../etc/passwd.pdf")},
                            token_from=f"/achievements/{world_a.achievement.id}", content_type="multipart/form-data")
    assert response.status_code == 302
    row = db.session.query(EvidenceFile).filter_by(achievement_id=world_a.achievement.id,
                                                   original_name="passwd.pdf").one()
    assert "/" not in row.stored_name and ".." not in row.stored_name and row.stored_name.endswith(".pdf")
    download = browser.get(f"/achievements/evidence/{row.id}")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert "sandbox" in download.headers["Content-Security-Policy"]
