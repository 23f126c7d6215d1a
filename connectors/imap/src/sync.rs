//! One sync pass: every chosen folder, new mail, flag changes, removals.
//!
//! Per folder, after SELECT:
//!
//! 1. A changed UIDVALIDITY makes the folder new: its state restarts at UID 0.
//! 2. A folder whose HIGHESTMODSEQ and message count match what is stored is
//!    skipped (CONDSTORE servers only).
//! 3. New messages: every UID above the stored one that the sink does not
//!    hold, fetched in chunks of at most [`CHUNK_MESSAGES`] messages and
//!    [`CHUNK_BYTES`] bytes, delivered as [`Change::New`] in UID order.
//! 4. Flag changes: `CHANGEDSINCE` the stored mod-sequence (CONDSTORE), else
//!    every message's flags; [`Change::Flags`] only where they differ from
//!    what the sink holds.
//! 5. Removals: stored locations whose UID the server no longer lists, or
//!    whose UIDVALIDITY is not the current one, become [`Change::Gone`].
//!    They come after the new messages, so a message that only changed
//!    UIDVALIDITY is stored under its new location before the old one goes.
//!
//! Folders in the cursor that the server no longer lists have every stored
//! message reported gone; folders only excluded by the settings are dropped
//! from the cursor and their stored messages are left alone.

use std::collections::HashSet;

use inbox_connector_api::{Change, ConnectorError, Location, RawItem, SourceKind};

use crate::batch::Batcher;
use crate::cursor::FolderState;
use crate::fetch::{self, Bodies, Selected};
use crate::folders::Folder;

/// At most this many messages are fetched per command.
pub const CHUNK_MESSAGES: usize = 200;
/// A fetch chunk stops growing at this many bytes (one larger message still goes alone).
pub const CHUNK_BYTES: u64 = 32 * 1024 * 1024;

/// `UIDVALIDITY:UID`, the remote id of a message.
pub fn remote_id(uidvalidity: u32, uid: u32) -> String {
    format!("{uidvalidity}:{uid}")
}

/// Parses [`remote_id`].
pub fn parse_remote_id(remote_id: &str) -> Option<(u32, u32)> {
    let (validity, uid) = remote_id.split_once(':')?;
    Some((validity.parse().ok()?, uid.parse().ok()?))
}

/// Reports every stored message of a folder that left the server, and forgets the folder.
pub async fn drop_folder(out: &mut Batcher<'_>, name: &str) -> Result<(), ConnectorError> {
    out.state.folders.remove(name);
    for remote_id in out.sink().known_in_folder(name) {
        let location = Location {
            folder: name.to_owned(),
            remote_id,
        };
        out.push(Change::Gone { location }).await?;
    }
    Ok(())
}

/// Brings one folder up to date.
pub async fn sync_folder(
    server: &mut fetch::Folder<'_>,
    folder: &Folder,
    condstore: bool,
    out: &mut Batcher<'_>,
) -> Result<(), ConnectorError> {
    let selected = server.select(&folder.server_name, condstore).await?;
    let mut state = out
        .state
        .folders
        .get(&folder.name)
        .copied()
        .filter(|state| state.uidvalidity == selected.uidvalidity)
        .unwrap_or(FolderState {
            uidvalidity: selected.uidvalidity,
            ..FolderState::default()
        });
    if unchanged(&state, &selected, out.sink().count_in_folder(&folder.name)) {
        return Ok(());
    }
    let (current, stale) = stored_uids(out, &folder.name, selected.uidvalidity);
    let server_uids = server.all_uids().await?;
    let location = |uid| Location {
        folder: folder.name.clone(),
        remote_id: remote_id(selected.uidvalidity, uid),
    };

    // New messages.
    let sizes = server.sizes_after(state.last_uid).await?;
    let wanted: Vec<(u32, u64)> = sizes
        .iter()
        .filter(|(uid, _)| !current.contains(uid))
        .map(|(&uid, &size)| (uid, u64::from(size)))
        .collect();
    tracing::info!(folder = %folder.name, new = wanted.len(), "syncing folder");
    // Each chunk is asked for before the previous one is stored, so the
    // server sends while the sink works.
    let mut done = 0;
    let mut received: Option<(Vec<u32>, Bodies)> = None;
    for chunk in chunks(&wanted) {
        let in_flight = server.request_bodies(&chunk).await?;
        if let Some((uids, bodies)) = received.take() {
            done += deliver(out, folder, selected.uidvalidity, &mut state, uids, bodies).await?;
            tracing::info!(folder = %folder.name, done, total = wanted.len(), "fetched messages");
        }
        received = Some((chunk, in_flight.receive().await?));
    }
    if let Some((uids, bodies)) = received {
        done += deliver(out, folder, selected.uidvalidity, &mut state, uids, bodies).await?;
        tracing::info!(folder = %folder.name, done, total = wanted.len(), "fetched messages");
    }
    state.last_uid = state.last_uid.max(sizes.keys().copied().max().unwrap_or(0));

    // Flag changes of messages the sink holds.
    for (uid, flags) in server
        .flags("1:*", state.modseq.filter(|_| condstore))
        .await?
    {
        let location = location(uid);
        if out
            .sink()
            .known(&location)
            .is_some_and(|known| known != flags)
        {
            out.push(Change::Flags { location, flags }).await?;
        }
    }

    // Removals.
    let on_server: HashSet<u32> = server_uids.into_iter().chain(sizes.into_keys()).collect();
    let expunged = current.iter().filter(|uid| !on_server.contains(uid));
    let gone: Vec<String> = expunged
        .map(|&uid| remote_id(selected.uidvalidity, uid))
        .chain(stale)
        .collect();
    for remote_id in gone {
        let location = Location {
            folder: folder.name.clone(),
            remote_id,
        };
        out.push(Change::Gone { location }).await?;
    }
    state.modseq = selected.highest_modseq;
    out.state.folders.insert(folder.name.clone(), state);
    Ok(())
}

/// Hands one fetched chunk to the sink, moving the folder's cursor with
/// each message; returns how many UIDs it covered.
async fn deliver(
    out: &mut Batcher<'_>,
    folder: &Folder,
    uidvalidity: u32,
    state: &mut FolderState,
    uids: Vec<u32>,
    mut bodies: Bodies,
) -> Result<usize, ConnectorError> {
    let count = uids.len();
    for uid in uids {
        let location = Location {
            folder: folder.name.clone(),
            remote_id: remote_id(uidvalidity, uid),
        };
        state.last_uid = state.last_uid.max(uid);
        out.state.folders.insert(folder.name.clone(), *state);
        match bodies.remove(&uid) {
            Some(Some(body)) => {
                let item = RawItem {
                    location,
                    source: SourceKind::Imap,
                    bytes: body.bytes,
                    flags: body.flags,
                    received: body.received,
                };
                out.push(Change::New(item)).await?;
            }
            Some(None) => out.warn(&location, "the server sent no body for this message"),
            None => {} // expunged since it was listed
        }
    }
    Ok(count)
}

/// The stored UIDs under `uidvalidity`, and the remote ids stored under any other.
fn stored_uids(out: &Batcher<'_>, folder: &str, uidvalidity: u32) -> (HashSet<u32>, Vec<String>) {
    let mut current = HashSet::new();
    let mut stale = Vec::new();
    for remote_id in out.sink().known_in_folder(folder) {
        match parse_remote_id(&remote_id) {
            Some((validity, uid)) if validity == uidvalidity => {
                current.insert(uid);
            }
            _ => stale.push(remote_id),
        }
    }
    (current, stale)
}

/// Whether nothing in the folder changed since `state` was saved. `state`
/// holds a mod-sequence only once a pass over the folder under the current
/// UIDVALIDITY completed, and that pass reported every location of another
/// UIDVALIDITY gone, so all `stored` locations are current ones.
fn unchanged(state: &FolderState, selected: &Selected, stored: usize) -> bool {
    state.modseq.is_some()
        && state.modseq == selected.highest_modseq
        && usize::try_from(selected.exists).is_ok_and(|exists| exists == stored)
}

/// `wanted` (UID, size) split into fetch chunks.
fn chunks(wanted: &[(u32, u64)]) -> Vec<Vec<u32>> {
    let mut out: Vec<Vec<u32>> = Vec::new();
    let mut bytes = 0;
    for &(uid, size) in wanted {
        match out.last_mut() {
            Some(chunk) if chunk.len() < CHUNK_MESSAGES && bytes + size <= CHUNK_BYTES => {
                chunk.push(uid);
                bytes += size;
            }
            _ => {
                out.push(vec![uid]);
                bytes = size;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_ids_round_trip() {
        assert_eq!(parse_remote_id(&remote_id(7, 42)), Some((7, 42)));
        assert_eq!(parse_remote_id("7"), None);
        assert_eq!(parse_remote_id("7:x"), None);
        assert_eq!(parse_remote_id("-1:2"), None);
    }

    #[test]
    fn chunks_bound_count_and_bytes() {
        let many: Vec<(u32, u64)> = (1..=450).map(|uid| (uid, 10)).collect();
        let sizes: Vec<usize> = chunks(&many).iter().map(Vec::len).collect();
        assert_eq!(sizes, [200, 200, 50]);
        let big = [(1, CHUNK_BYTES + 1), (2, 5), (3, CHUNK_BYTES - 5), (4, 1)];
        assert_eq!(chunks(&big), [vec![1], vec![2, 3], vec![4]]);
        assert!(chunks(&[]).is_empty());
    }
}
