//! One sync: pages of DM events, newest first, down to the stored cursor.
//!
//! Each page is committed as it arrives, so a failure later keeps what was
//! stored. Every batch carries the old cursor except the very last, which
//! carries the newest id seen: the cursor moves only once everything down
//! to the old cursor is stored. A sync that stops midway therefore starts
//! again from the newest event and skips what is already stored.

use inbox_connector_api::dm::DirectMessage;
use inbox_connector_api::{
    Batch, Change, ConnectorError, Cursor, Flags, Location, RawItem, Sink, SourceKind,
};
use serde_json::Value;

use crate::api::Api;
use crate::cursor;
use crate::wire::{Directory, Event, Page};

const DM_EVENTS: &str = "/2/dm_events";
const EVENT_FIELDS: &str = "id,text,event_type,created_at,dm_conversation_id,sender_id,participant_ids,referenced_tweets,attachments";
const EXPANSIONS: &str = "sender_id,participant_ids,attachments.media_keys";
const USER_FIELDS: &str = "id,name,username";
const MEDIA_FIELDS: &str = "media_key,type,url,preview_image_url,width,height";
const PAGE_SIZE: &str = "100";

/// Delivers every event newer than `cursor` to `sink`.
pub(crate) async fn sync(
    api: &mut Api,
    cursor: &Cursor,
    sink: &mut dyn Sink,
) -> Result<(), ConnectorError> {
    let stored_newest = cursor::newest(cursor);
    let mut newest = stored_newest.clone();
    let mut directory = Directory::default();
    let mut token: Option<String> = None;
    let mut pages = 0usize;
    loop {
        let page = fetch_page(api, token.as_deref()).await?;
        pages += 1;
        directory.learn(page.includes);
        let mut changes = Vec::new();
        let mut reached_cursor = false;
        for value in page.data.unwrap_or_default() {
            let id = value.get("id").and_then(Value::as_str).map(str::to_owned);
            if let (Some(id), Some(stored)) = (&id, &stored_newest)
                && cursor::at_or_before(id, stored)
            {
                reached_cursor = true;
                continue;
            }
            if let Some(id) = &id {
                newest = Some(cursor::later(newest, id));
            }
            match raw_item(&directory, value) {
                Ok(item) if sink.known(&item.location).is_some() => {}
                Ok(item) => changes.push(Change::New(item)),
                Err((location, reason)) => {
                    sink.warn(&location, &format!("skipped an X DM event: {reason}"))
                }
            }
        }
        let next = page.meta.next_token.filter(|next| !next.is_empty());
        if next.is_some() && next == token {
            return Err(ConnectorError::Protocol(format!(
                "X answered GET {DM_EVENTS} with the same next_token twice; stopped paging"
            )));
        }
        let last = reached_cursor || next.is_none();
        let final_cursor = last.then(|| cursor::encode(newest.as_deref()));
        commit(sink, changes, cursor, final_cursor).await?;
        if last {
            tracing::debug!(pages, "X direct messages synced");
            return Ok(());
        }
        token = next;
    }
}

async fn fetch_page(api: &mut Api, token: Option<&str>) -> Result<Page, ConnectorError> {
    let mut params = vec![
        ("dm_event.fields", EVENT_FIELDS),
        ("expansions", EXPANSIONS),
        ("user.fields", USER_FIELDS),
        ("media.fields", MEDIA_FIELDS),
        ("max_results", PAGE_SIZE),
    ];
    if let Some(token) = token {
        params.push(("pagination_token", token));
    }
    let body = api.get(DM_EVENTS, &params).await?;
    serde_json::from_slice(&body).map_err(|error| {
        ConnectorError::Protocol(format!(
            "X answered GET {DM_EVENTS} with an unreadable page: {error}"
        ))
    })
}

/// Commits `changes` in batches of the sink's size, all with the old
/// cursor, except that the last batch carries `final_cursor` when given
/// (an empty batch if there are no changes).
async fn commit(
    sink: &mut dyn Sink,
    mut changes: Vec<Change>,
    old_cursor: &Cursor,
    final_cursor: Option<Cursor>,
) -> Result<(), ConnectorError> {
    let size = sink.batch_size().max(1);
    while changes.len() > size {
        let rest = changes.split_off(size);
        let batch = Batch {
            changes: std::mem::replace(&mut changes, rest),
            cursor: old_cursor.clone(),
        };
        sink.commit(batch).await?;
    }
    match final_cursor {
        Some(cursor) => sink.commit(Batch { changes, cursor }).await?,
        None if !changes.is_empty() => {
            sink.commit(Batch {
                changes,
                cursor: old_cursor.clone(),
            })
            .await?
        }
        None => {}
    }
    Ok(())
}

/// The event as a raw item, or where it was and why it cannot be read.
fn raw_item(directory: &Directory, value: Value) -> Result<RawItem, (Location, String)> {
    let field = |name: &str| value.get(name).and_then(Value::as_str).unwrap_or_default();
    let location = Location {
        folder: field("dm_conversation_id").to_owned(),
        remote_id: field("id").to_owned(),
    };
    let event: Event = serde_json::from_value(value)
        .map_err(|error| (location.clone(), format!("unreadable event: {error}")))?;
    let message: DirectMessage = directory
        .resolve(event)
        .map_err(|reason| (location.clone(), reason))?;
    let received = chrono::DateTime::parse_from_rfc3339(&message.created_at)
        .ok()
        .map(|time| time.timestamp());
    let bytes = serde_json::to_vec(&message).map_err(|error| {
        (
            location.clone(),
            format!("cannot encode the event: {error}"),
        )
    })?;
    Ok(RawItem {
        location: Location {
            folder: message.conversation_id,
            remote_id: message.id,
        },
        source: SourceKind::X,
        bytes,
        flags: Flags::default(),
        received,
    })
}
