//! The sync cursor: the id of the newest DM event stored, as JSON
//! `{"newest":"<id>"}`; empty before anything was stored.

use inbox_connector_api::Cursor;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
struct Stored {
    newest: String,
}

/// The newest stored event id, or `None` for an empty cursor. An unreadable
/// cursor counts as empty: the next sync walks all events the API still
/// returns and skips those already stored.
pub(crate) fn newest(cursor: &Cursor) -> Option<String> {
    if cursor.0.is_empty() {
        return None;
    }
    match serde_json::from_str::<Stored>(&cursor.0) {
        Ok(stored) if !stored.newest.is_empty() => Some(stored.newest),
        Ok(_) => None,
        Err(error) => {
            tracing::warn!(
                "ignoring an unreadable X sync cursor ({error}); syncing everything X still returns"
            );
            None
        }
    }
}

/// The cursor for `newest` (empty for `None`).
pub(crate) fn encode(newest: Option<&str>) -> Cursor {
    match newest {
        Some(id) => Cursor(
            serde_json::to_string(&Stored {
                newest: id.to_owned(),
            })
            .unwrap_or_default(),
        ),
        None => Cursor::default(),
    }
}

/// Whether event `id` is at or before the stored `newest`. Event ids are
/// numeric snowflakes, increasing with time; ids that are not numbers can
/// only be matched exactly.
pub(crate) fn at_or_before(id: &str, newest: &str) -> bool {
    match (id.parse::<u64>(), newest.parse::<u64>()) {
        (Ok(id), Ok(newest)) => id <= newest,
        _ => id == newest,
    }
}

/// The later of the newest id so far and `id`. Without numbers to compare,
/// the first seen stays: X lists events newest first.
pub(crate) fn later(so_far: Option<String>, id: &str) -> String {
    match so_far {
        None => id.to_owned(),
        Some(so_far) => match (so_far.parse::<u64>(), id.parse::<u64>()) {
            (Ok(a), Ok(b)) if b > a => id.to_owned(),
            _ => so_far,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_tolerates_garbage() {
        let cursor = encode(Some("1582838223014002693"));
        assert_eq!(cursor.0, r#"{"newest":"1582838223014002693"}"#);
        assert_eq!(newest(&cursor).as_deref(), Some("1582838223014002693"));
        assert_eq!(encode(None), Cursor::default());
        assert_eq!(newest(&Cursor::default()), None);
        assert_eq!(newest(&Cursor("not json".into())), None);
    }

    #[test]
    fn ids_compare_as_numbers_not_text() {
        assert!(at_or_before("999", "1000"));
        assert!(!at_or_before("1001", "1000"));
        assert!(at_or_before("abc", "abc"));
        assert!(!at_or_before("abd", "abc"));
        assert_eq!(later(Some("999".into()), "1000"), "1000");
        assert_eq!(later(Some("1000".into()), "999"), "1000");
        assert_eq!(later(None, "7"), "7");
        assert_eq!(later(Some("b".into()), "c"), "b");
    }
}
