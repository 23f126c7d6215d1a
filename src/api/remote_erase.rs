//! `erase` with `remote`: deletes the server copies of messages before
//! they are erased here. Each configured account's connector deletes its
//! locations (IMAP: expunged or moved to Trash as the account's
//! `remote_erase` says; X: `DELETE /2/dm_events/:id`), with the secrets of
//! the vault, as a sync gets them. A message is erased here only when no
//! server holds a copy any more; the others are kept and reported with
//! the server's reason. Messages of accounts that have no server in the
//! configuration (imported mail) are erased here only.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;

use inbox_connector_api::delete::{DeleteReport, Deletion};
use inbox_connector_imap::DeleteMode;

use super::{Api, ApiError};
use crate::accounts::{imap_connector, x_connector};
use crate::config::{AccountConfig, Config, RemoteErase};
use crate::model::{Location, MessageId};
use crate::rpc::dto::{KeptDto, RemoteEraseDto};
use crate::store::Store;

/// What the servers said, and which messages may go here.
pub(super) struct ServerDeletion {
    /// Messages no server holds any more (or that never had one).
    pub erasable: Vec<MessageId>,
    pub summary: RemoteEraseDto,
}

/// One account's messages and where each is stored on its server.
type Located = Vec<(MessageId, Location)>;

/// Deletes the server copies of `ids` (see the module docs).
pub(super) fn delete_server_copies(
    api: &Api,
    store: &Store,
    ids: &[MessageId],
) -> Result<ServerDeletion, ApiError> {
    let config = Config::load(&api.home.config_path())?;
    let mut by_account: BTreeMap<String, Located> = BTreeMap::new();
    for (account, id, location) in store.source_locations(ids)? {
        by_account.entry(account).or_default().push((id, location));
    }
    let on_servers: Vec<(&AccountConfig, String, Located)> = by_account
        .into_iter()
        .filter_map(|(name, located)| {
            let settings = config.accounts.get(&name)?;
            Some((settings, name, located))
        })
        .collect();
    let mut summary = RemoteEraseDto::default();
    let mut kept: BTreeMap<MessageId, KeptDto> = BTreeMap::new();
    let mut served: BTreeSet<MessageId> = BTreeSet::new();
    if !on_servers.is_empty() {
        let vault = api.vault()?;
        let reports = run_async(async {
            let mut reports = Vec::new();
            for (settings, name, located) in &on_servers {
                let locations: Vec<Location> = located.iter().map(|(_, l)| l.clone()).collect();
                let report = match settings {
                    AccountConfig::Imap(imap) => match imap_connector(name, imap, &vault) {
                        Ok(connector) => {
                            let mode = match imap.remote_erase {
                                RemoteErase::Expunge => DeleteMode::Expunge,
                                RemoteErase::Trash => DeleteMode::Trash,
                            };
                            connector
                                .delete(&locations, mode)
                                .await
                                .unwrap_or_else(|error| failed(&locations, error.to_string()))
                        }
                        Err(missing) => failed(&locations, missing.to_string()),
                    },
                    AccountConfig::X(x) => match x_connector(name, x, &vault) {
                        Ok(mut connector) => connector.delete(&locations).await,
                        Err(error) => failed(&locations, error.to_string()),
                    },
                };
                reports.push(report);
            }
            reports
        })?;
        for ((_, name, located), report) in on_servers.iter().zip(reports) {
            for ((id, _), (_, outcome)) in located.iter().zip(report.outcomes) {
                served.insert(*id);
                match outcome {
                    Deletion::Deleted => summary.deleted += 1,
                    Deletion::AlreadyGone => summary.already_gone += 1,
                    Deletion::Failed(reason) => {
                        kept.entry(*id).or_insert(KeptDto {
                            id: id.0,
                            account: name.clone(),
                            reason,
                        });
                    }
                }
            }
        }
    }
    let erasable: Vec<MessageId> = ids
        .iter()
        .copied()
        .filter(|id| !kept.contains_key(id))
        .collect();
    summary.local_only = erasable.iter().filter(|id| !served.contains(id)).count() as u64;
    summary.kept = kept.into_values().collect();
    Ok(ServerDeletion { erasable, summary })
}

/// Every location failed for `reason`.
fn failed(locations: &[Location], reason: String) -> DeleteReport {
    DeleteReport {
        outcomes: locations
            .iter()
            .map(|location| (location.clone(), Deletion::Failed(reason.clone())))
            .collect(),
    }
}

/// Runs `future` to completion on a runtime of its own, on a thread of its
/// own, so it works whether or not the caller is inside a runtime.
fn run_async<T: Send>(future: impl Future<Output = T> + Send) -> Result<T, ApiError> {
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|error| {
                        ApiError::Failed(format!("cannot start an async runtime: {error}"))
                    })?;
                Ok(runtime.block_on(future))
            })
            .join()
            .unwrap_or_else(|_| {
                Err(ApiError::Failed(
                    "deleting the server copies failed unexpectedly".into(),
                ))
            })
    })
}
