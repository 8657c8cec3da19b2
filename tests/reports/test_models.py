"""Report snapshots: a canonical fingerprint that changes when any number changes."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from eduinnov.reports.models import ReportSnapshot


def test_fingerprint_is_canonical_and_sensitive():
    a = {"cohort": "2022级", "scores": {"张三": 81.5, "李四": 77.0}, "method": "AHP"}
    b = {"method": "AHP", "scores": {"李四": 77.0, "张三": 81.5}, "cohort": "2022级"}  # same, other order
    assert ReportSnapshot.fingerprint_of(a) == ReportSnapshot.fingerprint_of(b)
    assert len(ReportSnapshot.fingerprint_of(a)) == 64
    changed = {**a, "scores": {"张三": 81.6, "李四": 77.0}}
    assert ReportSnapshot.fingerprint_of(changed) != ReportSnapshot.fingerprint_of(a)
    with pytest.raises(ValueError):
        ReportSnapshot.fingerprint_of({"x": float("nan")})


def test_stored_snapshot_round_trips_and_fingerprints_are_unique(db, program, cohort):
    payload = {"run": 3, "total": [1.5, 2.25], "名称": "软件工程"}
    snap = ReportSnapshot(fingerprint=ReportSnapshot.fingerprint_of(payload), kind="evidence_pack",
                          payload=payload, program_id=program.id, cohort_id=cohort.id)
    db.session.add(snap)
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(ReportSnapshot, snap.id)
    assert stored.payload == payload and stored.matches_payload()
    stored.payload = {**payload, "run": 4}  # edited after the fact: no longer matches
    assert not stored.matches_payload()
    db.session.rollback()
    db.session.add(ReportSnapshot(fingerprint=snap.fingerprint, kind="x", payload={}))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
