"""Fixture DAG for `schedsim import airflow`: a daily DAG whose load appends with
INSERT INTO under retries, in a shared pool, depending on its past."""

from datetime import timedelta

import pendulum
from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

with DAG(
    dag_id="sales_daily",
    schedule="0 3 * * *",
    start_date=pendulum.datetime(2024, 4, 1, tz="Europe/Berlin"),
    catchup=False,
    max_active_runs=2,
    max_active_tasks=8,
) as dag:
    extract = BashOperator(
        task_id="extract",
        bash_command="echo extract {{ ds }}",
        retries=2,
        retry_delay=timedelta(minutes=5),
        retry_exponential_backoff=True,
        max_retry_delay=timedelta(minutes=30),
    )
    load = SQLExecuteQueryOperator(
        task_id="load",
        conn_id="warehouse",
        sql="INSERT INTO dw.sales PARTITION (ds='{{ ds }}') SELECT * FROM raw.sales WHERE ds = '{{ ds }}'",
        retries=3,
        retry_delay=timedelta(minutes=2),
        pool="warehouse_pool",
        pool_slots=2,
        priority_weight=10,
        depends_on_past=True,
        execution_timeout=timedelta(hours=1),
    )
    report = SQLExecuteQueryOperator(
        task_id="report",
        conn_id="warehouse",
        sql="INSERT OVERWRITE TABLE dw.sales_report PARTITION (ds='2024-04-01') SELECT count(*) FROM dw.sales",
    )
    extract >> load >> report
