"""Fixture DAG for `schedsim import airflow`: an hourly DAG with a Chinese task id and
a snapshot overwriting its logical hour."""

import pendulum
from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG

with DAG(
    dag_id="inventory_hourly",
    schedule="@hourly",
    start_date=pendulum.datetime(2024, 4, 1, tz="Europe/Berlin"),
    end_date=pendulum.datetime(2024, 6, 30, tz="Europe/Berlin"),
    catchup=True,
) as dag:
    snapshot = SQLExecuteQueryOperator(
        task_id="库存快照",
        conn_id="warehouse",
        sql="INSERT OVERWRITE TABLE dw.inventory PARTITION (ts='{{ ts }}') SELECT * FROM raw.inventory",
        pool="warehouse_pool",
    )
    publish = EmptyOperator(task_id="publish")
    snapshot >> publish
