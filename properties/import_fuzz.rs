//! Mutated exports never panic the importer, and whatever it accepts validates: an
//! import either fails with a JSON path (exit 2) or writes a model the loader accepts.

use proptest::prelude::*;
use schedsim::import::{Format, Input, Options, import};
use serde_json::Value;

const FIXTURES: [(Format, &str); 2] = [
    (
        Format::Dolphinscheduler,
        "tests/import/dolphinscheduler/warehouse.json",
    ),
    (
        Format::Dolphinscheduler,
        "tests/import/dolphinscheduler/hourly_3.3.json",
    ),
];

fn read(rel: &str) -> String {
    std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)).unwrap()
}

/// A fixture as a JSON value (YAML ones read with the importer's YAML crate).
fn value(rel: &str) -> Value {
    if rel.ends_with(".yaml") {
        serde_norway::from_str(&read(rel)).unwrap()
    } else {
        serde_json::from_str(&read(rel)).unwrap()
    }
}

/// Every node of a document, by its path of keys and indices.
fn paths(v: &Value, here: Vec<String>, out: &mut Vec<Vec<String>>) {
    out.push(here.clone());
    match v {
        Value::Array(items) => items.iter().enumerate().for_each(|(i, x)| {
            let mut p = here.clone();
            p.push(i.to_string());
            paths(x, p, out);
        }),
        Value::Object(m) => m.iter().for_each(|(k, x)| {
            let mut p = here.clone();
            p.push(k.clone());
            paths(x, p, out);
        }),
        _ => {}
    }
}

fn node<'a>(v: &'a mut Value, path: &[String]) -> &'a mut Value {
    path.iter().fold(v, |v, k| match v {
        Value::Array(items) => &mut items[k.parse::<usize>().unwrap()],
        Value::Object(m) => m.get_mut(k).unwrap(),
        _ => unreachable!("paths lead through containers"),
    })
}

fn replacement(choice: u8, n: i64) -> Value {
    match choice % 9 {
        0 => Value::Null,
        1 => n.into(),
        2 => (-n).into(),
        3 => "NO".into(),
        4 => "0 0 2 * * ?".into(),
        5 => "INSERT INTO t PARTITION (dt='${bizdate}') SELECT 1; UPDATE x".into(),
        6 => Value::Array(vec![]),
        7 => serde_json::json!({}),
        _ => "".into(),
    }
}

fn assert_valid(format: Format, text: String) {
    let inputs = [Input {
        file: "fuzz.json".into(),
        text,
    }];
    if let Ok(imported) = import(format, &inputs, &Options::default())
        && let Err(d) = schedsim::model::load_str("imported", &imported.toml)
    {
        panic!(
            "an accepted import does not validate:\n{}\n{}",
            d.render(),
            imported.toml
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    #[test]
    fn mutated_node_never_panics_and_accepted_imports_validate(
        which in 0..FIXTURES.len(),
        pick in any::<prop::sample::Index>(),
        choice in any::<u8>(),
        n in 0i64..200_000_000_000_000,
    ) {
        let (format, rel) = FIXTURES[which];
        let mut v = value(rel);
        let mut all = Vec::new();
        paths(&v, Vec::new(), &mut all);
        let path = pick.get(&all).clone();
        *node(&mut v, &path) = replacement(choice, n);
        assert_valid(format, serde_json::to_string(&v).unwrap());
    }

    #[test]
    fn removed_member_never_panics(which in 0..FIXTURES.len(), pick in any::<prop::sample::Index>()) {
        let (format, rel) = FIXTURES[which];
        let mut v = value(rel);
        let mut all = Vec::new();
        paths(&v, Vec::new(), &mut all);
        let path = pick.get(&all).clone();
        if let Some((last, up)) = path.split_last() {
            match node(&mut v, up) {
                Value::Object(m) => { m.remove(last); }
                Value::Array(items) => { items.remove(last.parse::<usize>().unwrap()); }
                _ => {}
            }
        }
        assert_valid(format, serde_json::to_string(&v).unwrap());
    }

    #[test]
    fn truncated_text_never_panics(which in 0..FIXTURES.len(), cut in any::<prop::sample::Index>()) {
        let (format, rel) = FIXTURES[which];
        let text = read(rel);
        let mut at = cut.index(text.len());
        while !text.is_char_boundary(at) { at -= 1; }
        assert_valid(format, text[..at].to_string());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, .. ProptestConfig::default() })]

    /// The SQL reader takes any text: quotes, comments and parameters left open,
    /// multi-byte characters anywhere.
    #[test]
    fn sql_analysis_never_panics(script in "(INSERT|OVERWRITE|INTO|TABLE|PARTITION|MERGE|CREATE|AS|SELECT|TRUNCATE|ALTER|DROP|[ (),;=.'\"`\\\\]|--|/\\*|\\$\\{|\\$\\[|\\{\\{|[a-z0-9_]|[订单]|\n){0,60}") {
        for st in schedsim::import::sql::analyze(&script) {
            prop_assert!(!st.text.is_empty());
        }
    }
}
