"""Schedules are pure: each wall-clock time a spec names runs exactly once, across DST changes, month
ends and leap days, in the job's time zone."""

from __future__ import annotations

import datetime as dt

import pytest

from core.errors import InvalidInputError
from core.jobs.schedule import due_runs, next_runs, parse

UTC = dt.UTC


def local(runs, tz):
    return [r.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z") for r in runs]


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_daily_runs_once_per_day_across_both_dst_changes():
    s = parse("daily@02:30", "Europe/Berlin")
    spring = next_runs(s, at("2026-03-27T12:00:00"), 4)
    assert local(spring, s.tz) == ["2026-03-28 02:30 CET", "2026-03-29 03:30 CEST",   # 02:30 does not exist
                                   "2026-03-30 02:30 CEST", "2026-03-31 02:30 CEST"]
    fall = next_runs(s, at("2026-10-23T12:00:00"), 4)
    assert local(fall, s.tz) == ["2026-10-24 02:30 CEST", "2026-10-25 02:30 CEST",     # happens twice: once
                                 "2026-10-26 02:30 CET", "2026-10-27 02:30 CET"]
    assert fall[2] - fall[1] == dt.timedelta(hours=25)


def test_hourly_never_runs_twice_at_one_instant_on_a_spring_night():
    s = parse("hourly", "America/New_York")
    runs = next_runs(s, at("2026-03-08T05:30:00"), 4)        # 00:30 EST; clocks jump 02:00 -> 03:00
    assert local(runs, s.tz) == ["2026-03-08 01:00 EST", "2026-03-08 03:00 EDT", "2026-03-08 04:00 EDT",
                                 "2026-03-08 05:00 EDT"]
    assert len(set(runs)) == len(runs)


def test_month_ends_and_leap_days():
    s = parse("monthly@31,04:00", "UTC")
    assert [r.date().isoformat() for r in next_runs(s, at("2026-01-01T00:00:00"), 4)] == [
        "2026-01-31", "2026-03-31", "2026-05-31", "2026-07-31"]            # months without a 31st are skipped
    last = parse("monthly@last,04:00", "UTC")
    assert [r.date().isoformat() for r in next_runs(last, at("2028-01-01T00:00:00"), 3)] == [
        "2028-01-31", "2028-02-29", "2028-03-31"]
    leap = parse("0 6 29 2 *", "UTC")
    assert [r.date().isoformat() for r in next_runs(leap, at("2026-03-01T00:00:00"), 2)] == ["2028-02-29", "2032-02-29"]


def test_weekly_in_the_users_time_zone():
    s = parse("weekly@sun,03:00", "Asia/Tokyo")
    runs = next_runs(s, at("2026-12-01T00:00:00"), 2)
    assert local(runs, s.tz) == ["2026-12-06 03:00 JST", "2026-12-13 03:00 JST"]
    assert runs[0] == at("2026-12-05T18:00:00")


def test_due_runs_are_the_ones_between_the_last_queued_and_now():
    s = parse("daily@02:00", "UTC")
    last = at("2026-05-01T02:00:00")
    assert due_runs(s, last, at("2026-05-02T01:59:00")) == []
    assert due_runs(s, last, at("2026-05-02T02:00:00")) == [at("2026-05-02T02:00:00")]
    # a machine that was off for a week catches up once, with the newest run, not seven times
    assert due_runs(s, last, at("2026-05-09T12:00:00")) == [at("2026-05-09T02:00:00")]
    assert due_runs(s, None, at("2026-05-09T12:00:00")) == []        # a new job does not run for the past


@pytest.mark.parametrize("spec", ["daily@25:00", "weekly@sunday,03:00", "monthly@32,01:00", "every day", "* * *",
                                  "61 * * * *", ""])
def test_bad_specs_are_refused_with_the_forms_that_work(spec):
    with pytest.raises(InvalidInputError) as err:
        parse(spec, "UTC")
    assert "daily@HH:MM" in err.value.hint


def test_unknown_time_zone_is_refused():
    with pytest.raises(InvalidInputError):
        parse("daily@02:00", "Mars/Olympus_Mons")
