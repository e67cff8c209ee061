import pendulum
from airflow.sdk import DAG
from airflow.providers.standard.operators.bash import BashOperator
with DAG("manual_only", schedule=None, start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), catchup=True):
    BashOperator(task_id="run", bash_command="echo")
