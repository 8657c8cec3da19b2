"""Time an ~80-page certification-style pack: one plain WeasyPrint render vs. the 2-process renderer.

Run: ``.venv/bin/python bench/bench_pdf.py [--rows 62] [--processes 2] [--repeat 3] [--out DIR]``
     ``.venv/bin/python bench/bench_pdf.py --pack [--students 240] [--achievements 760]``

``--pack`` times the real evidence pack (``eduinnov.reports.pack``: its templates, charts, tables and
layout) built from a demo-like payload of one cohort (a 12-requirement framework with 45 courses, a
student evaluation run, OBE degrees, improvement records, several hundred verified achievements);
without it the document is a synthetic table report.

Both renders get the same document: (a) :func:`compose_html` rendered once by WeasyPrint in this
process (contents via target-counter, CSS page counters), (b) :func:`render_pdf_parallel` (parts in
worker processes, merged with pypdf, contents and page numbers stamped). The worker pool's start-up
(a forkserver that imports WeasyPrint, once per server process) is timed separately.
Targets: time ratio (a)/(b) >= 1.4 on 2 idle cores, and file size (b)/(a) <= 1.1 (the parts share one
font program per face, see :mod:`eduinnov.reports.pdf_fonts`). On a shared machine the times swing with
the load: use ``--repeat`` and read the load average printed with the result.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

from markupsafe import escape

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from eduinnov.config import ROOT  # noqa: E402
from eduinnov.reports.pdf import (  # noqa: E402
    PdfLayout,
    Section,
    compose_html,
    render_pdf,
    render_pdf_parallel,
    warm_up,
)

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲芬燕彬鹏飞浩然思远雨欣子涵梓轩宇航晨曦"
KINDS = ["大学生创新创业训练计划", "学科竞赛", "学术论文", "发明专利", "实用新型专利", "软件著作权", "校企合作项目"]
LEVELS = ["国家级", "省部级", "校级", "院级"]
AWARDS = ["一等奖", "二等奖", "三等奖", "优秀奖", "立项", "结题", "授权", "录用"]
CLASSES = [f"软件工程{y}级{k}班" for y in (2021, 2022, 2023) for k in (1, 2, 3, 4)]


def _rows(rng: random.Random, n: int, start: int) -> str:
    out = []
    for i in range(start, start + n):
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
        kind = rng.choice(KINDS)
        title = f"基于{rng.choice(['深度学习', '知识图谱', '边缘计算', '区块链', '数字孪生'])}的{rng.choice(['智慧校园', '教学评价', '成果认证', '能力画像'])}系统研究"
        out.append(
            f"<tr><td class='num'>{i}</td><td class='nowrap'>{escape(name)}</td><td>2021{i:05d}</td><td>{escape(kind)}</td>"
            f"<td>{escape(title)}</td><td class='nowrap'>{rng.choice(LEVELS)}</td><td class='nowrap'>{rng.choice(AWARDS)}</td>"
            f"<td class='num'>{rng.randint(55, 100)}</td><td>202{rng.randint(1, 5)}-{rng.randint(1, 12):02d}</td></tr>"
        )
    return "".join(out)


HEAD = (
    "<thead><tr><th class='nowrap'>序号</th><th>姓名</th><th>学号</th><th>成果类型</th><th>题目</th>"
    "<th class='nowrap'>级别</th><th class='nowrap'>等级</th><th class='nowrap'>得分</th><th>时间</th></tr></thead>"
)


def build_sections(rows_per_section: int = 150, classes: int = 12, seed: int = 2026) -> list[Section]:
    """One chapter per class with a summary paragraph and an achievement table (two sections each)."""
    rng = random.Random(seed)
    sections = []
    n = 1
    for cls in CLASSES[:classes]:
        intro = (
            f"<p>本节列出{escape(cls)}学生已核验的创新成果，包括项目、竞赛、论文与专利；"
            "每条记录均附有证据编号，可在附录中查阅原件。</p>"
        )
        for part in (1, 2):
            body = (intro if part == 1 else "") + (
                f"<table><caption>{escape(cls)} 成果明细（{part}）</caption>{HEAD}"
                f"<tbody>{_rows(rng, rows_per_section, n)}</tbody></table>"
            )
            sections.append(Section(title=f"{cls} 学生成果（{part}）", html=body, level=1))
            n += rows_per_section
    return sections


def demo_like_payload(students: int = 240, achievements: int = 760, seed: int = 2026) -> dict:
    """A pack payload shaped like :func:`eduinnov.reports.pack.build_pack_payload`'s, with demo-like content."""
    rng = random.Random(seed)
    gr_titles = ["工程知识", "问题分析", "设计/开发解决方案", "研究", "使用现代工具", "工程与社会", "环境和可持续发展",
                 "职业规范", "个人和团队", "沟通", "项目管理", "终身学习"]
    courses = [(f"SE{3000 + i}", f"{rng.choice(['软件', '数据', '智能', '网络', '嵌入式'])}"
                f"{rng.choice(['工程', '系统', '分析', '设计', '安全'])}{rng.choice(['导论', '基础', '实践', '原理'])}")
               for i in range(45)]
    requirements, groups = [], []
    for n, title in enumerate(gr_titles, start=1):
        codes = [f"{n}.{k}" for k in range(1, 4)]
        groups.append({"number": n, "codes": codes})
        requirements.append({"number": n, "title": title, "description": f"能够将{title}相关的知识与方法用于复杂工程问题。",
                             "points": [{"code": c, "description": f"指标点{c}：掌握并运用{title}的方法，"
                                         "能够针对复杂软件工程问题给出合理的分析与论证。",
                                         "courses": [f"{rng.choice(courses)[0]} ({rng.choice('HML')})" for _ in range(3)]}
                                        for c in codes]})
    n_points = sum(len(g["codes"]) for g in groups)
    rows = [{"code": code, "name": name, "credits": rng.choice([2.0, 3.0, 4.0]),
             "cells": [rng.choice(["H", "M", "L"]) if rng.random() < 0.12 else None for _ in range(n_points)]}
            for code, name in courses]
    modules = [{"name": m, "kind": "阶段化课程学习", "line": "课内", "credits": 40.0, "term": "1-4",
                "courses": [f"{c} {n}" for c, n in courses[i * 9:(i + 1) * 9]],
                "children": [{"name": f"{m}（子模块{k}）", "kind": "系统化项目实践训练", "line": "课外", "credits": 6.0,
                              "term": "5-6", "courses": [], "children": []} for k in range(1, 3)]}
               for i, m in enumerate(["通识教育平台", "学科基础课程", "专业核心课程", "专业方向课程", "实践教学环节"])]
    first = [{"code": c, "name": n} for c, n in [("P", "项目"), ("A", "论文"), ("T", "专利"), ("W", "竞赛")]]
    tree = [{"code": "G", "name": "创新能力", "depth": 0, "is_leaf": False, "local_weight": None, "global_weight": 1.0,
             "weighting": "AHP（特征向量法）", "aggregation": "加权求和", "CR": 0.012, "consistent": True, "mean": 0.41,
             "metric": None}]
    for f in first:
        tree.append({"code": f["code"], "name": f["name"], "depth": 1, "is_leaf": False, "local_weight": 0.25,
                     "global_weight": 0.25, "weighting": "熵权法", "aggregation": "加权求和", "CR": None,
                     "consistent": None, "mean": 0.4, "metric": None})
        for k in range(1, 4):
            tree.append({"code": f"{f['code']}{k}", "name": f"{f['name']}指标{k}", "depth": 2, "is_leaf": True,
                         "local_weight": 1 / 3, "global_weight": 1 / 12, "weighting": None, "aggregation": None,
                         "CR": None, "consistent": None, "mean": rng.random(), "metric": "成果数量"})
    grades = ["优秀", "良好", "中等", "较差"]
    scores = sorted((rng.random() for _ in range(students)), reverse=True)
    results = [{"label": f"{rng.choice(SURNAMES)}{rng.choice(GIVEN)}{rng.choice(GIVEN)} (2022{i:06d})",
                "score": round(s, 6), "grade": grades[min(3, int((1 - s) * 4))], "rank": i + 1,
                "first_level": [round(rng.random(), 6) for _ in first], "is_this_cohort": False}
               for i, s in enumerate(scores)]
    kinds = [("project", "大学生创新创业训练计划项目"), ("publication", "论文"), ("patent", "专利"), ("award", "竞赛获奖")]
    ach = []
    for i in range(achievements):
        kind, label = kinds[i % 4]
        ach.append({"id": i + 1, "ref": f"A{i + 1}", "kind": kind, "kind_label": label,
                    "title": f"基于{rng.choice(['深度学习', '知识图谱', '边缘计算', '区块链', '数字孪生'])}的"
                             f"{rng.choice(['智慧校园', '教学评价', '成果认证', '能力画像'])}系统研究",
                    "year": rng.randint(2022, 2025), "detail": f"{rng.choice(LEVELS)} · {rng.choice(AWARDS)}",
                    "students": [f"{rng.choice(SURNAMES)}{rng.choice(GIVEN)} (2022{rng.randint(1, students):06d})"
                                 for _ in range(rng.randint(1, 3))],
                    "verified_at": "2025-06-30 10:00", "verified_by": "周建国",
                    "evidence": [{"id": i + 1, "ref": f"E{i + 1}", "name": f"证明材料{i + 1}.pdf", "mime": "application/pdf",
                                  "size": 120000, "sha256": f"{rng.getrandbits(256):064x}", "is_image": False}]})
    obe_reqs = []
    for r in requirements:
        ws, mn = rng.uniform(0.62, 0.85), None
        mn = ws - rng.uniform(0, 0.08)
        obe_reqs.append({"number": r["number"], "title": r["title"], "weighted_sum": round(ws, 6), "minimum": round(mn, 6),
                         "achieved_weighted_sum": ws >= 0.7, "achieved_minimum": mn >= 0.7,
                         "rule_changes_verdict": (ws >= 0.7) != (mn >= 0.7), "share_weighted_sum": 0.8,
                         "share_minimum": 0.7,
                         "points": [{"code": p["code"], "weighted_sum": round(ws, 6), "minimum": round(mn, 6),
                                     "achieved_weighted_sum": ws >= 0.7, "achieved_minimum": mn >= 0.7,
                                     "courses": [{"code": c[0], "weight": 0.5, "value": 0.75} for c in courses[:2]]}
                                    for p in r["points"]]})
    return {
        "kind": "evidence_pack", "version": 1, "lang": "zh", "taken_at": "2026-11-26T08:00:00+00:00",
        "taken_at_display": "2026-11-26 16:00", "taken_by": {"id": 1, "name": "周建国"},
        "program": {"id": 1, "code": "SE", "name": "软件工程", "name_zh": "软件工程", "name_en": "Software Engineering",
                    "degree": "本科"},
        "cohort": {"id": 2, "entry_year": 2022, "name": "软件工程2022级", "students": students},
        "framework": {"id": 1, "version": "2021", "title": "软件工程专业人才培养方案（2021版）", "status": "生效中",
                      "entry_year": 2021, "threshold": 0.7, "rule": "weighted_sum", "rule_label": "支撑课程加权求和",
                      "weights": {"H": 3.0, "M": 2.0, "L": 1.0},
                      "counts": {"requirements": 12, "points": n_points, "courses": 45, "cells": 0, "modules": 15},
                      "requirements": requirements,
                      "matrix": {"groups": groups, "rows": rows,
                                 "column_counts": [sum(1 for r in rows if r["cells"][j]) for j in range(n_points)]},
                      "modules": modules},
        "partners": [{"name": f"合作单位{i}", "kind": "企业", "city": "杭州", "agreements": 2, "agreements_active": 1,
                      "bases": 1, "supervisors": 3, "participations": rng.randint(0, 12)} for i in range(12)],
        "evaluation": {"run_id": 7, "model_name": "AHP–模糊综合评价", "model_version": 1, "unit": "student",
                       "unit_label": "学生", "target": "SE · 软件工程2022级", "created_at": "2026-11-26T07:00:00+00:00",
                       "created_at_display": "2026-11-26 15:00", "created_by": "周建国", "fingerprint": f"{7:064x}",
                       "weighting_methods": ["AHP（特征向量法）", "熵权法"], "aggregation_methods": ["加权求和"],
                       "grade_rule": "band", "warnings": [], "tree": tree, "first_level": first,
                       "grades": [{"name": g, "min": 0.0, "count": sum(1 for r in results if r["grade"] == g)}
                                  for g in grades],
                       "summary": {"n": students, "mean": 0.5, "median": 0.5, "min": 0.0, "max": 1.0,
                                   "mean_grade": "中等"},
                       "results": results},
        "obe": {"framework_version": "2021", "threshold": 0.7, "rule": "weighted_sum", "rule_label": "支撑课程加权求和",
                "reference": "Fan Yu, 高等工程教育研究 2023(2):80-86", "offerings": 40, "courses_without_scores": [],
                "has_values": True, "requirements": obe_reqs},
        "improvements": [{"id": i, "cycle_year": 2024, "target": f"GR{i % 12 + 1}", "cohort": "软件工程2022级",
                          "achievement_value": 0.66, "analysis": "实验环节薄弱，学生在复杂问题分析方面得分偏低。",
                          "measure": "增加课程设计与项目实践学时，引入企业真实案例。", "responsible": "李文博",
                          "status": "已实施", "next_cycle_result": None} for i in range(24)],
        "achievements": ach,
        "achievement_summary": {"total": len(ach), "by_kind": [{"kind": k, "label": lbl, "count": achievements // 4}
                                                                 for k, lbl in kinds],
                                "students_with_achievement": students // 2},
    }


def build_pack(students: int, achievements: int) -> tuple[list[Section], PdfLayout]:
    """The evidence pack's sections and layout from :func:`demo_like_payload` (in an app context, in Chinese)."""
    import tempfile

    os.environ.setdefault("EDUINNOV_INSTANCE_DIR", tempfile.mkdtemp(prefix="eduinnov-bench-"))
    from flask_babel import force_locale

    from eduinnov import create_app
    from eduinnov.reports.pack import pack_sections

    app = create_app()
    with app.app_context(), force_locale("zh"):
        return pack_sections(demo_like_payload(students, achievements), fingerprint=f"{12345:064x}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=62, help="rows per section (24 sections; 62 gives ~80 pages)")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path("/tmp/eduinnov-bench-pdf"))
    parser.add_argument("--repeat", type=int, default=1,
                        help="alternate (a) and (b) this many times and keep the best of each (noisy machines)")
    parser.add_argument("--pack", action="store_true",
                        help="time the real evidence pack (templates, charts) from a demo-like payload")
    parser.add_argument("--students", type=int, default=240, help="--pack: students in the evaluation run")
    parser.add_argument("--achievements", type=int, default=760, help="--pack: verified achievements listed")
    args = parser.parse_args()

    if args.pack:
        sections, layout = build_pack(args.students, args.achievements)
        print(f"evidence pack: {len(sections)} sections, {args.students} students, {args.achievements} achievements")
    else:
        sections = build_sections(args.rows)
        layout = PdfLayout(
            title="软件工程专业 认证证据包", lang="zh", contents_title="目录",
            footer_format="第 {page} 页 / 共 {pages} 页",
            cover_html="<h1>软件工程专业认证证据包</h1><p>2021–2023 级学生创新成果</p>",
        )
    static = ROOT / "eduinnov" / "static"
    args.out.mkdir(parents=True, exist_ok=True)

    # Pool start-up (forkserver importing WeasyPrint) happens once per server process; timed apart.
    t0 = time.perf_counter()
    warm_up()
    t_warm = time.perf_counter() - t0

    singles, parallels = [], []
    for _round in range(max(1, args.repeat)):
        t0 = time.perf_counter()
        single = render_pdf(compose_html(sections, layout), base_url=static, allowed_roots=[static])
        singles.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        parallel = render_pdf_parallel(sections, layout=layout, base_url=static, allowed_roots=[static],
                                       processes=args.processes)
        parallels.append(time.perf_counter() - t0)
    t_single, t_parallel = min(singles), min(parallels)
    (args.out / "single.pdf").write_bytes(single)
    (args.out / "parallel.pdf").write_bytes(parallel)

    from pypdf import PdfReader

    pages_single = len(PdfReader(args.out / "single.pdf").pages)
    pages_parallel = len(PdfReader(args.out / "parallel.pdf").pages)
    print(f"pages: single {pages_single}, parallel {pages_parallel}")
    print(f"size:  single {len(single) / 1024:.0f} KiB, parallel {len(parallel) / 1024:.0f} KiB"
          f"  (ratio {len(parallel) / len(single):.2f}x; target <= 1.1x)")
    print(f"runs: (a) {', '.join(f'{t:.2f}' for t in singles)} s; (b) {', '.join(f'{t:.2f}' for t in parallels)} s")
    print(f"(a) single-process WeasyPrint:          {t_single:6.2f} s")
    print(f"(b) render_pdf_parallel ({args.processes} processes):   {t_parallel:6.2f} s"
          f"  (+ {t_warm:.2f} s one-time pool start-up)")
    print(f"ratio (a)/(b): {t_single / t_parallel:.2f}x warm, {t_single / (t_parallel + t_warm):.2f}x including"
          f" start-up  (target >= 1.4x on 2 cores; load average now {os.getloadavg()[0]:.1f})")
    print(f"PDFs in {args.out}")


if __name__ == "__main__":
    main()
