//! The API through the daemon's socket: [`RemoteApi`] implements
//! [`Methods`] with JSON-RPC calls, and turns error answers back into the
//! [`ApiError`]s the in-process API would have returned.

use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::client::{Client, ClientError};
use super::dto::{
    AccountDto, EraseResultDto, ExportResultDto, FlagsResultDto, MessageDto, RetentionResultDto,
    SearchResultDto, SummaryDto, TagCountDto, TagResultDto,
};
use super::error::{INVALID_PARAMS, RpcError};
use super::explain_dto::ExplanationDto;
use super::methods::NOT_FOUND;
use super::requests::{
    CountParams, EraseParams, ExplainParams, ExportParams, GetMessageParams, GetThreadParams,
    NoParams, RetentionParams, SearchParams, SetFlagsParams, TagParams,
};
use crate::api::{ApiError, Methods};
use crate::index::QueryError;

/// How long a read (search, show, ...) may take before the daemon is
/// declared unresponsive.
const READ_PATIENCE: Duration = Duration::from_secs(60);
/// Writes (tag, set_flags, erase, apply_retention) and exports wait for the writer's turn, which a long first
/// sync holds for its whole length.
const WRITE_PATIENCE: Duration = Duration::from_secs(30 * 60);

/// A connection to the daemon, used from synchronous code (it runs its own
/// single-threaded tokio runtime).
pub struct RemoteApi {
    runtime: tokio::runtime::Runtime,
    /// `None` once a call timed out: a late answer could be taken for the
    /// next call's, so the connection is given up.
    client: Mutex<Option<Client>>,
    patience: [Duration; 2],
}

impl RemoteApi {
    /// Connects to the daemon at `socket`; `Ok(None)` when none is running.
    pub fn connect(socket: &Path) -> Result<Option<RemoteApi>, ClientError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .enable_time()
            .build()?;
        match runtime.block_on(Client::connect(socket)) {
            Ok(client) => Ok(Some(RemoteApi {
                runtime,
                client: Mutex::new(Some(client)),
                patience: [READ_PATIENCE, WRITE_PATIENCE],
            })),
            Err(ClientError::NotRunning { .. }) => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// The same connection with other time limits for reads and writes.
    #[cfg(test)]
    pub(super) fn with_patience(mut self, read: Duration, write: Duration) -> RemoteApi {
        self.patience = [read, write];
        self
    }

    fn call<P: Serialize, R: DeserializeOwned>(
        &self,
        method: &str,
        params: &P,
    ) -> Result<R, ApiError> {
        let params = serde_json::to_value(params).map_err(|error| {
            ApiError::Failed(format!("cannot encode the {method} parameters: {error}"))
        })?;
        let mut slot = self
            .client
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let client = slot.as_mut().ok_or_else(|| {
            ApiError::Failed(
                "the connection to the inbox daemon was given up after a timeout".into(),
            )
        })?;
        let patience = self.patience[usize::from(matches!(
            method,
            "tag" | "set_flags" | "erase" | "apply_retention" | "export"
        ))];
        let answer = self.runtime.block_on(async {
            tokio::time::timeout(patience, client.call(method, Some(params))).await
        });
        let Ok(answer) = answer else {
            *slot = None;
            return Err(ApiError::Failed(format!(
                "the inbox daemon did not answer {method} within {} s; see its log \
                 (`journalctl --user -u inboxd`), or stop it to work without it",
                patience.as_secs_f64()
            )));
        };
        let result = answer.map_err(|error| match error {
            ClientError::Rpc(error) => api_error(error),
            other => ApiError::Failed(other.to_string()),
        })?;
        serde_json::from_str(result.text()).map_err(|error| {
            ApiError::Failed(format!(
                "the inbox daemon answered {method} with an unexpected result ({error}); \
                 is it another version of inbox?"
            ))
        })
    }
}

/// The [`ApiError`] behind an error answer (see `rpc::methods` for the codes).
fn api_error(error: RpcError) -> ApiError {
    let data = error.data.as_ref();
    let field = |name: &str| data.and_then(|data| data.get(name));
    if error.code == NOT_FOUND.code()
        && let Some(id) = field("id").and_then(Value::as_i64)
    {
        return ApiError::NoSuchMessage(id);
    }
    if error.code == INVALID_PARAMS
        && let (Some(confirmed), Some(matching)) = (
            field("confirm").and_then(Value::as_u64),
            field("matching").and_then(Value::as_u64),
        )
    {
        return ApiError::EraseCountChanged {
            confirmed,
            matching,
        };
    }
    if error.code == INVALID_PARAMS {
        let query = field("query").and_then(Value::as_str);
        let column = field("column").and_then(Value::as_u64);
        let reason = field("reason").and_then(Value::as_str);
        if let (Some(query), Some(column), Some(reason)) = (query, column, reason) {
            let position = usize::try_from(column.saturating_sub(1)).unwrap_or(0);
            let error = QueryError {
                position,
                message: reason.to_owned(),
            };
            return ApiError::bad_query(query, error);
        }
        let message = error.message.strip_prefix("Invalid params: ");
        return ApiError::InvalidParams(message.unwrap_or(&error.message).to_owned());
    }
    ApiError::Failed(format!("the inbox daemon failed: {}", error.message))
}

impl Methods for RemoteApi {
    fn search(&self, params: &SearchParams) -> Result<SearchResultDto, ApiError> {
        self.call("search", params)
    }

    fn count(&self, params: &CountParams) -> Result<u64, ApiError> {
        self.call("count", params)
    }

    fn get_message(&self, params: &GetMessageParams) -> Result<MessageDto, ApiError> {
        self.call("get_message", params)
    }

    fn get_thread(&self, params: &GetThreadParams) -> Result<Vec<SummaryDto>, ApiError> {
        self.call("get_thread", params)
    }

    fn list_tags(&self) -> Result<Vec<TagCountDto>, ApiError> {
        self.call("list_tags", &NoParams {})
    }

    fn explain(&self, params: &ExplainParams) -> Result<ExplanationDto, ApiError> {
        self.call("explain", params)
    }

    fn tag(&self, params: &TagParams) -> Result<TagResultDto, ApiError> {
        self.call("tag", params)
    }

    fn set_flags(&self, params: &SetFlagsParams) -> Result<FlagsResultDto, ApiError> {
        self.call("set_flags", params)
    }

    fn list_accounts(&self) -> Result<Vec<AccountDto>, ApiError> {
        self.call("list_accounts", &NoParams {})
    }

    fn erase(&self, params: &EraseParams) -> Result<EraseResultDto, ApiError> {
        self.call("erase", params)
    }

    fn apply_retention(&self, params: &RetentionParams) -> Result<RetentionResultDto, ApiError> {
        self.call("apply_retention", params)
    }

    fn export(&self, params: &ExportParams) -> Result<ExportResultDto, ApiError> {
        self.call("export", params)
    }
}
