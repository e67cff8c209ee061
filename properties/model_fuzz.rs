//! No input of any kind panics the model reader, and what it reports always points
//! inside the file. Inputs: arbitrary bytes, and random mutations of the valid models.
//! Also: a cycle is reported exactly when the dependency graph has one.

use proptest::prelude::*;

const MODELS: [&str; 3] = [
    include_str!("../models/dataworks-mysql-to-maxcompute.toml"),
    include_str!("../models/dolphinscheduler-retry-backfill.toml"),
    include_str!("../models/airflow-pool-depends-on-past.toml"),
];

/// Fragments that tend to break TOML or the model in interesting ways.
const FRAGMENTS: [&str; 24] = [
    "\"",
    "[",
    "]]",
    "[[",
    "=",
    "{",
    "}",
    ",",
    "\n",
    "-1",
    "0",
    "99999999999999999999",
    "true",
    "1.5e999",
    "\"-5m\"",
    "\"\"",
    "upstream = [\"a\"]",
    "[[workflow.task]]\nname = \"a\"\n",
    "[[workflow]]\nname = \"w\"\n",
    "profile = \"airflow\"",
    "é",
    "\u{0}",
    "timezone = \"x\"",
    "slots = 0",
];

fn check(source: &str) {
    match schedsim::model::load_str("fuzz.toml", source) {
        Ok(_) => {}
        Err(d) => {
            assert!(!d.diagnostics.is_empty());
            for diag in &d.diagnostics {
                assert!(
                    diag.span.start <= source.len() && diag.span.end <= source.len() + 1,
                    "span {:?} outside a file of {} bytes",
                    diag.span,
                    source.len()
                );
            }
            let rendered = d.render();
            assert!(rendered.contains("fuzz.toml:"));
            let _ = d.to_json();
        }
    }
}

#[derive(Clone, Debug)]
enum Mutation {
    Delete { at: usize, len: usize },
    Insert { at: usize, fragment: usize },
    DuplicateLine { line: usize },
    SwapLines { a: usize, b: usize },
    ReplaceChar { at: usize, with: char },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1usize..40).prop_map(|(at, len)| Mutation::Delete { at, len }),
        (any::<usize>(), 0..FRAGMENTS.len())
            .prop_map(|(at, fragment)| Mutation::Insert { at, fragment }),
        any::<usize>().prop_map(|line| Mutation::DuplicateLine { line }),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::SwapLines { a, b }),
        (any::<usize>(), any::<char>()).prop_map(|(at, with)| Mutation::ReplaceChar { at, with }),
    ]
}

fn boundary(s: &str, at: usize) -> usize {
    let mut i = at % (s.len() + 1);
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn apply(source: &str, m: &Mutation) -> String {
    let mut s = source.to_string();
    match *m {
        Mutation::Delete { at, len } => {
            let a = boundary(&s, at);
            let b = boundary(&s, (a + len).min(s.len()));
            s.replace_range(a..b.max(a), "");
        }
        Mutation::Insert { at, fragment } => {
            let a = boundary(&s, at);
            s.insert_str(a, FRAGMENTS[fragment]);
        }
        Mutation::DuplicateLine { line } => {
            let mut lines: Vec<&str> = s.lines().collect();
            if !lines.is_empty() {
                let i = line % lines.len();
                lines.insert(i, lines[i]);
            }
            s = lines.join("\n");
        }
        Mutation::SwapLines { a, b } => {
            let mut lines: Vec<&str> = s.lines().collect();
            if !lines.is_empty() {
                let n = lines.len();
                lines.swap(a % n, b % n);
            }
            s = lines.join("\n");
        }
        Mutation::ReplaceChar { at, with } => {
            let a = boundary(&s, at);
            if let Some(c) = s[a..].chars().next() {
                s.replace_range(a..a + c.len_utf8(), &with.to_string());
            }
        }
    }
    s
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        check(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn mutated_models_never_panic(
        model in 0..MODELS.len(),
        mutations in proptest::collection::vec(mutation(), 1..6),
    ) {
        let mut source = MODELS[model].to_string();
        for m in &mutations {
            source = apply(&source, m);
        }
        check(&source);
    }

    /// A model of `n` tasks with random upstream edges: a cycle diagnostic appears
    /// exactly when a brute-force search finds a cycle, and names only tasks on one.
    #[test]
    fn cycles_are_reported_exactly_when_the_graph_has_one(
        n in 1usize..7,
        edges in proptest::collection::vec((0usize..7, 0usize..7), 0..12),
    ) {
        let edges: Vec<(usize, usize)> = {
            let mut e: Vec<(usize, usize)> = edges.into_iter().map(|(a, b)| (a % n, b % n)).collect();
            e.sort_unstable();
            e.dedup();
            e
        };
        let mut toml = String::from("[model]\nname = \"g\"\nprofile = \"dolphinscheduler\"\n\n[[workflow]]\nname = \"w\"\n");
        for t in 0..n {
            let ups: Vec<String> = edges.iter().filter(|(_, to)| *to == t).map(|(from, _)| format!("\"t{from}\"")).collect();
            toml.push_str(&format!("  [[workflow.task]]\n  name = \"t{t}\"\n  upstream = [{}]\n", ups.join(", ")));
        }
        // Brute force: t is on a cycle when t reaches itself.
        let reaches = |from: usize, to: usize| {
            let mut seen = vec![false; n];
            let mut stack = vec![from];
            while let Some(x) = stack.pop() {
                for &(a, b) in &edges {
                    if a == x && !seen[b] {
                        seen[b] = true;
                        stack.push(b);
                    }
                }
            }
            seen[to]
        };
        let on_cycle: Vec<bool> = (0..n).map(|t| reaches(t, t)).collect();
        let result = schedsim::model::load_str("g.toml", &toml);
        match result {
            Ok(_) => prop_assert!(on_cycle.iter().all(|c| !c)),
            Err(d) => {
                prop_assert!(on_cycle.iter().any(|c| *c));
                for diag in &d.diagnostics {
                    prop_assert!(diag.message.starts_with("dependency cycle: "), "{}", diag.message);
                    let names = diag.message.trim_start_matches("dependency cycle: ");
                    let tasks: Vec<&str> = names.split(" → ").collect();
                    prop_assert_eq!(tasks.first(), tasks.last());
                    for pair in tasks.windows(2) {
                        let a: usize = pair[0].trim_start_matches("w.t").parse().unwrap();
                        let b: usize = pair[1].trim_start_matches("w.t").parse().unwrap();
                        prop_assert!(on_cycle[a] && edges.contains(&(a, b)), "{} is not a cycle", names);
                    }
                }
            }
        }
    }
}
