//! Writes inferred from SQL scripts: which table and partition each statement writes,
//! and how (overwrite, insert, merge).
//!
//! A small lexer (comments, string literals, backticks, scheduling parameters
//! `${...}`, `$[...]`, `{{ ... }}` kept whole) splits a script into statements at
//! top-level `;`; each statement is classified by its leading keywords. Nothing is
//! guessed silently: a statement that is not understood is returned as unclassified,
//! with the reason.

use crate::model::WriteMode;

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    /// An identifier or keyword (backticks and double quotes removed).
    Word(String),
    /// A single-quoted string literal's content.
    Str(String),
    /// A scheduling parameter, as written: `${bizdate}`, `$[yyyymmdd-1]`, `{{ ds }}`.
    Param(String),
    Num(String),
    Punct(char),
}

impl Tok {
    fn is(&self, keyword: &str) -> bool {
        matches!(self, Tok::Word(w) if w.eq_ignore_ascii_case(keyword))
    }

    fn raw(&self) -> String {
        match self {
            Tok::Word(w) | Tok::Param(w) | Tok::Num(w) => w.clone(),
            Tok::Str(s) => format!("'{s}'"),
            Tok::Punct(c) => c.to_string(),
        }
    }
}

/// The value a partition column is given.
#[derive(Clone, Debug, PartialEq)]
pub enum PartValue {
    /// A value with scheduling parameters, as written: `${bizdate}`, `{{ ds }}`.
    Param(String),
    /// A literal: the same partition on every date.
    Literal(String),
    /// The clock of the execution: `today()` or `now()`, with what was written.
    Clock(&'static str, String),
    /// An expression not understood, as written.
    Unknown(String),
}

/// One inferred write.
#[derive(Clone, Debug, PartialEq)]
pub struct SqlWrite {
    pub table: String,
    /// Static partition columns and their values; `None`: a table-level write.
    pub partition: Option<Vec<(String, PartValue)>>,
    /// Partition columns whose values come from the data (dynamic partitions).
    pub dynamic: Vec<String>,
    pub mode: WriteMode,
    /// The pattern that gave the mode: "INSERT OVERWRITE", "TRUNCATE + INSERT INTO"...
    pub pattern: String,
}

/// What one statement does.
#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    Writes(Vec<SqlWrite>),
    /// Understood, and writes no table (SELECT, SET, DDL without data...).
    NoWrite,
    /// Not understood: the reason.
    Unclassified(String),
}

/// One statement of a script: its text (comments around it removed) and what it does.
#[derive(Clone, Debug, PartialEq)]
pub struct Statement {
    pub text: String,
    pub kind: Kind,
}

/// Splits a script into statements and classifies each; empty statements are skipped.
pub fn analyze(script: &str) -> Vec<Statement> {
    let mut out = Vec::new();
    // Tables cleared earlier in the script (TRUNCATE, DELETE, DROP PARTITION...), with
    // how: a later INSERT INTO them replaces what was there.
    let mut cleared: Vec<(String, &'static str)> = Vec::new();
    for (text, toks) in statements(script) {
        let kind = classify(&toks, &mut cleared);
        out.push(Statement { text, kind });
    }
    out
}

/// The statements of a script: their source text and tokens.
fn statements(script: &str) -> Vec<(String, Vec<Tok>)> {
    let mut out = Vec::new();
    let mut toks = Vec::new();
    let (mut first, mut last) = (None::<usize>, 0usize);
    let b = script.as_bytes();
    let mut i = 0;
    let mut push = |toks: &mut Vec<Tok>, first: &mut Option<usize>, last: usize| {
        if let Some(f) = first.take()
            && !toks.is_empty()
        {
            out.push((script[f..last].trim().to_string(), std::mem::take(toks)));
        }
        toks.clear();
    };
    while i < b.len() {
        let c = b[i];
        let start = i;
        let tok = if c.is_ascii_whitespace() {
            i += 1;
            None
        } else if script[i..].starts_with("--") {
            i = script[i..].find('\n').map_or(b.len(), |n| i + n);
            None
        } else if script[i..].starts_with("/*") {
            i = script[i + 2..]
                .find("*/")
                .map_or(b.len(), |n| i + 2 + n + 2);
            None
        } else if c == b';' {
            i += 1;
            push(&mut toks, &mut first, last);
            None
        } else if c == b'\'' || c == b'"' || c == b'`' {
            let (content, end) = quoted(script, i);
            i = end;
            Some(if c == b'\'' {
                Tok::Str(content)
            } else {
                Tok::Word(content)
            })
        } else if script[i..].starts_with("${") || script[i..].starts_with("$[") {
            let close = if b[i + 1] == b'{' { '}' } else { ']' };
            i = script[i..].find(close).map_or(b.len(), |n| i + n + 1);
            Some(Tok::Param(script[start..i].to_string()))
        } else if script[i..].starts_with("{{") {
            i = script[i..].find("}}").map_or(b.len(), |n| i + n + 2);
            Some(Tok::Param(script[start..i].to_string()))
        } else if c.is_ascii_digit() {
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'.') {
                i += 1;
            }
            Some(Tok::Num(script[start..i].to_string()))
        } else if c.is_ascii_alphabetic() || c == b'_' || c >= 0x80 {
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] >= 0x80) {
                i += 1;
            }
            Some(Tok::Word(script[start..i].to_string()))
        } else {
            let ch = script[i..].chars().next().unwrap_or(' ');
            i += ch.len_utf8();
            Some(Tok::Punct(ch))
        };
        if let Some(t) = tok {
            first.get_or_insert(start);
            last = i;
            toks.push(t);
        }
    }
    push(&mut toks, &mut first, last);
    out
}

/// A quoted literal starting at `i`: its content and the index after it. Doubled
/// quotes and backslash escapes stay inside; an unclosed literal runs to the end.
fn quoted(s: &str, i: usize) -> (String, usize) {
    let b = s.as_bytes();
    let q = b[i];
    let mut j = i + 1;
    while j < b.len() {
        if b[j] == b'\\' {
            j += 2;
            continue;
        }
        if b[j] == q {
            if j + 1 < b.len() && b[j + 1] == q {
                j += 2;
                continue;
            }
            return (s[i + 1..j].to_string(), j + 1);
        }
        j += 1;
    }
    (s[i + 1..].to_string(), b.len())
}

/// Keywords of statements that write no table data.
const NO_WRITE: [&str; 22] = [
    "SELECT",
    "SET",
    "USE",
    "ADD",
    "SHOW",
    "DESC",
    "DESCRIBE",
    "EXPLAIN",
    "ANALYZE",
    "MSCK",
    "REFRESH",
    "INVALIDATE",
    "COMMENT",
    "GRANT",
    "REVOKE",
    "CALL",
    "DROP",
    "ALTER",
    "VALUES",
    "RESET",
    "COMPUTE",
    "CACHE",
];

fn classify(toks: &[Tok], cleared: &mut Vec<(String, &'static str)>) -> Kind {
    let Some(Tok::Word(head)) = toks.first() else {
        return Kind::Unclassified("does not start with a keyword".into());
    };
    let head = head.to_ascii_uppercase();
    match head.as_str() {
        "TRUNCATE" => {
            let at = 1 + usize::from(toks.get(1).is_some_and(|t| t.is("TABLE")));
            if let Some((table, _)) = name(toks, at) {
                cleared.push((table, "TRUNCATE"));
            }
            Kind::NoWrite
        }
        "DELETE" => {
            let at = 1 + usize::from(toks.get(1).is_some_and(|t| t.is("FROM")));
            if let Some((table, _)) = name(toks, at) {
                cleared.push((table, "DELETE"));
            }
            Kind::NoWrite
        }
        "ALTER" if toks.iter().any(|t| t.is("DROP")) && toks.iter().any(|t| t.is("PARTITION")) => {
            if let Some((table, _)) = name(toks, 2) {
                cleared.push((table, "ALTER TABLE DROP PARTITION"));
            }
            Kind::NoWrite
        }
        "DROP" if toks.get(1).is_some_and(|t| t.is("TABLE")) => {
            let at = if toks.get(2).is_some_and(|t| t.is("IF")) {
                4
            } else {
                2
            };
            if let Some((table, _)) = name(toks, at) {
                cleared.push((table, "DROP TABLE"));
            }
            Kind::NoWrite
        }
        "CREATE" => create(toks),
        "REPLACE" | "UPSERT" => match name(
            toks,
            1 + usize::from(toks.get(1).is_some_and(|t| t.is("INTO"))),
        ) {
            Some((table, _)) => Kind::Writes(vec![SqlWrite {
                table,
                partition: None,
                dynamic: Vec::new(),
                mode: WriteMode::Merge,
                pattern: format!("{head} INTO (an upsert by key)"),
            }]),
            None => Kind::Unclassified(format!("{head} without a table name")),
        },
        "UPDATE" => Kind::Unclassified(
            "UPDATE changes rows in place: neither an overwrite, an insert nor a merge".into(),
        ),
        "LOAD" => load(toks, cleared),
        h if NO_WRITE.contains(&h) && !has_insert(toks) => Kind::NoWrite,
        _ => inserts(toks, cleared),
    }
}

/// Whether a statement has a top-level INSERT or MERGE (after `WITH`, `FROM`...).
fn has_insert(toks: &[Tok]) -> bool {
    top_level(toks).any(|i| toks[i].is("INSERT") || toks[i].is("MERGE"))
}

/// Indices of the tokens outside parentheses.
fn top_level(toks: &[Tok]) -> impl Iterator<Item = usize> + '_ {
    let mut depth = 0i32;
    toks.iter().enumerate().filter_map(move |(i, t)| match t {
        Tok::Punct('(') => {
            depth += 1;
            None
        }
        Tok::Punct(')') => {
            depth -= 1;
            None
        }
        _ if depth == 0 => Some(i),
        _ => None,
    })
}

/// A possibly qualified table name at `at` (`db.t`, `${db}.t`): the name and the
/// index after it.
fn name(toks: &[Tok], at: usize) -> Option<(String, usize)> {
    let mut s = String::new();
    let mut i = at;
    loop {
        match toks.get(i) {
            Some(Tok::Word(w)) => s.push_str(w),
            Some(Tok::Param(p)) => s.push_str(p),
            _ => break,
        }
        i += 1;
        if toks.get(i) == Some(&Tok::Punct('.')) {
            s.push('.');
            i += 1;
        } else {
            break;
        }
    }
    (!s.is_empty() && !s.ends_with('.')).then_some((s, i))
}

/// `CREATE [OR REPLACE] [TEMPORARY|EXTERNAL] TABLE [IF NOT EXISTS] t ... AS SELECT`.
fn create(toks: &[Tok]) -> Kind {
    let Some(table_at) = toks.iter().position(|t| t.is("TABLE")) else {
        return Kind::NoWrite; // views, functions, databases
    };
    let replace = toks[..table_at].iter().any(|t| t.is("REPLACE"));
    let if_not_exists = toks.get(table_at + 1).is_some_and(|t| t.is("IF"));
    let at = table_at + 1 + if if_not_exists { 3 } else { 0 };
    let Some((table, _)) = name(toks, at) else {
        return Kind::Unclassified("CREATE TABLE without a table name".into());
    };
    // `AS SELECT`, `AS WITH`, `AS (SELECT`: not `STORED AS ORC`.
    let as_select = top_level(toks).any(|i| {
        toks[i].is("AS")
            && toks
                .get(i + 1)
                .is_some_and(|t| t.is("SELECT") || t.is("WITH") || *t == Tok::Punct('('))
    });
    if !as_select {
        return Kind::NoWrite;
    }
    if if_not_exists {
        return Kind::Unclassified(format!(
            "CREATE TABLE IF NOT EXISTS {table} AS SELECT: only the first execution writes, later ones keep its rows"
        ));
    }
    Kind::Writes(vec![SqlWrite {
        table,
        partition: None,
        dynamic: Vec::new(),
        mode: WriteMode::Overwrite,
        pattern: if replace {
            "CREATE OR REPLACE TABLE AS".into()
        } else {
            "CREATE TABLE AS (the whole table)".into()
        },
    }])
}

/// `LOAD DATA [LOCAL] INPATH '...' [OVERWRITE] INTO TABLE t [PARTITION (...)]`.
fn load(toks: &[Tok], cleared: &[(String, &'static str)]) -> Kind {
    let Some(into) = toks.iter().position(|t| t.is("INTO")) else {
        return Kind::Unclassified("LOAD without INTO".into());
    };
    let overwrite = toks[..into].iter().any(|t| t.is("OVERWRITE"));
    let at = into + 1 + usize::from(toks.get(into + 1).is_some_and(|t| t.is("TABLE")));
    match target(toks, at, overwrite, "LOAD DATA", cleared) {
        Some(w) => Kind::Writes(vec![w]),
        None => Kind::Unclassified("LOAD DATA without a table name".into()),
    }
}

/// Every top-level INSERT and MERGE of a statement (Hive's multi-insert `FROM src
/// INSERT ... INSERT ...` writes several tables).
fn inserts(toks: &[Tok], cleared: &[(String, &'static str)]) -> Kind {
    let mut writes = Vec::new();
    let on_duplicate = toks
        .windows(2)
        .any(|w| w[0].is("DUPLICATE") && w[1].is("KEY"));
    for i in top_level(toks).collect::<Vec<_>>() {
        if toks[i].is("MERGE") && toks.get(i + 1).is_some_and(|t| t.is("INTO")) {
            match name(toks, i + 2) {
                Some((table, _)) => writes.push(SqlWrite {
                    table,
                    partition: None,
                    dynamic: Vec::new(),
                    mode: WriteMode::Merge,
                    pattern: "MERGE INTO".into(),
                }),
                None => return Kind::Unclassified("MERGE INTO without a table name".into()),
            }
            // WHEN ... THEN INSERT / UPDATE belong to the MERGE.
            break;
        } else if toks[i].is("INSERT") {
            let mut j = i + 1;
            let overwrite = toks.get(j).is_some_and(|t| t.is("OVERWRITE"));
            let into = toks.get(j).is_some_and(|t| t.is("INTO"));
            if toks.get(j).is_some_and(|t| t.is("OR")) {
                // INSERT OR REPLACE INTO t (SQLite, Spark Delta): an upsert.
                j += 3;
                if let Some((table, _)) = name(toks, j) {
                    writes.push(SqlWrite {
                        table,
                        partition: None,
                        dynamic: Vec::new(),
                        mode: WriteMode::Merge,
                        pattern: "INSERT OR REPLACE (an upsert by key)".into(),
                    });
                    continue;
                }
                return Kind::Unclassified("INSERT OR ... without a table name".into());
            }
            if !overwrite && !into {
                return Kind::Unclassified("INSERT without INTO or OVERWRITE".into());
            }
            j += 1;
            if toks.get(j).is_some_and(|t| t.is("TABLE")) {
                j += 1;
            }
            let pattern = if overwrite {
                "INSERT OVERWRITE"
            } else {
                "INSERT INTO"
            };
            match target(toks, j, overwrite, pattern, cleared) {
                Some(mut w) => {
                    if on_duplicate && !overwrite {
                        w.mode = WriteMode::Merge;
                        w.pattern = "INSERT ... ON DUPLICATE KEY UPDATE (an upsert by key)".into();
                    }
                    writes.push(w);
                }
                None => return Kind::Unclassified(format!("{pattern} without a table name")),
            }
        }
    }
    if writes.is_empty() {
        Kind::Unclassified(
            "not a statement schedsim knows (no INSERT, MERGE or CREATE TABLE AS)".into(),
        )
    } else {
        Kind::Writes(writes)
    }
}

/// The table and partition a write names at `at`, and its mode: an INSERT INTO after
/// the table was cleared earlier in the script replaces it.
fn target(
    toks: &[Tok],
    at: usize,
    overwrite: bool,
    pattern: &str,
    cleared: &[(String, &'static str)],
) -> Option<SqlWrite> {
    let (table, mut j) = name(toks, at)?;
    if toks.get(j).is_some_and(|t| t.is("IF")) {
        j += 3; // IF NOT EXISTS (Hive)
    }
    let mut partition = None;
    let mut dynamic = Vec::new();
    if toks.get(j).is_some_and(|t| t.is("PARTITION")) && toks.get(j + 1) == Some(&Tok::Punct('(')) {
        let (spec, dyn_cols) = partition_spec(toks, j + 2);
        dynamic = dyn_cols;
        partition = Some(spec);
    }
    let before = cleared.iter().rev().find(|(t, _)| *t == table);
    let (mode, pattern) = match (overwrite, before) {
        (true, _) => (WriteMode::Overwrite, pattern.to_string()),
        (false, Some((_, how))) => (WriteMode::Overwrite, format!("{how} + {pattern}")),
        (false, None) if pattern == "LOAD DATA" => (WriteMode::Insert, "LOAD DATA INTO".into()),
        (false, None) => (WriteMode::Insert, pattern.to_string()),
    };
    if partition.as_ref().is_some_and(Vec::is_empty) {
        // Only dynamic columns: which partitions are written comes from the data.
        partition = Some(Vec::new());
    }
    Some(SqlWrite {
        table,
        partition,
        dynamic,
        mode,
        pattern,
    })
}

/// `col = value, col2, ...)` from `at`: static columns with their values, and the
/// dynamic columns (no value).
fn partition_spec(toks: &[Tok], at: usize) -> (Vec<(String, PartValue)>, Vec<String>) {
    let (mut fixed, mut dynamic) = (Vec::new(), Vec::new());
    let mut i = at;
    while let Some(Tok::Word(col)) = toks.get(i) {
        i += 1;
        if toks.get(i) == Some(&Tok::Punct('=')) {
            i += 1;
            let mut depth = 0;
            let start = i;
            while let Some(t) = toks.get(i) {
                match t {
                    Tok::Punct('(') => depth += 1,
                    Tok::Punct(')') if depth == 0 => break,
                    Tok::Punct(')') => depth -= 1,
                    Tok::Punct(',') if depth == 0 => break,
                    _ => {}
                }
                i += 1;
            }
            fixed.push((col.clone(), value(&toks[start..i])));
        } else {
            dynamic.push(col.clone());
        }
        match toks.get(i) {
            Some(Tok::Punct(',')) => i += 1,
            _ => break,
        }
    }
    (fixed, dynamic)
}

/// Functions that read the execution's day, and its time.
const TODAY: [&str; 5] = ["CURRENT_DATE", "TODAY", "CURDATE", "SYSDATE", "GETDATE"];
const NOW: [&str; 5] = [
    "NOW",
    "CURRENT_TIMESTAMP",
    "LOCALTIMESTAMP",
    "UNIX_TIMESTAMP",
    "SYSTIMESTAMP",
];

/// What a partition column's value expression names.
fn value(toks: &[Tok]) -> PartValue {
    let raw = toks.iter().map(Tok::raw).collect::<Vec<_>>().join("");
    match toks {
        [Tok::Str(s)] if s.contains("${") || s.contains("$[") || s.contains("{{") => {
            PartValue::Param(s.clone())
        }
        [Tok::Str(s)] | [Tok::Num(s)] => PartValue::Literal(s.clone()),
        [Tok::Param(p)] => PartValue::Param(p.clone()),
        _ => {
            let word = |list: &[&str]| {
                toks.iter().any(
                    |t| matches!(t, Tok::Word(w) if list.iter().any(|k| w.eq_ignore_ascii_case(k))),
                )
            };
            if word(&NOW) {
                PartValue::Clock("now()", raw)
            } else if word(&TODAY) {
                PartValue::Clock("today()", raw)
            } else {
                PartValue::Unknown(raw)
            }
        }
    }
}

/// The model's partition expression for static columns: `dt=${bizdate}/hr=01`, or
/// the value not understood.
pub fn partition_text(spec: &[(String, PartValue)]) -> Result<String, String> {
    let mut parts = Vec::new();
    for (col, v) in spec {
        let v = match v {
            PartValue::Param(s) | PartValue::Literal(s) => s.clone(),
            PartValue::Clock(c, _) => (*c).to_string(),
            PartValue::Unknown(raw) => {
                return Err(format!(
                    "the value of partition column `{col}` is not understood: {raw}"
                ));
            }
        };
        parts.push(format!("{col}={v}"));
    }
    Ok(parts.join("/"))
}

#[cfg(test)]
mod tests {
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
}
