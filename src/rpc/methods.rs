//! The API as JSON-RPC methods: one table names every method with its
//! parameters and result; dispatch and the `rpc.discover` document (see
//! [`super::discover`]) both read it, so they cannot disagree.
//!
//! Methods that need the daemon's own state (`sync_now`, `account_status`,
//! `subscribe`, `get_next_events`, in [`super::daemon`]) are answered only
//! when the handler has it ([`ApiHandler::with_daemon`]).

use std::sync::Arc;

use async_trait::async_trait;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use super::error::{AppCode, RpcError};
use super::handler::{Connection, Handler};
use super::params::parse_params;
use super::protocol::Reply;
use super::requests::NoParams;
use crate::api::{self, Api, ApiError, Methods};
use crate::daemon::DaemonState;
use crate::rpc::daemon_dto::Event;

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
    Explain,
    Tag,
    SetFlags,
    ListAccounts,
    Erase,
    ApplyRetention,
    Export,
    SyncNow,
    AccountStatus,
    Subscribe,
    GetNextEvents,
    /// The OpenRPC description of this table.
    Discover,
}

impl Method {
    /// Whether only the daemon serves it (it needs the daemon's accounts
    /// and events); elsewhere it answers "Method not found".
    #[cfg(test)]
    pub fn needs_daemon(self) -> bool {
        matches!(
            self,
            Method::SyncNow | Method::AccountStatus | Method::Subscribe | Method::GetNextEvents
        )
    }

    /// Whether it only reads the store and the index.
    fn reads_only(self) -> bool {
        matches!(
            self,
            Method::Search
                | Method::Count
                | Method::GetMessage
                | Method::GetThread
                | Method::ListTags
                | Method::Explain
                | Method::ListAccounts
        )
    }
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

const ACCOUNT: ParamSpec = param(
    "account",
    ParamType::String,
    false,
    "an account name (default: every account)",
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
                ParamType::OneOf(&["-date", "date", "relevance", "importance"]),
                false,
                "newest first (default), oldest first, best match first, or most important first",
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
        method: Method::Explain,
        name: "explain",
        summary: "Why a message holds each of its tags (built-in tagger and its trigger, rule, classifier with its strongest tokens, or the user), its spam score, and its importance score with the reasons",
        params: &[param("id", ParamType::Integer, true, "the message id")],
        result: (
            "explanation",
            "object",
            "{id, tags: [{tag, origin, tagger, evidence, rule, query, score, classifier}], spam, importance: {score, threshold, important, reasons}}",
        ),
    },
    MethodSpec {
        method: Method::Tag,
        name: "tag",
        summary: "Add and remove tags on every message matching a query (flag tags set flags)",
        params: &[
            QUERY,
            param("add", ParamType::StringArray, false, "tags to add"),
            param("remove", ParamType::StringArray, false, "tags to remove"),
            param(
                "rule_position",
                ParamType::Integer,
                false,
                "when applying a rule of rules.toml: its position (from 1), recorded as the added tags' origin",
            ),
            param(
                "rule_query",
                ParamType::String,
                false,
                "that rule's query (required with rule_position)",
            ),
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
        method: Method::Erase,
        name: "erase",
        summary: "Delete for good the messages matching `query`, or the thread of message `thread` (exactly one): store rows, index documents, and every old copy of their bytes in the data directory. Without `confirm`, only say what would go; with `confirm` other than the count that matches, erase nothing (Invalid params, data {confirm, matching})",
        params: &[
            param(
                "query",
                ParamType::String,
                false,
                "a query in the search language",
            ),
            param(
                "thread",
                ParamType::Integer,
                false,
                "any message of the thread to erase, instead of a query",
            ),
            param(
                "confirm",
                ParamType::Integer,
                false,
                "the number of messages a call without `confirm` reported; erases only if exactly that many match",
            ),
            param(
                "remote",
                ParamType::Boolean,
                false,
                "delete the copies on the accounts' servers first; messages whose server copy cannot be deleted are kept (default false)",
            ),
        ],
        result: (
            "outcome",
            "object",
            "{messages, raw_bytes, index_documents, accounts: [{account, messages}], dry_run, remote?: {deleted, already_gone, local_only, kept: [{id, account, reason}]}}",
        ),
    },
    MethodSpec {
        method: Method::ApplyRetention,
        name: "apply_retention",
        summary: "Erase here (never on the servers) the messages older than their account's `retention`; flagged messages stay",
        params: &[param(
            "dry_run",
            ParamType::Boolean,
            false,
            "only list what would be erased (default false)",
        )],
        result: (
            "outcome",
            "object",
            "{messages: [summary], erased: erase outcome}",
        ),
    },
    MethodSpec {
        method: Method::Export,
        name: "export",
        summary: "Write the messages matching `query` (default all) to `output`, a path that must not exist yet, with a tag dump beside it",
        params: &[
            param(
                "query",
                ParamType::String,
                false,
                "a query in the search language (default `*`)",
            ),
            param(
                "format",
                ParamType::OneOf(&["mbox", "maildir", "json"]),
                true,
                "mbox (one file), maildir (a directory) or json (JSON Lines)",
            ),
            param(
                "output",
                ParamType::String,
                true,
                "absolute path of the file or directory to create",
            ),
            param(
                "account",
                ParamType::String,
                false,
                "only messages of this account",
            ),
        ],
        result: ("outcome", "object", "{messages, bytes, output, dump}"),
    },
    MethodSpec {
        method: Method::SyncNow,
        name: "sync_now",
        summary: "Daemon only: sync an account (or every account) now; returns at once",
        params: &[ACCOUNT],
        result: (
            "woken",
            "object",
            "{accounts: [names of the accounts asked to sync]}",
        ),
    },
    MethodSpec {
        method: Method::AccountStatus,
        name: "account_status",
        summary: "Daemon only: where each account stands, with message counts per folder",
        params: &[ACCOUNT],
        result: (
            "accounts",
            "array",
            "{name, kind, state (syncing, idle, retrying, stopped, disabled), last_sync, last_error, next_retry, messages, folders: [{folder, messages}]} objects",
        ),
    },
    MethodSpec {
        method: Method::Subscribe,
        name: "subscribe",
        summary: "Daemon only: push every later event to this connection as an `event` notification",
        params: &[],
        result: (
            "subscription",
            "object",
            "{last_event}: events with a higher id follow as notifications",
        ),
    },
    MethodSpec {
        method: Method::GetNextEvents,
        name: "get_next_events",
        summary: "Daemon only: the events after an id, waiting for the next one when there is none yet",
        params: &[
            param(
                "after",
                ParamType::Integer,
                false,
                "the last event id seen (default: every event kept, the last 1,000)",
            ),
            param(
                "timeout_ms",
                ParamType::Integer,
                false,
                "how long to wait for an event (default 30000, at most 600000)",
            ),
        ],
        result: (
            "events",
            "array",
            "{id, time, kind, ...} objects, oldest first; empty when the wait ended without one",
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

/// Serves [`METHODS`] with an [`Api`], and with the daemon's state when
/// given. Calls run on tokio's blocking threads, since the store and the
/// index block.
pub struct ApiHandler {
    api: Arc<Api>,
    daemon: Option<Arc<DaemonState>>,
    /// Read calls running at once: more than the cores can run only adds
    /// threads, store connections and allocator arenas; the rest wait
    /// their turn without holding a thread.
    reads: Semaphore,
}

/// Read calls running at once: one per core plus one, so the cores stay
/// busy while a call waits on the disk (at least [`MIN_READS`]). Each
/// holds a store connection with its own page cache.
const MIN_READS: usize = 3;

impl ApiHandler {
    /// The API methods; the daemon's own methods answer "not found".
    pub fn new(api: Arc<Api>) -> ApiHandler {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        ApiHandler {
            api,
            daemon: None,
            reads: Semaphore::new((cores + 1).max(MIN_READS)),
        }
    }

    /// Also serves the daemon's methods, and reports tag changes as events.
    pub fn with_daemon(mut self, daemon: Arc<DaemonState>) -> ApiHandler {
        self.daemon = Some(daemon);
        self
    }

    fn tags_changed(&self, count: u64) {
        if let Some(daemon) = &self.daemon
            && count > 0
        {
            daemon.events.push(Event::TagsChanged { count });
        }
    }
}

#[async_trait]
impl Handler for ApiHandler {
    async fn call(
        &self,
        method: &str,
        params: Option<Value>,
        connection: &Connection,
    ) -> Result<Reply, RpcError> {
        let spec = METHODS
            .iter()
            .find(|spec| spec.name == method)
            .ok_or_else(|| RpcError::method_not_found(method))?;
        let names = spec.param_names();
        let api = Caller {
            api: self.api.clone(),
            gone: connection.gone().clone(),
        };
        // Never closed, so this waits for a permit and never fails; a
        // client that hangs up meanwhile gives up its place.
        let _turn = match spec.method.reads_only() {
            true => tokio::select! {
                turn = self.reads.acquire() => turn.ok(),
                () = connection.gone().cancelled() => return Err(ApiError::Cancelled.into()),
            },
            false => None,
        };
        match spec.method {
            Method::Search => run(api, params, &names, |api, p| api.search(&p)).await,
            Method::Count => run(api, params, &names, |api, p| api.count(&p)).await,
            Method::GetMessage => run(api, params, &names, |api, p| api.get_message(&p)).await,
            Method::GetThread => run(api, params, &names, |api, p| api.get_thread(&p)).await,
            Method::ListTags => run(api, params, &names, |api, NoParams {}| api.list_tags()).await,
            Method::Explain => run(api, params, &names, |api, p| api.explain(&p)).await,
            Method::Tag => {
                let outcome = run_api(api, params, &names, |api, p| api.tag(&p)).await?;
                self.tags_changed(outcome.changed);
                Reply::encode(&outcome)
            }
            Method::SetFlags => {
                let outcome = run_api(api, params, &names, |api, p| api.set_flags(&p)).await?;
                self.tags_changed(outcome.changed);
                Reply::encode(&outcome)
            }
            Method::ListAccounts => {
                run(api, params, &names, |api, NoParams {}| api.list_accounts()).await
            }
            Method::Erase => run(api, params, &names, |api, p| api.erase(&p)).await,
            Method::ApplyRetention => {
                run(api, params, &names, |api, p| api.apply_retention(&p)).await
            }
            Method::Export => run(api, params, &names, |api, p| api.export(&p)).await,
            Method::SyncNow | Method::AccountStatus | Method::Subscribe | Method::GetNextEvents => {
                match &self.daemon {
                    Some(daemon) => {
                        super::daemon::call(daemon, spec.method, params, &names, connection).await
                    }
                    None => Err(RpcError::method_not_found(method).with_data(
                        json!({"reason": "only the daemon, inboxd, serves this method"}),
                    )),
                }
            }
            Method::Discover => {
                parse_params::<NoParams>(params, &names)?;
                Reply::encode(&super::discover::document())
            }
        }
    }
}

/// The API, for a client that may hang up before its call is done.
struct Caller {
    api: Arc<Api>,
    /// The client's [`Connection::gone`].
    gone: CancellationToken,
}

/// Reads the parameters, runs `call` on a blocking thread, encodes its result.
async fn run<P, R>(
    api: Caller,
    params: Option<Value>,
    names: &[&str],
    call: impl FnOnce(&Api, P) -> Result<R, ApiError> + Send + 'static,
) -> Result<Reply, RpcError>
where
    P: DeserializeOwned + Send + 'static,
    R: Serialize + Send + 'static,
{
    Reply::encode(&run_api(api, params, names, call).await?)
}

/// Reads the parameters and runs `call` on a blocking thread, unless the
/// client has gone; the call may stop early once it goes
/// ([`api::cancellable`]).
async fn run_api<P, R>(
    Caller { api, gone }: Caller,
    params: Option<Value>,
    names: &[&str],
    call: impl FnOnce(&Api, P) -> Result<R, ApiError> + Send + 'static,
) -> Result<R, RpcError>
where
    P: DeserializeOwned + Send + 'static,
    R: Send + 'static,
{
    let params: P = parse_params(params, names)?;
    if gone.is_cancelled() {
        return Err(ApiError::Cancelled.into());
    }
    tokio::task::spawn_blocking(move || api::cancellable(gone, || call(&api, params)))
        .await
        .map_err(|error| {
            tracing::error!("an API call failed: {error}");
            RpcError::internal("the call failed unexpectedly; see the daemon log")
        })?
        .map_err(RpcError::from)
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
            ApiError::EraseCountChanged {
                confirmed,
                matching,
            } => RpcError::invalid_params(&error)
                .with_data(json!({"confirm": confirmed, "matching": matching})),
            ApiError::NoSuchMessage(id) => {
                RpcError::app(NOT_FOUND, error.to_string()).with_data(json!({ "id": id }))
            }
            _ => RpcError::internal(&error),
        }
    }
}
