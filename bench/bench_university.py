"""A whole university on PostgreSQL: 20 concurrent users on the daily pages, plus the heavy jobs; p50 / p95.

Run: ``.venv/bin/python bench/bench_university.py [--scale 1] [--users 20] [--duration 15] [--workers 3]
[--import-rows 50000] [--pages ...] [--keep]``

1. Starts a throwaway PostgreSQL server (``initdb`` in a temporary folder, as ``.ci/run`` does; as root
   through ``runuser -u postgres``) unless ``--database-url`` names one (its tables are DROPPED).
2. Seeds ``flask seed demo``, then generates with ``COPY`` (``university_data.py``): at ``--scale 1``
   12 schools, 40 programs, 160 cohorts, 40,000 students, 200,000 achievements with participants,
   ~3,000,000 score cells and survey results (``--scale 0.1``: 4 programs, same cohort size). ANALYZE.
3. In this process: an evaluation run (AHP + fuzzy template) on a 250-student cohort, the evidence pack of
   that cohort (collecting the data, then the PDF), the school roll-up when the app has
   ``eduinnov.schools.queries.school_rollup``.
4. ``gunicorn`` (``--workers`` sync workers) on loopback, logged in as the demo admin (who sees the whole
   university): ``--users`` users reloading back to back for ``--duration`` s per page (``wrk`` when it is
   installed, ``apt-get install -y wrk``, as ``bench_dashboard.py`` does: a client that leaves the two cores to
   the server; else, or with ``--no-wrk``, its Python client of one thread per user): ``/healthz`` (a trivial page: the floor of this machine under the same load),
   the home page, the cohort dashboard, the OBE cohort page, a requirement drill-down, the achievement list with filters and
   a search (a common word; and the title of one achievement, which few others share), the verification queue, and the school page when there is one. p95 as a multiple of the
   trivial page's, measured in the same run.
5. The import of ``--import-rows`` achievement rows (a CSV naming the students of one program): preview
   (storing its plan), then the confirm (the stored plan carried out when nothing changed, else preview
   again) + write, in this process.

Targets (issue #13): every page p95 < 150 ms at 20 users back to back, roll-up < 300 ms, import of 50,000
rows ≤ 3 s. Everything started (PostgreSQL, gunicorn) is stopped by its process id / data folder.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import importlib.util
import inspect
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_dashboard import fetch, free_port, report, run_threads, run_wrk, start_gunicorn, stop  # noqa: E402
from bench_imports import achievement_csv  # noqa: E402

ADMIN = "admin@demo.edu"
PASSWORD = "eduinnov-demo"
PG_BIN = Path("/usr/lib/postgresql/15/bin")


# --- PostgreSQL ----------------------------------------------------------------------------------------

class Postgres:
    """A throwaway PostgreSQL cluster in a temporary folder (fsync off), stopped by its data folder."""

    def __init__(self, folder: Path) -> None:
        bins = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: [int(x) for x in p.parent.name.split(".")])
        if not bins:
            raise SystemExit("PostgreSQL is not installed (apt-get install -y postgresql)")
        self.bin = bins[-1]
        self.dir = folder / "pg"
        self.dir.mkdir()
        self.port = free_port()
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
            shutil.chown(folder, "postgres", "postgres")
        self.dir.chmod(0o700)
        self.started = False

    def _run(self, *cmd: str) -> None:
        subprocess.run([*self.as_postgres, *cmd], check=True, stdout=subprocess.DEVNULL, timeout=120)

    def start(self) -> str:
        self._run(str(self.bin / "initdb"), "-D", str(self.dir), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                  "--locale=C.UTF-8", "--no-sync")
        options = (f"-k {self.dir} -p {self.port} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c shared_buffers=256MB -c max_connections=60")
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.dir), "-l", str(self.dir / "log"), "-w", "-o", options,
                  "start")
        self.started = True
        self._run(str(self.bin / "createdb"), "-h", str(self.dir), "-p", str(self.port), "eduinnov_bench")
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/eduinnov_bench"

    def stop(self) -> None:
        if self.started:
            subprocess.run([*self.as_postgres, str(self.bin / "pg_ctl"), "-D", str(self.dir), "-m", "immediate",
                            "-w", "stop"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
            self.started = False


# --- seeding and in-process measurements ----------------------------------------------------------------

def best(fn, runs: int) -> tuple[float, object]:
    """(the shortest of ``runs`` timed calls in ms, the last result)."""
    times, result = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - t0) * 1000)
    return min(times), result


def seed(app, scale: float) -> dict:
    import university_data
    from sqlalchemy import text

    from eduinnov.extensions import db

    with app.app_context():
        db.drop_all()
        db.create_all()
    result = app.test_cli_runner().invoke(args=["seed", "demo"])
    if result.exit_code != 0:
        raise SystemExit(f"flask seed demo failed:\n{result.output}")
    with app.app_context():
        t0 = time.perf_counter()
        uni = university_data.generate(scale, random.Random(20261205))
        generated = time.perf_counter() - t0
        with db.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
        db.session.remove()
    return {"uni": uni, "generated_s": generated}


def in_process(app, uni, args) -> dict:
    """Evaluation run, evidence pack and school roll-up, timed in this process."""
    from sqlalchemy import select

    from eduinnov.auth.models import User
    from eduinnov.extensions import db
    from eduinnov.frameworks.models import GraduationRequirement
    from eduinnov.indicators import services as indicator_services
    from eduinnov.indicators.yaml_io import list_templates
    from eduinnov.obe import queries as obe_queries
    from eduinnov.programs.models import Cohort, Program
    from eduinnov.reports import services as report_services

    out: dict = {}
    program_id = uni.programs[0]
    cohort_id = uni.cohort_of_program[program_id][0]
    with app.app_context(), app.test_request_context():
        admin = db.session.scalar(select(User).where(User.email == ADMIN))
        program, cohort = db.session.get(Program, program_id), db.session.get(Cohort, cohort_id)
        framework = obe_queries.get_framework_for_cohort(cohort)
        out["requirement_id"] = db.session.scalar(select(GraduationRequirement.id).where(
            GraduationRequirement.framework_id == framework.id, GraduationRequirement.number == 3))
        template = next(t for t in list_templates() if t.spec["unit"] == "student")
        model = indicator_services.import_model(template.spec, program, admin, name="Bench: student evaluation",
                                                template_key=template.key)
        db.session.commit()
        run = None

        def evaluate():
            nonlocal run
            run = indicator_services.run_evaluation(model, indicator_services.Target(cohort=cohort), admin)
            db.session.commit()
            return run

        out["evaluation_ms"], _ = best(evaluate, 3)
        print(f"Evaluation run (AHP + fuzzy template) on a {len(cohort.students)}-student cohort: "
              f"{out['evaluation_ms']:.0f} ms (best of 3)", flush=True)
        if not args.no_pack:
            t0 = time.perf_counter()
            from eduinnov.reports import pack

            published = pack.list_pack_runs(cohort)  # a run whose health check failed waits for a review
            prepared = report_services.prepare_evidence_pack(program, cohort, published[0] if published else None,
                                                             lang="zh", user=None)
            db.session.commit()
            out["pack_collect_ms"] = (time.perf_counter() - t0) * 1000
            t0 = time.perf_counter()
            pdf = report_services.render_evidence_pack(prepared)
            out["pack_render_ms"] = (time.perf_counter() - t0) * 1000
            print(f"Evidence pack of that cohort ({'with' if published else 'without'} an evaluation run): "
                  f"collecting the data {out['pack_collect_ms']:.0f} ms, the PDF {out['pack_render_ms'] / 1000:.1f} s "
                  f"({len(prepared.sections)} sections, {len(pdf) // 1024} KiB)", flush=True)
        if importlib.util.find_spec("eduinnov.schools") and importlib.util.find_spec("eduinnov.schools.queries"):
            from eduinnov.schools import queries as school_queries

            rollup = getattr(school_queries, "school_rollup", None)
            school = uni.schools[0]
            if rollup is not None and school["id"] is not None:
                from eduinnov.schools.models import School

                first = next(iter(inspect.signature(rollup).parameters.values()))
                arg = school["id"] if first.annotation in (int, "int") else db.session.get(School, school["id"])
                out["rollup_ms"], _ = best(lambda: rollup(arg), 5)
                print(f"School roll-up of {school['name']} ({len(school['programs'])} programs): "
                      f"{out['rollup_ms']:.0f} ms (best of 5; target < 300 ms: "
                      f"{'met' if out['rollup_ms'] < 300 else 'NOT met'})", flush=True)
        if "rollup_ms" not in out:
            print("School roll-up: not measured (no eduinnov.schools.queries.school_rollup on this branch)")
        db.session.remove()
    out["cohort_id"] = cohort_id
    return out


def import_file(numbers: list[str], n: int, rng: random.Random) -> bytes:
    """A CSV of ``n`` distinct achievements naming one to three of ``numbers`` (bench_imports.py's rows)."""
    return achievement_csv(n, rng, lambda r: [r.choice(numbers) for _ in range(r.randint(1, 3))],
                           title="导入", doi="import")


def measure_import(app, uni, rows: int) -> dict:
    from sqlalchemy import select

    from eduinnov.auth.models import User
    from eduinnov.extensions import db
    from eduinnov.imports import services
    from eduinnov.imports.schemas import ImportKind
    from eduinnov.programs.models import Program

    program_id = uni.programs[-1]
    data = import_file(uni.students_of_program[program_id], rows, random.Random(7))
    app.config["IMPORT_MAX_ROWS"] = max(rows, app.config.get("IMPORT_MAX_ROWS", 0))
    app.config["IMPORT_MAX_BYTES"] = max(64 * 2**20, app.config.get("IMPORT_MAX_BYTES", 0))
    with app.app_context(), app.test_request_context():
        program = db.session.get(Program, program_id)
        admin = db.session.scalar(select(User).where(User.email == ADMIN))
        # As the import pages do: the preview stores its plan with the upload, the confirm carries it out when
        # nothing it was made from has changed (imports/services/stored.py), else plans again.
        dump, load = getattr(services, "dump_plan", None), getattr(services, "load_plan", None)
        t0 = time.perf_counter()
        preview = services.preview_import("achievements", program, admin, data, "bench.csv")
        plan = dump(preview) if dump else None
        preview_s = time.perf_counter() - t0
        assert preview.ok, [str(e) for e in preview.errors[:5]]
        similar = len(preview.similar_rows)  # random titles can come near one another: confirmed, as a person would
        db.session.rollback()
        appliers = getattr(services, "APPLIERS", {})  # time the write step alone when it can be found
        write = {"s": None}
        real = appliers.get(ImportKind.ACHIEVEMENTS)
        if real is not None:
            def timed(*a, **kw):
                t = time.perf_counter()
                real(*a, **kw)
                write["s"] = time.perf_counter() - t
            appliers[ImportKind.ACHIEVEMENTS] = timed
        t0 = time.perf_counter()
        try:
            stored = {"stored": load(plan)} if load else {}
            result = services.run_import("achievements", program, admin, data, "bench.csv", confirm_duplicates=True,
                                         expected_fingerprint=preview.plan_digest, **stored)
            db.session.commit()
        finally:
            if real is not None:
                appliers[ImportKind.ACHIEVEMENTS] = real
        import_s = time.perf_counter() - t0
        assert result.counts["create"] == rows, result.counts
        db.session.remove()
    return {"bytes": len(data), "preview_s": preview_s, "import_s": import_s, "similar": similar,
            "write_s": write["s"], "reused": bool(load) and result is stored.get("stored")}


# --- pages ------------------------------------------------------------------------------------------------

def log_in(base: str, email: str) -> str:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/login", timeout=30).read().decode("utf-8")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"email": email, "password": PASSWORD, "csrf_token": token}).encode()
    opener.open(urllib.request.Request(f"{base}/login", data=form), timeout=30).read()
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar if c.name == "session")
    if not cookie:
        raise SystemExit(f"login as {email} failed: no session cookie")
    return cookie


def school_page(app, uni) -> str | None:
    """The URL of the first school's page when the app has one (a GET rule under /schools/<int:…>)."""
    if not uni.schools or uni.schools[0]["id"] is None:
        return None
    for rule in app.url_map.iter_rules():
        if (rule.rule.startswith("/schools/<int:") and "GET" in rule.methods and len(rule.arguments) == 1
                and rule.rule.count("/") == 2):
            return rule.rule.split("<")[0] + str(uni.schools[0]["id"])
    return None


def one_title(app) -> str:
    """The title of one achievement in the middle of the table (a search for a title few achievements have)."""
    from sqlalchemy import func, select

    from eduinnov.achievements.models import Achievement
    from eduinnov.extensions import db

    with app.app_context():
        middle = db.session.scalar(select(func.max(Achievement.id))) // 2
        return db.session.scalar(select(Achievement.title).where(Achievement.id >= middle).order_by(Achievement.id))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1 = 40 programs, 40,000 students; 0.1 = 4 programs")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--duration", type=int, default=15, help="seconds of load per page")
    parser.add_argument("--workers", type=int, default=3, choices=[2, 3, 4], help="gunicorn sync workers")
    parser.add_argument("--import-rows", type=int, default=50_000)
    parser.add_argument("--database-url", help="use this PostgreSQL database (DROPPED and re-created) instead of "
                                               "starting a throwaway server")
    parser.add_argument("--pages", nargs="+", help="only these pages (keys printed in the table)")
    parser.add_argument("--no-pack", action="store_true", help="skip the evidence pack")
    parser.add_argument("--no-wrk", action="store_true", help="load with the Python client even if wrk is installed")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="eduinnov-bench-university-"))
    pg = None
    server = None
    try:
        database_url = args.database_url
        if database_url is None:
            pg = Postgres(folder)
            database_url = pg.start()
        os.environ["EDUINNOV_INSTANCE_DIR"] = str(folder / "instance")
        os.environ["EDUINNOV_DATABASE_URL"] = database_url
        os.environ.setdefault("EDUINNOV_SECRET_KEY", os.urandom(32).hex())
        from eduinnov import create_app

        app = create_app()
        print(f"Machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}; PostgreSQL in {pg.dir if pg else '(given)'}")
        t0 = time.perf_counter()
        seeded = seed(app, args.scale)
        uni = seeded["uni"]
        c = uni.counts
        print(f"Seeded in {time.perf_counter() - t0:.1f} s (generation {seeded['generated_s']:.1f} s): "
              f"{len(uni.schools)} schools, {len(uni.programs)} programs, {len(uni.cohorts)} cohorts, "
              f"{c.get('students', 0):,} students, {c.get('achievements', 0):,} achievements "
              f"({c.get('achievement_participants', 0):,} participants), {c.get('scores', 0):,} score cells, "
              f"{c.get('survey_results', 0):,} survey results", flush=True)
        measured = in_process(app, uni, args)
        cohort_id = measured["cohort_id"]

        port = free_port()
        env = {**os.environ, "EDUINNOV_ENV": "development"}
        server = start_gunicorn(port, args.workers, env, folder / "gunicorn.log")
        base = f"http://127.0.0.1:{port}"
        cookie = log_in(base, ADMIN)
        program_id = uni.programs[0]
        pages = {
            "healthz": ("Trivial page /healthz", "/healthz", '"ok"'),
            "home": ("Home page (what waits for the admin)", "/", 'id="main"'),
            "dashboard": ("Cohort dashboard (250 students)", f"/dashboards/cohorts/{cohort_id}", "<svg"),
            "obe": ("OBE cohort page", f"/obe/cohorts/{cohort_id}", "<svg"),
            "drilldown": ("Requirement drill-down (GR3)",
                          f"/obe/cohorts/{cohort_id}/requirements/{measured['requirement_id']}", "3.1"),
            "list": ("Achievement list (all programs, page 1)", "/achievements/", "<table"),
            "filter": ("Achievement list, filters + search", "/achievements/?" + urllib.parse.urlencode(
                {"kind": "publication", "status": "verified", "q": "深度学习", "year_from": 2022}), "<table"),
            "program": ("Achievement list, one program + search", "/achievements/?" + urllib.parse.urlencode(
                {"program": program_id, "q": "智慧校园"}), "<table"),
            "title": ("Achievement list, search for one title", "/achievements/?" + urllib.parse.urlencode(
                {"q": one_title(app)}), "<table"),
            "queue": ("Verification queue", "/achievements/pending", "<table"),
        }
        school_url = school_page(app, uni)
        if school_url:
            pages["school"] = ("School page", school_url, "<table")
        use_wrk = bool(shutil.which("wrk")) and not args.no_wrk
        print(f"gunicorn: {args.workers} sync workers on {base}; {args.users} users reloading back to back, "
              f"{args.duration} s per page, client {'wrk' if use_wrk else 'Python threads'}; logged in as {ADMIN}",
              flush=True)
        results, floor = {}, None
        for key, (title, path, needle) in pages.items():
            if args.pages and key not in args.pages and key != "healthz":
                continue
            status, html = fetch(base + path, cookie)
            if status != 200 or needle not in html:
                raise SystemExit(f"{path} answered {status} without {needle!r}; see {folder / 'gunicorn.log'}")
            for _ in range(2 * args.workers):
                fetch(base + path, cookie)
            single = sorted(best(lambda p=path: fetch(base + p, cookie), 1)[0] for _ in range(5))
            result = (run_wrk(base + path, cookie, args.users, args.duration, folder) if use_wrk
                      else run_threads(base + path, cookie, args.users, args.duration))
            results[key] = result
            report(f"[{key}] {title}", result)
            print(f"  alone: median {statistics.median(single):.0f} ms", end="")
            if key == "healthz":
                floor = result["p95"]
                print()
            else:
                verdict = "met" if result["p95"] < 150 else "NOT met"
                print(f"; p95 = {result['p95'] / floor:.1f} × the trivial page's; target p95 < 150 ms: {verdict}",
                      flush=True)
        stop(server)
        server = None

        if args.import_rows:
            r = measure_import(app, uni, args.import_rows)
            verdict = "met" if r["import_s"] <= 3 else "NOT met"
            wrote = f" (the write itself {r['write_s']:.2f} s)" if r["write_s"] is not None else ""
            print(f"Import of {args.import_rows:,} achievement rows ({r['bytes'] / 2**20:.1f} MB CSV, {r['similar']} "
                  f"near-identical titles confirmed): preview {r['preview_s']:.2f} s, "
                  f"{'confirm (the stored plan carried out) + write' if r['reused'] else 'preview + write'} "
                  f"{r['import_s']:.2f} s{wrote} ({args.import_rows / r['import_s']:,.0f} rows/s; target ≤ 3 s: "
                  f"{verdict})", flush=True)
        print(f"load average at the end: {os.getloadavg()[0]:.2f}")
    finally:
        stop(server)
        if pg is not None:
            pg.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
