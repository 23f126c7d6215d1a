//! Connecting: TLS modes, certificate trust, credentials.

use inbox_connector_api::ConnectorError;
use inbox_connector_imap::{ImapConnector, TlsMode};
use secrecy::SecretString;

use crate::util::{Admin, PLAIN_PORT, dovecot, prefix, settings};

#[tokio::test]
async fn implicit_tls_with_the_ca_file_logs_in_and_lists_folders() {
    let Some(()) = dovecot() else { return };
    let prefix = prefix("login");
    let mut admin = Admin::connect(&prefix).await;
    admin.create("a").await;
    admin.create("a/b").await;
    // A level that only exists as a parent is not selectable and not listed.
    admin.create("p/q").await;
    // Non-ASCII names travel in modified UTF-7 and are shown decoded.
    admin.create("Entw&APw-rfe").await;
    let info = ImapConnector::new(settings(&prefix))
        .check_login()
        .await
        .expect("login over implicit TLS");
    assert!(info.capabilities.iter().any(|c| c == "IDLE"), "{info:?}");
    assert!(
        info.capabilities.iter().any(|c| c == "CONDSTORE"),
        "{info:?}"
    );
    let names: Vec<&str> = info.folders.iter().map(|f| f.name.as_str()).collect();
    let expected = ["Entwürfe", "a", "a/b", "p/q"].map(|name| format!("{prefix}/{name}"));
    assert_eq!(names, expected);
    admin.cleanup().await;
}

#[tokio::test]
async fn special_use_folders_are_marked() {
    let Some(()) = dovecot() else { return };
    let mut everything = settings("none");
    everything.include = vec!["Sent".into(), "Trash".into()];
    let info = ImapConnector::new(everything).check_login().await.unwrap();
    let uses: Vec<(&str, Option<&str>)> = info
        .folders
        .iter()
        .map(|f| (f.name.as_str(), f.special_use.as_deref()))
        .collect();
    assert_eq!(uses, [("Sent", Some("\\Sent")), ("Trash", Some("\\Trash"))]);
}

#[tokio::test]
async fn starttls_logs_in() {
    let Some(()) = dovecot() else { return };
    let mut starttls = settings("none");
    starttls.port = PLAIN_PORT;
    starttls.tls = TlsMode::StartTls;
    ImapConnector::new(starttls)
        .check_login()
        .await
        .expect("login over STARTTLS");
}

#[tokio::test]
async fn an_untrusted_certificate_is_refused_with_advice() {
    let Some(()) = dovecot() else { return };
    for (port, tls) in [(10993, TlsMode::Implicit), (PLAIN_PORT, TlsMode::StartTls)] {
        let mut untrusted = settings("none");
        untrusted.port = port;
        untrusted.tls = tls;
        untrusted.tls_ca_file = None;
        let error = ImapConnector::new(untrusted)
            .check_login()
            .await
            .unwrap_err();
        assert!(matches!(error, ConnectorError::Tls(_)), "{error:?}");
        let text = error.to_string();
        assert!(
            text.contains("not trusted") && text.contains("tls_ca_file"),
            "{text}"
        );
    }
}

#[tokio::test]
async fn a_wrong_password_is_an_auth_error_without_the_password() {
    let Some(()) = dovecot() else { return };
    let mut wrong = settings("none");
    wrong.password = SecretString::from("s3cret-Wr0ng");
    let error = ImapConnector::new(wrong).check_login().await.unwrap_err();
    assert!(matches!(error, ConnectorError::Auth(_)), "{error:?}");
    let text = error.to_string();
    assert!(
        text.contains("alice") && text.contains("Authentication failed"),
        "{text}"
    );
    assert!(!text.contains("s3cret-Wr0ng"), "{text}");
}

#[tokio::test]
async fn a_closed_port_is_a_network_error_naming_the_address() {
    let Some(()) = dovecot() else { return };
    let mut closed = settings("none");
    closed.port = 1;
    let error = ImapConnector::new(closed).check_login().await.unwrap_err();
    assert!(matches!(error, ConnectorError::Network(_)), "{error:?}");
    assert!(error.to_string().contains("127.0.0.1:1"), "{error}");
}

#[tokio::test]
async fn a_plain_port_with_implicit_tls_is_a_tls_error() {
    let Some(()) = dovecot() else { return };
    let mut mismatched = settings("none");
    mismatched.port = PLAIN_PORT;
    let error = ImapConnector::new(mismatched)
        .check_login()
        .await
        .unwrap_err();
    assert!(matches!(error, ConnectorError::Tls(_)), "{error:?}");
}
