//! Profiles and their rule knobs.
//!
//! A profile is data: a preset of named rule knobs that the mechanisms read. Nothing
//! downstream asks "is this DataWorks?"; it asks the knob. A model may override any
//! knob in its `[rules]` table, which is how a user tries a rule change. The knob
//! names, their words and each profile's preset are documented in SEMANTICS.md.

use crate::keyword_enum;

keyword_enum! {
    /// The scheduler whose semantics a model follows.
    pub enum Profile ("profile") {
        Dataworks = "dataworks",
        Dolphinscheduler = "dolphinscheduler",
        Airflow = "airflow",
    }
}

/// DataWorks runs at most this many groups of business dates of one backfill in
/// parallel (its OpenAPI's `Parallelism` takes 1 to 10; research/dataworks.md, open
/// question 3).
pub const DATAWORKS_MAX_GROUPS: u32 = 10;

keyword_enum! {
    /// A DolphinScheduler release line whose backfill rules differ from the others.
    pub enum DsVersion ("dolphinscheduler profile_version") {
        V3_1 = "3.1",
        V3_2 = "3.2",
        V3_3 = "3.3",
    }
}

keyword_enum! {
    /// Which cron grammar schedules are written in.
    pub enum CronDialect ("cron dialect") {
        /// 6 fields, seconds 0, 1 = Monday.
        Dataworks = "dataworks",
        /// Quartz 6 or 7 fields, 1 = Sunday, exactly one day field `?`.
        Quartz = "quartz",
        /// Unix 5 fields, presets, Vixie OR of the day fields.
        Unix = "unix",
    }
}

keyword_enum! {
    /// What a local fire time inside a spring-forward gap becomes.
    pub enum DstGap ("dst_gap policy") {
        Skip = "skip",
        FirstValid = "first_valid",
        ShiftByGap = "shift_by_gap",
    }
}

keyword_enum! {
    /// Which of the two instants of a repeated local time fires.
    pub enum DstFold ("dst_fold policy") {
        First = "first",
        Second = "second",
        Both = "both",
    }
}

keyword_enum! {
    /// How the next fire time is found.
    pub enum CronStepping ("cron stepping") {
        /// The local times the expression names, each resolved by `dst_gap`/`dst_fold`.
        Calendar = "calendar",
        /// Airflow 3.3.2's CronMixin: the next tick from the previous one, computed on
        /// naive local time and made aware with `dst_gap`/`dst_fold`, or, when the hour
        /// field covers every hour, by adding the naive difference to the instant.
        Airflow = "airflow",
    }
}

keyword_enum! {
    /// Which date names the data an instance is for.
    pub enum DateConvention ("date convention") {
        /// DataWorks: calendar date of the scheduled time minus one day.
        BusinessDate = "business_date",
        /// DolphinScheduler: the fire time itself.
        ScheduleTime = "schedule_time",
        /// Airflow: the start of the data interval.
        LogicalDate = "logical_date",
    }
}

keyword_enum! {
    /// Airflow timetable: when the run for a cron tick runs.
    pub enum Timetable ("timetable") {
        /// Airflow 3 default: the run for a tick runs at the tick.
        Trigger = "trigger",
        /// Airflow 2 default: the run for [t0, t1) runs at t1.
        Interval = "interval",
    }
}

keyword_enum! {
    /// What a weekly, monthly or yearly task has on the days it does not run.
    pub enum OffDayInstances ("off-day instances") {
        /// DataWorks: an instance every day, a dry-run on days off.
        DryRun = "dry_run",
        /// No instance on days off.
        None = "none",
    }
}

keyword_enum! {
    /// What a backfill range whose start equals its end creates.
    pub enum SingleDayRange ("single-day range rule") {
        /// DolphinScheduler: exactly one date, the start, without consulting the cron.
        OneDate = "one_date",
        /// Every fire time of the cron inside the range.
        FromCron = "from_cron",
    }
}

keyword_enum! {
    /// What a backfill of a task without a schedule uses.
    pub enum MissingSchedule ("missing-schedule rule") {
        /// Refuse the backfill: there are no dates to create.
        Error = "error",
        /// DolphinScheduler: `0 0 0 * * ? *`, once a day at 00:00 (DS §1.2).
        DailyMidnight = "daily_midnight",
    }
}

keyword_enum! {
    /// What a daily (or rarer) instance becomes when its time falls in a DST gap.
    pub enum GapInstances ("gap-instance rule") {
        /// It runs at the time the gap rule gives.
        Run = "run",
        /// DataWorks (DW §2 D2): delayed by the gap and dry-run.
        DryRun = "dry_run",
    }
}

keyword_enum! {
    /// How the dates of a parallel backfill are split into chains.
    pub enum GroupSplit ("group split") {
        /// Contiguous, balanced chains (DataWorks, DolphinScheduler 3.1).
        Contiguous = "contiguous",
        /// Round-robin into min(N, P) chains (DolphinScheduler 3.2).
        RoundRobin = "round_robin",
        /// Chunks of size min(N, P), all at once (DolphinScheduler 3.3, issue #17831).
        Chunks = "chunks",
        /// A sliding window of at most P dates in flight (Airflow max_active_runs).
        Window = "window",
    }
}

keyword_enum! {
    /// What a chain of backfill dates does after one date fails.
    pub enum ChainOnFailure ("chain-on-failure rule") {
        Stop = "stop",
        Continue = "continue",
    }
}

keyword_enum! {
    /// Order of backfill dates.
    pub enum Order ("order") {
        Asc = "asc",
        Desc = "desc",
    }
}

keyword_enum! {
    /// What a backfill does with instances whose scheduled time is still in the future.
    pub enum FutureInstances ("future-instance rule") {
        /// Wait for the scheduled time (DataWorks `waiting_time`).
        Wait = "wait",
        /// Run at once (DolphinScheduler).
        Run = "run",
        /// Do not create them (Airflow: intervals not yet ended).
        Skip = "skip",
    }
}

keyword_enum! {
    /// How far a self-dependency reaches in a backfill.
    pub enum BackfillSelfDependency ("backfill self-dependency scope") {
        /// DataWorks: only within one business date; dates follow the group rule.
        WithinDate = "within_date",
        /// Across dates: each date's first instance waits for the previous date's last.
        AcrossDates = "across_dates",
    }
}

keyword_enum! {
    /// Whether the first run of a backfill waits for the run before it.
    pub enum FirstRunSelfDependency ("first-run self-dependency rule") {
        Wait = "wait",
        /// Airflow: depends_on_past is ignored for the first run of a backfill.
        Ignore = "ignore",
    }
}

keyword_enum! {
    /// Whether a backfill may run its dates newest first when a task depends on its
    /// own previous run.
    pub enum ReverseSelfDependency ("reverse self-dependency rule") {
        Allow = "allow",
        /// Airflow: `InvalidBackfillDirection` (AF §1, test B7).
        Reject = "reject",
    }
}

keyword_enum! {
    /// What a retry creates.
    pub enum RetryCreates ("retry rule") {
        /// DataWorks, Airflow: another execution of the same instance.
        SameInstance = "same_instance",
        /// DolphinScheduler: a new task-instance row in the same workflow instance.
        NewRow = "new_row",
    }
}

keyword_enum! {
    /// What a manual rerun of an instance re-executes.
    pub enum RerunScope ("rerun scope") {
        /// DataWorks rerun, Airflow clear: that instance alone.
        Instance = "instance",
        /// DolphinScheduler REPEAT_RUNNING: every task of its workflow instance (DS §3).
        WorkflowInstance = "workflow_instance",
    }
}

keyword_enum! {
    /// What rerunning (`rerun`, `rerun_failed`) a backfill date does to the dates
    /// after it in its chain.
    pub enum RerunComplement ("rerun-complement rule") {
        /// Nothing: only that date runs again.
        Single = "single",
        /// DolphinScheduler: the complement goes on from the rerun or recovered date
        /// once it succeeds, and creates the later dates again (issues #12586, #3993);
        /// those its stopped chain never started run for the first time.
        RegenerateLater = "regenerate_later",
    }
}

keyword_enum! {
    /// How the interval between retries grows.
    pub enum Backoff ("backoff") {
        Fixed = "fixed",
        /// Airflow: ceil(delay * 2^(try-1)) plus a deterministic jitter.
        Exponential = "exponential",
    }
}

keyword_enum! {
    /// What the other tasks of a workflow instance do after a task fails.
    pub enum FailureStrategy ("failure strategy") {
        /// Independent branches finish.
        Continue = "continue",
        /// Running tasks are killed, nothing new starts.
        End = "end",
    }
}

keyword_enum! {
    /// Which priority number goes first in a queue.
    pub enum PriorityOrder ("priority order") {
        /// DataWorks (1..8), Airflow priority_weight.
        HigherFirst = "higher_first",
        /// DolphinScheduler: 0 = HIGHEST ... 4 = LOWEST.
        LowerFirst = "lower_first",
    }
}

keyword_enum! {
    /// How a task's effective priority is computed from the graph.
    pub enum WeightRule ("weight rule") {
        /// Its own priority.
        Absolute = "absolute",
        /// Airflow default: its own plus every downstream task's.
        Downstream = "downstream",
        /// DataWorks downward weighting: its own plus every upstream task's.
        Upstream = "upstream",
    }
}

keyword_enum! {
    /// What a DolphinScheduler complement with `complementDependentMode =
    /// ALL_DEPENDENT` (`dependents = true`) does with the downstream workflows.
    pub enum ComplementDependents ("complement-dependents rule") {
        /// 3.1.9, 3.2.2 `createComplementDependentCommand`: a complement of each
        /// downstream workflow whose DEPENDENT item names the target, same dates.
        Clone = "clone",
        /// 3.3 `doBackfillDependentWorkflow` is `// todo:`: nothing.
        Ignore = "ignore",
    }
}

keyword_enum! {
    /// What one unit of a backfill or of the recurring schedule holds when its targets
    /// span several workflows.
    pub enum UnitScope ("unit scope") {
        /// DataWorks: a business date holds every target node's instances, whatever
        /// their workflow (one data backfill selects nodes across workflows).
        AllTargets = "all_targets",
        /// DolphinScheduler, Airflow: a run is one workflow's (a workflow instance, a
        /// DAG run): a complement or backfill takes one workflow, and runs in flight
        /// and dates in parallel count per workflow. Workflows joined by a
        /// cross-workflow upstream (bound at equal run times) run together.
        Workflow = "workflow",
    }
}

keyword_enum! {
    /// How a DEPENDENT task reads the upstream instances and decides
    /// (`DependentExecute`).
    pub enum DependentExecute ("dependent-execute rule") {
        /// 3.1.9: ALL is the workflow instance's state; a task item takes the last
        /// workflow instance whatever tasks it ran; no first-instance rule; a group is
        /// decided at the check after the one that saw it decide; no failure policy.
        Classic = "classic",
        /// 3.2.2 on: ALL also needs each task succeeded; a task item takes the last
        /// instance that ran the task; an item on its own workflow succeeds for the
        /// workflow's first instance ever.
        TaskAware = "task_aware",
    }
}

/// Declares the knob table once: the resolved [`Rules`], the `[rules]` overrides of
/// a model file, and the list of knob names.
macro_rules! knobs {
    ( $( $(#[$meta:meta])* $name:ident : $ty:ty ),+ $(,)? ) => {
        /// Every rule knob with its value: a profile's preset with the model's overrides.
        #[derive(Clone, Debug, PartialEq, serde::Serialize)]
        pub struct Rules { $( $(#[$meta])* pub $name: $ty ),+ }

        /// The `[rules]` table of a model: knobs the model sets, with where.
        #[derive(Clone, Debug, Default, serde::Serialize, schemars::JsonSchema)]
        #[serde(deny_unknown_fields)]
        pub struct RuleOverrides {
            $( $(#[$meta])* #[serde(skip_serializing_if = "Option::is_none")]
               pub $name: Option<crate::model::span::Sp<$ty>> ),+
        }

        impl RuleOverrides {
            /// The knob names, as a model spells them.
            pub const NAMES: &'static [&'static str] = &[ $( stringify!($name) ),+ ];

            pub(crate) fn decode(
                table: &mut crate::model::decode::TableReader<'_, '_>,
                d: &mut crate::model::decode::Decoder,
            ) -> Self {
                Self { $( $name: table.optional(stringify!($name), d) ),+ }
            }

            /// `rules` with every knob this table sets replaced.
            pub fn apply(&self, mut rules: Rules) -> Rules {
                $( if let Some(v) = &self.$name { rules.$name = v.value.clone(); } )+
                rules
            }
        }
    };
}

knobs! {
    /// Grammar of cron expressions.
    cron_dialect: CronDialect,
    /// A fire time inside a spring-forward gap.
    dst_gap: DstGap,
    /// A fire time inside a fall-back fold.
    dst_fold: DstFold,
    /// How the next fire time is found.
    cron_stepping: CronStepping,
    /// The date that names an instance's data.
    date_convention: DateConvention,
    /// When the run for a tick runs (logical-date convention).
    timetable: Timetable,
    /// Instances of weekly/monthly/yearly tasks on their days off.
    off_day_instances: OffDayInstances,
    /// A daily (or rarer) instance whose time falls in a DST gap.
    gap_instances: GapInstances,
    /// A backfill range whose start equals its end.
    single_day_range: SingleDayRange,
    /// A backfill of a task without a schedule.
    missing_schedule: MissingSchedule,
    /// Dates in parallel when a backfill names no `groups`.
    date_groups: u32,
    /// How parallel backfill dates are split.
    group_split: GroupSplit,
    /// What a chain does after a date fails.
    chain_on_failure: ChainOnFailure,
    /// Order of backfill dates when a backfill names none.
    order: Order,
    /// Backfill instances whose scheduled time is in the future.
    future_instances: FutureInstances,
    /// Reach of self-dependency in a backfill.
    backfill_self_dependency: BackfillSelfDependency,
    /// A descending backfill of self-dependent tasks.
    reverse_self_dependency: ReverseSelfDependency,
    /// Whether a backfill's first run waits for the run before it.
    first_run_self_dependency: FirstRunSelfDependency,
    /// What a retry creates.
    retry_creates: RetryCreates,
    /// What a manual rerun re-executes.
    rerun_scope: RerunScope,
    /// What rerunning a backfill date does to the later dates of its chain.
    rerun_complement: RerunComplement,
    /// Whether a timed-out attempt is retried.
    retry_on_timeout: bool,
    /// Growth of the retry interval when a task names none.
    backoff: Backoff,
    /// What a workflow instance does after a task fails.
    failure_strategy: FailureStrategy,
    /// Which priority number goes first.
    priority_order: PriorityOrder,
    /// How priorities add up along the graph.
    weight_rule: WeightRule,
    /// Slots of the resource group named "default" when the model does not declare it.
    default_slots: u32,
    /// What a complement of dependent workflows (`dependents = true`) creates.
    complement_dependents: ComplementDependents,
    /// Seconds between two checks of a DEPENDENT task when it names no `check_interval`.
    dependent_check_interval: u32,
    /// How a DEPENDENT task reads the upstream instances and decides.
    dependent_execute: DependentExecute,
    /// What one unit holds when the targets span several workflows.
    unit_scope: UnitScope,
}

impl Rules {
    /// The preset of a profile (and, for DolphinScheduler, of a release line).
    pub fn preset(profile: Profile, ds_version: DsVersion) -> Rules {
        match profile {
            // DW §2 (DST, dry-runs), §6 (backfill), §7 (retries), §8 (priority).
            Profile::Dataworks => Rules {
                cron_dialect: CronDialect::Dataworks,
                dst_gap: DstGap::ShiftByGap,
                dst_fold: DstFold::Second,
                cron_stepping: CronStepping::Calendar,
                date_convention: DateConvention::BusinessDate,
                timetable: Timetable::Trigger,
                off_day_instances: OffDayInstances::DryRun,
                gap_instances: GapInstances::DryRun,
                single_day_range: SingleDayRange::FromCron,
                missing_schedule: MissingSchedule::Error,
                date_groups: 1,
                group_split: GroupSplit::Contiguous,
                chain_on_failure: ChainOnFailure::Stop,
                order: Order::Asc,
                future_instances: FutureInstances::Wait,
                backfill_self_dependency: BackfillSelfDependency::WithinDate,
                first_run_self_dependency: FirstRunSelfDependency::Wait,
                reverse_self_dependency: ReverseSelfDependency::Allow,
                retry_creates: RetryCreates::SameInstance,
                rerun_scope: RerunScope::Instance,
                rerun_complement: RerunComplement::Single,
                retry_on_timeout: false,
                backoff: Backoff::Fixed,
                failure_strategy: FailureStrategy::Continue,
                priority_order: PriorityOrder::HigherFirst,
                weight_rule: WeightRule::Absolute,
                default_slots: 50,
                complement_dependents: ComplementDependents::Ignore,
                dependent_check_interval: 10,
                dependent_execute: DependentExecute::TaskAware,
                unit_scope: UnitScope::AllTargets,
            },
            // DS §1 (complement), §2 (retry), §4 (failure strategy, priority), §5 (slots).
            Profile::Dolphinscheduler => Rules {
                cron_dialect: CronDialect::Quartz,
                dst_gap: DstGap::Skip,
                dst_fold: DstFold::Second,
                cron_stepping: CronStepping::Calendar,
                date_convention: DateConvention::ScheduleTime,
                timetable: Timetable::Trigger,
                off_day_instances: OffDayInstances::None,
                gap_instances: GapInstances::Run,
                single_day_range: SingleDayRange::OneDate,
                missing_schedule: MissingSchedule::DailyMidnight,
                date_groups: 1,
                group_split: match ds_version {
                    DsVersion::V3_1 => GroupSplit::Contiguous,
                    DsVersion::V3_2 => GroupSplit::RoundRobin,
                    DsVersion::V3_3 => GroupSplit::Chunks,
                },
                chain_on_failure: ChainOnFailure::Stop,
                // 3.1.9 has no execution order and walks the cron's dates ascending
                // (`WorkflowExecuteRunnable`: `CronUtils.getSelfFireDateList`); 3.2.2
                // defaults a null order to DESC_ORDER; 3.3 serial sorts ascending.
                order: match ds_version {
                    DsVersion::V3_1 | DsVersion::V3_3 => Order::Asc,
                    DsVersion::V3_2 => Order::Desc,
                },
                future_instances: FutureInstances::Run,
                backfill_self_dependency: BackfillSelfDependency::AcrossDates,
                first_run_self_dependency: FirstRunSelfDependency::Wait,
                reverse_self_dependency: ReverseSelfDependency::Allow,
                retry_creates: RetryCreates::NewRow,
                rerun_scope: RerunScope::WorkflowInstance,
                rerun_complement: RerunComplement::RegenerateLater,
                retry_on_timeout: ds_version != DsVersion::V3_3,
                backoff: Backoff::Fixed,
                failure_strategy: FailureStrategy::Continue,
                priority_order: PriorityOrder::LowerFirst,
                weight_rule: WeightRule::Absolute,
                default_slots: 100,
                complement_dependents: match ds_version {
                    DsVersion::V3_1 | DsVersion::V3_2 => ComplementDependents::Clone,
                    DsVersion::V3_3 => ComplementDependents::Ignore,
                },
                // 3.1.9 checks a DEPENDENT task at each `state-wheel-interval` (5 s,
                // StateWheelExecuteThread); 3.2.2 every `checkInterval` (10 s,
                // DependentAsyncTaskExecuteFunction.DEFAULT_STATE_CHECK_INTERVAL).
                dependent_check_interval: match ds_version {
                    DsVersion::V3_1 => 5,
                    DsVersion::V3_2 | DsVersion::V3_3 => 10,
                },
                dependent_execute: match ds_version {
                    DsVersion::V3_1 => DependentExecute::Classic,
                    DsVersion::V3_2 | DsVersion::V3_3 => DependentExecute::TaskAware,
                },
                unit_scope: UnitScope::Workflow,
            },
            // AF §0-§5.
            Profile::Airflow => Rules {
                cron_dialect: CronDialect::Unix,
                dst_gap: DstGap::ShiftByGap,
                dst_fold: DstFold::Second,
                cron_stepping: CronStepping::Airflow,
                date_convention: DateConvention::LogicalDate,
                timetable: Timetable::Trigger,
                off_day_instances: OffDayInstances::None,
                gap_instances: GapInstances::Run,
                single_day_range: SingleDayRange::FromCron,
                missing_schedule: MissingSchedule::Error,
                date_groups: 10,
                group_split: GroupSplit::Window,
                chain_on_failure: ChainOnFailure::Continue,
                order: Order::Asc,
                future_instances: FutureInstances::Skip,
                backfill_self_dependency: BackfillSelfDependency::AcrossDates,
                first_run_self_dependency: FirstRunSelfDependency::Ignore,
                reverse_self_dependency: ReverseSelfDependency::Reject,
                retry_creates: RetryCreates::SameInstance,
                rerun_scope: RerunScope::Instance,
                rerun_complement: RerunComplement::Single,
                retry_on_timeout: true,
                backoff: Backoff::Fixed,
                failure_strategy: FailureStrategy::Continue,
                priority_order: PriorityOrder::HigherFirst,
                weight_rule: WeightRule::Downstream,
                default_slots: 128,
                complement_dependents: ComplementDependents::Ignore,
                dependent_check_interval: 10,
                dependent_execute: DependentExecute::TaskAware,
                unit_scope: UnitScope::Workflow,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keyword::Keyword;

    #[test]
    fn dolphinscheduler_versions_differ_exactly_where_the_research_says() {
        let v31 = Rules::preset(Profile::Dolphinscheduler, DsVersion::V3_1);
        let v32 = Rules::preset(Profile::Dolphinscheduler, DsVersion::V3_2);
        let v33 = Rules::preset(Profile::Dolphinscheduler, DsVersion::V3_3);
        assert_eq!(v31.group_split, GroupSplit::Contiguous);
        assert_eq!(v32.group_split, GroupSplit::RoundRobin);
        assert_eq!(v33.group_split, GroupSplit::Chunks);
        assert_eq!(v31.order, Order::Asc);
        assert_eq!(v32.order, Order::Desc);
        assert_eq!(v33.order, Order::Asc);
        assert!(v32.retry_on_timeout && !v33.retry_on_timeout);
    }

    #[test]
    fn knob_words_round_trip() {
        for (word, value) in GroupSplit::ALL {
            assert_eq!(GroupSplit::from_word(word), Some(*value));
            assert_eq!(value.word(), *word);
        }
        assert_eq!(Profile::from_word("Airflow"), None);
    }
}
