"""Issue #12 (small defects): every time is shown in one zone, the configured display zone (default
Asia/Shanghai, BABEL_DEFAULT_TIMEZONE / EDUINNOV_TIMEZONE) — the pack page showed UTC, others local."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from eduinnov.auth.models import Role
from eduinnov.config import Config
from eduinnov.core.tabular import _csv_text
from tests.factories import make_run, make_user


def test_the_default_display_zone_is_shanghai(app):
    assert Config.BABEL_DEFAULT_TIMEZONE == "Asia/Shanghai" == app.config["BABEL_DEFAULT_TIMEZONE"]


def test_the_pack_page_shows_run_times_in_the_display_zone(login_as, data, program):
    run = make_run(data.cohort, data.students[:2])
    stored = run.created_at if run.created_at.tzinfo else run.created_at.replace(tzinfo=UTC)
    local = stored.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")
    utc = stored.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
    b = login_as(make_user(Role.DIRECTOR, [program], locale="en"))
    html = b.get(f"/reports/pack?cohort={data.cohort.id}").get_data(as_text=True)
    assert local in html and utc not in html
    run_page = b.get(f"/evaluation/runs/{run.id}").get_data(as_text=True)
    assert local in run_page and utc not in run_page  # the same zone as every other page


def test_templates_filter_reads_iso_strings_in_the_display_zone(app):
    with app.test_request_context("/"):
        datetime_filter = app.jinja_env.filters["datetime"]
        assert datetime_filter("2024-01-01T16:30:00+00:00") == "2024-01-02 00:30"
        assert datetime_filter(datetime(2024, 1, 1, 16, 30)) == "2024-01-02 00:30"  # naive = stored UTC
        assert datetime_filter("not a time") == "not a time"


def test_exports_write_times_in_the_display_zone(app):
    with app.test_request_context("/"):
        assert _csv_text(datetime(2024, 1, 1, 16, 30, tzinfo=UTC)) == "2024-01-02 00:30:00"
        assert _csv_text(datetime(2024, 1, 1, 16, 30)) == "2024-01-02 00:30:00"
