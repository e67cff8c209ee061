import pendulum, datetime
from airflow.sdk import DAG
from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator
with DAG("k_mapped_sql", start_date=pendulum.datetime(2024,1,1,tz="UTC"), schedule="@daily"):
    SQLExecuteQueryOperator(task_id="plain", conn_id="x", sql="INSERT OVERWRITE TABLE t1 PARTITION (ds='{{ ds }}') SELECT 1")
    SQLExecuteQueryOperator.partial(task_id="m", conn_id="x", sql="INSERT OVERWRITE TABLE t2 PARTITION (ds='{{ ds }}') SELECT 1", retries=2).expand(parameters=[{"a":1},{"a":2}])
