"""Papers carry JCR / CAS quartiles; patents record transfers and licences (成果转化), shown on the item."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from eduinnov.achievements.models import (
    Achievement,
    AchievementKind,
    CasZone,
    JcrQuartile,
    PatentTransfer,
    PatentType,
    TransferKind,
)
from eduinnov.core.audit import AuditLog
from eduinnov.extensions import db
from eduinnov.imports import services as import_services
from tests.factories import csv_bytes, make_achievement


def test_publication_form_records_and_shows_quartiles(login_as, teacher, program, student):
    b = login_as(teacher)
    url = f"/achievements/new/publication?program={program.id}"
    data = {"title": "A paper with quartiles", "year": "2024", "venue": "IEEE Access", "indexing": "SCI",
            "jcr_quartile": "Q2", "cas_zone": "zone_3", "participants-0-student_no": student.student_no,
            "participants-0-role": "author", "participants-0-rank": "1"}
    response = b.post(url, data, token_from=url)
    assert response.status_code == 302
    a = db.session.scalar(select(Achievement))
    assert a.jcr_quartile == JcrQuartile.Q2 and a.cas_zone == CasZone.ZONE_3
    html = b.get(f"/achievements/{a.id}").get_data(as_text=True)
    assert "JCR quartile" in html and ">Q2<" in html and "CAS zone 3" in html
    # Not chosen means none (no pre-selected quartile inflates a count).
    data.update(title="Another paper entirely different", jcr_quartile="", cas_zone="")
    assert b.post(url, data, token_from=url).status_code == 302
    other = db.session.scalar(select(Achievement).where(Achievement.title.startswith("Another")))
    assert other.jcr_quartile is None and other.cas_zone is None


def test_quartiles_from_an_import(program, teacher, student):
    header = ["类型", "题目", "年份", "学生", "期刊", "收录", "JCR分区", "中科院分区"]
    data = csv_bytes([header, ["论文", "基于图神经网络的推荐", "2024", student.student_no, "J", "SCI", "Q1", "二区"]])
    import_services.run_import("achievements", program, teacher, data, "a.csv")
    a = db.session.scalar(select(Achievement))
    assert a.jcr_quartile == JcrQuartile.Q1 and a.cas_zone == CasZone.ZONE_2


def test_patent_transfers_recorded_shown_and_removed(login_as, teacher, program, student):
    from datetime import date

    patent = make_achievement(program, [student], AchievementKind.PATENT, patent_type=PatentType.INVENTION,
                              application_date=date(2020, 3, 1), created_by_id=teacher.id)
    b = login_as(teacher)
    url = f"/achievements/{patent.id}"
    html = b.get(url).get_data(as_text=True)
    assert "Transfers and licences" in html and "No transfer or licence recorded." in html
    response = b.post(f"{url}/transfers", {"event_date": "2023-06-01", "kind": "licence",
                                           "counterparty": "某科技有限公司", "amount": "150000"}, token_from=url)
    assert response.status_code == 302
    t = db.session.scalar(select(PatentTransfer))
    assert (t.kind, t.counterparty, t.amount) == (TransferKind.LICENCE, "某科技有限公司", Decimal("150000.00"))
    html = b.get(url).get_data(as_text=True)
    assert "某科技有限公司" in html and "150,000.00" in html and "Licence" in html
    assert db.session.scalar(select(AuditLog).where(AuditLog.entity_type == "patent_transfers")) is not None
    # A date before the application is refused with a message; nothing is added.
    b.post(f"{url}/transfers", {"event_date": "2019-01-01", "kind": "transfer", "counterparty": "X"}, token_from=url)
    assert "before the patent application date" in b.get(url).get_data(as_text=True)
    assert len(db.session.scalars(select(PatentTransfer)).all()) == 1
    assert b.post(f"/achievements/transfers/{t.id}/delete", {}, token_from=url).status_code == 302
    assert db.session.scalar(select(PatentTransfer)) is None


def test_transfers_only_for_patents_and_editors(login_as, teacher, student_user, program, student):
    project = make_achievement(program, [student], AchievementKind.PROJECT, created_by_id=teacher.id)
    b = login_as(teacher)
    url = f"/achievements/{project.id}"
    assert "Transfers and licences" not in b.get(url).get_data(as_text=True)
    b.post(f"{url}/transfers", {"event_date": "2023-06-01", "kind": "licence", "counterparty": "X"}, token_from=url)
    assert db.session.scalar(select(PatentTransfer)) is None
    patent = make_achievement(program, [student], AchievementKind.PATENT, patent_type=PatentType.INVENTION)
    s = login_as(student_user)
    response = s.post(f"/achievements/{patent.id}/transfers", {"event_date": "2023-06-01", "kind": "licence",
                                                               "counterparty": "X"},
                      token_from=f"/achievements/{patent.id}")
    assert response.status_code in (403, 404) and db.session.scalar(select(PatentTransfer)) is None
