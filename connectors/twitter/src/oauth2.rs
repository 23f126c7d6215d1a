//! OAuth 2.0 user context: the authorization-code flow with PKCE (S256) that
//! `inbox account authorize x` runs, and the renewal of expired access tokens.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use inbox_connector_api::ConnectorError;
use inbox_connector_api::transport::check_http_base;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::http::Http;
use crate::settings::{OAuth2Tokens, RetryPolicy};

/// Where the user approves access.
pub const AUTHORIZE_ENDPOINT: &str = "https://x.com/i/oauth2/authorize";
/// The scopes inbox asks for: read DMs and the users in them, and a refresh token.
pub const SCOPES: &str = "dm.read tweet.read users.read offline.access";
const TOKEN_PATH: &str = "/2/oauth2/token";

/// A PKCE pair: the verifier stays local, the challenge goes into the URL.
#[derive(Clone, PartialEq, Eq)]
pub struct Pkce {
    /// 43 URL-safe characters (32 random bytes).
    pub verifier: String,
    /// BASE64URL(SHA-256(verifier)), sent with `code_challenge_method=S256`.
    pub challenge: String,
}

impl std::fmt::Debug for Pkce {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pkce")
            .field("verifier", &"<secret>")
            .field("challenge", &self.challenge)
            .finish()
    }
}

/// A fresh PKCE verifier and its S256 challenge.
pub fn new_pkce() -> Pkce {
    let verifier = URL_SAFE_NO_PAD.encode(random_bytes());
    let challenge = s256_challenge(&verifier);
    Pkce {
        verifier,
        challenge,
    }
}

/// BASE64URL(SHA-256(verifier)) without padding (RFC 7636, S256).
fn s256_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// A fresh random `state` value (43 URL-safe characters) to tie the
/// redirect to this authorization.
pub fn new_state() -> String {
    URL_SAFE_NO_PAD.encode(random_bytes())
}

fn random_bytes() -> [u8; 32] {
    let mut bytes = [0u8; 32];
    // Without randomness no authorization is safe; there is nothing to fall back to.
    getrandom::fill(&mut bytes).expect("the operating system's random number generator failed");
    bytes
}

/// The page where the user lets the app read their direct messages.
pub fn authorize_url(client_id: &str, redirect_uri: &str, state: &str, challenge: &str) -> String {
    let params = [
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", redirect_uri),
        ("scope", SCOPES),
        ("state", state),
        ("code_challenge", challenge),
        ("code_challenge_method", "S256"),
    ];
    let query: Vec<String> = params
        .iter()
        .map(|(name, value)| format!("{name}={}", encode_component(value)))
        .collect();
    format!("{AUTHORIZE_ENDPOINT}?{}", query.join("&"))
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
fn encode_component(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

/// Trades the authorization `code` from the redirect for a token pair
/// (`POST {api_base}/2/oauth2/token`, `grant_type=authorization_code`).
pub async fn exchange_code(
    api_base: &str,
    client_id: &str,
    client_secret: Option<&str>,
    code: &str,
    redirect_uri: &str,
    verifier: &str,
) -> Result<OAuth2Tokens, ConnectorError> {
    let api_base = check_http_base("X api_base", api_base)?;
    let http = Http::new(RetryPolicy::default())?;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", redirect_uri),
        ("code_verifier", verifier),
        ("client_id", client_id),
    ];
    let granted = request_tokens(
        &http,
        &api_base,
        client_id,
        client_secret,
        &form,
        "accept the authorization code",
    )
    .await?;
    let refresh_token = granted.refresh_token.ok_or_else(|| {
        ConnectorError::Protocol(format!(
            "X issued no refresh token from {TOKEN_PATH}: the app must allow the offline.access scope"
        ))
    })?;
    Ok(OAuth2Tokens {
        access_token: granted.access_token,
        refresh_token,
        client_id: client_id.to_owned(),
        client_secret: client_secret.map(str::to_owned),
    })
}

/// Renews an expired access token (`grant_type=refresh_token`). X usually
/// rotates the refresh token too; when it does not, the old one is kept.
pub(crate) async fn refresh(
    http: &Http,
    api_base: &str,
    tokens: &OAuth2Tokens,
) -> Result<OAuth2Tokens, ConnectorError> {
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", tokens.refresh_token.as_str()),
        ("client_id", tokens.client_id.as_str()),
    ];
    let granted = request_tokens(
        http,
        api_base,
        &tokens.client_id,
        tokens.client_secret.as_deref(),
        &form,
        "renew the access token",
    )
    .await?;
    Ok(OAuth2Tokens {
        access_token: granted.access_token,
        refresh_token: granted
            .refresh_token
            .unwrap_or_else(|| tokens.refresh_token.clone()),
        client_id: tokens.client_id.clone(),
        client_secret: tokens.client_secret.clone(),
    })
}

/// The token endpoint's success body.
#[derive(Deserialize)]
struct Granted {
    access_token: String,
    #[serde(default)]
    refresh_token: Option<String>,
}

async fn request_tokens(
    http: &Http,
    api_base: &str,
    client_id: &str,
    client_secret: Option<&str>,
    form: &[(&str, &str)],
    action: &str,
) -> Result<Granted, ConnectorError> {
    let url = format!("{}{TOKEN_PATH}", api_base.trim_end_matches('/'));
    let what = format!("POST {TOKEN_PATH}");
    let reply = http
        .send(&what, || {
            let request = http.client.post(&url).form(form);
            match client_secret {
                Some(secret) => request.basic_auth(client_id, Some(secret)),
                None => request,
            }
        })
        .await?;
    if reply.status.is_success() {
        return serde_json::from_slice(&reply.body).map_err(|error| {
            ConnectorError::Protocol(format!(
                "X answered {what} with an unreadable token response: {error}"
            ))
        });
    }
    if reply.status.is_client_error() {
        return Err(ConnectorError::Auth(format!(
            "X refused to {action}: {}; the account needs re-authorization (run `inbox account authorize x` for it)",
            reply.describe()
        )));
    }
    Err(ConnectorError::Protocol(format!(
        "X answered {what} with {}",
        reply.describe()
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenge_is_the_s256_of_the_verifier() {
        let pkce = new_pkce();
        assert_eq!(pkce.verifier.len(), 43);
        assert_eq!(pkce.challenge, s256_challenge(&pkce.verifier));
        assert_ne!(new_pkce().verifier, pkce.verifier);
        assert!(!format!("{pkce:?}").contains(&pkce.verifier));
    }

    #[test]
    fn rfc7636_example_challenge() {
        // RFC 7636, appendix B.
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        assert_eq!(
            s256_challenge(verifier),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn authorize_url_carries_every_parameter_encoded() {
        let url = authorize_url("cid", "http://127.0.0.1:8765/callback", "st8", "chal-_");
        assert_eq!(
            url,
            "https://x.com/i/oauth2/authorize?response_type=code&client_id=cid\
             &redirect_uri=http%3A%2F%2F127.0.0.1%3A8765%2Fcallback\
             &scope=dm.read%20tweet.read%20users.read%20offline.access\
             &state=st8&code_challenge=chal-_&code_challenge_method=S256"
        );
    }
}
