import pendulum
from airflow.sdk import DAG
from airflow.providers.standard.operators.empty import EmptyOperator
with DAG("wr", start_date=pendulum.datetime(2024,1,1,tz="UTC"), schedule="@daily"):
    EmptyOperator(task_id="a", weight_rule="upstream", priority_weight=3) >> EmptyOperator(task_id="b") >> EmptyOperator(task_id="c")
