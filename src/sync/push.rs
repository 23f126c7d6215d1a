//! Local flag changes back to the server. The store queues them (see
//! [`Store::pending_flags`]); they are pushed right after a sync, when the
//! connector knows each folder's state, so a message changed on the server
//! meanwhile keeps the server's flags.

use inbox_connector_imap::{ImapConnector, PushOutcome};

use super::SyncError;
use crate::model::{Flags, Location};
use crate::store::Store;

/// What a push did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PushReport {
    /// Locations that now hold the flags set here.
    pub applied: u64,
    /// Locations changed on the server since the last sync: its flags stay.
    pub conflicts: u64,
    /// Locations that no longer exist on the server.
    pub missing: u64,
}

/// Pushes the queued flag changes of `account` through `connector`, which
/// must just have synced the account.
pub async fn push_flags(
    store: &mut Store,
    connector: &mut ImapConnector,
    account: &str,
) -> Result<PushReport, SyncError> {
    let mut report = PushReport::default();
    let Some((account, _)) = store.find_account(account)? else {
        return Ok(report);
    };
    let pending = store.pending_flags(account)?;
    let changes: Vec<(Location, Flags)> = pending
        .iter()
        .flat_map(|item| {
            item.locations
                .iter()
                .map(|location| (location.clone(), item.flags))
        })
        .collect();
    if changes.is_empty() {
        return Ok(report);
    }
    let mut outcomes = connector.push_flags(&changes).await?.into_iter();
    for item in &pending {
        let mut applied = Vec::new();
        for location in &item.locations {
            match outcomes.next() {
                Some(PushOutcome::Applied) => {
                    applied.push(location);
                    report.applied += 1;
                }
                Some(PushOutcome::Conflict { .. }) => report.conflicts += 1,
                Some(PushOutcome::StaleUidValidity | PushOutcome::Missing) | None => {
                    report.missing += 1;
                }
            }
        }
        store.flags_pushed(account, item, &applied)?;
    }
    Ok(report)
}
