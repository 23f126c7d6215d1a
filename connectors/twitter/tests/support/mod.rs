//! Fixtures in the documented X API v2 shapes, a mock X server, and
//! connectors aimed at it.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use inbox_connector_api::dm::DirectMessage;
use inbox_connector_api::testing::RecordingSink;
use inbox_connector_x::{
    OAuth1Keys, OAuth2Tokens, RetryPolicy, TokenStore, XConnector, XCredentials, XSettings,
};
use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub const DM_EVENTS: &str = "/2/dm_events";
pub const GROUP: &str = "1580000000000000001";
pub const ONE_TO_ONE: &str = "100-200";

/// A snowflake-like event id; larger `n` is newer.
pub fn id(n: u32) -> String {
    format!("15820000000000{n:05}")
}

pub fn user(id: &str) -> Value {
    let (name, username) = match id {
        "100" => ("Ann Archer", "ann"),
        "200" => ("Bo Brandt", "bo"),
        "300" => ("Cy Cole", "cy"),
        "400" => ("Dee Dunn", "dee"),
        _ => ("Someone", "someone"),
    };
    json!({ "id": id, "name": name, "username": username })
}

/// A `MessageCreate` event from `sender` in `conversation`.
pub fn message(n: u32, conversation: &str, sender: &str, text: &str) -> Value {
    json!({
        "id": id(n),
        "event_type": "MessageCreate",
        "text": text,
        "sender_id": sender,
        "dm_conversation_id": conversation,
        "created_at": format!("2024-05-01T10:{:02}:00.000Z", n % 60),
    })
}

/// A `ParticipantsJoin` or `ParticipantsLeave` event in the group.
pub fn membership(n: u32, event_type: &str, who: &str) -> Value {
    json!({
        "id": id(n),
        "event_type": event_type,
        "participant_ids": [who],
        "dm_conversation_id": GROUP,
        "created_at": format!("2024-05-01T10:{:02}:00.000Z", n % 60),
    })
}

/// A page body: `data`, `includes.users` (the given ids) and `meta`.
pub fn page(events: Vec<Value>, users: &[&str], next_token: Option<&str>) -> Value {
    let mut meta = json!({ "result_count": events.len() });
    if let Some(token) = next_token {
        meta["next_token"] = json!(token);
    }
    json!({
        "data": events,
        "includes": { "users": users.iter().map(|id| user(id)).collect::<Vec<_>>() },
        "meta": meta,
    })
}

/// The account's history: three pages, newest first, with a one-to-one
/// conversation and a group where Dee joins and Cy leaves.
pub fn three_pages() -> [Value; 3] {
    let mut with_media = message(107, ONE_TO_ONE, "200", "look at this https://t.co/abc");
    with_media["attachments"] = json!({ "media_keys": ["3_1582"] });
    with_media["referenced_tweets"] = json!([{ "id": "1581111111111111111" }]);
    let mut first = page(
        vec![
            message(109, GROUP, "400", "hello all"),
            membership(108, "ParticipantsJoin", "400"),
            with_media,
        ],
        &["400", "200", "100"],
        Some("p2"),
    );
    first["includes"]["media"] = json!([{
        "media_key": "3_1582", "type": "photo",
        "url": "https://pbs.twimg.com/media/x.jpg", "width": 1200, "height": 800
    }]);
    let mut founding = message(102, GROUP, "100", "new group");
    founding["participant_ids"] = json!(["100", "200", "300"]);
    [
        first,
        page(
            vec![
                membership(106, "ParticipantsLeave", "300"),
                message(105, GROUP, "300", "bye"),
                message(104, ONE_TO_ONE, "100", "see you"),
            ],
            &["300", "100"],
            Some("p3"),
        ),
        page(
            vec![
                message(103, GROUP, "200", "hi group"),
                founding,
                message(101, ONE_TO_ONE, "200", "first!"),
            ],
            &["200", "100", "300"],
            None,
        ),
    ]
}

/// Serves `body` for the page requested with `token` (`None`: the first page).
pub async fn serve_page(server: &MockServer, token: Option<&str>, body: Value) {
    page_mock(token)
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(server)
        .await;
}

/// A GET of the DM events page with `token` (`None`: the first page).
pub fn page_mock(token: Option<&str>) -> wiremock::MockBuilder {
    let mock = Mock::given(method("GET")).and(path(DM_EVENTS));
    match token {
        Some(token) => mock.and(query_param("pagination_token", token)),
        None => mock.and(query_param_is_missing("pagination_token")),
    }
}

/// An X error body.
pub fn error_body(status: u16, title: &str, detail: &str) -> Value {
    json!({ "title": title, "detail": detail, "type": "about:blank", "status": status })
}

pub fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        attempts: 3,
        base_delay: Duration::from_millis(10),
        max_rate_limit_wait: Duration::from_secs(5),
    }
}

pub fn oauth1_keys() -> OAuth1Keys {
    OAuth1Keys {
        consumer_key: "consumer-key-1".into(),
        consumer_secret: "consumer-secret-1".into(),
        access_token: "100-access-token".into(),
        access_token_secret: "access-token-secret-1".into(),
    }
}

pub fn oauth2_tokens(access: &str, refresh: &str, secret: Option<&str>) -> OAuth2Tokens {
    OAuth2Tokens {
        access_token: access.into(),
        refresh_token: refresh.into(),
        client_id: "client-1".into(),
        client_secret: secret.map(str::to_owned),
    }
}

/// A shared, ordered log of what happened (token saves, requests seen).
pub type Log = Arc<Mutex<Vec<String>>>;

/// A [`TokenStore`] that records each save (as `saved <access token>`) and
/// can be made to refuse.
pub struct RecordingStore {
    pub log: Log,
    pub saved: Arc<Mutex<Vec<OAuth2Tokens>>>,
    pub refuse: bool,
}

impl TokenStore for RecordingStore {
    fn save(&self, tokens: &OAuth2Tokens) -> Result<(), String> {
        if self.refuse {
            return Err("vault is read-only".into());
        }
        self.saved.lock().unwrap().push(tokens.clone());
        self.log
            .lock()
            .unwrap()
            .push(format!("saved {}", tokens.access_token));
        Ok(())
    }
}

/// A store for connectors whose tokens are never renewed.
pub struct NoStore;

impl TokenStore for NoStore {
    fn save(&self, _tokens: &OAuth2Tokens) -> Result<(), String> {
        Err("no token store in this test".into())
    }
}

pub fn connector(server: &MockServer, credentials: XCredentials) -> XConnector {
    connector_with_store(server, credentials, Box::new(NoStore))
}

pub fn connector_with_store(
    server: &MockServer,
    credentials: XCredentials,
    store: Box<dyn TokenStore>,
) -> XConnector {
    // A trailing slash is tolerated.
    connector_at(format!("{}/", server.uri()), credentials, store)
}

pub fn connector_at(
    api_base: String,
    credentials: XCredentials,
    store: Box<dyn TokenStore>,
) -> XConnector {
    XConnector::new(
        XSettings {
            api_base,
            credentials,
            retry: fast_retry(),
        },
        store,
    )
    .expect("connector")
}

pub fn oauth1_connector(server: &MockServer) -> XConnector {
    connector(server, XCredentials::OAuth1(oauth1_keys()))
}

/// Every stored direct message, decoded, in delivery order.
pub fn delivered(sink: &RecordingSink) -> Vec<DirectMessage> {
    sink.new_items()
        .map(|item| serde_json::from_slice(&item.bytes).expect("items are DirectMessage JSON"))
        .collect()
}

/// How many requests reached `path`.
pub async fn requests_to(server: &MockServer, path: &str) -> usize {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|request| request.url.path() == path)
        .count()
}
