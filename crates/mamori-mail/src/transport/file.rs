//! The `file://DIR` transport: each message becomes `DIR/<message id>.eml`, written atomically.
//!
//! Unlike lettre's `FileTransport` (a plain write to `<uuid>.eml`), the file name comes from the
//! Message-ID, so sending a message again replaces its file with identical bytes instead of
//! adding a second one, and the write goes through a temporary file, `fsync` and `rename`, so a
//! crash never leaves half a message under the final name.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::{Composed, Delivery, FailureKind, SendError};

#[derive(Debug)]
pub(crate) struct FileTransport {
    dir: PathBuf,
}

/// Distinguishes the temporary files of concurrent sends of the same message in one process.
static TEMPORARY_FILE_COUNTER: AtomicU64 = AtomicU64::new(0);

impl FileTransport {
    pub(crate) fn new(dir: PathBuf) -> FileTransport {
        FileTransport { dir }
    }

    pub(crate) async fn send(&self, message: &Composed) -> Result<Delivery, SendError> {
        if message.message_id.is_empty() {
            return Err(SendError {
                kind: FailureKind::Permanent,
                code: None,
                message: "the message has no message id to name its file".to_owned(),
            });
        }
        let dir = self.dir.clone();
        let name = file_name(&message.message_id);
        let bytes = message.bytes.clone();
        let written = tokio::task::spawn_blocking(move || write_atomically(&dir, &name, &bytes))
            .await
            .map_err(|error| SendError {
                kind: FailureKind::Transient,
                code: None,
                message: format!(
                    "the task writing to `{}` failed: {error}",
                    self.dir.display()
                ),
            })?;
        // A local write error is never the message's fault: the folder can be fixed and the
        // message sent again, so it is transient.
        written
            .map(|path| Delivery::Written { path })
            .map_err(|message| SendError {
                kind: FailureKind::Transient,
                code: None,
                message,
            })
    }
}

/// `<message id>.eml` with every character outside `[A-Za-z0-9._-]` replaced by `_`: stable, and
/// never a path separator.
pub(crate) fn file_name(message_id: &str) -> String {
    let stem: String = message_id
        .chars()
        .map(|character| match character {
            'A'..='Z' | 'a'..='z' | '0'..='9' | '.' | '_' | '-' => character,
            _ => '_',
        })
        .collect();
    format!("{stem}.eml")
}

/// Writes `dir/name` through `dir/.name.<pid>-<n>.tmp`; the error message names the path.
fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> Result<PathBuf, String> {
    fs::create_dir_all(dir).map_err(|error| {
        format!(
            "could not create the outbox folder `{}`: {error}",
            dir.display()
        )
    })?;
    let path = dir.join(name);
    let counter = TEMPORARY_FILE_COUNTER.fetch_add(1, Ordering::Relaxed);
    let temporary = dir.join(format!(".{name}.{}-{counter}.tmp", std::process::id()));
    let write = || -> std::io::Result<()> {
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temporary)?;
        file.write_all(bytes)?;
        file.sync_all()
    };
    if let Err(error) = write() {
        // Best effort: the write already failed, and a leftover temporary file is only clutter.
        let _ = fs::remove_file(&temporary);
        return Err(format!(
            "could not write `{}`: {error}",
            temporary.display()
        ));
    }
    if let Err(error) = fs::rename(&temporary, &path) {
        let _ = fs::remove_file(&temporary);
        return Err(format!(
            "could not rename `{}` to `{}`: {error}",
            temporary.display(),
            path.display()
        ));
    }
    // Persist the rename itself. Some file systems refuse to sync a directory; the file's own
    // bytes are already synced, so that refusal is not worth failing the delivery over.
    if let Ok(directory) = fs::File::open(dir) {
        let _ = directory.sync_all();
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use crate::transport::file::file_name;

    #[test]
    fn file_name_is_derived_from_the_message_id() {
        assert_eq!(
            file_name("job.annual-report.20250510T000000Z.3f2a@mamori.local"),
            "job.annual-report.20250510T000000Z.3f2a_mamori.local.eml"
        );
        assert_eq!(file_name("a/../b@x"), "a_.._b_x.eml");
        assert_eq!(file_name("報告+1@x"), "___1_x.eml");
        assert_eq!(file_name("a@b"), file_name("a@b"), "stable");
    }
}
