from airflow.sdk import DAG
from airflow.providers.standard.operators.empty import EmptyOperator
with DAG("nostart_hourly", schedule="0 * * * *"):
    EmptyOperator(task_id="a")
