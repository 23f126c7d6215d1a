//! `inbox account authorize x NAME`: the OAuth 2.0 authorization-code flow
//! with PKCE. Prints the address to open, receives the code on a loopback
//! redirect (`http://127.0.0.1:PORT/callback`) or from what the user pastes,
//! checks `state`, exchanges the code and keeps the token pair in the vault.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Args;
use inbox_connector_x::oauth2;
use secrecy::SecretString;

use super::unlock::VaultAccess;
use crate::config::{AccountConfig, Config, XAuth};

#[derive(Args)]
pub(super) struct AuthorizeArgs {
    /// Name of the X account.
    name: String,
    /// Port of the redirect address `http://127.0.0.1:PORT/callback` (it
    /// must be registered as a callback URI of your X app); default: any
    /// free port.
    #[arg(long)]
    port: Option<u16>,
    /// Do not listen: paste the address the browser was sent to (or just
    /// the code) on standard input.
    #[arg(long)]
    paste: bool,
}

/// What the authorization server sent back to the redirect address.
#[derive(Debug, PartialEq, Eq)]
struct Callback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

pub(super) fn run(
    config: &Config,
    access: &VaultAccess,
    args: AuthorizeArgs,
) -> anyhow::Result<ExitCode> {
    let name = &args.name;
    let Some(AccountConfig::X(account)) = config.accounts.get(name) else {
        bail!("no X account named {name:?}; add one with `inbox account add x {name} ...`");
    };
    if account.auth != XAuth::Oauth2 {
        bail!("{name:?} uses OAuth 1.0a; only OAuth 2.0 accounts are authorized in the browser");
    }
    let Some(client_id) = &account.client_id else {
        bail!("{name:?} has no client_id; add your X app's OAuth 2.0 client id to its settings");
    };
    let listener = match args.paste {
        true => None,
        false => Some(
            TcpListener::bind(("127.0.0.1", args.port.unwrap_or(0)))
                .context("cannot listen on 127.0.0.1 for the redirect; try --port or --paste")?,
        ),
    };
    let port = match (&listener, args.port) {
        (Some(listener), _) => listener.local_addr()?.port(),
        (None, Some(port)) => port,
        (None, None) => bail!(
            "--paste needs --port PORT: the port of the callback URI registered in your X app"
        ),
    };
    let redirect_uri = format!("http://127.0.0.1:{port}/callback");
    let pkce = oauth2::new_pkce();
    let state = oauth2::new_state();
    let url = oauth2::authorize_url(client_id, &redirect_uri, &state, &pkce.challenge);
    eprintln!(
        "Your X app must list {redirect_uri} as a callback URI (developer portal, \
         User authentication settings).\nOpen this address, sign in and allow access:\n"
    );
    println!("{url}");
    let callback = match listener {
        Some(listener) => {
            eprintln!("\nwaiting for X to redirect the browser to {redirect_uri} ...");
            receive(&listener)?
        }
        None => {
            eprintln!("\npaste the address the browser was sent to (or the code):");
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line)?;
            pasted(line.trim())
        }
    };
    let code = check(callback, &state)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let mut vault = access.open_for_update()?;
    let client_secret = vault
        .get(&account.vault_entry, "client_secret")
        .map(|secret| secrecy::ExposeSecret::expose_secret(secret).to_owned());
    let tokens = runtime
        .block_on(oauth2::exchange_code(
            &account.api_base,
            client_id,
            client_secret.as_deref(),
            &code,
            &redirect_uri,
            &pkce.verifier,
        ))
        .context("X refused the authorization code; run the command again")?;
    let entry = &account.vault_entry;
    vault.set(
        entry,
        "access_token",
        SecretString::from(tokens.access_token),
    );
    vault.set(
        entry,
        "refresh_token",
        SecretString::from(tokens.refresh_token),
    );
    vault.save()?;
    eprintln!(
        "authorized {name}; tokens kept in the vault (`inbox sync {name}` fetches the messages)"
    );
    Ok(ExitCode::SUCCESS)
}

/// The code of a callback whose `state` matches ours.
fn check(callback: Callback, state: &str) -> anyhow::Result<String> {
    if let Some(error) = callback.error {
        bail!("X did not authorize inbox: {error}");
    }
    if callback.state.as_deref() != Some(state) {
        bail!(
            "the answer's state does not match this request (an old or forged redirect); run the command again"
        );
    }
    match callback.code {
        Some(code) if !code.is_empty() => Ok(code),
        _ => bail!("the answer holds no authorization code; run the command again"),
    }
}

/// Answers requests on `listener` until one reaches `/callback`.
fn receive(listener: &TcpListener) -> anyhow::Result<Callback> {
    loop {
        let (stream, _) = listener.accept().context("cannot accept the redirect")?;
        if let Some(callback) = answer(stream)? {
            return Ok(callback);
        }
    }
}

/// Reads one HTTP request; `/callback` gets a page telling the user to go
/// back to the terminal, anything else (a favicon) a 404.
fn answer(mut stream: TcpStream) -> anyhow::Result<Option<Callback>> {
    let mut request_line = String::new();
    BufReader::new(&stream)
        .take(8192)
        .read_line(&mut request_line)
        .context("cannot read the redirect request")?;
    let target = request_line.split_whitespace().nth(1).unwrap_or_default();
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    if path != "/callback" {
        stream.write_all(
            b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        )?;
        return Ok(None);
    }
    let body = "inbox received the answer from X; you may close this page.";
    write!(
        stream,
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    )?;
    Ok(Some(parse_query(query)))
}

/// A pasted redirect address (its query), a bare query, or a bare code.
fn pasted(text: &str) -> Callback {
    match text.split_once('?') {
        Some((_, query)) => parse_query(query),
        None if text.contains('=') => parse_query(text),
        None => Callback {
            code: Some(text.to_owned()),
            state: None,
            error: None,
        },
    }
}

fn parse_query(query: &str) -> Callback {
    let mut callback = Callback {
        code: None,
        state: None,
        error: None,
    };
    for pair in query.split('#').next().unwrap_or_default().split('&') {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let value = percent_decode(value);
        match key {
            "code" => callback.code = Some(value),
            "state" => callback.state = Some(value),
            "error" => callback.error = Some(value),
            _ => {}
        }
    }
    callback
}

/// Decodes `%XX` escapes and `+` (a space) of a query value.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        let hex = bytes
            .get(at + 1..at + 3)
            .and_then(|pair| u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok());
        match (bytes[at], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                at += 3;
            }
            (b'+', _) => {
                out.push(b' ');
                at += 1;
            }
            (byte, _) => {
                out.push(byte);
                at += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_addresses_queries_and_bare_codes_are_read() {
        let full = pasted("http://127.0.0.1:8765/callback?state=s%2F1&code=abc+d%3D#_");
        assert_eq!(full.code.as_deref(), Some("abc d="));
        assert_eq!(full.state.as_deref(), Some("s/1"));
        assert_eq!(pasted("code=xyz&state=s").code.as_deref(), Some("xyz"));
        assert_eq!(pasted("xyz").code.as_deref(), Some("xyz"));
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
    }

    #[test]
    fn state_must_match_and_errors_are_reported() {
        let callback = |state: &str| parse_query(&format!("code=c&state={state}"));
        assert_eq!(check(callback("ok"), "ok").unwrap(), "c");
        assert!(check(callback("other"), "ok").is_err());
        assert!(check(pasted("c"), "ok").is_err());
        let denied = check(parse_query("error=access_denied&state=ok"), "ok");
        assert!(denied.unwrap_err().to_string().contains("access_denied"));
    }

    #[test]
    fn the_listener_answers_the_callback_and_ignores_other_paths() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let browser = std::thread::spawn(move || {
            for path in ["/favicon.ico", "/callback?code=c1&state=s1"] {
                let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
                write!(stream, "GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
                let mut reply = String::new();
                std::io::Read::read_to_string(&mut stream, &mut reply).unwrap();
                assert!(reply.starts_with(match path {
                    "/favicon.ico" => "HTTP/1.1 404",
                    _ => "HTTP/1.1 200",
                }));
            }
        });
        let callback = receive(&listener).unwrap();
        browser.join().unwrap();
        assert_eq!(check(callback, "s1").unwrap(), "c1");
    }
}
