//! The model file's shape: one type per table, as the user writes it.
//!
//! These types are what `schedsim schema` describes, and what the decoder fills. They
//! keep strings as written (durations, times, cron expressions) with their spans; the
//! resolver turns them into the checked [`Model`](super::Model).

use schemars::JsonSchema;
use serde::Serialize;

use super::decode::{Decode, Decoder, TableReader, Val, text_type};
use super::span::Sp;
use crate::keyword_enum;
use crate::rules::{FailureStrategy, Order, Profile, RuleOverrides};

text_type!(
    /// `"90s"`, `"10m"`, `"2h"`, `"1d"`, or a sum such as `"1h30m"`.
    DurationText,
    "a duration such as \"90s\", \"10m\", \"2h\", \"1d\" or \"1h30m\"",
    "^([0-9]+(s|m|h|d))+$"
);
text_type!(
    /// A calendar date, `"2025-03-01"`.
    DateText,
    "a date such as \"2025-03-01\"",
    "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
);
text_type!(
    /// A local time of the model's time zone, `"2025-03-01T02:00:00"`.
    DateTimeText,
    "a local date-time such as \"2025-03-01T02:00:00\"",
    "^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2})?$"
);
text_type!(
    /// A date, or a local date-time.
    DateOrTimeText,
    "a date such as \"2025-03-01\" or a local date-time such as \"2025-03-01T02:00:00\"",
    "^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2})?)?$"
);
text_type!(
    /// A time-of-day window, `"00:00-01:00"`.
    WindowText,
    "a time-of-day window such as \"00:00-01:00\"",
    "^[0-9]{2}:[0-9]{2}(:[0-9]{2})?-[0-9]{2}:[0-9]{2}(:[0-9]{2})?$"
);

keyword_enum! {
    /// How a write treats what the partition already holds.
    pub enum WriteMode ("write mode") {
        /// INSERT OVERWRITE: replaces the partition.
        Overwrite = "overwrite",
        /// INSERT INTO: appends again on every execution.
        Insert = "insert",
        /// MERGE INTO: deduplicating upsert.
        Merge = "merge",
    }
}

keyword_enum! {
    /// When a scripted failure strikes.
    pub enum FaultPhase ("fault phase") {
        BeforeWrite = "before_write",
        /// The attempt wrote, then failed.
        AfterWrite = "after_write",
    }
}

keyword_enum! {
    /// Which instances a scripted fault strikes: those a schedule, a backfill or an
    /// operator's rerun created.
    pub enum FaultOrigin ("fault origin") {
        Recurring = "recurring",
        Backfill = "backfill",
        Rerun = "rerun",
    }
}

keyword_enum! {
    /// How a run that happened before the scenario ended.
    pub enum HistoryState ("history state") {
        Succeeded = "succeeded",
        Failed = "failed",
    }
}

keyword_enum! {
    /// Airflow 3 backfill `reprocess_behavior`: which dates that already have a run
    /// the backfill runs again (`airflow/models/backfill.py`, `ReprocessBehavior`).
    pub enum Reprocess ("reprocess behavior") {
        /// Dates with a run are left alone (Airflow 3's default).
        Never = "none",
        /// Dates whose run failed are run again.
        Failed = "failed",
        /// Dates whose run succeeded or failed are run again.
        Completed = "completed",
    }
}

impl Reprocess {
    /// Whether a date whose run ended (`failed` or not) is run again.
    pub fn runs_again(self, failed: bool) -> bool {
        match self {
            Reprocess::Never => false,
            Reprocess::Failed => failed,
            Reprocess::Completed => true,
        }
    }
}

keyword_enum! {
    /// An operator action.
    pub enum OperationKind ("operation kind") {
        Rerun = "rerun",
        RerunFailed = "rerun_failed",
        RerunDownstream = "rerun_downstream",
        /// Airflow: clear with upstream.
        RerunUpstream = "rerun_upstream",
        SetSuccess = "set_success",
        Freeze = "freeze",
        Unfreeze = "unfreeze",
        Kill = "kill",
    }
}

/// A whole model file.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    title = "schedsim model",
    description = "A schedsim model: a system of scheduled workflows and the scenarios that happen to it."
)]
pub struct Document {
    pub model: ModelSection,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rules: Option<RuleOverrides>,
    #[serde(
        rename = "resource_group",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub resource_groups: Vec<ResourceGroupDoc>,
    #[serde(rename = "workflow")]
    #[schemars(length(min = 1))]
    pub workflows: Vec<WorkflowDoc>,
    #[serde(rename = "scenario", default, skip_serializing_if = "Vec::is_empty")]
    pub scenarios: Vec<ScenarioDoc>,
    #[serde(rename = "expect", default, skip_serializing_if = "Vec::is_empty")]
    pub expects: Vec<super::expect::ExpectDoc>,
    /// Tables left out for an error in them (`model::names::Doubts`).
    #[serde(skip)]
    pub(crate) lost: Vec<super::decode::Lost>,
}

/// `[model]`
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ModelSection {
    pub name: Sp<String>,
    pub profile: Sp<Profile>,
    /// IANA time zone; default "UTC".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<Sp<String>>,
    /// dolphinscheduler only: "3.1", "3.2" (default) or "3.3".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_version: Option<Sp<String>>,
}

/// `[[resource_group]]`
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResourceGroupDoc {
    pub name: Sp<String>,
    /// Instances running at once in this group.
    #[schemars(range(min = 1))]
    pub slots: Sp<u32>,
}

/// `[[workflow]]`
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkflowDoc {
    pub name: Sp<String>,
    /// The workflow's schedule, in the profile's cron dialect; airflow: also a list
    /// (a run whenever one fires, MultipleCronTriggerTimetable).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cron: Option<super::timetable::CronDoc>,
    /// airflow only: "@once", or a delta such as "3d" or "1mo" (timedelta, relativedelta).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<Sp<String>>,
    /// airflow only: the data interval before each run of a trigger timetable
    /// (CronTriggerTimetable(interval=...)), a delta such as "1d".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<Sp<String>>,
    /// airflow only: create the runs missed since `start_date` (default false, Airflow 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub catchup: Option<Sp<bool>>,
    /// airflow only: the DAG's start date (default: the scenario's start).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_date: Option<Sp<DateOrTimeText>>,
    /// airflow only: no scheduled run after it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_date: Option<Sp<DateOrTimeText>>,
    /// airflow only: DAG runs in flight at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_active_runs: Option<Sp<u32>>,
    /// airflow only: task instances running at once per DAG run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_active_tasks: Option<Sp<u32>>,
    /// dolphinscheduler only: what the workflow instance does after a task fails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_strategy: Option<Sp<FailureStrategy>>,
    /// dolphinscheduler only: workflow-instance priority, 0 (HIGHEST) to 4 (LOWEST).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<Sp<u32>>,
    #[serde(rename = "task")]
    #[schemars(length(min = 1))]
    pub tasks: Vec<TaskDoc>,
}

/// `[[workflow.task]]`
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskDoc {
    pub name: Sp<String>,
    /// dataworks only: the node's own schedule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cron: Option<Sp<String>>,
    /// Tasks this one waits for: "task" in the same workflow, "workflow.task" elsewhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upstream: Option<Vec<Sp<String>>>,
    /// Default: the group named "default".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_group: Option<Sp<String>>,
    /// dolphinscheduler only: a task group, another `[[resource_group]]` used as an extra limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_group: Option<Sp<String>>,
    /// airflow only: slots of the pool this task takes while it runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub pool_slots: Option<Sp<u32>>,
    /// dataworks: 1, 3, 5, 7 or 8 (higher first); dolphinscheduler: 0 (highest) to 4.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<Sp<u32>>,
    /// airflow only: priority_weight (higher first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority_weight: Option<Sp<i64>>,
    /// Depends on its own previous cycle (airflow: depends_on_past).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub self_dependency: Option<Sp<bool>>,
    /// airflow only: a trivial EmptyOperator, set success once its upstreams are done,
    /// without running or taking a slot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub empty: Option<Sp<bool>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective: Option<EffectiveDoc>,
    /// Default "1m".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<DurationDoc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry: Option<RetryDoc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Sp<DurationText>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail: Option<FailDoc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub writes: Option<Vec<WriteDoc>>,
    /// dolphinscheduler only: a DEPENDENT task's items (`[[workflow.task.depends]]`):
    /// it succeeds when the upstream instances they name did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub depends: Option<Vec<DependsDoc>>,
    /// dolphinscheduler only: how the items combine, "and" (default) or "or"; with
    /// `depends_groups`, how the groups combine (`dependence.relation`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub depends_relation: Option<Sp<crate::calendar::dependent::Relation>>,
    /// dolphinscheduler only: the items in several groups (`dependTaskList`), each
    /// combining its own items by its relation, "and" or "or", listed in group order:
    /// an item names its group with `group`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub depends_groups: Option<Vec<Sp<crate::calendar::dependent::Relation>>>,
    /// dolphinscheduler only: time between two checks of the items (`checkInterval`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check_interval: Option<Sp<DurationText>>,
    /// dolphinscheduler 3.2 and later only: when the items say FAILED, the task waits
    /// on until this long after its business date (`failurePolicy =
    /// DEPENDENT_FAILURE_WAITING`, `failureWaitingTime`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_waiting: Option<Sp<DurationText>>,
}

/// `[[workflow.task.depends]]`: one item of a DolphinScheduler DEPENDENT task.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DependsDoc {
    /// The upstream workflow (definitionCode).
    pub workflow: Sp<String>,
    /// One of its tasks, or "ALL" (every task succeeded); absent: the workflow
    /// instance's state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<Sp<String>>,
    /// "day" (default), "hour", "week" or "month".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cycle: Option<Sp<crate::calendar::dependent::Cycle>>,
    /// Which schedule times (dateValue): "today" (default), "last1Days", "thisWeek"...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_value: Option<Sp<crate::calendar::dependent::DateValue>>,
    /// Its group, counted from 1 in the task's `depends_groups` (required there;
    /// without them, 1: the one group).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub group: Option<Sp<u32>>,
    #[serde(skip)]
    pub span: std::ops::Range<usize>,
}

/// `effective = { from, to }`: the task's effective period, both ends included.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EffectiveDoc {
    pub from: Sp<DateText>,
    pub to: Sp<DateText>,
    #[serde(skip)]
    pub span: std::ops::Range<usize>,
}

/// A task's duration: fixed, uniform between two bounds, or lognormal.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(untagged, deny_unknown_fields)]
pub enum DurationDoc {
    Fixed(Sp<DurationText>),
    Uniform {
        #[schemars(length(min = 2, max = 2))]
        uniform: Sp<Vec<Sp<DurationText>>>,
    },
    Lognormal {
        lognormal: LognormalDoc,
    },
}

/// `{ lognormal = { median, p95 } }`
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LognormalDoc {
    pub median: Sp<DurationText>,
    pub p95: Sp<DurationText>,
}

/// `retry = { times, interval, backoff, max_interval }`
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RetryDoc {
    pub times: Sp<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<Sp<DurationText>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backoff: Option<Sp<crate::rules::Backoff>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_interval: Option<Sp<DurationText>>,
}

/// `fail = { probability, after_write }`: a seeded random failure per attempt.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FailDoc {
    #[schemars(range(min = 0.0, max = 1.0))]
    pub probability: Sp<f64>,
    /// Share of failures that come after the write landed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0.0, max = 1.0))]
    pub after_write: Option<Sp<f64>>,
}

/// `{ table, partition, mode }`
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WriteDoc {
    pub table: Sp<String>,
    /// A partition expression with the profile's scheduling parameters; without it,
    /// a table-level write (the whole table).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition: Option<Sp<String>>,
    pub mode: Sp<WriteMode>,
}

/// `[[scenario]]`
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScenarioDoc {
    pub name: Sp<String>,
    /// The virtual 'now' at which the scenario begins.
    pub start: Sp<DateTimeText>,
    /// Horizon, included: nothing new starts after it, and what started by then runs
    /// to its end. Default: until nothing is left to do.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<Sp<DateTimeText>>,
    /// Also run the normal schedule: the runs that fire inside [start, until].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recurring: Option<Sp<bool>>,
    /// The seeds `schedsim test` runs this scenario under, each against its own
    /// golden (default: 0 alone). Other commands take `--seed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seeds: Option<Sp<Vec<Sp<i64>>>>,
    #[serde(rename = "backfill", default, skip_serializing_if = "Vec::is_empty")]
    pub backfills: Vec<BackfillDoc>,
    #[serde(rename = "fault", default, skip_serializing_if = "Vec::is_empty")]
    pub faults: Vec<FaultDoc>,
    #[serde(rename = "operation", default, skip_serializing_if = "Vec::is_empty")]
    pub operations: Vec<OperationDoc>,
    #[serde(rename = "stretch", default, skip_serializing_if = "Vec::is_empty")]
    pub stretches: Vec<StretchDoc>,
    #[serde(rename = "history", default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<HistoryDoc>,
    /// airflow: DAG runs triggered by hand.
    #[serde(rename = "trigger", default, skip_serializing_if = "Vec::is_empty")]
    pub triggers: Vec<super::timetable::TriggerDoc>,
}

/// `[[scenario.history]]`: runs that happened before the scenario's start. The store
/// starts with the partitions they wrote.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HistoryDoc {
    /// One task ("workflow.task"); or give `workflow` for every task of a workflow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<Sp<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workflow: Option<Sp<String>>,
    /// One scheduled time; or `from`/`to`: every scheduled time in the range, both
    /// ends included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduled: Option<Sp<DateTimeText>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<Sp<DateTimeText>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<Sp<DateTimeText>>,
    pub state: Sp<HistoryState>,
    /// Whether its writes landed; default: they did when it succeeded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub writes_landed: Option<Sp<bool>>,
    #[serde(skip)]
    pub span: std::ops::Range<usize>,
}

/// `[[scenario.backfill]]`
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BackfillDoc {
    /// When the backfill is submitted; default: the scenario's start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<Sp<DateTimeText>>,
    /// Workflows or tasks ("workflow.task").
    #[schemars(length(min = 1))]
    pub targets: Sp<Vec<Sp<String>>>,
    /// Include everything downstream of the targets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub downstream: Option<Sp<bool>>,
    /// Business dates (dataworks), schedule or logical times (others); both ends
    /// included. Outside dataworks a date is its midnight: a date-only `to` leaves out
    /// that day's later fires (a note names the first). Required unless `dates` is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<Sp<DateOrTimeText>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<Sp<DateOrTimeText>>,
    /// DolphinScheduler: an explicit list of schedule times instead of `from`/`to`
    /// (complementScheduleDateList; duplicates dropped, at most 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dates: Option<Sp<Vec<Sp<DateTimeText>>>>,
    /// Time-of-day window for hourly and minutely tasks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<Sp<WindowText>>,
    /// Dates in parallel: DataWorks groups, DolphinScheduler parallelism, Airflow max_active_runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// DolphinScheduler also takes 0: parallel mode without a parallelism, one chain
    /// per date (3.1, 3.2).
    #[schemars(range(min = 0))]
    pub groups: Option<Sp<u32>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<Sp<Order>>,
    /// Ignore scheduled times in the future.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_immediately: Option<Sp<bool>>,
    /// Airflow: which dates that already have a run are run again (default none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reprocess: Option<Sp<Reprocess>>,
    /// DolphinScheduler: complementDependentMode = ALL_DEPENDENT: the workflows whose
    /// DEPENDENT tasks name a target are complemented with it (3.1, 3.2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dependents: Option<Sp<bool>>,
    /// DolphinScheduler, with `dependents`: allLevelDependent, every level down.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub all_levels: Option<Sp<bool>>,
    #[serde(skip)]
    pub span: std::ops::Range<usize>,
}

/// `[[scenario.fault]]`: scripted failures of chosen attempts.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FaultDoc {
    pub task: Sp<String>,
    pub scheduled: Sp<DateTimeText>,
    /// Attempt numbers, from 1; default [1].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempts: Option<Vec<Sp<u32>>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<Sp<FaultPhase>>,
    /// Strike only instances of this origin (default: any).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<Sp<FaultOrigin>>,
}

/// `[[scenario.operation]]`: an operator action.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OperationDoc {
    pub at: Sp<DateTimeText>,
    pub kind: Sp<OperationKind>,
    pub task: Sp<String>,
    pub scheduled: Sp<DateTimeText>,
}

/// `[[scenario.stretch]]`: every execution of one instance takes `factor` times its
/// drawn duration (a long tail, a slow upstream).
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StretchDoc {
    pub task: Sp<String>,
    pub scheduled: Sp<DateTimeText>,
    /// A number above 0, at most 1000 (2 doubles the duration).
    pub factor: Sp<f64>,
}

impl Document {
    /// The document of `root`; `workflows`: its workflows decoded already, with what
    /// that said (a file read in pieces: `model::pieces`), where `root` has none.
    pub(crate) fn decode(
        root: &Val<'_>,
        workflows: Option<(Vec<WorkflowDoc>, Decoder)>,
        d: &mut Decoder,
    ) -> Option<Self> {
        let toml::de::DeValue::Table(map) = root.get_ref() else {
            return None;
        };
        let mut t = TableReader::root(map, root.span());
        let model = t.required("model", d);
        let rules = t
            .raw("rules")
            .and_then(|v| TableReader::open_table(v, "[rules]", RuleOverrides::NAMES, d))
            .map(|mut r| {
                let rules = RuleOverrides::decode(&mut r, d);
                r.finish(d);
                rules
            });
        let resource_groups = t.optional("resource_group", d).unwrap_or_default();
        let workflows = match workflows {
            Some((workflows, said)) => {
                t.raw("workflow");
                d.diagnostics.extend(said.diagnostics);
                d.lost.extend(said.lost);
                workflows
            }
            None => t.required("workflow", d).unwrap_or_default(),
        };
        let scenarios = t.optional("scenario", d).unwrap_or_default();
        let expects = t.optional("expect", d).unwrap_or_default();
        t.finish(d);
        Some(Document {
            model: model?,
            rules,
            resource_groups,
            workflows,
            scenarios,
            expects,
            lost: std::mem::take(&mut d.lost),
        })
    }
}

/// Implements [`Decode`] for a struct read from one table: lists its keys once,
/// each as required or optional, and reports unknown keys.
macro_rules! table_decode {
    ($ty:ident, $what:literal, { $($field:ident : $kind:ident $(= $key:literal)?),* $(,)? } $(, span = $span:ident)?) => {
        impl Decode for $ty {
            const TABLE: Option<&'static str> = Some($what);
            fn decode(v: &Val<'_>, d: &mut Decoder) -> Option<Self> {
                let keys = [$(table_decode!(@key $field $($key)?)),*];
                let named = keys.contains(&"name");
                let Some(mut t) = TableReader::open_table(v, $what, &keys, d) else {
                    if named {
                        d.lose($what, v);
                    }
                    return None;
                };
                let mark = d.lost.len();
                $( let $field = table_decode!(@get t, d, $kind, table_decode!(@key $field $($key)?)); )*
                t.finish(d);
                d.adopt(mark, v);
                let built = (|| Some($ty { $( $field: table_decode!(@unwrap $kind, $field) ),* $(, $span: v.span())? }))();
                if built.is_none() && named {
                    d.lose($what, v);
                }
                built
            }
        }
    };
    (@key $field:ident) => { stringify!($field) };
    (@key $field:ident $key:literal) => { $key };
    (@get $t:ident, $d:ident, required, $key:expr) => { $t.required($key, $d) };
    (@get $t:ident, $d:ident, optional, $key:expr) => { $t.optional($key, $d) };
    (@get $t:ident, $d:ident, list, $key:expr) => { $t.optional($key, $d).unwrap_or_default() };
    (@unwrap required, $field:ident) => { $field? };
    (@unwrap optional, $field:ident) => { $field };
    (@unwrap list, $field:ident) => { $field };
}

table_decode!(ModelSection, "[model]", {
    name: required, profile: required, timezone: optional, profile_version: optional,
});
table_decode!(ResourceGroupDoc, "[[resource_group]]", { name: required, slots: required });
table_decode!(WorkflowDoc, "[[workflow]]", {
    name: required, cron: optional, schedule: optional, interval: optional, catchup: optional,
    start_date: optional, end_date: optional, max_active_runs: optional, max_active_tasks: optional,
    failure_strategy: optional, priority: optional, tasks: list = "task",
});
table_decode!(TaskDoc, "[[workflow.task]]", {
    name: required, cron: optional, upstream: optional, resource_group: optional,
    task_group: optional, pool_slots: optional, priority: optional, priority_weight: optional,
    self_dependency: optional, empty: optional, effective: optional, duration: optional, retry: optional,
    timeout: optional, fail: optional, writes: optional, depends: optional,
    depends_relation: optional, depends_groups: optional, check_interval: optional,
    failure_waiting: optional,
});
table_decode!(DependsDoc, "[[workflow.task.depends]]", {
    workflow: required, task: optional, cycle: optional, date_value: optional, group: optional,
}, span = span);
table_decode!(EffectiveDoc, "`effective`", { from: required, to: required }, span = span);
table_decode!(LognormalDoc, "`lognormal`", { median: required, p95: required });
table_decode!(RetryDoc, "`retry`", {
    times: required, interval: optional, backoff: optional, max_interval: optional,
});
table_decode!(FailDoc, "`fail`", { probability: required, after_write: optional });
table_decode!(WriteDoc, "a write", { table: required, partition: optional, mode: required });
table_decode!(ScenarioDoc, "[[scenario]]", {
    name: required, start: required, until: optional, recurring: optional, seeds: optional,
    backfills: list = "backfill", faults: list = "fault", operations: list = "operation",
    stretches: list = "stretch", history: list = "history", triggers: list = "trigger",
});
table_decode!(HistoryDoc, "[[scenario.history]]", {
    task: optional, workflow: optional, scheduled: optional, from: optional, to: optional,
    state: required, writes_landed: optional,
}, span = span);
table_decode!(BackfillDoc, "[[scenario.backfill]]", {
    at: optional, targets: required, downstream: optional, from: optional, to: optional,
    dates: optional,
    window: optional, groups: optional, order: optional, run_immediately: optional,
    reprocess: optional, dependents: optional, all_levels: optional,
}, span = span);
table_decode!(FaultDoc, "[[scenario.fault]]", {
    task: required, scheduled: required, attempts: optional, phase: optional, origin: optional,
});
table_decode!(OperationDoc, "[[scenario.operation]]", {
    at: required, kind: required, task: required, scheduled: required,
});
table_decode!(StretchDoc, "[[scenario.stretch]]", {
    task: required, scheduled: required, factor: required,
});

impl Decode for DurationDoc {
    fn decode(v: &Val<'_>, d: &mut Decoder) -> Option<Self> {
        use toml::de::DeValue;
        match v.get_ref() {
            DeValue::String(_) => Sp::<DurationText>::decode(v, d).map(DurationDoc::Fixed),
            DeValue::Table(map) if map.contains_key("uniform") || map.contains_key("lognormal") => {
                let mut t = TableReader::open(v, "`duration`", d)?;
                let uniform: Option<Sp<Vec<Sp<DurationText>>>> = t.optional("uniform", d);
                let lognormal: Option<LognormalDoc> = t.optional("lognormal", d);
                t.finish(d);
                match (uniform, lognormal) {
                    (Some(_), Some(_)) => {
                        d.push(super::diagnostic::Diagnostic::new(
                            v.span(),
                            "a duration is either uniform or lognormal, not both",
                            "expected one of `uniform` or `lognormal`",
                        ));
                        None
                    }
                    (Some(uniform), None) => Some(DurationDoc::Uniform { uniform }),
                    (None, Some(lognormal)) => Some(DurationDoc::Lognormal { lognormal }),
                    (None, None) => None,
                }
            }
            _ => {
                d.push(super::diagnostic::Diagnostic::new(
                    v.span(),
                    format!(
                        "expected a duration, found {}",
                        super::decode::describe_value(v)
                    ),
                    "expected \"10m\", { uniform = [\"5m\", \"15m\"] } or { lognormal = { median = \"10m\", p95 = \"40m\" } }",
                ));
                None
            }
        }
    }
}
