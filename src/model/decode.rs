//! From TOML text to the document types, collecting every problem.
//!
//! serde stops at the first error; a model author wants them all. So the TOML is
//! parsed (with recovery) into toml's spanned document tree, and each table is read by
//! hand with [`TableReader`]: every key it asks for is known, every other key is an
//! error with a suggestion, every value of the wrong type is an error at the value.
//! A field with an error is left out, so one mistake does not hide the others.

use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::diagnostic::{Diagnostic, did_you_mean, one_of};
use super::span::Sp;
use crate::keyword::Keyword;

pub(crate) type Val<'i> = Spanned<DeValue<'i>>;

/// Collects diagnostics while a document is read.
#[derive(Default)]
pub(crate) struct Decoder {
    pub diagnostics: Vec<Diagnostic>,
    /// Tables left out for an error in them, so that references to them are not
    /// reported as unknown too (`model::names::Doubts`).
    pub lost: Vec<Lost>,
}

/// A table left out for an error: `[[resource_group]]` with `slots = -1`, a
/// `[workflow]` where `[[workflow]]` belongs.
#[derive(Clone, Debug)]
pub(crate) struct Lost {
    /// The table, as `TableReader` names it (`[[workflow.task]]`).
    pub what: &'static str,
    /// Its `name`, where that is a string.
    pub name: Option<String>,
    /// The name of the table it was in (a task's workflow), where known.
    pub within: Option<String>,
}

impl Decoder {
    pub fn push(&mut self, d: Diagnostic) {
        self.diagnostics.push(d);
    }

    /// The table `v`, called `what`, is left out.
    pub fn lose(&mut self, what: &'static str, v: &Val<'_>) {
        self.lost.push(Lost {
            what,
            name: name_of(v),
            within: None,
        });
    }

    /// The tables lost since `mark` were inside the table `v`.
    pub fn adopt(&mut self, mark: usize, v: &Val<'_>) {
        if self.lost.len() == mark {
            return;
        }
        let name = name_of(v);
        for l in &mut self.lost[mark..] {
            if l.within.is_none() {
                l.within.clone_from(&name);
            }
        }
    }

    fn wrong_type(&mut self, v: &Val<'_>, expected: &str) {
        self.push(Diagnostic::new(
            v.span(),
            format!("expected {expected}, found {}", describe(v.get_ref())),
            format!("expected {expected}"),
        ));
    }
}

/// A table's `name`, where that is a string.
fn name_of(v: &Val<'_>) -> Option<String> {
    let DeValue::Table(map) = v.get_ref() else {
        return None;
    };
    match map.get("name")?.get_ref() {
        DeValue::String(s) => Some(s.to_string()),
        _ => None,
    }
}

/// "a string", "an integer", ... for messages.
fn describe(v: &DeValue<'_>) -> &'static str {
    match v {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date-time",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

/// A value that can be read from a TOML value.
pub(crate) trait Decode: Sized {
    /// The table's name in messages, for a type read from one table.
    const TABLE: Option<&'static str> = None;
    fn decode(v: &Val<'_>, d: &mut Decoder) -> Option<Self>;
}

impl Decode for String {
    fn decode(v: &Val<'_>, d: &mut Decoder) -> Option<Self> {
        match v.get_ref() {
            DeValue::String(s) => Some(s.to_string()),
            _ => {
                d.wrong_type(v, "a string");
                None
            }
        }
    }
}

impl Decode for bool {
    fn decode(v: &Val<'_>, d: &mut Decoder) -> Option<Self> {
        match v.get_ref() {
            DeValue::Boolean(b) => Some(*b),
            _ => {
                d.wrong_type(v, "`true` or `false`");
                None
            }
        }
    }
}

fn integer(v: &Val<'_>) -> Option<i128> {
    match v.get_ref() {
        DeValue::Integer(i) => i128::from_str_radix(i.as_str(), i.radix()).ok(),
        _ => None,
    }
}

impl Decode for u32 {
    fn decode(v: &Val<'_>, d: &mut Decoder) -> Option<Self> {
        match (v.get_ref(), integer(v)) {
            (DeValue::Integer(_), Some(i)) => match u32::try_from(i) {
                Ok(n) => Some(n),
                Err(_) if i < 0 => {
                    d.push(Diagnostic::new(
                        v.span(),
                        format!("{i} is negative"),
                        "expected a whole number ≥ 0",
                    ));
                    None
                }
                Err(_) => {
                    d.push(Diagnostic::new(
                        v.span(),
                        format!("{i} is out of range"),
                        "expected a whole number from 0 to 4294967295",
                    ));
                    None
                }
            },
            _ => {
                d.wrong_type(v, "a whole number");
                None
            }
        }
    }
}

impl Decode for i64 {
    fn decode(v: &Val<'_>, d: &mut Decoder) -> Option<Self> {
        match (v.get_ref(), integer(v)) {
            (DeValue::Integer(_), Some(i)) => match i64::try_from(i) {
                Ok(n) => Some(n),
                Err(_) => {
                    d.push(Diagnostic::new(
                        v.span(),
                        format!("{i} is out of range"),
                        "expected a 64-bit integer",
                    ));
                    None
                }
            },
            _ => {
                d.wrong_type(v, "an integer");
                None
            }
        }
    }
}

impl Decode for f64 {
    fn decode(v: &Val<'_>, d: &mut Decoder) -> Option<Self> {
        let parsed = match v.get_ref() {
            DeValue::Float(f) => f.as_str().replace('_', "").parse::<f64>().ok(),
            DeValue::Integer(_) => integer(v).map(|i| i as f64),
            _ => None,
        };
        match parsed {
            Some(x) if x.is_finite() => Some(x),
            _ => {
                d.wrong_type(v, "a finite number");
                None
            }
        }
    }
}

impl<K: Keyword> Decode for K {
    fn decode(v: &Val<'_>, d: &mut Decoder) -> Option<Self> {
        let DeValue::String(s) = v.get_ref() else {
            d.wrong_type(v, &format!("a {} ({})", K::WHAT, K::expected()));
            return None;
        };
        if let Some(k) = K::from_word(s) {
            return Some(k);
        }
        let mut diag = Diagnostic::new(
            v.span(),
            format!("unknown {} `{s}`", K::WHAT),
            format!("expected {}", K::expected()),
        );
        if let Some(theirs) = super::aliases::word_help(K::WHAT, s) {
            diag = diag.help(theirs);
        } else if let Some(near) = did_you_mean(s, K::ALL.iter().map(|(w, _)| *w)) {
            diag = diag.help(format!("did you mean `{near}`?"));
        }
        d.push(diag);
        None
    }
}

impl<T: Decode> Decode for Sp<T> {
    fn decode(v: &Val<'_>, d: &mut Decoder) -> Option<Self> {
        T::decode(v, d).map(|t| Sp::new(t, v.span()))
    }
}

impl<T: Decode> Decode for Vec<T> {
    fn decode(v: &Val<'_>, d: &mut Decoder) -> Option<Self> {
        match v.get_ref() {
            DeValue::Array(items) => {
                Some(items.iter().filter_map(|item| T::decode(item, d)).collect())
            }
            _ => {
                match T::TABLE {
                    Some(what) => {
                        d.push(super::shapes::not_an_array(v, what, describe(v.get_ref())));
                        d.lose(what, v);
                    }
                    None => d.wrong_type(v, "an array"),
                }
                None
            }
        }
    }
}

/// Reads one table: asks for keys by name, then reports the keys nobody asked for.
pub(crate) struct TableReader<'a, 'i> {
    map: &'a DeTable<'i>,
    span: Range<usize>,
    what: &'static str,
    known: Vec<&'static str>,
}

impl<'a, 'i> TableReader<'a, 'i> {
    /// `v` as a table called `what` in messages (`[[workflow.task]]`).
    pub fn open(v: &'a Val<'i>, what: &'static str, d: &mut Decoder) -> Option<Self> {
        Self::open_table(v, what, &[], d)
    }

    /// [`open`](Self::open) for a table of the keys `keys`, which a value of another
    /// type is told about, with a line to write.
    pub fn open_table(
        v: &'a Val<'i>,
        what: &'static str,
        keys: &[&str],
        d: &mut Decoder,
    ) -> Option<Self> {
        match v.get_ref() {
            DeValue::Table(map) => Some(TableReader {
                map,
                span: v.span(),
                what,
                known: Vec::new(),
            }),
            other => {
                d.push(super::shapes::not_a_table(v, what, keys, describe(other)));
                None
            }
        }
    }

    /// The document's root table.
    pub fn root(map: &'a DeTable<'i>, span: Range<usize>) -> Self {
        TableReader {
            map,
            span,
            what: "the model file",
            known: Vec::new(),
        }
    }

    pub fn raw(&mut self, key: &'static str) -> Option<&'a Val<'i>> {
        self.known.push(key);
        self.map.get(key)
    }

    pub fn optional<T: Decode>(&mut self, key: &'static str, d: &mut Decoder) -> Option<T> {
        self.raw(key).and_then(|v| T::decode(v, d))
    }

    pub fn required<T: Decode>(&mut self, key: &'static str, d: &mut Decoder) -> Option<T> {
        match self.raw(key) {
            Some(v) => T::decode(v, d),
            None => {
                d.push(Diagnostic::new(
                    self.header_span(),
                    format!("{} is missing the required key `{key}`", self.what),
                    format!("`{key}` is required here"),
                ));
                None
            }
        }
    }

    /// The first line of the table, so a "missing key" label does not cover a page.
    fn header_span(&self) -> Range<usize> {
        self.span.start..self.span.end.min(self.span.start + 1).max(self.span.start)
    }

    /// Reports every key that was not asked for.
    pub fn finish(self, d: &mut Decoder) {
        // Most tables hold only known keys: the alias table is not searched for them.
        if self
            .map
            .iter()
            .all(|(k, _)| self.known.contains(&k.get_ref().as_ref()))
        {
            return;
        }
        let times = super::aliases::retry_times(
            self.what,
            self.map
                .iter()
                .map(|(k, v)| (k.get_ref().as_ref(), v.get_ref())),
        );
        for (key, value) in self.map.iter() {
            let name = key.get_ref().as_ref();
            if self.known.contains(&name) {
                continue;
            }
            if let Some(alias) = super::aliases::lookup(self.what, name) {
                d.push(
                    Diagnostic::new(
                        key.span(),
                        super::aliases::message(
                            alias,
                            name,
                            self.what,
                            Some(value.get_ref()),
                            times.as_deref(),
                        ),
                        format!("expected one of {}", one_of(self.known.iter().copied())),
                    )
                    .help("docs/model-format.md maps each scheduler's names to schedsim's"),
                );
                continue;
            }
            let mut diag = Diagnostic::new(
                key.span(),
                format!("unknown key `{name}` in {}", self.what),
                format!("expected one of {}", one_of(self.known.iter().copied())),
            );
            if let Some(near) = did_you_mean(name, self.known.iter().copied()) {
                diag = diag.help(format!("did you mean `{near}`?"));
            }
            d.push(diag);
        }
    }
}

/// Declares a string type that the model spells in a fixed shape (durations, dates),
/// with its JSON Schema pattern. TOML's own dates and date-times are accepted too.
macro_rules! text_type {
    ($(#[$meta:meta])* $name:ident, $expected:literal, $pattern:literal) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, serde::Serialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl schemars::JsonSchema for $name {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }
            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!({ "type": "string", "pattern": $pattern, "description": $expected })
            }
        }

        impl $crate::model::decode::Decode for $name {
            fn decode(
                v: &$crate::model::decode::Val<'_>,
                d: &mut $crate::model::decode::Decoder,
            ) -> Option<Self> {
                match v.get_ref() {
                    toml::de::DeValue::String(s) => Some($name(s.to_string())),
                    toml::de::DeValue::Datetime(t) => Some($name(t.to_string())),
                    other => {
                        let mut diag = $crate::model::diagnostic::Diagnostic::new(
                            v.span(),
                            format!("expected {}, found {}", $expected, $crate::model::decode::describe_value(v)),
                            concat!("expected ", $expected),
                        );
                        if let (true, toml::de::DeValue::Integer(n)) = ($expected.starts_with("a duration"), other) {
                            diag = diag.help(format!(
                                "a duration names its unit: write \"{0}m\" for minutes (as DolphinScheduler's timeouts and retry intervals count) or \"{0}s\" for seconds (as Airflow's and DataWorks' do)",
                                n.as_str()
                            ));
                        }
                        d.push(diag);
                        None
                    }
                }
            }
        }
    };
}
pub(crate) use text_type;

pub(crate) fn describe_value(v: &Val<'_>) -> &'static str {
    describe(v.get_ref())
}
