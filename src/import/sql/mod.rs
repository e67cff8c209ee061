//! Writes inferred from SQL scripts: which table and partition each statement writes,
//! and how (overwrite, insert, merge).
//!
//! A small lexer (comments, string literals, backticks, scheduling parameters
//! `${...}`, `$[...]`, `{{ ... }}` kept whole) splits a script into statements at
//! top-level `;`; each statement is classified by its leading keywords. Nothing is
//! guessed silently: a statement that is not understood is returned as unclassified,
//! with the reason, and a write outside any table (`INSERT OVERWRITE DIRECTORY`) is
//! returned as such, for the import to list as dropped.

use crate::model::WriteMode;

mod clear;
use clear::{Before, Cleared};

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

/// A write outside any table: what it writes, as written, and why a model does not
/// carry it.
#[derive(Clone, Debug, PartialEq)]
pub struct Outside {
    /// `INSERT OVERWRITE LOCAL DIRECTORY '/exports/${bizdate}'`.
    pub what: String,
    pub why: &'static str,
}

/// One statement of a script: its text (comments around it removed), what it does to
/// tables, and what it writes outside them.
#[derive(Clone, Debug, PartialEq)]
pub struct Statement {
    pub text: String,
    pub kind: Kind,
    /// Writes that are no table's (directory exports): a statement that writes only
    /// those is `NoWrite`.
    pub outside: Vec<Outside>,
}

/// Splits a script into statements and classifies each; empty statements are skipped.
pub fn analyze(script: &str) -> Vec<Statement> {
    let mut out = Vec::new();
    // What earlier statements removed (TRUNCATE, DELETE, DROP PARTITION...): a later
    // INSERT INTO exactly that replaces it.
    let mut cleared: Vec<Cleared> = Vec::new();
    for (text, toks) in statements(script) {
        let mut outside = Vec::new();
        let kind = classify(&toks, out.len(), &mut cleared, &mut outside);
        out.push(Statement {
            text,
            kind,
            outside,
        });
    }
    // A removal nothing writes again is no write of the model: said, not dropped.
    for (i, reason) in clear::unfilled(&cleared) {
        out[i].kind = Kind::Unclassified(reason);
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

/// What statement `index` of a script does; a removal is added to `cleared`.
fn classify(
    toks: &[Tok],
    index: usize,
    cleared: &mut Vec<Cleared>,
    outside: &mut Vec<Outside>,
) -> Kind {
    let Some(Tok::Word(head)) = toks.first() else {
        return Kind::Unclassified("does not start with a keyword".into());
    };
    let head = head.to_ascii_uppercase();
    if let Some((c, now)) = clear::read(toks, &head, index) {
        cleared.push(c);
        return now.map_or(Kind::NoWrite, Kind::Unclassified);
    }
    match head.as_str() {
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
        _ => inserts(toks, cleared, outside),
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
fn load(toks: &[Tok], cleared: &mut [Cleared]) -> Kind {
    let Some(into) = toks.iter().position(|t| t.is("INTO")) else {
        return Kind::Unclassified("LOAD without INTO".into());
    };
    let overwrite = toks[..into].iter().any(|t| t.is("OVERWRITE"));
    let at = into + 1 + usize::from(toks.get(into + 1).is_some_and(|t| t.is("TABLE")));
    match target(toks, at, overwrite, "LOAD DATA", cleared) {
        Some(t) if t.if_not_exists => Kind::Unclassified(
            "LOAD DATA with IF NOT EXISTS: not a statement schedsim knows".into(),
        ),
        Some(Target {
            unknown: Some(why), ..
        }) => Kind::Unclassified(why),
        Some(t) => Kind::Writes(vec![t.write]),
        None => Kind::Unclassified("LOAD DATA without a table name".into()),
    }
}

/// Why a directory export is no write of the model.
const DIRECTORY: &str =
    "a directory export writes files, not a table: a model's writes are tables and partitions";

/// `INSERT OVERWRITE [LOCAL] DIRECTORY ...` (Hive, Spark) at `at`, the token after
/// `INSERT OVERWRITE` (or `INTO`): what it writes, as written. A table named `directory` is still a
/// table (`INSERT INTO directory SELECT ...`): the directory form names a path (a
/// string or a parameter) or a format (`USING`, `ROW FORMAT`, `STORED AS`, `OPTIONS`)
/// next.
fn directory(toks: &[Tok], at: usize, head: &str) -> Option<String> {
    let local = toks.get(at).is_some_and(|t| t.is("LOCAL"));
    let dir = at + usize::from(local);
    if !toks.get(dir).is_some_and(|t| t.is("DIRECTORY")) {
        return None;
    }
    let next = toks.get(dir + 1);
    let path = match next {
        Some(t @ (Tok::Str(_) | Tok::Param(_))) => Some(t.raw()),
        _ => None,
    };
    let format = next.is_some_and(|t| {
        ["USING", "ROW", "STORED", "OPTIONS"]
            .iter()
            .any(|k| t.is(k))
    });
    if !local && path.is_none() && !format {
        return None;
    }
    let mut what = head.to_string();
    if local {
        what.push_str(" LOCAL");
    }
    what.push_str(" DIRECTORY");
    if let Some(p) = path {
        what.push(' ');
        what.push_str(&p);
    }
    Some(what)
}

/// Every top-level INSERT and MERGE of a statement (Hive's multi-insert `FROM src
/// INSERT ... INSERT ...` writes several tables). A directory export goes to
/// `outside`.
fn inserts(toks: &[Tok], cleared: &mut [Cleared], outside: &mut Vec<Outside>) -> Kind {
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
            let head = if overwrite {
                "INSERT OVERWRITE"
            } else {
                "INSERT INTO"
            };
            if (overwrite || into)
                && let Some(what) = directory(toks, j + 1, head)
            {
                outside.push(Outside {
                    what,
                    why: DIRECTORY,
                });
                continue;
            }
            // INSERT OR REPLACE|IGNORE|ABORT|FAIL|ROLLBACK INTO t (SQLite), INSERT
            // IGNORE INTO t (MySQL): the conflict clause says what a row whose key
            // exists does.
            let conflict = if toks.get(j).is_some_and(|t| t.is("OR")) {
                let Some(Tok::Word(how)) = toks.get(j + 1) else {
                    return Kind::Unclassified("INSERT OR without a conflict clause".into());
                };
                j += 2;
                Some(format!("INSERT OR {}", how.to_ascii_uppercase()))
            } else if toks.get(j).is_some_and(|t| t.is("IGNORE")) {
                j += 1;
                Some("INSERT IGNORE".to_string())
            } else {
                None
            };
            if let Some(head) = conflict {
                if !toks.get(j).is_some_and(|t| t.is("INTO")) {
                    return Kind::Unclassified(format!("{head} without INTO"));
                }
                j += 1;
                let (mode, what) = match head.as_str() {
                    "INSERT OR REPLACE" => (WriteMode::Merge, " (an upsert by key)"),
                    // The store's merge keeps one copy of an instance's rows: so does
                    // skipping a row whose key exists. Not a replace: the rows first
                    // written stay.
                    "INSERT OR IGNORE" | "INSERT IGNORE" => (
                        WriteMode::Merge,
                        " (deduplicating by key: a row whose key exists is kept, the new one skipped, not replaced)",
                    ),
                    // SQLite's default: a row whose key exists fails the statement.
                    "INSERT OR ABORT" | "INSERT OR FAIL" | "INSERT OR ROLLBACK" => {
                        (WriteMode::Insert, "")
                    }
                    _ => {
                        return Kind::Unclassified(format!(
                            "{head}: not a conflict clause schedsim knows (REPLACE, IGNORE, ABORT, FAIL, ROLLBACK)"
                        ));
                    }
                };
                let pattern = format!("{head} INTO");
                let Some(t) = target(toks, j, false, &pattern, cleared) else {
                    return Kind::Unclassified(format!("{pattern} without a table name"));
                };
                if let Some(why) = t.unknown {
                    return Kind::Unclassified(why);
                }
                let mut w = t.write;
                if w.mode == WriteMode::Insert {
                    // Not cleared earlier in the script (TRUNCATE + ... replaces).
                    w.mode = mode;
                    w.pattern = format!("{pattern}{what}");
                }
                writes.push(w);
                continue;
            }
            if !overwrite && !into {
                return Kind::Unclassified("INSERT without INTO or OVERWRITE".into());
            }
            j += 1;
            if toks.get(j).is_some_and(|t| t.is("TABLE")) {
                j += 1;
            }
            let pattern = head;
            match target(toks, j, overwrite, pattern, cleared) {
                Some(t) if t.if_not_exists => {
                    let what = if t.write.partition.is_some() {
                        "the partition"
                    } else {
                        "the table"
                    };
                    return Kind::Unclassified(format!(
                        "{pattern} {} ... IF NOT EXISTS: {what} is written only when it does not exist yet: only the first execution writes, later ones keep its rows",
                        t.write.table
                    ));
                }
                Some(Target {
                    unknown: Some(why), ..
                }) => return Kind::Unclassified(why),
                Some(t) => {
                    let mut w = t.write;
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
    if !writes.is_empty() {
        Kind::Writes(writes)
    } else if !outside.is_empty() {
        Kind::NoWrite
    } else {
        Kind::Unclassified(
            "not a statement schedsim knows (no INSERT, MERGE or CREATE TABLE AS)".into(),
        )
    }
}

/// A write's target, and whether it says IF NOT EXISTS (Hive: `PARTITION (...) IF NOT
/// EXISTS` writes the partition only when it does not exist yet).
struct Target {
    write: SqlWrite,
    if_not_exists: bool,
    /// Rows a DELETE's condition picked were removed earlier: what the write replaces
    /// is not known (the reason).
    unknown: Option<String>,
}

/// The index after `IF NOT EXISTS` at `at`, if it is there.
fn if_not_exists(toks: &[Tok], at: usize) -> Option<usize> {
    (toks.get(at).is_some_and(|t| t.is("IF"))
        && toks.get(at + 1).is_some_and(|t| t.is("NOT"))
        && toks.get(at + 2).is_some_and(|t| t.is("EXISTS")))
    .then_some(at + 3)
}

/// The index of the `)` closing the `(` at `open`.
fn closing(toks: &[Tok], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, t) in toks.iter().enumerate().skip(open) {
        match t {
            Tok::Punct('(') => depth += 1,
            Tok::Punct(')') => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// The table and partition a write names at `at`, and its mode: an INSERT INTO after
/// the table, or exactly the partition it writes, was removed earlier in the script
/// replaces it.
fn target(
    toks: &[Tok],
    at: usize,
    overwrite: bool,
    pattern: &str,
    cleared: &mut [Cleared],
) -> Option<Target> {
    let (table, mut j) = name(toks, at)?;
    // IF NOT EXISTS follows the partition (Hive); before it, as some scripts write it.
    let mut exists = false;
    if let Some(k) = if_not_exists(toks, j) {
        (exists, j) = (true, k);
    }
    let mut partition = None;
    let mut dynamic = Vec::new();
    if toks.get(j).is_some_and(|t| t.is("PARTITION")) && toks.get(j + 1) == Some(&Tok::Punct('(')) {
        let (spec, dyn_cols) = partition_spec(toks, j + 2);
        dynamic = dyn_cols;
        partition = Some(spec);
        if let Some(close) = closing(toks, j + 1) {
            exists |= if_not_exists(toks, close + 1).is_some();
        }
    }
    let before = clear::before(cleared, &table, partition.as_deref(), !dynamic.is_empty());
    let mut unknown = None;
    let (mode, pattern) = match (overwrite, before) {
        (true, _) => (WriteMode::Overwrite, pattern.to_string()),
        (false, Before::Replaced(how)) => (WriteMode::Overwrite, format!("{how} + {pattern}")),
        (false, Before::Unknown(why)) => {
            unknown = Some(why);
            (WriteMode::Insert, pattern.to_string())
        }
        (false, Before::Nothing) if pattern == "LOAD DATA" => {
            (WriteMode::Insert, "LOAD DATA INTO".into())
        }
        (false, Before::Nothing) => (WriteMode::Insert, pattern.to_string()),
    };
    if partition.as_ref().is_some_and(Vec::is_empty) {
        // Only dynamic columns: which partitions are written comes from the data.
        partition = Some(Vec::new());
    }
    Some(Target {
        write: SqlWrite {
            table,
            partition,
            dynamic,
            mode,
            pattern,
        },
        if_not_exists: exists,
        unknown,
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
mod tests;
