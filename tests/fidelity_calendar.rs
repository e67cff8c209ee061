//! Issue 13, "Calendar and parameters": the Quartz dialect against Quartz 2.3.2 and
//! DolphinScheduler's validator (cron-utils 9.1.6), the DataWorks dialect's step
//! bounds, and `--max-instances` sized by the year field. Each test is named after the
//! engine code it pins; the fire times come from tests/conformance/quartz-2.3.2.jsonl
//! or from running Quartz 2.3.2 on the expression.

use std::path::PathBuf;
use std::process::Output;

use schedsim::calendar::CronExpr;
use schedsim::rules::CronDialect;

#[path = "support/bin.rs"]
mod bin;
use bin::{schedsim, text};

fn cron(expr: &str, profile: &str, from: &str, to: &str) -> Output {
    schedsim(&[
        "cron",
        expr,
        "--profile",
        profile,
        "--from",
        from,
        "--to",
        to,
    ])
}

fn quartz_err(expr: &str) -> String {
    let e = CronExpr::parse(expr, CronDialect::Quartz).expect_err(expr);
    format!("{} / {}", e.message, e.expected)
}

/// Writes a model under the test's temporary directory and returns its path.
fn model_file(name: &str, toml: &str) -> String {
    let path =
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("fidelity_calendar_{name}.toml"));
    std::fs::write(&path, toml).unwrap();
    path.to_string_lossy().into_owned()
}

fn model(profile: &str, cron: &str) -> String {
    format!(
        "[model]\nname = \"m\"\nprofile = \"{profile}\"\n[[workflow]]\nname = \"w\"\ncron = \"{cron}\"\n  [[workflow.task]]\n  name = \"t\"\n"
    )
}

// Quartz 2.3.2 `CronExpression.checkIncrementRange`: "Increment > 60", "> 24", "> 31",
// "> 12", "> 7" (captured). The six expressions printed fires before.
#[test]
fn quartz_check_increment_range_refuses_steps_past_their_field() {
    for (expr, field, max) in [
        ("0/120 0 8-18 ? * 2-6", "seconds", 59),
        ("0/60 * * * * ?", "seconds", 59),
        ("0 0/60 * * * ?", "minutes", 59),
        ("0 0 0/24 * * ?", "hours", 23),
        ("0 0 0 1/32 * ?", "day-of-month", 31),
        ("0 0 0 ? 1/13 *", "month", 12),
        ("0 0 0 ? * 1/8", "day-of-week", 7),
        ("0 0 0 ? * */8", "day-of-week", 7),
    ] {
        let e = quartz_err(expr);
        assert!(
            e.contains(&format!("larger than the {field} field"))
                && e.contains(&format!("expected a step from 1 to {max}")),
            "{expr}: {e}"
        );
        let out = cron(expr, "dolphinscheduler", "2025-01-01", "2025-01-02");
        assert_eq!(out.status.code(), Some(2), "{expr}");
        assert!(out.stdout.is_empty(), "{expr}: {}", text(&out.stdout));
    }
    // The largest steps are accepted, and fire as captured.
    for expr in [
        "0/59 * * * * ?",
        "0 0 0/23 * * ?",
        "0 0 0 1/31 * ?",
        "0 0 0 ? 1/12 *",
        "0 0 0 ? * 1/7",
    ] {
        assert!(CronExpr::parse(expr, CronDialect::Quartz).is_ok(), "{expr}");
    }
}

// In a model the refusal points at the step: file, line and column, exit 2.
#[test]
fn quartz_check_increment_range_in_a_model_points_at_the_step() {
    let path = model_file("step", &model("dolphinscheduler", "0 0 0/24 * * ?"));
    let out = schedsim(&["validate", &path]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains(&format!(
            "{path}:6:15: invalid cron expression: a step of 24"
        )),
        "{err}"
    );
}

// cron-utils 9.1.6 `FieldConstraints.isPeriodInRange` checks every step, `a-b/n` too;
// Quartz 2.3.2 does not check `a-b/n` (captured: `0 0 0-23/30 * * ?` fires daily).
// DolphinScheduler's API refuses what its validator refuses.
#[test]
fn cron_utils_is_period_in_range_refuses_range_steps_too() {
    let e = quartz_err("0 0 0-23/30 * * ?");
    assert!(
        e.contains("DolphinScheduler's validator (cron-utils) refuses it"),
        "{e}"
    );
    assert!(!e.contains("Quartz 2.3.2"), "{e}");
}

// Quartz 2.3.2 `storeExpressionVals`: `/` with no start is `*/n`; cron-utils
// `FieldParser.asteriskOrempty` reads an empty start the same way. Captured: `/5` in
// the seconds fires at :05, :10, ... and `0 0 0 /10 * ?` on the 11th, 21st, 31st.
#[test]
fn quartz_store_expression_vals_reads_a_bare_step_as_star_step() {
    let out = cron(
        "/5 * * * * ?",
        "dolphinscheduler",
        "2025-01-01T00:00:01",
        "2025-01-01T00:00:20",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout).lines().collect::<Vec<_>>(),
        [
            "2025-01-01T00:00:05+00:00",
            "2025-01-01T00:00:10+00:00",
            "2025-01-01T00:00:15+00:00",
            "2025-01-01T00:00:20+00:00"
        ]
    );
    // Only in the Quartz dialect: DataWorks and Unix keep refusing it.
    assert!(CronExpr::parse("00 /5 * * * ?", CronDialect::Dataworks).is_err());
    assert!(CronExpr::parse("/5 * * * *", CronDialect::Unix).is_err());
}

// Quartz 2.3.2 `getTimeAfter`, `else if (nearestWeekday)`: `day = daysOfMonth.first()`.
// With `W` anywhere in the list only the smallest day counts: `2W,16` fires on the
// weekday nearest the 2nd and never on the 16th (run on Quartz 2.3.2 from 2010-01-01:
// 01-01, 02-02, 03-02, 04-02, 05-03, 06-02).
#[test]
fn quartz_get_time_after_nearest_weekday_takes_the_first_day_of_the_list() {
    let out = cron(
        "0 15 10 2W,16 * ? 2010",
        "dolphinscheduler",
        "2010-01-01",
        "2010-06-30",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout).lines().collect::<Vec<_>>(),
        [
            "2010-01-01T10:15:00+00:00",
            "2010-02-02T10:15:00+00:00",
            "2010-03-02T10:15:00+00:00",
            "2010-04-02T10:15:00+00:00",
            "2010-05-03T10:15:00+00:00",
            "2010-06-02T10:15:00+00:00"
        ]
    );
    // Not silent: the ignored days are said.
    let err = text(&out.stderr);
    assert!(
        err.contains("note: Quartz 2.3.2 fires `2W,16` only on the weekday nearest day 2"),
        "{err}"
    );
    // The order of the list does not matter; `L` in a list stays refused as Quartz
    // refuses it ("Support for specifying 'L' and 'LW' with other days of the month").
    let (a, b) = (
        CronExpr::parse("0 0 0 16,2W * ?", CronDialect::Quartz).unwrap(),
        CronExpr::parse("0 0 0 2W,16 * ?", CronDialect::Quartz).unwrap(),
    );
    let mut day = jiff::civil::date(2025, 1, 1);
    while day.year() == 2025 {
        assert_eq!(a.matches_date(day), b.matches_date(day), "{day}");
        assert!(!a.matches_date(day) || day.day() <= 4, "{day}");
        day = day.tomorrow().unwrap();
    }
    for expr in ["0 0 0 1,LW * ?", "0 0 0 L,15 * ?", "0 0 0 ? * 6L,2"] {
        assert!(
            CronExpr::parse(expr, CronDialect::Quartz).is_err(),
            "{expr}"
        );
    }
}

// cron-utils 9.1.6 `FieldParser.parse`: `L-2W` splits on `-` into `L` and `2W`, and
// `parseOnWithL` wants a number after `L-`: DolphinScheduler's validator refuses it,
// though Quartz 2.3.2 fires it (captured). The dolphinscheduler profile follows
// DolphinScheduler (SEMANTICS.md, divergences).
#[test]
fn cron_utils_parse_on_with_l_refuses_l_minus_n_w() {
    let e = quartz_err("0 15 10 L-2W * ?");
    assert!(
        e.contains("`L-2W` is refused by DolphinScheduler's validator (cron-utils), though Quartz accepts it"),
        "{e}"
    );
    // L-n alone is accepted by both.
    assert!(CronExpr::parse("0 15 10 L-2 * ?", CronDialect::Quartz).is_ok());
}

// cron-utils 9.1.6 `CronDefinitionBuilder.quartz()`:
// `withYear().withValidRange(1970, 2099).withStrictRange()`.
#[test]
fn cron_utils_quartz_definition_years_stop_at_2099() {
    assert!(quartz_err("0 0 0 * * ? 2300").contains("expected 1970 to 2099"));
    assert!(quartz_err("0 0 0 * * ? 2025-2100").contains("expected 1970 to 2099"));
    let out = cron(
        "0 0 0 1 1 ? 2099",
        "dolphinscheduler",
        "2099-01-01",
        "2099-01-02",
    );
    assert_eq!(text(&out.stdout).trim(), "2099-01-01T00:00:00+00:00");
}

// DataWorks publishes no step bound; its editor's interval pickers stay inside the
// field, and schedsim takes Quartz's bound (SEMANTICS.md, divergences).
#[test]
fn dataworks_steps_stay_inside_their_field() {
    for expr in ["00 00/60 * * * ?", "00 00 00/24 * * ?", "00 00 00 1/32 * ?"] {
        let e = CronExpr::parse(expr, CronDialect::Dataworks).expect_err(expr);
        assert!(
            e.message.contains("DataWorks refuses it")
                && e.expected.starts_with("expected a step from 1 to"),
            "{expr}: {e:?}"
        );
    }
    assert!(CronExpr::parse("00 00 00-23/23 * * ?", CronDialect::Dataworks).is_ok());
}

// Issue 13: `cron '* * * * * ? 2027' --from 2000-01-01 --to 2027-01-01` was refused
// (27 years of seconds) though it has one day of fires in the range.
#[test]
fn max_instances_sizes_a_request_by_the_years_its_year_field_allows() {
    let out = cron(
        "* * * * * ? 2027",
        "dolphinscheduler",
        "2000-01-01",
        "2027-01-01",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).trim(), "2027-01-01T00:00:00+00:00");
    // The bound still holds where the year field allows the whole range.
    let out = cron(
        "* * * * * ? 2000-2027",
        "dolphinscheduler",
        "2000-01-01",
        "2027-01-01",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("more than --max-instances"),
        "{}",
        text(&out.stderr)
    );
    // Counted per allowed year: 2025 and 2027 of 2020..2030, daily.
    let e = CronExpr::parse("0 0 0 * * ? 2025,2027", CronDialect::Quartz).unwrap();
    let from = jiff::civil::date(2020, 1, 1);
    let to = jiff::civil::date(2030, 1, 1);
    assert_eq!(e.max_fires_between(from, to), 365 + 365 + 2);
}

fn validate_json(name: &str, toml: &str) -> serde_json::Value {
    let path = model_file(name, toml);
    let out = schedsim(&["validate", &path, "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v[0]["warnings"].clone()
}

// Quartz 2.3.2 `getTimeAfter` again: in a model the list with `W` validates, with a
// warning at the cron saying which days never fire.
#[test]
fn quartz_get_time_after_nearest_weekday_list_is_a_validation_warning() {
    let w = validate_json("wlist", &model("dolphinscheduler", "0 15 10 2W,16 * ?"));
    assert_eq!(w.as_array().unwrap().len(), 1, "{w}");
    assert_eq!(
        (w[0]["line"].as_u64(), w[0]["column"].as_u64()),
        (Some(6), Some(8))
    );
    assert!(
        w[0]["message"]
            .as_str()
            .unwrap()
            .contains("only on the weekday nearest day 2"),
        "{w}"
    );
}

fn dataworks_backfill(groups: u32) -> String {
    format!(
        "{}[[scenario]]\nname = \"s\"\nstart = \"2025-03-10T00:00:00\"\n  [[scenario.backfill]]\n  targets = [\"w\"]\n  from = \"2025-03-01\"\n  to = \"2025-03-05\"\n  groups = {groups}\n",
        model("dataworks", "00 00 02 * * ?")
    )
}

// DataWorks backfill group execution: the console offers 2–5 groups (DW §6 rule 4),
// the API accepts up to 10 (`Parallelism` 1–10): 6 to 10 validate with a warning,
// 11 is refused.
#[test]
fn dataworks_console_groups_2_to_5_warn_above_5() {
    assert_eq!(
        validate_json("groups5", &dataworks_backfill(5)),
        serde_json::json!([])
    );
    let w = validate_json("groups6", &dataworks_backfill(6));
    assert_eq!(w.as_array().unwrap().len(), 1, "{w}");
    let message = w[0]["message"].as_str().unwrap();
    assert!(
        message.starts_with("6 groups: DataWorks' console offers 2 to 5 groups"),
        "{message}"
    );
    assert_eq!(w[0]["line"].as_u64(), Some(16));
    let path = model_file("groups11", &dataworks_backfill(11));
    let out = schedsim(&["validate", &path]);
    assert_eq!(out.status.code(), Some(2));
}

fn with_retry(profile: &str, cron: &str, retry: &str) -> String {
    format!("{}  retry = {retry}\n", model(profile, cron))
}

// Retries: DolphinScheduler's UI field `failRetryTimes` has only `min: 0` (3.2.2
// use-failed.ts) and a Java int behind it; Airflow's `retries` is any integer. Both
// validate a million retries, with a warning above DataWorks' 10 (DW §7), the only
// documented bound; DataWorks refuses 11. DolphinScheduler's interval field is
// unbounded too (`min: 0`): a 90-minute interval validates without a warning.
#[test]
fn dolphinscheduler_use_failed_ts_has_no_retry_bound_and_warns_above_10() {
    let ds = with_retry(
        "dolphinscheduler",
        "0 0 2 * * ?",
        "{ times = 1000000, interval = \"90m\" }",
    );
    let w = validate_json("ds_retries", &ds);
    assert_eq!(w.as_array().unwrap().len(), 1, "{w}");
    assert!(
        w[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("1000000 retries: DolphinScheduler accepts it"),
        "{w}"
    );
    let ok = with_retry(
        "dolphinscheduler",
        "0 0 2 * * ?",
        "{ times = 10, interval = \"90m\" }",
    );
    assert_eq!(validate_json("ds_retries_ok", &ok), serde_json::json!([]));
    let af = with_retry("airflow", "0 2 * * *", "{ times = 1000000 }");
    let w = validate_json("af_retries", &af);
    assert!(
        w[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("1000000 retries: Airflow accepts any integer"),
        "{w}"
    );
    let dw = with_retry("dataworks", "00 00 02 * * ?", "{ times = 11 }");
    let out = schedsim(&["validate", &model_file("dw_retries", &dw)]);
    assert_eq!(out.status.code(), Some(2));
}
