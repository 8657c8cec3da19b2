"""`flask import KIND FILE --program CODE [--dry-run]`: same preview and errors, exit codes."""

from __future__ import annotations

from sqlalchemy import select

from eduinnov.achievements.models import Achievement
from eduinnov.extensions import db
from eduinnov.programs.models import Student
from tests.factories import csv_bytes, table_counts
from tests.imports.conftest import DATA

ROSTER = csv_bytes([["学号", "姓名", "入学年份"], ["2022051101", "孙八", "2022"]], "gbk")


def _invoke(runner, *args):
    return runner.invoke(args=["import", *map(str, args)], catch_exceptions=False)


def test_dry_run_prints_the_preview_and_writes_nothing(runner, tmp_path, program, cohort, teacher):
    path = tmp_path / "roster.csv"
    path.write_bytes(ROSTER)
    before = table_counts()
    result = _invoke(runner, "students", path, "--program", "SE", "--dry-run", "--as", teacher.email)
    assert result.exit_code == 0, result.output
    assert "GBK/GB18030" in result.output and "1 to create, 0 to update, 0 to skip" in result.output
    assert "create  孙八 (2022051101)" in result.output and "Dry run: nothing was written." in result.output
    assert table_counts() == before


def test_import_writes_and_a_second_run_skips(runner, tmp_path, program, cohort, teacher):
    path = tmp_path / "roster.csv"
    path.write_bytes(ROSTER)
    result = _invoke(runner, "students", path, "--program", "SE", "--as", teacher.email)
    assert result.exit_code == 0 and "Imported: 1 created, 0 updated, 0 skipped." in result.output
    assert db.session.scalar(select(Student.name)) == "孙八"
    again = _invoke(runner, "students", path, "--program", "SE", "--as", teacher.email)
    assert again.exit_code == 0 and "Imported: 0 created, 0 updated, 1 skipped." in again.output


def test_refused_file_exits_non_zero_with_the_errors(runner, tmp_path, program, cohort, teacher):
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes([["学号", "姓名", "入学年份"], ["2022051101", "", "2022"]]))
    before = table_counts()
    for extra in ([], ["--dry-run"]):
        result = _invoke(runner, "students", path, "--program", "SE", "--as", teacher.email, *extra)
        assert result.exit_code == 1
        assert "ERROR Row 2, column 姓名: This cell is empty." in result.output
    assert table_counts() == before


def test_unreadable_file_exits_non_zero(runner, tmp_path, program, teacher):
    path = tmp_path / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 64)
    result = _invoke(runner, "students", path, "--program", "SE", "--as", teacher.email)
    assert result.exit_code == 1 and ".xls files are not supported" in result.output


def test_not_allowed_and_unknown_program(runner, tmp_path, program, other_teacher):
    path = tmp_path / "roster.csv"
    path.write_bytes(ROSTER)
    assert _invoke(runner, "students", path, "--program", "SE", "--as", other_teacher.email).exit_code == 1
    result = _invoke(runner, "students", path, "--program", "NOPE", "--as", other_teacher.email)
    assert result.exit_code == 1 and "no program with code NOPE" in result.output


def test_publications_from_the_command_line_leave_unmatched_authors_out(runner, program, teacher, roster):
    result = _invoke(runner, "publications", DATA / "wos.ris", "--program", "SE", "--as", teacher.email)
    assert result.exit_code == 0, result.output
    assert "UNMATCHED row 1 author 3: Liu, Jianguo (left out)" in result.output
    assert db.session.scalar(select(Achievement.title).where(Achievement.doi == "10.1016/j.compag.2024.108712"))
