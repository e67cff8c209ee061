//! The SQL reader's classifications, statement by statement.

use super::*;

fn writes(script: &str) -> Vec<SqlWrite> {
    analyze(script)
        .into_iter()
        .flat_map(|s| match s.kind {
            Kind::Writes(w) => w,
            _ => Vec::new(),
        })
        .collect()
}

#[test]
fn insert_overwrite_partition_with_parameter() {
    let w = writes("INSERT OVERWRITE TABLE dw.orders PARTITION (dt='${bizdate}') SELECT 1");
    assert_eq!(w.len(), 1);
    assert_eq!(w[0].table, "dw.orders");
    assert_eq!(w[0].mode, WriteMode::Overwrite);
    assert_eq!(
        partition_text(w[0].partition.as_ref().unwrap()).unwrap(),
        "dt=${bizdate}"
    );
}

#[test]
fn insert_into_is_insert_and_bare_parameter_value() {
    let w = writes("insert into t partition (ds = {{ ds_nodash }}, hr=$[hh24]) select 1");
    assert_eq!(w[0].mode, WriteMode::Insert);
    assert_eq!(
        partition_text(w[0].partition.as_ref().unwrap()).unwrap(),
        "ds={{ ds_nodash }}/hr=$[hh24]"
    );
}

#[test]
fn literal_clock_and_unknown_partition_values() {
    let w = writes(
        "INSERT OVERWRITE TABLE a PARTITION (dt = '2024-04-01') SELECT 1;\
         INSERT OVERWRITE TABLE b PARTITION (dt = current_date) SELECT 1;\
         INSERT OVERWRITE TABLE c PARTITION (dt = date_format(now(), 'yyyyMMdd')) SELECT 1;\
         INSERT OVERWRITE TABLE d PARTITION (dt = substr(x, 1, 8)) SELECT 1",
    );
    let texts: Vec<_> = w
        .iter()
        .map(|w| partition_text(w.partition.as_ref().unwrap()))
        .collect();
    assert_eq!(texts[0].as_deref(), Ok("dt=2024-04-01"));
    assert_eq!(texts[1].as_deref(), Ok("dt=today()"));
    assert_eq!(texts[2].as_deref(), Ok("dt=now()"));
    assert!(texts[3].as_ref().unwrap_err().contains("substr(x,1,8)"));
}

#[test]
fn comments_and_strings_do_not_split_or_write() {
    let s = analyze(
        "-- INSERT INTO fake PARTITION (dt='x');\n/* INSERT INTO also_fake; */\
         SELECT 'a;INSERT INTO t' AS x; INSERT INTO real_t SELECT ';'",
    );
    assert_eq!(s.len(), 2, "{s:?}");
    assert_eq!(s[0].kind, Kind::NoWrite);
    let Kind::Writes(w) = &s[1].kind else {
        panic!("{s:?}")
    };
    assert_eq!(w[0].table, "real_t");
    assert_eq!(w[0].partition, None, "no PARTITION: a table-level write");
}

#[test]
fn merge_ctas_replace_and_truncate_insert() {
    let w = writes(
        "MERGE INTO tgt USING src ON tgt.id = src.id WHEN MATCHED THEN UPDATE SET v = 1;\
         CREATE TABLE snap AS SELECT * FROM x;\
         CREATE OR REPLACE TABLE snap2 AS SELECT 1;\
         REPLACE INTO kv SELECT 1;\
         TRUNCATE TABLE dim; INSERT INTO dim SELECT 1;\
         ALTER TABLE f DROP IF EXISTS PARTITION (dt='${bizdate}'); INSERT INTO f PARTITION (dt='${bizdate}') SELECT 1",
    );
    let got: Vec<_> = w
        .iter()
        .map(|w| (w.table.as_str(), w.mode, w.pattern.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("tgt", WriteMode::Merge, "MERGE INTO"),
            (
                "snap",
                WriteMode::Overwrite,
                "CREATE TABLE AS (the whole table)"
            ),
            ("snap2", WriteMode::Overwrite, "CREATE OR REPLACE TABLE AS"),
            ("kv", WriteMode::Merge, "REPLACE INTO (an upsert by key)"),
            ("dim", WriteMode::Overwrite, "TRUNCATE + INSERT INTO"),
            (
                "f",
                WriteMode::Overwrite,
                "ALTER TABLE DROP PARTITION + INSERT INTO"
            ),
        ]
    );
}

#[test]
fn dynamic_and_multi_insert() {
    let w = writes(
        "FROM src INSERT OVERWRITE TABLE a PARTITION (dt) SELECT * INSERT INTO TABLE b PARTITION (dt='${bizdate}', hr) SELECT *",
    );
    assert_eq!(w.len(), 2);
    assert_eq!(w[0].partition, Some(vec![]));
    assert_eq!(w[0].dynamic, vec!["dt".to_string()]);
    assert_eq!(w[1].dynamic, vec!["hr".to_string()]);
    let with = writes("WITH x AS (SELECT 1) INSERT OVERWRITE TABLE c SELECT * FROM x");
    assert_eq!(with[0].table, "c");
}

#[test]
fn unclassified_statements_say_why() {
    let s = analyze("UPDATE t SET a = 1; FOO BAR; CREATE TABLE IF NOT EXISTS z AS SELECT 1");
    assert!(
        s.iter().all(|s| matches!(s.kind, Kind::Unclassified(_))),
        "{s:?}"
    );
}

/// A directory export writes files, not a table named DIRECTORY or LOCAL: no write
/// of the model, listed as outside; a table named `directory` is still a table.
#[test]
fn directory_exports_write_no_table() {
    let s = analyze(
        "INSERT OVERWRITE DIRECTORY '/exports/${bizdate}' SELECT * FROM a;\
         insert overwrite local directory '/tmp/x' ROW FORMAT DELIMITED SELECT 1;\
         INSERT OVERWRITE DIRECTORY USING parquet OPTIONS ('path' '/x') SELECT 1;\
         FROM src INSERT OVERWRITE LOCAL DIRECTORY '/tmp/a' SELECT * INSERT OVERWRITE TABLE t PARTITION (dt='${bizdate}') SELECT *;\
         INSERT INTO directory SELECT 1;\
         INSERT OVERWRITE TABLE local SELECT 1",
    );
    let outside: Vec<Vec<&str>> = s
        .iter()
        .map(|s| s.outside.iter().map(|o| o.what.as_str()).collect())
        .collect();
    assert_eq!(
        outside,
        vec![
            vec!["INSERT OVERWRITE DIRECTORY '/exports/${bizdate}'"],
            vec!["INSERT OVERWRITE LOCAL DIRECTORY '/tmp/x'"],
            vec!["INSERT OVERWRITE DIRECTORY"],
            vec!["INSERT OVERWRITE LOCAL DIRECTORY '/tmp/a'"],
            vec![],
            vec![],
        ]
    );
    assert!(s[0].outside[0].why.contains("not a table"));
    for st in &s[..3] {
        assert_eq!(st.kind, Kind::NoWrite, "{st:?}");
    }
    let tables: Vec<_> = writes(
        &s.iter()
            .map(|s| s.text.clone())
            .collect::<Vec<_>>()
            .join(";"),
    )
    .into_iter()
    .map(|w| (w.table, w.mode))
    .collect();
    assert_eq!(
        tables,
        vec![
            ("t".to_string(), WriteMode::Overwrite),
            ("directory".to_string(), WriteMode::Insert),
            ("local".to_string(), WriteMode::Overwrite),
        ]
    );
}

/// Hive's `PARTITION (...) IF NOT EXISTS` writes the partition only when it does
/// not exist yet: like CREATE TABLE IF NOT EXISTS AS, only the first execution
/// writes, so no write mode holds it. Without it, an overwrite.
#[test]
fn insert_overwrite_if_not_exists_is_unclassified() {
    let s = analyze(
        "INSERT OVERWRITE TABLE dw.t PARTITION (dt='${bizdate}', hr=sub(1, 2)) IF NOT EXISTS SELECT 1;\
         INSERT OVERWRITE TABLE dw.u IF NOT EXISTS PARTITION (dt='${bizdate}') SELECT 1;\
         INSERT OVERWRITE TABLE dw.t PARTITION (dt='${bizdate}') SELECT 1",
    );
    for st in &s[..2] {
        let Kind::Unclassified(why) = &st.kind else {
            panic!("{st:?}")
        };
        assert!(why.contains("IF NOT EXISTS"), "{why}");
        assert!(
            why.contains("the partition is written only when it does not exist yet: only the first execution writes"),
            "{why}"
        );
    }
    let Kind::Writes(w) = &s[2].kind else {
        panic!("{:?}", s[2])
    };
    assert_eq!(w[0].mode, WriteMode::Overwrite);
}

/// SQLite's conflict clauses: REPLACE upserts; IGNORE (and MySQL's INSERT IGNORE)
/// keeps the row whose key exists, never replaces it: the store's merge (one copy),
/// never said to be an upsert; ABORT, FAIL and ROLLBACK are plain inserts.
#[test]
fn insert_or_conflict_clauses() {
    let got: Vec<_> = writes(
        "INSERT OR REPLACE INTO kv SELECT 1;\
         INSERT OR IGNORE INTO seen SELECT 1;\
         insert ignore into seen2 select 1;\
         INSERT OR ABORT INTO log SELECT 1;\
         TRUNCATE TABLE dim; INSERT OR IGNORE INTO dim SELECT 1",
    )
    .into_iter()
    .map(|w| (w.table, w.mode, w.pattern))
    .collect();
    let tables: Vec<_> = got.iter().map(|(t, m, _)| (t.as_str(), *m)).collect();
    assert_eq!(
        tables,
        vec![
            ("kv", WriteMode::Merge),
            ("seen", WriteMode::Merge),
            ("seen2", WriteMode::Merge),
            ("log", WriteMode::Insert),
            ("dim", WriteMode::Overwrite),
        ]
    );
    assert_eq!(got[0].2, "INSERT OR REPLACE INTO (an upsert by key)");
    for (_, _, pattern) in &got[1..3] {
        assert!(pattern.contains("IGNORE INTO"), "{pattern}");
        assert!(pattern.contains("not replaced"), "{pattern}");
        assert!(
            !pattern.contains("upsert") && !pattern.contains("REPLACE"),
            "{pattern}"
        );
    }
    assert_eq!(got[3].2, "INSERT OR ABORT INTO");
    assert_eq!(got[4].2, "TRUNCATE + INSERT OR IGNORE INTO");
    let s = analyze("INSERT OR WHATEVER INTO t SELECT 1; INSERT OR IGNORE t SELECT 1");
    assert!(
        s.iter().all(|s| matches!(s.kind, Kind::Unclassified(_))),
        "{s:?}"
    );
}

/// The reason of each unclassified statement, by index; None for the others.
fn reasons(s: &[Statement]) -> Vec<Option<&str>> {
    s.iter()
        .map(|s| match &s.kind {
            Kind::Unclassified(why) => Some(why.as_str()),
            _ => None,
        })
        .collect()
}

/// A retention cleanup (dropping the partition of 30 days ago) before an INSERT INTO
/// yesterday's partition left the insert an insert: only a drop of the partition
/// written makes it a replace. The drop itself, which nothing writes again, is said.
#[test]
fn drop_of_another_partition_does_not_make_insert_into_an_overwrite() {
    let s = analyze(
        "ALTER TABLE dw.events DROP IF EXISTS PARTITION (dt='$[yyyyMMdd-30]');\
         INSERT INTO TABLE dw.events PARTITION (dt='$[yyyyMMdd-1]') SELECT 1;\
         ALTER TABLE dw.f DROP PARTITION (DT = '${bizdate}'), PARTITION (dt='x');\
         INSERT INTO dw.f PARTITION (dt='${bizdate}') SELECT 1;\
         ALTER TABLE dw.g DROP PARTITION (dt < '${bizdate}');\
         INSERT INTO dw.g PARTITION (dt='${bizdate}') SELECT 1",
    );
    let modes: Vec<_> = writes(
        &s.iter()
            .map(|s| s.text.clone())
            .collect::<Vec<_>>()
            .join(";"),
    )
    .into_iter()
    .map(|w| (w.table, w.mode))
    .collect();
    assert_eq!(
        modes,
        vec![
            ("dw.events".to_string(), WriteMode::Insert),
            ("dw.f".to_string(), WriteMode::Overwrite),
            ("dw.g".to_string(), WriteMode::Insert),
        ]
    );
    let why = reasons(&s);
    assert!(
        why[0].is_some_and(|w| w.contains("dt=$[yyyyMMdd-30] of dw.events")),
        "{why:?}"
    );
    // The drop of `dt=${bizdate}` is written again: not a removal of the model.
    assert_eq!(why[2], None);
    assert!(
        why[4].is_some_and(|w| w.contains("a spec schedsim does not read")),
        "{why:?}"
    );
}

/// `DELETE ... WHERE ds = '{{ ds }}'; INSERT INTO` was read as replacing the whole
/// table: the condition picks the rows, which schedsim does not read, so neither
/// statement is classified (a wrong overwrite is worse than none).
#[test]
fn delete_with_a_condition_does_not_make_insert_into_a_whole_table_overwrite() {
    let s = analyze(
        "DELETE FROM dw.fact WHERE ds = '{{ ds }}';\
         INSERT INTO dw.fact SELECT * FROM stg WHERE ds = '{{ ds }}';\
         INSERT INTO dw.other SELECT 1",
    );
    let why = reasons(&s);
    assert!(
        why[0].is_some_and(|w| w.contains("with a condition")),
        "{why:?}"
    );
    assert!(
        why[1].is_some_and(|w| w.contains("not read as an overwrite")),
        "{why:?}"
    );
    let Kind::Writes(w) = &s[2].kind else {
        panic!("{:?}", s[2])
    };
    assert_eq!(w[0].mode, WriteMode::Insert);
}

/// A DELETE (or TRUNCATE) that no later statement writes again changes the table and
/// was dropped without a word: it is unclassified, as UPDATE is.
#[test]
fn delete_without_a_later_write_is_unclassified() {
    let s = analyze(
        "DELETE FROM dw.dim;\
         INSERT INTO dw.log SELECT 1; DELETE FROM dw.log WHERE ts < now();\
         TRUNCATE TABLE dw.t PARTITION (dt='${bizdate}');\
         TRUNCATE TABLE dw.u; INSERT INTO dw.u SELECT 1;\
         DROP TABLE IF EXISTS tmp.x",
    );
    let why = reasons(&s);
    assert!(
        why[0].is_some_and(|w| w.contains("every row of dw.dim")),
        "{why:?}"
    );
    assert_eq!(why[1], None, "the INSERT before the DELETE is an insert");
    assert!(why[2].is_some(), "{why:?}");
    assert!(
        why[3].is_some_and(|w| w.contains("partition dt=${bizdate} of dw.t")),
        "{why:?}"
    );
    // Written again: the TRUNCATE is part of the overwrite.
    assert_eq!(why[4], None);
    // DDL: a work table's end is no removal of the model's data.
    assert_eq!(why[6], None);
}
