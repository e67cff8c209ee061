//! What a table takes, said where a value of another type stands in its place
//! (`fail = 0.05`, `retry = 3`): the table's keys and a line to write, carrying the
//! value over where it fits (`fail = { probability = 0.05, after_write = 0.5 }`).

use toml::de::DeValue;

use super::decode::Val;
use super::diagnostic::Diagnostic;

/// How a table is written, by the name the loader gives it; `{v}` takes the value
/// written in its place when that value is of `carry`'s kind, else `default`.
struct Shape {
    what: &'static str,
    write: &'static str,
    carry: Carry,
    default: &'static str,
}

#[derive(Clone, Copy, PartialEq)]
enum Carry {
    Nothing,
    Number,
    Text,
}

const SHAPES: &[Shape] = &[
    Shape {
        what: "[model]",
        write: "`[model]` on its own line, then `name = \"orders\"` and `profile = \"dataworks\"` below it",
        carry: Carry::Nothing,
        default: "",
    },
    Shape {
        what: "[rules]",
        write: "`[rules]` on its own line, then one knob per line such as `dst_fold = \"both\"`",
        carry: Carry::Nothing,
        default: "",
    },
    Shape {
        what: "[[resource_group]]",
        write: "`[[resource_group]]` on its own line, then `name = \"etl\"` and `slots = 4` below it",
        carry: Carry::Nothing,
        default: "",
    },
    Shape {
        what: "[[workflow]]",
        write: "`[[workflow]]` on its own line, then `name = \"orders\"` and its `[[workflow.task]]` tables below it",
        carry: Carry::Nothing,
        default: "",
    },
    Shape {
        what: "[[workflow.task]]",
        write: "`[[workflow.task]]` under its `[[workflow]]`, then `name = \"load\"` below it",
        carry: Carry::Nothing,
        default: "",
    },
    Shape {
        what: "[[scenario]]",
        write: "`[[scenario]]` on its own line, then `name = \"backfill\"` and `start = \"2025-03-10T09:00:00\"` below it",
        carry: Carry::Nothing,
        default: "",
    },
    Shape {
        what: "[[scenario.backfill]]",
        write: "`[[scenario.backfill]]` under its `[[scenario]]`, then `targets = [\"orders\"]`, `from = \"2025-03-01\"` and `to = \"2025-03-07\"` below it",
        carry: Carry::Nothing,
        default: "",
    },
    Shape {
        what: "[[scenario.fault]]",
        write: "`[[scenario.fault]]` under its `[[scenario]]`, then `task = \"orders.load\"` and `scheduled = \"2025-03-02T02:00:00\"` below it",
        carry: Carry::Nothing,
        default: "",
    },
    Shape {
        what: "[[scenario.operation]]",
        write: "`[[scenario.operation]]` under its `[[scenario]]`, then `at`, `kind = \"rerun\"`, `task` and `scheduled` below it",
        carry: Carry::Nothing,
        default: "",
    },
    Shape {
        what: "[[scenario.stretch]]",
        write: "`[[scenario.stretch]]` under its `[[scenario]]`, then `task`, `scheduled` and `factor = 3` below it",
        carry: Carry::Nothing,
        default: "",
    },
    Shape {
        what: "`effective`",
        write: "`effective = { from = \"{v}\", to = \"2099-12-31\" }`",
        carry: Carry::Text,
        default: "2025-01-01",
    },
    Shape {
        what: "`lognormal`",
        write: "`duration = { lognormal = { median = \"{v}\", p95 = \"40m\" } }`",
        carry: Carry::Text,
        default: "10m",
    },
    Shape {
        what: "`retry`",
        write: "`retry = { times = {v}, interval = \"5m\" }`",
        carry: Carry::Number,
        default: "3",
    },
    Shape {
        what: "`fail`",
        write: "`fail = { probability = {v}, after_write = 0.5 }`",
        carry: Carry::Number,
        default: "0.05",
    },
    Shape {
        what: "a write",
        write: "`writes = [ { table = \"dws_orders\", partition = \"dt=${bizdate}\", mode = \"overwrite\" } ]`",
        carry: Carry::Nothing,
        default: "",
    },
];

/// "`a`, `b` and `c`".
fn all_of(keys: &[&str]) -> String {
    let quoted: Vec<String> = keys.iter().map(|k| format!("`{k}`")).collect();
    match quoted.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

fn carried(shape: &Shape, v: &DeValue<'_>) -> String {
    let plain = |s: &str| !s.is_empty() && !s.contains(['"', '\\', '\n', '`']);
    let value = match (shape.carry, v) {
        (Carry::Number, DeValue::Integer(i)) if i.radix() == 10 => Some(i.as_str().to_string()),
        (Carry::Number, DeValue::Float(f)) => Some(f.as_str().to_string()),
        (Carry::Text, DeValue::String(s)) if plain(s) => Some(s.to_string()),
        _ => None,
    };
    shape
        .write
        .replace("{v}", value.as_deref().unwrap_or(shape.default))
}

/// `v` stands where the table `what`, of the keys `keys`, belongs.
pub(crate) fn not_a_table(v: &Val<'_>, what: &str, keys: &[&str], found: &str) -> Diagnostic {
    let mut d = Diagnostic::new(
        v.span(),
        format!("expected a table ({what}), found {found}"),
        if keys.is_empty() {
            format!("expected a table ({what})")
        } else {
            format!("expected a table: {what} takes {}", all_of(keys))
        },
    );
    if let Some(shape) = SHAPES.iter().find(|s| s.what == what) {
        d = d.help(format!("write {}", carried(shape, v.get_ref())));
    }
    d
}

/// A single table (or another value) where an array of the tables `what` belongs.
pub(crate) fn not_an_array(v: &Val<'_>, what: &str, found: &str) -> Diagnostic {
    let mut d = Diagnostic::new(
        v.span(),
        format!("expected an array of tables ({what}), found {found}"),
        "expected an array of tables",
    );
    if matches!(v.get_ref(), DeValue::Table(_)) {
        // A `[scenario]` header gets its own help in `read_document`, which sees the text.
        d = d.help("wrap the table in `[ ]`: an array of one table");
    } else if let Some(shape) = SHAPES.iter().find(|s| s.what == what) {
        d = d.help(format!("write {}", carried(shape, v.get_ref())));
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_listed_with_and() {
        assert_eq!(all_of(&["a"]), "`a`");
        assert_eq!(all_of(&["a", "b", "c"]), "`a`, `b` and `c`");
    }

    #[test]
    fn a_number_carries_over_and_a_string_does_not() {
        let shape = SHAPES.iter().find(|s| s.what == "`fail`").unwrap();
        let t = toml::de::DeTable::parse("a = 0.2\nb = \"x\"").unwrap();
        let get = |k: &str| t.get_ref().get(k).unwrap().get_ref().clone();
        assert_eq!(
            carried(shape, &get("a")),
            "`fail = { probability = 0.2, after_write = 0.5 }`"
        );
        assert_eq!(
            carried(shape, &get("b")),
            "`fail = { probability = 0.05, after_write = 0.5 }`"
        );
    }
}
