//! Numbered schema migrations; each runs in one transaction and records its
//! number in `PRAGMA user_version`.

use rusqlite::Connection;

use super::StoreError;

/// Migration `n` is `MIGRATIONS[n - 1]`; append only, never edit a shipped one.
const MIGRATIONS: &[&str] = &[
    // 1: accounts, messages, raw bytes, locations, participants, references, tags, cursors.
    "
    CREATE TABLE accounts (
        id      INTEGER PRIMARY KEY,
        name    TEXT NOT NULL UNIQUE,
        kind    TEXT NOT NULL
    );
    CREATE TABLE messages (
        id            INTEGER PRIMARY KEY,
        account_id    INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        source        TEXT NOT NULL,
        thread_id     INTEGER NOT NULL,
        message_id    TEXT,
        content_hash  BLOB NOT NULL,
        subject       TEXT,
        base_subject  TEXT,
        sender        TEXT,
        date          INTEGER,
        received      INTEGER,
        flags         INTEGER NOT NULL,
        attachments   INTEGER NOT NULL,
        size          INTEGER NOT NULL,
        warnings      TEXT,
        change_seq    INTEGER NOT NULL
    );
    CREATE INDEX messages_message_id ON messages(message_id);
    CREATE UNIQUE INDEX messages_content ON messages(account_id, content_hash);
    CREATE INDEX messages_thread ON messages(thread_id);
    CREATE INDEX messages_base_subject ON messages(account_id, base_subject);
    CREATE INDEX messages_change_seq ON messages(change_seq);
    CREATE TABLE raw (
        message_id  INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
        zstd        BLOB NOT NULL
    );
    CREATE TABLE locations (
        account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        folder      TEXT NOT NULL,
        remote_id   TEXT NOT NULL,
        message_id  INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
        flags       INTEGER NOT NULL,
        PRIMARY KEY (account_id, folder, remote_id)
    ) WITHOUT ROWID;
    CREATE INDEX locations_message ON locations(message_id);
    CREATE TABLE participants (
        message_id  INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
        role        TEXT NOT NULL,
        position    INTEGER NOT NULL,
        name        TEXT,
        address     TEXT NOT NULL,
        PRIMARY KEY (message_id, role, position)
    ) WITHOUT ROWID;
    CREATE INDEX participants_address ON participants(address);
    CREATE TABLE refs (
        message_id  INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
        position    INTEGER NOT NULL,
        ref         TEXT NOT NULL,
        PRIMARY KEY (message_id, position)
    ) WITHOUT ROWID;
    CREATE INDEX refs_ref ON refs(ref);
    CREATE TABLE tags (
        message_id  INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
        tag         TEXT NOT NULL,
        PRIMARY KEY (message_id, tag)
    ) WITHOUT ROWID;
    CREATE INDEX tags_tag ON tags(tag);
    CREATE TABLE cursors (
        account_id  INTEGER PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
        cursor      TEXT NOT NULL
    );
    ",
    // 2: a change counter that deletions cannot lower, tombstones of removed
    // messages so the index drops them too, and flag changes waiting to be
    // pushed to the server.
    "
    CREATE TABLE sequence (
        id          INTEGER PRIMARY KEY CHECK (id = 1),
        change_seq  INTEGER NOT NULL
    );
    INSERT INTO sequence SELECT 1, coalesce(max(change_seq), 0) FROM messages;
    CREATE TABLE removed (
        message_id  INTEGER PRIMARY KEY,
        change_seq  INTEGER NOT NULL
    );
    CREATE INDEX removed_change_seq ON removed(change_seq);
    CREATE TABLE pending_flags (
        message_id  INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
        flags       INTEGER NOT NULL,
        queued      INTEGER NOT NULL
    );
    ",
    // 3: the normalized body text, zstd-compressed, for search snippets.
    // Messages stored before have none until they are stored again.
    "
    CREATE TABLE body_text (
        message_id  INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
        zstd        BLOB NOT NULL
    );
    ",
    // 4: where each automatic tag came from (a built-in tagger, a rule, a
    // classifier, or the user), and which messages each classifier model
    // was trained with, as which class, so re-tagging can untrain them.
    "
    CREATE TABLE tag_origins (
        message_id  INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
        tag         TEXT NOT NULL,
        kind        TEXT NOT NULL,
        name        TEXT,
        position    INTEGER,
        score       REAL,
        evidence    TEXT,
        PRIMARY KEY (message_id, tag)
    ) WITHOUT ROWID;
    CREATE TABLE trained (
        message_id  INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
        model       TEXT NOT NULL,
        positive    INTEGER NOT NULL,
        PRIMARY KEY (message_id, model)
    ) WITHOUT ROWID;
    CREATE INDEX trained_model ON trained(model);
    ",
    // 5: each message's importance score and its reasons (one a line;
    // NULL until computed), and the addresses the user wrote to, with how
    // many of the user's messages named each.
    "
    ALTER TABLE messages ADD COLUMN importance REAL;
    ALTER TABLE messages ADD COLUMN importance_reasons TEXT;
    CREATE TABLE correspondents (
        address   TEXT PRIMARY KEY,
        messages  INTEGER NOT NULL
    ) WITHOUT ROWID;
    ",
    // 6: the first line or so of the body text, as a message list shows
    // it (NULL for messages stored before: it is then cut from the text).
    "
    ALTER TABLE body_text ADD COLUMN preview TEXT;
    ",
    // 7: what a folder is for, as its server marks it (an IMAP special-use
    // attribute such as \\Junk), so spam training finds Junk by its role.
    "
    CREATE TABLE folder_roles (
        account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        folder      TEXT NOT NULL,
        role        TEXT NOT NULL,
        PRIMARY KEY (account_id, folder)
    ) WITHOUT ROWID;
    ",
    // 8: the preview moves beside the summary it is listed with, so a page
    // of results reads one row per message instead of two.
    "
    ALTER TABLE messages ADD COLUMN preview TEXT;
    UPDATE messages SET preview =
        (SELECT preview FROM body_text WHERE body_text.message_id = messages.id);
    ALTER TABLE body_text DROP COLUMN preview;
    ",
    // 9: each message's tags and folders also kept in its row, as JSON
    // arrays (any order), so a page of results is one query. Triggers keep
    // them current whatever changes `tags` or `locations`; a new message
    // is inserted with its lists, which the insert triggers then find
    // complete and leave alone.
    "
    ALTER TABLE messages ADD COLUMN tag_list TEXT NOT NULL DEFAULT '[]';
    ALTER TABLE messages ADD COLUMN folder_list TEXT NOT NULL DEFAULT '[]';
    UPDATE messages SET
        tag_list = (SELECT json_group_array(tag) FROM tags WHERE message_id = messages.id),
        folder_list =
            (SELECT json_group_array(folder) FROM locations WHERE message_id = messages.id);
    CREATE TRIGGER tags_listed AFTER INSERT ON tags
    WHEN NOT EXISTS (SELECT 1 FROM messages m, json_each(m.tag_list)
                     WHERE m.id = NEW.message_id AND json_each.value = NEW.tag)
    BEGIN
        UPDATE messages SET tag_list =
            (SELECT json_group_array(tag) FROM tags WHERE message_id = messages.id)
        WHERE id = NEW.message_id;
    END;
    CREATE TRIGGER tags_changed AFTER UPDATE ON tags BEGIN
        UPDATE messages SET tag_list =
            (SELECT json_group_array(tag) FROM tags WHERE message_id = messages.id)
        WHERE id IN (OLD.message_id, NEW.message_id);
    END;
    CREATE TRIGGER tags_unlisted AFTER DELETE ON tags BEGIN
        UPDATE messages SET tag_list =
            (SELECT json_group_array(tag) FROM tags WHERE message_id = messages.id)
        WHERE id = OLD.message_id;
    END;
    CREATE TRIGGER folders_listed AFTER INSERT ON locations
    WHEN NOT EXISTS (SELECT 1 FROM messages m, json_each(m.folder_list)
                     WHERE m.id = NEW.message_id AND json_each.value = NEW.folder)
    BEGIN
        UPDATE messages SET folder_list =
            (SELECT json_group_array(folder) FROM locations WHERE message_id = messages.id)
        WHERE id = NEW.message_id;
    END;
    CREATE TRIGGER folders_changed AFTER UPDATE OF folder, message_id ON locations BEGIN
        UPDATE messages SET folder_list =
            (SELECT json_group_array(folder) FROM locations WHERE message_id = messages.id)
        WHERE id IN (OLD.message_id, NEW.message_id);
    END;
    CREATE TRIGGER folders_unlisted AFTER DELETE ON locations BEGIN
        UPDATE messages SET folder_list =
            (SELECT json_group_array(folder) FROM locations WHERE message_id = messages.id)
        WHERE id = OLD.message_id;
    END;
    ",
];

/// Brings the schema up to date. Refuses a store written by a newer inbox.
pub(super) fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let current: usize = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    if current > MIGRATIONS.len() {
        return Err(StoreError::TooNew {
            found: current,
            supported: MIGRATIONS.len(),
        });
    }
    for (number, sql) in MIGRATIONS.iter().enumerate().skip(current) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", number + 1)?;
        tx.commit()?;
    }
    Ok(())
}

/// The schema version this build writes.
pub fn latest_version() -> usize {
    MIGRATIONS.len()
}
