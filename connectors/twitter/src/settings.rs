//! What an X account needs: the API address, the credentials and how hard to
//! retry. `Debug` never shows a secret.

use std::fmt;
use std::time::Duration;

/// The X API address used when an account names none.
pub const DEFAULT_API_BASE: &str = "https://api.x.com";

/// One X account's settings.
#[derive(Clone, Debug)]
pub struct XSettings {
    /// Scheme and host of the API, without a trailing slash (default [`DEFAULT_API_BASE`]).
    pub api_base: String,
    pub credentials: XCredentials,
    pub retry: RetryPolicy,
}

impl XSettings {
    /// Settings for the public API with the default retry policy.
    pub fn new(credentials: XCredentials) -> XSettings {
        XSettings {
            api_base: DEFAULT_API_BASE.to_owned(),
            credentials,
            retry: RetryPolicy::default(),
        }
    }
}

/// How requests are authorized: the two user-context schemes X offers.
#[derive(Clone, Debug)]
pub enum XCredentials {
    /// OAuth 2.0 bearer token, renewed with its refresh token when it expires.
    OAuth2(OAuth2Tokens),
    /// OAuth 1.0a: every request signed with HMAC-SHA1.
    OAuth1(OAuth1Keys),
}

/// An OAuth 2.0 user-context token pair and the app it was issued to.
#[derive(Clone, PartialEq, Eq)]
pub struct OAuth2Tokens {
    pub access_token: String,
    pub refresh_token: String,
    /// The app's client id (public).
    pub client_id: String,
    /// The app's client secret, for confidential clients only.
    pub client_secret: Option<String>,
}

impl fmt::Debug for OAuth2Tokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuth2Tokens")
            .field("access_token", &"<secret>")
            .field("refresh_token", &"<secret>")
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "<secret>"),
            )
            .finish()
    }
}

/// OAuth 1.0a user-context keys: the app's consumer pair and the user's access pair.
#[derive(Clone, PartialEq, Eq)]
pub struct OAuth1Keys {
    pub consumer_key: String,
    pub consumer_secret: String,
    pub access_token: String,
    pub access_token_secret: String,
}

impl fmt::Debug for OAuth1Keys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuth1Keys")
            .field("consumer_key", &"<secret>")
            .field("consumer_secret", &"<secret>")
            .field("access_token", &"<secret>")
            .field("access_token_secret", &"<secret>")
            .finish()
    }
}

/// How often and how long to retry when X is unavailable or rate-limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Tries per request, the first included, for server errors and broken
    /// connections; also the most rate-limit waits per request.
    pub attempts: u32,
    /// Delay before the first retry; each further retry doubles it (with jitter).
    pub base_delay: Duration,
    /// The longest wait for a rate limit to reset; a later reset fails the sync.
    pub max_rate_limit_wait: Duration,
}

impl Default for RetryPolicy {
    /// Four tries, starting 2 s apart; rate-limit waits of up to 15 minutes.
    fn default() -> RetryPolicy {
        RetryPolicy {
            attempts: 4,
            base_delay: Duration::from_secs(2),
            max_rate_limit_wait: Duration::from_secs(15 * 60),
        }
    }
}

/// Keeps renewed OAuth 2.0 tokens; implemented by inbox on top of its vault.
pub trait TokenStore: Send + Sync {
    /// Called with the new token pair after a refresh, before the new access
    /// token is used. X invalidates the old refresh token, so the pair must
    /// be stored durably (atomically) before this returns; an `Err` (its
    /// reason in words, without secrets) stops the sync with
    /// [`ConnectorError::Auth`](inbox_connector_api::ConnectorError::Auth).
    fn save(&self, tokens: &OAuth2Tokens) -> Result<(), String>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_hides_every_secret() {
        let oauth2 = OAuth2Tokens {
            access_token: "ACCESS-SECRET".into(),
            refresh_token: "REFRESH-SECRET".into(),
            client_id: "client-1".into(),
            client_secret: Some("CLIENT-SECRET".into()),
        };
        let oauth1 = OAuth1Keys {
            consumer_key: "CK-SECRET".into(),
            consumer_secret: "CS-SECRET".into(),
            access_token: "AT-SECRET".into(),
            access_token_secret: "ATS-SECRET".into(),
        };
        let printed = format!(
            "{:?} {:?}",
            XSettings::new(XCredentials::OAuth2(oauth2)),
            XCredentials::OAuth1(oauth1)
        );
        assert!(!printed.contains("SECRET"), "{printed}");
        assert!(printed.contains("client-1"), "{printed}");
    }
}
