"""Fixture DAGs for `schedsim import airflow` beyond one cron: a timedelta schedule with
catchup off, a relativedelta schedule with catchup on, @once, two crons
(MultipleCronTriggerTimetable) and a cron trigger with a data interval and an end date.
Exported with Airflow 3.3.2 by tools/airflow_export.py (see ../README)."""

import datetime

import pendulum
from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG
from airflow.timetables.trigger import CronTriggerTimetable, MultipleCronTriggerTimetable
from dateutil.relativedelta import relativedelta

NY = "America/New_York"

with DAG(
    dag_id="refresh_every_3_days",
    schedule=datetime.timedelta(days=3),
    start_date=pendulum.datetime(2025, 3, 1, tz=NY),
    catchup=False,
):
    SQLExecuteQueryOperator(
        task_id="load",
        conn_id="warehouse",
        sql="INSERT OVERWRITE TABLE dw.refresh PARTITION (ds='{{ ds }}') SELECT * FROM raw.refresh",
    )

with DAG(
    dag_id="monthly_close",
    schedule=relativedelta(months=1),
    start_date=pendulum.datetime(2025, 1, 31, tz=NY),
    catchup=True,
):
    EmptyOperator(task_id="close")

with DAG(
    dag_id="one_shot",
    schedule="@once",
    start_date=pendulum.datetime(2025, 3, 9, 2, 30, tz=NY),
):
    EmptyOperator(task_id="migrate")

with DAG(
    dag_id="reports_two_crons",
    schedule=MultipleCronTriggerTimetable("0 1 * * *", "30 13 * * 5", timezone=NY),
    start_date=pendulum.datetime(2025, 3, 1, tz=NY),
):
    EmptyOperator(task_id="render")

with DAG(
    dag_id="daily_with_interval",
    schedule=CronTriggerTimetable("0 2 * * *", timezone=NY, interval=datetime.timedelta(days=1)),
    start_date=pendulum.datetime(2025, 3, 1, tz=NY),
    end_date=pendulum.datetime(2025, 12, 31, tz=NY),
    catchup=True,
):
    EmptyOperator(task_id="aggregate")
