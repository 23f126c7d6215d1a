//! `erase`: deletes messages for good, once the caller confirmed how many:
//! a call without `confirm` only says what would go, and one whose count no
//! longer matches erases nothing. The store's rows go first (with
//! tombstones), then the index documents; then [`make_unrecoverable`]
//! rewrites the index segments and the store file so no file of the data
//! directory keeps their bytes. With `remote`, the server copies go first
//! (`remote_erase`), and only messages no server still holds are erased.

use super::messages::summary;
use super::search::parse_query;
use super::{Api, ApiError};
use crate::index::{Index, Query, Sort};
use crate::model::MessageId;
use crate::rpc::dto::{AccountCountDto, EraseResultDto};
use crate::rpc::requests::EraseParams;
use crate::store::{Erasure, Store};
use crate::sync::catch_up_index;

pub(super) fn erase(api: &Api, params: &EraseParams) -> Result<EraseResultDto, ApiError> {
    // Runs on a blocking thread (or without a runtime): waiting is fine here.
    let _writing = api.writes.blocking_lock();
    let mut store = api.writer()?;
    api.catch_up_writing(&store)?;
    let (ids, query) = match (&params.query, params.thread) {
        (Some(text), None) => {
            let query = parse_query(text)?;
            let matched = api.index.count(&query)?;
            let ids = api.index.search(&query, Sort::OldestFirst, matched, 0)?;
            (ids, query)
        }
        (None, Some(id)) => {
            let thread = summary(&store, id)?.thread;
            (store.thread(thread)?, Query::Thread(thread))
        }
        _ => {
            return Err(ApiError::InvalidParams(
                "give either `query` or `thread`, not both or neither".into(),
            ));
        }
    };
    let matching = store.erasure_of(&ids)?;
    match params.confirm {
        None => {
            let documents = api.index.count(&query)? as u64;
            return Ok(result(matching, documents, true));
        }
        Some(confirmed) if confirmed != matching.messages => {
            return Err(ApiError::EraseCountChanged {
                confirmed,
                matching: matching.messages,
            });
        }
        Some(_) => {}
    }
    if !params.remote {
        return erase_ids(api, &mut store, &ids);
    }
    let remote = super::remote_erase::delete_server_copies(api, &store, &ids)?;
    let mut outcome = erase_ids(api, &mut store, &remote.erasable)?;
    outcome.remote = Some(remote.summary);
    Ok(outcome)
}

/// Erases `ids` for good; the caller holds the writer's turn.
pub(super) fn erase_ids(
    api: &Api,
    store: &mut Store,
    ids: &[MessageId],
) -> Result<EraseResultDto, ApiError> {
    let before = api.index.num_docs();
    // Take the index writer before changing the store, so a busy index
    // leaves both untouched.
    let writer = api.index.erasing_writer()?;
    let erasure = store.erase(ids)?;
    make_unrecoverable(store, api.index(), writer)?;
    api.reload_if_newer()?;
    let documents = before.saturating_sub(api.index.num_docs());
    Ok(result(erasure, documents, false))
}

/// After messages left the store: deletes their index documents, rewrites
/// the index segments that held them and removes the old files, then
/// vacuums the store and truncates its log. `writer` comes from
/// [`Index::erasing_writer`].
pub fn make_unrecoverable(
    store: &mut Store,
    index: &Index,
    mut writer: crate::index::IndexWriter,
) -> Result<(), ApiError> {
    catch_up_index(store, &mut writer, index.indexed_seq()?.unwrap_or(0))?;
    writer.compact()?;
    store.scrub()?;
    Ok(())
}

/// Erases every message of the account `name` and the account itself
/// (its sync cursor too), as `erase` does; returns what went.
pub fn purge_account(store: &mut Store, index: &Index, name: &str) -> Result<Erasure, ApiError> {
    let writer = index.erasing_writer()?;
    let ids: Vec<MessageId> = store.account_messages(name)?;
    let erasure = store.erase(&ids)?;
    store.remove_account(name)?;
    make_unrecoverable(store, index, writer)?;
    Ok(erasure)
}

pub(super) fn result(erasure: Erasure, index_documents: u64, dry_run: bool) -> EraseResultDto {
    EraseResultDto {
        messages: erasure.messages,
        raw_bytes: erasure.raw_bytes,
        index_documents,
        accounts: erasure
            .accounts
            .into_iter()
            .map(|(account, messages)| AccountCountDto { account, messages })
            .collect(),
        dry_run,
        remote: None,
    }
}
