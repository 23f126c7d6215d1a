//! How a failed command is told: the error and its causes on one line, each
//! said once, control characters shown, and what to do when the disk is full.

use std::io;

/// Added to the message of an error caused by a full disk.
const DISK_FULL_ADVICE: &str = "; the disk is full: free some space, then run the command again \
     (messages stored so far are kept and are not stored twice)";

/// The error and its causes, `: `-separated. A cause the text so far already
/// ends with is left out: many errors repeat their source in their own
/// message.
pub(super) fn describe(error: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in error.chain() {
        let part = cause.to_string();
        if text.ends_with(&part) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&part);
    }
    if is_disk_full(error) {
        text.push_str(DISK_FULL_ADVICE);
    }
    // A cause may quote a server or a message.
    super::format::visible_text(&text).into_owned()
}

/// Whether a cause is "no space left on device": an I/O error, SQLite's
/// `SQLITE_FULL`, or (the index keeps only its text) the OS message.
fn is_disk_full(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        if let Some(io) = cause.downcast_ref::<io::Error>() {
            return io.kind() == io::ErrorKind::StorageFull;
        }
        if let Some(rusqlite::Error::SqliteFailure(failure, _)) = cause.downcast_ref() {
            return failure.code == rusqlite::ErrorCode::DiskFull;
        }
        cause.to_string().contains("No space left on device")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::IndexError;
    use crate::store::StoreError;
    use anyhow::Context;

    fn enospc() -> io::Error {
        io::Error::from_raw_os_error(28)
    }

    #[test]
    fn a_cause_repeated_in_its_parent_is_said_once() {
        let tantivy = tantivy::TantivyError::InternalError(enospc().to_string());
        let error = anyhow::Error::from(IndexError::Tantivy(tantivy));
        let text = describe(&error);
        assert_eq!(text.matches("No space left on device").count(), 1, "{text}");
        assert!(text.starts_with("index operation failed: "), "{text}");
    }

    #[test]
    fn causes_that_add_something_are_kept() {
        let error = Err::<(), _>(io::Error::other("the cause"))
            .context("the command")
            .unwrap_err();
        assert_eq!(describe(&error), "the command: the cause");
    }

    #[test]
    fn a_full_disk_says_what_to_do() {
        let sqlite = rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_FULL),
            None,
        );
        for error in [
            anyhow::Error::from(StoreError::Sql(sqlite)),
            anyhow::Error::from(enospc()).context("cannot write x"),
            anyhow::Error::from(IndexError::Tantivy(tantivy::TantivyError::InternalError(
                enospc().to_string(),
            ))),
        ] {
            let text = describe(&error);
            assert!(text.ends_with(DISK_FULL_ADVICE), "{text}");
        }
    }

    #[test]
    fn other_errors_get_no_disk_advice() {
        let error = anyhow::Error::from(io::Error::from(io::ErrorKind::PermissionDenied));
        assert!(!describe(&error).contains("disk is full"));
    }
}
