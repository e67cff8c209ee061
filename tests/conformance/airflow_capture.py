"""Captures run times from Airflow 3.3.2's own timetables for every expression x zone x
start in this folder. CronTriggerTimetable (Airflow 3's default for a cron string) and
CronDataIntervalTimetable (Airflow 2's) are driven through next_dagrun_info exactly as
a backfill drives them (catchup, earliest = the start, no database). Output: one JSON
object per line. Run by capture.sh; the output is committed.

Then (airflow-3.3.2-timetables.jsonl, see timetables()) the other timetables users
have: catchup False and True, start and end dates, DeltaDataIntervalTimetable and
DeltaTriggerTimetable (timedelta and relativedelta), OnceTimetable,
CronTriggerTimetable(interval=...), MultipleCronTriggerTimetable, each driven as the
scheduler drives it (next_dagrun_info after each run, utcnow() the moment it asks) and
as a backfill does, and infer_manual_data_interval for manual runs, over DST days."""

import json
import sys
from pathlib import Path

import pendulum
from airflow.timetables.base import TimeRestriction
from airflow.timetables.interval import CronDataIntervalTimetable
from airflow.timetables.trigger import CronTriggerTimetable, DeltaTriggerTimetable, MultipleCronTriggerTimetable
from airflow.timetables.interval import DeltaDataIntervalTimetable
from airflow.timetables.simple import OnceTimetable
from dateutil.relativedelta import relativedelta
import datetime

RUNS = 30


def rfc(dt, tz):
    return dt.in_timezone(tz).strftime("%Y-%m-%dT%H:%M:%S%z")[:-2] + ":" + dt.in_timezone(tz).strftime("%z")[-2:]


def capture(kind, expr, tz, start):
    cls = CronTriggerTimetable if kind == "trigger" else CronDataIntervalTimetable
    tt = cls(expr, timezone=tz)
    restriction = TimeRestriction(earliest=start, latest=None, catchup=True)
    runs, last = [], None
    for _ in range(RUNS):
        try:
            info = tt.next_dagrun_info(last_automated_data_interval=last, restriction=restriction)
        except Exception as e:  # Airflow's own failure is part of what it does
            return runs, f"{type(e).__name__}: {e}"
        if info is None:
            break
        runs.append([rfc(info.logical_date, tz), rfc(info.run_after, tz)])
        last = info.data_interval
    return runs, None


def main():
    here, out_path = Path(sys.argv[1]), sys.argv[2]
    exprs = [l for l in (here / "unix-expressions.txt").read_text().splitlines() if l]
    zones = [l.split() for l in (here / "zones.txt").read_text().splitlines() if l and not l.startswith("#")]
    with open(out_path, "w") as out:
        for expr in exprs:
            try:
                CronTriggerTimetable(expr, timezone="UTC").validate()
            except Exception as e:  # the timetable's own verdict on the expression
                out.write(json.dumps({"expr": expr, "error": f"{type(e).__name__}: {e}"}) + "\n")
                continue
            for zone, *starts in zones:
                for s in starts:
                    start = pendulum.parse(s, tz=zone)
                    for kind in ("trigger", "interval"):
                        runs, error = capture(kind, expr, zone, start)
                        case = {"expr": expr, "tz": zone, "from": rfc(start, zone), "timetable": kind, "runs": runs}
                        if error:
                            case["stopped"] = error
                        out.write(json.dumps(case) + "\n")


SCHEDULER_RUNS = 12


def delta_json(d):
    if d is None:
        return None
    if isinstance(d, relativedelta):
        return {"months": d.years * 12 + d.months, "seconds": d.days * 86400 + d.hours * 3600 + d.minutes * 60 + d.seconds}
    return {"months": 0, "seconds": int(d.total_seconds())}


def build(kind, arg, tz, interval):
    if kind == "cron_trigger":
        return CronTriggerTimetable(arg[0], timezone=tz, interval=interval or datetime.timedelta())
    if kind == "cron_interval":
        return CronDataIntervalTimetable(arg[0], timezone=tz)
    if kind == "crons":
        return MultipleCronTriggerTimetable(*arg, timezone=tz, interval=interval or datetime.timedelta())
    if kind == "delta_trigger":
        return DeltaTriggerTimetable(arg, interval=interval or datetime.timedelta())
    if kind == "delta_interval":
        return DeltaDataIntervalTimetable(arg)
    return OnceTimetable()


def set_now(now):
    """utcnow() and time.time() as the timetables read them, without touching the clock."""
    import airflow.timetables.interval as interval_mod
    import airflow.timetables.trigger as trigger_mod

    trigger_mod.utcnow = lambda: now
    interval_mod.utcnow = lambda: now
    trigger_mod.time = type("Clock", (), {"time": staticmethod(lambda: now.timestamp())})


def drive(tt, tz, earliest, latest, catchup, now):
    """The scheduler: next_dagrun_info after each run it creates, asked at that moment."""
    runs, last = [], None
    for _ in range(SCHEDULER_RUNS):
        set_now(now)
        try:
            info = tt.next_dagrun_info(
                last_automated_data_interval=last,
                restriction=TimeRestriction(earliest=earliest, latest=latest, catchup=catchup),
            )
        except Exception as e:
            return runs, f"{type(e).__name__}: {e}"
        if info is None:
            break
        di = info.data_interval
        runs.append([rfc(info.logical_date, tz), rfc(info.run_after, tz), rfc(di.start, tz), rfc(di.end, tz)])
        last = di
        # The scheduler asks again when it creates this run: a moment after its time.
        now = max(now, info.run_after.add(seconds=1))
    return runs, None


TIMETABLES = [
    ("cron_trigger", ["30 2 * * *"], None),
    ("cron_trigger", ["0 * * * *"], None),
    ("cron_trigger", ["0 2 * * *"], datetime.timedelta(days=1)),
    ("cron_trigger", ["0 0 * * *"], relativedelta(months=1)),
    ("cron_interval", ["30 2 * * *"], None),
    ("cron_interval", ["0 * * * *"], None),
    ("cron_interval", ["0 0 * * 1"], None),
    ("crons", ["0 1 * * *", "30 13 * * 5"], None),
    ("crons", ["30 2 * * *", "0 3 * * *"], datetime.timedelta(hours=2)),
    ("delta_trigger", datetime.timedelta(days=3), None),
    ("delta_trigger", datetime.timedelta(hours=5), datetime.timedelta(hours=1)),
    ("delta_trigger", relativedelta(months=1), None),
    ("delta_interval", datetime.timedelta(days=3), None),
    ("delta_interval", datetime.timedelta(hours=6), None),
    ("delta_interval", relativedelta(months=1), None),
    ("delta_interval", relativedelta(months=1, days=2), None),
    ("once", None, None),
]

# Zone, start_date (local), "now" instants (UTC) around the zone's 2025 transitions.
TIMETABLE_ZONES = [
    ("UTC", "2025-01-31T00:00:00", ["2025-03-10T13:17:00Z", "2025-03-01T00:00:00Z"]),
    ("America/New_York", "2025-03-01T00:00:00",
     ["2025-03-09T07:30:00Z", "2025-03-09T06:00:00Z", "2025-11-02T05:30:00Z", "2025-11-02T06:30:00Z", "2025-03-12T17:45:00Z"]),
    ("Europe/Berlin", "2025-03-20T00:00:00", ["2025-03-30T01:30:00Z", "2025-10-26T00:30:00Z", "2025-10-26T01:30:00Z"]),
    ("Australia/Lord_Howe", "2025-03-20T00:00:00", ["2025-04-05T14:45:00Z", "2025-10-04T15:45:00Z"]),
]

MANUAL_AT = {
    "UTC": ["2025-03-10T13:17:00Z", "2025-03-31T00:00:00Z"],
    "America/New_York": ["2025-03-09T07:30:00Z", "2025-03-09T14:00:00Z", "2025-11-02T05:30:00Z", "2025-11-02T06:30:00Z"],
    "Europe/Berlin": ["2025-03-30T01:30:00Z", "2025-10-26T00:30:00Z", "2025-10-26T01:30:00Z"],
    "Australia/Lord_Howe": ["2025-04-05T14:45:00Z", "2025-10-04T15:45:00Z"],
}


def timetables(out_path):
    with open(out_path, "w") as out:
        for kind, arg, interval in TIMETABLES:
            for zone, start_text, nows in TIMETABLE_ZONES:
                tt = build(kind, arg, zone, interval)
                # The scheduler reads start_date and end_date back from the serialized DAG:
                # UTC datetimes (a relativedelta then steps on UTC's calendar).
                start = pendulum.parse(start_text, tz=zone).in_timezone("UTC")
                base = {
                    "timetable": kind,
                    "exprs": arg if isinstance(arg, list) else None,
                    "delta": None if isinstance(arg, list) else delta_json(arg),
                    "interval": delta_json(interval),
                    "tz": zone,
                    "start_date": rfc(start, zone),
                }
                # The scheduler, catchup on and off, with and without an end date.
                for catchup in (True, False):
                    for end in (None, start.add(days=20)):
                        for now_text in nows:
                            now = pendulum.parse(now_text)
                            runs, error = drive(tt, zone, start, end, catchup, now)
                            case = dict(base, mode="scheduler", catchup=catchup, now=rfc(now, zone),
                                        end_date=rfc(end, zone) if end else None, runs=runs)
                            if error:
                                case["stopped"] = error
                            out.write(json.dumps(case) + "\n")
                # A backfill over 20 days from the start date (iter_dagrun_infos_between).
                runs, error = drive(tt, zone, start, start.add(days=20), True, start)
                case = dict(base, mode="backfill", catchup=True, now=None, end_date=rfc(start.add(days=20), zone), runs=runs)
                if error:
                    case["stopped"] = error
                out.write(json.dumps(case) + "\n")
                # Manual runs: infer_manual_data_interval(run_after).
                for at_text in MANUAL_AT[zone]:
                    at = pendulum.parse(at_text)
                    di = tt.infer_manual_data_interval(run_after=at)
                    case = dict(base, mode="manual", run_after=rfc(at, zone), interval_start=rfc(di.start, zone),
                                interval_end=rfc(di.end, zone))
                    out.write(json.dumps(case) + "\n")


if __name__ == "__main__":
    main()
    if len(sys.argv) > 3:
        timetables(sys.argv[3])
