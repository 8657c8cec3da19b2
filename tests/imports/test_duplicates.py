"""Duplicates caught at import: identifiers skip the row naming the item; near-identical titles need a confirmation."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from eduinnov.achievements.models import Achievement, AchievementKind, PatentStatus, PatentType
from eduinnov.extensions import db
from eduinnov.imports import services
from eduinnov.imports import validators as v
from tests.factories import csv_bytes, make_achievement

HEADER = ["类型", "题目", "年份", "学生", "级别", "项目类型", "项目状态", "项目编号", "期刊", "DOI", "收录", "申请号",
          "申请日期", "专利状态"]


def _row(kind, title, year, students, **kw):
    row = dict.fromkeys(HEADER, "")
    row.update({"类型": kind, "题目": title, "年份": year, "学生": students}, **kw)
    return [row[h] for h in HEADER]


def _count() -> int:
    return db.session.scalar(select(func.count(Achievement.id)))


def test_same_identifiers_are_skipped_naming_the_existing_item(program, teacher, roster):
    paper = make_achievement(program, [roster["zhang"]], AchievementKind.PUBLICATION, title="旧论文", venue="V",
                             doi="10.3778/j.issn.1002-8331.2301-0001")
    patent = make_achievement(program, [roster["zhang"]], AchievementKind.PATENT, title="旧专利",
                              application_number="CN201710601862.3", patent_type=PatentType.INVENTION)
    project = make_achievement(program, [roster["zhang"]], AchievementKind.PROJECT, title="旧项目",
                               project_number="S202410001")
    data = csv_bytes([HEADER,
                      _row("论文", "完全不同的论文题目", "2024", "张伟", 期刊="期刊",
                           DOI="https://doi.org/10.3778/J.ISSN.1002-8331.2301-0001", 收录="北大核心"),
                      _row("专利", "完全不同的专利名称", "", "张伟", 申请号="ZL 2017 1 0601862.3",
                           申请日期="2017-07-20", 专利状态="已申请"),
                      _row("项目", "完全不同的项目名称", "2024", "张伟", 级别="校级", 项目类型="创新训练",
                           项目状态="立项", 项目编号="s2024-10001")])
    preview = services.preview_import("achievements", program, teacher, data, "a.csv")
    assert preview.ok, [str(e) for e in preview.errors]
    assert [r.action for r in preview.rows] == ["skip", "skip", "skip"]
    assert f"(#{paper.id})" in preview.rows[0].reason and "DOI" in preview.rows[0].reason
    assert f"(#{patent.id})" in preview.rows[1].reason and "application number" in preview.rows[1].reason
    assert f"(#{project.id})" in preview.rows[2].reason and "project with the number" in preview.rows[2].reason
    services.run_import("achievements", program, teacher, data, "a.csv")
    assert _count() == 3


def test_near_identical_title_needs_a_confirmation(program, teacher, roster):
    old = make_achievement(program, [roster["zhang"]], AchievementKind.PUBLICATION, year=2023, venue="V",
                           title="基于深度学习的作物病害识别方法研究")
    data = csv_bytes([HEADER, _row("论文", "基于深度学习的作物病害识别方法研究（续）", "2024", "李娜", 期刊="期刊",
                                   收录="北大核心")])
    preview = services.preview_import("achievements", program, teacher, data, "a.csv")
    assert preview.ok and [r.action for r in preview.rows] == ["create"]
    assert preview.needs_confirmation and preview.rows[0].data["similar"] == [(old.id, old.title)]
    assert any(f"#{old.id}" in str(w) for w in preview.warnings)
    with pytest.raises(services.ImportRefused, match="look like achievements already recorded") as exc:
        services.run_import("achievements", program, teacher, data, "a.csv")
    assert exc.value.retry
    db.session.rollback()
    assert _count() == 1
    services.run_import("achievements", program, teacher, data, "a.csv", confirm_duplicates=True)
    assert _count() == 2


def test_near_identical_titles_within_the_file_are_flagged(program, teacher, roster):
    data = csv_bytes([HEADER,
                      _row("论文", "Graph neural networks for crop disease recognition", "2024", "张伟", 期刊="J",
                           收录="EI"),
                      _row("论文", "Graph neural network for crop disease recognition", "2024", "李娜", 期刊="J",
                           收录="EI")])
    preview = services.preview_import("achievements", program, teacher, data, "a.csv")
    assert [r.action for r in preview.rows] == ["create", "create"]
    assert preview.rows[1].data["similar"] == [(-2, "Graph neural networks for crop disease recognition")]


def test_confirm_page_shows_the_checkbox_and_refuses_without_it(login_as, teacher, program, roster):
    old = make_achievement(program, [roster["zhang"]], AchievementKind.PUBLICATION, year=2023, venue="V",
                           title="Deep learning for crop disease recognition")
    data = csv_bytes([HEADER, _row("论文", "Deep learning for crop-disease recognition!!", "2024", "李娜", 期刊="J",
                                   收录="EI")])
    b = login_as(teacher)
    import io

    upload_url = f"/imports/{program.id}/achievements"
    response = b.post(f"{upload_url}/preview", {"file": (io.BytesIO(data), "a.csv")}, token_from=upload_url,
                      content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert "These are different achievements: import them" in html and f'href="/achievements/{old.id}"' in html
    import re

    token = re.search(r'name="token"[^>]*value="([^"]+)"', html) or re.search(r'value="([^"]+)"[^>]*name="token"', html)
    response = b.post(f"{upload_url}/confirm", {"token": token.group(1)}, token_from=upload_url)
    assert response.status_code == 422 and _count() == 1
    html = response.get_data(as_text=True)
    token = re.search(r'name="token"[^>]*value="([^"]+)"', html) or re.search(r'value="([^"]+)"[^>]*name="token"', html)
    response = b.post(f"{upload_url}/confirm", {"token": token.group(1), "confirm_duplicates": "y"},
                      token_from=upload_url)
    assert response.status_code == 302 and _count() == 2


@pytest.mark.parametrize("word, status", [
    ("已申请", PatentStatus.APPLIED), ("实质审查", PatentStatus.APPLIED), ("审查中", PatentStatus.APPLIED),
    ("已授予", PatentStatus.GRANTED), ("授权公告", PatentStatus.GRANTED), ("已下证", PatentStatus.GRANTED),
])
def test_patent_status_synonyms(app, word, status):
    assert v.PATENT_STATUSES.parse(word) == status
