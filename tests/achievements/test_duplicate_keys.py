"""Stored duplicate-check keys (achievements/keys.py): exact on every write path, and the look-ups by them
(queue, item page, forms) give exactly what an index of the whole program gives."""

from __future__ import annotations

import random
import re

import pytest
from sqlalchemy import select

from eduinnov.achievements import duplicates, merging
from eduinnov.achievements.keys import KEY_COLUMNS, KEY_INPUTS, stored_keys
from eduinnov.achievements.models import (
    Achievement,
    AchievementKind,
    Level,
    PatentType,
    ProjectStatus,
    ProjectType,
    VerificationStatus,
)
from eduinnov.achievements.services import BulkAchievement, bulk_record, clean_values
from eduinnov.core.audit import AuditLog
from eduinnov.extensions import db
from tests.clients import counting_statements, get_counting_statements
from tests.factories import make_achievement, make_program

BASES = ["基于深度学习的GPU调度", "Graph neural networks for crop disease", "智慧校园平台建设的研究",
         "一种智能导盲杖", "Smart campus platform", "面向低代码平台的测试用例生成方法", "知识图谱问答系统"]
APPLICATIONS = ["201710601862.3", "201720601862.9", "95115608.X"]


def _title(rng: random.Random) -> str:
    """A title from a few bases, often with a series number, a version, punctuation, width or case changes, or a
    typo — so that near-identical titles, series parts and same-number blocks all occur."""
    title = rng.choice(BASES)
    r = rng.random()
    if r < 0.2:
        title += rng.choice(["（1）", "（2）", " (1)", " (2)", " V1.0", " V2.0", " 2024"])
    elif r < 0.4:
        pos = rng.randrange(len(title))
        title = title[:pos] + rng.choice("的了和学abc") + title[pos + 1:]
    elif r < 0.55:
        title = title.upper() + rng.choice(["。", "!", " ", "—"])
    elif r < 0.65:
        title = title.replace("GPU", "ＧＰＵ").replace(" ", "")
    elif r < 0.75:
        title = title + rng.choice(["方法", "研究", "系统设计"])
    return title


def _identifiers(rng: random.Random, kind: AchievementKind) -> dict:
    if kind == AchievementKind.PUBLICATION and rng.random() < 0.7:
        doi = f"10.1234/abc.{rng.randint(1, 4)}"
        return {"venue": "V", "doi": rng.choice(["", "https://doi.org/", "doi: ", "DOI:"]) + rng.choice([doi, doi.upper()])}
    if kind == AchievementKind.PATENT:
        out: dict = {"patent_type": PatentType.INVENTION}
        if rng.random() < 0.7:
            out["application_number"] = rng.choice(["", "CN ", "ZL"]) + rng.choice(APPLICATIONS)
        if rng.random() < 0.4:
            out["grant_number"] = "ZL" + rng.choice(APPLICATIONS)
        return out
    if kind == AchievementKind.PROJECT and rng.random() < 0.7:
        return {"project_number": rng.choice(["S 2024-10001", "s202410001", "S2024.10002", "X-2024-10002", "X7"])}
    return {}


def _random_items(rng: random.Random, programs, n: int) -> list[Achievement]:
    items = []
    for _i in range(n):
        kind = rng.choice(list(AchievementKind))
        items.append(make_achievement(rng.choice(programs), [], kind, title=_title(rng), year=rng.choice([2023, 2024]),
                                      **_identifiers(rng, kind)))
    return items


def _as_tuples(found):
    return [(d.achievement_id, d.title, d.year, d.code, d.reason, d.score) for d in found]


def _index_answers(items):
    indexes = {p: duplicates.DuplicateIndex.load(p) for p in {a.program_id for a in items}}
    return {a.id: _as_tuples(duplicates.list_duplicates_of(a, indexes[a.program_id])) for a in items}


def _assert_keys_exact() -> None:
    rows = db.session.execute(select(Achievement.kind, *(getattr(Achievement, c) for c in (*KEY_INPUTS, *KEY_COLUMNS))))
    for row in rows:
        values = dict(zip((*KEY_INPUTS, *KEY_COLUMNS), row[1:], strict=True))
        assert {c: values[c] for c in KEY_COLUMNS} == stored_keys(row.kind, values), values


@pytest.mark.parametrize("limit", [duplicates.FULL_SCAN_LIMIT, 6])
def test_stored_key_lookups_equal_the_program_index_on_random_data(app, monkeypatch, limit):
    # With a limit of 6 most blocks are "large": only titles sharing the first or last three characters count.
    monkeypatch.setattr(duplicates, "FULL_SCAN_LIMIT", limit)
    rng = random.Random(20261205)
    programs = [make_program(), make_program()]
    items = _random_items(rng, programs, 160)
    _assert_keys_exact()
    for program in programs:  # the index loaded from the stored keys is the index built from the values
        built = duplicates.DuplicateIndex()
        for a in sorted(items, key=lambda a: a.id):
            if a.program_id == program.id:
                built.add(a.id, a.kind, {name: getattr(a, name) for name in (*KEY_INPUTS, "year")})
        assert duplicates.DuplicateIndex.load(program.id) == built
    expected = _index_answers(items)
    codes = {d[3] for found in expected.values() for d in found}
    assert codes == {"doi", "patent", "project_number", "title"}, "the data exercise every kind of match"
    assert sum(1 for found in expected.values() if found) > 40
    # The queue (every item at once), the item page (one at a time) and the forms (typed values).
    assert {k: _as_tuples(v) for k, v in duplicates.duplicates_by_achievement(items).items()} == expected
    for a in items[:40]:
        assert _as_tuples(duplicates.list_duplicates_of(a)) == expected[a.id]
    for _i in range(60):
        program, kind = rng.choice(programs), rng.choice(list(AchievementKind))
        values = {"title": _title(rng), **_identifiers(rng, kind)}
        exclude = rng.choice([None, rng.choice(items).id])
        index = duplicates.DuplicateIndex.load(program.id).match(kind, values, exclude=[exclude] if exclude else [])
        assert _as_tuples(duplicates.find_duplicates(program.id, kind, values, exclude_id=exclude)) \
            == _as_tuples(index)


def test_series_parts_and_the_large_block_rule(app, monkeypatch, program):
    monkeypatch.setattr(duplicates, "FULL_SCAN_LIMIT", 3)
    first = make_achievement(program, [], title="智慧校园平台建设的研究（1）")
    make_achievement(program, [], title="智慧校园平台建设的研究（2）")  # another part: never a duplicate of (1)
    head = make_achievement(program, [], title="abcdefghijklmnopqrstuvwxyz")
    both_ends = make_achievement(program, [], title="Xbcdefghijklmnopqrstuvwxyy")  # 92 % alike, typo at both ends
    make_achievement(program, [], title="qqqq")
    probe = make_achievement(program, [], title="abcdefghijklmnopqrstuvwxy!z")
    found = duplicates.list_duplicates_of(probe)
    assert [d.achievement_id for d in found] == [head.id]  # the block has 4 > 3 titles: both_ends is not compared
    assert _as_tuples(found) == _as_tuples(duplicates.list_duplicates_of(probe, duplicates.DuplicateIndex.load(program.id)))
    monkeypatch.setattr(duplicates, "FULL_SCAN_LIMIT", 5000)
    assert [d.achievement_id for d in duplicates.list_duplicates_of(probe)] == [head.id, both_ends.id]
    assert [d.achievement_id for d in duplicates.find_duplicates(
        program.id, AchievementKind.PROJECT, {"title": "智慧校园平台建设的研究 (1)"})] == [first.id]


def test_orm_writes_keep_the_keys_and_leave_them_out_of_the_history(app, program):
    paper = make_achievement(program, [], AchievementKind.PUBLICATION, title="Graph networks, part 2", venue="V",
                             doi="https://doi.org/10.1/ABC")
    assert (paper.title_key, paper.title_numbers, paper.identifier_key, paper.grant_key) == (
        "graphnetworkspart2", "2", "10.1/abc", None)
    paper.title, paper.doi = "Graph networks 3, part 4", None
    db.session.commit()
    assert (paper.title_key, paper.title_numbers, paper.identifier_key) == ("graphnetworks3part4", "3 4", None)
    patent = make_achievement(program, [], AchievementKind.PATENT, title="装置", application_number="CN 201710601862.3",
                              grant_number="ZL201710601862.3")
    assert (patent.identifier_key, patent.grant_key) == ("2017106018623", "2017106018623")
    _assert_keys_exact()
    changes = db.session.scalars(select(AuditLog.changes).where(AuditLog.entity_type == "achievements")).all()
    assert changes and not any(set(c) & set(KEY_COLUMNS) for c in changes)


def test_bulk_record_and_merge_fill_the_keys(app, program, director):
    values = clean_values(AchievementKind.PROJECT, {
        "title": "导盲杖 (2)", "year": 2024, "level": Level.NATIONAL, "project_number": "S 2024-10001",
        "project_type": ProjectType.INNOVATION_TRAINING, "project_status": ProjectStatus.APPROVED})
    [new_id] = bulk_record(director, program, [BulkAchievement(AchievementKind.PROJECT, values)])
    db.session.commit()
    new = db.session.get(Achievement, new_id)
    assert (new.title_key, new.title_numbers, new.identifier_key) == ("导盲杖2", "2", "s202410001")
    audit = db.session.scalar(select(AuditLog.changes).where(AuditLog.entity_id == new_id))
    assert not set(audit) & set(KEY_COLUMNS)
    keep = make_achievement(program, [], AchievementKind.PUBLICATION, title="Paper", venue="V",
                            verification_status=VerificationStatus.SUBMITTED)
    other = make_achievement(program, [], AchievementKind.PUBLICATION, title="Paper.", venue="V", doi="DOI:10.9/X")
    merging.merge_achievements(director, keep, other)
    db.session.commit()
    assert db.session.get(Achievement, keep.id).identifier_key == "10.9/x"  # the DOI filled in from the other
    _assert_keys_exact()


def test_the_queue_looks_up_duplicates_in_a_fixed_number_of_queries(app, program):
    programs = [program] + [make_program() for _i in range(5)]
    items = []
    for k, p in enumerate(programs):
        items.append(make_achievement(p, [], AchievementKind.PUBLICATION, title=f"Paper {k}", venue="V", doi=f"10.1/{k}"))
        make_achievement(p, [], AchievementKind.PUBLICATION, title=f"Paper {k}.", venue="V", doi=f"10.1/{k}")
    db.session.expire_all()
    items = db.session.scalars(select(Achievement).where(Achievement.id.in_([a.id for a in items]))).all()
    assert all(a.evidence_files == [] for a in items)  # loaded with the page's items, as the queue does
    with counting_statements() as seen:
        found = duplicates.duplicates_by_achievement(items)
    assert all(len(v) == 1 for v in found.values())
    assert len(seen) <= 2  # identifiers and title blocks, whatever the number of programs (was one per program)


def test_the_queue_order_and_count_can_be_read_from_the_partial_index(app, admin, program):
    # The index's predicate must be implied by queries.awaiting_verification, or PostgreSQL sorts every
    # waiting row again: with sequential scans and sorts priced out, the plan shows whether it can be used.
    from sqlalchemy import func, text

    from eduinnov.achievements import queries

    make_achievement(program, [], verification_status=VerificationStatus.SUBMITTED)
    stmt = queries.pending_verification_stmt(admin)
    if db.engine.dialect.name != "postgresql":
        # SQLite (the small embedded database) chooses by its own statistics: it must still search an index
        # of the waiting states, never read the whole table.
        sql = str(stmt.limit(25).compile(db.engine, compile_kwargs={"literal_binds": True}))
        steps = [row[-1] for row in db.session.execute(text("EXPLAIN QUERY PLAN " + sql))]
        assert any(step.startswith("SEARCH achievements USING INDEX") for step in steps), steps
        assert not any(step.startswith("SCAN achievements") for step in steps), steps
        return
    db.session.execute(text("SET LOCAL enable_seqscan = off"))
    db.session.execute(text("SET LOCAL enable_sort = off"))
    page, count = stmt.limit(25), select(func.count()).select_from(stmt.order_by(None).subquery())
    plans = ["\n".join(db.session.execute(text("EXPLAIN " + str(
        query.compile(db.engine, compile_kwargs={"literal_binds": True})))).scalars()) for query in (page, count)]
    assert "Index Scan using ix_achievements_awaiting_order" in plans[0] and "Sort" not in plans[0], plans[0]
    # The count: from either partial index of the waiting rows (the queue's order, or the badge's by program;
    # the same predicate, so the planner may take either), never from the table.
    assert re.search(r"Index Only Scan using ix_achievements_awaiting_(order|program)\b", plans[1]), plans[1]


def test_the_queue_page_costs_the_same_queries_whatever_the_number_of_programs(login_as, admin):
    def waiting_in_new_program(k: int) -> None:
        p = make_program(f"Q{k:02d}")
        make_achievement(p, [], AchievementKind.PUBLICATION, title=f"Paper {k}", venue="V", doi=f"10.1/{k}",
                         verification_status=VerificationStatus.SUBMITTED)
        make_achievement(p, [], AchievementKind.PUBLICATION, title=f"Paper {k}!", venue="V", doi=f"10.1/{k}",
                         verification_status=VerificationStatus.DRAFT)

    def statements() -> tuple[str, int]:
        return get_counting_statements(b, "/achievements/pending")

    b = login_as(admin)
    for k in range(2):
        waiting_in_new_program(k)
    html, few = statements()
    assert html.count("Possible duplicate") == 2
    for k in range(2, 7):
        waiting_in_new_program(k)
    html, many = statements()
    assert html.count("Possible duplicate") == 7 and "same DOI 10.1/6" in html
    assert many == few  # no query per program (the duplicate index of each program was one)
