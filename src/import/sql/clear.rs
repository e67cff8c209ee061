//! Statements that remove rows before a script writes (TRUNCATE, DELETE, ALTER TABLE
//! ... DROP PARTITION, DROP TABLE): what each removed, so that a later INSERT INTO
//! exactly what was removed reads as replacing it, and nothing else does. A removal
//! that no later statement writes again, and a DELETE whose WHERE clause picks the
//! rows, are said as unclassified: the model's writes (overwrite, insert, merge) have
//! no removal, and schedsim does not read a WHERE clause.

use super::{PartValue, Tok, name, partition_spec, partition_text};

/// What a statement removed from a table.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Scope {
    /// Every row: TRUNCATE, DELETE without WHERE, DROP TABLE.
    Table,
    /// The partitions named (`DROP PARTITION (dt='...'), PARTITION (...)`, Hive's
    /// `TRUNCATE TABLE t PARTITION (...)`); None: a spec not understood (a
    /// comparison such as `dt < '...'`, a value schedsim does not read).
    Partitions(Option<Vec<Vec<(String, PartValue)>>>),
    /// The rows a WHERE clause (or a join) selects.
    Rows,
}

/// A removal, and whether a later write of the script writes what it removed again.
#[derive(Clone, Debug)]
pub(super) struct Cleared {
    table: String,
    scope: Scope,
    /// "TRUNCATE", "DELETE", "ALTER TABLE DROP PARTITION", "DROP TABLE".
    how: &'static str,
    /// The statement's index in the script.
    statement: usize,
    filled: bool,
}

/// What the removals before a write of `table` make of it.
pub(super) enum Before {
    /// Nothing of what it writes was removed earlier: its own mode stands.
    Nothing,
    /// Exactly what it writes was removed earlier, by `how`: it replaces it.
    Replaced(&'static str),
    /// Rows picked by a WHERE clause were removed earlier: what it replaces is not
    /// known. The reason, for the unclassified list.
    Unknown(String),
}

/// The removal a statement starting with `head` makes, if it is one, and the reason it
/// is unclassified at once (a DELETE with a WHERE clause). `statement`: its index.
pub(super) fn read(
    toks: &[Tok],
    head: &str,
    statement: usize,
) -> Option<(Cleared, Option<String>)> {
    let (how, at) = match head {
        "TRUNCATE" => (
            "TRUNCATE",
            1 + usize::from(toks.get(1).is_some_and(|t| t.is("TABLE"))),
        ),
        "DELETE" => (
            "DELETE",
            1 + usize::from(toks.get(1).is_some_and(|t| t.is("FROM"))),
        ),
        "ALTER" if toks.iter().any(|t| t.is("DROP")) && toks.iter().any(|t| t.is("PARTITION")) => {
            ("ALTER TABLE DROP PARTITION", 2)
        }
        "DROP" if toks.get(1).is_some_and(|t| t.is("TABLE")) => (
            "DROP TABLE",
            if toks.get(2).is_some_and(|t| t.is("IF")) {
                4
            } else {
                2
            },
        ),
        _ => return None,
    };
    let (table, after) = name(toks, at)?;
    let rest = &toks[after..];
    let scope = match how {
        "DELETE" if rest.is_empty() => Scope::Table,
        "DELETE" => Scope::Rows,
        "TRUNCATE" if rest.is_empty() => Scope::Table,
        "DROP TABLE" => Scope::Table,
        _ => Scope::Partitions(partitions(rest)),
    };
    let now = (scope == Scope::Rows).then(|| {
        format!(
            "DELETE FROM {table} with a condition removes the rows it selects, which schedsim does not read: neither an overwrite, an insert nor a merge"
        )
    });
    Some((
        Cleared {
            table,
            scope,
            how,
            statement,
            filled: false,
        },
        now,
    ))
}

/// Every `PARTITION (col = value, ...)` of a statement; None if one is not a list
/// of columns with values schedsim reads.
fn partitions(toks: &[Tok]) -> Option<Vec<Vec<(String, PartValue)>>> {
    let mut out = Vec::new();
    for (i, t) in toks.iter().enumerate() {
        if t.is("PARTITION") && toks.get(i + 1) == Some(&Tok::Punct('(')) {
            let (fixed, dynamic) = partition_spec(toks, i + 2);
            if fixed.is_empty() || !dynamic.is_empty() || partition_text(&fixed).is_err() {
                return None;
            }
            out.push(fixed);
        }
    }
    (!out.is_empty()).then_some(out)
}

/// Whether two partition specs name the same partition: the same columns (in any
/// order, any case), each with the same value as written.
fn same(a: &[(String, PartValue)], b: &[(String, PartValue)]) -> bool {
    a.len() == b.len()
        && a.iter()
            .all(|(col, v)| b.iter().any(|(c, w)| c.eq_ignore_ascii_case(col) && w == v))
}

/// What the removals earlier in the script make of a write of `table` (static
/// partition columns `partition`, None: the table; `dynamic`: columns from the
/// data). The removals it writes again are marked filled.
pub(super) fn before(
    cleared: &mut [Cleared],
    table: &str,
    partition: Option<&[(String, PartValue)]>,
    dynamic: bool,
) -> Before {
    for c in cleared.iter_mut().rev().filter(|c| c.table == table) {
        match &c.scope {
            Scope::Table => {
                c.filled = true;
                return Before::Replaced(c.how);
            }
            Scope::Partitions(Some(specs))
                if !dynamic && partition.is_some_and(|p| specs.iter().any(|s| same(s, p))) =>
            {
                c.filled = true;
                return Before::Replaced(c.how);
            }
            Scope::Partitions(_) => {}
            Scope::Rows => {
                return Before::Unknown(format!(
                    "a write of {table} after DELETE FROM {table} with a condition: it replaces the rows the condition selects (one date's, or others), which schedsim does not read: not read as an overwrite, nor as an insert"
                ));
            }
        }
    }
    Before::Nothing
}

/// The removals no later statement writes again, by statement index, each with why
/// it is unclassified. A DROP TABLE is not one (DDL: a work table's end), nor a
/// DELETE with a condition (unclassified when read).
pub(super) fn unfilled(cleared: &[Cleared]) -> Vec<(usize, String)> {
    cleared
        .iter()
        .filter(|c| !c.filled && c.how != "DROP TABLE" && c.scope != Scope::Rows)
        .map(|c| {
            let what = match &c.scope {
                Scope::Partitions(Some(specs)) => {
                    let names: Vec<String> = specs
                        .iter()
                        .filter_map(|s| partition_text(s).ok())
                        .collect();
                    format!(
                        "partition{} {} of {}",
                        if names.len() == 1 { "" } else { "s" },
                        names.join(", "),
                        c.table
                    )
                }
                Scope::Partitions(None) => format!(
                    "the partitions of {} its spec selects (a spec schedsim does not read)",
                    c.table
                ),
                _ => format!("every row of {}", c.table),
            };
            (
                c.statement,
                format!(
                    "{} removes {what}, which no later statement of the script writes: a removal is none of the model's writes (overwrite, insert, merge)",
                    c.how
                ),
            )
        })
        .collect()
}
