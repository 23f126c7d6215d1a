//! TLS is never downgraded: against a hostile or broken server on
//! 127.0.0.1 that records every byte it receives, a connector set to
//! STARTTLS or implicit TLS fails with [`ConnectorError::Tls`] rather than
//! fall back to plain text, and the password never crosses the wire in clear.
//!
//! The TLS version floor is rustls's: it implements only TLS 1.2 and 1.3,
//! so SSL 3, TLS 1.0 and TLS 1.1 cannot be negotiated at all;
//! [`a_tls_1_1_server_is_refused`] shows it against `openssl s_server`.
//!
//! The fake servers that complete a handshake use the Dovecot test peer's
//! self-signed certificate and key (see `inbox_connector_imap::testing`).

use std::io::{self, BufRead, BufReader};
use std::pin::Pin;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use inbox_connector_api::ConnectorError;
use inbox_connector_imap::testing::{cert, dovecot, server_dir};
use inbox_connector_imap::{ImapConnector, ImapSettings, ServerInfo, TlsMode};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use secrecy::SecretString;
use tokio::io::{
    AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufStream, ReadBuf,
};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

const PASSWORD: &str = "Pa55-never-in-clear";
const GREETING_WITH_STARTTLS: &str = "* OK [CAPABILITY IMAP4rev1 STARTTLS] fake server ready\r\n";

/// A TCP stream that copies every byte read from the client into `wire`.
struct Recorder {
    stream: TcpStream,
    wire: Arc<Mutex<Vec<u8>>>,
}

impl AsyncRead for Recorder {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let poll = Pin::new(&mut self.stream).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = poll {
            self.wire
                .lock()
                .unwrap()
                .extend_from_slice(&buf.filled()[before..]);
        }
        poll
    }
}

impl AsyncWrite for Recorder {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

type Conversation = BufStream<Recorder>;

/// A one-connection server on 127.0.0.1 playing `script`, then reading
/// whatever else the client sends until it hangs up; its task yields the
/// raw bytes received.
async fn fake_server<F, Fut>(script: F) -> (u16, JoinHandle<Vec<u8>>)
where
    F: FnOnce(Conversation) -> Fut + Send + 'static,
    Fut: Future<Output = Option<Conversation>> + Send,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let wire = Arc::new(Mutex::new(Vec::new()));
        let recorder = Recorder {
            stream,
            wire: wire.clone(),
        };
        if let Some(mut rest) = script(BufStream::new(recorder)).await {
            drain(&mut rest).await;
        }
        wire.lock().unwrap().clone()
    });
    (port, server)
}

/// Reads until the client closes the connection (or stays silent for 5 s).
async fn drain(stream: &mut (impl AsyncRead + Unpin)) {
    let mut rest = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut rest)).await;
}

/// Reads one command line; `None` when the client hung up.
async fn command(stream: &mut (impl AsyncBufReadExt + Unpin)) -> Option<String> {
    let mut line = String::new();
    match stream.read_line(&mut line).await {
        Ok(0) | Err(_) => None,
        Ok(_) => Some(line),
    }
}

/// The tag of a command line (`A0001 STARTTLS` -> `A0001`).
fn tag(line: &str) -> String {
    line.split_whitespace().next().unwrap_or("*").to_owned()
}

async fn send(stream: &mut Conversation, text: &str) {
    stream.write_all(text.as_bytes()).await.unwrap();
    stream.flush().await.unwrap();
}

/// Greets, reads the STARTTLS command and answers it with `answer(tag)`.
async fn answer_starttls(
    mut stream: Conversation,
    greeting: &str,
    answer: impl FnOnce(&str) -> String,
) -> Option<Conversation> {
    send(&mut stream, greeting).await;
    let line = command(&mut stream).await?;
    assert!(
        line.contains("STARTTLS"),
        "expected STARTTLS first: {line:?}"
    );
    send(&mut stream, &answer(&tag(&line))).await;
    Some(stream)
}

fn settings(port: u16, tls: TlsMode) -> ImapSettings {
    ImapSettings {
        host: "127.0.0.1".into(),
        port,
        tls,
        user: "alice".into(),
        password: SecretString::from(PASSWORD),
        tls_ca_file: Some(cert()),
        include: Vec::new(),
        exclude: Vec::new(),
    }
}

async fn check_login(port: u16, tls: TlsMode) -> Result<ServerInfo, ConnectorError> {
    let connector = ImapConnector::new(settings(port, tls));
    tokio::time::timeout(Duration::from_secs(30), connector.check_login())
        .await
        .expect("the connector gives up instead of waiting")
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window.eq_ignore_ascii_case(needle))
}

/// Asserts the client sent no login of any kind and not the password.
fn assert_no_credentials(wire: &[u8]) {
    let shown = String::from_utf8_lossy(wire);
    for word in ["LOGIN", "AUTHENTICATE", PASSWORD] {
        assert!(!contains(wire, word.as_bytes()), "{word} sent: {shown:?}");
    }
}

fn assert_tls_error(result: Result<ServerInfo, ConnectorError>) -> String {
    match result {
        Err(ConnectorError::Tls(text)) => {
            assert!(!text.contains(PASSWORD), "{text}");
            text
        }
        other => panic!("expected a TLS error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_refused_starttls_fails_before_any_login() {
    let Some(()) = dovecot() else { return };
    let greetings = [
        GREETING_WITH_STARTTLS,
        // A server (or a man in the middle) hiding STARTTLS from the capabilities.
        "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] no encryption here\r\n",
    ];
    for greeting in greetings {
        for refusal in ["NO STARTTLS unavailable", "BAD unknown command"] {
            let (port, server) = fake_server(move |stream| async move {
                answer_starttls(stream, greeting, |tag| format!("{tag} {refusal}\r\n")).await
            })
            .await;
            let text = assert_tls_error(check_login(port, TlsMode::StartTls).await);
            assert!(text.contains("refused STARTTLS"), "{text}");
            let wire = server.await.unwrap();
            assert!(contains(&wire, b"STARTTLS"), "no STARTTLS asked");
            assert_no_credentials(&wire);
        }
    }
}

#[tokio::test]
async fn starttls_accepted_but_plain_text_after_fails() {
    let Some(()) = dovecot() else { return };
    let (port, server) = fake_server(|stream| async move {
        let mut stream = answer_starttls(stream, GREETING_WITH_STARTTLS, |tag| {
            format!("{tag} OK Begin TLS negotiation now\r\n")
        })
        .await?;
        // The client's next bytes are its TLS hello; the server talks IMAP on.
        let _hello = stream.fill_buf().await.ok()?.len();
        send(
            &mut stream,
            "* OK still plain text, go ahead and log in\r\n",
        )
        .await;
        Some(stream)
    })
    .await;
    let text = assert_tls_error(check_login(port, TlsMode::StartTls).await);
    assert!(text.contains("TLS handshake"), "{text}");
    assert_no_credentials(&server.await.unwrap());
}

#[tokio::test]
async fn implicit_tls_against_a_plain_text_server_fails() {
    let Some(()) = dovecot() else { return };
    let (port, server) = fake_server(|mut stream| async move {
        send(
            &mut stream,
            "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] plain IMAP\r\n",
        )
        .await;
        Some(stream)
    })
    .await;
    let text = assert_tls_error(check_login(port, TlsMode::Implicit).await);
    assert!(text.contains("TLS handshake"), "{text}");
    assert_no_credentials(&server.await.unwrap());
}

/// Plain text sent right behind the STARTTLS `OK` (in the same packet) is
/// discarded, never read as an answer arriving over TLS: here it would
/// advertise a bogus capability and refuse the login, yet the login
/// succeeds over TLS with the capabilities sent inside it.
#[tokio::test]
async fn plain_text_injected_after_starttls_ok_is_ignored() {
    let Some(()) = dovecot() else { return };
    let acceptor = tls_acceptor();
    let (port, server) = fake_server(|stream| async move {
        let stream = answer_starttls(stream, GREETING_WITH_STARTTLS, |tag| {
            // A client starts numbering afresh after the handshake, so this
            // tag would be the one of its LOGIN.
            format!(
                "{tag} OK Begin TLS\r\n* OK [CAPABILITY IMAP4rev1 INJECTED] injected\r\n\
                 {tag} NO [AUTHENTICATIONFAILED] injected\r\n"
            )
        })
        .await?;
        // Whatever the client had not read yet goes, as in a real TLS server.
        let tls = acceptor.accept(stream.into_inner()).await.unwrap();
        let mut tls = BufStream::new(tls);
        let mut commands = Vec::new();
        while let Some(line) = command(&mut tls).await {
            let tag = tag(&line);
            let reply = match line.split_whitespace().nth(1).unwrap_or("") {
                "CAPABILITY" => format!("* CAPABILITY IMAP4rev1 GENUINE\r\n{tag} OK done\r\n"),
                "LOGOUT" => format!("* BYE bye\r\n{tag} OK done\r\n"),
                _ => format!("{tag} OK done\r\n"),
            };
            commands.push(line);
            tls.write_all(reply.as_bytes()).await.unwrap();
            tls.flush().await.unwrap();
        }
        let login = commands.first().expect("a command over TLS");
        assert!(
            login.contains("LOGIN") && login.contains(PASSWORD),
            "{login}"
        );
        None
    })
    .await;
    let info = check_login(port, TlsMode::StartTls)
        .await
        .expect("login over TLS despite the injected text");
    assert!(info.capabilities.iter().any(|c| c == "GENUINE"), "{info:?}");
    assert!(
        !info.capabilities.iter().any(|c| c == "INJECTED"),
        "{info:?}"
    );
    let wire = server.await.unwrap();
    assert!(!contains(&wire, PASSWORD.as_bytes()), "password in clear");
    assert!(!contains(&wire, b"LOGIN"), "login in clear");
}

/// A TLS server with the Dovecot test peer's certificate.
fn tls_acceptor() -> tokio_rustls::TlsAcceptor {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let key_file = server_dir().join("ssl/key.pem");
    let certs = CertificateDer::pem_file_iter(cert())
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .expect("the Dovecot test peer's certificate (start the peer)");
    let key = PrivateKeyDer::from_pem_file(&key_file).expect("the Dovecot test peer's key");
    let config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    tokio_rustls::TlsAcceptor::from(Arc::new(config))
}

#[tokio::test]
async fn a_tls_1_1_server_is_refused() {
    let Some(()) = dovecot() else { return };
    let (port, mut openssl) = openssl_tls_1_1_server();
    let result = check_login(port, TlsMode::Implicit).await;
    let _ = openssl.kill();
    let _ = openssl.wait();
    let text = assert_tls_error(result);
    assert!(text.contains("ProtocolVersion"), "{text}");
}

/// `openssl s_server` speaking only TLS 1.1 (OpenSSL 3 allows it at
/// security level 0 only), serving the Dovecot test peer's certificate.
fn openssl_tls_1_1_server() -> (u16, Child) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .unwrap()
        .port();
    let dir = server_dir().join("ssl");
    let mut child = Command::new("openssl")
        .args(["s_server", "-naccept", "1", "-tls1_1"])
        .args(["-cipher", "DEFAULT@SECLEVEL=0"])
        .args(["-accept", &format!("127.0.0.1:{port}")])
        .arg("-cert")
        .arg(dir.join("cert.pem"))
        .arg("-key")
        .arg(dir.join("key.pem"))
        // s_server quits when its standard input ends: keep it open.
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the openssl command (Debian package openssl)");
    let stdout = child.stdout.take().unwrap();
    let (ready, accepting) = std::sync::mpsc::channel();
    // Reads its output to the end, so that it never blocks on a full pipe.
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if line == "ACCEPT" {
                let _ = ready.send(());
            }
        }
    });
    accepting
        .recv_timeout(Duration::from_secs(10))
        .expect("openssl s_server starts listening");
    (port, child)
}
