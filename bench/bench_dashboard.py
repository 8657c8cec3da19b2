"""Load test of the cohort dashboard: 20 concurrent users against gunicorn on loopback; prints p50 / p95.

Run: ``.venv/bin/python bench/bench_dashboard.py [--users 20] [--duration 20] [--workers 3]
[--think 0 1] [--database-url URL] [--obe]``

1. Seeds a database: a fresh SQLite file in a temporary folder, or the PostgreSQL/SQLite database named by
   ``--database-url`` / ``EDUINNOV_DATABASE_URL`` (its tables are dropped and re-created first). It loads
   ``flask seed demo``, adds a cohort of 200 students to the demo's SE program with realistic verified,
   claimed and rejected achievements (training projects by level, papers by indexing, patents applied
   and granted, competition awards; one to three students each) and IUR participations, and stores an
   evaluation run of the AHP + fuzzy template on that cohort.
2. Starts ``gunicorn`` (``--workers`` sync workers, 2–4) on 127.0.0.1 and a free port, logs in as the demo
   director to get a session cookie, and checks the dashboard answers 200 with its figures.
3. Drives ``GET /dashboards/cohorts/<id>`` with ``--users`` concurrent connections for ``--duration``
   seconds: with ``wrk`` (Debian: ``apt-get install -y wrk``) and a Lua script setting the Cookie header,
   or, without wrk, with a Python client of one thread per user. Prints requests/s, p50, p95 and p99
   latency and the number of responses other than 200 (target: p95 < 150 ms). ``--think`` sets the pause
   of each user between two page views, one run per value: 0 (every user reloading back to back, the
   server saturated: latency then measures the queue) and 1 s (people reading the page) by default.
4. ``--obe`` also times the OBE section, which the page loads in a request of its own (it recomputes
   every course's achievement degrees from the score sheets), with fewer users.

Everything it starts (gunicorn, wrk) is stopped by its process id; traffic stays on loopback.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DIRECTOR = "director@demo.edu"
PASSWORD = "eduinnov-demo"
COHORT_YEAR = 2025
N_STUDENTS = 200
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲芬燕彬鹏飞浩然思远雨欣子涵梓轩宇航晨曦"
TOPICS = ["深度学习", "知识图谱", "边缘计算", "区块链", "数字孪生", "联邦学习", "智能传感", "大语言模型"]
THINGS = ["智慧校园", "教学评价", "作物病害识别", "导盲装置", "能力画像", "课堂行为分析", "无人机巡检", "代码缺陷检测"]

WRK_SCRIPT = r"""
wrk.method = "GET"
wrk.headers["Cookie"] = "%(cookie)s"
local threads = {}
function setup(thread)
  table.insert(threads, thread)
end
function init(args)
  bad = 0
end
%(delay)s
function response(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
end
function done(summary, latency, requests)
  local not_ok = 0
  for _, t in ipairs(threads) do not_ok = not_ok + t:get("bad") end
  io.write(string.format(
    'WRKJSON {"requests": %%d, "duration_us": %%d, "p50_us": %%d, "p95_us": %%d, "p99_us": %%d, ' ..
    '"max_us": %%d, "mean_us": %%.1f, "not_ok": %%d, "socket_errors": %%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, latency.mean, not_ok,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""


# --- seeding -------------------------------------------------------------------------------------------

def seed(database_url: str, instance: Path, rng: random.Random) -> tuple[int, int]:
    """Demo data plus a 200-student cohort with achievements, participations and a stored run.

    Returns the ids of the new cohort and of the demo's SE 2021 cohort (which has OBE score sheets).
    """
    os.environ["EDUINNOV_INSTANCE_DIR"] = str(instance)
    os.environ["EDUINNOV_DATABASE_URL"] = database_url
    from sqlalchemy import select

    from eduinnov import create_app
    from eduinnov.achievements.models import (
        Achievement,
        AchievementKind,
        AchievementParticipant,
        Indexing,
        Level,
        ParticipantRole,
        PatentStatus,
        PatentType,
        PrizeRank,
        ProjectStatus,
        ProjectType,
        VerificationStatus,
    )
    from eduinnov.auth.models import User
    from eduinnov.core.models import utcnow
    from eduinnov.extensions import db
    from eduinnov.frameworks.models import Participation, ParticipationKind, PartnerOrganisation
    from eduinnov.indicators import services as indicator_services
    from eduinnov.indicators.yaml_io import list_templates
    from eduinnov.programs.models import Cohort, Program, Student

    app = create_app()
    with app.app_context():
        db.drop_all()
        db.create_all()
    result = app.test_cli_runner().invoke(args=["seed", "demo"])
    if result.exit_code != 0:
        raise SystemExit(f"flask seed demo failed:\n{result.output}")
    with app.app_context():
        program = db.session.scalar(select(Program).where(Program.code == "SE"))
        director = db.session.scalar(select(User).where(User.email == DIRECTOR))
        admin = db.session.scalar(select(User).where(User.email == "admin@demo.edu"))
        cohort = Cohort(program=program, entry_year=COHORT_YEAR)
        db.session.add(cohort)
        students = [Student(cohort=cohort, student_no=f"{COHORT_YEAR}05{i:04d}",
                            name=rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.randint(1, 2))))
                    for i in range(1, N_STUDENTS + 1)]
        db.session.add_all(students)
        db.session.flush()

        def achievement(kind: AchievementKind, **kw) -> None:
            status = rng.choices([VerificationStatus.VERIFIED, VerificationStatus.CLAIMED,
                                  VerificationStatus.REJECTED], weights=[80, 12, 8])[0]
            a = Achievement(program=program, kind=kind, year=rng.randint(2025, 2028),
                            title=f"基于{rng.choice(TOPICS)}的{rng.choice(THINGS)}研究 {rng.randrange(10**6)}",
                            verification_status=status, supervisor=director, created_by=director, **kw)
            if status != VerificationStatus.CLAIMED:
                a.verified_by, a.verified_at = director, utcnow()
                a.verification_note = "材料不全" if status == VerificationStatus.REJECTED else None
            team = rng.sample(students, rng.choice([1, 1, 2, 2, 3]))
            for rank, s in enumerate(team, start=1):
                a.participants.append(AchievementParticipant(
                    student=s, rank=rank, role=ParticipantRole.LEADER if rank == 1 else ParticipantRole.MEMBER))
            db.session.add(a)

        levels = [Level.NATIONAL] * 4 + [Level.PROVINCIAL] * 12 + [Level.UNIVERSITY] * 24
        for level in levels:
            achievement(AchievementKind.PROJECT, level=level, project_type=rng.choice(list(ProjectType)),
                        project_status=rng.choice(list(ProjectStatus)), funding=rng.choice([5000, 10000, 20000]))
        indexings = [Indexing.SCI] * 3 + [Indexing.EI] * 6 + [Indexing.CSCD] * 4 + [Indexing.PKU_CORE] * 7 + [
            Indexing.OTHER] * 8
        for indexing in indexings:
            achievement(AchievementKind.PUBLICATION, indexing=indexing, venue="计算机工程与应用")
        for granted in [True] * 4 + [False] * 8:
            achievement(AchievementKind.PATENT, patent_type=rng.choice(list(PatentType)),
                        patent_status=PatentStatus.GRANTED if granted else PatentStatus.APPLIED,
                        application_date=date(2026, rng.randint(1, 12), 1))
        for level in [Level.INTERNATIONAL] * 2 + [Level.NATIONAL] * 8 + [Level.PROVINCIAL] * 15 + [Level.UNIVERSITY] * 20:
            achievement(AchievementKind.AWARD, level=level, competition="中国国际大学生创新大赛",
                        prize_rank=rng.choice(list(PrizeRank)))
        partners = list(db.session.scalars(select(PartnerOrganisation).where(PartnerOrganisation.program_id == program.id)))
        for s in rng.sample(students, int(N_STUDENTS * 0.4)):
            db.session.add(Participation(partner=rng.choice(partners), student=s, title="企业实习",
                                         kind=rng.choice(list(ParticipationKind))))
        db.session.flush()

        template = next(t for t in list_templates() if t.spec["unit"] == "student")
        model = indicator_services.import_model(template.spec, program, admin, name="Bench: student evaluation",
                                                template_key=template.key)
        db.session.flush()
        indicator_services.run_evaluation(model, indicator_services.Target(cohort=cohort), admin)
        db.session.commit()
        cohort_id = cohort.id
        obe_cohort_id = db.session.scalar(select(Cohort.id).where(Cohort.program_id == program.id,
                                                                  Cohort.entry_year == 2021))
        db.session.remove()
        db.engine.dispose()
    return cohort_id, obe_cohort_id


# --- server and client -----------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(port: int, workers: int, env: dict[str, str], log: Path) -> subprocess.Popen:
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or shutil.which("gunicorn")
    if gunicorn is None:
        raise SystemExit("gunicorn is not installed (it is a dependency in pyproject.toml: pip install -e .)")
    cmd = [gunicorn, "--workers", str(workers), "--bind", f"127.0.0.1:{port}", "--chdir", str(ROOT),
           "--log-level", "warning", "--graceful-timeout", "5", "app:app"]
    proc = subprocess.Popen(cmd, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited:\n{log.read_text()[-3000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc
        except OSError:
            time.sleep(0.2)
    stop(proc)
    raise SystemExit("gunicorn did not start within 60 s")


def stop(proc: subprocess.Popen | None) -> None:
    """Stop a process we started (gunicorn's master stops its workers on SIGTERM), by its id only."""
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


def log_in(base: str) -> str:
    """Log in through the form as the demo director; the session cookie as a ``Cookie`` header value."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/login", timeout=30).read().decode("utf-8")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"email": DIRECTOR, "password": PASSWORD, "csrf_token": token}).encode()
    opener.open(urllib.request.Request(f"{base}/login", data=form), timeout=30).read()
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar if c.name == "session")
    if not cookie:
        raise SystemExit("login failed: no session cookie")
    return cookie


def fetch(url: str, cookie: str) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Cookie": cookie})
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=60) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, ""


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def run_wrk(url: str, cookie: str, users: int, duration: int, folder: Path, think: float = 0.0) -> dict:
    script = folder / "dashboard.lua"
    delay = f"function delay()\n  return {round(think * 1000)}\nend" if think else ""
    script.write_text(WRK_SCRIPT % {"cookie": cookie.replace("\\", "\\\\").replace('"', '\\"'), "delay": delay})
    cmd = ["wrk", "-t", str(min(2, users)), "-c", str(users), "-d", f"{duration}s", "--timeout", "10s",
           "-s", str(script), url]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=duration + 60)
    finally:
        stop(proc)
    match = re.search(r"WRKJSON (\{.*\})", out)
    if not match:
        raise SystemExit(f"wrk printed no summary:\n{out}")
    raw = json.loads(match.group(1))
    seconds = raw["duration_us"] / 1e6
    return {"tool": "wrk", "requests": raw["requests"], "rps": raw["requests"] / seconds,
            "p50": raw["p50_us"] / 1000, "p95": raw["p95_us"] / 1000, "p99": raw["p99_us"] / 1000,
            "max": raw["max_us"] / 1000, "not_ok": raw["not_ok"], "socket_errors": raw["socket_errors"]}


def run_threads(url: str, cookie: str, users: int, duration: int, think: float = 0.0) -> dict:
    """The same load with one Python thread per user (keep-alive connections), when wrk is missing."""
    import http.client

    parts = urllib.parse.urlsplit(url)
    stop_at = time.monotonic() + duration
    latencies: list[float] = []
    not_ok = [0]
    lock = threading.Lock()

    def user() -> None:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        mine, bad = [], 0
        while time.monotonic() < stop_at:
            t0 = time.perf_counter()
            conn.request("GET", parts.path, headers={"Cookie": cookie})
            response = conn.getresponse()
            response.read()
            mine.append((time.perf_counter() - t0) * 1000)
            bad += response.status != 200
            if think:
                time.sleep(think)
        conn.close()
        with lock:
            latencies.extend(mine)
            not_ok[0] += bad

    started = time.monotonic()
    threads = [threading.Thread(target=user) for _ in range(users)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    q = statistics.quantiles(latencies, n=100)
    return {"tool": "python threads", "requests": len(latencies), "rps": len(latencies) / elapsed,
            "p50": q[49], "p95": q[94], "p99": q[98], "max": max(latencies), "not_ok": not_ok[0], "socket_errors": 0}


def report(title: str, r: dict) -> None:
    print(f"{title} ({r['tool']}): {r['requests']} requests, {r['rps']:.1f} requests/s")
    print(f"  latency p50 {r['p50']:.1f} ms · p95 {r['p95']:.1f} ms · p99 {r['p99']:.1f} ms · max {r['max']:.1f} ms")
    if r["not_ok"] or r["socket_errors"]:
        print(f"  responses other than 200: {r['not_ok']}, socket errors: {r['socket_errors']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--duration", type=int, default=20, help="seconds of load")
    parser.add_argument("--workers", type=int, default=3, choices=[2, 3, 4], help="gunicorn sync workers")
    parser.add_argument("--database-url", default=os.environ.get("EDUINNOV_DATABASE_URL"),
                        help="database to seed (DROPPED and re-created); default: a fresh SQLite file")
    parser.add_argument("--think", type=float, default=[0.0, 1.0], nargs="+",
                        help="seconds each user waits between two page views; one run per value (default: 0, "
                             "every user reloading back to back, then 1 s, closer to people reading the page)")
    parser.add_argument("--obe", action="store_true", help="also time the OBE section's own request")
    parser.add_argument("--no-wrk", action="store_true", help="use the Python client even if wrk is installed")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="eduinnov-bench-dashboard-"))
    database_url = args.database_url or f"sqlite:///{folder / 'bench.sqlite3'}"
    shown = re.sub(r"//([^:/@]+):[^@]+@", r"//\1:***@", database_url)
    print(f"Seeding {shown} …", flush=True)
    t0 = time.perf_counter()
    cohort_id, obe_cohort_id = seed(database_url, folder / "instance", random.Random(20250901))
    print(f"  seeded in {time.perf_counter() - t0:.1f} s (demo data + a {N_STUDENTS}-student cohort, id {cohort_id})")

    port = free_port()
    env = {**os.environ, "EDUINNOV_INSTANCE_DIR": str(folder / "instance"), "EDUINNOV_DATABASE_URL": database_url,
           # Development settings: production's differ only in Secure cookies, which plain-HTTP loopback drops.
           "EDUINNOV_SECRET_KEY": os.urandom(32).hex(), "EDUINNOV_ENV": "development"}
    server = None
    try:
        server = start_gunicorn(port, args.workers, env, folder / "gunicorn.log")
        base = f"http://127.0.0.1:{port}"
        cookie = log_in(base)
        url = f"{base}/dashboards/cohorts/{cohort_id}"
        status, html = fetch(url, cookie)
        if status != 200 or "<svg" not in html:
            raise SystemExit(f"the dashboard answered {status} without charts; see {folder / 'gunicorn.log'}")
        students = re.search(r'Students</div>\s*<div class="h4 mb-0">(\d+)</div>|学生</div>\s*<div class="h4 mb-0">(\d+)</div>', html)
        print(f"gunicorn: {args.workers} sync workers on {base}; dashboard of {students.group(1) or students.group(2)} "
              f"students, {len(html) // 1024} KiB, {html.count('<svg')} charts")
        for _ in range(3 * args.workers):  # warm every worker (imports, templates, connection pool)
            fetch(url, cookie)
        use_wrk = shutil.which("wrk") and not args.no_wrk
        for think in args.think:
            pause = f", {think:g} s between page views" if think else ", back to back"
            print(f"Driving the dashboard: {args.users} concurrent users for {args.duration} s{pause} …", flush=True)
            result = (run_wrk(url, cookie, args.users, args.duration, folder, think) if use_wrk
                      else run_threads(url, cookie, args.users, args.duration, think))
            report("Cohort dashboard", result)
            verdict = "met" if result["p95"] < 150 else "NOT met"
            print(f"  target p95 < 150 ms: {verdict}")
        if args.obe:
            obe_url = f"{base}/dashboards/cohorts/{obe_cohort_id}/obe"
            users = max(1, min(4, args.users))
            status, html = fetch(obe_url, cookie)
            if status != 200 or "<svg" not in html:
                raise SystemExit(f"the OBE section answered {status} without a chart")
            print(f"Driving the OBE section of the demo's SE 2021 cohort (29 course offerings with score sheets): "
                  f"{users} users for {args.duration} s …", flush=True)
            result = (run_wrk(obe_url, cookie, users, args.duration, folder) if use_wrk
                      else run_threads(obe_url, cookie, users, args.duration))
            report("OBE section (its own request)", result)
    finally:
        stop(server)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
