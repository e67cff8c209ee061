//! The models in `models/`: each is valid, the decoder and the JSON Schema agree on
//! every key, and what each resolves to is pinned.

use std::path::{Path, PathBuf};

use serde_json::json;

fn models() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("models");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 3, "models/ holds the example models");
    files
}

fn toml_to_json(text: &str) -> serde_json::Value {
    let value: toml::Table = toml::from_str(text).unwrap();
    serde_json::to_value(value).unwrap()
}

/// The document the decoder reads, written back as JSON, is the file itself: every key
/// the file uses is one the decoder knows by the same name (and so the schema, which
/// is derived from the same types).
#[test]
fn decoding_keeps_every_key_and_value() {
    for path in models() {
        let text = std::fs::read_to_string(&path).unwrap();
        let doc = schedsim::model::parse_document(&path.display().to_string(), &text)
            .unwrap_or_else(|d| panic!("{}", d.render()));
        assert_eq!(
            serde_json::to_value(&doc).unwrap(),
            toml_to_json(&text),
            "{}",
            path.display()
        );
    }
}

#[test]
fn the_schema_accepts_every_example_model() {
    let schema: serde_json::Value =
        serde_json::from_str(&schedsim::model::schema::json_schema_text()).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the schema is a valid JSON Schema");
    for path in models() {
        let instance = toml_to_json(&std::fs::read_to_string(&path).unwrap());
        let errors: Vec<String> = validator
            .iter_errors(&instance)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{}: {errors:?}", path.display());
    }
}

/// The schema is not a rubber stamp: shapes the decoder rejects, it rejects too.
#[test]
fn the_schema_rejects_wrong_shapes() {
    let schema: serde_json::Value =
        serde_json::from_str(&schedsim::model::schema::json_schema_text()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/broken");
    for name in [
        "unknown_task_key",
        "unknown_top_level_key",
        "unknown_rule_knob",
        "unknown_profile",
        "unknown_write_mode",
        "wrong_type_slots",
        "wrong_type_upstream",
        "wrong_type_duration",
        "missing_profile",
        "missing_workflow",
        "negative_duration",
        "zero_slots",
    ] {
        let instance =
            toml_to_json(&std::fs::read_to_string(dir.join(format!("{name}.toml"))).unwrap());
        assert!(
            !validator.is_valid(&instance),
            "the schema accepts tests/broken/{name}.toml"
        );
    }
}

/// What each example resolves to: the profile's rules, groups, tasks and scenarios.
#[test]
fn example_models_resolve_as_pinned() {
    for path in models() {
        let model = schedsim::model::load_file(&path).unwrap_or_else(|d| panic!("{}", d.render()));
        let name = |t: schedsim::model::TaskId| model.task(t).name.clone();
        let summary = json!({
            "name": model.name,
            "profile": model.profile,
            "ds_version": model.ds_version.map(|v| v.to_string()),
            "timezone": model.timezone_name,
            "rules": model.rules,
            "groups": model.groups.iter().map(|g| json!({"name": g.name, "slots": g.slots})).collect::<Vec<_>>(),
            "tasks": model.tasks.iter().enumerate().map(|(i, t)| json!({
                "name": t.name,
                "cron": model.cron_of(schedsim::model::TaskId(i as u32)),
                "upstream": t.upstream.iter().map(|u| name(*u)).collect::<Vec<_>>(),
                "group": model.groups[t.group.0 as usize].name,
                "priority": t.priority,
                "self_dependency": t.self_dependency,
                "duration": format!("{:?}", t.duration),
                "retry": format!("{:?}", t.retry),
                "writes": t.writes.iter().map(|w| format!("{} {} {}", w.mode, w.table, w.partition.as_deref().unwrap_or("(whole table)"))).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "scenarios": model.scenarios.iter().map(|s| json!({
                "name": s.name,
                "start": s.start.to_string(),
                "until": s.until.map(|u| u.to_string()),
                "recurring": s.recurring,
                "backfills": s.backfills.iter().map(|b| format!("{:?}", b)).collect::<Vec<_>>(),
                "faults": s.faults.len(),
                "operations": s.operations.len(),
            })).collect::<Vec<_>>(),
        });
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        insta::with_settings!({
            snapshot_path => "../snapshots/models",
            prepend_module_to_snapshot => false,
            omit_expression => true,
        }, {
            insta::assert_json_snapshot!(stem, summary);
        });
    }
}

/// What each scenario of each model does, with seed 0: the `schedsim run` summary
/// and the `schedsim check` verdicts with their witnesses, pinned. A change here is a
/// change in simulated behaviour: review it.
#[test]
fn every_scenario_runs_and_checks_as_pinned() {
    use schedsim::engine::Config;
    use schedsim::observe::summary::Identity;
    use schedsim::observe::{Summary, observe};
    for path in models() {
        let model = schedsim::model::load_file(&path).unwrap_or_else(|d| panic!("{}", d.render()));
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        for scenario in &model.scenarios {
            let config = Config::new(0, 50_000_000);
            let (e, findings, _) = observe::<Vec<u8>>(&model, scenario, config, None)
                .unwrap_or_else(|err| panic!("{stem} {}: {err}", scenario.name));
            let summary = Summary::new(
                &e,
                findings,
                Identity {
                    scenario: &scenario.name,
                    seed: 0,
                    model_hash: schedsim::model::model_hash(&std::fs::read(&path).unwrap()),
                },
                false,
            );
            insta::with_settings!({
                snapshot_path => "../snapshots/runs",
                prepend_module_to_snapshot => false,
                omit_expression => true,
            }, {
                insta::assert_snapshot!(
                    format!("{stem}__{}", scenario.name),
                    format!("{}\n{}", summary.text(), summary.check_text())
                );
            });
        }
    }
}
