import pendulum, datetime
from airflow.sdk import DAG
from airflow.timetables.trigger import CronTriggerTimetable, MultipleCronTriggerTimetable, DeltaTriggerTimetable
from airflow.timetables.interval import CronDataIntervalTimetable, DeltaDataIntervalTimetable
from airflow.providers.standard.operators.empty import EmptyOperator

# DAG in UTC, timetable in Shanghai
with DAG("tz_mismatch", start_date=pendulum.datetime(2024,1,1,tz="UTC"),
         schedule=CronTriggerTimetable("0 2 * * *", timezone="Asia/Shanghai"), catchup=True):
    EmptyOperator(task_id="a")

with DAG("cron_interval_ny", start_date=pendulum.datetime(2024,3,1,tz="America/New_York"),
         schedule=CronDataIntervalTimetable("30 1 * * *", timezone="America/New_York"), catchup=True):
    EmptyOperator(task_id="a")

with DAG("delta_interval", start_date=pendulum.datetime(2024,1,1,tz="UTC"),
         schedule=DeltaDataIntervalTimetable(datetime.timedelta(hours=6)), catchup=True):
    EmptyOperator(task_id="a")

with DAG("multi_cron", start_date=pendulum.datetime(2024,1,1,tz="Europe/Berlin"),
         schedule=MultipleCronTriggerTimetable("0 1 * * *", "30 13 * * 5", timezone="Europe/Berlin"), catchup=True):
    EmptyOperator(task_id="a")

with DAG("run_immediately", start_date=pendulum.datetime(2024,1,1,tz="UTC"),
         schedule=CronTriggerTimetable("0 2 * * *", timezone="UTC", run_immediately=True)):
    EmptyOperator(task_id="a")

with DAG("trigger_with_interval", start_date=pendulum.datetime(2024,1,1,tz="UTC"),
         schedule=CronTriggerTimetable("0 2 * * *", timezone="UTC", interval=datetime.timedelta(days=1)), catchup=True,
         end_date=pendulum.datetime(2024,1,10,tz="UTC")):
    EmptyOperator(task_id="a")
