"""Generate a whole university into PostgreSQL, fast: the data set of ``bench_university.py``.

At ``scale`` 1: 12 schools, 40 programs, 160 cohorts of 250 students (40,000), 200,000 achievements with
one to three participants each, and for every cohort the assessment plans of 10 course offerings (~79
assessment items) with every student's score (~3,000,000 score cells) plus graduate, employer and
self-assessment survey results on every indicator point. Smaller scales keep cohorts of 250 students
and shrink the number of programs (at least one) and everything that hangs from them.

How: ``flask seed demo`` first (users, the SE program and its framework with the support matrix, the
SE 2021 cohort's 29 offerings with assessment plans). Each generated program gets a copy of the SE
framework (requirements, indicator points, modules, courses, objectives, supports, links) and each
generated cohort a copy of the SE 2021 assessment plans; the rows are written with PostgreSQL ``COPY``
(psycopg) under explicitly allocated ids, the sequences are moved past them at the end. Programs are
grouped into schools by a code prefix (``S01-P01``); when the app has a ``School`` model (the
``schools`` package) the schools are created too and ``programs.school_id`` set.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy import Table, func, select, text

from eduinnov.achievements.keys import KEY_COLUMNS, stored_keys

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲芬燕彬鹏飞浩然思远雨欣子涵梓轩宇航晨曦"
TOPICS = ["深度学习", "知识图谱", "边缘计算", "区块链", "数字孪生", "联邦学习", "智能传感", "大语言模型"]
THINGS = ["智慧校园", "教学评价", "作物病害识别", "导盲装置", "能力画像", "课堂行为分析", "无人机巡检", "代码缺陷检测"]
SCHOOL_NAMES = ["计算机学院", "电子信息学院", "机械工程学院", "土木工程学院", "化学化工学院", "材料学院",
                "经济管理学院", "外国语学院", "数学学院", "物理学院", "生命科学学院", "医学院"]
COHORT_SIZE = 250
COHORTS_PER_PROGRAM = 4
FIRST_YEAR = 2021
OFFERINGS_PER_COHORT = 10
ACHIEVEMENTS_PER_PROGRAM = 5000


@dataclass
class University:
    """What the bench needs to know about the generated data."""

    schools: list[dict] = field(default_factory=list)  # code, name, program ids (and id when the model exists)
    programs: list[int] = field(default_factory=list)
    cohorts: list[int] = field(default_factory=list)
    cohort_of_program: dict[int, list[int]] = field(default_factory=dict)
    students_of_program: dict[int, list[str]] = field(default_factory=dict)  # student numbers
    counts: dict[str, int] = field(default_factory=dict)


class Writer:
    """COPY rows into tables under ids it allocates itself (max(id) + 1 …); fills the Python-side defaults."""

    def __init__(self, connection) -> None:
        self.sa = connection
        self.raw = connection.connection.dbapi_connection
        self.next_id: dict[str, int] = {}
        self.counts: dict[str, int] = {}
        self.now = datetime.now(UTC)

    def ids(self, table: Table, n: int) -> range:
        name = table.name
        if name not in self.next_id:
            self.next_id[name] = (self.sa.scalar(select(func.max(table.c.id))) or 0) + 1
        start = self.next_id[name]
        self.next_id[name] = start + n
        return range(start, start + n)

    def _defaults(self, table: Table, given: set[str]) -> dict[str, Any]:
        out = {}
        for col in table.columns:
            if col.name in given or col.default is None:
                continue
            if col.default.is_scalar:
                out[col.name] = col.default.arg
            elif col.default.is_callable:
                out[col.name] = col.default.arg(None)
        for key, value in out.items():
            if isinstance(value, datetime):
                out[key] = self.now
            elif hasattr(value, "value"):  # an enum member: its stored value
                out[key] = value.value
        return out

    def copy(self, table: Table, columns: list[str], rows) -> int:
        """COPY ``rows`` (tuples in ``columns`` order) into ``table``, adding the columns' Python defaults."""
        defaults = self._defaults(table, set(columns))
        extra_cols, extra_vals = list(defaults), tuple(defaults.values())
        cols = ", ".join(f'"{c}"' for c in [*columns, *extra_cols])
        n = 0
        with self.raw.cursor() as cur, cur.copy(f'COPY "{table.name}" ({cols}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row((*row, *extra_vals))
                n += 1
        self.counts[table.name] = self.counts.get(table.name, 0) + n
        return n

    def clone(self, table: Table, where, remap: dict[str, dict[int, int] | Any], order_by=None) -> dict[int, int]:
        """Copy the rows of ``table`` matching ``where`` with new ids; ``remap`` maps column → {old: new} or a value."""
        rows = [dict(r._mapping) for r in self.sa.execute(select(table).where(where).order_by(order_by or table.c.id))]
        new_ids = dict(zip([r["id"] for r in rows], self.ids(table, len(rows)), strict=True))
        columns = [c.name for c in table.columns]

        def converted(r: dict) -> tuple:
            out = dict(r, id=new_ids[r["id"]])
            for col, mapping in remap.items():
                if mapping == "self":
                    out[col] = new_ids.get(r[col]) if r[col] is not None else None
                elif isinstance(mapping, dict):
                    out[col] = mapping.get(r[col]) if r[col] is not None else None
                else:
                    out[col] = mapping
            for key in ("created_at", "updated_at"):
                if key in out:
                    out[key] = self.now
            return tuple(getattr(out[c], "value", out[c]) for c in columns)

        self.copy(table, columns, (converted(r) for r in rows))
        return new_ids

    def finish(self) -> None:
        """Move every sequence we wrote past past its table's largest id."""
        for name in self.next_id:
            self.sa.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                                 f"(SELECT COALESCE(MAX(id), 1) FROM \"{name}\"))"))


def _tables():
    from eduinnov.extensions import db

    return db.metadata.tables


def generate(scale: float, rng: random.Random) -> University:
    """Generate the university into the app's database (inside an app context, demo data loaded); commits."""
    from eduinnov.extensions import db

    t = _tables()
    np_rng = np.random.default_rng(rng.randrange(2**32))
    n_programs = max(1, round(40 * scale))
    n_schools = min(12, n_programs)
    conn = db.session.connection()
    w = Writer(conn)
    uni = University()

    se = conn.execute(select(t["programs"]).where(t["programs"].c.code == "SE")).one()
    fw = conn.execute(select(t["framework_versions"]).where(
        t["framework_versions"].c.program_id == se.id, t["framework_versions"].c.status == "active")).one()
    se2021 = conn.scalar(select(t["cohorts"].c.id).where(t["cohorts"].c.program_id == se.id,
                                                         t["cohorts"].c.entry_year == 2021))
    director = conn.execute(select(t["users"]).where(t["users"].c.email == "director@demo.edu")).one()

    # -- schools and programs
    schools_table = t.get("schools")
    programs = t["programs"]
    program_ids = list(w.ids(programs, n_programs))
    school_ids = list(w.ids(schools_table, n_schools)) if schools_table is not None else [None] * n_schools
    if schools_table is not None:
        cols = [c for c in ("id", "code", "name_zh", "name_en") if c in schools_table.c]
        values = {"id": school_ids, "code": [f"S{i + 1:02d}" for i in range(n_schools)],
                  "name_zh": SCHOOL_NAMES[:n_schools], "name_en": [f"School {i + 1}" for i in range(n_schools)]}
        w.copy(schools_table, cols, zip(*(values[c] for c in cols), strict=True))
    uni.schools = [{"code": f"S{i + 1:02d}", "name": SCHOOL_NAMES[i], "id": school_ids[i], "programs": []}
                   for i in range(n_schools)]
    rows = []
    for k, pid in enumerate(program_ids):
        school = uni.schools[k % n_schools]
        school["programs"].append(pid)
        code = f"{school['code']}-P{k + 1:02d}"
        row = [pid, code, f"专业{k + 1:02d}（{school['name']}）", f"Program {k + 1}", "bachelor", True]
        if schools_table is not None and "school_id" in programs.c:
            row.append(school["id"])
        rows.append(tuple(row))
    cols = ["id", "code", "name_zh", "name_en", "degree_level", "evidence_required"]
    if schools_table is not None and "school_id" in programs.c:
        cols.append("school_id")
    w.copy(programs, cols, rows)
    uni.programs = program_ids

    # -- one director per program (the demo director's password), plus the demo director everywhere
    users, members = t["users"], t["program_memberships"]
    director_ids = list(w.ids(users, n_programs))
    w.copy(users, ["id", "email", "name", "password_hash", "role", "session_token"],
           ((uid, f"director{k + 1:02d}@bench.edu", f"负责人{k + 1:02d}", director.password_hash, "director",
             f"bench-{uid:08d}") for k, uid in enumerate(director_ids)))
    m_ids = w.ids(members, 2 * n_programs)
    w.copy(members, ["id", "user_id", "program_id", "role"],
           [(m_ids[2 * k], uid, pid, "director") for k, (uid, pid) in enumerate(zip(director_ids, program_ids, strict=True))]
           + [(m_ids[2 * k + 1], director.id, pid, "director") for k, pid in enumerate(program_ids)])

    # -- frameworks: a copy of SE's active version per program
    fv, gr, ip = t["framework_versions"], t["graduation_requirements"], t["indicator_points"]
    mod, course, obj = t["modules"], t["courses"], t["course_objectives"]
    sup, link = t["course_supports"], t["objective_indicator_links"]
    course_maps, obj_maps, ip_lists = {}, {}, {}
    for pid in program_ids:
        fmap = w.clone(fv, fv.c.id == fw.id, {"program_id": pid})
        gmap = w.clone(gr, gr.c.framework_id == fw.id, {"framework_id": fmap})
        imap = w.clone(ip, ip.c.requirement_id.in_(list(gmap)), {"requirement_id": gmap})
        mmap = w.clone(mod, mod.c.framework_id == fw.id, {"framework_id": fmap, "parent_id": "self"})
        cmap = w.clone(course, course.c.framework_id == fw.id, {"framework_id": fmap, "module_id": mmap})
        omap = w.clone(obj, obj.c.course_id.in_(list(cmap)), {"course_id": cmap})
        w.clone(sup, sup.c.course_id.in_(list(cmap)), {"course_id": cmap, "indicator_point_id": imap})
        w.clone(link, link.c.objective_id.in_(list(omap)), {"objective_id": omap, "indicator_point_id": imap})
        course_maps[pid], obj_maps[pid], ip_lists[pid] = cmap, omap, list(imap.values())

    # -- cohorts and students
    cohorts, students = t["cohorts"], t["students"]
    n_cohorts = n_programs * COHORTS_PER_PROGRAM
    cohort_ids = list(w.ids(cohorts, n_cohorts))
    cohort_rows, student_rows, cohort_students = [], [], {}
    sid_iter = iter(w.ids(students, n_cohorts * COHORT_SIZE))
    for k, pid in enumerate(program_ids):
        uni.cohort_of_program[pid] = []
        uni.students_of_program[pid] = []
        for j in range(COHORTS_PER_PROGRAM):
            cid = cohort_ids[k * COHORTS_PER_PROGRAM + j]
            year = FIRST_YEAR + j
            cohort_rows.append((cid, pid, year))
            uni.cohort_of_program[pid].append(cid)
            cohort_students[cid] = []
            for i in range(COHORT_SIZE):
                sid = next(sid_iter)
                number = f"{year}{k + 1:03d}{i + 1:04d}"
                name = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.randint(1, 2)))
                student_rows.append((sid, number, name, cid, "enrolled"))
                cohort_students[cid].append(sid)
                uni.students_of_program[pid].append(number)
    w.copy(cohorts, ["id", "program_id", "entry_year"], cohort_rows)
    w.copy(students, ["id", "student_no", "name", "cohort_id", "status"], student_rows)
    uni.cohorts = cohort_ids

    # -- assessment plans (a copy of SE 2021's first offerings) and every student's scores
    off, item, imap_t = t["course_offerings"], t["assessment_items"], t["item_objective_mappings"]
    tw = t["objective_type_weights"]
    template = conn.execute(select(off).where(off.c.cohort_id == se2021).order_by(off.c.id)
                            .limit(OFFERINGS_PER_COHORT)).all()
    t_items = conn.execute(select(item).where(item.c.offering_id.in_([o.id for o in template]))
                           .order_by(item.c.id)).all()
    t_maps = conn.execute(select(imap_t).where(imap_t.c.item_id.in_([i.id for i in t_items]))).all()
    t_weights = conn.execute(select(tw).where(tw.c.offering_id.in_([o.id for o in template]))).all()
    scores, imports = t["scores"], t["score_imports"]
    surveys = t["survey_results"]
    for pid in program_ids:
        cmap, omap = course_maps[pid], obj_maps[pid]
        for j, cid in enumerate(uni.cohort_of_program[pid]):
            o_ids = dict(zip([o.id for o in template], w.ids(off, len(template)), strict=True))
            w.copy(off, ["id", "course_id", "cohort_id", "term", "class_name"],
                   [(o_ids[o.id], cmap[o.course_id], cid, o.term.replace("2021", str(FIRST_YEAR + j), 1)
                     if o.term else o.term, o.class_name or "") for o in template])
            i_ids = dict(zip([i.id for i in t_items], w.ids(item, len(t_items)), strict=True))
            w.copy(item, ["id", "offering_id", "name", "type", "full_marks", "position"],
                   [(i_ids[i.id], o_ids[i.offering_id], i.name, i.type, i.full_marks, i.position) for i in t_items])
            w.copy(imap_t, ["id", "item_id", "objective_id", "share"],
                   zip(w.ids(imap_t, len(t_maps)), [i_ids[m.item_id] for m in t_maps],
                       [omap[m.objective_id] for m in t_maps], [m.share for m in t_maps], strict=True))
            w.copy(tw, ["id", "offering_id", "objective_id", "type", "weight"],
                   zip(w.ids(tw, len(t_weights)), [o_ids[x.offering_id] for x in t_weights],
                       [omap[x.objective_id] for x in t_weights], [x.type for x in t_weights],
                       [x.weight for x in t_weights], strict=True))
            studs = cohort_students[cid]
            ability = np_rng.normal(0.74, 0.1, len(studs))
            rows = []
            for i in t_items:
                marks = np.clip(ability + np_rng.normal(0, 0.08, len(studs)), 0, 1) * i.full_marks
                marks = np.round(marks * 2) / 2
                rows.extend(zip([i_ids[i.id]] * len(studs), studs, marks.tolist(), strict=True))
            w.copy(scores, ["item_id", "student_id", "value"], rows)
            w.copy(imports, ["id", "offering_id", "filename", "row_count", "item_count"],
                   [(x, o_ids[o.id], "成绩单.xlsx", len(studs), sum(1 for i in t_items if i.offering_id == o.id))
                    for x, o in zip(w.ids(imports, len(template)), template, strict=True)])
            points = ip_lists[pid]
            w.copy(surveys, ["id", "cohort_id", "indicator_point_id", "source", "value", "respondents", "year"],
                   [(x, cid, p, src, round(float(np_rng.uniform(0.62, 0.92)), 3), 40, FIRST_YEAR + 4)
                    for x, (p, src) in zip(w.ids(surveys, 3 * len(points)),
                                           [(p, s) for p in points for s in ("graduate", "employer", "self")],
                                           strict=True)])

    # -- achievements with participants
    _achievements(w, uni, program_ids, cohort_students, director_ids, rng, scale)
    w.finish()
    db.session.commit()
    uni.counts = dict(w.counts)
    return uni


def _achievements(w: Writer, uni: University, program_ids, cohort_students, director_ids, rng, scale) -> None:
    t = _tables()
    ach, part = t["achievements"], t["achievement_participants"]
    per_program = ACHIEVEMENTS_PER_PROGRAM if scale >= 0.1 else max(200, round(ACHIEVEMENTS_PER_PROGRAM * scale * 10))
    cols = ["id", "program_id", "kind", "title", "year", "supervisor_id", "created_by_id", "level", "project_type",
            "project_status", "funding", "venue", "doi", "indexing", "patent_type", "patent_status",
            "application_number", "competition", "prize_rank", "verification_status", "verified_by_id",
            "verified_at", "verification_note", "submitted_at", *KEY_COLUMNS]
    levels = ["national", "provincial", "provincial", "university", "university", "university"]
    for k, pid in enumerate(program_ids):
        supervisor = director_ids[k]
        rows, prow = [], []
        ids = w.ids(ach, per_program)
        pids = iter(w.ids(part, per_program * 3))
        cohorts = uni.cohort_of_program[pid]
        for n, aid in enumerate(ids):
            kind = ("project", "publication", "patent", "award")[n % 4]
            status = rng.choices(["verified", "draft", "submitted", "rejected"], weights=[78, 6, 10, 6])[0]
            r = dict.fromkeys(cols)
            r.update(id=aid, program_id=pid, kind=kind, year=rng.randint(2021, 2026), supervisor_id=supervisor,
                     created_by_id=supervisor, verification_status=status,
                     title=f"基于{rng.choice(TOPICS)}的{rng.choice(THINGS)}研究 {k + 1:02d}-{n}")
            if kind == "project":
                r.update(level=rng.choice(levels), project_type="innovation_training", project_status="approved",
                         funding=rng.choice([5000, 10000, 20000]))
            elif kind == "publication":
                r.update(venue="计算机工程与应用", doi=f"10.3778/u.{k + 1}.{n}",
                         indexing=rng.choice(["SCI", "EI", "PKU_CORE", "CSCD", "OTHER"]))
            elif kind == "patent":
                r.update(patent_type=rng.choice(["invention", "utility_model"]), patent_status="applied")
            else:
                r.update(level=rng.choice(levels), competition="中国国际大学生创新大赛",
                         prize_rank=rng.choice(["first", "second", "third"]))
            if status in ("verified", "rejected"):
                r.update(verified_by_id=supervisor, verified_at=w.now,
                         verification_note="材料不全" if status == "rejected" else None)
            if status == "submitted":
                r["submitted_at"] = w.now
            r.update(stored_keys(kind, r))  # the duplicate-check keys, as every app write path fills them
            rows.append(tuple(r[c] for c in cols))
            team = rng.sample(cohort_students[rng.choice(cohorts)], rng.choice([1, 1, 2, 2, 3]))
            for rank, sid in enumerate(team, start=1):
                prow.append((next(pids), aid, sid, "leader" if rank == 1 else "member", rank, False))
        w.copy(ach, cols, rows)
        w.copy(part, ["id", "achievement_id", "student_id", "role", "rank", "is_corresponding"], prow)
