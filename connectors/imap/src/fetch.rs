//! The commands a sync runs inside a selected folder, each bounded in time.

use std::collections::BTreeMap;

use async_imap::types::Fetch;
use futures_util::{Stream, TryStreamExt};
use inbox_connector_api::{ConnectorError, Flags};

use crate::connect::{Session, TIMEOUT, session_error, within};
use crate::flags::{from_imap, uid_set};

/// What SELECT says about a folder.
#[derive(Clone, Copy, Debug)]
pub struct Selected {
    pub uidvalidity: u32,
    pub exists: u32,
    pub uid_next: Option<u32>,
    pub highest_modseq: Option<u64>,
}

/// A fetched message body.
pub struct Body {
    pub bytes: Vec<u8>,
    pub flags: Flags,
    pub received: Option<i64>,
}

/// Fetched bodies by UID; `None` when the server sent a message without one.
pub type Bodies = BTreeMap<u32, Option<Body>>;

/// The session plus the server address for messages.
pub struct Folder<'a> {
    pub session: &'a mut Session,
    pub address: &'a str,
}

impl Folder<'_> {
    /// Opens `server_name` read-write, asking for mod-sequences when `condstore`.
    pub async fn select(
        &mut self,
        server_name: &str,
        condstore: bool,
    ) -> Result<Selected, ConnectorError> {
        let address = self.address;
        let command = format!("SELECT {server_name:?}");
        let selecting = async {
            if condstore {
                self.session.select_condstore(server_name).await
            } else {
                self.session.select(server_name).await
            }
        };
        let mailbox = within(
            TIMEOUT,
            || format!("{command} at {address} timed out"),
            selecting,
        )
        .await?
        .map_err(|error| session_error(address, &command, &error))?;
        let uidvalidity = mailbox.uid_validity.ok_or_else(|| {
            ConnectorError::Protocol(format!(
                "{address} gave no UIDVALIDITY for {server_name:?}; without it messages cannot be tracked"
            ))
        })?;
        Ok(Selected {
            uidvalidity,
            exists: mailbox.exists,
            uid_next: mailbox.uid_next,
            highest_modseq: mailbox.highest_modseq.filter(|_| condstore),
        })
    }

    /// Every UID in the selected folder, ascending.
    pub async fn all_uids(&mut self) -> Result<Vec<u32>, ConnectorError> {
        let address = self.address;
        let uids = within(
            TIMEOUT,
            || format!("UID SEARCH at {address} timed out"),
            self.session.uid_search("ALL"),
        )
        .await?
        .map_err(|error| session_error(address, "UID SEARCH", &error))?;
        let mut uids: Vec<u32> = uids.into_iter().collect();
        uids.sort_unstable();
        Ok(uids)
    }

    /// The size in bytes of every message with a UID above `after`.
    pub async fn sizes_after(&mut self, after: u32) -> Result<BTreeMap<u32, u32>, ConnectorError> {
        let range = format!("{}:*", after.saturating_add(1));
        let sizes = self
            .fetch(&range, "(UID RFC822.SIZE)", |fetch| {
                Some((fetch.uid?, fetch.size.unwrap_or(0)))
            })
            .await?;
        Ok(sizes.into_iter().filter(|(uid, _)| *uid > after).collect())
    }

    /// Flags of the messages in `uids` (a UID set), or of those changed since `modseq`.
    pub async fn flags(
        &mut self,
        uids: &str,
        modseq: Option<u64>,
    ) -> Result<Vec<(u32, Flags)>, ConnectorError> {
        let query = match modseq {
            Some(modseq) => format!("(UID FLAGS) (CHANGEDSINCE {modseq})"),
            None => "(UID FLAGS)".to_owned(),
        };
        self.fetch(uids, &query, |fetch| {
            Some((fetch.uid?, from_imap(fetch.flags())))
        })
        .await
    }

    /// Asks for the bodies, flags and arrival times of `uids` (ascending),
    /// without setting `\Seen`; the answer is read with
    /// [`BodiesInFlight::receive`]. Meanwhile the server streams it into the
    /// connection, so the caller can store the previous chunk.
    pub async fn request_bodies(
        &mut self,
        uids: &[u32],
    ) -> Result<BodiesInFlight<'_>, ConnectorError> {
        let address = self.address;
        let command = "UID FETCH (UID BODY.PEEK[] FLAGS INTERNALDATE)".to_owned();
        let timed_out = || format!("{address} stopped answering {command}");
        let stream = within(
            TIMEOUT,
            timed_out,
            self.session
                .uid_fetch(uid_set(uids), "(UID BODY.PEEK[] FLAGS INTERNALDATE)"),
        )
        .await?
        .map_err(|error| session_error(address, &command, &error))?;
        Ok(BodiesInFlight {
            stream: Box::pin(stream),
            address,
            command,
        })
    }

    /// Runs `operation` (e.g. `+FLAGS.SILENT (\Seen)`) on `uids`.
    pub async fn store(&mut self, uids: &[u32], operation: &str) -> Result<(), ConnectorError> {
        let address = self.address;
        let command = format!("UID STORE {operation}");
        let storing = async {
            let results = self.session.uid_store(uid_set(uids), operation).await?;
            results.try_collect::<Vec<_>>().await
        };
        within(
            TIMEOUT,
            || format!("{command} at {address} timed out"),
            storing,
        )
        .await?
        .map_err(|error| session_error(address, &command, &error))?;
        Ok(())
    }

    /// Sends `UID FETCH set query` and keeps what `keep` takes from each answer.
    async fn fetch<T>(
        &mut self,
        set: &str,
        query: &str,
        keep: impl FnMut(&Fetch) -> Option<T>,
    ) -> Result<Vec<T>, ConnectorError> {
        let address = self.address;
        let command = format!("UID FETCH {query}");
        let timed_out = || format!("{address} stopped answering {command}");
        let stream = within(TIMEOUT, timed_out, self.session.uid_fetch(set, query))
            .await?
            .map_err(|error| session_error(address, &command, &error))?;
        collect(stream, address, &command, keep).await
    }
}

/// A `UID FETCH` of bodies whose answer is on its way.
pub struct BodiesInFlight<'a> {
    stream: std::pin::Pin<Box<dyn Stream<Item = async_imap::error::Result<Fetch>> + Send + 'a>>,
    address: &'a str,
    command: String,
}

impl BodiesInFlight<'_> {
    /// The bodies by UID; a UID missing from the answer was expunged meanwhile.
    pub async fn receive(self) -> Result<Bodies, ConnectorError> {
        let bodies = collect(self.stream, self.address, &self.command, |fetch| {
            let body = fetch.body().map(|bytes| Body {
                bytes: bytes.to_vec(),
                flags: from_imap(fetch.flags()),
                received: fetch.internal_date().map(|date| date.timestamp()),
            });
            Some((fetch.uid?, body))
        })
        .await?;
        Ok(bodies.into_iter().collect())
    }
}

/// Reads every answer of `stream`, allowing [`TIMEOUT`] between two of them,
/// and keeps what `keep` takes from each. Each answer holds a buffer of its
/// own (4 KiB at least), so answers are dropped as they come: a `1:*` flags
/// fetch of 30,000 messages would otherwise hold 120 MB.
async fn collect<T>(
    mut stream: impl Stream<Item = async_imap::error::Result<Fetch>> + Unpin,
    address: &str,
    command: &str,
    mut keep: impl FnMut(&Fetch) -> Option<T>,
) -> Result<Vec<T>, ConnectorError> {
    let mut out = Vec::new();
    loop {
        let next = within(
            TIMEOUT,
            || format!("{address} stopped answering {command}"),
            stream.try_next(),
        )
        .await?
        .map_err(|error| session_error(address, command, &error))?;
        match next {
            Some(fetch) => out.extend(keep(&fetch)),
            None => return Ok(out),
        }
    }
}
