import pendulum, datetime
from airflow.sdk import DAG
from airflow.providers.standard.operators.empty import EmptyOperator
with DAG("k_rest_timeout", start_date=pendulum.datetime(2024,1,1,tz="UTC"), schedule="@daily", dagrun_timeout=datetime.timedelta(hours=1)):
    a = EmptyOperator(task_id="a", retries=2, retry_exponential_backoff=2.0, max_retry_delay=datetime.timedelta(hours=1))
    b = EmptyOperator(task_id="b", weight_rule="upstream")
    a >> b
