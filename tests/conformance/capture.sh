#!/usr/bin/env bash
# Captures the conformance files from the real engines. Not run by CI: its output is
# committed, and the tests compare schedsim against it.
#
#   quartz-2.3.2.jsonl   Quartz 2.3.2 (Debian libquartz2-java) with the machine's Java
#   airflow-3.3.2.jsonl  apache-airflow 3.3.2 from PyPI, its timetables driven directly
#   airflow-3.3.2-timetables.jsonl  the same, catchup, deltas, @once, several crons, manual runs
#
# AIRFLOW_ONLY=1 skips the Quartz half; ONLY_QUARTZ=1 the Airflow half.
#
# Needs root for apt-get (or libquartz2-java already installed) and network access to
# Debian's packages and PyPI.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if [ -z "${AIRFLOW_ONLY:-}" ]; then
if [ ! -f /usr/share/java/quartz2.jar ]; then
  apt-get update -qq && apt-get install -y -qq libquartz2-java
fi
cp="/usr/share/java/quartz2.jar:/usr/share/java/slf4j-api.jar"
javac -cp "$cp" -d "$work" "$here/QuartzCapture.java"
java -cp "$cp:$work" QuartzCapture "$here" "$here/quartz-2.3.2.jsonl"
java -version 2>&1 | head -1 > "$here/quartz-2.3.2.env"
# ONLY_QUARTZ=1 re-captures Quartz alone (the Airflow half needs PyPI and minutes).
if [ "${ONLY_QUARTZ:-}" = 1 ]; then wc -l "$here/quartz-2.3.2.jsonl"; exit 0; fi
fi

venv="${AIRFLOW_VENV:-$work/venv}"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "apache-airflow==3.3.2"
fi
"$venv/bin/python" "$here/airflow_capture.py" "$here" "$here/airflow-3.3.2.jsonl" "$here/airflow-3.3.2-timetables.jsonl"
"$venv/bin/pip" freeze | grep -iE '^(apache-airflow|apache-airflow-core|croniter|pendulum|python-dateutil|tzdata)==' > "$here/airflow-3.3.2.env"
wc -l "$here"/*.jsonl
