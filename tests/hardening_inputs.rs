//! Issue 9: inputs that panicked, overflowed the stack, wrapped or took quadratic time.
//! Each test is named after the bug it pins; the binary-level ones run `schedsim` as
//! tests/cli.rs does.

use std::io::Read;
use std::process::{Command, Stdio};

use schedsim::calendar::params::{self, Context, Flavor};
use schedsim::engine::{Config, RunError};
use schedsim::model::{self, Model};
use schedsim::observe::observe;
use schedsim::observe::store::Status;

#[path = "support/bin.rs"]
mod bin;
use bin::{schedsim, text};

fn temp_file(name: &str, contents: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("schedsim-hardening-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

/// One DataWorks task writing `partition`, with a one-day backfill of `day`.
fn dataworks(partition: &str, day: &str) -> String {
    format!(
        r#"[model]
name = "m"
profile = "dataworks"

[[workflow]]
name = "w"

  [[workflow.task]]
  name = "t"
  cron = "00 00 00 * * ?"
  writes = [ {{ table = "x", partition = "{partition}", mode = "overwrite" }} ]

[[scenario]]
name = "s"
start = "{day}T12:00:00"

  [[scenario.backfill]]
  targets = ["w.t"]
  from = "{day}"
  to = "{day}"
"#
    )
}

/// One DolphinScheduler task writing `partition`, with the given duration.
fn dolphinscheduler(partition: &str, duration: &str) -> String {
    format!(
        r#"[model]
name = "m"
profile = "dolphinscheduler"

[[workflow]]
name = "w"
cron = "0 0 2 * * ? *"

  [[workflow.task]]
  name = "t"
  duration = "{duration}"
  writes = [ {{ table = "x", partition = "{partition}", mode = "overwrite" }} ]

[[scenario]]
name = "s"
start = "2025-03-12T10:00:00"

  [[scenario.backfill]]
  targets = ["w"]
  from = "2025-03-01T02:00:00"
  to = "2025-03-01T02:00:00"
"#
    )
}

/// The one diagnostic of a refused model, checked to sit on `needle` in the source.
fn refused_at(source: &str, needle: &str) -> model::diagnostic::Diagnostic {
    let d = model::load_str("m.toml", source).expect_err("the model is refused");
    assert_eq!(d.diagnostics.len(), 1, "{}", d.render());
    let diag = d.diagnostics[0].clone();
    let at = source.find(needle).expect("the needle is in the source");
    assert!(
        diag.span.start <= at && at < diag.span.end,
        "{:?} does not cover `{needle}` at {at}: {}",
        diag.span,
        diag.message
    );
    diag
}

fn run(m: &Model) -> Result<(), RunError> {
    let config = Config::new(0, 1_000_000);
    observe::<Vec<u8>>(m, &m.scenarios[0], config, None).map(|_| ())
}

// Item 12.
#[test]
fn parameter_offset_out_of_range_is_located_error_not_panic() {
    let cases = [
        (
            dolphinscheduler("dt=$[yyyyMMdd-7304485]", "1m"),
            "-7304485 days",
        ),
        (dataworks("${yyyy-20000}", "2025-03-01"), "-20000 years"),
        (
            dataworks("${yyyymm-300000}", "2025-03-01"),
            "-300000 months",
        ),
        (
            dataworks("$[add_months(yyyymmdd,-300000)]", "2025-03-01"),
            "-300000 months",
        ),
        (
            dataworks("$[hh24-175307617/24]", "2025-03-01"),
            "-175307617 hours",
        ),
    ];
    for (source, offset) in cases {
        let d = model::load_str("m.toml", &source).unwrap_err();
        assert_eq!(d.diagnostics.len(), 1, "{}", d.render());
        let message = &d.diagnostics[0].message;
        assert!(
            message.starts_with("invalid partition expression: ")
                && message.contains(&format!("an offset of {offset} is out of range")),
            "{message}"
        );
        let at = source.find("partition = \"").unwrap() + "partition = \"".len();
        assert_eq!(d.diagnostics[0].span.start, at - 1, "{message}");
    }
}

// Item 21.
#[test]
fn parameter_offset_arithmetic_overflow_is_an_error_not_a_wrap() {
    let cx = Context::example();
    for (expr, error) in [
        (
            "${yyyymmdd-9223372036854775807-9223372036854775807}",
            "add up past any date",
        ),
        (
            "$[yyyymmdd-4294967296*4294967296]",
            "too large to be an offset",
        ),
        (
            "$[yyyymmdd+99999999999999999999]",
            "too large to be an offset",
        ),
        ("$[yyyymmdd-9223372036854775807]", "is out of range"),
    ] {
        let e = params::evaluate(expr, Flavor::Dataworks, &cx).unwrap_err();
        assert!(e.contains(error), "{expr}: {e}");
        let source = dataworks(expr, "2025-03-01");
        let d = model::load_str("m.toml", &source).unwrap_err();
        assert!(d.diagnostics[0].message.contains(error), "{expr}");
    }
    // Still fine: the same offsets within range, on both sides.
    assert_eq!(
        params::evaluate("${yyyymmdd-3-4}", Flavor::Dataworks, &cx).unwrap(),
        "20250222"
    );
    assert_eq!(
        params::evaluate("$[yyyymmdd+2*3]", Flavor::Dataworks, &cx).unwrap(),
        "20250308"
    );
}

// Item 22.
#[test]
fn partition_that_fails_at_run_time_is_an_error_not_a_partition_name() {
    // In 2025 (where validation evaluates it) the offset lands in 9965; in 2100, past 9999.
    let source = dataworks("dt=$[yyyymmdd+2900000]", "2100-01-01");
    let m = model::load_str("m.toml", &source).expect("valid where validation looks");
    let e = run(&m).expect_err("the run is refused");
    let message = e.to_string();
    assert!(matches!(e, RunError::Partition(_)), "{message}");
    for part in [
        "task w.t",
        "dt=$[yyyymmdd+2900000]",
        "2100-01-02",
        "out of the calendar",
    ] {
        assert!(message.contains(part), "{part} not in {message}");
    }
    let path = temp_file("late-partition.toml", &source);
    let path = path.to_str().unwrap();
    for command in ["run", "check", "instances"] {
        let args: Vec<&str> = if command == "instances" {
            vec![command, path, "--from", "2100-01-01", "--to", "2100-01-01"]
        } else {
            vec![command, path]
        };
        let out = schedsim(&args);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{command}: {stderr}");
        assert!(
            stderr.contains("dt=$[yyyymmdd+2900000]"),
            "{command}: {stderr}"
        );
        assert!(!text(&out.stdout).contains("<failed"), "{command}");
    }
}

// Item 13.
#[test]
fn diagnostic_on_line_longer_than_65535_columns_does_not_panic() {
    for source in [
        format!("x = 1\n{}y\n", " ".repeat(65_535)),
        format!("x = 1{}y", " ".repeat(65_535)),
        format!("[model]\nname = \"{}\nprofile = 3\n", "n".repeat(70_000)),
    ] {
        let d = model::load_str("long.toml", &source).unwrap_err();
        let rendered = d.render();
        let j = &d.to_json()[0];
        assert!(
            rendered.starts_with(&format!("error: long.toml:{}:{}: ", j.line, j.column)),
            "{}",
            &rendered[..200.min(rendered.len())]
        );
        assert!(rendered.contains("characters long: the snippet shows characters"));
        assert!(rendered.len() < 2_000, "the snippet is cut");
    }
    // The binary too.
    let path = temp_file(
        "long-line.toml",
        &format!("x = 1\n{}y\n", " ".repeat(65_535)),
    );
    let out = schedsim(&["validate", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains(":2:65537: "),
        "{}",
        text(&out.stderr)
    );
}

// Item 14.
#[test]
fn stdout_full_disk_is_exit_2() {
    if !std::path::Path::new("/dev/full").exists() {
        return;
    }
    let model = "models/dolphinscheduler-retry-backfill.toml";
    let golden = std::env::temp_dir().join(format!("schedsim-golden-{}.jsonl", std::process::id()));
    let golden = golden.to_str().unwrap();
    let recorded = schedsim(&["record", model, "-o", golden]);
    assert_eq!(
        recorded.status.code(),
        Some(0),
        "{}",
        text(&recorded.stderr)
    );
    let commands: [&[&str]; 10] = [
        &["schema"],
        &["validate", model],
        &["validate", "--format", "json", model],
        &[
            "cron",
            "0 * * * *",
            "--profile",
            "airflow",
            "--from",
            "2025-01-01",
            "--to",
            "2025-01-02",
        ],
        &[
            "instances",
            model,
            "--from",
            "2025-03-01",
            "--to",
            "2025-03-03",
        ],
        &["run", model],
        &["check", "--format", "json", model],
        &[
            "whatif",
            model,
            "--from",
            "2025-03-01",
            "--to",
            "2025-03-03",
            "--vary",
            "groups=1,2",
        ],
        &[
            "explore",
            "models/dolphinscheduler-rerun-vs-recover.toml",
            "--cases",
            "5",
        ],
        &["verify", model, golden],
    ];
    for args in commands {
        let out = Command::new(env!("CARGO_BIN_EXE_schedsim"))
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdout(std::fs::File::create("/dev/full").unwrap())
            .output()
            .unwrap();
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains("error: writing to standard output: No space left on device"),
            "{args:?}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

#[test]
fn stderr_closed_pipe_does_not_panic() {
    // A note on stderr (the date read as midnight, the instance count) with stderr
    // closed, as `2>&1 | true` does: it panicked in `eprintln!` (exit 101).
    let cases: [&[&str]; 3] = [
        &[
            "cron",
            "0 * * * *",
            "--profile",
            "airflow",
            "--from",
            "2025-01-01",
            "--to",
            "2025-01-02",
        ],
        &[
            "instances",
            "models/dataworks-mysql-to-maxcompute.toml",
            "--from",
            "2025-01-01",
            "--to",
            "2025-01-31",
        ],
        &["validate", "models/no-such-model.toml"],
    ];
    for (args, code) in cases.iter().zip([0, 0, 2]) {
        let mut child = Command::new(env!("CARGO_BIN_EXE_schedsim"))
            .args(*args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // The read end is closed before the command writes.
        drop(child.stderr.take());
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(code), "{args:?}");
    }
}

// Item 14.
#[test]
fn stdout_closed_pipe_ends_quietly() {
    // Far more output than a pipe buffers, so writing fails once the reader is gone.
    let cases: [(&[&str], i32); 2] = [
        (
            &[
                "cron",
                "* * * * *",
                "--profile",
                "airflow",
                "--from",
                "2025-01-01",
                "--to",
                "2025-03-01",
            ],
            0,
        ),
        (
            &[
                "instances",
                "models/dataworks-mysql-to-maxcompute.toml",
                "--from",
                "2025-01-01",
                "--to",
                "2025-06-30",
            ],
            0,
        ),
    ];
    for (args, code) in cases {
        let mut child = Command::new(env!("CARGO_BIN_EXE_schedsim"))
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = [0u8; 1];
        child.stdout.take().unwrap().read_exact(&mut first).unwrap();
        // The read end is closed here, as `| head -c1` does.
        let out = child.wait_with_output().unwrap();
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {stderr}");
        assert!(
            !stderr.contains("error") && !stderr.contains("panicked"),
            "{args:?}: {stderr}"
        );
    }
}

fn chain(n: usize, profile: &str, cron: &str, rules: &str) -> String {
    let mut s = format!(
        "[model]\nname = \"c\"\nprofile = \"{profile}\"\n{rules}\n[[workflow]]\nname = \"w\"\ncron = \"{cron}\"\n"
    );
    for i in 0..n {
        s.push_str(&format!(
            "[[workflow.task]]\nname = \"t{i}\"\nduration = \"1s\"\n"
        ));
        if i > 0 {
            s.push_str(&format!("upstream = [\"t{}\"]\n", i - 1));
        }
    }
    s
}

// Item 15.
#[test]
fn chain_of_50000_tasks_does_not_overflow_stack() {
    // Test threads have 2 MiB stacks: a recursion per task would overflow them.
    let mut source = chain(50_000, "dolphinscheduler", "0 0 2 * * ? *", "");
    source.push_str(
        "[[scenario]]\nname = \"s\"\nstart = \"2025-03-02T00:00:00\"\n[[scenario.backfill]]\ntargets = [\"w\"]\nfrom = \"2025-03-01T02:00:00\"\nto = \"2025-03-01T02:00:00\"\n",
    );
    let m = model::load_str("chain.toml", &source).expect("a chain is valid");
    let config = Config::new(0, 1_000_000);
    let (engine, findings, _) = observe::<Vec<u8>>(&m, &m.scenarios[0], config, None).unwrap();
    assert_eq!(engine.instances.len(), 50_000);
    assert!(findings.properties.iter().all(|p| p.holds));
    // The same chain closed into a cycle is one cycle of 50,000 tasks.
    let cyclic = source.replacen(
        "name = \"t0\"\n",
        "name = \"t0\"\nupstream = [\"t49999\"]\n",
        1,
    );
    let d = model::load_str("cycle.toml", &cyclic).unwrap_err();
    assert_eq!(d.diagnostics.len(), 1);
    assert!(
        d.diagnostics[0]
            .message
            .starts_with("dependency cycle: w.t0 → w.t1 → ")
    );
    assert_eq!(d.diagnostics[0].related.len(), 49_999);
}

// Item 19: the text of a long cycle draws a bounded number of places and says so
// (drawing 20,000 labels took 74 s).
#[test]
fn cycle_of_20000_tasks_draws_16_places_and_counts_the_rest() {
    let n = 20_000;
    let mut s = String::from(
        "[model]\nname = \"c\"\nprofile = \"dolphinscheduler\"\n[[workflow]]\nname = \"w\"\n",
    );
    for i in 0..n {
        s.push_str(&format!(
            "[[workflow.task]]\nname = \"t{i}\"\nupstream = [\"t{}\"]\n",
            (i + n - 1) % n
        ));
    }
    let d = model::load_str("cycle.toml", &s).unwrap_err();
    let rendered = d.render();
    assert!(rendered.contains(&format!(
        "note: {} more places take part and are not drawn",
        n - 1 - model::diagnostic::MAX_RELATED
    )));
    assert_eq!(
        rendered.matches(" waits for w.t").count(),
        model::diagnostic::MAX_RELATED + 1
    );
    // The message still names every task of the cycle.
    assert_eq!(d.diagnostics[0].message.matches("w.t").count(), n + 1);
}

// Item 19: many writes into one partition were compared pairwise.
#[test]
fn inserts_of_17500_instances_into_one_partition_are_each_counted_once() {
    let source = r#"[model]
name = "p"
profile = "airflow"

[[workflow]]
name = "w"
cron = "* * * * *"

  [[workflow.task]]
  name = "t"
  duration = "1s"
  writes = [ { table = "t", partition = "all", mode = "insert" } ]

[[scenario]]
name = "s"
start = "2025-01-01T00:00:00"
until = "2025-01-13T03:40:00"
recurring = true
"#;
    let m = model::load_str("all.toml", source).unwrap();
    let config = Config::new(0, 1_000_000);
    let (engine, findings, _) = observe::<Vec<u8>>(&m, &m.scenarios[0], config, None).unwrap();
    let [all] = findings.partitions.as_slice() else {
        panic!("one partition");
    };
    let ran = engine.instances.iter().filter(|i| i.attempts > 0).count();
    assert!(ran > 17_000, "{ran}");
    assert_eq!(
        all.writes.len(),
        engine
            .instances
            .iter()
            .filter(|i| i.end().is_some())
            .count()
    );
    // Each finished instance's rows are there once: nothing duplicated or foreign.
    assert!(all.duplicated.is_empty() && all.foreign.is_empty());
    assert!(matches!(all.status, Status::Ok | Status::Missing));
}

// Item 20.
#[test]
fn duration_longer_than_the_calendar_is_located_error() {
    for duration in ["106751991167300d", "7304485d"] {
        let source = dolphinscheduler("dt=$[yyyyMMdd]", duration);
        let diag = refused_at(&source, duration);
        assert!(
            diag.message.contains("longer than the calendar"),
            "{}",
            diag.message
        );
    }
    // Shorter than the calendar, but no run from the scenario's start ends in it.
    let source = dolphinscheduler("dt=$[yyyyMMdd]", "3000000d");
    let diag = refused_at(&source, "3000000d");
    assert!(
        diag.message.contains(
            "from the earliest scenario start (2025-03-12T10:00:00) it would end after the calendar's last instant (9999-12-30T22:00:00+00:00)"
        ),
        "{}",
        diag.message
    );
    let path = temp_file("long-duration.toml", &source);
    let out = schedsim(&["run", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("long-duration.toml:"), "located");
}

// Item 20: what validation cannot know (a task that starts when its upstream ends).
#[test]
fn run_past_the_calendar_end_stops_with_a_message_not_a_wrap() {
    let source = dolphinscheduler("dt=$[yyyyMMdd]", "2000000d").replace(
        "[[scenario]]",
        "  [[workflow.task]]\n  name = \"u\"\n  upstream = [\"t\"]\n  duration = \"2000000d\"\n\n[[scenario]]",
    );
    let m = model::load_str("m.toml", &source).expect("each run alone fits");
    let e = run(&m).expect_err("the second execution would end after 9999");
    let message = e.to_string();
    assert!(matches!(e, RunError::PastCalendarEnd(_)), "{message}");
    assert!(
        message.contains("w.u scheduled 2025-03-01T02:00:00")
            && message.contains(
                "would end after the calendar's last instant (9999-12-30T22:00:00+00:00)"
            ),
        "{message}"
    );
    let path = temp_file("chained-durations.toml", &source);
    let out = schedsim(&["run", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stdout).is_empty(), "{}", text(&out.stdout));
    assert!(text(&out.stderr).contains("w.u scheduled"));
}

#[test]
fn calendar_ends_are_jiffs() {
    use schedsim::calendar::{CALENDAR_SECONDS, FIRST_INSTANT, LAST_INSTANT};
    assert_eq!(LAST_INSTANT, jiff::Timestamp::MAX.as_second());
    assert_eq!(FIRST_INSTANT, jiff::Timestamp::MIN.as_second());
    assert_eq!(CALENDAR_SECONDS, LAST_INSTANT.abs_diff(FIRST_INSTANT));
}

// Found by the mutation fuzz: an effective weight past i64 overflowed.
#[test]
fn priority_weights_summed_past_i64_do_not_overflow() {
    let mut source = chain(3, "airflow", "0 0 * * *", "");
    source = source.replace(
        "duration = \"1s\"\n",
        "duration = \"1s\"\npriority_weight = 9223372036854775807\n",
    );
    source.push_str(
        "[[scenario]]\nname = \"s\"\nstart = \"2025-03-03T00:00:00\"\n[[scenario.backfill]]\ntargets = [\"w\"]\nfrom = \"2025-03-01\"\nto = \"2025-03-01\"\n",
    );
    let m = model::load_str("w.toml", &source).unwrap();
    run(&m).unwrap();
}

// Found while checking where user numbers multiply: busy slot-seconds of a huge pool
// and a long execution overflowed 64 bits.
#[test]
fn busy_slot_seconds_of_a_huge_pool_do_not_overflow() {
    let source = r#"[model]
name = "m"
profile = "airflow"

[[resource_group]]
name = "big"
slots = 4294967295

[[workflow]]
name = "w"
cron = "0 0 * * *"

  [[workflow.task]]
  name = "t"
  resource_group = "big"
  pool_slots = 4294967295
  duration = "100000d"

[[scenario]]
name = "s"
start = "2025-03-03T00:00:00"

  [[scenario.backfill]]
  targets = ["w"]
  from = "2025-03-01"
  to = "2025-03-01"
"#;
    let m = model::load_str("m.toml", source).unwrap();
    let config = Config::new(0, 10);
    let (_, findings, _) = observe::<Vec<u8>>(&m, &m.scenarios[0], config, None).unwrap();
    let big = findings.groups.iter().find(|g| g.name == "big").unwrap();
    assert_eq!(big.busy_seconds, 100_000 * 86_400 * u128::from(u32::MAX));
}
