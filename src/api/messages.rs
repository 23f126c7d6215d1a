//! `get_message` and `get_thread`.

use base64::Engine;

use super::{Api, ApiError, html};
use crate::model::MessageId;
use crate::normalize::{html_part, normalize_item};
use crate::rpc::dto::{LocationDto, MessageDto, SummaryDto};
use crate::rpc::requests::{GetMessageParams, GetThreadParams};
use crate::store::{Store, Summary, display_tags};

pub(super) fn get_message(api: &Api, params: &GetMessageParams) -> Result<MessageDto, ApiError> {
    let store = api.reader()?;
    let summary = summary(&store, params.id)?;
    let Some(raw) = store.raw(summary.id)? else {
        return Err(ApiError::Failed(format!(
            "message {} has no raw bytes in the store; re-import it",
            params.id
        )));
    };
    let mut dto = MessageDto::new(&summary, &normalize_item(summary.source, &raw));
    dto.locations = store
        .locations(summary.id)?
        .into_iter()
        .map(|(location, flags)| LocationDto {
            folder: location.folder,
            remote_id: location.remote_id,
            flags: display_tags(flags, &[]),
        })
        .collect();
    if params.html && summary.source.is_mail() {
        dto.html = html_part(&raw).map(|part| html::sanitize(&part));
    }
    if params.raw {
        dto.raw = Some(base64::engine::general_purpose::STANDARD.encode(&raw));
    }
    Ok(dto)
}

pub(super) fn get_thread(api: &Api, params: &GetThreadParams) -> Result<Vec<SummaryDto>, ApiError> {
    let store = api.reader()?;
    let summary = summary(&store, params.id)?;
    let ids = store.thread(summary.thread)?;
    Ok(store
        .summaries(&ids)?
        .iter()
        .map(SummaryDto::from)
        .collect())
}

/// The summary of message `id`, or [`ApiError::NoSuchMessage`].
pub(super) fn summary(store: &Store, id: i64) -> Result<Summary, ApiError> {
    store
        .summary(MessageId(id))?
        .ok_or(ApiError::NoSuchMessage(id))
}
