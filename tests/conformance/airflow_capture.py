"""Captures run times from Airflow 3.3.2's own timetables for every expression x zone x
start in this folder. CronTriggerTimetable (Airflow 3's default for a cron string) and
CronDataIntervalTimetable (Airflow 2's) are driven through next_dagrun_info exactly as
a backfill drives them (catchup, earliest = the start, no database). Output: one JSON
object per line. Run by capture.sh; the output is committed."""

import json
import sys
from pathlib import Path

import pendulum
from airflow.timetables.base import TimeRestriction
from airflow.timetables.interval import CronDataIntervalTimetable
from airflow.timetables.trigger import CronTriggerTimetable

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


if __name__ == "__main__":
    main()
