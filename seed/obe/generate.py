"""Regenerate the OBE demo files: plan.yaml (assessment plans) and sheets/*.csv (score sheets).

Run from the repository root: ``python seed/obe/generate.py``. It reads seed/demo.yaml (cohort sizes,
student-number rule) and seed/se/framework.yaml (courses and objectives) and writes deterministic
files with a fixed random seed. ``eduinnov.obe.demo.load`` imports them through the real score-sheet
import, so the sheets imitate what academic affairs systems export: GBK with title rows, UTF-8 with a
BOM, two-row headers with merged (blank) cells, 缺考 for missed exams.

Distributions: every student has an ability; every course objective a difficulty (mean score ratio,
mostly 0.76-0.88). A few objectives are set below the 0.7 threshold for the 2021 cohort and improved
for the 2022 cohort — the improvement records in plan.yaml tell that story.
"""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
SEED = HERE.parent
AS_OF_TERM = {2021: 8, 2022: 6}  # semesters completed by the demo date (2025-09-30)
PRACTICE = {"SE3009", "SE4001", "SE4002"}
TEACHERS = ["teacher@demo.edu", "zhao.min@demo.edu", "sun.hao@demo.edu"]
# (course, objective number) → difficulty per cohort; everything else is drawn in 0.76-0.88.
WEAK = {
    ("SE2001", 2): {2021: 0.62, 2022: 0.73},   # algorithm analysis: IP 2.1 → GR2 verdict depends on the rule
    ("SE3001", 2): {2021: 0.64, 2022: 0.71},   # requirement alternatives by literature: IP 2.3
    ("SE3007", 2): {2021: 0.66, 2022: 0.69},   # sustainability of software: IP 6.2 / 7.1, still weak
    ("SE3003", 2): {2021: 0.67, 2022: 0.74},   # test data analysis: IP 4.3
    ("MA1001", 2): {2021: 0.65, 2022: 0.66},   # modelling with calculus: IP 1.1 / 2.1
}


def term_label(entry_year: int, semester: int) -> str:
    year = entry_year + (semester - 1) // 2
    return f"{year}-{year + 1}-{1 if semester % 2 else 2}"


def plan_for(code: str, n_objectives: int) -> dict:
    """Items, weights and the sheet layout of one course."""
    objs = list(range(1, n_objectives + 1))
    if code in PRACTICE:
        items = [{"name": "过程考核", "type": "project", "full": 30, "objectives": objs},
                 {"name": "项目报告", "type": "report", "full": 40, "objectives": objs},
                 {"name": "答辩", "type": "project", "full": 30, "objectives": objs}]
        weights = {o: {"project": 0.6, "report": 0.4} for o in objs}
        return {"items": items, "weights": weights, "groups": None}
    has_lab = code.startswith("SE")
    items = [{"name": f"作业{o}", "type": "homework", "full": 10, "objectives": [o]} for o in objs]
    if has_lab:
        items += [{"name": f"实验{o}", "type": "lab", "full": 10, "objectives": [o]} for o in objs]
    n_questions = n_objectives + 2
    fulls = [100 // n_questions] * n_questions
    fulls[-1] += 100 - sum(fulls)
    items += [{"name": f"题{q + 1}", "type": "exam", "full": fulls[q], "objectives": [objs[q % n_objectives]]}
              for q in range(n_questions)]
    weights = {o: ({"homework": 0.2, "lab": 0.3, "exam": 0.5} if has_lab else {"homework": 0.3, "exam": 0.7})
               for o in objs}
    groups = [("平时成绩", [i["name"] for i in items if i["type"] != "exam"]),
              ("期末考试", [i["name"] for i in items if i["type"] == "exam"])]
    return {"items": items, "weights": weights, "groups": groups}


def seeded_students() -> dict[int, list[tuple[str, str, str]]]:
    """(number, name, status) of the SE students per entry year, exactly as `flask seed demo` makes them.

    Runs the seeder's own people step on a throw-away in-memory database, so the sheets carry the
    seeded names and leave out students who withdrew.
    """
    import os
    import sys
    import tempfile

    sys.path.insert(0, str(SEED.parent))
    os.environ["EDUINNOV_INSTANCE_DIR"] = tempfile.mkdtemp(prefix="obe-demo-")
    os.environ["EDUINNOV_DATABASE_URL"] = "sqlite://"
    os.environ.setdefault("EDUINNOV_SECRET_KEY", "generate-obe-demo-sheets-only-" + "x" * 8)
    from eduinnov import create_app
    from eduinnov.extensions import db
    from eduinnov.programs.models import Program
    from eduinnov.seed.context import DemoContext, read_yaml
    from eduinnov.seed.people import load_programs
    from eduinnov.seed.upsert import Upserter

    app = create_app()
    with app.app_context():
        db.create_all()
        ctx = DemoContext(seed_dir=SEED, config=read_yaml(SEED / "demo.yaml"), up=Upserter(db.session))
        load_programs(ctx)
        program = db.session.query(Program).filter_by(code="SE").one()
        return {c.entry_year: [(s.student_no, s.name, s.status.value) for s in c.students] for c in program.cohorts}


def write_sheet(path: Path, course: dict, term: str, plan: dict, rows: list[list], style: str) -> None:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    names = [i["name"] for i in plan["items"]]
    if style in ("gbk-title", "gbk-groups"):
        writer.writerow([f"XX大学 {term} 学期课程成绩登记表"])
        writer.writerow([f"课程：{course['code']} {course['name_zh']}", "", f"学分：{course['credits']}", "", "打印日期：2025-07-10"])
    if style == "gbk-groups" and plan["groups"]:
        upper, lower = ["学号", "姓名"], ["", ""]
        for group, members in plan["groups"]:
            upper += [group] + [""] * (len(members) - 1)
            lower += members
        writer.writerow(upper + ["总评"])
        writer.writerow(lower + [""])
    else:
        writer.writerow(["学号", "姓名", *names, "总评"])
    for row in rows:
        writer.writerow(row)
    if style.startswith("gbk"):
        writer.writerow([])
        writer.writerow(["任课教师签字：", "", "", "教研室主任签字："])
    text = out.getvalue()
    path.write_bytes(text.encode("gbk") if style.startswith("gbk") else b"\xef\xbb\xbf" + text.encode("utf-8"))


def main() -> None:
    demo = yaml.safe_load((SEED / "demo.yaml").read_text(encoding="utf-8"))
    framework = yaml.safe_load((SEED / "se" / "framework.yaml").read_text(encoding="utf-8"))
    program = next(p for p in demo["programs"] if p["code"] == "SE")
    rng = random.Random(20250930)
    roster = seeded_students()
    sheets_dir = HERE / "sheets"
    sheets_dir.mkdir(exist_ok=True)
    for old in sheets_dir.glob("*.csv"):
        old.unlink()
    offerings = []
    styles = ["gbk-title", "utf8-bom", "gbk-groups"]
    for cohort in program["cohorts"]:
        year = cohort["entry_year"]
        if year not in AS_OF_TERM:
            continue
        students = [(n, name, status) for n, name, status in roster[year] if status != "withdrawn"]
        numbers = [n for n, _, _ in students]
        names = {n: name for n, name, _ in students}
        suspended = {n for n, _, status in students if status == "suspended"}
        ability = {n: rng.gauss(0, 1) for n in numbers}
        for k, course in enumerate(framework["courses"]):
            semester = int(course.get("term") or 1)
            if semester > AS_OF_TERM[year]:
                continue
            code, n_obj = course["code"], len(course.get("objectives", []))
            if n_obj == 0:
                continue
            plan = plan_for(code, n_obj)
            difficulty = {o: WEAK.get((code, o), {}).get(year, rng.uniform(0.76, 0.88)) for o in range(1, n_obj + 1)}
            term = term_label(year, semester)
            style = styles[(k + year) % len(styles)]
            filename = f"{year}-{code}.csv"
            rows = []
            for n in numbers:
                values = []
                for item in plan["items"]:
                    d = sum(difficulty[o] for o in item["objectives"]) / len(item["objectives"])
                    ratio = min(1.0, max(0.0, rng.gauss(d + 0.07 * ability[n], 0.09)))
                    score = round(ratio * item["full"] * 2) / 2
                    if n in suspended and semester >= 5:
                        values.append("")  # suspended: no work in the later terms
                    elif item["type"] == "homework" and rng.random() < 0.03:
                        values.append("")  # not handed in
                    elif item["type"] == "exam" and ability[n] < -2.0:
                        values.append("缺考")
                    else:
                        values.append(f"{score:g}")
                total = sum(float(v) for v in values if v not in ("", "缺考"))
                rows.append([n, names[n], *values, f"{round(total * 100 / sum(i['full'] for i in plan['items'])):d}"])
            write_sheet(sheets_dir / filename, course, term, plan, rows, style)
            offerings.append({
                "course": code, "cohort": year, "term": term, "teacher": TEACHERS[k % len(TEACHERS)],
                "sheet": f"sheets/{filename}", "items": plan["items"], "weights": plan["weights"],
            })
    out = {
        "program": "SE",
        "note": "Generated by seed/obe/generate.py; edit that script, not this file.",
        "offerings": offerings,
        "surveys": "surveys-2021.csv",
        "improvements": IMPROVEMENTS,
    }
    (HERE / "plan.yaml").write_text(
        "# OBE demo: assessment plans of the SE offerings, their score sheets, surveys and improvement records.\n"
        + yaml.safe_dump(out, allow_unicode=True, sort_keys=False, width=120), encoding="utf-8")
    write_surveys(framework, rng)


IMPROVEMENTS = [
    {"requirement": 2, "target": "SE2001/2", "cohort": 2021, "cycle_year": 2023, "value": 0.62,
     "analysis": "2021级数据结构与算法课程目标2（算法复杂度分析）达成度0.62，期末第2、5题得分率低于55%，学生对递推式求解掌握不足。",
     "measure": "增加算法分析专题课2学时，新增两次复杂度分析作业并在实验中引入性能对比；期中增加过程性测验。",
     "responsible": "李文博", "status": "verified",
     "result": "2022级同一目标达成度提高到0.73，达到阈值；继续跟踪。"},
    {"requirement": 2, "target": "SE3001/2", "cohort": 2021, "cycle_year": 2024, "value": 0.64,
     "analysis": "需求方案比较依赖文献与竞品调研，学生检索与归纳能力不足，调研报告多为罗列。",
     "measure": "与科技文献检索与写作课程联动，提供调研报告模板与评分量规；安排一次竞品分析研讨。",
     "responsible": "赵敏", "status": "done", "result": "2022级达成度0.71，勉强达到；量规需细化。"},
    {"requirement": 7, "target": "SE3007/2", "cohort": 2021, "cycle_year": 2025, "value": 0.66,
     "analysis": "软件可持续发展相关内容课时少，考核仅一道简答题，区分度低。",
     "measure": "增设绿色软件与能耗案例，改为小组案例报告考核；下一轮评价时单独统计。",
     "responsible": "孙浩", "status": "in_progress", "result": None},
    {"requirement": 1, "target": "MA1001/2", "cohort": 2021, "cycle_year": 2022, "value": 0.65,
     "analysis": "高等数学建模应用题得分率偏低，学生不会将工程问题抽象为微分方程。",
     "measure": "与数学学院协商增加工程应用例题，开设数学建模辅导。",
     "responsible": "周建国", "status": "done", "result": "2022级达成度0.66，未见明显改善，需调整措施。"},
]


def write_surveys(framework: dict, rng: random.Random) -> None:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["指标点", "来源", "达成度", "人数", "年份"])
    for req in framework["requirements"]:
        for point in req.get("points", []):
            writer.writerow([point["code"], "毕业生", f"{rng.uniform(0.70, 0.90):.3f}", 41, 2025])
            writer.writerow([point["code"], "用人单位", f"{rng.uniform(0.68, 0.88):.3f}", 12, 2025])
    (HERE / "surveys-2021.csv").write_bytes(b"\xef\xbb\xbf" + out.getvalue().encode("utf-8"))


if __name__ == "__main__":
    main()
