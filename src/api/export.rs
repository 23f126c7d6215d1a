//! `export`: the messages matching a query written to a path, in one of
//! the formats of `crate::export`, with the tag dump beside them.

use super::search::parse_query;
use super::{Api, ApiError};
use crate::export::{self, ExportError, Format};
use crate::index::Sort;
use crate::rpc::dto::ExportResultDto;
use crate::rpc::requests::{ExportFormat, ExportParams};

/// Writes the export; `progress` hears the count of messages written so far.
pub(super) fn export(
    api: &Api,
    params: &ExportParams,
    progress: &dyn Fn(u64),
) -> Result<ExportResultDto, ApiError> {
    if !params.output.is_absolute() {
        return Err(ApiError::InvalidParams(format!(
            "output {} must be an absolute path",
            params.output.display()
        )));
    }
    let query = scoped_query(params.query.as_deref(), params.account.as_deref());
    let parsed = parse_query(&query)?;
    let store = api.reader()?;
    let matched = api.index.count(&parsed)?;
    let ids = api.index.search(&parsed, Sort::OldestFirst, matched, 0)?;
    let format = match params.format {
        ExportFormat::Mbox => Format::Mbox,
        ExportFormat::Maildir => Format::Maildir,
        ExportFormat::Json => Format::Json,
    };
    let report = export::export(&store, &ids, format, &params.output, progress).map_err(
        |error| match error {
            ExportError::Store(error) => ApiError::Store(error),
            other => ApiError::Failed(other.to_string()),
        },
    )?;
    Ok(ExportResultDto {
        messages: report.messages,
        bytes: report.bytes,
        output: params.output.clone(),
        dump: report.dump,
    })
}

/// `query` (default every message), limited to `account`.
fn scoped_query(query: Option<&str>, account: Option<&str>) -> String {
    let query = query.filter(|q| !q.trim().is_empty()).unwrap_or("*");
    match account {
        Some(account) => format!("account:\"{account}\" and ({query})"),
        None => query.to_owned(),
    }
}
