//! Issue 13, "Parameters": DolphinScheduler's `$[...]` placeholders against the
//! expected values of its own unit tests (3.2.2, dolphinscheduler-task-api):
//! `TimePlaceholderUtilsTest` and `ParameterUtilsTest`, each test named after the one
//! it ports. The schedule time is what DolphinScheduler evaluates against
//! (`system.datetime`, `BusinessTimeUtils.getBusinessTime`).

use std::path::PathBuf;

use jiff::civil::DateTime;
use schedsim::calendar::params::{Context, Flavor, evaluate};

#[path = "support/bin.rs"]
mod bin;
use bin::schedsim;

fn at(scheduled: DateTime) -> Context<'static> {
    Context {
        business_date: scheduled.date().yesterday().unwrap(),
        scheduled,
        logical_utc: scheduled,
        interval_end_utc: scheduled,
        executed: scheduled,
        // DolphinScheduler's placeholders read the wall time only.
        ..Context::example()
    }
}

fn ds(expr: &str, scheduled: DateTime) -> Result<String, String> {
    evaluate(expr, Flavor::Dolphinscheduler, &at(scheduled))
}

/// TimePlaceholderUtilsTest: `date = 2022-08-26 00:00:00`, COMPLEMENT_DATA.
fn tp(expr: &str) -> String {
    let t = jiff::civil::date(2022, 8, 26).at(0, 0, 0, 0);
    ds(expr, t).unwrap_or_else(|e| panic!("{expr}: {e}"))
}

#[test]
fn time_placeholder_utils_test_time_place_holder_for_this_day() {
    assert_eq!(tp("$[this_day(yyyy-MM-dd)]"), "2022-08-26");
    assert_eq!(tp("$[this_day(yyyyMMdd)]"), "20220826");
}

#[test]
fn time_placeholder_utils_test_time_place_holder_for_last_day() {
    assert_eq!(tp("$[last_day(yyyy-MM-dd)]"), "2022-08-25");
    assert_eq!(tp("$[last_day(yyyyMMdd)]"), "20220825");
}

#[test]
fn time_placeholder_utils_test_time_place_holder_for_year_week_day() {
    // Weeks from Monday.
    assert_eq!(tp("$[year_week(yyyy-MM-dd)]"), "2022-34");
    assert_eq!(tp("$[year_week(yyyyMMdd)]"), "202234");
    // Weeks from Friday.
    assert_eq!(tp("$[year_week(yyyy-MM-dd,5)]"), "2022-35");
    assert_eq!(tp("$[year_week(yyyyMMdd,5)]"), "202235");
}

#[test]
fn time_placeholder_utils_test_time_place_holder_for_month_first_day() {
    assert_eq!(tp("$[month_first_day(yyyy-MM-dd,-1)]"), "2022-07-01");
    assert_eq!(tp("$[month_first_day(yyyyMMdd,-1)]"), "20220701");
}

#[test]
fn time_placeholder_utils_test_time_place_holder_for_month_last_day() {
    assert_eq!(tp("$[month_last_day(yyyy-MM-dd,-1)]"), "2022-07-31");
    assert_eq!(tp("$[month_last_day(yyyyMMdd,-1)]"), "20220731");
}

#[test]
fn time_placeholder_utils_test_time_place_holder_for_week_first_day() {
    assert_eq!(tp("$[week_first_day(yyyy-MM-dd,0)]"), "2022-08-22");
    assert_eq!(tp("$[week_first_day(yyyyMMdd,0)]"), "20220822");
}

#[test]
fn time_placeholder_utils_test_time_place_holder_for_week_last_day() {
    assert_eq!(tp("$[week_last_day(yyyy-MM-dd,0)]"), "2022-08-28");
    assert_eq!(tp("$[week_last_day(yyyyMMdd,0)]"), "20220828");
}

// "Unsupported placeholder expression: $[week_last_day(yyyy-MM-dd,0) - 1]".
#[test]
fn time_placeholder_utils_test_get_place_holder_time() {
    let t = jiff::civil::date(2022, 8, 26).at(0, 0, 0, 0);
    let e = ds("$[week_last_day(yyyy-MM-dd,0) - 1]", t).unwrap_err();
    assert!(e.contains("week_last_day(yyyy-MM-dd,0) - 1"), "{e}");
}

// `testConvertParameterPlaceholders2`, `system.datetime = 20201201123000`. The test's
// `${user}` (a user parameter, which schedsim's models do not have) is left out; every
// other placeholder and its expected value is the test's.
#[test]
fn parameter_utils_test_convert_parameter_placeholders2() {
    let t = jiff::civil::date(2020, 12, 1).at(12, 30, 0, 0);
    let got = ds(
        "'$[1]' '$[add_months(yyyyMMdd,12*2)]' '$[add_months(yyyyMMdd,-12*2)]' '$[add_months(yyyyMMdd,3)]' '$[add_months(yyyyMMdd,-4)]' \
         '$[yyyyMMdd+7*2]' '$[yyyyMMdd-7*2]'  '$[yyyyMMdd+3]'  '$[0]' '$[yyyyMMdd-3]' '$[HHmmss+2/24]' '$[HHmmss-1/24]' '$[HHmmss+3/24/60]' '$[HHmmss-2/24/60]'  '$[3]'",
        t,
    );
    assert_eq!(
        got.as_deref(),
        Ok(
            "'$[1]' '20221201' '20181201' '20210301' '20200801' '20201215' '20201117'  '20201204'  '$[0]' '20201128' '143000' '113000' '123300' '122800'  '$[3]'"
        )
    );
}

// TimePlaceholderUtils' other 3.2 functions, with values worked from its code:
// month_begin/month_end/week_begin/week_end take a day offset, and
// month_last_day(fmt,n) is the last day of the month n months away.
#[test]
fn time_placeholder_utils_calc_time_expression_other_functions() {
    assert_eq!(tp("$[month_begin(yyyyMMdd,1)]"), "20220802");
    assert_eq!(tp("$[month_end(yyyyMMdd,-1)]"), "20220830");
    assert_eq!(tp("$[week_begin(yyyyMMdd,0)]"), "20220822");
    assert_eq!(tp("$[week_end(yyyyMMdd,0)]"), "20220828");
    assert_eq!(tp("$[month_first_day(yyyyMMdd)]"), "20220801");
    assert_eq!(tp("$[month_last_day(yyyyMMdd,-6)]"), "20220228");
    assert_eq!(tp("$[week_first_day(yyyyMMdd,-1)]"), "20220815");
    assert_eq!(tp("$[week_last_day(yyyyMMdd,1)]"), "20220904");
    // A lone digit is left as it is; two digits are a format of literal digits.
    assert_eq!(tp("$[7]/$[12]"), "$[7]/12");
}

// `calcMinutes`: only the last `+` (or, with none, the last `-`) starts an offset, so
// DolphinScheduler has no combined offsets: `yyyyMMdd-1-1/24` is the format
// `yyyyMMdd-1` one hour earlier. DataWorks combines them (`$[yyyymmdd-1-1/24]`).
#[test]
fn time_placeholder_utils_calc_minutes_takes_the_last_sign() {
    let t = jiff::civil::date(2025, 3, 5).at(2, 0, 0, 0);
    assert_eq!(ds("$[yyyyMMdd-1-1/24]", t).unwrap(), "20250305-1");
    assert_eq!(ds("$[yyyy-MM-dd]", t).unwrap(), "2025-03-05");
    assert_eq!(ds("$[yyyy-MM-dd-1]", t).unwrap(), "2025-03-04");
    assert_eq!(ds("$[yyyyMMdd+1-1]", t).unwrap(), "20250305");
}

// What DolphinScheduler fails on, schedsim refuses: unknown pattern letters (Java's
// DateTimeFormatter throws "Unknown pattern letter"), arithmetic that is not.
#[test]
fn time_placeholder_utils_refusals() {
    let t = jiff::civil::date(2025, 3, 5).at(2, 0, 0, 0);
    for expr in [
        "$[this_dey(yyyyMMdd)]",
        "$[add_months(yyyyMMdd)]",
        "$[add_months(yyyyMMdd,x)]",
        "$[yyyyMMdd-1/0]",
        "$[timestamp(yyyyMMddHHmmss)]",
    ] {
        assert!(ds(expr, t).is_err(), "{expr}");
    }
}

// End to end: a model whose partitions use the issue's placeholders validates, and a
// run writes the partitions DolphinScheduler would.
#[test]
fn parameter_utils_placeholders_in_a_model_run() {
    let toml = r#"[model]
name = "m"
profile = "dolphinscheduler"
timezone = "UTC"
[[workflow]]
name = "w"
cron = "0 0 2 * * ? *"
  [[workflow.task]]
  name = "t"
  duration = "10m"
  writes = [ { table = "t", partition = "dt=$[add_months(yyyyMMdd,-12*2)]/w=$[year_week(yyyyMMdd)]/$[1]", mode = "overwrite" } ]
[[scenario]]
name = "s"
start = "2025-03-20T00:00:00"
  [[scenario.backfill]]
  targets = ["w"]
  from = "2025-03-03T02:00:00"
  to = "2025-03-03T02:00:00"
"#;
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("fidelity_params_model.toml");
    std::fs::write(&path, toml).unwrap();
    let path = path.to_string_lossy().into_owned();
    let out = schedsim(&["run", &path, "--format", "json"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("dt=20230303/w=202510/$[1]"), "{stdout}");
}
