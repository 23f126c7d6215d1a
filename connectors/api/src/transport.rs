//! Where a connector may send credentials without encryption: nowhere but
//! this machine. One rule for every network source, so that each new one
//! (IMAP, X, later Mastodon or Bluesky) refuses the same addresses.

use std::net::IpAddr;

use url::{Host, Url};

use crate::ConnectorError;

/// Whether `host` is this machine: `localhost` or a loopback address
/// (`127.0.0.0/8`, `::1`, with or without brackets).
pub fn is_loopback(host: &str) -> bool {
    let bare = host
        .strip_prefix('[')
        .and_then(|rest| rest.strip_suffix(']'))
        .unwrap_or(host);
    bare.eq_ignore_ascii_case("localhost")
        || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Checks the API address `base` of an HTTP source named `source` (such as
/// "X api_base"): `https://`, or `http://` to this machine only (a test
/// server, a local proxy), since every request carries a token. Returns
/// it without a trailing slash.
pub fn check_http_base(source: &str, base: &str) -> Result<String, ConnectorError> {
    let base = base.trim_end_matches('/');
    let url = Url::parse(base).map_err(|error| {
        ConnectorError::Unsupported(format!("the {source} {base:?} is not a URL: {error}"))
    })?;
    let local = match url.host() {
        Some(Host::Domain(name)) => is_loopback(name),
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match url.scheme() {
        "https" => Ok(base.to_owned()),
        "http" if local => Ok(base.to_owned()),
        "http" => Err(ConnectorError::Unsupported(format!(
            "the {source} {base:?} would send tokens and messages unencrypted over the network; \
             use https:// (plain http:// is accepted only for this machine: localhost, \
             127.0.0.1, ::1)"
        ))),
        _ => Err(ConnectorError::Unsupported(format!(
            "the {source} {base:?} must start with https://"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts() {
        for host in [
            "localhost",
            "LocalHost",
            "127.0.0.1",
            "127.3.2.1",
            "::1",
            "[::1]",
        ] {
            assert!(is_loopback(host), "{host}");
        }
        for host in [
            "imap.example.com",
            "10.0.0.1",
            "::ffff:8.8.8.8",
            "localhost.example.com",
            "",
        ] {
            assert!(!is_loopback(host), "{host}");
        }
    }

    #[test]
    fn http_bases() {
        assert_eq!(
            check_http_base("X api_base", "https://api.x.com/").unwrap(),
            "https://api.x.com"
        );
        assert!(check_http_base("X api_base", "http://127.0.0.1:8080").is_ok());
        assert!(check_http_base("X api_base", "http://localhost").is_ok());
        for refused in [
            "http://api.x.com",
            "ftp://127.0.0.1",
            "api.x.com",
            "http://127.0.0.1.example.com",
        ] {
            let error = check_http_base("X api_base", refused).unwrap_err();
            assert!(error.to_string().contains("X api_base"), "{error}");
        }
    }
}
