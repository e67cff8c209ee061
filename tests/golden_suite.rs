//! `schedsim test`: the repo's own golden suite passes; a rule change fails it with a
//! readable diff; `--bless` updates; a header-only change is reported as such; the
//! JUnit report validates against the committed schema (tests/junit/junit.xsd).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use quick_xml::events::{BytesStart, Event};

#[path = "support/bin.rs"]
mod bin;
use bin::{schedsim, text};

/// A copy of one example model and its goldens in a directory of its own.
fn suite_with(name: &str, model: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("schedsim-suite-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let goldens = dir.join("goldens").join(model);
    std::fs::create_dir_all(&goldens).unwrap();
    std::fs::copy(
        format!("models/{model}.toml"),
        dir.join(format!("{model}.toml")),
    )
    .unwrap();
    for e in std::fs::read_dir(format!("models/goldens/{model}")).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), goldens.join(e.file_name())).unwrap();
    }
    dir
}

/// CI runs the suite through this test: every scenario of every model in models/
/// matches its committed golden.
#[test]
fn test_passes_on_the_repo_models_with_their_committed_goldens() {
    let out = schedsim(&["test", "models/"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    let models = std::fs::read_dir("models")
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "toml")
        })
        .count();
    let scenarios = stdout
        .lines()
        .filter(|l| l.trim_start().starts_with("PASS "))
        .count();
    assert!(scenarios >= models, "{stdout}");
    assert!(
        stdout.contains(&format!(
            "Summary {scenarios} scenarios: {scenarios} passed"
        )),
        "{stdout}"
    );
}

#[test]
fn test_fails_with_a_readable_diff_when_a_rule_knob_changes_and_bless_updates_the_golden() {
    let model = "dolphinscheduler-3.3-parallel-complement";
    let dir = suite_with("knob", model);
    let path = dir.join(format!("{model}.toml"));
    let source = std::fs::read_to_string(&path).unwrap();
    // 3.3's chunk split replaced by a sliding window of three dates.
    let knob = "profile_version = \"3.3\"\n\n[rules]\ngroup_split = \"window\"\n";
    std::fs::write(
        &path,
        source.replacen("profile_version = \"3.3\"\n", knob, 1),
    )
    .unwrap();
    let d = dir.to_str().unwrap();
    let out = schedsim(&["test", d]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains(&format!(
            "FAIL {model} :: parallel-into-the-future (outcome)"
        )),
        "{stdout}"
    );
    let failures = stdout
        .split("FAILURES:")
        .nth(1)
        .expect("failures at the end");
    assert!(
        failures.contains("outcome: different outcomes"),
        "{failures}"
    );
    assert!(failures.contains("dates starting together:"), "{failures}");
    assert!(failures.contains("makespan: 3h 00m -> "), "{failures}");
    let golden = dir.join(format!("goldens/{model}/parallel-into-the-future.jsonl"));
    let before = std::fs::read_to_string(&golden).unwrap();
    let blessed = schedsim(&["test", d, "--bless"]);
    assert_eq!(blessed.status.code(), Some(0), "{}", text(&blessed.stdout));
    assert!(
        text(&blessed.stdout).contains("BLESSED"),
        "{}",
        text(&blessed.stdout)
    );
    assert_ne!(std::fs::read_to_string(&golden).unwrap(), before);
    let again = schedsim(&["test", d]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again.stdout));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn test_reports_a_missing_golden_as_new_and_fails_until_blessed() {
    let model = "dolphinscheduler-retry-backfill";
    let dir = suite_with("new", model);
    let golden = dir.join(format!("goldens/{model}/complement-10-days.jsonl"));
    std::fs::remove_file(&golden).unwrap();
    let d = dir.to_str().unwrap();
    let out = schedsim(&["test", d]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains(&format!("NEW {model} :: complement-10-days")),
        "{stdout}"
    );
    assert!(stdout.contains("1 new"), "{stdout}");
    assert!(!golden.exists(), "nothing written without --bless");
    assert_eq!(schedsim(&["test", d, "--bless"]).status.code(), Some(0));
    assert!(golden.exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn test_reports_a_header_only_change_as_such() {
    let model = "dolphinscheduler-retry-backfill";
    let dir = suite_with("header", model);
    let path = dir.join(format!("{model}.toml"));
    let source = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        format!("# a comment changes the model hash only\n{source}"),
    )
    .unwrap();
    let out = schedsim(&["test", dir.to_str().unwrap()]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains(
            "PASS dolphinscheduler-retry-backfill :: complement-10-days (same results; model_hash "
        ),
        "{stdout}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Regression: a golden cut short was read as a whole run. A golden ends with its end
/// line now; one without it is an ERROR naming the file and line. A golden of format
/// 1 (written before, no end line) passes, says so, and `--bless` writes it anew.
#[test]
fn test_refuses_a_golden_cut_short_and_blesses_a_format_1_golden_anew() {
    let model = "dolphinscheduler-retry-backfill";
    let dir = suite_with("cut", model);
    let golden = dir.join(format!("goldens/{model}/complement-10-days.jsonl"));
    let whole = std::fs::read_to_string(&golden).unwrap();
    assert!(whole.ends_with("}}\n") && whole.lines().last().unwrap().starts_with("{\"end\":"));
    let kept: Vec<&str> = whole.lines().take(10).collect();
    std::fs::write(&golden, kept.join("\n") + "\n").unwrap();
    let d = dir.to_str().unwrap();
    let out = schedsim(&["test", d]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{stdout}");
    assert!(
        stdout.contains(&format!(
            "{}:10: the golden record stops after this line without its end line",
            golden.display()
        )),
        "{stdout}"
    );
    // Format 1: no `format` in the header, no end line.
    let mut lines: Vec<String> = whole.lines().map(str::to_string).collect();
    lines.pop();
    lines[0] = lines[0].replace(",\"format\":2", "");
    std::fs::write(&golden, lines.join("\n") + "\n").unwrap();
    let out = schedsim(&["test", d]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains(&format!(
            "PASS {model} :: complement-10-days (same results; format 1 -> 2)"
        )),
        "{stdout}"
    );
    assert_eq!(schedsim(&["test", d, "--bless"]).status.code(), Some(0));
    assert_eq!(std::fs::read_to_string(&golden).unwrap(), whole);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn test_refuses_a_missing_directory_and_a_broken_model_with_exit_2() {
    let out = schedsim(&["test", "no/such/dir"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).starts_with("error: no/such/dir"));
    let dir = suite_with("broken", "dolphinscheduler-retry-backfill");
    std::fs::write(dir.join("broken.toml"), "[model]\nname = 1\n").unwrap();
    let out = schedsim(&["test", dir.to_str().unwrap()]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{stdout}");
    assert!(stdout.contains("ERROR broken :: (model)"), "{stdout}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The rules of the schema's elements: allowed children, attributes with their
/// type and whether required, and whether text is allowed.
#[derive(Default, Debug)]
struct Rule {
    children: BTreeSet<String>,
    attributes: BTreeMap<String, (String, bool)>,
    text: bool,
}

fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    e.try_get_attribute(name).unwrap().map(|a| {
        a.normalized_value(quick_xml::XmlVersion::Explicit1_0)
            .unwrap()
            .into_owned()
    })
}

/// Reads the XSD: each top-level `xs:element` and what its complex type allows.
fn schema(xsd: &str) -> BTreeMap<String, Rule> {
    let mut reader = quick_xml::Reader::from_str(xsd);
    let mut rules: BTreeMap<String, Rule> = BTreeMap::new();
    let mut current: Option<String> = None;
    let mut depth = 0;
    loop {
        let (e, empty) = match reader.read_event().unwrap() {
            Event::Eof => break,
            Event::Start(e) => (e, false),
            Event::Empty(e) => (e, true),
            Event::End(_) => {
                depth -= 1;
                if depth == 1 {
                    current = None;
                }
                continue;
            }
            _ => continue,
        };
        let tag = e.name().into_inner().to_string();
        match (tag.as_str(), depth, &current) {
            ("xs:element", 1, _) => {
                let name = attr(&e, "name").unwrap();
                let rule = rules.entry(name.clone()).or_default();
                rule.text = attr(&e, "type").as_deref() == Some("xs:string");
                current = Some(name);
            }
            ("xs:complexType", _, Some(c)) => {
                rules.get_mut(c).unwrap().text |= attr(&e, "mixed").as_deref() == Some("true");
            }
            ("xs:element", _, Some(c)) => {
                let child = attr(&e, "ref").unwrap();
                rules.get_mut(c).unwrap().children.insert(child);
            }
            ("xs:attribute", _, Some(c)) => {
                let required = attr(&e, "use").as_deref() == Some("required");
                rules.get_mut(c).unwrap().attributes.insert(
                    attr(&e, "name").unwrap(),
                    (attr(&e, "type").unwrap(), required),
                );
            }
            _ => {}
        }
        if !empty {
            depth += 1;
        }
    }
    rules
}

/// Every problem of a document against the rules; `root` is the element it must start with.
fn validate(xml: &str, rules: &BTreeMap<String, Rule>, root: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut stack: Vec<String> = Vec::new();
    let mut seen_root = false;
    loop {
        let event = match reader.read_event() {
            Ok(e) => e,
            Err(e) => {
                problems.push(format!("not well-formed: {e}"));
                break;
            }
        };
        let (e, empty) = match event {
            Event::Eof => break,
            Event::Start(e) => (e, false),
            Event::Empty(e) => (e, true),
            Event::End(_) => {
                stack.pop();
                continue;
            }
            Event::Text(t) => {
                let parent = stack.last().cloned().unwrap_or_default();
                if !t.into_inner().trim().is_empty() && !rules.get(&parent).is_some_and(|r| r.text)
                {
                    problems.push(format!("text inside <{parent}>"));
                }
                continue;
            }
            _ => continue,
        };
        let name = e.name().into_inner().to_string();
        match stack.last() {
            None if seen_root => problems.push(format!("a second root <{name}>")),
            None if name != root => problems.push(format!("root is <{name}>, not <{root}>")),
            Some(parent) if !rules[parent].children.contains(&name) => {
                problems.push(format!("<{name}> inside <{parent}>"));
            }
            _ => {}
        }
        seen_root = true;
        let Some(rule) = rules.get(&name) else {
            problems.push(format!("<{name}> is not in the schema"));
            continue;
        };
        let mut present = BTreeSet::new();
        for a in e.attributes() {
            let a = a.unwrap();
            let key = a.key.into_inner().to_string();
            let value = a
                .normalized_value(quick_xml::XmlVersion::Explicit1_0)
                .unwrap()
                .into_owned();
            match rule.attributes.get(&key).map(|(t, _)| t.as_str()) {
                None => problems.push(format!("<{name}> has no attribute {key}")),
                Some("xs:nonNegativeInteger") if value.parse::<u64>().is_err() => {
                    problems.push(format!("<{name} {key}=\"{value}\">: not a count"));
                }
                Some("xs:decimal") if value.parse::<f64>().is_err() => {
                    problems.push(format!("<{name} {key}=\"{value}\">: not a decimal"));
                }
                _ => {}
            }
            present.insert(key);
        }
        for (key, (_, required)) in &rule.attributes {
            if *required && !present.contains(key) {
                problems.push(format!("<{name}> lacks the required {key}"));
            }
        }
        if !empty {
            stack.push(name);
        }
    }
    problems
}

#[test]
fn the_schema_checker_rejects_what_the_schema_forbids() {
    let rules = schema(&std::fs::read_to_string("tests/junit/junit.xsd").unwrap());
    let bad = "<testsuites><testsuite tests=\"x\"><testcase name=\"a\"><oops/></testcase>text</testsuite></testsuites>";
    let problems = validate(bad, &rules, "testsuites");
    for expected in [
        "<testsuite tests=\"x\">: not a count",
        "<testsuite> lacks the required name",
        "<testcase> lacks the required classname",
        "<oops> inside <testcase>",
        "text inside <testsuite>",
    ] {
        assert!(
            problems.iter().any(|p| p == expected),
            "{expected}: {problems:?}"
        );
    }
}

#[test]
fn junit_report_validates_against_the_junit_schema_and_counts_its_failures() {
    let rules = schema(&std::fs::read_to_string("tests/junit/junit.xsd").unwrap());
    let model = "dolphinscheduler-complement-rerun";
    let dir = suite_with("junit", model);
    std::fs::remove_file(dir.join(format!("goldens/{model}/failure-stops-the-chain.jsonl")))
        .unwrap();
    let path = dir.join(format!("{model}.toml"));
    let source = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        source.replace(
            "profile_version = \"3.2\"\n",
            "profile_version = \"3.2\"\n\n[rules]\nrerun_complement = \"single\"\n",
        ),
    )
    .unwrap();
    std::fs::write(dir.join("zz-broken.toml"), "[model\n").unwrap();
    let report = dir.join("junit.xml");
    let out = schedsim(&[
        "test",
        dir.to_str().unwrap(),
        "--junit",
        report.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stdout));
    let xml = std::fs::read_to_string(&report).unwrap();
    assert_eq!(
        validate(&xml, &rules, "testsuites"),
        Vec::<String>::new(),
        "{xml}"
    );
    assert!(
        xml.contains("<testsuites name=\"schedsim test\" tests=\"3\" failures=\"2\" errors=\"1\">"),
        "{xml}"
    );
    assert!(
        xml.contains("<failure message=\"outcome: different outcomes"),
        "{xml}"
    );
    assert!(xml.contains("<failure message=\"no golden yet\""), "{xml}");
    assert!(xml.contains("<error message="), "{xml}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn goldens_note_version_model_hash_and_tzdb() {
    let golden =
        Path::new("models/goldens/dolphinscheduler-retry-backfill/complement-10-days.jsonl");
    let header: serde_json::Value = serde_json::from_str(
        std::fs::read_to_string(golden)
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    let source = std::fs::read("models/dolphinscheduler-retry-backfill.toml").unwrap();
    assert_eq!(header["schedsim"], env!("CARGO_PKG_VERSION"));
    assert_eq!(header["tzdb"], "2026e");
    assert_eq!(
        header["model_hash"],
        sha1_smol::Sha1::from(&source).digest().to_string()
    );
    assert_eq!(header["seed"], 0);
}

#[test]
fn test_reports_the_golden_of_a_renamed_scenario_as_stale_and_bless_removes_it() {
    let model = "dolphinscheduler-retry-backfill";
    let dir = suite_with("stale", model);
    let path = dir.join(format!("{model}.toml"));
    let source = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        source.replace("name = \"complement-10-days\"", "name = \"ten-days\""),
    )
    .unwrap();
    let d = dir.to_str().unwrap();
    let out = schedsim(&["test", d]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains(&format!("NEW {model} :: ten-days")),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("STALE {model} :: complement-10-days")),
        "{stdout}"
    );
    let old = dir.join(format!("goldens/{model}/complement-10-days.jsonl"));
    assert!(old.exists(), "nothing removed without --bless");
    let blessed = schedsim(&["test", d, "--bless"]);
    assert_eq!(blessed.status.code(), Some(0), "{}", text(&blessed.stdout));
    assert!(!old.exists());
    assert!(dir.join(format!("goldens/{model}/ten-days.jsonl")).exists());
    assert_eq!(schedsim(&["test", d]).status.code(), Some(0));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn scenario_seeds_each_get_a_golden_of_their_own() {
    // The retry backfill draws durations from its seed: seeds 0 and 3 are two runs,
    // and a golden recorded under one seed must not pass for the other.
    let model = "dolphinscheduler-retry-backfill";
    let dir = suite_with("seeds", model);
    let path = dir.join(format!("{model}.toml"));
    let source = std::fs::read_to_string(&path).unwrap();
    let seeded = source.replacen(
        "name = \"complement-10-days\"\n",
        "name = \"complement-10-days\"\nseeds = [0, 3]\n",
        1,
    );
    assert_ne!(seeded, source, "the scenario is where the test expects it");
    std::fs::write(&path, seeded).unwrap();
    let d = dir.to_str().unwrap();
    let out = schedsim(&["test", d]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        // Seed 0 keeps its golden; only the model's hash changed.
        stdout.contains(&format!(
            "PASS {model} :: complement-10-days (same results; model_hash"
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("NEW {model} :: complement-10-days (seed 3)")),
        "{stdout}"
    );
    assert_eq!(schedsim(&["test", d, "--bless"]).status.code(), Some(0));
    let seed0 = dir.join(format!("goldens/{model}/complement-10-days.jsonl"));
    let seed3 = dir.join(format!("goldens/{model}/complement-10-days.seed-3.jsonl"));
    let (a, b) = (
        std::fs::read_to_string(&seed0).unwrap(),
        std::fs::read_to_string(&seed3).unwrap(),
    );
    assert!(b.lines().next().unwrap().contains("\"seed\":3"), "{b}");
    assert_ne!(a.lines().nth(1), None);
    assert_ne!(
        a.lines().skip(1).collect::<Vec<_>>(),
        b.lines().skip(1).collect::<Vec<_>>(),
        "seed 3 draws other durations"
    );
    // A swapped golden is refused: each seed is compared with its own.
    std::fs::write(&seed3, &a).unwrap();
    let out = schedsim(&["test", d]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stdout).contains("the golden records scenario `complement-10-days` seed 0, not this case's scenario `complement-10-days` seed 3"),
        "{}",
        text(&out.stdout)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A golden records results, not notes: a case whose run noted something of itself
/// (here a scripted fault that matches no execution) passes, and the suite says what
/// it noted under its line, in the summary and in the JUnit report.
#[test]
fn a_passing_case_shows_what_its_run_noted() {
    let dir = std::env::temp_dir().join(format!("schedsim-suite-notes-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let base = std::fs::read_to_string("tests/explore/insert-under-retries.toml").unwrap();
    std::fs::write(
        dir.join("missed-fault.toml"),
        format!(
            "{base}\n  [[scenario.fault]]\n  task = \"w.load\"\n  scheduled = \"2025-03-02T03:00:00\"\n  attempts = [1]\n"
        ),
    )
    .unwrap();
    let never = "note: fault w.load scheduled 2025-03-02T03:00:00+00:00 attempt 1: never ran";
    let d = dir.to_str().unwrap();
    let blessed = text(&schedsim(&["test", d, "--bless"]).stdout);
    assert!(blessed.contains(never), "{blessed}");
    let report = dir.join("junit.xml");
    let out = schedsim(&["test", d, "--junit", report.to_str().unwrap()]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    let lines: Vec<&str> = stdout.lines().collect();
    let pass = lines
        .iter()
        .position(|l| l.trim_start().starts_with("PASS missed-fault :: "))
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(lines[pass + 1].trim_start().starts_with(never), "{stdout}");
    assert!(
        stdout.contains("Summary 1 scenarios: 1 passed (0 blessed), 0 failed, 0 new, 0 stale, 0 errors; 1 with notes"),
        "{stdout}"
    );
    let xml = std::fs::read_to_string(&report).unwrap();
    let rules = schema(&std::fs::read_to_string("tests/junit/junit.xsd").unwrap());
    assert_eq!(
        validate(&xml, &rules, "testsuites"),
        Vec::<String>::new(),
        "{xml}"
    );
    assert!(
        xml.contains(&format!("<system-out>{never}, so it did nothing")),
        "{xml}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A one-task model with the given `[[scenario]]` tables, alone in a suite directory.
fn suite_of(name: &str, scenarios: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("schedsim-suite-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let model = "[model]\nname = \"c\"\nprofile = \"dataworks\"\n\n[[workflow]]\nname = \"w\"\n  [[workflow.task]]\n  name = \"t\"\n  cron = \"00 00 02 * * ?\"\n  duration = \"10m\"\n";
    std::fs::write(dir.join("c.toml"), format!("{model}{scenarios}")).unwrap();
    dir
}

fn scenario(name: &str, seeds: &str) -> String {
    format!(
        "\n[[scenario]]\nname = \"{name}\"\nstart = \"2025-03-10T00:00:00\"\nseeds = {seeds}\n  [[scenario.backfill]]\n  targets = [\"w\"]\n  from = \"2025-03-01\"\n  to = \"2025-03-01\"\n"
    )
}

/// Review item 6: scenarios `one day` and `one_day` (and `x.seed-7` and `x` under seed
/// 7) had one golden file between them: `--bless` wrote it twice and reported both
/// blessed, and each later run compared one with the other's record. Both are
/// refused, named, and nothing is written for them.
#[test]
fn two_cases_of_one_golden_file_are_refused_naming_both() {
    let scenarios = [
        scenario("one day", "[0]"),
        scenario("one_day", "[0]"),
        scenario("x.seed-7", "[0]"),
        scenario("x", "[0, 7]"),
    ]
    .concat();
    let dir = suite_of("clash", &scenarios);
    let out = schedsim(&["test", dir.to_str().unwrap(), "--bless"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{stdout}");
    for (a, b, file) in [
        ("one day", "one_day", "one_day.jsonl"),
        ("one_day", "one day", "one_day.jsonl"),
        ("x.seed-7", "x (seed 7)", "x.seed-7.jsonl"),
        ("x (seed 7)", "x.seed-7", "x.seed-7.jsonl"),
    ] {
        assert!(stdout.contains(&format!("ERROR c :: {a}\n")), "{stdout}");
        let golden = dir.join("goldens/c").join(file);
        assert!(
            stdout.contains(&format!(
                "`{a}` and `{b}` both have the golden {}",
                golden.display()
            )),
            "{stdout}"
        );
        assert!(!golden.exists(), "{golden:?} written");
    }
    assert!(stdout.contains("BLESSED c :: x (new)"), "{stdout}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Review item 6: a golden is compared only with the case its header names.
#[test]
fn a_golden_of_another_scenario_or_seed_is_not_compared() {
    let dir = suite_of(
        "other",
        &[scenario("a", "[0, 3]"), scenario("b", "[0]")].concat(),
    );
    let d = dir.to_str().unwrap();
    assert_eq!(schedsim(&["test", d, "--bless"]).status.code(), Some(0));
    let goldens = dir.join("goldens/c");
    // Same results, other header: a's golden in b's place, seed 3's in seed 0's.
    std::fs::copy(goldens.join("a.jsonl"), goldens.join("b.jsonl")).unwrap();
    std::fs::copy(goldens.join("a.seed-3.jsonl"), goldens.join("a.jsonl")).unwrap();
    let out = schedsim(&["test", d]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{stdout}");
    for (case, was, is) in [
        ("b", "`a` seed 0", "`b` seed 0"),
        ("a", "`a` seed 3", "`a` seed 0"),
    ] {
        assert!(stdout.contains(&format!("ERROR c :: {case}\n")), "{stdout}");
        assert!(
            stdout.contains(&format!(
                "the golden records scenario {was}, not this case's scenario {is}"
            )),
            "{stdout}"
        );
    }
    let out = schedsim(&["test", d, "--bless"]);
    assert!(
        text(&out.stdout).contains("BLESSED c :: b (rewritten)"),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(schedsim(&["test", d]).status.code(), Some(0));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Review item 7: the goldens of a model deleted from the directory were never looked
/// at (`0 stale`, exit 0, and `--bless` kept them). They are stale, as the goldens of
/// a deleted scenario are, and `--bless` removes them and their emptied directory.
#[test]
fn the_goldens_of_a_deleted_model_are_stale_and_bless_removes_them() {
    let model = "dolphinscheduler-retry-backfill";
    let dir = suite_with("deleted", model);
    let removed = dir.join("goldens/removed");
    std::fs::create_dir_all(&removed).unwrap();
    std::fs::copy(
        dir.join(format!("goldens/{model}/complement-10-days.jsonl")),
        removed.join("s.jsonl"),
    )
    .unwrap();
    let d = dir.to_str().unwrap();
    let out = schedsim(&["test", d]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("STALE removed :: s\n"), "{stdout}");
    assert!(stdout.contains(", 1 stale, "), "{stdout}");
    assert!(
        stdout.contains("the directory has no model of this name"),
        "{stdout}"
    );
    assert!(
        removed.join("s.jsonl").exists(),
        "nothing removed without --bless"
    );
    let out = schedsim(&["test", d, "--bless"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains("BLESSED removed :: s (removed)"));
    assert!(!removed.exists());
    assert_eq!(schedsim(&["test", d]).status.code(), Some(0));
    std::fs::remove_dir_all(&dir).unwrap();
}
