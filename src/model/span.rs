//! A value with the byte range it came from in its model file.

use std::borrow::Cow;
use std::ops::Range;

/// A value and where it was written. Serialises, and describes itself in the JSON
/// Schema, as the bare value: the span exists only for diagnostics.
#[derive(Clone, Debug, PartialEq)]
pub struct Sp<T> {
    pub value: T,
    pub span: Range<usize>,
}

impl<T> Sp<T> {
    pub fn new(value: T, span: Range<usize>) -> Self {
        Sp { value, span }
    }

    /// The same span around another value.
    pub fn map<U>(&self, f: impl FnOnce(&T) -> U) -> Sp<U> {
        Sp::new(f(&self.value), self.span.clone())
    }
}

impl<T: serde::Serialize> serde::Serialize for Sp<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(s)
    }
}

impl<T: schemars::JsonSchema> schemars::JsonSchema for Sp<T> {
    fn inline_schema() -> bool {
        T::inline_schema()
    }
    fn schema_name() -> Cow<'static, str> {
        T::schema_name()
    }
    fn schema_id() -> Cow<'static, str> {
        T::schema_id()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        T::json_schema(generator)
    }
}
