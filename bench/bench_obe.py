"""Load test of the OBE pages: concurrent users against gunicorn on loopback; p50 / p95 beside a trivial page.

Run: ``.venv/bin/python bench/bench_obe.py [--users 20] [--duration 20] [--workers 3] [--database-url URL]``

1. Seeds a database with ``flask seed demo`` (a fresh SQLite file in a temporary folder, or the database
   named by ``--database-url`` / ``EDUINNOV_DATABASE_URL``, whose tables are dropped and re-created first).
   The OBE cohort is the demo's SE 2021 cohort: 29 course offerings with score sheets, 12 graduation
   requirements.
2. Times ``flask obe compute --cohort <id>`` in this process (best of three, after one warm-up run) and,
   with the stored results, the recomputation of the cohort's figures from their inputs.
3. Starts ``gunicorn`` (``--workers`` sync workers) on 127.0.0.1, logs in as the demo director and drives,
   one after the other, with ``--users`` concurrent users reloading back to back for ``--duration`` s each
   (the Python client of ``bench_dashboard.py``, one thread per user): ``/healthz`` (a trivial page, the
   floor of this machine under the same load), the OBE cohort page, a requirement drill-down and the
   cohort dashboard of that cohort (which shows its OBE section in the page). Prints requests/s, p50,
   p95, p99 and each page's p95 as a multiple of the trivial page's (target: p95 < 150 ms).

Everything it starts (gunicorn) is stopped by its process id; traffic stays on loopback.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_dashboard import fetch, free_port, log_in, report, run_threads, start_gunicorn, stop  # noqa: E402


def seed(database_url: str, instance: Path) -> tuple[int, int, float, float | None]:
    """Demo data; returns the SE 2021 cohort id, one of its requirement ids, ``flask obe compute``'s time and
    the time of recomputing the cohort's figures from its inputs (None before the stored results)."""
    os.environ["EDUINNOV_INSTANCE_DIR"] = str(instance)
    os.environ["EDUINNOV_DATABASE_URL"] = database_url
    from sqlalchemy import select

    from eduinnov import create_app
    from eduinnov.extensions import db
    from eduinnov.frameworks.models import GraduationRequirement
    from eduinnov.obe import queries
    from eduinnov.programs.models import Cohort, Program

    app = create_app()
    with app.app_context():
        db.drop_all()
        db.create_all()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed", "demo"])
    if result.exit_code != 0:
        raise SystemExit(f"flask seed demo failed:\n{result.output}")
    with app.app_context():
        cohort = db.session.scalar(select(Cohort).join(Cohort.program)
                                   .where(Program.code == "SE", Cohort.entry_year == 2021))
        framework = queries.get_framework_for_cohort(cohort)
        requirement_id = db.session.scalar(select(GraduationRequirement.id).where(
            GraduationRequirement.framework_id == framework.id, GraduationRequirement.number == 3))
        cohort_id = cohort.id
        db.session.remove()
    times = []
    for _ in range(4):  # the first run warms imports and caches; best of the other three
        t0 = time.perf_counter()
        result = runner.invoke(args=["obe", "compute", "--cohort", str(cohort_id)])
        times.append(time.perf_counter() - t0)
        if result.exit_code != 0:
            raise SystemExit(f"flask obe compute failed:\n{result.output}")
    scratch = None
    with app.app_context():
        try:
            from eduinnov.obe import results
        except ImportError:  # before the stored results: flask obe compute recomputed everything
            results = None
        if results is not None:
            cohort = db.session.get(Cohort, cohort_id)
            framework = queries.get_framework_for_cohort(cohort)
            runs = []
            for _ in range(4):
                t0 = time.perf_counter()
                results.compute_results(results.load_inputs(cohort_id, framework))
                runs.append(time.perf_counter() - t0)
            scratch = min(runs[1:])
        db.session.remove()
        db.engine.dispose()
    return cohort_id, requirement_id, min(times[1:]), scratch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--duration", type=int, default=20, help="seconds of load per page")
    parser.add_argument("--workers", type=int, default=3, choices=[2, 3, 4], help="gunicorn sync workers")
    parser.add_argument("--database-url", default=os.environ.get("EDUINNOV_DATABASE_URL"),
                        help="database to seed (DROPPED and re-created); default: a fresh SQLite file")
    parser.add_argument("--pages", nargs="+", default=["healthz", "cohort", "requirement", "dashboard"],
                        choices=["healthz", "cohort", "requirement", "dashboard", "fragment"], help="pages to drive")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="eduinnov-bench-obe-"))
    database_url = args.database_url or f"sqlite:///{folder / 'bench.sqlite3'}"
    shown = re.sub(r"//([^:/@]+):[^@]+@", r"//\1:***@", database_url)
    print(f"Seeding {shown} …", flush=True)
    t0 = time.perf_counter()
    cohort_id, requirement_id, compute_s, scratch_s = seed(database_url, folder / "instance")
    print(f"  seeded in {time.perf_counter() - t0:.1f} s; OBE cohort SE 2021 (id {cohort_id})")
    verdict = "met" if compute_s < 1 else "NOT met"
    print(f"flask obe compute --cohort {cohort_id}: {compute_s * 1000:.0f} ms (best of 3; target < 1 s: {verdict})")
    if scratch_s is not None:
        print(f"  recomputing the cohort's figures from its inputs (9 queries + one pass): {scratch_s * 1000:.0f} ms "
              "(best of 3; what a score-sheet import or a setting change adds to its request)")

    port = free_port()
    env = {**os.environ, "EDUINNOV_INSTANCE_DIR": str(folder / "instance"), "EDUINNOV_DATABASE_URL": database_url,
           "EDUINNOV_SECRET_KEY": os.urandom(32).hex(), "EDUINNOV_ENV": "development"}
    server = None
    urls = {"healthz": ("Trivial page /healthz", "/healthz", '"ok"'),
            "cohort": ("OBE cohort page", f"/obe/cohorts/{cohort_id}", "<svg"),
            "requirement": ("Requirement drill-down (GR3)", f"/obe/cohorts/{cohort_id}/requirements/{requirement_id}",
                            "3.1"),
            "dashboard": ("Cohort dashboard", f"/dashboards/cohorts/{cohort_id}", "<svg"),
            # Before the stored results the dashboard fetched its OBE section in a request of its own.
            "fragment": ("Dashboard OBE section (own request, before)", f"/dashboards/cohorts/{cohort_id}/obe",
                         "<svg")}
    try:
        server = start_gunicorn(port, args.workers, env, folder / "gunicorn.log")
        base = f"http://127.0.0.1:{port}"
        cookie = log_in(base)
        print(f"gunicorn: {args.workers} sync workers on {base}; {args.users} users reloading back to back, "
              f"{args.duration} s per page", flush=True)
        floor = None
        for key in args.pages:
            title, path, needle = urls[key]
            status, html = fetch(base + path, cookie)
            if status != 200 or needle not in html:
                raise SystemExit(f"{path} answered {status} without {needle!r}; see {folder / 'gunicorn.log'}")
            for _ in range(2 * args.workers):  # warm every worker
                fetch(base + path, cookie)
            result = run_threads(base + path, cookie, args.users, args.duration)
            report(title, result)
            if key == "healthz":
                floor = result["p95"]
            elif floor:
                verdict = "met" if result["p95"] < 150 else "NOT met"
                print(f"  p95 = {result['p95'] / floor:.1f} × the trivial page's; target p95 < 150 ms: {verdict}")
    finally:
        stop(server)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
