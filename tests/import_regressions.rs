//! Regression tests of a review of `schedsim import`: each test is named after the
//! defect it pins, its export in tests/import/regressions/ (or built in the test).
//! A module of tests/import.rs, whose helpers it uses.

use serde_json::Value;

use super::{check_json, fixture, hazards};

/// The unclassified statements of a JSON report: (task, statement, reason).
fn unclassified(v: &Value) -> Vec<(String, String, String)> {
    v["report"]["unclassified"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            let s = |k: &str| u[k].as_str().unwrap().to_string();
            (s("task"), s("statement"), s("reason"))
        })
        .collect()
}

/// Item 1: dropping the partition of 30 days ago made the INSERT INTO yesterday's
/// partition an overwrite, and `--check` found no hazard.
#[test]
fn drop_of_another_partition_keeps_the_insert_under_retries_hazard() {
    let (code, v) = check_json("dolphinscheduler", &fixture("regressions/retention.json"));
    assert_eq!(code, 1, "{v:#}");
    let inferred = &v["report"]["inferred"][0];
    assert_eq!(inferred["mode"], "insert", "{inferred:#}");
    assert_eq!(inferred["partition"], "dt=$[yyyyMMdd-1]");
    let h = hazards(&v, "insert-under-retries");
    assert_eq!(h.len(), 1, "{v:#}");
    assert_eq!(h[0]["task"], "events.load_events");
    let u = unclassified(&v);
    assert_eq!(u.len(), 1, "{u:?}");
    assert!(u[0].1.starts_with("ALTER TABLE dw.events DROP"), "{u:?}");
}

/// Items 2 to 4, one Airflow DAG: `DELETE ... WHERE` + `INSERT INTO` was read as a
/// whole-table overwrite (a false hazard); a whole-table INSERT INTO got the
/// whole-table-overwrite hazard ("each date's rows replace the previous date's");
/// a DELETE alone appeared nowhere.
#[test]
fn delete_where_and_table_level_insert_give_no_whole_table_overwrite() {
    let (code, v) = check_json("airflow", &fixture("regressions/delete_where.json"));
    assert!(hazards(&v, "whole-table-overwrite").is_empty(), "{v:#}");
    let inferred: Vec<(&str, &str)> = v["report"]["inferred"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| (w["task"].as_str().unwrap(), w["mode"].as_str().unwrap()))
        .collect();
    assert_eq!(inferred, vec![("del.ins_del", "insert")]);
    let u: Vec<(String, String)> = unclassified(&v)
        .into_iter()
        .map(|(t, s, _)| (t, s))
        .collect();
    let want = [
        ("del.del_ins", "DELETE FROM dw.fact WHERE ds = '{{ ds }}'"),
        (
            "del.del_ins",
            "INSERT INTO dw.fact SELECT * FROM stg WHERE ds = '{{ ds }}'",
        ),
        (
            "del.ins_del",
            "DELETE FROM dw.log WHERE ts < now() - interval '30 days'",
        ),
        ("del.upd", "DELETE FROM dw.dim"),
    ];
    let want: Vec<(String, String)> = want
        .iter()
        .map(|(t, s)| (t.to_string(), s.to_string()))
        .collect();
    assert_eq!(u, want);
    // No hazard and every property holding: exit 0.
    assert_eq!(code, 0, "{v:#}");
}
