//! X (Twitter) direct messages for inbox, through the X API v2.
//!
//! [`XConnector`] implements [`Connector`]: it pages through
//! `GET /2/dm_events` (all conversations, groups included; message, join
//! and leave events), newest first, down to the newest event already
//! stored. Each event becomes a [`RawItem`](inbox_connector_api::RawItem)
//! at `{ folder: dm_conversation_id, remote_id: event id }` whose bytes are
//! a JSON [`DirectMessage`](inbox_connector_api::dm::DirectMessage), with
//! users and media resolved from the page's `includes`. X returns only
//! about the last 30 days of events; what inbox stored earlier stays.
//!
//! Requests are authorized with OAuth 2.0 user-context tokens (renewed
//! through [`TokenStore`] when X says they expired) or OAuth 1.0a keys
//! (HMAC-SHA1 signatures). Rate limits are waited out up to
//! [`RetryPolicy::max_rate_limit_wait`]; server errors and broken
//! connections are retried with jittered exponential backoff. [`oauth2`]
//! holds the PKCE authorization flow that issues the first token pair.
//!
//! [`XConnector::delete`] deletes events (for `inbox erase --remote`).
//!
//! Secrets never appear in errors, logs or `Debug` output. TLS is rustls
//! with the system's trusted roots.

mod api;
mod cursor;
mod http;
mod oauth1;
pub mod oauth2;
mod settings;
mod sync;
mod wire;

use async_trait::async_trait;
use inbox_connector_api::delete::{DeleteReport, Deletion};
use inbox_connector_api::dm::DmUser;
use inbox_connector_api::transport::check_http_base;
use inbox_connector_api::{Connector, ConnectorError, Cursor, Location, Sink, SourceKind};

pub use crate::http::RateLimit;
pub use crate::settings::{
    DEFAULT_API_BASE, OAuth1Keys, OAuth2Tokens, RetryPolicy, TokenStore, XCredentials, XSettings,
};

use crate::api::Api;
use crate::http::Http;

/// The direct messages of one X account.
pub struct XConnector {
    api: Api,
}

impl std::fmt::Debug for XConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("XConnector").finish_non_exhaustive()
    }
}

impl XConnector {
    /// A connector for the account in `settings`; nothing is contacted yet.
    /// Renewed OAuth 2.0 tokens go to `tokens` before they are used.
    pub fn new(
        settings: XSettings,
        tokens: Box<dyn TokenStore>,
    ) -> Result<XConnector, ConnectorError> {
        let base = check_http_base("X api_base", &settings.api_base)?;
        let http = Http::new(settings.retry)?;
        Ok(XConnector {
            api: Api::new(http, base, settings.credentials, tokens),
        })
    }

    /// Who the credentials belong to (`GET /2/users/me`): what
    /// `inbox account test` shows. Renews an expired OAuth 2.0 token like a sync.
    pub async fn whoami(&mut self) -> Result<DmUser, ConnectorError> {
        let body = self
            .api
            .get("/2/users/me", &[("user.fields", "id,name,username")])
            .await?;
        #[derive(serde::Deserialize)]
        struct Me {
            data: DmUser,
        }
        let me: Me = serde_json::from_slice(&body).map_err(|error| {
            ConnectorError::Protocol(format!("X answered GET /2/users/me with {error}"))
        })?;
        Ok(me.data)
    }

    /// Deletes the direct-message events at `locations` for this account
    /// (`DELETE /2/dm_events/:id`; X removes them from the account's view
    /// of the conversation). A 404 counts as already gone. After a refusal
    /// of the credentials the remaining events are not tried; every
    /// location not deleted is reported failed, with X's reason.
    pub async fn delete(&mut self, locations: &[Location]) -> DeleteReport {
        let mut stopped: Option<String> = None;
        let mut outcomes = Vec::with_capacity(locations.len());
        for location in locations {
            let id = &location.remote_id;
            let outcome = if let Some(reason) = &stopped {
                Deletion::Failed(reason.clone())
            } else if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
                Deletion::Failed(format!("{id:?} is not an X event id"))
            } else {
                match self.api.delete(&format!("/2/dm_events/{id}")).await {
                    Ok(reply) if reply.status.is_success() => Deletion::Deleted,
                    Ok(reply) if reply.status == reqwest::StatusCode::NOT_FOUND => {
                        Deletion::AlreadyGone
                    }
                    Ok(reply) => Deletion::Failed(format!(
                        "X refused DELETE /2/dm_events/{id}: {}",
                        reply.describe()
                    )),
                    Err(error) => {
                        let reason = error.to_string();
                        if matches!(error, ConnectorError::Auth(_)) {
                            stopped = Some(reason.clone());
                        }
                        Deletion::Failed(reason)
                    }
                }
            };
            outcomes.push((location.clone(), outcome));
        }
        DeleteReport { outcomes }
    }

    /// The DM endpoint's rate-limit state as X reported it on the last
    /// successful request (`None` before one), so a scheduler can poll no
    /// faster than X allows: one sync costs one request per page.
    pub fn rate_limit(&self) -> Option<RateLimit> {
        self.api.rate_limit()
    }
}

#[async_trait]
impl Connector for XConnector {
    fn kind(&self) -> SourceKind {
        SourceKind::X
    }

    async fn sync(&mut self, cursor: &Cursor, sink: &mut dyn Sink) -> Result<(), ConnectorError> {
        sync::sync(&mut self.api, cursor, sink).await
    }
}
