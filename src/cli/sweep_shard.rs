//! `--shard K/N` for the sweeps (`whatif`, `whatif --seeds`, `run --seeds`, `check
//! --seeds`): what a shard writes and what `schedsim merge` reads back.
//!
//! Each sweep numbers its work from 0 (a variant; a (variant, seed) pair as `variant
//! × seeds + seed`; a seed of the range) and a shard runs the numbers it holds
//! (`schedsim::shard::Shard::holds`). Each item line is `{KIND: {"index": k, ...}}`;
//! the merge takes every index below the total exactly once, each from the shard it
//! belongs to, and hands them in index order to the command's own output code.

use schedsim::shard::{self, Header, Partial, Shard};
use serde_json::Value;

/// Writes a shard's partial file to stdout: the header, then `items`.
pub fn emit(command: &str, args: Vec<String>, part: Shard, model_hash: &str, items: &[Value]) {
    let header = Header::new(command, args, part, model_hash);
    out!("{}", shard::lines(&header, items));
}

/// Refuses a model file that is not the one the shards ran.
pub fn same_model(parts: &[Partial], path: &std::path::Path, hash: &str) -> Result<(), String> {
    let theirs = &parts[0].header.model_hash;
    if theirs == hash {
        return Ok(());
    }
    Err(format!(
        "{} is not the model the shards ran (its hash is {hash}, theirs {theirs}): it changed since, or --model names another file",
        path.display()
    ))
}

/// Every item of kind `key` of the parts, by index: `total` of them, each index once
/// and from the shard that holds it. Errors name the file and line.
pub fn collect<'a>(
    parts: &'a [Partial],
    key: &str,
    total: usize,
) -> Result<Vec<&'a Value>, String> {
    let mut found: Vec<Option<&Value>> = vec![None; total];
    for p in parts {
        let of = Shard {
            index: p.header.shard,
            count: p.header.of,
        };
        for (line, value) in &p.items {
            let at = format!("{}:{line}", p.path.display());
            let item = value.get(key).ok_or_else(|| {
                format!(
                    "{at}: not a `{key}` line, which `{}` partials hold",
                    p.header.command
                )
            })?;
            let index = item
                .get("index")
                .and_then(Value::as_u64)
                .and_then(|k| usize::try_from(k).ok())
                .ok_or_else(|| format!("{at}: a `{key}` without its index"))?;
            if index >= total {
                return Err(format!(
                    "{at}: item {index}, but the run has {total} (numbered from 0)"
                ));
            }
            if !of.holds(index) {
                return Err(format!("{at}: item {index} is not shard {of}'s"));
            }
            if found[index].replace(item).is_some() {
                return Err(format!("{at}: item {index} is written twice"));
            }
        }
    }
    if let Some(k) = found.iter().position(Option::is_none) {
        let of = parts[0].header.of;
        return Err(format!(
            "item {k} of {total} is in no partial: shard {}/{of} did not write it; run that shard again",
            k % of
        ));
    }
    Ok(found.into_iter().flatten().collect())
}

/// The refusal of `--shard` with `--minimize`.
pub const MINIMIZE: &str = "--shard: --minimize cannot be split: it bisects, and which value it measures next depends on the seeds of the value before; shard the sweep it would measure instead (--vary KNOB=LO,...,HI --seeds N --shard K/N) and read the smallest value meeting the goal off the merged table";

/// `--format`'s word for `format`.
pub fn format_word(format: super::Format) -> &'static str {
    match format {
        super::Format::Text => "text",
        super::Format::Json => "json",
    }
}

/// A word as `--flag=VALUE` takes it back (a value may start with `-`).
pub fn opt(args: &mut Vec<String>, flag: &str, value: impl std::fmt::Display) {
    args.push(format!("{flag}={value}"));
}
