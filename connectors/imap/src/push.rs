//! Writing local flag changes back to the server.
//!
//! For each folder the locations are grouped by target flags, and the
//! server gets `UID STORE +FLAGS.SILENT` / `-FLAGS.SILENT` for the system
//! flags only (keywords such as `$Forwarded` stay). Conflict rule, when the
//! server has CONDSTORE and this connector synced the folder before: a
//! message changed on the server since that sync (`CHANGEDSINCE` its
//! mod-sequence) is left alone, the server wins, and the next sync brings
//! its flags down. The outcome of each location is read back from the
//! server afterwards.

use std::collections::{BTreeMap, HashSet};

use inbox_connector_api::{ConnectorError, Flags, Location};

use crate::connect::Connection;
use crate::cursor::SyncState;
use crate::fetch;
use crate::flags::{store_lists, uid_set};
use crate::folders::Folder;
use crate::sync::parse_remote_id;

/// What became of one requested flag change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PushOutcome {
    /// The server now holds the requested flags.
    Applied,
    /// The message changed on the server since the last sync; the server's flags stay.
    Conflict { server: Flags },
    /// The folder's UIDVALIDITY changed: this location no longer names the message.
    StaleUidValidity,
    /// The message or its folder is gone from the server, or the id is not an IMAP one.
    Missing,
}

/// Applies `changes` and reports an outcome per change, in order.
pub async fn push(
    connection: &mut Connection,
    address: &str,
    folders: &[Folder],
    synced: &SyncState,
    changes: &[(Location, Flags)],
) -> Result<Vec<PushOutcome>, ConnectorError> {
    let condstore = connection.has("CONDSTORE");
    let mut outcomes = vec![PushOutcome::Missing; changes.len()];
    // folder -> (uidvalidity, uid, wanted flags, index in `changes`)
    let mut by_folder: BTreeMap<&str, Vec<(u32, u32, Flags, usize)>> = BTreeMap::new();
    for (index, (location, flags)) in changes.iter().enumerate() {
        if let Some((validity, uid)) = parse_remote_id(&location.remote_id) {
            by_folder
                .entry(location.folder.as_str())
                .or_default()
                .push((validity, uid, *flags, index));
        }
    }
    let mut server = fetch::Folder {
        session: &mut connection.session,
        address,
    };
    for (name, wanted) in by_folder {
        let Some(folder) = folders.iter().find(|folder| folder.name == name) else {
            continue;
        };
        let selected = server.select(&folder.server_name, condstore).await?;
        let synced_modseq = synced
            .folders
            .get(name)
            .filter(|state| state.uidvalidity == selected.uidvalidity)
            .and_then(|state| state.modseq)
            .filter(|_| condstore);
        let current: Vec<u32> = wanted
            .iter()
            .filter(|(validity, ..)| *validity == selected.uidvalidity)
            .map(|&(_, uid, ..)| uid)
            .collect();
        let changed_on_server: HashSet<u32> = match synced_modseq {
            Some(modseq) if !current.is_empty() => server
                .flags(&uid_set(&sorted(current.clone())), Some(modseq))
                .await?
                .into_iter()
                .map(|(uid, _)| uid)
                .collect(),
            _ => HashSet::new(),
        };
        let mut groups: BTreeMap<u8, Vec<u32>> = BTreeMap::new();
        for &(validity, uid, flags, index) in &wanted {
            if validity != selected.uidvalidity {
                outcomes[index] = PushOutcome::StaleUidValidity;
            } else if !changed_on_server.contains(&uid) {
                groups.entry(flags.bits()).or_default().push(uid);
            }
        }
        for (bits, uids) in groups {
            let uids = sorted(uids);
            let (add, remove) = store_lists(Flags::from_bits(bits));
            for (sign, list) in [("+", add), ("-", remove)] {
                if list != "()" {
                    server
                        .store(&uids, &format!("{sign}FLAGS.SILENT {list}"))
                        .await?;
                }
            }
        }
        if current.is_empty() {
            continue;
        }
        let now: BTreeMap<u32, Flags> = server
            .flags(&uid_set(&sorted(current)), None)
            .await?
            .into_iter()
            .collect();
        for &(validity, uid, flags, index) in &wanted {
            if validity != selected.uidvalidity {
                continue;
            }
            outcomes[index] = match now.get(&uid) {
                Some(&server) if server == flags => PushOutcome::Applied,
                Some(&server) => PushOutcome::Conflict { server },
                None => PushOutcome::Missing,
            };
        }
    }
    Ok(outcomes)
}

fn sorted(mut uids: Vec<u32>) -> Vec<u32> {
    uids.sort_unstable();
    uids.dedup();
    uids
}
