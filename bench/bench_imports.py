"""Time bulk achievement imports of 1,000, 10,000 and 50,000 rows (preview, then preview + write).

Run: ``.venv/bin/python bench/bench_imports.py [--rows 1000 10000 50000] [--database-url URL]``

Each size gets a fresh SQLite database in a temporary folder (or the given URL, emptied first) with one
program, 2,000 students and a teacher; the file is a UTF-8 CSV of the ``achievements`` kind mixing
projects, publications (with DOIs), patents (with valid application numbers) and awards, each naming
one to three students by number. Printed per size: file size, preview time, full import time (plan +
inserts + commit) and rows per second. The issue's target: 50,000 rows in seconds, not minutes.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲芬燕彬鹏飞浩然思远雨欣子涵梓轩宇航晨曦"
TOPICS = ["深度学习", "知识图谱", "边缘计算", "区块链", "数字孪生", "联邦学习", "智能传感"]
THINGS = ["智慧校园", "教学评价", "作物病害识别", "导盲装置", "能力画像", "课堂行为分析", "无人机巡检"]
HEADER = ["类型", "题目", "年份", "学生", "级别", "项目类型", "项目状态", "期刊", "DOI", "收录", "申请号", "申请日期",
          "专利状态", "竞赛名称", "奖项"]
N_STUDENTS = 2000


def patent_number(serial: int, year: int) -> str:
    from eduinnov.imports.validators import patent_check_digit

    digits = f"{year}1{serial:07d}"
    return f"{digits}.{patent_check_digit(digits)}"


def achievement_csv(n: int, rng: random.Random, students, *, title: str = "基于", doi: str = "bench") -> bytes:
    """A CSV of ``n`` distinct achievements (unique titles, DOIs and application numbers), the four kinds in
    turn; ``students(rng)`` draws the student numbers each row names (repeats are dropped)."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(HEADER)
    for i in range(n):
        year = rng.randint(2018, 2024)
        people = "; ".join(dict.fromkeys(students(rng)))
        row = dict.fromkeys(HEADER, "")
        row.update({"题目": f"{title}{rng.choice(TOPICS)}的{rng.choice(THINGS)}研究 {i}", "年份": str(year),
                    "学生": people})
        kind = i % 4
        if kind == 0:
            row.update({"类型": "项目", "级别": rng.choice(["国家级", "省级", "校级"]), "项目类型": "创新训练",
                        "项目状态": rng.choice(["立项", "在研", "结题"])})
        elif kind == 1:
            row.update({"类型": "论文", "期刊": "计算机工程与应用", "DOI": f"10.3778/{doi}.{i}",
                        "收录": rng.choice(["北大核心", "SCI", "EI", "其他"])})
        elif kind == 2:
            row.update({"类型": "专利", "申请号": patent_number(i, year), "申请日期": f"{year}年3月{rng.randint(1, 28)}日",
                        "专利状态": "已受理"})
        else:
            row.update({"类型": "竞赛获奖", "级别": rng.choice(["国家级", "省级"]), "竞赛名称": "互联网+大赛",
                        "奖项": rng.choice(["一等奖", "二等奖", "三等奖"])})
        writer.writerow([row[h] for h in HEADER])
    return buf.getvalue().encode("utf-8")


def make_file(n: int, seed: int = 7) -> bytes:
    """A CSV of ``n`` distinct achievements of the bench's students."""
    return achievement_csv(n, random.Random(seed),
                           lambda rng: [f"2020{rng.randrange(N_STUDENTS):06d}" for _ in range(rng.randint(1, 3))])


def run(n: int, database_url: str | None) -> dict[str, float]:
    folder = Path(tempfile.mkdtemp(prefix="bench-imports-"))
    os.environ["EDUINNOV_INSTANCE_DIR"] = str(folder)
    os.environ["EDUINNOV_SECRET_KEY"] = "bench-" + "x" * 40
    from eduinnov import create_app
    from eduinnov.auth.models import MembershipRole, ProgramMembership, Role, User
    from eduinnov.config import DevConfig
    from eduinnov.extensions import db
    from eduinnov.imports import services
    from eduinnov.programs.models import Cohort, Program, Student

    config = DevConfig()
    config.SQLALCHEMY_DATABASE_URI = database_url or f"sqlite:///{folder / 'bench.sqlite3'}"
    config.IMPORT_MAX_ROWS = max(n, 50_000)
    config.IMPORT_MAX_BYTES = 64 * 2**20
    app = create_app(config)
    data = make_file(n)
    with app.app_context():
        db.drop_all()
        db.create_all()
        program = Program(code="SE", name_zh="软件工程")
        cohort = Cohort(program=program, entry_year=2020)
        db.session.add_all([program, cohort])
        db.session.flush()
        db.session.execute(Student.__table__.insert(), [
            {"student_no": f"2020{i:06d}", "name": f"{SURNAMES[i % len(SURNAMES)]}{GIVEN[i % len(GIVEN)]}{i}",
             "cohort_id": cohort.id, "status": "enrolled"} for i in range(N_STUDENTS)])
        teacher = User(email="t@bench.edu", name="教师", role=Role.TEACHER, password_hash="x")
        teacher.memberships.append(ProgramMembership(program=program, role=MembershipRole.TEACHER))
        db.session.add(teacher)
        db.session.commit()

        t0 = time.perf_counter()
        preview = services.preview_import("achievements", program, teacher, data, "bench.csv")
        t_preview = time.perf_counter() - t0
        assert preview.ok, [str(e) for e in preview.errors[:5]]
        db.session.rollback()
        t0 = time.perf_counter()
        result = services.run_import("achievements", program, teacher, data, "bench.csv")
        db.session.commit()
        t_import = time.perf_counter() - t0
        assert result.counts["create"] == n, result.counts
        t0 = time.perf_counter()
        again = services.preview_import("achievements", program, teacher, data, "bench.csv")
        t_again = time.perf_counter() - t0
        assert again.counts["skip"] == n
        db.session.remove()
        if database_url is None:
            db.engine.dispose()
    return {"bytes": len(data), "preview": t_preview, "import": t_import, "reimport_preview": t_again}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1000, 10_000, 50_000])
    parser.add_argument("--database-url", help="Run against this database (it is emptied!) instead of SQLite.")
    args = parser.parse_args()
    print(f"load average: {os.getloadavg()[0]:.2f}")
    print(f"{'rows':>7} {'file MB':>8} {'preview s':>10} {'import s':>9} {'rows/s':>9} {'re-import preview s':>20}")
    for n in args.rows:
        r = run(n, args.database_url)
        print(f"{n:>7} {r['bytes'] / 2**20:>8.2f} {r['preview']:>10.2f} {r['import']:>9.2f} "
              f"{n / r['import']:>9.0f} {r['reimport_preview']:>20.2f}", flush=True)


if __name__ == "__main__":
    main()
