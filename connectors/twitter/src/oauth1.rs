//! OAuth 1.0a user-context signatures (HMAC-SHA1) for the `Authorization` header.

use std::num::NonZeroU64;

use oauth1_request::{self as oauth, ParameterList};

use crate::settings::OAuth1Keys;

/// The `Authorization` header value for a request: `url` without its query,
/// `params` the query and form parameters (unencoded), a fresh nonce and
/// the current time.
pub(crate) fn authorization(
    keys: &OAuth1Keys,
    method: &str,
    url: &str,
    params: &[(&str, &str)],
) -> String {
    sign(keys, method, url, params, None)
}

/// A pinned nonce and timestamp, for reproducing a known signature.
struct Fixed<'a> {
    nonce: &'a str,
    timestamp: NonZeroU64,
}

fn sign(
    keys: &OAuth1Keys,
    method: &str,
    url: &str,
    params: &[(&str, &str)],
    fixed: Option<Fixed<'_>>,
) -> String {
    let token = oauth::Token::from_parts(
        keys.consumer_key.as_str(),
        keys.consumer_secret.as_str(),
        keys.access_token.as_str(),
        keys.access_token_secret.as_str(),
    );
    let mut builder = oauth::Builder::with_token(token, oauth::HMAC_SHA1);
    builder.version(true);
    if let Some(fixed) = fixed {
        builder.nonce(fixed.nonce).timestamp(fixed.timestamp);
    }
    let params = ParameterList::new(params.to_vec());
    builder.authorize(method, url, &params)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worked example of X's "Creating a signature" documentation.
    fn documented_keys() -> OAuth1Keys {
        OAuth1Keys {
            consumer_key: "xvz1evFS4wEEPTGEFPHBog".into(),
            consumer_secret: "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw".into(),
            access_token: "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb".into(),
            access_token_secret: "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE".into(),
        }
    }

    fn header_fields(header: &str) -> Vec<(String, String)> {
        let fields = header.strip_prefix("OAuth ").expect("OAuth scheme");
        fields
            .split(',')
            .map(|field| {
                let (name, value) = field.split_once('=').expect("name=value");
                let value = value.strip_prefix('"').and_then(|v| v.strip_suffix('"'));
                (name.to_owned(), value.expect("quoted value").to_owned())
            })
            .collect()
    }

    #[test]
    fn signature_matches_the_documented_example() {
        let header = sign(
            &documented_keys(),
            "POST",
            "https://api.twitter.com/1.1/statuses/update.json",
            &[
                ("include_entities", "true"),
                (
                    "status",
                    "Hello Ladies + Gentlemen, a signed OAuth request!",
                ),
            ],
            Some(Fixed {
                nonce: "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg",
                timestamp: NonZeroU64::new(1318622958).expect("non-zero"),
            }),
        );
        let fields = header_fields(&header);
        let field = |name: &str| {
            fields
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(
            field("oauth_signature"),
            Some("hCtSmYh%2BiHYCEqBWrE7C7hYmtUk%3D"),
            "{header}"
        );
        assert_eq!(field("oauth_consumer_key"), Some("xvz1evFS4wEEPTGEFPHBog"));
        assert_eq!(field("oauth_signature_method"), Some("HMAC-SHA1"));
        assert_eq!(field("oauth_timestamp"), Some("1318622958"));
        assert_eq!(field("oauth_version"), Some("1.0"));
        assert_eq!(
            field("oauth_token"),
            Some("370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb")
        );
        assert!(!header.contains("kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw"));
        assert!(!header.contains("LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE"));
    }

    #[test]
    fn each_request_gets_a_fresh_nonce() {
        let keys = documented_keys();
        let url = "https://api.x.com/2/dm_events";
        let nonce = |header: String| {
            header_fields(&header)
                .into_iter()
                .find(|(name, _)| name == "oauth_nonce")
                .map(|(_, value)| value)
        };
        let first = nonce(authorization(&keys, "GET", url, &[("max_results", "100")]));
        let second = nonce(authorization(&keys, "GET", url, &[("max_results", "100")]));
        assert!(first.is_some());
        assert_ne!(first, second);
    }
}
