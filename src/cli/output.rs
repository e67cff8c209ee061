//! Output files, all or nothing per command.
//!
//! Every file a command writes (`--trace`, `--chrome-trace`, `--report`, `record -o`)
//! goes first to a temporary file beside its target; only when every output of the
//! command has been written and synced are they renamed over their targets. On any
//! failure (a refused run, a full disk, a later output that cannot be written) the
//! temporaries are removed and every target is left as it was: a file that existed
//! keeps its content, nothing the command did not create is deleted.
//!
//! The renames are one after another: a rename needs no space, so only a directory
//! removed meanwhile can fail one after another succeeded, and then the renamed
//! targets stay. A process interrupted (SIGINT, SIGTERM, SIGHUP) removes its
//! temporary files (`.NAME.schedsim-PID-N.tmp` beside each target) on a thread that
//! starts with the first of them, then dies of the signal as it would have; one
//! killed outright (SIGKILL) leaves them, never a cut target.
//!
//! An output path that is an input of the command (the model, the golden file), or
//! that another output of the same command already names, is refused: paths are
//! compared once made canonical, so `./m.toml`, `m.toml` and a symbolic link to it
//! are the same file.
//!
//! A target that exists and is not a regular file (`/dev/null`, a FIFO) is written in
//! place: there is nothing to rename over, and it is never removed. `/dev/stdout` and
//! `/dev/stderr` are the process's own streams, shared with what it prints. Such a
//! target is not all or nothing: what was written to it stays written.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, Once, PoisonError};

/// Every temporary file created and neither renamed nor removed yet: what an
/// interrupted process removes.
static TEMPS: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
static WATCH: Once = Once::new();

fn temps() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    TEMPS.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A temporary file is created: an interruption from now on removes it.
fn track(temp: &Path) {
    WATCH.call_once(watch_signals);
    temps().push(temp.to_path_buf());
}

/// A temporary file was renamed over its target, or removed.
fn untrack(temp: &Path) {
    temps().retain(|t| t != temp);
}

/// On SIGINT, SIGTERM or SIGHUP, a thread removes the temporary files, then the
/// process dies of the signal as it would have without it (a shell sees 128 + n).
#[cfg(unix)]
fn watch_signals() {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
        return;
    };
    let _ = std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            if let Some(signal) = signals.forever().next() {
                for temp in temps().drain(..) {
                    let _ = std::fs::remove_file(temp);
                }
                let _ = signal_hook::low_level::emulate_default_handler(signal);
                std::process::exit(128 + signal);
            }
        });
}

#[cfg(not(unix))]
fn watch_signals() {}

/// The outputs of one command. Dropping it without [`Outputs::commit`] removes every
/// temporary file it created and leaves the targets alone.
#[derive(Default)]
pub struct Outputs {
    /// Canonical paths of the command's inputs, with how the user named each.
    inputs: Vec<(PathBuf, String)>,
    pending: Vec<Pending>,
}

struct Pending {
    flag: String,
    /// The canonical target.
    target: PathBuf,
    /// The temporary file beside it; `None` for a device written in place.
    temp: Option<PathBuf>,
}

/// A path made canonical even when its last component does not exist yet.
fn canonical(path: &Path) -> std::io::Result<PathBuf> {
    if let Ok(c) = path.canonicalize() {
        return Ok(c);
    }
    let name = path
        .file_name()
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a file name"))?;
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    Ok(parent.canonicalize()?.join(name))
}

/// `/dev/stdout`, `/dev/stderr` and their `/dev/fd/N` and `/proc/self/fd/N` names: a
/// duplicate of the process's own stream, not the file reopened (which would write
/// from offset 0 over what the stream writes).
fn standard_stream(target: &Path) -> Option<std::io::Result<File>> {
    #[cfg(unix)]
    {
        use std::os::fd::AsFd;
        let name = target.to_str()?;
        let fd = ["/dev/", "/dev/fd/", "/proc/self/fd/"]
            .iter()
            .find_map(|dir| name.strip_prefix(dir))?;
        let owned = match fd {
            "stdout" | "1" => std::io::stdout().as_fd().try_clone_to_owned(),
            "stderr" | "2" => std::io::stderr().as_fd().try_clone_to_owned(),
            _ => return None,
        };
        Some(owned.map(File::from))
    }
    #[cfg(not(unix))]
    {
        let _ = target;
        None
    }
}

impl Outputs {
    pub fn new() -> Self {
        Outputs::default()
    }

    /// Declares a file the command reads: no output may be written over it.
    pub fn input(&mut self, path: &Path) {
        if let Ok(c) = canonical(path) {
            self.inputs.push((c, path.display().to_string()));
        }
    }

    /// A shard's check of the output its merge writes (on another host, maybe, where
    /// its directory is): refused only when it is one of the inputs.
    pub fn not_input(&self, flag: &str, target: &Path) -> Result<(), String> {
        match canonical(target) {
            Ok(resolved) => match self.inputs.iter().find(|(c, _)| *c == resolved) {
                Some((_, input)) => Err(format!(
                    "{flag} {}: this is the input {input}; refusing to write over it",
                    target.display()
                )),
                None => Ok(()),
            },
            Err(_) => Ok(()),
        }
    }

    /// Opens the temporary file that becomes `target` on [`Outputs::commit`]; `flag`
    /// names the output in messages (`--trace`).
    pub fn open(&mut self, flag: &str, target: &Path) -> Result<File, String> {
        let shown = target.display();
        let problem = |e: &dyn std::fmt::Display| format!("{flag} {shown}: {e}");
        if let Some(file) = standard_stream(target) {
            // Shares the stream's offset: `--trace /dev/stdout > f` keeps both the
            // trace and what is printed after it, in that order.
            return file.map_err(|e| problem(&e));
        }
        let resolved = canonical(target).map_err(|e| problem(&e))?;
        if let Some((_, input)) = self.inputs.iter().find(|(c, _)| *c == resolved) {
            return Err(problem(&format!(
                "this is the input {input}; refusing to write over it"
            )));
        }
        // Two outputs may share a device (`/dev/null`), not a file.
        if let Some(other) = self
            .pending
            .iter()
            .find(|p| p.target == resolved && p.temp.is_some())
        {
            return Err(problem(&format!(
                "{} already writes to this file; give each output its own path",
                other.flag
            )));
        }
        match std::fs::metadata(&resolved) {
            Ok(meta) if meta.is_dir() => return Err(problem(&"is a directory")),
            Ok(meta) if !meta.is_file() => {
                // A device or a FIFO: written in place, never renamed over or removed.
                let file = OpenOptions::new()
                    .write(true)
                    .open(&resolved)
                    .map_err(|e| problem(&e))?;
                self.pending.push(Pending {
                    flag: flag.to_string(),
                    target: resolved,
                    temp: None,
                });
                return Ok(file);
            }
            // Replacing it by a rename would get round its permissions.
            Ok(meta) if meta.permissions().readonly() => {
                return Err(problem(&"the file is read-only"));
            }
            _ => {}
        }
        let name = resolved
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let dir = resolved.parent().unwrap_or(Path::new("."));
        let mut attempt = 0u32;
        let (temp, file) = loop {
            let temp = dir.join(format!(
                ".{name}.schedsim-{}-{attempt}.tmp",
                std::process::id()
            ));
            match OpenOptions::new().write(true).create_new(true).open(&temp) {
                Ok(f) => break (temp, f),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempt < 100 => {
                    attempt += 1;
                }
                Err(e) => return Err(problem(&e)),
            }
        };
        track(&temp);
        // A replaced file keeps its permissions.
        if let Ok(meta) = std::fs::metadata(&resolved) {
            let _ = std::fs::set_permissions(&temp, meta.permissions());
        }
        self.pending.push(Pending {
            flag: flag.to_string(),
            target: resolved,
            temp: Some(temp),
        });
        Ok(file)
    }

    /// Writes `bytes` to `file`, the output [`Outputs::open`] gave for `flag` and
    /// `target`, then commits every output of the command.
    pub fn write_and_commit(
        self,
        mut file: File,
        flag: &str,
        target: &Path,
        bytes: &[u8],
    ) -> Result<(), String> {
        use std::io::Write;
        file.write_all(bytes)
            .map_err(|e| format!("{flag} {}: {e}", target.display()))?;
        self.commit()
    }

    /// Syncs every temporary file and renames each over its target. The writers must
    /// have been flushed (and their errors reported) before.
    pub fn commit(mut self) -> Result<(), String> {
        for p in &self.pending {
            if let Some(temp) = &p.temp {
                File::open(temp)
                    .and_then(|f| f.sync_all())
                    .map_err(|e| format!("{} {}: {e}", p.flag, p.target.display()))?;
            }
        }
        for p in std::mem::take(&mut self.pending) {
            let Some(temp) = &p.temp else { continue };
            let renamed = std::fs::rename(temp, &p.target);
            if renamed.is_err() {
                let _ = std::fs::remove_file(temp);
            }
            untrack(temp);
            if let Err(e) = renamed {
                return Err(format!("{} {}: {e}", p.flag, p.target.display()));
            }
        }
        Ok(())
    }
}

impl Drop for Outputs {
    fn drop(&mut self) {
        for p in &self.pending {
            if let Some(temp) = &p.temp {
                let _ = std::fs::remove_file(temp);
                untrack(temp);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// A fresh directory under the system's temporary directory.
    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("schedsim-output-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_failed_command_leaves_every_target_as_it_was() {
        let dir = scratch("failed");
        let old = dir.join("t.jsonl");
        std::fs::write(&old, "old\n").unwrap();
        let mut outputs = Outputs::new();
        let mut a = outputs.open("--trace", &old).unwrap();
        a.write_all(b"complete\n").unwrap();
        let mut b = outputs.open("--report", &dir.join("r.html")).unwrap();
        b.write_all(b"<html>cut mid-").unwrap();
        // The second output fails: the command returns without committing.
        drop(outputs);
        assert_eq!(std::fs::read_to_string(&old).unwrap(), "old\n");
        assert_eq!(entries(&dir), ["t.jsonl"], "no temporary file is left");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn commit_replaces_every_target_at_once() {
        let dir = scratch("commit");
        let old = dir.join("t.jsonl");
        std::fs::write(&old, "old\n").unwrap();
        let mut outputs = Outputs::new();
        outputs
            .open("--trace", &old)
            .unwrap()
            .write_all(b"new\n")
            .unwrap();
        outputs
            .open("--report", &dir.join("r.html"))
            .unwrap()
            .write_all(b"<html>")
            .unwrap();
        assert_eq!(std::fs::read_to_string(&old).unwrap(), "old\n");
        outputs.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&old).unwrap(), "new\n");
        assert_eq!(entries(&dir), ["r.html", "t.jsonl"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn an_output_over_an_input_or_another_output_is_refused() {
        let dir = scratch("collide");
        let model = dir.join("m.toml");
        std::fs::write(&model, "model").unwrap();
        let mut outputs = Outputs::new();
        outputs.input(&model);
        let same = dir.join(".").join("m.toml");
        let e = outputs.open("--trace", &same).unwrap_err();
        assert!(e.contains("is the input"), "{e}");
        outputs.open("--trace", &dir.join("t")).unwrap();
        let e = outputs.open("--report", &dir.join("t")).unwrap_err();
        assert!(e.contains("--trace already writes"), "{e}");
        drop(outputs);
        assert_eq!(std::fs::read_to_string(&model).unwrap(), "model");
        assert_eq!(entries(&dir), ["m.toml"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_read_only_target_is_refused_not_replaced() {
        let dir = scratch("readonly");
        let target = dir.join("t.jsonl");
        std::fs::write(&target, "kept\n").unwrap();
        let mut perms = std::fs::metadata(&target).unwrap().permissions();
        perms.set_readonly(true);
        std::fs::set_permissions(&target, perms).unwrap();
        let e = Outputs::new().open("--trace", &target).unwrap_err();
        assert!(e.contains("read-only"), "{e}");
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "kept\n");
        assert_eq!(entries(&dir), ["t.jsonl"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_device_is_written_in_place_and_never_removed() {
        let null = Path::new("/dev/null");
        if !null.exists() {
            errln!("skipped: no /dev/null here");
            return;
        }
        let mut outputs = Outputs::new();
        outputs
            .open("--trace", null)
            .unwrap()
            .write_all(b"x")
            .unwrap();
        drop(outputs);
        assert!(null.exists());
        let mut outputs = Outputs::new();
        outputs
            .open("--trace", null)
            .unwrap()
            .write_all(b"x")
            .unwrap();
        outputs.commit().unwrap();
        assert!(null.exists());
    }
}
