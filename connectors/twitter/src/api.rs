//! Authorized calls to the X API: signs or bears each request, renews an
//! expired OAuth 2.0 token once per call, and turns refusals into errors.

use inbox_connector_api::ConnectorError;
use reqwest::{Method, StatusCode, Url};

use crate::http::{Http, RateLimit, Reply};
use crate::oauth1;
use crate::oauth2;
use crate::settings::{OAuth2Tokens, TokenStore, XCredentials};

/// The X API of one account.
pub(crate) struct Api {
    http: Http,
    base: String,
    credentials: XCredentials,
    tokens: Box<dyn TokenStore>,
    rate_limit: Option<RateLimit>,
}

impl Api {
    pub fn new(
        http: Http,
        base: String,
        credentials: XCredentials,
        tokens: Box<dyn TokenStore>,
    ) -> Api {
        Api {
            http,
            base,
            credentials,
            tokens,
            rate_limit: None,
        }
    }

    /// The rate-limit state X reported with the last successful answer.
    pub fn rate_limit(&self) -> Option<RateLimit> {
        self.rate_limit
    }

    /// `GET {base}{path}?{params}`: the body of a successful answer.
    pub async fn get(
        &mut self,
        path: &str,
        params: &[(&str, &str)],
    ) -> Result<Vec<u8>, ConnectorError> {
        let reply = self.call(Method::GET, path, params, "dm.read").await?;
        if reply.status.is_success() {
            return Ok(reply.body);
        }
        Err(ConnectorError::Protocol(format!(
            "X refused GET {path}: {}",
            reply.describe()
        )))
    }

    /// `DELETE {base}{path}`: the reply, whatever its status other than a
    /// refusal of the credentials.
    pub async fn delete(&mut self, path: &str) -> Result<Reply, ConnectorError> {
        self.call(Method::DELETE, path, &[], "dm.write").await
    }

    /// Sends `method {base}{path}?{params}`, signed or with the bearer
    /// token, renewing an expired OAuth 2.0 token once; a refusal of the
    /// credentials (or of the app's permission `scope`) is an error, any
    /// other reply is returned.
    async fn call(
        &mut self,
        method: Method,
        path: &str,
        params: &[(&str, &str)],
        scope: &str,
    ) -> Result<Reply, ConnectorError> {
        let url = format!("{}{path}", self.base);
        let full_url = Url::parse_with_params(&url, params).map_err(|error| {
            ConnectorError::Unsupported(format!("cannot form an X API address from {url}: {error}"))
        })?;
        let what = format!("{method} {path}");
        let mut renewed = false;
        loop {
            let reply = self
                .http
                .send(&what, || {
                    let request = self.http.client.request(method.clone(), full_url.clone());
                    match &self.credentials {
                        XCredentials::OAuth2(tokens) => request.bearer_auth(&tokens.access_token),
                        XCredentials::OAuth1(keys) => request.header(
                            reqwest::header::AUTHORIZATION,
                            oauth1::authorization(keys, method.as_str(), &url, params),
                        ),
                    }
                })
                .await?;
            match reply.status {
                StatusCode::UNAUTHORIZED => match &self.credentials {
                    XCredentials::OAuth2(tokens) if !renewed => {
                        let renewed_tokens =
                            oauth2::refresh(&self.http, &self.base, tokens).await?;
                        self.keep(renewed_tokens)?;
                        renewed = true;
                    }
                    _ => return Err(refused(&what, &reply)),
                },
                StatusCode::FORBIDDEN => {
                    return Err(ConnectorError::Auth(format!(
                        "X denied {what}: {}; the app needs permission {scope} and the account may need re-authorization",
                        reply.describe()
                    )));
                }
                status => {
                    // The limit of the DM listing, which paces the polls.
                    if status.is_success() && method == Method::GET {
                        self.rate_limit = reply.rate_limit.or(self.rate_limit);
                    }
                    return Ok(reply);
                }
            }
        }
    }

    /// Stores renewed tokens, then uses them.
    fn keep(&mut self, tokens: OAuth2Tokens) -> Result<(), ConnectorError> {
        self.tokens.save(&tokens).map_err(|reason| {
            ConnectorError::Auth(format!(
                "X renewed the access token but it could not be saved ({reason}); the account needs re-authorization (run `inbox account authorize x` for it)"
            ))
        })?;
        tracing::info!("renewed the X access token");
        self.credentials = XCredentials::OAuth2(tokens);
        Ok(())
    }
}

fn refused(what: &str, reply: &Reply) -> ConnectorError {
    ConnectorError::Auth(format!(
        "X refused the credentials for {what}: {}; the account needs re-authorization (run `inbox account authorize x` for it, or renew its OAuth 1.0a keys)",
        reply.describe()
    ))
}
