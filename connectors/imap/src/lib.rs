//! IMAP source for inbox: full history on the first sync, then new mail,
//! flag changes and removals; flags pushed back; IDLE for push-style waits.
//!
//! [`ImapConnector`] implements [`Connector`]. Each message is a
//! [`Location`] `{ folder, remote_id: "UIDVALIDITY:UID" }`, its bytes are
//! `BODY.PEEK[]` (fetching never marks mail read), `received` is its
//! INTERNALDATE. Folder names use `/` between levels whatever the server's
//! separator; `\Noselect` folders are skipped and
//! [`ImapSettings::include`] / [`ImapSettings::exclude`] choose the rest.
//!
//! The cursor is versioned JSON holding, per folder, its UIDVALIDITY, the
//! highest UID stored and the HIGHESTMODSEQ its flags are current with;
//! each batch carries the cursor that holds once it is stored, so a sync
//! that stops midway resumes after the last stored message. The order of
//! work inside a folder, and how removals and UIDVALIDITY changes are
//! reported, is described in the `sync` module: new messages first, then
//! flag changes, then [`Change::Gone`](inbox_connector_api::Change::Gone)
//! for expunged messages and for locations under an old UIDVALIDITY.
//!
//! Security: the server certificate is always verified, against the
//! system's roots plus [`ImapSettings::tls_ca_file`]; there is no fallback
//! to an unverified or unencrypted connection, and the password appears in
//! no message, log or `Debug` output. Progress is logged with `tracing`
//! (folder name, messages fetched of total).
//!
//! [`ImapConnector::delete`] removes server copies (for `inbox erase
//! --remote`). Every call opens its own connection and logs out at the end.

mod batch;
mod connect;
mod cursor;
mod delete;
mod fetch;
mod flags;
mod folders;
mod idle;
mod mutf7;
mod push;
mod settings;
mod sync;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
mod tls;

use std::collections::HashSet;
use std::time::Duration;

use async_trait::async_trait;
use inbox_connector_api::delete::DeleteReport;
use inbox_connector_api::{Connector, ConnectorError, Cursor, Flags, Location, Sink, SourceKind};

pub use crate::delete::DeleteMode;
pub use crate::folders::Folder;
pub use crate::push::PushOutcome;
pub use crate::settings::{ImapSettings, TlsMode};

use crate::batch::Batcher;
use crate::connect::{Connection, logout};
use crate::cursor::SyncState;

/// What a successful login showed about the server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerInfo {
    /// The capabilities advertised after login (`IMAP4rev1`, `IDLE`, `CONDSTORE`, ...).
    pub capabilities: Vec<String>,
    /// The folders a sync would read (after include / exclude), by name.
    pub folders: Vec<Folder>,
}

/// One IMAP account.
#[derive(Debug)]
pub struct ImapConnector {
    settings: ImapSettings,
    /// The sync state after this connector's last sync, for [`ImapConnector::push_flags`].
    synced: SyncState,
}

impl ImapConnector {
    /// A connector for the account in `settings`; nothing is contacted yet.
    pub fn new(settings: ImapSettings) -> ImapConnector {
        ImapConnector {
            settings,
            synced: SyncState::default(),
        }
    }

    /// Connects, logs in and lists the folders, for `inbox account test`.
    pub async fn check_login(&self) -> Result<ServerInfo, ConnectorError> {
        let mut connection = connect::open(&self.settings).await?;
        let folders = folders::list(&mut connection.session, &self.settings.address()).await?;
        logout(&mut connection.session).await;
        Ok(ServerInfo {
            capabilities: connection.capabilities,
            folders: folders
                .into_iter()
                .filter(|folder| self.settings.wants_folder(&folder.name))
                .collect(),
        })
    }

    /// Sets the system flags (seen, flagged, answered, draft, deleted) of
    /// each location to the given ones, and says per change what happened.
    ///
    /// A message changed on the server since this connector's last sync
    /// keeps the server's flags ([`PushOutcome::Conflict`]): the server wins.
    pub async fn push_flags(
        &mut self,
        changes: &[(Location, Flags)],
    ) -> Result<Vec<PushOutcome>, ConnectorError> {
        let mut connection = connect::open(&self.settings).await?;
        let folders = folders::list(&mut connection.session, &self.settings.address()).await?;
        let address = self.settings.address();
        let outcomes = push::push(&mut connection, &address, &folders, &self.synced, changes).await;
        logout(&mut connection.session).await;
        outcomes
    }

    /// Deletes the server copies at `locations` as `mode` says (see the
    /// `delete` module) and reports, per location in order, whether the
    /// server still holds it. Fails only when no session can be opened.
    pub async fn delete(
        &self,
        locations: &[Location],
        mode: DeleteMode,
    ) -> Result<DeleteReport, ConnectorError> {
        let mut connection = connect::open(&self.settings).await?;
        let address = self.settings.address();
        let folders = folders::list(&mut connection.session, &address).await?;
        let report = delete::delete(&mut connection, &address, &folders, locations, mode).await;
        logout(&mut connection.session).await;
        Ok(report)
    }

    /// Waits until the server reports a change in `folder` (a `/`-separated
    /// name, e.g. `INBOX`) or `timeout` passes; true when something changed.
    /// Uses IDLE, or polls once after `timeout` when the server lacks it.
    pub async fn wait_for_change(
        &mut self,
        folder: &str,
        timeout: Duration,
    ) -> Result<bool, ConnectorError> {
        let mut connection = connect::open(&self.settings).await?;
        let folders = folders::list(&mut connection.session, &self.settings.address()).await?;
        let Some(found) = folders.iter().find(|candidate| candidate.name == folder) else {
            logout(&mut connection.session).await;
            return Err(ConnectorError::Protocol(format!(
                "there is no folder {folder:?} on {}",
                self.settings.address()
            )));
        };
        let server_name = found.server_name.clone();
        idle::wait(connection, &self.settings.address(), &server_name, timeout).await
    }

    async fn sync_all(
        &mut self,
        connection: &mut Connection,
        cursor: &Cursor,
        sink: &mut dyn Sink,
    ) -> Result<(), ConnectorError> {
        let state = SyncState::parse(cursor)?;
        self.synced = state.clone();
        let condstore = connection.has("CONDSTORE");
        let on_server = folders::list(&mut connection.session, &self.settings.address()).await?;
        let names: HashSet<&str> = on_server.iter().map(|f| f.name.as_str()).collect();
        let chosen: Vec<&Folder> = on_server
            .iter()
            .filter(|folder| self.settings.wants_folder(&folder.name))
            .collect();
        for folder in &chosen {
            sink.folder_role(&folder.name, folder.special_use.as_deref());
        }
        let mut out = Batcher::new(sink, state, cursor.clone());
        let remembered: Vec<String> = out.state.folders.keys().cloned().collect();
        for name in remembered {
            if !names.contains(name.as_str()) {
                sync::drop_folder(&mut out, &name).await?;
            } else if !self.settings.wants_folder(&name) {
                out.state.folders.remove(&name);
            }
        }
        let address = self.settings.address();
        let mut server = fetch::Folder {
            session: &mut connection.session,
            address: &address,
        };
        for (index, folder) in chosen.iter().enumerate() {
            tracing::info!(folder = %folder.name, n = index + 1, of = chosen.len(), "folder");
            sync::sync_folder(&mut server, folder, condstore, &mut out).await?;
        }
        self.synced = out.finish().await?;
        Ok(())
    }
}

#[async_trait]
impl Connector for ImapConnector {
    fn kind(&self) -> SourceKind {
        SourceKind::Imap
    }

    /// Brings the sink up to date with the server; see the crate docs.
    async fn sync(&mut self, cursor: &Cursor, sink: &mut dyn Sink) -> Result<(), ConnectorError> {
        let mut connection = connect::open(&self.settings).await?;
        let result = self.sync_all(&mut connection, cursor, sink).await;
        if result.is_ok() {
            logout(&mut connection.session).await;
        }
        result
    }
}
