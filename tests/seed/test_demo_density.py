"""The demo data at a realistic density: achievements per cohort, ratings with a spread, evidence files."""

from __future__ import annotations

import hashlib
import statistics
from collections import defaultdict

import pytest
from sqlalchemy import func, select

from eduinnov.achievements import evidence
from eduinnov.achievements.models import (
    Achievement,
    AchievementKind,
    AchievementParticipant,
    EvidenceFile,
    VerificationStatus,
)
from eduinnov.auth.models import User
from eduinnov.indicators.models import ManualScore
from eduinnov.programs.models import Cohort, Program, Student, StudentStatus
from eduinnov.seed import loader as demo_module
from eduinnov.seed.evidence import tiny_pdf, tiny_png
from tests.seed.test_demo import PASSWORD, run_demo


@pytest.fixture
def seeded(runner, db, monkeypatch):
    monkeypatch.setattr(demo_module, "EXTRA_STEPS", [])
    result = run_demo(runner)
    assert result.exit_code == 0, result.output
    return result


def _shares(db, code: str) -> dict[int, dict[str, float]]:
    """Per entry year: share of (not withdrawn) students named on >= 1 verified achievement of each kind."""
    students = db.session.execute(
        select(Student.id, Cohort.entry_year).join(Cohort).join(Program)
        .where(Program.code == code, Student.status != StudentStatus.WITHDRAWN)).all()
    size = defaultdict(int)
    year_of = {}
    for sid, year in students:
        size[year] += 1
        year_of[sid] = year
    named = defaultdict(set)
    rows = db.session.execute(
        select(AchievementParticipant.student_id, Achievement.kind).join(Achievement)
        .where(Achievement.verification_status == VerificationStatus.VERIFIED)).all()
    for sid, kind in rows:
        if sid in year_of:
            named[(year_of[sid], kind.value)].add(sid)
            named[(year_of[sid], "any")].add(sid)
    return {year: {kind: len(named[(year, kind)]) / size[year]
                   for kind in ("project", "publication", "patent", "award", "any")} for year in size}


@pytest.mark.parametrize("code", ["SE", "NUR"])
def test_density_like_a_real_program(seeded, db, code):
    shares = _shares(db, code)
    graduated = shares[2021]
    # About half of a graduated cohort took part in a training project; papers and patents are rarer.
    assert 0.4 <= graduated["project"] <= 0.6, graduated
    assert 0.03 <= graduated["publication"] <= 0.2
    assert 0.02 <= graduated["patent"] <= graduated["publication"]
    # Older cohorts have had more time: shares fall from the oldest to the newest cohort.
    projects = [shares[y]["project"] for y in (2021, 2022, 2023, 2024)]
    assert projects == sorted(projects, reverse=True), projects
    assert 0.03 <= shares[2024]["project"] <= 0.2 and shares[2024]["any"] < shares[2023]["any"]
    assert all(shares[y]["any"] > 0 for y in shares)


def test_student_ratings_have_a_realistic_spread(seeded, db):
    keys = db.session.scalars(select(ManualScore.metric_key).where(ManualScore.student_id.is_not(None))
                             .distinct()).all()
    assert {"engineering_rating", "collaboration_rating", "ethics_rating", "ai_use_rating",
            "mentor_rating"} <= set(keys)
    for key in keys:
        values = db.session.scalars(select(ManualScore.value).where(ManualScore.metric_key == key,
                                                                    ManualScore.student_id.is_not(None))).all()
        assert all(1 <= v <= 5 and v * 2 == int(v * 2) for v in values)
        assert 2.9 <= statistics.mean(values) <= 3.8, key
        assert 0.4 <= statistics.pstdev(values) <= 1.0, key
        assert len(set(values)) >= 5
    # One rating per student and key; cohort ratings one per cohort and key.
    pairs = db.session.execute(select(ManualScore.metric_key, ManualScore.student_id, ManualScore.cohort_id)).all()
    assert len(pairs) == len(set(pairs))
    assert db.session.scalar(select(func.count()).select_from(ManualScore)
                             .where(ManualScore.cohort_id.is_not(None))) >= 40


def test_every_verified_achievement_has_evidence_on_disk(seeded, db, app):
    verified = db.session.scalars(select(Achievement).where(
        Achievement.verification_status == VerificationStatus.VERIFIED)).all()
    assert len(verified) > 150
    for a in verified:
        files = a.evidence_files
        assert any(f.mime_type == "application/pdf" for f in files), a.title
        if a.kind == AchievementKind.AWARD:
            assert any(f.mime_type == "image/png" for f in files), a.title
        for f in files:
            data = evidence.path_of(f.stored_name).read_bytes()
            assert hashlib.sha256(data).hexdigest() == f.sha256 and len(data) == f.size_bytes < 4096
    unverified = db.session.scalar(select(func.count()).select_from(EvidenceFile).join(Achievement).where(
        Achievement.verification_status != VerificationStatus.VERIFIED))
    assert unverified == 0


def test_evidence_downloads_as_the_director(seeded, db, login_as):
    director = db.session.scalar(select(User).where(User.email == "director@demo.edu"))
    pdf = db.session.scalars(select(EvidenceFile).where(EvidenceFile.mime_type == "application/pdf")).first()
    png = db.session.scalars(select(EvidenceFile).where(EvidenceFile.mime_type == "image/png")).first()
    browser = login_as(director, PASSWORD)
    response = browser.get(f"/achievements/evidence/{pdf.id}")
    assert response.status_code == 200 and response.data.startswith(b"%PDF-1.4")
    assert response.mimetype == "application/pdf"
    response = browser.get(f"/achievements/evidence/{png.id}")
    assert response.status_code == 200 and response.data.startswith(b"\x89PNG")


def test_generated_files_are_valid_and_deterministic():
    pdf = tiny_pdf(["Award certificate", "Year: 2024", "(brackets) and \\ kept"])
    assert pdf == tiny_pdf(["Award certificate", "Year: 2024", "(brackets) and \\ kept"])
    # The cross-reference table points at each object.
    start = int(pdf.rsplit(b"startxref\n", 1)[1].split(b"\n")[0])
    assert pdf[start:].startswith(b"xref\n0 6\n")
    offsets = [int(line[:10]) for line in pdf[start:].split(b"\n")[3:8]]
    for number, offset in enumerate(offsets, start=1):
        assert pdf[offset:].startswith(b"%d 0 obj" % number)
    assert evidence.detect(pdf) is evidence.PDF
    png = tiny_png(2024)
    assert png == tiny_png(2024) != tiny_png(2023)
    assert evidence.detect(png) is evidence.PNG


def test_second_run_keeps_files_and_restores_missing_ones(seeded, runner, db, app):
    files = db.session.scalars(select(EvidenceFile)).all()
    names = {f.stored_name for f in files}
    lost = evidence.path_of(files[0].stored_name)
    lost.unlink()
    result = run_demo(runner)
    assert result.exit_code == 0, result.output
    assert "0 rows created, 0 updated" in result.output
    db.session.expire_all()
    assert {f.stored_name for f in db.session.scalars(select(EvidenceFile))} == names
    assert hashlib.sha256(lost.read_bytes()).hexdigest() == files[0].sha256
