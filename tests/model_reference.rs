//! docs/model-format.md against the loader (issue 10): every key the loader accepts is
//! documented and every documented key is accepted, table by table; every example
//! validates with `schedsim validate`; the table of scheduler names is the one
//! `src/model/aliases.rs` holds (which the loader's messages read).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use schedsim::model::aliases;

const DOC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/model-format.md");
const BEGIN: &str = "<!-- scheduler-names:begin -->\n";
const END: &str = "<!-- scheduler-names:end -->";

fn doc() -> String {
    std::fs::read_to_string(DOC).expect("docs/model-format.md exists")
}

/// Where in a model a one-line example is written.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Place {
    Model,
    Rules,
    Group,
    Workflow,
    Task,
    Scenario,
    Backfill,
    Fault,
    Operation,
    Stretch,
}

/// Each section of the page: its heading, where its examples go, and the line that
/// puts an unknown key `zz_probe` into that table (the loader then lists the keys it
/// accepts there).
const SECTIONS: &[(&str, Option<Place>, Place, &str)] = &[
    ("The top level", None, Place::Model, ""),
    (
        "`[model]`",
        Some(Place::Model),
        Place::Model,
        "zz_probe = 1",
    ),
    (
        "`[rules]`",
        Some(Place::Rules),
        Place::Rules,
        "zz_probe = 1",
    ),
    (
        "`[[resource_group]]`",
        Some(Place::Group),
        Place::Group,
        "zz_probe = 1",
    ),
    (
        "`[[workflow]]`",
        Some(Place::Workflow),
        Place::Workflow,
        "zz_probe = 1",
    ),
    (
        "`[[workflow.task]]`",
        Some(Place::Task),
        Place::Task,
        "zz_probe = 1",
    ),
    (
        "`[[workflow.task.depends]]`",
        Some(Place::Task),
        Place::Task,
        "depends = [{ workflow = \"other_workflow\", zz_probe = 1 }]",
    ),
    (
        "`duration`",
        Some(Place::Task),
        Place::Task,
        "duration = { uniform = [\"1m\", \"2m\"], zz_probe = 1 }",
    ),
    (
        "`lognormal`",
        Some(Place::Task),
        Place::Task,
        "duration = { lognormal = { median = \"1m\", p95 = \"2m\", zz_probe = 1 } }",
    ),
    (
        "`effective`",
        Some(Place::Task),
        Place::Task,
        "effective = { from = \"2025-01-01\", to = \"2025-12-31\", zz_probe = 1 }",
    ),
    (
        "`retry`",
        Some(Place::Task),
        Place::Task,
        "retry = { times = 1, zz_probe = 1 }",
    ),
    (
        "`fail`",
        Some(Place::Task),
        Place::Task,
        "fail = { probability = 0.1, zz_probe = 1 }",
    ),
    (
        "`writes`",
        Some(Place::Task),
        Place::Task,
        "writes = [ { table = \"t\", mode = \"insert\", zz_probe = 1 } ]",
    ),
    (
        "`[[scenario]]`",
        Some(Place::Scenario),
        Place::Scenario,
        "zz_probe = 1",
    ),
    (
        "`[[scenario.backfill]]`",
        Some(Place::Backfill),
        Place::Backfill,
        "zz_probe = 1",
    ),
    (
        "`[[scenario.fault]]`",
        Some(Place::Fault),
        Place::Fault,
        "zz_probe = 1",
    ),
    (
        "`[[scenario.operation]]`",
        Some(Place::Operation),
        Place::Operation,
        "zz_probe = 1",
    ),
    (
        "`[[scenario.stretch]]`",
        Some(Place::Stretch),
        Place::Stretch,
        "zz_probe = 1",
    ),
    // The tables after the last one of the small model: each probe starts its own
    // table (its keys differ from the stretch's, which keeps its own). No place for
    // their one-line examples; the section's ```toml block is validated whole.
    (
        "`[[scenario.history]]`",
        None,
        Place::Stretch,
        "  [[scenario.history]]\n  workflow = \"orders\"\n  from = \"2025-03-01T02:00:00\"\n  to = \"2025-03-02T02:00:00\"\n  state = \"succeeded\"\n  zz_probe = 1",
    ),
    (
        "`[[scenario.trigger]]`",
        None,
        Place::Stretch,
        "  [[scenario.trigger]]\n  workflow = \"orders\"\n  at = \"2025-03-10T10:00:00\"\n  zz_probe = 1",
    ),
    (
        "`[[expect]]`",
        None,
        Place::Stretch,
        "[[expect]]\nname = \"e\"\nmakespan_at_most = \"1h\"\nzz_probe = 1",
    ),
];

const PROFILES: [&str; 3] = ["dataworks", "dolphinscheduler", "airflow"];

/// A small valid model of `profile` with `lines` written into `place`; a key the
/// lines set replaces the model's own line for it.
fn model_with(profile: &str, place: Option<Place>, lines: &str) -> String {
    let dw = profile == "dataworks";
    let set: BTreeSet<String> = lines
        .lines()
        .filter_map(|l| l.split_once('=').map(|(k, _)| k.trim().to_string()))
        .collect();
    let (from, to) = if dw {
        ("2025-03-01", "2025-03-03")
    } else {
        ("2025-03-01T02:00:00", "2025-03-03T02:00:00")
    };
    let table = |p: Place, defaults: Vec<String>| -> String {
        let mut out: Vec<String> = defaults
            .into_iter()
            .filter(|d| {
                let key = d.split_once('=').unwrap().0.trim();
                place != Some(p)
                    || !(set.contains(key)
                        || (set.contains("dates") && (key == "from" || key == "to"))
                        || (set.contains("schedule") && key == "cron"))
            })
            .collect();
        if place == Some(p) {
            out.push(lines.to_string());
        }
        out.join("\n") + "\n"
    };
    let cron = match profile {
        "dataworks" => None,
        "dolphinscheduler" => Some("cron = \"0 0 2 * * ? *\""),
        _ => Some("cron = \"0 2 * * *\""),
    };
    let task_cron = dw.then_some("cron = \"00 00 02 * * ?\"");
    let mut m = String::new();
    m += "[model]\n";
    m += &table(
        Place::Model,
        vec![
            "name = \"ref\"".into(),
            format!("profile = \"{profile}\""),
            "timezone = \"Asia/Shanghai\"".into(),
        ],
    );
    m += "\n[rules]\n";
    m += &table(Place::Rules, vec![]);
    m += "\n[[resource_group]]\n";
    m += &table(
        Place::Group,
        vec!["name = \"etl\"".into(), "slots = 4".into()],
    );
    m += "\n[[resource_group]]\nname = \"tg_etl\"\nslots = 2\n";
    m += "\n[[resource_group]]\nname = \"etl_pool\"\nslots = 4\n";
    m += "\n[[resource_group]]\nname = \"di_shared\"\nslots = 4\n";
    m += "\n[[workflow]]\n";
    m += &table(
        Place::Workflow,
        ["name = \"orders\""]
            .into_iter()
            .chain(cron)
            .map(String::from)
            .collect(),
    );
    m += "  [[workflow.task]]\n  name = \"extract\"\n";
    if let Some(c) = task_cron {
        m += &format!("  {c}\n");
    }
    m += "  [[workflow.task]]\n";
    m += &table(
        Place::Task,
        [
            "name = \"load\"",
            "retry = { times = 2, interval = \"5m\" }",
        ]
        .into_iter()
        .chain(task_cron)
        .map(String::from)
        .collect(),
    );
    m += "\n[[workflow]]\nname = \"other_workflow\"\n";
    if let Some(c) = cron {
        m += &format!("{c}\n");
    }
    m += "  [[workflow.task]]\n  name = \"task\"\n";
    if let Some(c) = task_cron {
        m += &format!("  {c}\n");
    }
    m += "\n[[scenario]]\n";
    m += &table(
        Place::Scenario,
        vec![
            "name = \"s\"".into(),
            "start = \"2025-03-10T09:00:00\"".into(),
            "until = \"2025-03-20T00:00:00\"".into(),
        ],
    );
    m += "  [[scenario.backfill]]\n";
    m += &table(
        Place::Backfill,
        vec![
            "targets = [\"orders\"]".into(),
            format!("from = \"{from}\""),
            format!("to = \"{to}\""),
        ],
    );
    let instance = [
        "task = \"orders.load\"".to_string(),
        "scheduled = \"2025-03-02T02:00:00\"".into(),
    ];
    m += "  [[scenario.fault]]\n";
    m += &table(Place::Fault, instance.to_vec());
    m += "  [[scenario.operation]]\n";
    m += &table(
        Place::Operation,
        [
            "at = \"2025-03-10T15:00:00\"".to_string(),
            "kind = \"rerun\"".into(),
        ]
        .into_iter()
        .chain(instance)
        .collect(),
    );
    // On `extract`: a probe may make `load` a DEPENDENT task, which has nothing to
    // stretch.
    m += "  [[scenario.stretch]]\n";
    m += &table(
        Place::Stretch,
        [
            "task = \"orders.extract\"".to_string(),
            "scheduled = \"2025-03-02T02:00:00\"".into(),
            "factor = 2".into(),
        ]
        .into(),
    );
    m
}

/// Runs `schedsim validate` on `text`; its exit code and stderr.
fn validate(dir: &Path, name: &str, text: &str) -> (Option<i32>, String) {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_schedsim"))
        .arg("validate")
        .arg(&path)
        .output()
        .expect("the binary runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "schedsim-model-reference-{name}-{}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The page's sections: heading → (key rows as (key, example), toml blocks).
struct Section {
    keys: Vec<(String, String)>,
    blocks: Vec<String>,
}

fn sections(page: &str) -> BTreeMap<String, Section> {
    let mut out: BTreeMap<String, Section> = BTreeMap::new();
    let mut current: Option<String> = None;
    let mut block: Option<String> = None;
    for line in page.lines() {
        if let Some(b) = block.as_mut() {
            if line == "```" {
                let b = block.take().unwrap();
                let key = current.clone().unwrap_or_default();
                out.entry(key)
                    .or_insert(Section {
                        keys: vec![],
                        blocks: vec![],
                    })
                    .blocks
                    .push(b);
            } else {
                b.push_str(line);
                b.push('\n');
            }
            continue;
        }
        if line == "```toml" {
            block = Some(String::new());
        } else if let Some(h) = line.strip_prefix("## ") {
            current = Some(h.to_string());
        } else if let Some(row) = line.strip_prefix("| `") {
            let cells: Vec<&str> = line.split(" | ").collect();
            let key = row.split('`').next().unwrap().to_string();
            let example = cells.last().unwrap().trim_end_matches(" |").trim();
            let section = out
                .entry(current.clone().unwrap_or_default())
                .or_insert(Section {
                    keys: vec![],
                    blocks: vec![],
                });
            section.keys.push((key, example.to_string()));
        }
    }
    out
}

/// The keys the loader accepts in the table `probe` puts an unknown key into.
fn loader_keys(place: Place, probe: &str) -> BTreeSet<String> {
    let text = if probe.is_empty() {
        format!("zz_probe = 1\n{}", model_with("airflow", None, ""))
    } else {
        model_with("airflow", Some(place), probe)
    };
    let err = schedsim::model::load_str("probe.toml", &text).expect_err("the probe is refused");
    let json = err.to_json();
    let d = json
        .iter()
        .find(|d| d.message.contains("zz_probe"))
        .unwrap_or_else(|| panic!("no unknown-key diagnostic for {probe}: {json:?}"));
    d.expected
        .split('`')
        .skip(1)
        .step_by(2)
        .map(String::from)
        .collect()
}

#[test]
fn every_key_the_loader_accepts_is_documented_and_every_documented_key_is_accepted() {
    let page = doc();
    let secs = sections(&page);
    for (heading, _, place, probe) in SECTIONS {
        let accepted = loader_keys(*place, probe);
        let section = secs
            .get(*heading)
            .unwrap_or_else(|| panic!("docs/model-format.md has no section `## {heading}`"));
        let documented: BTreeSet<String> = section.keys.iter().map(|(k, _)| k.clone()).collect();
        assert_eq!(
            documented, accepted,
            "section {heading}: the documented keys (left) differ from the loader's (right)"
        );
    }
    // Every table of the format (each object of its JSON Schema) has its section.
    let schema: serde_json::Value =
        serde_json::from_str(&schedsim::model::schema::json_schema_text()).unwrap();
    let tables = schema["$defs"]
        .as_object()
        .unwrap()
        .values()
        .filter(|d| d.get("properties").is_some())
        .count()
        + 1;
    // `duration` is an untagged choice (no properties of its own) but has a section.
    assert_eq!(
        tables + 1,
        SECTIONS.len(),
        "a table of the format has no section here"
    );
}

#[test]
fn every_one_line_example_validates_in_a_model_of_some_profile() {
    let page = doc();
    let secs = sections(&page);
    let dir = scratch("lines");
    let mut checked = 0;
    for (heading, place, _, _) in SECTIONS {
        let Some(place) = place else { continue };
        for (key, example) in &secs[*heading].keys {
            if example.starts_with("[`") {
                continue; // a link to the table's own section
            }
            let code = example
                .strip_prefix('`')
                .and_then(|e| e.strip_suffix('`'))
                .unwrap_or_else(|| panic!("{heading} `{key}`: the example is not code: {example}"));
            assert!(
                code.starts_with(&format!("{key} ="))
                    || code.contains(&format!(" {key} ="))
                    || code.contains(&format!("{{ {key} ")),
                "{heading} `{key}`: the example does not show the key: {code}"
            );
            let mut errors = Vec::new();
            let ok = PROFILES.iter().any(|p| {
                let (code_, err) = validate(&dir, "line.toml", &model_with(p, Some(*place), code));
                errors.push(err);
                code_ == Some(0)
            });
            assert!(
                ok,
                "{heading} `{key}`: `{code}` validates under no profile:\n{}",
                errors.join("\n")
            );
            checked += 1;
        }
    }
    assert!(checked > 80, "only {checked} examples checked");
}

#[test]
fn every_toml_block_validates_whole_or_inside_a_model() {
    let page = doc();
    let secs = sections(&page);
    let dir = scratch("blocks");
    let mut complete = 0;
    for (heading, section) in &secs {
        let place = SECTIONS.iter().find(|s| s.0 == heading).and_then(|s| s.1);
        for block in &section.blocks {
            let texts: Vec<String> = if block.contains("[model]") {
                complete += 1;
                vec![block.clone()]
            } else if block.trim_start().starts_with('[') {
                // Tables of their own: after the model.
                PROFILES
                    .iter()
                    .map(|p| model_with(p, None, "") + "\n" + block)
                    .collect()
            } else {
                PROFILES
                    .iter()
                    .map(|p| model_with(p, place, block.trim_end()))
                    .collect()
            };
            let results: Vec<(Option<i32>, String)> = texts
                .iter()
                .map(|t| validate(&dir, "block.toml", t))
                .collect();
            assert!(
                results.iter().any(|(c, _)| *c == Some(0)),
                "a ```toml block of {heading} does not validate:\n{block}\n{}",
                results
                    .iter()
                    .map(|r| r.1.as_str())
                    .collect::<Vec<_>>()
                    .join("\n")
            );
        }
    }
    assert_eq!(complete, 3, "a complete model of each profile");
}

/// The minimal models the examples are checked in are themselves valid, so an
/// example that fails is the example's fault.
#[test]
fn the_wrapping_models_are_valid() {
    let dir = scratch("base");
    for p in PROFILES {
        let (code, err) = validate(&dir, "base.toml", &model_with(p, None, ""));
        assert_eq!(code, Some(0), "{p}: {err}");
    }
}

/// Set `SCHEDSIM_BLESS_DOCS=1` to write the table again after changing the aliases.
#[test]
fn the_scheduler_names_table_is_the_loaders_list() {
    let page = doc();
    let start = page.find(BEGIN).expect("the begin marker") + BEGIN.len();
    let end = page.find(END).expect("the end marker");
    let want = aliases::markdown();
    if std::env::var_os("SCHEDSIM_BLESS_DOCS").is_some() {
        let mut new = page.clone();
        new.replace_range(start..end, &want);
        std::fs::write(DOC, new).unwrap();
        return;
    }
    assert!(
        page[start..end] == want,
        "the table in docs/model-format.md differs from src/model/aliases.rs; run \
         `SCHEDSIM_BLESS_DOCS=1 cargo test --test model_reference` and review the diff"
    );
    // The names the issue asks for are there.
    for name in [
        "depends_on_past",
        "retries",
        "retry_delay",
        "retry_exponential_backoff",
        "max_retry_delay",
        "pool",
        "max_active_runs",
        "catchup",
        "failRetryTimes",
        "failRetryInterval",
        "taskGroupId",
        "taskPriority",
        "runMode",
        "expectedParallelismNumber",
        "rerunTimes",
        "rerunInterval",
        "rerunMode",
        "resourceGroup",
        "dependencies",
    ] {
        assert!(page.contains(&format!("| `{name}` |")), "{name}");
    }
}

/// Every scheduler name, written where its users write it, is refused with the line
/// to write instead, and that line (with the example value) is a key of ours that
/// validates in its table.
#[test]
fn each_scheduler_name_is_refused_with_ours_and_ours_validates() {
    let dir = scratch("aliases");
    for a in aliases::ALIASES {
        let to_place = |p: aliases::Place| match p {
            aliases::Place::Rules => Place::Rules,
            aliases::Place::ResourceGroup => Place::Group,
            aliases::Place::Workflow => Place::Workflow,
            aliases::Place::Task => Place::Task,
            aliases::Place::Scenario => Place::Scenario,
            aliases::Place::Backfill => Place::Backfill,
            aliases::Place::Operation => Place::Operation,
        };
        let (met, place) = (to_place(a.met), to_place(a.place));
        // Their name, with a value of the kind it carries.
        let value = match a.carry {
            aliases::Carry::Integer => "3",
            aliases::Carry::Boolean => "true",
            aliases::Carry::Millis => "120000",
            aliases::Carry::Seconds => "300",
            _ => "\"x\"",
        };
        let theirs = format!("{} = {value}", a.theirs);
        let (code, err) = validate(
            &dir,
            "theirs.toml",
            &model_with("airflow", Some(met), &theirs),
        );
        assert_eq!(code, Some(2), "{}: {err}", a.theirs);
        let said = format!(
            "`{}` is {} name: write ",
            a.theirs,
            a.scheduler.possessive()
        );
        assert!(err.contains(&said), "{}: {err}", a.theirs);
        assert!(err.contains("theirs.toml:"), "located: {err}");
        // Ours, when it is a line to write, validates under some profile.
        let ours = a.ours.replace("{v}", a.example);
        if ours.contains('`') {
            continue;
        }
        let ok = PROFILES
            .iter()
            .any(|p| validate(&dir, "ours.toml", &model_with(p, Some(place), &ours)).0 == Some(0));
        assert!(ok, "{}: `{ours}` does not validate in {place:?}", a.theirs);
    }
}

/// The README's tour is a complete model, and it shows the keys the issue found
/// missing from it.
#[test]
fn the_readme_tour_validates_and_shows_the_keys_people_ask_for() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let section = readme
        .find("## A tour of the model format")
        .expect("the tour's section");
    let start =
        section + readme[section..].find("```toml\n").expect("the tour") + "```toml\n".len();
    let tour = &readme[start..start + readme[start..].find("```").unwrap()];
    for key in [
        "upstream =",
        "fail =",
        "phase =",
        "timeout =",
        "effective =",
        "[[scenario.operation]]",
        "at =",
        "kind =",
    ] {
        assert!(tour.contains(key), "the tour does not show `{key}`");
    }
    let dir = scratch("readme");
    let (code, err) = validate(&dir, "tour.toml", tour);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        readme.contains("(docs/model-format.md)"),
        "the tour links the reference"
    );
}

/// Their words for our values (`kind = "clear"`) are refused with ours, and ours is a
/// value the loader takes there.
#[test]
fn each_scheduler_word_is_refused_with_ours_and_ours_validates() {
    let dir = scratch("words");
    for (what, theirs, _, ours) in aliases::WORDS {
        let (place, key) = match *what {
            "operation kind" => (Place::Operation, "kind"),
            "write mode" => (Place::Task, "writes"),
            other => panic!("no place for {other}"),
        };
        let line = |word: &str| match key {
            "kind" => format!("kind = \"{word}\""),
            _ => {
                format!("writes = [ {{ table = \"t\", partition = \"all\", mode = \"{word}\" }} ]")
            }
        };
        let (code, err) = validate(
            &dir,
            "theirs.toml",
            &model_with("airflow", Some(place), &line(theirs)),
        );
        assert_eq!(code, Some(2), "{theirs}: {err}");
        assert!(
            err.contains(&format!("write `\"{ours}\"`")),
            "{theirs}: {err}"
        );
        let ok = PROFILES.iter().any(|p| {
            validate(&dir, "ours.toml", &model_with(p, Some(place), &line(ours))).0 == Some(0)
        });
        assert!(ok, "{theirs}: `{ours}` is not a {what}");
    }
}
