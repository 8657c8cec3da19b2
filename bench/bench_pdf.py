"""Time an ~80-page certification-style pack: one plain WeasyPrint render vs. the 2-process renderer.

Run: ``.venv/bin/python bench/bench_pdf.py [--rows 62] [--processes 2] [--repeat 3] [--out DIR]``

Both renders get the same document: (a) :func:`compose_html` rendered once by WeasyPrint in this
process (contents via target-counter, CSS page counters), (b) :func:`render_pdf_parallel` (parts in
worker processes, merged with pypdf, contents and page numbers stamped). The worker pool's start-up
(a forkserver that imports WeasyPrint, once per server process) is timed separately.
Target: ratio (a)/(b) >= 1.4 on 2 idle cores. On a shared machine the figures swing with the load:
use ``--repeat`` and read the load average printed with the result.
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=62, help="rows per section (24 sections; 62 gives ~80 pages)")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path("/tmp/eduinnov-bench-pdf"))
    parser.add_argument("--repeat", type=int, default=1,
                        help="alternate (a) and (b) this many times and keep the best of each (noisy machines)")
    args = parser.parse_args()

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
    print(f"size:  single {len(single) / 1024:.0f} KiB, parallel {len(parallel) / 1024:.0f} KiB")
    print(f"runs: (a) {', '.join(f'{t:.2f}' for t in singles)} s; (b) {', '.join(f'{t:.2f}' for t in parallels)} s")
    print(f"(a) single-process WeasyPrint:          {t_single:6.2f} s")
    print(f"(b) render_pdf_parallel ({args.processes} processes):   {t_parallel:6.2f} s"
          f"  (+ {t_warm:.2f} s one-time pool start-up)")
    print(f"ratio (a)/(b): {t_single / t_parallel:.2f}x warm, {t_single / (t_parallel + t_warm):.2f}x including"
          f" start-up  (target >= 1.4x on 2 cores; load average now {os.getloadavg()[0]:.1f})")
    print(f"PDFs in {args.out}")


if __name__ == "__main__":
    main()
