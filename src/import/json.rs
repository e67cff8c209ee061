//! Reading an export's JSON with the path of every value kept, so that each error
//! names where it is: `$[0].taskDefinitionList[3].taskType`.

use serde_json::Value;

use super::ImportError;

/// Parses JSON text; a syntax error names the line and the column, both from 1
/// (serde_json counts a position before a line's first character as column 0: the
/// end of an empty file or of a last line break), said once, in the path.
pub fn parse(file: &str, text: &str) -> Result<Value, ImportError> {
    serde_json::from_str(text).map_err(|e| {
        let full = e.to_string();
        let at = format!(" at line {} column {}", e.line(), e.column());
        let message = full.strip_suffix(&at).unwrap_or(&full);
        ImportError {
            file: file.to_string(),
            path: format!("$ (line {}, column {})", e.line(), e.column().max(1)),
            message: format!("not valid JSON: {message}"),
        }
    })
}

/// Describes a JSON value's type for errors.
pub fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A reader of one JSON object's members with their paths, for one file.
pub struct Obj<'a> {
    pub file: &'a str,
    pub value: &'a Value,
    pub path: String,
}

impl<'a> Obj<'a> {
    pub fn new(file: &'a str, value: &'a Value, path: String) -> Result<Obj<'a>, ImportError> {
        if !value.is_object() {
            return Err(ImportError {
                file: file.to_string(),
                path,
                message: format!("expected an object, found {}", kind(value)),
            });
        }
        Ok(Obj { file, value, path })
    }

    /// The path of a member: `.key`, or `["key"]` when the key is not a plain name.
    pub fn at(&self, key: &str) -> String {
        let simple = !key.is_empty()
            && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !key.starts_with(|c: char| c.is_ascii_digit());
        if simple {
            format!("{}.{key}", self.path)
        } else {
            format!(
                "{}[{}]",
                self.path,
                serde_json::to_string(key).unwrap_or_default()
            )
        }
    }

    pub fn err(&self, key: &str, message: impl Into<String>) -> ImportError {
        ImportError {
            file: self.file.to_string(),
            path: self.at(key),
            message: message.into(),
        }
    }

    /// A member, None when absent or null.
    pub fn opt(&self, key: &str) -> Option<&'a Value> {
        self.value.get(key).filter(|v| !v.is_null())
    }

    pub fn req(&self, key: &str) -> Result<&'a Value, ImportError> {
        self.opt(key).ok_or_else(|| self.missing(key))
    }

    /// The error of a member that must have a value: absent and null each said as
    /// what they are.
    fn missing(&self, key: &str) -> ImportError {
        match self.value.get(key) {
            Some(Value::Null) => self.err(key, format!("`{key}` is null: it needs a value")),
            _ => self.err(key, format!("`{key}` is missing")),
        }
    }

    pub fn obj(&self, key: &str) -> Result<Obj<'a>, ImportError> {
        Obj::new(self.file, self.req(key)?, self.at(key))
    }

    pub fn opt_obj(&self, key: &str) -> Result<Option<Obj<'a>>, ImportError> {
        self.opt(key)
            .map(|v| Obj::new(self.file, v, self.at(key)))
            .transpose()
    }

    pub fn str(&self, key: &str) -> Result<&'a str, ImportError> {
        let v = self.req(key)?;
        v.as_str()
            .ok_or_else(|| self.err(key, format!("expected a string, found {}", kind(v))))
    }

    pub fn opt_str(&self, key: &str) -> Result<Option<&'a str>, ImportError> {
        match self.opt(key) {
            None => Ok(None),
            Some(v) => v
                .as_str()
                .map(Some)
                .ok_or_else(|| self.err(key, format!("expected a string, found {}", kind(v)))),
        }
    }

    /// An integer member within `lo..=hi`; outside it, an error at its path saying
    /// what the bound is.
    pub fn opt_int_in(
        &self,
        key: &str,
        lo: i64,
        hi: i64,
        what: &str,
    ) -> Result<Option<i64>, ImportError> {
        match self.opt_int(key)? {
            Some(n) if n < lo || n > hi => {
                Err(self.err(key, format!("expected {what}, {lo} to {hi}, found {n}")))
            }
            n => Ok(n),
        }
    }

    /// An integer, also accepted as a string of digits (exports write codes both ways)
    /// or a whole float (Airflow's REST responses write `2.0`).
    pub fn opt_int(&self, key: &str) -> Result<Option<i64>, ImportError> {
        match self.opt(key) {
            None => Ok(None),
            Some(v) => v
                .as_i64()
                .or_else(|| {
                    v.as_f64()
                        .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                        .map(|f| f as i64)
                })
                .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
                .map(Some)
                .ok_or_else(|| self.err(key, format!("expected an integer, found {}", kind(v)))),
        }
    }

    pub fn int(&self, key: &str) -> Result<i64, ImportError> {
        self.opt_int(key)?.ok_or_else(|| self.missing(key))
    }

    /// An array member (absent: empty), each element with its path.
    pub fn list(&self, key: &str) -> Result<Vec<(String, &'a Value)>, ImportError> {
        match self.opt(key) {
            None => Ok(Vec::new()),
            Some(serde_json::Value::Array(items)) => Ok(items
                .iter()
                .enumerate()
                .map(|(i, v)| (format!("{}[{i}]", self.at(key)), v))
                .collect()),
            Some(v) => Err(self.err(key, format!("expected an array, found {}", kind(v)))),
        }
    }

    /// An array member of text (absent: empty); an element that is not text is
    /// refused at its path as `expected {what}`.
    pub fn strings(&self, key: &str, what: &str) -> Result<Vec<String>, ImportError> {
        self.list(key)?
            .into_iter()
            .map(|(path, v)| {
                v.as_str().map(str::to_string).ok_or_else(|| ImportError {
                    file: self.file.to_string(),
                    path,
                    message: format!("expected {what}"),
                })
            })
            .collect()
    }

    /// A member that is an object, or a string holding one (DolphinScheduler writes
    /// `taskParams` both ways).
    pub fn embedded(&self, key: &str) -> Result<Option<serde_json::Value>, ImportError> {
        match self.opt(key) {
            None => Ok(None),
            Some(serde_json::Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(serde_json::Value::String(s)) => serde_json::from_str(s)
                .map(Some)
                .map_err(|e| self.err(key, format!("a string that is not valid JSON: {e}"))),
            Some(v) => Ok(Some(v.clone())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each element as text; one that is not is refused at its own path, in the
    /// caller's words; an absent member is empty.
    #[test]
    fn strings_are_read_or_refused_at_the_element() {
        let v: serde_json::Value =
            serde_json::from_str(r#"{"ids": ["a", "b"], "bad": ["a", 3]}"#).unwrap();
        let o = Obj::new("f.json", &v, "$".into()).unwrap();
        assert_eq!(o.strings("ids", "a task id").unwrap(), ["a", "b"]);
        assert!(o.strings("absent", "a task id").unwrap().is_empty());
        let e = o.strings("bad", "a task id").unwrap_err();
        assert_eq!((e.file.as_str(), e.path.as_str()), ("f.json", "$.bad[1]"));
        assert_eq!(e.message, "expected a task id");
    }
}
