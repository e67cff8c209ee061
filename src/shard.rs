//! Work split across processes or machines: `--shard K/N` runs one part of a search or
//! sweep and writes what it found as a partial file (JSON Lines); `schedsim merge`
//! reads the N partials and gives exactly the output of the unsharded run.
//!
//! A partial file is self-describing. Its first line is a [`Header`]: the command, its
//! arguments as the unsharded run would take them (`--shard` and `--threads` left
//! out, since neither changes the result), which shard it is of how many, and the
//! hash of the model file it ran. Then one line per item the command records, and
//! last an `{"end": {"items": N}}` line, so a file cut short (a job killed, a disk
//! full) is refused instead of merged as if it were whole.
//!
//! Work is dealt round-robin: item `k` (a case, a variant, a seed) belongs to shard
//! `k mod N`, which balances shards whose items grow in cost along the list.

use std::path::{Path, PathBuf};

/// One part of N: `K/N` on the command line, K from 0 (the Kubernetes Indexed Job's
/// `JOB_COMPLETION_INDEX` and a Slurm array `--array=0-(N-1)` give it as is).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

/// More shards than this is a typo, not a cluster.
pub const MAX_SHARDS: usize = 100_000;

impl Shard {
    /// The whole: one shard of one.
    pub const WHOLE: Shard = Shard { index: 0, count: 1 };

    /// Item `k` (from 0) is this shard's.
    pub fn holds(self, k: usize) -> bool {
        k % self.count == self.index
    }
}

impl std::str::FromStr for Shard {
    type Err = String;

    fn from_str(text: &str) -> Result<Shard, String> {
        let usage = || format!("`{text}`: expected K/N, shard K (from 0) of N, e.g. 0/4");
        let (k, n) = text.split_once('/').ok_or_else(usage)?;
        let k: usize = k.trim().parse().map_err(|_| usage())?;
        let n: usize = n.trim().parse().map_err(|_| usage())?;
        if n == 0 || n > MAX_SHARDS {
            return Err(format!(
                "`{text}`: the shard count must be 1 to {MAX_SHARDS}"
            ));
        }
        if k >= n {
            return Err(format!(
                "`{text}`: shards are numbered from 0, so shard {k} of {n} does not exist (the last is {}/{n})",
                n - 1
            ));
        }
        Ok(Shard { index: k, count: n })
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// The first line of a partial file.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Header {
    /// The format's version ([`FORMAT_VERSION`]).
    pub schedsim_partial: u32,
    /// The schedsim that wrote it (`CARGO_PKG_VERSION`): merging partials of two
    /// versions is refused.
    pub version: String,
    /// The commit it was built from (`schedsim --version`'s): partials of another
    /// build are refused, by the shards' and by the merging build alike (a rolling
    /// update may leave shards of two builds of one version).
    #[serde(default)]
    pub build: String,
    /// The subcommand (`explore`, `whatif`...).
    pub command: String,
    /// The subcommand's arguments, as the unsharded run takes them.
    pub args: Vec<String>,
    pub shard: usize,
    pub of: usize,
    /// `model_hash` of the model file the shard loaded.
    pub model_hash: String,
}

/// The partial format's version, raised whenever what a line holds changes, so that a
/// partial written by another build of the same schedsim version is refused by its
/// header, not by a line it cannot read. 1: the first; 2: each seed run of a `--seeds`
/// shard carries the notes of its run (`notes`); 3: the header names the build; 4:
/// `explore`'s cases are numbered from 1, as its output prints them; 5: a seed run's
/// date carries its workflows apart from its date, and a `whatif` variant's row what
/// its run exercised (`exercised`); 6: what a run exercised names the groups it ran
/// in (`ran_in`), and each seed run of a `--seeds` shard carries it too.
pub const FORMAT_VERSION: u32 = 6;

/// This build, as [`Header::build`] names it.
pub const BUILD: &str = env!("SCHEDSIM_COMMIT");

impl Header {
    /// The header of shard `part` of `command` with `args`, by this build.
    pub fn new(command: &str, args: Vec<String>, part: Shard, model_hash: &str) -> Header {
        Header {
            schedsim_partial: FORMAT_VERSION,
            version: env!("CARGO_PKG_VERSION").to_string(),
            build: BUILD.to_string(),
            command: command.to_string(),
            args,
            shard: part.index,
            of: part.count,
            model_hash: model_hash.to_string(),
        }
    }
}

/// One partial file, read.
#[derive(Clone, Debug)]
pub struct Partial {
    pub path: PathBuf,
    pub header: Header,
    /// Each item line: (line number from 1, its JSON value).
    pub items: Vec<(usize, serde_json::Value)>,
}

/// The lines of a partial file, header first and end marker last.
pub fn lines(header: &Header, items: &[serde_json::Value]) -> String {
    let mut out = serde_json::to_string(header).expect("a header serialises");
    out.push('\n');
    for item in items {
        out.push_str(&serde_json::to_string(item).expect("an item serialises"));
        out.push('\n');
    }
    out.push_str(&serde_json::json!({ "end": { "items": items.len() } }).to_string());
    out.push('\n');
    out
}

/// The header of a partial file as written, unchecked (a merge that refuses the files
/// still reports its error the way the shards' command would: `--format json`).
pub fn header_of(path: &Path) -> Option<Header> {
    let bytes = crate::model::read_regular(path).ok()?;
    let first = bytes.split(|&b| b == b'\n').next()?;
    serde_json::from_slice(first).ok()
}

/// Reads one partial file; errors name the file and line.
pub fn read(path: &Path) -> Result<Partial, String> {
    let shown = path.display();
    let bytes = crate::model::read_regular(path)?;
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        // Cut inside a character: what precedes it says it was cut short (below).
        Err(e) if e.utf8_error().error_len().is_none() => {
            let valid = e.utf8_error().valid_up_to();
            let mut bytes = e.into_bytes();
            bytes.truncate(valid);
            String::from_utf8(bytes).expect("valid up to here")
        }
        Err(e) => return Err(format!("{shown}: {}", e.utf8_error())),
    };
    let last_line = text.lines().count();
    let mut header: Option<Header> = None;
    let mut items = Vec::new();
    let mut end: Option<usize> = None;
    for (n, line) in text.lines().enumerate() {
        let at = n + 1;
        if line.trim().is_empty() {
            continue;
        }
        if end.is_some() {
            return Err(format!("{shown}:{at}: a line after the end marker"));
        }
        let value: serde_json::Value = match serde_json::from_str(line) {
            Ok(v) => v,
            // The file ends inside this line: its writer stopped mid-line.
            Err(e)
                if e.is_eof() && at == last_line && !text.ends_with('\n') && header.is_some() =>
            {
                let h = header.as_ref().expect("tested");
                return Err(format!(
                    "{shown}:{at}: the file ends inside a line: the shard's output was cut short; run shard {}/{} again",
                    h.shard, h.of
                ));
            }
            Err(e) => return Err(format!("{shown}:{at}:{}: not JSON: {e}", e.column())),
        };
        if header.is_none() {
            let h: Header = serde_json::from_value(value).map_err(|e| {
                format!("{shown}:{at}: not a schedsim partial file (its first line is not a partial header: {e}); write one with --shard K/N")
            })?;
            if h.schedsim_partial != FORMAT_VERSION {
                return Err(format!(
                    "{shown}:{at}: partial format {} (written by schedsim {}; this schedsim {} reads format {FORMAT_VERSION}): merge with the build that wrote it, or run the shards again with this one",
                    h.schedsim_partial,
                    h.version,
                    env!("CARGO_PKG_VERSION")
                ));
            }
            if h.build != BUILD {
                return Err(format!(
                    "{shown}:{at}: written by schedsim {} built from commit {}; this one is {} from commit {BUILD}: merge with the build that wrote the shards, or run them again with this one",
                    h.version,
                    if h.build.is_empty() {
                        "unknown"
                    } else {
                        &h.build
                    },
                    env!("CARGO_PKG_VERSION"),
                ));
            }
            // What `--shard` accepts, so that no edited header divides by zero or
            // lists billions of missing shards.
            if h.of == 0 || h.of > MAX_SHARDS || h.shard >= h.of {
                return Err(format!(
                    "{shown}:{at}: the header says shard {} of {}: a partial is shard K of N, K from 0 to N - 1, N from 1 to {MAX_SHARDS} (the file was edited, or is not a shard's output)",
                    h.shard, h.of
                ));
            }
            header = Some(h);
            continue;
        }
        match value.get("end") {
            Some(e) => {
                let count = e.get("items").and_then(serde_json::Value::as_u64);
                if count != Some(items.len() as u64) {
                    return Err(format!(
                        "{shown}:{at}: the end marker counts {} items, the file has {}",
                        count.map_or("no".to_string(), |c| c.to_string()),
                        items.len()
                    ));
                }
                end = Some(at);
            }
            None => items.push((at, value)),
        }
    }
    let header = header.ok_or_else(|| format!("{shown}: empty, not a schedsim partial file"))?;
    if end.is_none() {
        return Err(format!(
            "{shown}: no end marker: the shard did not finish (killed, or its output cut short); run shard {}/{} again",
            header.shard, header.of
        ));
    }
    Ok(Partial {
        path: path.to_path_buf(),
        header,
        items,
    })
}

/// Reads every partial and checks that they are the N shards of one run: same
/// version, command, arguments and model, each shard exactly once. Returns them in
/// shard order.
pub fn read_all(paths: &[PathBuf]) -> Result<Vec<Partial>, String> {
    let mut parts = paths
        .iter()
        .map(|p| read(p))
        .collect::<Result<Vec<_>, _>>()?;
    let Some(first) = parts.first() else {
        return Err("no partial files given".into());
    };
    let first = first.clone();
    let same = |p: &Partial| -> Result<(), String> {
        let (a, b) = (&first.header, &p.header);
        let differs = |what: &str, x: &dyn std::fmt::Debug, y: &dyn std::fmt::Debug| {
            format!(
                "{} and {} are not shards of one run: their {what} differ ({x:?} and {y:?})",
                first.path.display(),
                p.path.display()
            )
        };
        if a.version != b.version {
            return Err(differs("schedsim versions", &a.version, &b.version));
        }
        if a.command != b.command {
            return Err(differs("commands", &a.command, &b.command));
        }
        if a.args != b.args {
            // The first argument that differs, not both lists.
            let k = (0..a.args.len().max(b.args.len()))
                .find(|&k| a.args.get(k) != b.args.get(k))
                .expect("the lists differ");
            let arg = |args: &[String]| {
                args.get(k)
                    .map_or("nothing".to_string(), |x| format!("`{x}`"))
            };
            return Err(format!(
                "{} and {} are not shards of one run: their arguments differ (argument {}: {} and {})",
                first.path.display(),
                p.path.display(),
                k + 1,
                arg(&a.args),
                arg(&b.args)
            ));
        }
        if a.of != b.of {
            return Err(differs("shard counts", &a.of, &b.of));
        }
        if a.model_hash != b.model_hash {
            return Err(differs("model files", &a.model_hash, &b.model_hash));
        }
        Ok(())
    };
    for p in &parts {
        same(p)?;
    }
    parts.sort_by_key(|p| p.header.shard);
    for pair in parts.windows(2) {
        if pair[0].header.shard == pair[1].header.shard {
            return Err(format!(
                "{} and {} are both shard {}/{}",
                pair[0].path.display(),
                pair[1].path.display(),
                pair[0].header.shard,
                first.header.of
            ));
        }
    }
    let of = first.header.of;
    let missing: Vec<String> = (0..of)
        .filter(|k| !parts.iter().any(|p| p.header.shard == *k))
        .map(|k| format!("{k}/{of}"))
        .collect();
    if !missing.is_empty() {
        let shown = if missing.len() > 10 {
            format!(
                "{} ... and {} more",
                missing[..10].join(", "),
                missing.len() - 10
            )
        } else {
            missing.join(", ")
        };
        return Err(format!("{} of {of} shards missing: {shown}", missing.len()));
    }
    Ok(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_are_numbered_from_zero_and_deal_items_round_robin() {
        let s: Shard = "1/3".parse().unwrap();
        assert_eq!(s, Shard { index: 1, count: 3 });
        let mine: Vec<usize> = (0..8).filter(|&k| s.holds(k)).collect();
        assert_eq!(mine, [1, 4, 7]);
        assert!("3/3".parse::<Shard>().unwrap_err().contains("last is 2/3"));
        assert!("0/0".parse::<Shard>().is_err());
        assert!("a/2".parse::<Shard>().is_err());
        assert!("2".parse::<Shard>().is_err());
        assert_eq!("0/1".parse::<Shard>().unwrap().to_string(), "0/1");
    }

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    fn header(shard: usize, of: usize) -> Header {
        Header::new(
            "explore",
            vec!["m.toml".into()],
            Shard {
                index: shard,
                count: of,
            },
            "h",
        )
    }

    #[test]
    fn a_partial_cut_short_or_a_missing_shard_is_refused() {
        let dir = std::env::temp_dir().join(format!("schedsim-shard-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let item = serde_json::json!({"x": 1});
        let whole = lines(&header(0, 2), std::slice::from_ref(&item));
        let a = write(&dir, "a.jsonl", &whole);
        assert_eq!(read(&a).unwrap().items, vec![(2, item.clone())]);
        let cut: String = whole.lines().take(2).map(|l| format!("{l}\n")).collect();
        let b = write(&dir, "b.jsonl", &cut);
        assert!(read(&b).unwrap_err().contains("no end marker"));
        let err = read_all(std::slice::from_ref(&a)).unwrap_err();
        assert!(err.contains("1 of 2 shards missing: 1/2"), "{err}");
        let c = write(&dir, "c.jsonl", &lines(&header(0, 2), &[]));
        assert!(
            read_all(&[a.clone(), c])
                .unwrap_err()
                .contains("both shard 0/2")
        );
        let mut other = header(1, 2);
        other.model_hash = "g".into();
        let d = write(&dir, "d.jsonl", &lines(&other, &[]));
        assert!(
            read_all(&[a.clone(), d])
                .unwrap_err()
                .contains("model files differ")
        );
        // Other arguments: the first that differs, not both lists.
        let mut other = header(1, 2);
        other.args = vec!["n.toml".into(), "--cases".into(), "9".into()];
        let d = write(&dir, "d2.jsonl", &lines(&other, &[]));
        let err = read_all(&[a.clone(), d]).unwrap_err();
        assert!(
            err.ends_with("their arguments differ (argument 1: `m.toml` and `n.toml`)"),
            "{err}"
        );
        // A header no `--shard` writes: refused, where it divided by zero (fuzzing).
        for (k, n) in [(0, 0), (2, 2), (0, MAX_SHARDS + 1)] {
            let bad = write(&dir, "bad.jsonl", &lines(&header(k, n), &[]));
            let e = read(&bad).unwrap_err();
            assert!(
                e.contains(&format!("the header says shard {k} of {n}")),
                "{e}"
            );
        }
        // A partial of an earlier format is refused by its header, by name.
        let mut old = header(0, 2);
        old.schedsim_partial = 1;
        let f = write(&dir, "f.jsonl", &lines(&old, &[]));
        let err = read(&f).unwrap_err();
        let v = env!("CARGO_PKG_VERSION");
        assert!(
            err.contains(&format!(
                "f.jsonl:1: partial format 1 (written by schedsim {v}; this schedsim {v} reads format {FORMAT_VERSION}): merge with the build that wrote it",
            )),
            "{err}"
        );
        // Another build of the same version (a rolling update): refused by name.
        let mut other = header(1, 2);
        other.build = "0000000".into();
        let g = write(&dir, "g.jsonl", &lines(&other, &[]));
        let err = read(&g).unwrap_err();
        assert!(
            err.contains(&format!(
                "g.jsonl:1: written by schedsim {v} built from commit 0000000; this one is {v} from commit {BUILD}: merge with the build that wrote the shards"
            )),
            "{err}"
        );
        // Cut inside a character of a line: the same.
        let wide = lines(
            &header(0, 2),
            &[serde_json::json!({"why": "la fenêtre était fermée"})],
        );
        let inside = wide.find("ê").unwrap() + 1;
        let w = write(&dir, "w.jsonl", "");
        std::fs::write(&w, &wide.as_bytes()[..inside]).unwrap();
        assert!(
            read(&w)
                .unwrap_err()
                .contains(":2: the file ends inside a line")
        );
        // A bad line that is not the last is bad JSON, not a cut.
        let bad = format!(
            "{}{{oops\n{{\"end\":{{\"items\":0}}}}",
            whole.lines().next().unwrap().to_string() + "\n"
        );
        let b2 = write(&dir, "b2.jsonl", &bad);
        assert!(
            read(&b2).unwrap_err().contains(":2:2: not JSON"),
            "{}",
            read(&b2).unwrap_err()
        );
        // Cut inside a line: said so, with the shard to run again.
        let h = write(&dir, "h.jsonl", &whole[..whole.len() - 5]);
        let err = read(&h).unwrap_err();
        assert_eq!(
            err,
            format!(
                "{}:3: the file ends inside a line: the shard's output was cut short; run shard 0/2 again",
                h.display()
            )
        );
        let e = write(&dir, "e.jsonl", "{\"hello\": 1}\n");
        assert!(
            read(&e)
                .unwrap_err()
                .contains("e.jsonl:1: not a schedsim partial")
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
