//! TOML's syntax errors as diagnostics. The parser says "duplicate key" and nothing
//! more: the key is named here, with its first place where the same table holds it,
//! and a table header written twice is said once, not again for each key under it
//! (the parser reports those too, since the two tables are one).

use std::ops::Range;

use super::diagnostic::Diagnostic;

/// Each of `errors` in `source` as a diagnostic.
pub(super) fn diagnostics(source: &str, errors: &[toml::de::Error]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    // The header lines, read once (only when a key is given twice).
    let mut headers: Option<Vec<Range<usize>>> = None;
    // The bodies of tables whose header was written twice.
    let mut twice: Vec<Range<usize>> = Vec::new();
    for e in errors {
        let span = e.span().unwrap_or(0..0);
        let message = e.message().trim();
        if message != "duplicate key" {
            out.push(Diagnostic::new(
                span,
                format!("TOML syntax: {message}"),
                "expected valid TOML",
            ));
            continue;
        }
        if twice.iter().any(|body| body.contains(&span.start)) {
            continue;
        }
        let headers = headers.get_or_insert_with(|| header_lines(source));
        let line = line_of(source, span.start);
        // The headers before this line, and where the next one starts.
        let before = headers.partition_point(|h| h.start < line.start);
        let next = headers.get(before + 1).map_or(source.len(), |h| h.start);
        match header(&source[line.clone()]) {
            Some(text) => {
                twice.push(line.end..next);
                let mut d = Diagnostic::new(
                    span,
                    format!("TOML syntax: the table `{text}` is written twice"),
                    "expected each table header once",
                )
                .help(format!(
                    "a table is written once: put these keys under the first `{text}`"
                ));
                let first = headers[..before]
                    .iter()
                    .find(|h| header(&source[(*h).clone()]) == Some(text));
                if let Some(first) = first {
                    let lead =
                        source[first.clone()].len() - source[first.clone()].trim_start().len();
                    d = d.related(
                        first.start + lead..first.start + lead + text.len(),
                        "first written here",
                    );
                }
                out.push(d);
            }
            None => {
                let key = source.get(span.clone()).unwrap_or("");
                let table = headers[..before].last().map_or(0, |h| h.end);
                let mut d = Diagnostic::new(
                    span,
                    format!(
                        "TOML syntax: the key `{}` is given twice",
                        key.trim_matches('"')
                    ),
                    "expected each key once in a table",
                );
                if let Some(first) = first_key(source, table..line.start, key) {
                    d = d.related(first, "first given here");
                }
                out.push(d);
            }
        }
    }
    out
}

/// The byte range of the line holding `at`, without its line break.
fn line_of(source: &str, at: usize) -> Range<usize> {
    let at = at.min(source.len());
    let start = source[..at].rfind('\n').map_or(0, |i| i + 1);
    let end = source[at..].find('\n').map_or(source.len(), |i| at + i);
    start..end
}

/// A table header line's `[name]`, if it is one.
fn header(line: &str) -> Option<&str> {
    let t = line.trim();
    if !t.starts_with('[') {
        return None;
    }
    t.rfind(']').map(|end| &t[..=end])
}

/// The lines of `text` (starting at byte `from` of the file), each with its range.
fn lines(text: &str, from: usize) -> impl Iterator<Item = (Range<usize>, &str)> {
    let mut at = from;
    text.split_inclusive('\n').map(move |line| {
        let range = at..at + line.trim_end_matches(['\n', '\r']).len();
        at += line.len();
        (range, line)
    })
}

/// Every header line of `source`, in order.
fn header_lines(source: &str) -> Vec<Range<usize>> {
    lines(source, 0)
        .filter(|(_, line)| header(line).is_some())
        .map(|(range, _)| range)
        .collect()
}

/// The first line of `table` (a table's body up to the repeated key) that gives `key`
/// a value.
fn first_key(source: &str, table: Range<usize>, key: &str) -> Option<Range<usize>> {
    if key.is_empty() {
        return None;
    }
    lines(&source[table.clone()], table.start).find_map(|(range, line)| {
        let t = line.trim_start();
        t.strip_prefix(key)
            .is_some_and(|rest| rest.trim_start().starts_with(['=', '.']))
            .then(|| {
                let lead = line.len() - t.len();
                range.start + lead..range.start + lead + key.len()
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn said(source: &str) -> Vec<(String, Option<usize>)> {
        let (_, errors) = toml::de::DeTable::parse_recoverable(source);
        diagnostics(source, &errors)
            .into_iter()
            .map(|d| (d.message, d.related.first().map(|r| r.0.start)))
            .collect()
    }

    /// Regression: three bare "duplicate key" errors, naming no key.
    #[test]
    fn a_duplicate_key_or_table_is_named_once_with_its_first_place() {
        assert_eq!(
            said("[g]\nslots = 2\nslots = 3\n"),
            [(
                "TOML syntax: the key `slots` is given twice".into(),
                Some(4)
            )]
        );
        let twice =
            "[model]\nname = \"m\"\n\n[x]\na = 1\n\n[model]\nname = \"z\"\nprofile = \"p\"\n";
        assert_eq!(
            said(twice),
            [(
                "TOML syntax: the table `[model]` is written twice".into(),
                Some(0)
            )]
        );
        // The same key in another table is no first place.
        assert_eq!(
            said("[a]\nk = 1\n[b]\nk = 1\nk = 2\n"),
            [("TOML syntax: the key `k` is given twice".into(), Some(14))]
        );
    }
}
