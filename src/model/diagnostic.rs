//! Diagnostics: what is wrong in a model file, where, what was expected, and a hint.
//!
//! Every problem found in a file is collected, not just the first; each carries a byte
//! span that is turned into line and column when it is shown. Rendering for people uses
//! miette's graphical handler without colours, so the text is stable enough to be
//! snapshot-tested; `--format json` gets [`DiagnosticJson`].

use std::fmt::{self, Write as _};
use std::ops::Range;

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};
use serde::Serialize;

/// One problem in a model file.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    /// Byte range of the offending text.
    pub span: Range<usize>,
    /// What is wrong, in one sentence.
    pub message: String,
    /// What was expected there (shown under the snippet).
    pub expected: String,
    /// How to fix it, when there is something useful to say.
    pub help: Option<String>,
    /// Other places that take part (the rest of a cycle, an earlier definition).
    pub related: Vec<(Range<usize>, String)>,
    /// About the file as a whole (it cannot be read), at no line: shown without a
    /// line, column or snippet.
    pub whole_file: bool,
}

impl Diagnostic {
    pub fn new(
        span: Range<usize>,
        message: impl Into<String>,
        expected: impl Into<String>,
    ) -> Self {
        Diagnostic {
            span,
            message: message.into(),
            expected: expected.into(),
            help: None,
            related: Vec::new(),
            whole_file: false,
        }
    }

    /// About the file as a whole, not a place in it.
    pub fn whole_file(mut self) -> Self {
        self.whole_file = true;
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn related(mut self, span: Range<usize>, label: impl Into<String>) -> Self {
        self.related.push((span, label.into()));
        self
    }
}

/// Every problem found in one model file, with the file's text to show them against.
#[derive(Clone, Debug)]
pub struct FileDiagnostics {
    pub path: String,
    pub source: String,
    pub diagnostics: Vec<Diagnostic>,
}

/// A diagnostic as tools read it (`validate --format json`).
#[derive(Clone, Debug, Serialize)]
pub struct DiagnosticJson {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub message: String,
    pub expected: String,
    pub help: Option<String>,
    /// About the file as a whole (it cannot be read): `line` and `column` are 1 and
    /// name no place in it.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub whole_file: bool,
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_column(source: &str, offset: usize) -> (usize, usize) {
    let offset = floor_char_boundary(source, offset.min(source.len()));
    let before = &source[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

impl FileDiagnostics {
    pub fn new(path: impl Into<String>, source: impl Into<String>) -> Self {
        FileDiagnostics {
            path: path.into(),
            source: source.into(),
            diagnostics: Vec::new(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.diagnostics.is_empty()
    }

    /// Sorts by position and drops exact repeats, so output follows the file.
    pub fn normalize(&mut self) {
        self.diagnostics.sort_by(|a, b| {
            (a.span.start, a.span.end, &a.message).cmp(&(b.span.start, b.span.end, &b.message))
        });
        self.diagnostics.dedup();
    }

    pub fn to_json(&self) -> Vec<DiagnosticJson> {
        let lines = Lines::new(&self.source);
        self.diagnostics
            .iter()
            .map(|d| {
                let (line, column) = lines.line_column(d.span.start);
                let (end_line, end_column) = lines.line_column(d.span.end);
                DiagnosticJson {
                    file: self.path.clone(),
                    line,
                    column,
                    end_line,
                    end_column,
                    message: d.message.clone(),
                    expected: d.expected.clone(),
                    help: d.help.clone(),
                    whole_file: d.whole_file,
                }
            })
            .collect()
    }

    /// Every diagnostic for people: `error: FILE:LINE:COLUMN: message`, then the
    /// snippet with what was expected, then the hint. At most [`MAX_RELATED`] related
    /// places are drawn (a note says how many more); a snippet on a line longer than
    /// [`LONG_LINE`] characters is cut around the column and drawn plainly (miette pads
    /// with format widths, which cannot pass 65,535).
    pub fn render(&self) -> String {
        self.render_as("error", "problem")
    }

    /// The same for warnings (a model that validates, with something its author most
    /// likely did not mean): `warning: FILE:LINE:COLUMN: message`.
    pub fn render_warnings(&self) -> String {
        self.render_as("warning", "warning")
    }

    fn render_as(&self, severity: &str, noun: &str) -> String {
        let handler = GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
            .with_width(100)
            .with_context_lines(1);
        let lines = Lines::new(&self.source);
        let named = Windowed {
            name: &self.path,
            lines: &lines,
        };
        let mut out = String::new();
        for d in &self.diagnostics {
            if d.whole_file {
                let _ = writeln!(out, "{severity}: {}: {}", self.path, d.message);
                let _ = writeln!(out, "  expected: {}", d.expected);
                if let Some(help) = &d.help {
                    let _ = writeln!(out, "  help: {help}");
                }
                out.push('\n');
                continue;
            }
            let (line, column) = lines.line_column(d.span.start);
            let _ = writeln!(
                out,
                "{severity}: {}:{line}:{column}: {}",
                self.path, d.message
            );
            let report = Report {
                file: self,
                named: &named,
                diagnostic: d,
            };
            let mut text = String::new();
            let long = std::iter::once(&d.span)
                .chain(d.related.iter().take(MAX_RELATED).map(|(s, _)| s))
                .any(|s| near_long_line(&self.source, s));
            if long {
                text = self.plain(d);
            } else if handler.render_report(&mut text, &report).is_err() {
                text = format!("  {}\n", d.message);
            }
            out.push_str(&text);
            if d.related.len() > MAX_RELATED {
                let _ = writeln!(
                    out,
                    "  note: {} more places take part and are not drawn",
                    d.related.len() - MAX_RELATED
                );
            }
            out.push('\n');
        }
        let n = self.diagnostics.len();
        let _ = writeln!(
            out,
            "{}: {n} {noun}{} found",
            self.path,
            if n == 1 { "" } else { "s" }
        );
        out
    }
}

impl FileDiagnostics {
    /// A diagnostic without miette: each place as its line number and a cut of its
    /// line around the column, for lines too long to draw whole.
    fn plain(&self, d: &Diagnostic) -> String {
        let mut out = String::new();
        let places = std::iter::once((&d.span, &d.expected))
            .chain(d.related.iter().take(MAX_RELATED).map(|(s, l)| (s, l)));
        for (span, label) in places {
            let (line, column) = line_column(&self.source, span.start);
            let (start, end) = line_bounds(&self.source, span.start);
            let text = &self.source[start..end];
            let chars = text.chars().count();
            let from = column.saturating_sub(1 + SNIPPET / 2);
            let cut: String = text.chars().skip(from).take(SNIPPET).collect();
            let shown = cut.chars().count();
            let gutter = " ".repeat(line.to_string().len());
            let _ = writeln!(
                out,
                "  {gutter} ╭─[{}:{line}:{column}]\n  {line} │ {}{cut}{}\n  {gutter} │ {}^ {label}",
                self.path,
                if from > 0 { "…" } else { "" },
                if from + shown < chars { "…" } else { "" },
                " ".repeat(column - 1 - from + usize::from(from > 0)),
            );
            if chars > SNIPPET {
                let _ = writeln!(
                    out,
                    "  {gutter} │ (line {line} is {chars} characters long: the snippet shows characters {} to {})",
                    from + 1,
                    from + shown
                );
            }
        }
        if let Some(help) = &d.help {
            let _ = writeln!(out, "  help: {help}");
        }
        out
    }
}

/// Lines longer than this (in characters) are not drawn whole in a diagnostic.
pub const LONG_LINE: usize = 1_000;
/// How many characters of a long line a plain snippet shows.
const SNIPPET: usize = 80;
/// How many related places (the rest of a cycle...) a diagnostic draws.
pub const MAX_RELATED: usize = 16;

/// Byte range of the line holding `offset`, without its newline.
fn line_bounds(source: &str, offset: usize) -> (usize, usize) {
    let offset = floor_char_boundary(source, offset.min(source.len()));
    let start = source[..offset].rfind('\n').map_or(0, |i| i + 1);
    let end = source[offset..]
        .find('\n')
        .map_or(source.len(), |i| offset + i);
    (start, end)
}

/// Whether a span touches, or sits next to, a line longer than [`LONG_LINE`] (miette
/// draws one line of context around each).
fn near_long_line(source: &str, span: &Range<usize>) -> bool {
    let long =
        |(a, b): (usize, usize)| b - a > LONG_LINE && source[a..b].chars().count() > LONG_LINE;
    let (first, _) = line_bounds(source, span.start);
    let (_, last) = line_bounds(source, span.end);
    let before = first.checked_sub(1).map(|o| line_bounds(source, o));
    let after = (last < source.len()).then(|| line_bounds(source, last + 1));
    let mut offset = first;
    let mut lines = vec![];
    while offset <= last {
        let l = line_bounds(source, offset);
        lines.push(l);
        offset = l.1 + 1;
    }
    lines.into_iter().chain(before).chain(after).any(long)
}

struct Report<'a> {
    file: &'a FileDiagnostics,
    named: &'a Windowed<'a>,
    diagnostic: &'a Diagnostic,
}

/// Where each line of a file starts, for many lookups in one file: a file of
/// thousands of problems is not read from its start for each.
struct Lines<'s> {
    source: &'s str,
    /// Offsets just after each `\n`, and 0.
    starts: Vec<usize>,
    /// Whether some `\r` ends a line alone (miette counts it as a line's end).
    lone_cr: bool,
}

impl<'s> Lines<'s> {
    fn new(source: &'s str) -> Lines<'s> {
        let bytes = source.as_bytes();
        let starts = std::iter::once(0)
            .chain(
                bytes
                    .iter()
                    .enumerate()
                    .filter(|&(_, &b)| b == b'\n')
                    .map(|(i, _)| i + 1),
            )
            .collect();
        let lone_cr = bytes
            .iter()
            .enumerate()
            .any(|(i, &b)| b == b'\r' && bytes.get(i + 1) != Some(&b'\n'));
        Lines {
            source,
            starts,
            lone_cr,
        }
    }

    /// The line (from 0) holding byte `offset`.
    fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset) - 1
    }

    /// [`line_column`], from the index.
    fn line_column(&self, offset: usize) -> (usize, usize) {
        let offset = floor_char_boundary(self.source, offset.min(self.source.len()));
        let line = self.line_of(offset);
        let column = self.source[self.starts[line]..offset].chars().count() + 1;
        (line + 1, column)
    }
}

/// The file as miette reads its snippets: what miette's own reading of the whole
/// text gives, read from a few lines before the span rather than from the file's
/// start, and placed back at the span's line.
struct Windowed<'a> {
    name: &'a str,
    lines: &'a Lines<'a>,
}

impl SourceCode for Windowed<'_> {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let (source, lines) = (self.lines.source, self.lines);
        // Line numbers count lone `\r`s too: such a file is read whole.
        let first = if lines.lone_cr || span.offset() > source.len() {
            0
        } else {
            lines.line_of(span.offset()).saturating_sub(before + 1)
        };
        let base = lines.starts[first];
        let local = SourceSpan::new((span.offset() - base).into(), span.len());
        let c = source.as_bytes()[base..].read_span(&local, before, after)?;
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.to_string(),
            c.data(),
            SourceSpan::new((c.span().offset() + base).into(), c.span().len()),
            c.line() + first,
            c.column(),
            c.line_count() + first,
        )))
    }
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diagnostic.message)
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diagnostic.message)
    }
}

impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.diagnostic
            .help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(self.named as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let clamp = |r: &Range<usize>| {
            let len = self.file.source.len();
            let start = floor_char_boundary(&self.file.source, r.start.min(len));
            let end = floor_char_boundary(&self.file.source, r.end.min(len)).max(start);
            (start, end - start)
        };
        let d = self.diagnostic;
        let primary = LabeledSpan::new_primary_with_span(Some(d.expected.clone()), clamp(&d.span));
        let related = d
            .related
            .iter()
            .take(MAX_RELATED)
            .map(move |(span, label)| LabeledSpan::new_with_span(Some(label.clone()), clamp(span)));
        Some(Box::new(std::iter::once(primary).chain(related)))
    }
}

/// `` `a`, `b` or `c` ``.
pub fn one_of<'a>(words: impl IntoIterator<Item = &'a str>) -> String {
    let words: Vec<String> = words.into_iter().map(|w| format!("`{w}`")).collect();
    match words.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// The candidate closest to `word`, if it is close enough to be a likely typo
/// (letters compared without ASCII case; the first of the closest).
///
/// A model with thousands of misspelled names asks this of thousands of candidates
/// each: a word of ASCII up to 64 characters (a name, nearly always) is compared by
/// the bit-parallel edit distance ([`Pattern`]), a few operations per character and
/// no allocation per candidate; another by the table ([`edit_distance`]).
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let word_l = word.to_ascii_lowercase();
    let pattern = Pattern::new(&word_l);
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let d = match &pattern {
            Some(p) => p.distance(c),
            None => edit_distance(&word_l, &c.to_ascii_lowercase()),
        };
        let limit = (c.len().max(word.len()) / 3).max(1);
        // Only a closer candidate replaces the best: the first of the closest stays,
        // and none is closer than an exact match.
        if d <= limit && best.is_none_or(|(b, _)| d < b) {
            best = Some((d, c));
            if d == 0 {
                break;
            }
        }
    }
    best.map(|(_, c)| c)
}

/// A word of at most 64 ASCII characters, lowercased, for Myers' bit-parallel edit
/// distance (Hyyrö's form for the whole of both strings): the word's positions of
/// each character as a bit mask, one column of the table per candidate character.
struct Pattern {
    eq: [u64; 128],
    len: usize,
}

impl Pattern {
    fn new(word: &str) -> Option<Pattern> {
        if !word.is_ascii() || word.len() > 64 {
            return None;
        }
        let mut eq = [0u64; 128];
        for (i, b) in word.bytes().enumerate() {
            eq[usize::from(b)] |= 1 << i;
        }
        Some(Pattern {
            eq,
            len: word.len(),
        })
    }

    /// The edit distance from the word to `text`, its ASCII letters lowercased (a
    /// character beyond ASCII matches none of the word's).
    fn distance(&self, text: &str) -> usize {
        let m = self.len;
        if m == 0 {
            return text.chars().count();
        }
        let top = 1u64 << (m - 1);
        let (mut pv, mut mv, mut score) = (!0u64, 0u64, m);
        for ch in text.chars() {
            let eq = if ch.is_ascii() {
                self.eq[usize::from(ch.to_ascii_lowercase() as u8)]
            } else {
                0
            };
            let xv = eq | mv;
            let xh = ((eq & pv).wrapping_add(pv) ^ pv) | eq;
            let mut ph = mv | !(xh | pv);
            let mut mh = pv & xh;
            if ph & top != 0 {
                score += 1;
            } else if mh & top != 0 {
                score -= 1;
            }
            // Row 0 grows by one per character of the text: the whole word is matched.
            ph = (ph << 1) | 1;
            mh <<= 1;
            pv = mh | !(xv | ph);
            mv = ph & xv;
        }
        score
    }
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_count_characters_not_bytes() {
        let src = "a = 1\nname = \"é\" x";
        assert_eq!(line_column(src, 0), (1, 1));
        assert_eq!(line_column(src, 6), (2, 1));
        // 'x' is after a two-byte character.
        let x = src.find('x').unwrap();
        assert_eq!(line_column(src, x), (2, 12));
    }

    #[test]
    fn suggestions_only_for_near_misses() {
        assert_eq!(did_you_mean("slot", ["name", "slots"]), Some("slots"));
        assert_eq!(
            did_you_mean("upstreams", ["upstream", "name"]),
            Some("upstream")
        );
        assert_eq!(did_you_mean("banana", ["name", "slots"]), None);
    }

    proptest::proptest! {
        /// The bit-parallel distance is the table's, for words of up to 64 characters
        /// (ASCII, any case) against any text (beyond ASCII too).
        #[test]
        fn bit_parallel_distance_is_the_tables(
            word in "[a-dA-D_.]{0,64}",
            text in "[a-dA-D_.é]{0,70}",
        ) {
            let word_l = word.to_ascii_lowercase();
            let p = Pattern::new(&word_l).unwrap();
            proptest::prop_assert_eq!(
                p.distance(&text),
                edit_distance(&word_l, &text.to_ascii_lowercase())
            );
        }

        /// The suggestion is the first of the closest within the limit, as a plain
        /// search of every candidate by the table gives it.
        #[test]
        fn suggestion_is_the_first_closest(
            word in "[a-cA-C]{0,8}",
            candidates in proptest::collection::vec("[a-c]{0,9}", 0..12),
        ) {
            let word_l = word.to_ascii_lowercase();
            let plain = candidates
                .iter()
                .map(|c| (edit_distance(&word_l, c), c.as_str()))
                .filter(|(d, c)| *d <= (c.len().max(word.len()) / 3).max(1))
                .min_by_key(|(d, _)| *d)
                .map(|(_, c)| c);
            proptest::prop_assert_eq!(
                did_you_mean(&word, candidates.iter().map(String::as_str)),
                plain
            );
        }
    }

    proptest::proptest! {
        /// Reading a snippet from a few lines before the span gives what miette's
        /// reading of the whole text gives: the same text, place, line, column and
        /// line count (CRLF and lone CR line ends included).
        #[test]
        fn windowed_snippets_are_miettes_whole_file_snippets(
            parts in proptest::collection::vec(
                proptest::prop_oneof!["[ab ]{0,6}", proptest::strategy::Just("\n".to_string()),
                    proptest::strategy::Just("\r\n".to_string()), proptest::strategy::Just("\r".to_string())],
                0..40,
            ),
            at in 0.0f64..1.0,
            width in 0usize..12,
            before in 0usize..3,
            after in 0usize..3,
        ) {
            let source: String = parts.concat();
            let start = ((source.len() as f64) * at) as usize;
            let len = width.min(source.len() - start);
            let span = SourceSpan::new(start.into(), len);
            let lines = Lines::new(&source);
            let windowed = Windowed { name: "f", lines: &lines };
            let whole = miette::NamedSource::new("f", source.clone());
            let a = windowed.read_span(&span, before, after);
            let b = whole.read_span(&span, before, after);
            match (a, b) {
                (Ok(a), Ok(b)) => {
                    proptest::prop_assert_eq!(a.data(), b.data());
                    proptest::prop_assert_eq!(a.span(), b.span());
                    proptest::prop_assert_eq!(a.line(), b.line());
                    proptest::prop_assert_eq!(a.column(), b.column());
                    proptest::prop_assert_eq!(a.line_count(), b.line_count());
                    proptest::prop_assert_eq!(a.name(), b.name());
                }
                (Err(_), Err(_)) => {}
                (a, b) => proptest::prop_assert!(false, "{:?} vs {:?}", a.is_ok(), b.is_ok()),
            }
        }

        /// The index's line and column are [`line_column`]'s.
        #[test]
        fn indexed_line_column_is_line_columns(
            source in "[aé\n\r]{0,40}",
            at in 0usize..45,
        ) {
            proptest::prop_assert_eq!(Lines::new(&source).line_column(at), line_column(&source, at));
        }
    }

    #[test]
    fn one_of_reads_like_english() {
        assert_eq!(one_of(["a"]), "`a`");
        assert_eq!(one_of(["a", "b", "c"]), "`a`, `b` or `c`");
    }
}
