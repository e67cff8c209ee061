//! Broken models written in a scheduler's own names (`depends_on_past`,
//! `failRetryTimes`, `rerunInterval`, `kind = "clear"`) or with a value where a table
//! belongs (`fail = 0.05`), in the style of tests/broken_models.rs: each is rejected
//! with located diagnostics pinned as snapshots, and following its hints (the line
//! each says to write) gives a model that loads.

use std::path::{Path, PathBuf};

fn corpus() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/broken_names");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/broken_names exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
}

fn load(path: &Path) -> (String, String, schedsim::model::FileDiagnostics) {
    let name = path.file_name().unwrap().to_string_lossy();
    let shown = format!("tests/broken_names/{name}");
    let source = std::fs::read_to_string(path).unwrap();
    let d =
        schedsim::model::load_str(&shown, &source).expect_err(&format!("{shown} must be rejected"));
    (shown, source, d)
}

#[test]
fn every_model_in_their_names_is_rejected_with_located_diagnostics() {
    for path in corpus() {
        let (shown, source, diagnostics) = load(&path);
        let lines = source.lines().count().max(1);
        for d in diagnostics.to_json() {
            assert_eq!(d.file, shown);
            assert!(
                d.line >= 1 && d.line <= lines + 1,
                "{shown}: line {}",
                d.line
            );
            assert!(d.column >= 1, "{shown}: column {}", d.column);
        }
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        insta::with_settings!({
            snapshot_path => "../snapshots/broken_names",
            prepend_module_to_snapshot => false,
            omit_expression => true,
            description => format!("schedsim validate tests/broken_names/{stem}.toml"),
        }, {
            insta::assert_snapshot!(stem, diagnostics.render());
        });
    }
}

fn edit(source: &str, edits: &[(&str, &str)]) -> String {
    let mut s = source.to_string();
    for (from, to) in edits {
        assert!(s.contains(from), "`{from}` is not in the file");
        s = s.replacen(from, to, 1);
    }
    s
}

type Fix = fn(&str) -> String;

/// Each file: a phrase its diagnostics must say, and the file with every hint followed.
fn fixes() -> Vec<(&'static str, &'static str, Fix)> {
    vec![
        (
            "alias_airflow_task_keys",
            "`depends_on_past` is Airflow's name: write `self_dependency = true`",
            |s| {
                edit(
                    s,
                    &[
                        ("catchup = true\n", ""),
                        (
                            "  depends_on_past = true\n  retries = 2\n  retry_delay = 300\n  execution_timeout = 7200\n  pool = \"etl_pool\"",
                            "  self_dependency = true\n  retry = { times = 2, interval = \"5m\" }\n  timeout = \"2h\"\n  resource_group = \"etl_pool\"",
                        ),
                    ],
                )
            },
        ),
        (
            "alias_airflow_words",
            "`clear` is Airflow's word: write `\"rerun\"`",
            |s| {
                edit(
                    s,
                    &[
                        ("mode = \"INSERT INTO\"", "mode = \"insert\""),
                        ("kind = \"clear\"", "kind = \"rerun\""),
                    ],
                )
            },
        ),
        (
            "alias_dataworks_keys",
            "`rerunInterval` is DataWorks' name: write `retry = { times = 3, interval = \"2m\" }`",
            |s| {
                edit(
                    s,
                    &[
                        (
                            "[[workflow]]",
                            "[[resource_group]]\nname = \"di_shared\"\nslots = 20\n\n[[workflow]]",
                        ),
                        (
                            "  rerunTimes = 3\n  rerunInterval = 120000\n  resourceGroup = \"di_shared\"\n  rerunMode = \"Allowed\"\n",
                            "  retry = { times = 3, interval = \"2m\" }\n  resource_group = \"di_shared\"\n",
                        ),
                        (
                            "  startBizDate = \"2025-03-01\"\n  endBizDate = \"2025-03-07\"\n  parallelism = 3",
                            "  from = \"2025-03-01\"\n  to = \"2025-03-07\"\n  groups = 3",
                        ),
                    ],
                )
            },
        ),
        (
            "alias_dolphinscheduler_keys",
            "`failRetryInterval` is DolphinScheduler's name: write `retry = { times = 3, interval = \"1m\" }`",
            |s| {
                edit(
                    s,
                    &[
                        (
                            "[[workflow]]",
                            "[[resource_group]]\nname = \"tg_etl\"\nslots = 2\n\n[[workflow]]",
                        ),
                        ("crontab = ", "cron = "),
                        ("failureStrategy = \"END\"", "failure_strategy = \"end\""),
                        (
                            "  failRetryTimes = 3\n  failRetryInterval = 1\n  taskPriority = \"HIGH\"\n  taskGroupId = 7",
                            "  retry = { times = 3, interval = \"1m\" }\n  priority = 1\n  task_group = \"tg_etl\"",
                        ),
                        (
                            "  runMode = \"RUN_MODE_PARALLEL\"\n  expectedParallelismNumber = 3\n  executionOrder = \"DESC_ORDER\"",
                            "  groups = 3\n  order = \"desc\"",
                        ),
                    ],
                )
            },
        ),
        (
            "alias_in_the_wrong_table",
            "write `retry = { times = 3 }` in [[workflow.task]]",
            |s| {
                edit(
                    s,
                    &[
                        ("retries = 3\n", ""),
                        (
                            "  name = \"load\"",
                            "  name = \"load\"\n  retry = { times = 3 }",
                        ),
                    ],
                )
            },
        ),
        (
            "duration_as_a_number_of_minutes",
            "write \"30m\" for minutes",
            |s| {
                edit(
                    s,
                    &[
                        ("timeout = 30", "timeout = \"30m\""),
                        ("interval = 1 ", "interval = \"1m\" "),
                    ],
                )
            },
        ),
        (
            "wrong_type_fail_number",
            "write `fail = { probability = 0.05, after_write = 0.5 }`",
            |s| {
                edit(
                    s,
                    &[(
                        "  fail = 0.05",
                        "  fail = { probability = 0.05, after_write = 0.5 }",
                    )],
                )
            },
        ),
        (
            "wrong_type_retry_number",
            "write `retry = { times = 3, interval = \"5m\" }`",
            |s| {
                edit(
                    s,
                    &[("  retry = 3", "  retry = { times = 3, interval = \"5m\" }")],
                )
            },
        ),
        (
            "wrong_type_tables",
            "write `effective = { from = \"2025-01-01\", to = \"2099-12-31\" }`",
            |s| {
                edit(
                    s,
                    &[
                        ("rules = \"strict\"\n", ""),
                        (
                            "effective = \"2025-01-01\"",
                            "effective = { from = \"2025-01-01\", to = \"2099-12-31\" }",
                        ),
                        (
                            "{ lognormal = \"10m\" }",
                            "{ lognormal = { median = \"10m\", p95 = \"40m\" } }",
                        ),
                        (
                            "writes = { table = \"dws_orders\", partition = \"dt=${bizdate}\", mode = \"overwrite\" }",
                            "writes = [ { table = \"dws_orders\", partition = \"dt=${bizdate}\", mode = \"overwrite\" } ]",
                        ),
                        (
                            "backfill = \"w\"",
                            "  [[scenario.backfill]]\n  targets = [\"w\"]\n  from = \"2025-03-01\"\n  to = \"2025-03-07\"",
                        ),
                    ],
                )
            },
        ),
    ]
}

#[test]
fn following_the_hints_gives_a_model_that_loads() {
    let fixes = fixes();
    let stems: Vec<String> = corpus()
        .iter()
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    let listed: Vec<&str> = fixes.iter().map(|f| f.0).collect();
    assert_eq!(stems, listed, "every file has its fix, in order");
    for (path, (stem, phrase, fix)) in corpus().iter().zip(fixes) {
        let (_, source, d) = load(path);
        let said: Vec<String> = d
            .diagnostics
            .iter()
            .flat_map(|d| [d.message.clone(), d.help.clone().unwrap_or_default()])
            .collect();
        assert!(
            said.iter().any(|s| s.contains(phrase)),
            "{stem}: nothing says `{phrase}`: {said:#?}"
        );
        let fixed = fix(&source);
        if let Err(d) = schedsim::model::load_str(stem, &fixed) {
            panic!("{stem}: following the hints gives\n{}\n{fixed}", d.render());
        }
    }
}
