//! Each scheduler's names for what the model format spells its own way.
//!
//! One list serves two readers: the loader, which turns an unknown key that is a
//! scheduler's name (`depends_on_past`) into "write `self_dependency = true`", and
//! docs/model-format.md, whose table of names is [`markdown`] (tests/model_reference.rs
//! fails when the page and this list differ).

use toml::de::DeValue;

/// The scheduler a name comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheduler {
    Airflow,
    DolphinScheduler,
    DataWorks,
}

impl Scheduler {
    pub fn name(self) -> &'static str {
        match self {
            Scheduler::Airflow => "Airflow",
            Scheduler::DolphinScheduler => "DolphinScheduler",
            Scheduler::DataWorks => "DataWorks",
        }
    }

    /// "Airflow's", "DataWorks'".
    pub fn possessive(self) -> String {
        let name = self.name();
        if name.ends_with('s') {
            format!("{name}'")
        } else {
            format!("{name}'s")
        }
    }
}

/// A table of the model file, named as the loader's messages name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    Rules,
    ResourceGroup,
    Workflow,
    Task,
    Scenario,
    Backfill,
    Operation,
}

impl Place {
    /// The name `TableReader` gives the table in messages.
    pub fn what(self) -> &'static str {
        match self {
            Place::Rules => "[rules]",
            Place::ResourceGroup => "[[resource_group]]",
            Place::Workflow => "[[workflow]]",
            Place::Task => "[[workflow.task]]",
            Place::Scenario => "[[scenario]]",
            Place::Backfill => "[[scenario.backfill]]",
            Place::Operation => "[[scenario.operation]]",
        }
    }
}

/// How the value written under their name carries over into ours.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Carry {
    /// Ours does not take their value.
    Nothing,
    /// An integer, as written.
    Integer,
    /// `true` or `false`.
    Boolean,
    /// A string's text (without quotes).
    Text,
    /// A string's text in lower case (`CONTINUE` → `continue`).
    Lower,
    /// An integer of seconds, as a duration (`300` → `5m`).
    Seconds,
    /// An integer of milliseconds, as a duration (`120000` → `2m`).
    Millis,
    /// DolphinScheduler's priority words (`HIGHEST` … `LOWEST`) or numbers, as 0–4.
    DsPriority,
    /// DolphinScheduler's `ASC_ORDER`/`DESC_ORDER`, as `asc`/`desc`.
    DsOrder,
}

/// One scheduler's name and what the model format writes instead.
#[derive(Clone, Copy, Debug)]
pub struct Alias {
    pub scheduler: Scheduler,
    /// Their name, as their UI, API or export spells it.
    pub theirs: &'static str,
    /// Where their users write it (the table the loader meets it in first).
    pub met: Place,
    /// Where ours is written.
    pub place: Place,
    /// What to write; `{v}` stands for their value carried over per `carry`.
    pub ours: &'static str,
    pub carry: Carry,
    /// `{v}` when their value cannot be carried over (and in the doc's table).
    pub example: &'static str,
    /// How their value maps to ours, for the doc's table.
    pub note: &'static str,
}

macro_rules! aliases {
    ($( $sched:ident $theirs:literal, $met:ident => $place:ident, $ours:literal, $carry:ident, $ex:literal, $note:literal; )+) => {
        /// Every scheduler name the loader recognises, by scheduler, in the doc's order.
        pub const ALIASES: &[Alias] = &[ $( Alias {
            scheduler: Scheduler::$sched,
            theirs: $theirs,
            met: Place::$met,
            place: Place::$place,
            ours: $ours,
            carry: Carry::$carry,
            example: $ex,
            note: $note,
        } ),+ ];
    };
}

aliases! {
    Airflow "dag_id", Workflow => Workflow, "name = \"{v}\"", Text, "orders", "";
    Airflow "schedule_interval", Workflow => Workflow, "cron = \"{v}\"", Text, "0 2 * * *", "Airflow 2's name for `schedule`";
    Airflow "concurrency", Workflow => Workflow, "max_active_tasks = {v}", Integer, "16", "Airflow 1's name for `max_active_tasks`";
    Airflow "task_id", Task => Task, "name = \"{v}\"", Text, "load", "";
    Airflow "upstream_task_ids", Task => Task, "upstream = [\"extract\"]", Nothing, "", "`extract >> load` is `upstream = [\"extract\"]` on `load`";
    Airflow "depends_on_past", Task => Task, "self_dependency = {v}", Boolean, "true", "";
    Airflow "retries", Task => Task, "retry = { times = {v} }", Integer, "3", "";
    Airflow "retry_delay", Task => Task, "retry = { times = 3, interval = \"{v}\" }", Seconds, "5m", "a duration: `timedelta(minutes=5)` is `\"5m\"`";
    Airflow "retry_exponential_backoff", Task => Task, "retry = { times = 3, interval = \"5m\", backoff = \"exponential\" }", Nothing, "", "";
    Airflow "max_retry_delay", Task => Task, "retry = { times = 3, interval = \"5m\", backoff = \"exponential\", max_interval = \"{v}\" }", Seconds, "1h", "a duration; only with `backoff = \"exponential\"`";
    Airflow "execution_timeout", Task => Task, "timeout = \"{v}\"", Seconds, "2h", "a duration";
    Airflow "pool", Task => Task, "resource_group = \"{v}\"", Text, "etl_pool", "a pool is a `[[resource_group]]` with `slots` = the pool's size";
    Airflow "weight_rule", Task => Rules, "weight_rule = \"{v}\"", Lower, "downstream", "a rule knob for the whole model";
    Airflow "max_active_runs", Backfill => Backfill, "groups = {v}", Integer, "4", "`airflow backfill create --max-active-runs`; on a DAG it is ours too (`[[workflow]]`)";
    Airflow "run_backwards", Backfill => Backfill, "order = \"desc\"", Nothing, "", "";
    Airflow "from_date", Backfill => Backfill, "from = \"{v}\"", Text, "2025-03-01", "`--from-date`";
    Airflow "to_date", Backfill => Backfill, "to = \"{v}\"", Text, "2025-03-07", "`--to-date`";
    Airflow "dagrun_timeout", Workflow => Task, "timeout = \"2h\"", Nothing, "", "schedsim times out task attempts, not DAG runs";
    DolphinScheduler "crontab", Workflow => Workflow, "cron = \"{v}\"", Text, "0 0 2 * * ? *", "Quartz dialect";
    DolphinScheduler "failureStrategy", Workflow => Workflow, "failure_strategy = \"{v}\"", Lower, "continue", "CONTINUE or END";
    DolphinScheduler "processInstancePriority", Workflow => Workflow, "priority = {v}", DsPriority, "2", "HIGHEST 0, HIGH 1, MEDIUM 2, LOW 3, LOWEST 4";
    DolphinScheduler "workflowInstancePriority", Workflow => Workflow, "priority = {v}", DsPriority, "2", "HIGHEST 0, HIGH 1, MEDIUM 2, LOW 3, LOWEST 4";
    DolphinScheduler "taskPriority", Task => Task, "priority = {v}", DsPriority, "2", "HIGHEST 0, HIGH 1, MEDIUM 2, LOW 3, LOWEST 4";
    DolphinScheduler "failRetryTimes", Task => Task, "retry = { times = {v} }", Integer, "3", "";
    DolphinScheduler "failRetryInterval", Task => Task, "retry = { times = 3, interval = \"{v}m\" }", Integer, "1", "minutes";
    DolphinScheduler "timeoutFlag", Task => Task, "timeout = \"30m\"", Nothing, "", "OPEN with the timeout strategy FAILED; a timeout in minutes is a duration";
    DolphinScheduler "workerGroup", Task => Task, "resource_group = \"{v}\"", Text, "default", "a `[[resource_group]]` with `slots` = the group's worker threads";
    DolphinScheduler "taskGroupId", Task => Task, "task_group = \"tg_etl\"", Nothing, "", "a task group is a `[[resource_group]]` named in `task_group`, its `slots` the group's size";
    DolphinScheduler "taskGroupName", Task => Task, "task_group = \"{v}\"", Text, "tg_etl", "a `[[resource_group]]` of that name, its `slots` the group's size";
    DolphinScheduler "preTaskCode", Task => Task, "upstream = [\"extract\"]", Nothing, "", "a relation's pre task, by name";
    DolphinScheduler "dependence", Task => Task, "depends = [{ workflow = \"other_workflow\", task = \"task\", cycle = \"day\", date_value = \"today\" }]", Nothing, "", "a DEPENDENT task's items (`[[workflow.task.depends]]`); `relation` OR is `depends_relation = \"or\"`; several groups (`dependTaskList`) are `depends_groups` and each item's `group`; `failurePolicy` DEPENDENT_FAILURE_WAITING is `failure_waiting`";
    DolphinScheduler "runMode", Backfill => Backfill, "`groups = 1` for RUN_MODE_SERIAL, `groups = N` for RUN_MODE_PARALLEL (N = expectedParallelismNumber)", Nothing, "", "";
    DolphinScheduler "expectedParallelismNumber", Backfill => Backfill, "groups = {v}", Integer, "2", "";
    DolphinScheduler "executionOrder", Backfill => Backfill, "order = \"{v}\"", DsOrder, "desc", "ASC_ORDER or DESC_ORDER";
    DolphinScheduler "complementStartDate", Backfill => Backfill, "from = \"{v}\"", Text, "2025-03-01 00:00:00", "";
    DolphinScheduler "complementEndDate", Backfill => Backfill, "to = \"{v}\"", Text, "2025-03-07 00:00:00", "";
    DolphinScheduler "complementScheduleDateList", Backfill => Backfill, "dates = [\"2025-03-01T02:00:00\", \"2025-03-03T02:00:00\"]", Nothing, "", "at most 100";
    DolphinScheduler "complementDependentMode", Backfill => Backfill, "dependents = true", Nothing, "", "ALL_DEPENDENT; `allLevelDependent` is `all_levels = true`";
    DolphinScheduler "taskDependType", Backfill => Backfill, "downstream = true", Nothing, "", "TASK_POST; TASK_ONLY is `downstream = false`";
    DolphinScheduler "commandType", Operation => Operation, "kind = \"rerun\"", Nothing, "", "REPEAT_RUNNING is `rerun`, START_FAILURE_TASK_PROCESS `rerun_failed`";
    DataWorks "resourceGroup", Task => Task, "resource_group = \"{v}\"", Text, "di_shared", "a `[[resource_group]]` with `slots` = its concurrency";
    DataWorks "rerunTimes", Task => Task, "retry = { times = {v} }", Integer, "3", "auto rerun upon failure, 1 to 10";
    DataWorks "rerunInterval", Task => Task, "retry = { times = 3, interval = \"{v}\" }", Millis, "2m", "milliseconds in FlowSpec, 1 to 30 minutes";
    DataWorks "rerunMode", Task => Scenario, "a `[[scenario.operation]]` with `kind = \"rerun\"`", Nothing, "", "the rerun property only permits reruns; a scenario's operations perform them";
    DataWorks "dependencies", Task => Task, "upstream = [\"other_workflow.task\"]", Nothing, "", "FlowSpec's `depends` (`Normal`) too; `depends` is schedsim's DolphinScheduler DEPENDENT key, refused under dataworks with this advice";
    DataWorks "CrossCycleDependsOnSelf", Task => Task, "self_dependency = true", Nothing, "", "depends on its own previous cycle";
    DataWorks "startEffectDate", Task => Task, "effective = { from = \"{v}\", to = \"9999-12-31\" }", Text, "2025-01-01", "";
    DataWorks "endEffectDate", Task => Task, "effective = { from = \"1970-01-01\", to = \"{v}\" }", Text, "2099-12-31", "";
    DataWorks "cronExpress", Task => Task, "cron = \"{v}\"", Text, "00 00 02 * * ?", "a node's own schedule";
    DataWorks "startBizDate", Backfill => Backfill, "from = \"{v}\"", Text, "2025-03-01", "business dates";
    DataWorks "endBizDate", Backfill => Backfill, "to = \"{v}\"", Text, "2025-03-07", "business dates";
    DataWorks "parallelism", Backfill => Backfill, "groups = {v}", Integer, "3", "`ConcurrentRuns` in the old API";
    DataWorks "concurrentRuns", Backfill => Backfill, "groups = {v}", Integer, "3", "";
    DataWorks "bizBeginTime", Backfill => Backfill, "window = \"00:00-01:00\"", Nothing, "", "with `bizEndTime`";
    DataWorks "startFutureInstanceImmediately", Backfill => Backfill, "run_immediately = {v}", Boolean, "true", "";
}

/// A scheduler's (or SQL's) word for one of our values: (what the value is, as the
/// loader's messages name it; their word; whose; ours).
pub const WORDS: &[(&str, &str, &str, &str)] = &[
    ("operation kind", "clear", "Airflow", "rerun"),
    (
        "operation kind",
        "clear_upstream",
        "Airflow",
        "rerun_upstream",
    ),
    (
        "operation kind",
        "clear_downstream",
        "Airflow",
        "rerun_downstream",
    ),
    ("operation kind", "mark_success", "Airflow", "set_success"),
    (
        "operation kind",
        "REPEAT_RUNNING",
        "DolphinScheduler",
        "rerun",
    ),
    (
        "operation kind",
        "START_FAILURE_TASK_PROCESS",
        "DolphinScheduler",
        "rerun_failed",
    ),
    ("operation kind", "STOP", "DolphinScheduler", "kill"),
    (
        "operation kind",
        "rerun_descendant_nodes",
        "DataWorks",
        "rerun_downstream",
    ),
    ("operation kind", "suspend", "DataWorks", "freeze"),
    ("operation kind", "resume", "DataWorks", "unfreeze"),
    ("write mode", "INSERT OVERWRITE", "SQL", "overwrite"),
    ("write mode", "INSERT INTO", "SQL", "insert"),
    ("write mode", "MERGE INTO", "SQL", "merge"),
];

/// "`clear` is Airflow's word: write `\"rerun\"`", for an unknown value of `what`.
pub fn word_help(what: &str, word: &str) -> Option<String> {
    let folded = fold(word);
    WORDS
        .iter()
        .find(|(w, theirs, _, _)| *w == what && fold(theirs) == folded)
        .map(|(_, _, who, ours)| {
            if *who == "SQL" {
                format!("`{word}` is SQL: write `\"{ours}\"`")
            } else {
                format!("`{word}` is {who}'s word: write `\"{ours}\"`")
            }
        })
}

/// Drops "is missing the required key `from`" when, inside that table, a scheduler's
/// name was already told to write `from = ...` (`startBizDate`): one problem, one
/// message.
pub fn drop_followers(source: &str, diagnostics: &mut Vec<super::Diagnostic>) {
    const MISSING: &str = "is missing the required key `";
    let said: Vec<(std::ops::Range<usize>, String)> = diagnostics
        .iter()
        .filter(|d| d.message.contains(" name: write `"))
        .map(|d| (d.span.clone(), d.message.clone()))
        .collect();
    diagnostics.retain(|d| {
        let Some(at) = d.message.find(MISSING) else {
            return true;
        };
        let key = d.message[at + MISSING.len()..]
            .split('`')
            .next()
            .unwrap_or("");
        let write = format!("write `{key} = ");
        // The table runs from its header to the next line that opens a table.
        let body = source.get(d.span.end..).unwrap_or("");
        let end = body
            .match_indices('\n')
            .map(|(i, _)| i + 1)
            .find(|&i| body[i..].trim_start().starts_with('['))
            .map_or(source.len(), |i| d.span.end + i);
        !said.iter().any(|(span, message)| {
            message.contains(&write) && d.span.start <= span.start && span.end <= end
        })
    });
}

/// Their name as the loader compares it: lower case, without `_` and `-`.
fn fold(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, '_' | '-' | ' '))
        .flat_map(char::to_lowercase)
        .collect()
}

/// The alias `key` is, if any: one met in the table `what` first, else any.
pub fn lookup(what: &str, key: &str) -> Option<&'static Alias> {
    let key = fold(key);
    let mut found = ALIASES.iter().filter(|a| fold(a.theirs) == key);
    let all: Vec<&Alias> = found.by_ref().collect();
    all.iter()
        .find(|a| a.met.what() == what)
        .or_else(|| all.first())
        .copied()
}

/// Ours for their retry count (`retries`, `failRetryTimes`, `rerunTimes`).
const RETRY_TIMES: &str = "retry = { times = {v} }";

/// The retry count written under their name among `entries` (a table's keys and
/// values), which their other retry names' suggestions then carry.
pub fn retry_times<'a, 'i: 'a>(
    what: &str,
    entries: impl IntoIterator<Item = (&'a str, &'a DeValue<'i>)>,
) -> Option<String> {
    entries.into_iter().find_map(|(k, v)| {
        lookup(what, k)
            .filter(|a| a.ours == RETRY_TIMES)
            .and_then(|a| carry(a.carry, v))
    })
}

/// What to write, with `value` carried over when it fits, else the example; `times`
/// replaces the example's retry count (their `retries` beside their `retry_delay`).
pub fn suggestion(alias: &Alias, value: Option<&DeValue<'_>>, times: Option<&str>) -> String {
    let carried = value.and_then(|v| carry(alias.carry, v));
    let v = carried.as_deref().unwrap_or(alias.example);
    let ours = alias.ours.replace("{v}", v);
    match times {
        Some(t) if alias.ours != RETRY_TIMES => {
            ours.replace("retry = { times = 3", &format!("retry = {{ times = {t}"))
        }
        _ => ours,
    }
}

/// "`depends_on_past` is Airflow's name: write `self_dependency = true`" (with where,
/// when ours goes elsewhere than the table it was met in).
pub fn message(
    alias: &Alias,
    key: &str,
    met_in: &str,
    value: Option<&DeValue<'_>>,
    times: Option<&str>,
) -> String {
    let ours = suggestion(alias, value, times);
    let ours = if ours.contains('`') {
        ours
    } else {
        format!("`{ours}`")
    };
    let place = if alias.place.what() == met_in {
        String::new()
    } else {
        format!(" in {}", alias.place.what())
    };
    format!(
        "`{key}` is {} name: write {ours}{place}",
        alias.scheduler.possessive()
    )
}

fn carry(how: Carry, v: &DeValue<'_>) -> Option<String> {
    let plain = |s: &str| !s.is_empty() && !s.contains(['"', '\\', '\n', '`']);
    match (how, v) {
        (Carry::Nothing, _) => None,
        (Carry::Integer, DeValue::Integer(i)) if i.radix() == 10 => Some(i.as_str().to_string()),
        (Carry::Boolean, DeValue::Boolean(b)) => Some(b.to_string()),
        (Carry::Text, DeValue::String(s)) if plain(s) => Some(s.to_string()),
        (Carry::Lower, DeValue::String(s)) if plain(s) => Some(s.to_lowercase()),
        (Carry::Seconds, DeValue::Integer(i)) if i.radix() == 10 => {
            duration_text(i.as_str().parse().ok()?)
        }
        (Carry::Millis, DeValue::Integer(i)) if i.radix() == 10 => {
            let ms: u64 = i.as_str().parse().ok()?;
            if !ms.is_multiple_of(1000) {
                return None;
            }
            duration_text(ms / 1000)
        }
        (Carry::DsPriority, DeValue::String(s)) => {
            let words = ["HIGHEST", "HIGH", "MEDIUM", "LOW", "LOWEST"];
            let n = words.iter().position(|w| w.eq_ignore_ascii_case(s))?;
            Some(n.to_string())
        }
        (Carry::DsPriority, DeValue::Integer(i)) if i.radix() == 10 => {
            let n: u32 = i.as_str().parse().ok()?;
            (n <= 4).then(|| n.to_string())
        }
        (Carry::DsOrder, DeValue::String(s)) => match s.to_ascii_uppercase().as_str() {
            "ASC_ORDER" | "ASC" => Some("asc".into()),
            "DESC_ORDER" | "DESC" => Some("desc".into()),
            _ => None,
        },
        _ => None,
    }
}

/// `300` → `"5m"`, `7200` → `"2h"`, `90` → `"90s"`; nothing for 0.
fn duration_text(s: u64) -> Option<String> {
    Some(match s {
        0 => return None,
        s if s.is_multiple_of(3600) => format!("{}h", s / 3600),
        s if s.is_multiple_of(60) => format!("{}m", s / 60),
        s => format!("{s}s"),
    })
}

/// The table of docs/model-format.md: scheduler, their name, what to write, where.
pub fn markdown() -> String {
    let mut out = String::from(
        "| scheduler | their name | write in schedsim | in | note |\n|---|---|---|---|---|\n",
    );
    for a in ALIASES {
        let ours = a.ours.replace("{v}", a.example);
        let ours = if ours.contains('`') {
            ours
        } else {
            format!("`{ours}`")
        };
        out.push_str(&format!(
            "| {} | `{}` | {} | `{}` | {} |\n",
            a.scheduler.name(),
            a.theirs,
            ours.replace('|', "\\|"),
            a.place.what(),
            a.note.replace('|', "\\|"),
        ));
    }
    out.push_str(
        "\nTheir words for our values:\n\n| scheduler | their word | write | for |\n|---|---|---|---|\n",
    );
    for (what, theirs, who, ours) in WORDS {
        out.push_str(&format!("| {who} | `{theirs}` | `\"{ours}\"` | {what} |\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_name_is_listed_twice_for_one_table() {
        for (i, a) in ALIASES.iter().enumerate() {
            for b in &ALIASES[i + 1..] {
                assert!(
                    !(fold(a.theirs) == fold(b.theirs) && a.met == b.met),
                    "{} twice",
                    a.theirs
                );
            }
        }
    }

    #[test]
    fn every_placeholder_has_a_way_to_be_filled() {
        for a in ALIASES {
            let has = a.ours.contains("{v}");
            assert_eq!(has, a.carry != Carry::Nothing, "{}", a.theirs);
            assert_eq!(has, !a.example.is_empty(), "{}", a.theirs);
        }
    }

    #[test]
    fn lookup_ignores_case_and_separators_and_prefers_the_table_it_was_met_in() {
        let a = lookup("[[workflow.task]]", "fail_retry_times").unwrap();
        assert_eq!(a.theirs, "failRetryTimes");
        let a = lookup("[[workflow]]", "retries").unwrap();
        assert_eq!(a.place, Place::Task);
        let a = lookup("[[scenario.backfill]]", "max_active_runs").unwrap();
        assert_eq!(a.place, Place::Backfill);
        assert!(lookup("[[workflow.task]]", "upstreams").is_none());
    }

    #[test]
    fn their_retry_count_beside_their_retry_delay_is_carried_into_one_line() {
        let t = toml::de::DeTable::parse("retries = 5\nretry_delay = 600").unwrap();
        let entries: Vec<(&str, &DeValue<'_>)> = t
            .get_ref()
            .iter()
            .map(|(k, v)| (k.get_ref().as_ref(), v.get_ref()))
            .collect();
        let times = retry_times("[[workflow.task]]", entries.iter().copied());
        assert_eq!(times.as_deref(), Some("5"));
        let delay = lookup("[[workflow.task]]", "retry_delay").unwrap();
        assert_eq!(
            suggestion(delay, Some(entries[1].1), times.as_deref()),
            "retry = { times = 5, interval = \"10m\" }"
        );
        let retries = lookup("[[workflow.task]]", "retries").unwrap();
        assert_eq!(
            suggestion(retries, Some(entries[0].1), times.as_deref()),
            "retry = { times = 5 }"
        );
    }

    #[test]
    fn values_carry_over_in_our_units() {
        let ms = toml::de::DeTable::parse("v = 90000").unwrap();
        let v = ms.get_ref().get("v").unwrap().get_ref();
        assert_eq!(carry(Carry::Millis, v).as_deref(), Some("90s"));
        let p = toml::de::DeTable::parse("v = \"lowest\"").unwrap();
        let v = p.get_ref().get("v").unwrap().get_ref();
        assert_eq!(carry(Carry::DsPriority, v).as_deref(), Some("4"));
        // A value of the wrong kind falls back to the example, never a wrong unit.
        assert_eq!(carry(Carry::Integer, v), None);
    }
}
