import pendulum
from airflow.sdk import DAG, TaskGroup
from airflow.providers.standard.operators.empty import EmptyOperator
with DAG("name_clash2", start_date=pendulum.datetime(2024,1,1,tz="UTC"), schedule="@daily"):
    x = EmptyOperator(task_id="g_a")
    with TaskGroup("g") as g:
        y = EmptyOperator(task_id="a")
    z = EmptyOperator(task_id="final")
    y >> z
