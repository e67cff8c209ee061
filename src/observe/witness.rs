//! Witness lines grouped by cause, for people: lines of one property that differ only
//! in their dates, times and counts ("the same shape") become one group, shown as its
//! first line, how many share the shape, and what differs in the next few. Grouping
//! is presentation only: the JSON keeps every line.

/// Lines of one shape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group<'a> {
    /// The first line, in full.
    pub first: &'a str,
    /// How many lines have this shape (the first included).
    pub count: usize,
    /// For each other line, its value where the group's lines vary most.
    pub others: Vec<&'a str>,
}

/// At most this many differing values are named after a group's first line.
pub const EXAMPLES: usize = 3;

/// A line's shape (values replaced by `#`) and its values: a value is a run of digits
/// with the date and time punctuation inside it (`2025-03-01T00:00:00+08:00`,
/// `20250301`, `600`), not preceded by a letter, digit or `_` (so `task2` is a name).
fn shape(line: &str) -> (String, Vec<&str>) {
    let bytes = line.as_bytes();
    let mut shape = String::with_capacity(line.len());
    let mut values = Vec::new();
    let mut i = 0;
    let mut literal = 0;
    while i < bytes.len() {
        let after_word = i > 0 && (bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_');
        if bytes[i].is_ascii_digit() && !after_word {
            let start = i;
            while i < bytes.len()
                && (bytes[i].is_ascii_digit()
                    || matches!(bytes[i], b'-' | b':' | b'+')
                    || (bytes[i] == b'T' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit)))
            {
                i += 1;
            }
            // Punctuation after the value is text.
            while matches!(bytes[i - 1], b'-' | b':' | b'+') {
                i -= 1;
            }
            shape.push_str(&line[literal..start]);
            shape.push('#');
            values.push(&line[start..i]);
            literal = i;
        } else {
            i += 1;
        }
    }
    shape.push_str(&line[literal..]);
    (shape, values)
}

/// Lines of one shape: the shape, the lines, and each line's values.
type Shaped<'a> = (String, Vec<&'a str>, Vec<Vec<&'a str>>);

/// The lines grouped by shape, groups in the order of their first line. What is
/// named of the other lines is the value that varies most across the group (the
/// earliest such): the date that started, not the instant they all share.
pub fn group(lines: &[String]) -> Vec<Group<'_>> {
    let mut groups: Vec<Shaped<'_>> = Vec::new();
    for line in lines {
        let (s, values) = shape(line);
        if let Some((_, members, vals)) = groups.iter_mut().find(|(k, ..)| *k == s) {
            members.push(line);
            vals.push(values);
        } else {
            groups.push((s, vec![line], vec![values]));
        }
    }
    groups
        .into_iter()
        .map(|(_, members, vals)| {
            let positions = vals[0].len();
            let distinct = |p: usize| {
                let mut v: Vec<&str> = vals.iter().map(|v| v[p]).collect();
                v.sort_unstable();
                v.dedup();
                v.len()
            };
            let most = (0..positions).max_by_key(|&p| (distinct(p), std::cmp::Reverse(p)));
            let others = members[1..]
                .iter()
                .zip(&vals[1..])
                .map(|(line, v)| most.map_or(*line, |p| v[p]))
                .collect();
            Group {
                first: members[0],
                count: members.len(),
                others,
            }
        })
        .collect()
}

impl Group<'_> {
    /// "also A, B, C and 11 more", or `None` for a group of one line.
    pub fn also(&self) -> Option<String> {
        if self.others.is_empty() {
            return None;
        }
        let named: Vec<&str> = self.others.iter().take(EXAMPLES).copied().collect();
        let mut s = format!("also {}", named.join(", "));
        if self.others.len() > named.len() {
            s.push_str(&format!(" and {} more", self.others.len() - named.len()));
        }
        Some(s)
    }
}

/// A witness's lines as text, indented by `indent`: each group as its first line
/// ("N alike: ..." when it has several) and what differs in the others.
pub fn text(details: &[String], indent: &str) -> String {
    let mut s = String::new();
    for g in group(details) {
        if g.count == 1 {
            s.push_str(&format!("{indent}- {}\n", g.first));
        } else {
            s.push_str(&format!("{indent}- {} alike: {}\n", g.count, g.first));
        }
        if let Some(also) = g.also() {
            s.push_str(&format!("{indent}  {also}\n"));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_dates_times_and_counts_not_names() {
        let (s, v) =
            shape("daily.task2 scheduled 2025-03-03T01:00:00+08:00: 2 instances (dt=20250302)");
        assert_eq!(s, "daily.task2 scheduled #: # instances (dt=#)");
        assert_eq!(v, ["2025-03-03T01:00:00+08:00", "2", "20250302"]);
    }

    #[test]
    fn near_identical_lines_become_one_group_with_what_differs() {
        let lines: Vec<String> = (1..=14)
            .map(|d| format!("w.t scheduled 2025-03-{d:02}T01:00:00+08:00: 2 instances"))
            .chain(["w.u: 5 instances expected, 8 created".to_string()])
            .collect();
        let g = group(&lines);
        assert_eq!(g.len(), 2);
        assert_eq!(g[0].count, 14);
        assert_eq!(g[0].first, lines[0]);
        assert_eq!(g[0].others[0], "2025-03-02T01:00:00+08:00");
        assert_eq!(
            g[0].also().unwrap(),
            "also 2025-03-02T01:00:00+08:00, 2025-03-03T01:00:00+08:00, 2025-03-04T01:00:00+08:00 and 10 more"
        );
        assert_eq!((g[1].count, g[1].also()), (1, None));
        let t = text(&lines, "  ");
        assert_eq!(t.lines().count(), 3, "{t}");
        assert!(t.starts_with("  - 14 alike: w.t scheduled 2025-03-01T01:00:00+08:00"));
    }

    #[test]
    fn what_is_named_is_the_value_that_varies_most() {
        let lines: Vec<String> = [(9, 10), (10, 2), (10, 5)]
            .iter()
            .map(|(at, date)| format!("2025-03-08T{at:02}:00: date 2025-03-{date:02} started"))
            .collect();
        let g = group(&lines);
        assert_eq!(g[0].others, ["2025-03-02", "2025-03-05"]);
    }

    #[test]
    fn lines_of_different_tasks_stay_apart() {
        let lines = vec![
            "a.x scheduled 2025-03-01: failed".to_string(),
            "a.y scheduled 2025-03-01: failed".to_string(),
        ];
        assert_eq!(group(&lines).len(), 2);
    }
}
