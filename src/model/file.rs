//! Reading a model file: regular files only, bounded, UTF-8, each refusal located.

use std::path::Path;

use super::{Diagnostic, FileDiagnostics};

/// The largest model file read: an imported tenant of 100,000 tasks is about 25 MiB of
/// text, so ten of those fit; anything bigger is not a model and is
/// refused before it is read.
pub const MAX_MODEL_BYTES: u64 = 256 << 20;

/// A model file's text. Only regular files are read (a FIFO with no writer would
/// block forever, a device might never end), at most [`MAX_MODEL_BYTES`] of them.
pub fn read_model_file(path: &Path) -> Result<String, FileDiagnostics> {
    let shown = path.display().to_string();
    let refuse = |why: String, expected: &str| {
        let mut out = FileDiagnostics::new(shown.clone(), "");
        out.diagnostics
            .push(Diagnostic::new(0..0, why, expected).whole_file());
        out
    };
    let readable = "a readable UTF-8 file";
    let meta = std::fs::metadata(path)
        .map_err(|e| refuse(format!("cannot read the file: {e}"), readable))?;
    if !meta.is_file() {
        let kind = file_kind(&meta);
        return Err(refuse(
            format!("cannot read the file: it is {kind}, not a regular file"),
            "a regular file (schedsim does not read models from pipes or devices)",
        ));
    }
    if meta.len() > MAX_MODEL_BYTES {
        return Err(refuse(
            format!(
                "cannot read the file: it has {} bytes, more than the {} MiB a model may have",
                meta.len(),
                MAX_MODEL_BYTES >> 20
            ),
            "a model file of at most 256 MiB",
        ));
    }
    use std::io::Read;
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_MODEL_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| refuse(format!("cannot read the file: {e}"), readable))?;
    if bytes.len() as u64 > MAX_MODEL_BYTES {
        // It grew between the check and the read.
        return Err(refuse(
            format!(
                "cannot read the file: it has more than the {} MiB a model may have",
                MAX_MODEL_BYTES >> 20
            ),
            "a model file of at most 256 MiB",
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        // Located: the text up to the first bad byte is shown as it is.
        let at = e.utf8_error().valid_up_to();
        let mut out = FileDiagnostics::new(shown.clone(), String::from_utf8_lossy(e.as_bytes()));
        out.diagnostics.push(Diagnostic::new(
            at..at,
            "cannot read the file: it is not valid UTF-8 text",
            readable,
        ));
        out
    })
}

/// The bytes of an input that is not a model (a trace, a golden record, a partial, an
/// export, a history): regular files only, as for models (a FIFO with no writer would
/// block forever); the error names the path.
pub fn read_regular(path: &Path) -> Result<Vec<u8>, String> {
    let shown = path.display();
    let meta = std::fs::metadata(path).map_err(|e| format!("{shown}: {e}"))?;
    if !meta.is_file() {
        return Err(format!(
            "{shown}: it is {}, not a regular file (schedsim does not read its inputs from pipes or devices)",
            file_kind(&meta)
        ));
    }
    std::fs::read(path).map_err(|e| format!("{shown}: {e}"))
}

/// [`read_regular`] as UTF-8 text.
pub fn read_regular_text(path: &Path) -> Result<String, String> {
    String::from_utf8(read_regular(path)?)
        .map_err(|_| format!("{}: not valid UTF-8 text", path.display()))
}

/// What a path that is not a regular file is, for messages.
fn file_kind(meta: &std::fs::Metadata) -> &'static str {
    if meta.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    "not a regular file"
}
