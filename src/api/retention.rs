//! `apply_retention`: erases, locally only, the messages older than their
//! account's retention (see `crate::retention`), through the same path as
//! `erase`. Accounts without a configuration entry (imported mail) have
//! no retention.

use chrono::Utc;

use super::erase::{erase_ids, result};
use super::{Api, ApiError};
use crate::config::Config;
use crate::model::MessageId;
use crate::retention::Retention;
use crate::rpc::dto::{RetentionResultDto, SummaryDto};
use crate::rpc::requests::RetentionParams;
use crate::store::Erasure;

pub(super) fn apply_retention(
    api: &Api,
    params: &RetentionParams,
) -> Result<RetentionResultDto, ApiError> {
    let config = Config::load(&api.home.config_path())?;
    let now = Utc::now();
    let _writing = api.writes.blocking_lock();
    let mut store = api.writer()?;
    api.catch_up_writing(&store)?;
    let mut ids: Vec<MessageId> = Vec::new();
    for (name, account) in &config.accounts {
        let retention = Retention::of(name, account).map_err(ApiError::Failed)?;
        let Some(cutoff) = retention.latest_cutoff(now) else {
            continue;
        };
        let aged = store.dated_before(name, cutoff)?;
        ids.extend(
            aged.iter()
                .filter(|message| retention.expired(message, now))
                .map(|message| message.id),
        );
    }
    let messages: Vec<SummaryDto> = store
        .summaries(&ids)?
        .iter()
        .map(SummaryDto::from)
        .collect();
    let erased = if params.dry_run {
        result(store.erasure_of(&ids)?, ids.len() as u64, true)
    } else if ids.is_empty() {
        result(Erasure::default(), 0, false)
    } else {
        erase_ids(api, &mut store, &ids)?
    };
    Ok(RetentionResultDto { messages, erased })
}
