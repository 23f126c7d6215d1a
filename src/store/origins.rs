//! Where a message's tags came from (table `tag_origins`): a built-in
//! tagger, a rule, a classifier or the user. Written in the transaction
//! that sets the tag; a removed tag loses its origin.

use rusqlite::{Connection, params};

use super::{Store, StoreError};
use crate::model::MessageId;

/// Who or what set a tag.
#[derive(Clone, Debug, PartialEq)]
pub enum TagOrigin {
    /// A built-in tagger (`list`, `bulk`, `reply`, `sent`, `attachment`),
    /// with what triggered it (e.g. `List-Id: <a.example.org>`).
    Builtin {
        tagger: String,
        evidence: Option<String>,
    },
    /// A rule of `rules.toml`: its position (from 1) and query when it ran.
    Rule { position: usize, query: String },
    /// A classifier model (`spam`, or a learned tag) and its score.
    Classifier { model: String, score: f64 },
    /// The user (`inbox tag`, the `tag` method).
    User,
}

/// One stored `tag_origins` row's columns: kind, name, position, score, evidence.
type Columns<'a> = (
    &'static str,
    Option<&'a str>,
    Option<i64>,
    Option<f64>,
    Option<&'a str>,
);

impl TagOrigin {
    fn columns(&self) -> Columns<'_> {
        match self {
            TagOrigin::Builtin { tagger, evidence } => {
                ("builtin", Some(tagger), None, None, evidence.as_deref())
            }
            TagOrigin::Rule { position, query } => (
                "rule",
                Some(query),
                Some(i64::try_from(*position).unwrap_or(i64::MAX)),
                None,
                None,
            ),
            TagOrigin::Classifier { model, score } => {
                ("classifier", Some(model), None, Some(*score), None)
            }
            TagOrigin::User => ("user", None, None, None, None),
        }
    }

    fn from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Option<TagOrigin>> {
        let kind: String = row.get(1)?;
        let name: Option<String> = row.get(2)?;
        let position: Option<i64> = row.get(3)?;
        Ok(match kind.as_str() {
            "builtin" => Some(TagOrigin::Builtin {
                tagger: name.unwrap_or_default(),
                evidence: row.get(5)?,
            }),
            "rule" => Some(TagOrigin::Rule {
                position: position.and_then(|p| usize::try_from(p).ok()).unwrap_or(0),
                query: name.unwrap_or_default(),
            }),
            "classifier" => Some(TagOrigin::Classifier {
                model: name.unwrap_or_default(),
                score: row.get::<_, Option<f64>>(4)?.unwrap_or(0.5),
            }),
            "user" => Some(TagOrigin::User),
            _ => None,
        })
    }
}

/// Records (or replaces) the origin of `tag` on message `id`.
pub(super) fn record(
    conn: &Connection,
    id: i64,
    tag: &str,
    origin: &TagOrigin,
) -> Result<(), StoreError> {
    let (kind, name, position, score, evidence) = origin.columns();
    conn.prepare_cached(
        "INSERT OR REPLACE INTO tag_origins (message_id, tag, kind, name, position, score, evidence)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![id, tag, kind, name, position, score, evidence])?;
    Ok(())
}

/// Forgets the origin of `tag` on message `id`.
pub(super) fn forget(conn: &Connection, id: i64, tag: &str) -> Result<(), StoreError> {
    conn.prepare_cached("DELETE FROM tag_origins WHERE message_id = ?1 AND tag = ?2")?
        .execute(params![id, tag])?;
    Ok(())
}

impl Store {
    /// The recorded origin of each tag of message `id`, by tag (tags set
    /// before origins were recorded have none).
    pub fn tag_origins(&self, id: MessageId) -> Result<Vec<(String, TagOrigin)>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT tag, kind, name, position, score, evidence FROM tag_origins
             WHERE message_id = ?1 ORDER BY tag",
        )?;
        let rows = stmt.query_map([id.0], |row| Ok((row.get(0)?, TagOrigin::from_row(row)?)))?;
        let mut origins = Vec::new();
        for row in rows {
            if let (tag, Some(origin)) = row? {
                origins.push((tag, origin));
            }
        }
        Ok(origins)
    }

    /// Messages holding `tag`, oldest first; `except_model` leaves out
    /// those whose tag that classifier model set.
    pub fn tagged(
        &self,
        tag: &str,
        except_model: Option<&str>,
    ) -> Result<Vec<MessageId>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT t.message_id FROM tags t
             LEFT JOIN tag_origins o ON o.message_id = t.message_id AND o.tag = t.tag
             WHERE t.tag = ?1
               AND NOT (?2 IS NOT NULL AND coalesce(o.kind = 'classifier' AND o.name = ?2, 0))
             ORDER BY t.message_id",
        )?;
        let rows = stmt.query_map(params![tag, except_model], |row| Ok(MessageId(row.get(0)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// How many messages hold `tag` set by the classifier model `model`.
    pub fn classified(&self, tag: &str, model: &str) -> Result<u64, StoreError> {
        let count: i64 = self.conn.query_row(
            "SELECT count(*) FROM tag_origins WHERE tag = ?1 AND kind = 'classifier' AND name = ?2",
            params![tag, model],
            |row| row.get(0),
        )?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    /// Every stored message id, oldest first.
    pub fn message_ids(&self) -> Result<Vec<MessageId>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id FROM messages ORDER BY id")?;
        let rows = stmt.query_map([], |row| Ok(MessageId(row.get(0)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
