//! Closed sets of lower-case words, as the model file spells them.
//!
//! Every enum whose values are written as words in a model (`profile = "airflow"`,
//! `mode = "overwrite"`, rule knobs) is declared with [`keyword_enum!`], so the word
//! list used by the decoder, the diagnostics ("expected one of ..."), serialisation
//! and the JSON Schema are one list.

/// A closed set of words.
pub trait Keyword: Sized + Copy + 'static {
    /// What the set is called in messages ("profile", "write mode").
    const WHAT: &'static str;
    /// Every word with its value, in the order the documentation lists them.
    const ALL: &'static [(&'static str, Self)];

    /// The word for this value.
    fn word(self) -> &'static str;

    /// The value spelled `word`, if any.
    fn from_word(word: &str) -> Option<Self> {
        Self::ALL.iter().find(|(w, _)| *w == word).map(|(_, v)| *v)
    }

    /// `"a"`, `"b"` or `"c"`, for messages.
    fn expected() -> String {
        crate::model::diagnostic::one_of(Self::ALL.iter().map(|(w, _)| *w))
    }
}

/// Declares an enum of words with [`Keyword`], `Display`, `Serialize` and `JsonSchema`.
#[macro_export]
#[doc(hidden)]
macro_rules! keyword_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident ($what:literal) {
            $( $(#[$vmeta:meta])* $variant:ident = $word:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        $vis enum $name { $( $(#[$vmeta])* $variant ),+ }

        impl $crate::keyword::Keyword for $name {
            const WHAT: &'static str = $what;
            const ALL: &'static [(&'static str, Self)] = &[ $( ($word, $name::$variant) ),+ ];
            fn word(self) -> &'static str {
                match self { $( $name::$variant => $word ),+ }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str($crate::keyword::Keyword::word(*self))
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str($crate::keyword::Keyword::word(*self))
            }
        }

        impl ::schemars::JsonSchema for $name {
            fn schema_name() -> ::std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }
            fn json_schema(_: &mut ::schemars::SchemaGenerator) -> ::schemars::Schema {
                let words: Vec<&str> = vec![ $( $word ),+ ];
                ::schemars::json_schema!({ "type": "string", "enum": words })
            }
        }
    };
}
