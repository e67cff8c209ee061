//! A large model file parsed a workflow at a time. The `toml` crate lexes a whole
//! document into a vector of tokens and another of events before it builds the tree:
//! about 22 bytes per byte of text at the peak, on top of the tree (a tenant of
//! 100,000 tasks, 24 MB of TOML, peaked at 873 MB loading). Cut before each line
//! `[[workflow]]`, each piece is parsed alone and its spans moved to the piece's place
//! in the file; a piece's workflow is decoded at once (and its tree dropped), the rest
//! of the pieces' tables merged into a root without workflows, which
//! `Document::decode` reads with the workflows given. Neither the token and event
//! vectors of the whole text nor its whole tree (a `BTreeMap` leaf of about a
//! kilobyte for every small table) are ever held at once.
//!
//! Only where the merge is exactly what parsing the whole gives: each piece after the
//! first holds one workflow (the header it starts with), no other top-level key is in
//! two pieces, and no piece has a syntax error. Otherwise (`None`) the caller parses
//! the whole text, whose errors and meaning are the reference.

use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::decode::{Decode, Decoder};
use super::doc::WorkflowDoc;

/// Files from this size are parsed in pieces.
pub(super) const FROM: usize = 1 << 20;

/// A file read in pieces: the root table without its workflows, and the workflows
/// decoded, with what decoding them said (in the order decoding the whole says it)
/// and left out.
pub(super) struct Pieces<'i> {
    pub root: Spanned<DeTable<'i>>,
    pub workflows: Vec<WorkflowDoc>,
    pub said: Decoder,
}

/// `source` read a workflow at a time, or `None` where only parsing it whole gives the
/// exact answer.
pub(super) fn parse(source: &str) -> Option<Pieces<'_>> {
    let cuts = cuts(source);
    if cuts.len() < 2 {
        return None;
    }
    let mut root = DeTable::new();
    let mut root_span = 0..0;
    let mut workflows = Vec::new();
    let mut decoder = Decoder::default();
    let ends = cuts.iter().skip(1).copied().chain([source.len()]);
    for (k, (from, to)) in cuts.iter().copied().zip(ends).enumerate() {
        let piece = DeTable::parse(&source[from..to]).ok()?;
        if k == 0 {
            root_span = piece.span();
        }
        for (key, value) in piece.into_inner() {
            let (key, value) = (moved_key(key, from), moved(value, from));
            if key.get_ref() != "workflow" {
                if root.insert(key, value).is_some() {
                    return None;
                }
                continue;
            }
            // The first piece ends before the first `[[workflow]]`: a workflow key
            // there is another form, which only the whole document can place.
            if k == 0 {
                return None;
            }
            let DeValue::Array(one) = value.into_inner() else {
                return None;
            };
            let [workflow] = &one[..] else {
                return None;
            };
            workflows.extend(WorkflowDoc::decode(workflow, &mut decoder));
        }
    }
    Some(Pieces {
        root: Spanned::new(root_span, root),
        workflows,
        said: decoder,
    })
}

/// Byte offsets where the pieces start: 0, then each line that is `[[workflow]]`.
fn cuts(source: &str) -> Vec<usize> {
    let mut cuts = vec![0];
    let mut at = 0;
    for line in source.split_inclusive('\n') {
        if at > 0 && line.trim_end() == "[[workflow]]" {
            cuts.push(at);
        }
        at += line.len();
    }
    cuts
}

fn shift(span: Range<usize>, by: usize) -> Range<usize> {
    span.start + by..span.end + by
}

fn moved_key<'i>(
    key: Spanned<std::borrow::Cow<'i, str>>,
    by: usize,
) -> Spanned<std::borrow::Cow<'i, str>> {
    let span = shift(key.span(), by);
    Spanned::new(span, key.into_inner())
}

/// `value` with every span in it moved by `by` bytes.
fn moved(value: Spanned<DeValue<'_>>, by: usize) -> Spanned<DeValue<'_>> {
    let span = shift(value.span(), by);
    let inner = match value.into_inner() {
        DeValue::Array(items) => DeValue::Array(items.into_iter().map(|v| moved(v, by)).collect()),
        DeValue::Table(table) => {
            let mut out = DeTable::new();
            for (k, v) in table {
                out.insert(moved_key(k, by), moved(v, by));
            }
            DeValue::Table(out)
        }
        scalar => scalar,
    };
    Spanned::new(span, inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The document and every diagnostic, read whole and in pieces (`None` when the
    /// pieces are left to the whole).
    fn whole_and_pieces(source: &str) -> Option<(String, String)> {
        parse(source)?;
        let read = |pieces| {
            let (document, out) = super::super::read_in("m.toml", source, pieces);
            format!("{document:#?}\n{:#?}", out.diagnostics)
        };
        Some((read(false), read(true)))
    }

    #[test]
    fn every_example_and_broken_model_reads_in_pieces_as_it_does_whole() {
        let root = env!("CARGO_MANIFEST_DIR");
        let mut files: Vec<_> = [
            "models",
            "models/goldens",
            "tests/broken",
            "tests/broken_names",
        ]
        .iter()
        .flat_map(|dir| std::fs::read_dir(format!("{root}/{dir}")).unwrap())
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
        files.sort();
        let mut compared = 0;
        for path in files {
            let source = std::fs::read_to_string(&path).unwrap();
            if let Some((whole, pieces)) = whole_and_pieces(&source) {
                assert_eq!(whole, pieces, "{}", path.display());
                compared += 1;
            }
        }
        // Most example models have two workflows or more, and many broken ones.
        assert!(compared >= 40, "{compared} models compared");
    }

    #[test]
    fn what_only_the_whole_document_can_place_is_left_to_it() {
        let two = "[model]\nname = \"m\"\n[[workflow]]\nname = \"a\"\n[[workflow]]\nname = \"b\"\n";
        assert!(parse(two).is_some_and(|p| p.workflows.len() == 2));
        // A key in two pieces (a duplicate, or an array of tables split by a cut).
        let twice = format!(
            "{two}[[scenario]]\nname = \"s\"\n[[workflow]]\nname = \"c\"\n[[scenario]]\nname = \"t\"\n"
        );
        assert!(parse(&twice).is_none());
        // A workflow key before the first header.
        assert!(parse(&format!("workflow = []\n{two}")).is_none());
        // A piece that does not parse alone: a cut inside a multi-line string.
        let string = "[model]\nname = \"\"\"\n[[workflow]]\n\"\"\"\n[[workflow]]\nname = \"a\"\n";
        assert!(parse(string).is_none());
        // A file that opens with its first workflow: that piece holds it.
        assert!(parse("[[workflow]]\nname = \"a\"\n[[workflow]]\nname = \"b\"\n").is_none());
        // Two workflows written with a header the cut does not know: one piece.
        assert!(
            parse("[model]\n[[workflow]]\nname = \"a\"\n[[ workflow ]]\nname = \"b\"\n").is_none()
        );
    }
}
