//! The API as JSON-RPC methods: one table names every method with its
//! parameters and result; dispatch and the `rpc.discover` document (see
//! [`super::discover`]) both read it, so they cannot disagree.
//!
//! Methods that need the daemon's own state (`sync_now`, `account_status`,
//! event subscriptions) join as further [`Method`] variants and table rows.

use std::sync::Arc;

use async_trait::async_trait;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::error::{AppCode, RpcError};
use super::handler::{Connection, Handler};
use super::params::parse_params;
use super::requests::NoParams;
use crate::api::{Api, ApiError, Methods};

/// "No message with that id": the application error of `get_message`,
/// `get_thread` and `set_flags`; `data` is `{"id": n}`.
pub const NOT_FOUND: AppCode = AppCode::new(1);

/// Every method the handler answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Search,
    Count,
    GetMessage,
    GetThread,
    ListTags,
    Tag,
    SetFlags,
    ListAccounts,
    /// The OpenRPC description of this table.
    Discover,
}

/// A parameter's JSON type, for the OpenRPC document.
#[derive(Clone, Copy, Debug)]
pub enum ParamType {
    String,
    Integer,
    Boolean,
    IntegerArray,
    StringArray,
    /// A string, one of these.
    OneOf(&'static [&'static str]),
}

/// One parameter; positional calls give them in table order.
#[derive(Debug)]
pub struct ParamSpec {
    pub name: &'static str,
    pub kind: ParamType,
    pub required: bool,
    pub description: &'static str,
}

/// One method: its name on the wire, what it does, its parameters and result.
#[derive(Debug)]
pub struct MethodSpec {
    pub method: Method,
    pub name: &'static str,
    pub summary: &'static str,
    pub params: &'static [ParamSpec],
    /// The result's name, JSON type (`object`, `array`, `integer`) and description.
    pub result: (&'static str, &'static str, &'static str),
}

impl MethodSpec {
    fn param_names(&self) -> Vec<&'static str> {
        self.params.iter().map(|param| param.name).collect()
    }
}

const fn param(
    name: &'static str,
    kind: ParamType,
    required: bool,
    description: &'static str,
) -> ParamSpec {
    ParamSpec {
        name,
        kind,
        required,
        description,
    }
}

const QUERY: ParamSpec = param(
    "query",
    ParamType::String,
    true,
    "a query in the search language (README: Query language)",
);

/// The method table.
pub const METHODS: &[MethodSpec] = &[
    MethodSpec {
        method: Method::Search,
        name: "search",
        summary: "One page of the messages matching a query, each with a snippet of its text",
        params: &[
            QUERY,
            param(
                "limit",
                ParamType::Integer,
                false,
                "results per page (default 50)",
            ),
            param(
                "offset",
                ParamType::Integer,
                false,
                "results to skip (default 0)",
            ),
            param(
                "sort",
                ParamType::OneOf(&["-date", "date", "relevance"]),
                false,
                "newest first (default), oldest first, or best match first",
            ),
            param(
                "snippets",
                ParamType::Boolean,
                false,
                "add a snippet to each result (default true)",
            ),
        ],
        result: (
            "page",
            "object",
            "{total, messages: [summary + snippet {text, highlights: [[start, end]] (UTF-8 byte offsets)}]}",
        ),
    },
    MethodSpec {
        method: Method::Count,
        name: "count",
        summary: "How many messages match a query",
        params: &[QUERY],
        result: ("count", "integer", "how many messages match"),
    },
    MethodSpec {
        method: Method::GetMessage,
        name: "get_message",
        summary: "One whole message: headers, text, attachment list",
        params: &[
            param("id", ParamType::Integer, true, "the message id"),
            param(
                "raw",
                ParamType::Boolean,
                false,
                "add `raw`: the message bytes, base64",
            ),
            param(
                "html",
                ParamType::Boolean,
                false,
                "add `html`: the HTML part, sanitized",
            ),
        ],
        result: (
            "message",
            "object",
            "summary fields + from_all, to, cc, bcc, in_reply_to, references, list_id, body, attachment_list, warnings [, html] [, raw]",
        ),
    },
    MethodSpec {
        method: Method::GetThread,
        name: "get_thread",
        summary: "The conversation a message belongs to, oldest first",
        params: &[param(
            "id",
            ParamType::Integer,
            true,
            "any message of the thread",
        )],
        result: ("messages", "array", "message summaries, oldest first"),
    },
    MethodSpec {
        method: Method::ListTags,
        name: "list_tags",
        summary: "Flag tags in use, then stored tags, with how many messages `tag:NAME` finds",
        params: &[],
        result: ("tags", "array", "{tag, count} objects"),
    },
    MethodSpec {
        method: Method::Tag,
        name: "tag",
        summary: "Add and remove tags on every message matching a query (flag tags set flags)",
        params: &[
            QUERY,
            param("add", ParamType::StringArray, false, "tags to add"),
            param("remove", ParamType::StringArray, false, "tags to remove"),
        ],
        result: ("outcome", "object", "{matched, changed}"),
    },
    MethodSpec {
        method: Method::SetFlags,
        name: "set_flags",
        summary: "Set or clear flags on messages given by `ids` or by `query` (exactly one)",
        params: &[
            param("ids", ParamType::IntegerArray, false, "message ids"),
            param("query", ParamType::String, false, "a query, instead of ids"),
            param(
                "seen",
                ParamType::Boolean,
                false,
                "read (true) or unread (false)",
            ),
            param("flagged", ParamType::Boolean, false, "flagged"),
            param("answered", ParamType::Boolean, false, "replied to"),
            param("draft", ParamType::Boolean, false, "a draft"),
            param("deleted", ParamType::Boolean, false, "marked deleted"),
        ],
        result: ("outcome", "object", "{changed}"),
    },
    MethodSpec {
        method: Method::ListAccounts,
        name: "list_accounts",
        summary: "Configured accounts and accounts holding messages",
        params: &[],
        result: (
            "accounts",
            "array",
            "{name, kind, settings, configured, messages} objects",
        ),
    },
    MethodSpec {
        method: Method::Discover,
        name: "rpc.discover",
        summary: "This API described as an OpenRPC document",
        params: &[],
        result: ("document", "object", "an OpenRPC 1.2 document"),
    },
];

/// Serves [`METHODS`] with an [`Api`]. Calls run on tokio's blocking
/// threads, since the store and the index block.
pub struct ApiHandler {
    api: Arc<Api>,
}

impl ApiHandler {
    pub fn new(api: Arc<Api>) -> ApiHandler {
        ApiHandler { api }
    }
}

#[async_trait]
impl Handler for ApiHandler {
    async fn call(
        &self,
        method: &str,
        params: Option<Value>,
        _connection: &Connection,
    ) -> Result<Value, RpcError> {
        let spec = METHODS
            .iter()
            .find(|spec| spec.name == method)
            .ok_or_else(|| RpcError::method_not_found(method))?;
        let names = spec.param_names();
        let api = self.api.clone();
        match spec.method {
            Method::Search => run(api, params, &names, |api, p| api.search(&p)).await,
            Method::Count => run(api, params, &names, |api, p| api.count(&p)).await,
            Method::GetMessage => run(api, params, &names, |api, p| api.get_message(&p)).await,
            Method::GetThread => run(api, params, &names, |api, p| api.get_thread(&p)).await,
            Method::ListTags => run(api, params, &names, |api, NoParams {}| api.list_tags()).await,
            Method::Tag => run(api, params, &names, |api, p| api.tag(&p)).await,
            Method::SetFlags => run(api, params, &names, |api, p| api.set_flags(&p)).await,
            Method::ListAccounts => {
                run(api, params, &names, |api, NoParams {}| api.list_accounts()).await
            }
            Method::Discover => {
                parse_params::<NoParams>(params, &names)?;
                Ok(super::discover::document())
            }
        }
    }
}

/// Reads the parameters, runs `call` on a blocking thread, encodes its result.
async fn run<P, R>(
    api: Arc<Api>,
    params: Option<Value>,
    names: &[&str],
    call: impl FnOnce(&Api, P) -> Result<R, ApiError> + Send + 'static,
) -> Result<Value, RpcError>
where
    P: DeserializeOwned + Send + 'static,
    R: Serialize + Send + 'static,
{
    let params: P = parse_params(params, names)?;
    let result = tokio::task::spawn_blocking(move || call(&api, params))
        .await
        .map_err(|error| {
            tracing::error!("an API call failed: {error}");
            RpcError::internal("the call failed unexpectedly; see the daemon log")
        })?
        .map_err(RpcError::from)?;
    serde_json::to_value(result).map_err(RpcError::internal)
}

impl From<ApiError> for RpcError {
    fn from(error: ApiError) -> RpcError {
        match &error {
            ApiError::BadQuery { query, error } => {
                RpcError::invalid_params(error).with_data(json!({
                    "query": query,
                    "column": error.position + 1,
                    "reason": error.message,
                }))
            }
            ApiError::InvalidParams(message) => RpcError::invalid_params(message),
            ApiError::NoSuchMessage(id) => {
                RpcError::app(NOT_FOUND, error.to_string()).with_data(json!({ "id": id }))
            }
            _ => RpcError::internal(&error),
        }
    }
}
