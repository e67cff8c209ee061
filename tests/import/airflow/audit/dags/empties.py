# EmptyOperator tasks, trivial or not (tests/import_airflow_audit.rs).
import pendulum
from airflow.sdk import DAG, Asset
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.providers.standard.operators.bash import BashOperator
S = pendulum.datetime(2024, 3, 1, tz="UTC")
def cb(context):
    pass
with DAG("empties", schedule="0 2 * * *", start_date=S, max_active_tasks=1):
    e = EmptyOperator(task_id="start", pool="wh", retries=3, execution_timeout=pendulum.duration(hours=1), pool_slots=2)
    cbk = EmptyOperator(task_id="with_callback", on_success_callback=cb)
    out = EmptyOperator(task_id="with_outlet", outlets=[Asset("s3://x")])
    ex = EmptyOperator(task_id="with_exec_cb", on_execute_callback=cb)
    b = BashOperator(task_id="b", bash_command="echo")
    e >> [cbk, out, ex] >> b
