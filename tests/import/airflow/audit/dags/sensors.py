# ExternalTaskSensor and TriggerDagRunOperator variants (tests/import_airflow_audit.rs).
import datetime
import pendulum
from airflow.sdk import DAG, TaskGroup
from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.providers.standard.operators.trigger_dagrun import TriggerDagRunOperator
from airflow.providers.standard.sensors.external_task import ExternalTaskSensor
S = pendulum.datetime(2024, 3, 1, tz="UTC")
with DAG("up", schedule="0 2 * * *", start_date=S, catchup=True):
    a = BashOperator(task_id="a", bash_command="echo")
    b = BashOperator(task_id="b", bash_command="echo")
    with TaskGroup("g") as g:
        x = BashOperator(task_id="x", bash_command="echo")
        with TaskGroup("inner"):
            y = BashOperator(task_id="y", bash_command="echo")
    a >> g
with DAG("down", schedule="0 2 * * *", start_date=S, catchup=True):
    ExternalTaskSensor(task_id="same", external_dag_id="up", external_task_id="a")
    ExternalTaskSensor(task_id="ids", external_dag_id="up", external_task_ids=["a", "b"])
    ExternalTaskSensor(task_id="whole", external_dag_id="up")
    ExternalTaskSensor(task_id="group", external_dag_id="up", external_task_group_id="g")
    ExternalTaskSensor(task_id="delta", external_dag_id="up", external_task_id="a", execution_delta=datetime.timedelta(hours=1))
    ExternalTaskSensor(task_id="fn", external_dag_id="up", external_task_id="a", execution_date_fn=lambda d: d)
    ExternalTaskSensor(task_id="states", external_dag_id="up", external_task_id="a", allowed_states=["success", "skipped"], failed_states=["failed"])
    ExternalTaskSensor(task_id="resched", external_dag_id="up", external_task_id="a", mode="reschedule", poke_interval=300, timeout=3600, soft_fail=True)
    ExternalTaskSensor(task_id="defer", external_dag_id="up", external_task_id="a", deferrable=True)
    ExternalTaskSensor(task_id="no_dag", external_dag_id="nowhere", external_task_id="x")
    ExternalTaskSensor(task_id="no_task", external_dag_id="up", external_task_id="nope")
    TriggerDagRunOperator(task_id="trig_wait", trigger_dag_id="up", wait_for_completion=True)
    TriggerDagRunOperator(task_id="trig", trigger_dag_id="up")
with DAG("crm_export", schedule="0 2 * * *", start_date=S, catchup=True):
    BashOperator(task_id="publish", bash_command="sleep 3600")
with DAG("etl_orders", schedule="0 2 * * *", start_date=S, catchup=True, default_args={"pool": "wh"}):
    start = EmptyOperator(task_id="start")
    wait = ExternalTaskSensor(task_id="wait_crm", external_dag_id="crm_export", external_task_id="publish")
    load = BashOperator(task_id="load", bash_command="echo")
    start >> wait >> load
