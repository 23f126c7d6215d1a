//! Deleting messages on the server, for `inbox erase --remote`.
//!
//! Per folder, only UIDs under the folder's current UIDVALIDITY are
//! touched (a location under an older one may name another message now).
//! [`DeleteMode::Expunge`] marks them `\Deleted` and removes exactly those
//! with `UID EXPUNGE` (UIDPLUS). [`DeleteMode::Trash`], or a server without
//! UIDPLUS, moves them to the folder marked `\Trash` (`UID MOVE`, else
//! `UID COPY` and `\Deleted`, which the server removes at its next
//! expunge); messages already in the Trash folder are expunged there.
//! Afterwards the folder is read again: a UID still listed is reported
//! failed, so nothing is erased locally that the server still holds.

use std::collections::{BTreeMap, BTreeSet};

use futures_util::TryStreamExt;
use inbox_connector_api::ConnectorError;
use inbox_connector_api::Location;
use inbox_connector_api::delete::{DeleteReport, Deletion};

use crate::connect::{Connection, TIMEOUT, session_error, within};
use crate::fetch;
use crate::flags::uid_set;
use crate::folders::Folder;
use crate::sync::parse_remote_id;

/// How server copies are deleted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DeleteMode {
    /// Removed from the server at once (needs UIDPLUS; else as `Trash`).
    #[default]
    Expunge,
    /// Moved to the `\Trash` folder, where the server's own rules empty it.
    Trash,
}

/// What to do with the UIDs of one folder.
enum Action<'a> {
    Expunge,
    MoveTo(&'a Folder),
    CopyTo(&'a Folder),
}

/// Deletes `locations` and reports an outcome per location, in order.
pub async fn delete(
    connection: &mut Connection,
    address: &str,
    folders: &[Folder],
    locations: &[Location],
    mode: DeleteMode,
) -> DeleteReport {
    let uidplus = connection.has("UIDPLUS");
    let can_move = connection.has("MOVE");
    let trash = folders
        .iter()
        .find(|folder| folder.special_use.as_deref() == Some("\\Trash"));
    let mut outcomes: Vec<Deletion> = vec![Deletion::AlreadyGone; locations.len()];
    // folder -> (uidvalidity, uid, index in `locations`)
    let mut by_folder: BTreeMap<&str, Vec<(u32, u32, usize)>> = BTreeMap::new();
    for (index, location) in locations.iter().enumerate() {
        match parse_remote_id(&location.remote_id) {
            Some((validity, uid)) => by_folder
                .entry(location.folder.as_str())
                .or_default()
                .push((validity, uid, index)),
            None => {
                outcomes[index] = Deletion::Failed(format!(
                    "{:?} is not an IMAP message id (UIDVALIDITY:UID)",
                    location.remote_id
                ));
            }
        }
    }
    let mut server = fetch::Folder {
        session: &mut connection.session,
        address,
    };
    let mut broken: Option<String> = None;
    for (name, wanted) in by_folder {
        if let Some(reason) = &broken {
            for &(_, _, index) in &wanted {
                outcomes[index] = Deletion::Failed(reason.clone());
            }
            continue;
        }
        // A folder the server no longer lists holds none of them.
        let Some(folder) = folders.iter().find(|folder| folder.name == name) else {
            continue;
        };
        let in_trash = trash.is_some_and(|trash| trash.name == folder.name);
        let action = match (mode, uidplus, trash) {
            (DeleteMode::Expunge, true, _) => Ok(Action::Expunge),
            (_, true, _) if in_trash => Ok(Action::Expunge),
            (_, _, Some(trash)) if !in_trash && can_move => Ok(Action::MoveTo(trash)),
            (_, _, Some(trash)) if !in_trash => Ok(Action::CopyTo(trash)),
            _ => Err(format!(
                "{address} offers neither UIDPLUS (to expunge only these messages) nor a \
                 folder marked \\Trash (to move them to); delete them with another mail client"
            )),
        };
        let result = match action {
            Ok(action) => in_folder(&mut server, folder, &wanted, action, &mut outcomes).await,
            Err(reason) => {
                for &(_, _, index) in &wanted {
                    outcomes[index] = Deletion::Failed(reason.clone());
                }
                Ok(())
            }
        };
        if let Err(error) = result {
            let reason = error.to_string();
            for &(_, _, index) in &wanted {
                if !matches!(outcomes[index], Deletion::Failed(_)) {
                    outcomes[index] = Deletion::Failed(reason.clone());
                }
            }
            if matches!(error, ConnectorError::Network(_)) {
                broken = Some(reason);
            }
        }
    }
    DeleteReport {
        outcomes: locations.iter().cloned().zip(outcomes).collect(),
    }
}

/// Deletes the `wanted` UIDs of `folder` as `action` says and records each
/// outcome; an error leaves the outcomes not yet known to the caller.
async fn in_folder(
    server: &mut fetch::Folder<'_>,
    folder: &Folder,
    wanted: &[(u32, u32, usize)],
    action: Action<'_>,
    outcomes: &mut [Deletion],
) -> Result<(), ConnectorError> {
    let selected = server.select(&folder.server_name, false).await?;
    let current: Vec<u32> = sorted(
        wanted
            .iter()
            .filter(|(validity, ..)| *validity == selected.uidvalidity)
            .map(|&(_, uid, _)| uid),
    );
    let present: BTreeSet<u32> = match current.is_empty() {
        true => BTreeSet::new(),
        false => server.existing(&current).await?,
    };
    let targets: Vec<u32> = present.iter().copied().collect();
    if !targets.is_empty() {
        match action {
            Action::Expunge => {
                server.store(&targets, "+FLAGS.SILENT (\\Deleted)").await?;
                server.expunge(&targets).await?;
            }
            Action::MoveTo(trash) => server.move_to(&targets, &trash.server_name).await?,
            Action::CopyTo(trash) => {
                server.copy_to(&targets, &trash.server_name).await?;
                server.store(&targets, "+FLAGS.SILENT (\\Deleted)").await?;
            }
        }
    }
    let left = match (&action, targets.is_empty()) {
        // Copied and marked: the server removes them at its next expunge.
        (Action::CopyTo(_), _) | (_, true) => BTreeSet::new(),
        _ => server.existing(&targets).await?,
    };
    for &(validity, uid, index) in wanted {
        outcomes[index] = if validity != selected.uidvalidity {
            Deletion::Failed(format!(
                "the folder {:?} was renumbered on the server (UIDVALIDITY changed) since the \
                 last sync; sync the account, then erase again",
                folder.name
            ))
        } else if left.contains(&uid) {
            Deletion::Failed(format!(
                "the server still lists it in {:?} after deleting it",
                folder.name
            ))
        } else if present.contains(&uid) {
            Deletion::Deleted
        } else {
            Deletion::AlreadyGone
        };
    }
    Ok(())
}

impl fetch::Folder<'_> {
    /// Which of `uids` (ascending) the selected folder holds.
    async fn existing(&mut self, uids: &[u32]) -> Result<BTreeSet<u32>, ConnectorError> {
        let flags = self.flags(&uid_set(uids), None).await?;
        let asked: BTreeSet<u32> = uids.iter().copied().collect();
        // `UID FETCH n:m` may answer with the highest UID for a range past the end.
        Ok(flags
            .into_iter()
            .map(|(uid, _)| uid)
            .filter(|uid| asked.contains(uid))
            .collect())
    }

    /// `UID EXPUNGE uids`: removes exactly these `\Deleted` messages.
    async fn expunge(&mut self, uids: &[u32]) -> Result<(), ConnectorError> {
        let address = self.address;
        let expunging = async {
            let expunged = self.session.uid_expunge(uid_set(uids)).await?;
            expunged.try_collect::<Vec<_>>().await
        };
        within(
            TIMEOUT,
            || format!("UID EXPUNGE at {address} timed out"),
            expunging,
        )
        .await?
        .map_err(|error| session_error(address, "UID EXPUNGE", &error))?;
        Ok(())
    }

    /// `UID MOVE uids folder`.
    async fn move_to(&mut self, uids: &[u32], folder: &str) -> Result<(), ConnectorError> {
        let address = self.address;
        within(
            TIMEOUT,
            || format!("UID MOVE at {address} timed out"),
            self.session.uid_mv(uid_set(uids), folder),
        )
        .await?
        .map_err(|error| session_error(address, "UID MOVE", &error))
    }

    /// `UID COPY uids folder`.
    async fn copy_to(&mut self, uids: &[u32], folder: &str) -> Result<(), ConnectorError> {
        let address = self.address;
        within(
            TIMEOUT,
            || format!("UID COPY at {address} timed out"),
            self.session.uid_copy(uid_set(uids), folder),
        )
        .await?
        .map_err(|error| session_error(address, "UID COPY", &error))
    }
}

fn sorted(uids: impl Iterator<Item = u32>) -> Vec<u32> {
    let mut uids: Vec<u32> = uids.collect();
    uids.sort_unstable();
    uids.dedup();
    uids
}
