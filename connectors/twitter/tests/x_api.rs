//! The X connector against a local server that answers in the documented
//! X API v2 shapes.

mod deletion;
mod support;

use std::collections::HashMap;
use std::num::NonZeroU64;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use inbox_connector_api::dm::EventKind;
use inbox_connector_api::testing::{RecordingSink, check_conformance};
use inbox_connector_api::{Change, Connector, ConnectorError, Cursor, Location, SourceKind};
use inbox_connector_x::{RateLimit, XConnector, XCredentials, XSettings};
use serde_json::json;
use wiremock::matchers::{body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use support::*;

async fn three_page_server() -> MockServer {
    let server = MockServer::start().await;
    let [first, second, third] = three_pages();
    serve_page(&server, None, first).await;
    serve_page(&server, Some("p2"), second).await;
    serve_page(&server, Some("p3"), third).await;
    server
}

#[tokio::test]
async fn three_pages_deliver_every_event_once_with_users_resolved() {
    let server = three_page_server().await;
    let mut sink = RecordingSink::new(100);
    let mut connector = oauth1_connector(&server);
    assert_eq!(connector.kind(), SourceKind::X);
    connector
        .sync(&Cursor::default(), &mut sink)
        .await
        .expect("sync");

    let messages = delivered(&sink);
    let ids: Vec<String> = messages.iter().map(|m| m.id.clone()).collect();
    let expected: Vec<String> = (101..=109).rev().map(id).collect();
    assert_eq!(ids, expected);
    assert!(sink.redelivered().is_empty());
    assert!(sink.warnings().is_empty(), "{:?}", sink.warnings());

    for item in sink.new_items() {
        assert_eq!(item.source, SourceKind::X);
        let message: inbox_connector_api::dm::DirectMessage =
            serde_json::from_slice(&item.bytes).unwrap();
        assert_eq!(item.location.folder, message.conversation_id);
        assert_eq!(item.location.remote_id, message.id);
        assert!(item.received.is_some());
        assert!(
            message.sender.username.is_some(),
            "{} has an unresolved sender",
            message.id
        );
    }
    let by_id: HashMap<String, _> = messages.into_iter().map(|m| (m.id.clone(), m)).collect();

    let join = &by_id[&id(108)];
    assert_eq!(join.kind, EventKind::ParticipantsJoin);
    assert_eq!(join.conversation_id, GROUP);
    assert_eq!(join.sender.username.as_deref(), Some("dee"));
    let leave = &by_id[&id(106)];
    assert_eq!(leave.kind, EventKind::ParticipantsLeave);
    assert_eq!(leave.sender.name.as_deref(), Some("Cy Cole"));

    let with_media = &by_id[&id(107)];
    assert_eq!(with_media.text, "look at this https://t.co/abc");
    assert_eq!(with_media.sender.username.as_deref(), Some("bo"));
    let members: Vec<&str> = with_media
        .participants
        .iter()
        .map(|u| u.username.as_deref().unwrap_or("?"))
        .collect();
    assert_eq!(members, ["bo", "ann"]);
    assert_eq!(with_media.attachments.len(), 1);
    assert_eq!(with_media.attachments[0].media_type, "photo");
    assert_eq!(with_media.attachments[0].width, Some(1200));
    assert_eq!(with_media.referenced_posts, ["1581111111111111111"]);

    let founding = &by_id[&id(102)];
    let members: Vec<&str> = founding
        .participants
        .iter()
        .map(|u| u.id.as_str())
        .collect();
    assert_eq!(members, ["100", "200", "300"]);

    // Pages 1 and 2 carry the old (empty) cursor; only the last one moves it.
    let cursors: Vec<&str> = sink.batches().iter().map(|b| b.cursor.0.as_str()).collect();
    let newest = format!(r#"{{"newest":"{}"}}"#, id(109));
    assert_eq!(cursors, ["", "", newest.as_str()]);
    assert_eq!(requests_to(&server, DM_EVENTS).await, 3);

    let first = &server.received_requests().await.unwrap()[0];
    let query: HashMap<String, String> = first.url.query_pairs().into_owned().collect();
    assert_eq!(query["max_results"], "100");
    assert_eq!(
        query["expansions"],
        "sender_id,participant_ids,attachments.media_keys"
    );
    assert_eq!(query["user.fields"], "id,name,username");
    assert!(query["dm_event.fields"].contains("dm_conversation_id"));
    assert!(query["media.fields"].contains("preview_image_url"));
}

#[tokio::test]
async fn second_sync_fetches_only_new_events_and_stops_at_the_cursor() {
    let server = three_page_server().await;
    let mut sink = RecordingSink::new(100);
    oauth1_connector(&server)
        .sync(&Cursor::default(), &mut sink)
        .await
        .expect("first sync");
    let cursor = sink.cursor().clone();

    server.reset().await;
    serve_page(
        &server,
        None,
        page(
            vec![
                message(111, ONE_TO_ONE, "200", "newer"),
                message(110, GROUP, "100", "new"),
            ],
            &["200", "100"],
            Some("q2"),
        ),
    )
    .await;
    serve_page(
        &server,
        Some("q2"),
        page(
            vec![
                message(109, GROUP, "400", "hello all"),
                membership(108, "ParticipantsJoin", "400"),
            ],
            &["400"],
            Some("q3"),
        ),
    )
    .await;
    page_mock(Some("q3"))
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&server)
        .await;

    sink.clear_log();
    oauth1_connector(&server)
        .sync(&cursor, &mut sink)
        .await
        .expect("second sync");
    let ids: Vec<String> = delivered(&sink).into_iter().map(|m| m.id).collect();
    assert_eq!(ids, [id(111), id(110)]);
    assert_eq!(sink.cursor().0, format!(r#"{{"newest":"{}"}}"#, id(111)));
    assert_eq!(sink.stored().len(), 11);
    assert_eq!(requests_to(&server, DM_EVENTS).await, 2);

    // Nothing new: one request, nothing delivered, the cursor stays.
    sink.clear_log();
    let cursor = sink.cursor().clone();
    server.reset().await;
    serve_page(
        &server,
        None,
        page(
            vec![message(111, ONE_TO_ONE, "200", "newer")],
            &["200"],
            Some("r2"),
        ),
    )
    .await;
    oauth1_connector(&server)
        .sync(&cursor, &mut sink)
        .await
        .expect("third sync");
    assert_eq!(sink.changes().count(), 0);
    assert_eq!(sink.cursor(), &cursor);
    assert_eq!(requests_to(&server, DM_EVENTS).await, 1);
}

#[tokio::test]
async fn an_account_without_events_stores_an_empty_cursor() {
    let server = MockServer::start().await;
    serve_page(&server, None, json!({ "meta": { "result_count": 0 } })).await;
    let mut sink = RecordingSink::new(100);
    oauth1_connector(&server)
        .sync(&Cursor::default(), &mut sink)
        .await
        .expect("sync");
    assert_eq!(sink.batches().len(), 1);
    assert_eq!(sink.changes().count(), 0);
    assert_eq!(sink.cursor(), &Cursor::default());
}

#[tokio::test]
async fn the_connector_follows_the_sink_contract() {
    let server = three_page_server().await;
    let report = check_conformance(|| oauth1_connector(&server), 2)
        .await
        .expect("conformance");
    assert_eq!(report.items, 9);
    assert_eq!(report.warnings, 0);
}

#[tokio::test]
async fn unreadable_events_are_skipped_with_a_warning() {
    let server = MockServer::start().await;
    let mut orphan = message(202, GROUP, "100", "no conversation");
    orphan.as_object_mut().unwrap().remove("dm_conversation_id");
    serve_page(
        &server,
        None,
        page(
            vec![
                message(203, GROUP, "100", "fine"),
                orphan,
                json!({ "id": id(201), "event_type": "MessageCreate", "dm_conversation_id": GROUP, "text": 5 }),
            ],
            &["100"],
            None,
        ),
    )
    .await;
    let mut sink = RecordingSink::new(100);
    oauth1_connector(&server)
        .sync(&Cursor::default(), &mut sink)
        .await
        .expect("sync");
    assert_eq!(delivered(&sink).len(), 1);
    assert_eq!(sink.warnings().len(), 2, "{:?}", sink.warnings());
    assert!(sink.warnings()[0].1.contains("dm_conversation_id"));
    assert_eq!(sink.warnings()[1].0.remote_id, id(201));
    assert_eq!(sink.cursor().0, format!(r#"{{"newest":"{}"}}"#, id(203)));
}

#[tokio::test]
async fn rate_limit_is_waited_out_until_the_reset() {
    let server = MockServer::start().await;
    let reset = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 2;
    page_mock(None)
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("x-rate-limit-limit", "15")
                .insert_header("x-rate-limit-remaining", "0")
                .insert_header("x-rate-limit-reset", reset.to_string().as_str())
                .set_body_json(error_body(429, "Too Many Requests", "Too Many Requests")),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    let next_window = reset + 900;
    page_mock(None)
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-rate-limit-limit", "15")
                .insert_header("x-rate-limit-remaining", "14")
                .insert_header("x-rate-limit-reset", next_window.to_string().as_str())
                .set_body_json(page(
                    vec![message(301, GROUP, "100", "after the wait")],
                    &["100"],
                    None,
                )),
        )
        .mount(&server)
        .await;

    let started = Instant::now();
    let mut sink = RecordingSink::new(100);
    let mut connector = oauth1_connector(&server);
    assert_eq!(connector.rate_limit(), None);
    connector
        .sync(&Cursor::default(), &mut sink)
        .await
        .expect("sync");
    assert_eq!(
        connector.rate_limit(),
        Some(RateLimit {
            limit: Some(15),
            remaining: 14,
            reset: i64::try_from(next_window).unwrap(),
        })
    );
    let retried_at = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    assert!(
        retried_at >= Duration::from_secs(reset),
        "retried before the reset"
    );
    assert!(started.elapsed() >= Duration::from_millis(900));
    assert_eq!(delivered(&sink).len(), 1);
    assert_eq!(requests_to(&server, DM_EVENTS).await, 2);
}

#[tokio::test]
async fn a_distant_rate_limit_reset_fails_the_sync_and_says_until_when() {
    let server = MockServer::start().await;
    let reset = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 3600;
    page_mock(None)
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("x-rate-limit-reset", reset.to_string().as_str())
                .set_body_json(error_body(429, "Too Many Requests", "Too Many Requests")),
        )
        .expect(1)
        .mount(&server)
        .await;
    let error = oauth1_connector(&server)
        .sync(&Cursor::default(), &mut RecordingSink::new(100))
        .await
        .unwrap_err();
    let ConnectorError::Network(text) = error else {
        panic!("expected a network error, got {error:?}");
    };
    assert!(text.contains("until") && text.contains("UTC"), "{text}");
}

#[tokio::test]
async fn unauthorized_oauth1_is_an_auth_error_after_one_request() {
    let server = MockServer::start().await;
    page_mock(None)
        .respond_with(ResponseTemplate::new(401).set_body_json(error_body(
            401,
            "Unauthorized",
            "Unauthorized",
        )))
        .expect(1)
        .mount(&server)
        .await;
    let mut sink = RecordingSink::new(100);
    let error = oauth1_connector(&server)
        .sync(&Cursor::default(), &mut sink)
        .await
        .unwrap_err();
    let ConnectorError::Auth(text) = error else {
        panic!("expected an auth error, got {error:?}");
    };
    assert!(
        text.contains("Unauthorized") && text.contains("re-authorization"),
        "{text}"
    );
    for secret in ["consumer-secret-1", "access-token-secret-1"] {
        assert!(!text.contains(secret));
    }
    assert!(sink.batches().is_empty());
}

/// Records `label` in the log whenever it answers, then serves `body`.
struct LoggedResponse {
    log: Log,
    label: &'static str,
    body: serde_json::Value,
}

impl Respond for LoggedResponse {
    fn respond(&self, _request: &Request) -> ResponseTemplate {
        self.log.lock().unwrap().push(self.label.to_owned());
        ResponseTemplate::new(200).set_body_json(self.body.clone())
    }
}

#[tokio::test]
async fn an_expired_token_is_renewed_and_saved_before_it_is_used() {
    let server = MockServer::start().await;
    let log: Log = Arc::default();
    page_mock(None)
        .and(header("authorization", "Bearer old-access"))
        .respond_with(ResponseTemplate::new(401).set_body_json(error_body(
            401,
            "Unauthorized",
            "Unauthorized",
        )))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/2/oauth2/token"))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        // Basic base64("client-1:client-secret-1").
        .and(header(
            "authorization",
            "Basic Y2xpZW50LTE6Y2xpZW50LXNlY3JldC0x",
        ))
        .and(body_string_contains("grant_type=refresh_token"))
        .and(body_string_contains("refresh_token=old-refresh"))
        .and(body_string_contains("client_id=client-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "token_type": "bearer", "expires_in": 7200, "access_token": "new-access",
            "scope": "dm.read tweet.read users.read offline.access", "refresh_token": "new-refresh"
        })))
        .expect(1)
        .mount(&server)
        .await;
    page_mock(None)
        .and(header("authorization", "Bearer new-access"))
        .respond_with(LoggedResponse {
            log: log.clone(),
            label: "GET with new-access",
            body: page(vec![message(401, GROUP, "100", "renewed")], &["100"], None),
        })
        .expect(1)
        .mount(&server)
        .await;

    let saved = Arc::new(Mutex::new(Vec::new()));
    let store = RecordingStore {
        log: log.clone(),
        saved: saved.clone(),
        refuse: false,
    };
    let credentials = XCredentials::OAuth2(oauth2_tokens(
        "old-access",
        "old-refresh",
        Some("client-secret-1"),
    ));
    let mut sink = RecordingSink::new(100);
    connector_with_store(&server, credentials, Box::new(store))
        .sync(&Cursor::default(), &mut sink)
        .await
        .expect("sync");

    assert_eq!(delivered(&sink).len(), 1);
    assert_eq!(
        saved.lock().unwrap().as_slice(),
        [oauth2_tokens(
            "new-access",
            "new-refresh",
            Some("client-secret-1")
        )]
    );
    assert_eq!(
        log.lock().unwrap().as_slice(),
        ["saved new-access", "GET with new-access"]
    );
}

#[tokio::test]
async fn a_refused_refresh_or_a_second_401_needs_re_authorization() {
    // The token endpoint refuses the refresh token: nothing is saved.
    let server = MockServer::start().await;
    page_mock(None)
        .respond_with(ResponseTemplate::new(401).set_body_json(error_body(
            401,
            "Unauthorized",
            "Unauthorized",
        )))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/2/oauth2/token"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "error": "invalid_request", "error_description": "Value passed for the token was invalid."
        })))
        .expect(1)
        .mount(&server)
        .await;
    let saved = Arc::new(Mutex::new(Vec::new()));
    let store = RecordingStore {
        log: Arc::default(),
        saved: saved.clone(),
        refuse: false,
    };
    let credentials = XCredentials::OAuth2(oauth2_tokens("old-access", "old-refresh", None));
    let error = connector_with_store(&server, credentials.clone(), Box::new(store))
        .sync(&Cursor::default(), &mut RecordingSink::new(100))
        .await
        .unwrap_err();
    let ConnectorError::Auth(text) = error else {
        panic!("expected auth, got {error:?}")
    };
    assert!(
        text.contains("token was invalid") && text.contains("authorize x"),
        "{text}"
    );
    assert!(!text.contains("old-refresh"));
    assert!(saved.lock().unwrap().is_empty());
    // A public client sends no Basic credentials.
    let token_request = server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.url.path() == "/2/oauth2/token")
        .unwrap();
    assert!(!token_request.headers.contains_key("authorization"));

    // The renewed token is refused too: one refresh only, then Auth.
    server.reset().await;
    page_mock(None)
        .respond_with(ResponseTemplate::new(401).set_body_json(error_body(
            401,
            "Unauthorized",
            "Unauthorized",
        )))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/2/oauth2/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "token_type": "bearer", "access_token": "new-access", "refresh_token": "new-refresh"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let store = RecordingStore {
        log: Arc::default(),
        saved: saved.clone(),
        refuse: false,
    };
    let error = connector_with_store(&server, credentials.clone(), Box::new(store))
        .sync(&Cursor::default(), &mut RecordingSink::new(100))
        .await
        .unwrap_err();
    assert!(matches!(error, ConnectorError::Auth(_)), "{error:?}");
    assert_eq!(saved.lock().unwrap().len(), 1);

    // A store that cannot save the renewed pair stops the sync before it is used.
    server.reset().await;
    page_mock(None)
        .respond_with(ResponseTemplate::new(401).set_body_json(error_body(
            401,
            "Unauthorized",
            "Unauthorized",
        )))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/2/oauth2/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "token_type": "bearer", "access_token": "new-access", "refresh_token": "new-refresh"
        })))
        .mount(&server)
        .await;
    let store = RecordingStore {
        log: Arc::default(),
        saved,
        refuse: true,
    };
    let error = connector_with_store(&server, credentials, Box::new(store))
        .sync(&Cursor::default(), &mut RecordingSink::new(100))
        .await
        .unwrap_err();
    let ConnectorError::Auth(text) = error else {
        panic!("expected auth, got {error:?}")
    };
    assert!(
        text.contains("vault is read-only") && !text.contains("new-access"),
        "{text}"
    );
}

#[tokio::test]
async fn a_malformed_page_stops_the_sync_and_keeps_earlier_pages() {
    let server = MockServer::start().await;
    let [first, _, _] = three_pages();
    serve_page(&server, None, first).await;
    page_mock(Some("p2"))
        .respond_with(ResponseTemplate::new(200).set_body_string(r#"{"data":[{"id":"1"#))
        .mount(&server)
        .await;

    let old = Cursor(format!(r#"{{"newest":"{}"}}"#, id(50)));
    let mut sink = RecordingSink::new(100);
    let error = oauth1_connector(&server)
        .sync(&old, &mut sink)
        .await
        .unwrap_err();
    let ConnectorError::Protocol(text) = error else {
        panic!("expected a protocol error, got {error:?}");
    };
    assert!(
        text.contains("/2/dm_events") && text.contains("EOF"),
        "{text}"
    );
    assert_eq!(delivered(&sink).len(), 3);
    assert!(sink.batches().iter().all(|batch| batch.cursor == old));

    // A page without `meta` is just as unreadable.
    server.reset().await;
    serve_page(&server, None, json!({ "data": [] })).await;
    let error = oauth1_connector(&server)
        .sync(&old, &mut RecordingSink::new(100))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, ConnectorError::Protocol(text) if text.contains("meta")),
        "{error:?}"
    );

    // Once X answers properly, the sync completes without redelivering.
    let server = three_page_server().await;
    sink.clear_log();
    oauth1_connector(&server)
        .sync(&old, &mut sink)
        .await
        .expect("resumed sync");
    assert!(sink.redelivered().is_empty());
    assert_eq!(sink.stored().len(), 9);
    assert_eq!(sink.cursor().0, format!(r#"{{"newest":"{}"}}"#, id(109)));
}

#[tokio::test]
async fn server_errors_are_retried_then_reported() {
    let server = MockServer::start().await;
    page_mock(None)
        .respond_with(ResponseTemplate::new(503).set_body_json(error_body(
            503,
            "Service Unavailable",
            "Service Unavailable",
        )))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    serve_page(
        &server,
        None,
        page(
            vec![message(501, GROUP, "100", "after a 503")],
            &["100"],
            None,
        ),
    )
    .await;
    let mut sink = RecordingSink::new(100);
    oauth1_connector(&server)
        .sync(&Cursor::default(), &mut sink)
        .await
        .expect("sync");
    assert_eq!(delivered(&sink).len(), 1);
    assert_eq!(requests_to(&server, DM_EVENTS).await, 2);

    server.reset().await;
    page_mock(None)
        .respond_with(ResponseTemplate::new(500))
        .expect(3)
        .mount(&server)
        .await;
    let error = oauth1_connector(&server)
        .sync(&Cursor::default(), &mut RecordingSink::new(100))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, ConnectorError::Network(text) if text.contains("500")),
        "{error:?}"
    );
}

#[tokio::test]
async fn an_unreachable_server_is_a_network_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let mut connector = connector_at(base, XCredentials::OAuth1(oauth1_keys()), Box::new(NoStore));
    let error = connector
        .sync(&Cursor::default(), &mut RecordingSink::new(100))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, ConnectorError::Network(text) if text.contains("cannot reach X") && text.contains("3 tries")),
        "{error:?}"
    );
}

#[tokio::test]
async fn oauth1_requests_carry_a_valid_signature() {
    let server = MockServer::start().await;
    serve_page(&server, None, page(vec![], &[], Some("p2"))).await;
    serve_page(&server, Some("p2"), page(vec![], &[], None)).await;
    oauth1_connector(&server)
        .sync(&Cursor::default(), &mut RecordingSink::new(100))
        .await
        .expect("sync");

    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 2);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let mut nonces = Vec::new();
    for request in &requests {
        let header = request.headers["authorization"].to_str().unwrap();
        let fields = oauth_fields(header);
        assert_eq!(fields["oauth_consumer_key"], "consumer-key-1");
        assert_eq!(fields["oauth_token"], "100-access-token");
        assert_eq!(fields["oauth_signature_method"], "HMAC-SHA1");
        assert_eq!(fields["oauth_version"], "1.0");
        let timestamp: u64 = fields["oauth_timestamp"].parse().unwrap();
        assert!(timestamp.abs_diff(now) < 60);
        nonces.push(fields["oauth_nonce"].clone());

        // Verify as a server would: re-sign what arrived with the same
        // nonce and timestamp, and compare.
        let keys = oauth1_keys();
        let token = oauth1_request::Token::from_parts(
            keys.consumer_key.as_str(),
            keys.consumer_secret.as_str(),
            keys.access_token.as_str(),
            keys.access_token_secret.as_str(),
        );
        let mut builder = oauth1_request::Builder::with_token(token, oauth1_request::HMAC_SHA1);
        builder
            .version(true)
            .nonce(fields["oauth_nonce"].as_str())
            .timestamp(NonZeroU64::new(timestamp));
        let params: Vec<(String, String)> = request.url.query_pairs().into_owned().collect();
        let params = oauth1_request::ParameterList::new(params);
        // The recorded URL names no port: the signed one is the server's.
        let url = format!("{}{}", server.uri(), request.url.path());
        let expected = oauth_fields(&builder.get(url.as_str(), &params));
        assert_eq!(fields["oauth_signature"], expected["oauth_signature"]);
    }
    assert_ne!(nonces[0], nonces[1]);
    assert!(
        requests[1]
            .url
            .query_pairs()
            .any(|(k, v)| k == "pagination_token" && v == "p2")
    );
}

fn oauth_fields(header: &str) -> HashMap<String, String> {
    header
        .strip_prefix("OAuth ")
        .expect("OAuth scheme")
        .split(',')
        .map(|field| {
            let (name, value) = field.trim().split_once('=').expect("name=value");
            (name.to_owned(), value.trim_matches('"').to_owned())
        })
        .collect()
}

#[tokio::test]
async fn authorization_code_is_exchanged_for_a_token_pair() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/2/oauth2/token"))
        .and(body_string_contains("grant_type=authorization_code"))
        .and(body_string_contains("code=the-code"))
        .and(body_string_contains("code_verifier=the-verifier"))
        .and(body_string_contains(
            "redirect_uri=http%3A%2F%2F127.0.0.1%3A9000%2Fcb",
        ))
        .and(body_string_contains("client_id=client-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "token_type": "bearer", "expires_in": 7200, "access_token": "a1",
            "scope": "dm.read tweet.read users.read offline.access", "refresh_token": "r1"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let tokens = inbox_connector_x::oauth2::exchange_code(
        &format!("{}/", server.uri()),
        "client-1",
        None,
        "the-code",
        "http://127.0.0.1:9000/cb",
        "the-verifier",
    )
    .await
    .expect("exchange");
    assert_eq!(tokens, oauth2_tokens("a1", "r1", None));

    server.reset().await;
    Mock::given(method("POST"))
        .and(path("/2/oauth2/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "access_token": "a1" })))
        .mount(&server)
        .await;
    let error = inbox_connector_x::oauth2::exchange_code(
        &server.uri(),
        "client-1",
        None,
        "c",
        "http://127.0.0.1:9000/cb",
        "v",
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&error, ConnectorError::Protocol(text) if text.contains("offline.access")),
        "{error:?}"
    );
}

#[tokio::test]
async fn known_events_are_not_delivered_again() {
    let server = three_page_server().await;
    let mut sink = RecordingSink::new(100);
    sink.remember(
        Location {
            folder: GROUP.into(),
            remote_id: id(105),
        },
        Default::default(),
    );
    oauth1_connector(&server)
        .sync(&Cursor::default(), &mut sink)
        .await
        .expect("sync");
    let ids: Vec<String> = sink
        .changes()
        .map(|change| match change {
            Change::New(item) => item.location.remote_id.clone(),
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(ids.len(), 8);
    assert!(!ids.contains(&id(105)));
}

#[tokio::test]
async fn plain_http_is_refused_except_to_this_machine() {
    let keys = || XCredentials::OAuth1(oauth1_keys());
    for base in [
        "http://api.example.com",
        "http://10.0.0.7:8080/",
        "http://[2001:db8::1]",
    ] {
        let settings = XSettings {
            api_base: base.to_owned(),
            credentials: keys(),
            retry: fast_retry(),
        };
        let error = XConnector::new(settings, Box::new(NoStore)).unwrap_err();
        assert!(
            matches!(&error, ConnectorError::Unsupported(text)
                if text.contains("unencrypted") && text.contains("https://")),
            "{base}: {error:?}"
        );
        let error = inbox_connector_x::oauth2::exchange_code(
            base,
            "client-1",
            None,
            "c",
            "http://127.0.0.1:9000/cb",
            "v",
        )
        .await
        .unwrap_err();
        assert!(
            matches!(&error, ConnectorError::Unsupported(text) if text.contains("unencrypted")),
            "{base}: {error:?}"
        );
    }
    for base in [
        "https://api.example.com",
        "http://localhost:9000",
        "http://127.0.0.1:9000",
        "http://127.8.0.1",
        "http://[::1]:9000",
    ] {
        connector_at(base.to_owned(), keys(), Box::new(NoStore));
    }
}
