import pendulum, datetime
from airflow.sdk import DAG, task
from airflow.providers.standard.operators.bash import BashOperator
S = pendulum.datetime(2024,1,1,tz="UTC")
with DAG("k_backoff", start_date=S, schedule="@daily", catchup=True):
    BashOperator(task_id="backoff_float", bash_command="echo", retries=3, retry_delay=datetime.timedelta(minutes=10), retry_exponential_backoff=3.0)
    BashOperator(task_id="backoff_true", bash_command="echo", retries=3, retry_delay=datetime.timedelta(minutes=10), retry_exponential_backoff=True)
    BashOperator(task_id="backoff_two", bash_command="echo", retries=3, retry_delay=datetime.timedelta(minutes=10), retry_exponential_backoff=2.0)
with DAG("k_mapped", start_date=S, schedule="@daily", catchup=True):
    @task(retries=4, pool="mapped_pool", trigger_rule="all_done", depends_on_past=True, pool_slots=3)
    def m(x):
        return x
    first = BashOperator(task_id="first", bash_command="echo")
    first >> m.expand(x=[1,2,3,4,5])
with DAG("k_misc", start_date=S, schedule="@daily", catchup=True, dagrun_timeout=datetime.timedelta(hours=1),
         max_consecutive_failed_dag_runs=3, fail_fast=True):
    c = BashOperator(task_id="late_start", bash_command="echo", start_date=pendulum.datetime(2024,6,1,tz="UTC"),
                     end_date=pendulum.datetime(2024,7,1,tz="UTC"))
    d = BashOperator(task_id="limits", bash_command="echo", max_active_tis_per_dag=1, max_active_tis_per_dagrun=1,
                     wait_for_downstream=True, depends_on_past=True, ignore_first_depends_on_past=False)
    c >> d
