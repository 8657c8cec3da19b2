"""The ``|date`` filter's fast path writes what flask-babel's ``format_date(value, "yyyy-MM-dd")`` writes."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta, timezone

from flask_babel import force_locale, format_date

from eduinnov.core.jinja import _fmt_date


def test_date_filter_equals_babel_format_date(app):
    rng = random.Random(5)
    values = [date(1, 1, 1), date(999, 12, 31), date(2026, 2, 28), datetime(2026, 12, 31, 23, 59, 59)]
    for _ in range(300):
        moment = datetime(1950, 1, 1) + timedelta(seconds=rng.randrange(0, 150 * 365 * 86400))
        zone = rng.choice([None, UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-11))])
        values += [moment.date(), moment.replace(tzinfo=zone)]
    with app.test_request_context():
        for lang in ("zh", "en"):
            with force_locale(lang):
                for value in values:
                    assert _fmt_date(value) == format_date(value, "yyyy-MM-dd"), value
        # the display time zone (Asia/Shanghai by default) is 8 hours ahead of UTC
        assert _fmt_date(None) == "" and _fmt_date(datetime(2026, 12, 5, 20, tzinfo=UTC)) == "2026-12-06"
