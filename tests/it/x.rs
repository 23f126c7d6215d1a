//! X direct messages end to end: a local server answering as the X API v2
//! does (`GET /2/dm_events`, `POST /2/oauth2/token`, shapes from the public
//! documentation), `inbox sync`, then search, threads and the API.

use std::path::{Path, PathBuf};
use std::process::Output;

use inbox::api::{Api, Methods};
use inbox::home::Home;
use inbox::rpc::requests::{GetThreadParams, SearchParams};
use inbox_vault::{Key, Vault};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use wiremock::matchers::{
    body_string_contains, header, method, path, query_param, query_param_is_missing,
};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::accounts::vault_inbox;
use crate::util::TestInbox;

const PASSPHRASE: &str = "vault-passphrase-7f3a9c1e";
pub(crate) const ACCESS: &str = "x-access-1f0e";
const REFRESH: &str = "x-refresh-9c2d";

/// A user object of `includes.users`.
fn user(id: &str, username: &str, name: &str) -> Value {
    json!({"id": id, "username": username, "name": name})
}

fn users() -> Value {
    json!([
        user("100", "alice_dev", "Alice Example"),
        user("200", "bob", "Bob Builder"),
        user("300", "carol", "Carol"),
    ])
}

/// First page: newest events first, as X lists them.
fn first_page() -> Value {
    json!({
        "data": [
            {"id": "1005", "event_type": "MessageCreate", "text": "see you at 5 @bob",
             "dm_conversation_id": "100-300", "created_at": "2024-05-02T10:00:00.000Z",
             "sender_id": "300"},
            {"id": "1004", "event_type": "MessageCreate", "text": "lunch? https://t.co/xyz",
             "dm_conversation_id": "100-300", "created_at": "2024-05-02T09:00:00.000Z",
             "sender_id": "100"},
            {"id": "1003", "event_type": "MessageCreate", "text": "the release is out",
             "dm_conversation_id": "group-77", "created_at": "2024-05-01T12:00:00.000Z",
             "sender_id": "200", "participant_ids": ["100", "200", "300"]},
        ],
        "includes": {"users": users()},
        "meta": {"result_count": 3, "next_token": "PAGE2"}
    })
}

fn second_page() -> Value {
    json!({
        "data": [
            {"id": "1002", "event_type": "MessageCreate", "text": "kickoff notes attached",
             "dm_conversation_id": "group-77", "created_at": "2024-05-01T11:00:00.000Z",
             "sender_id": "100", "participant_ids": ["100", "200", "300"]},
            {"id": "1001", "event_type": "ParticipantsJoin",
             "dm_conversation_id": "group-77", "created_at": "2024-05-01T10:00:00.000Z",
             "sender_id": "200", "participant_ids": ["200"]},
        ],
        "includes": {"users": users()},
        "meta": {"result_count": 2}
    })
}

/// A mock X API serving the two pages to `token`.
pub(crate) async fn x_server(token: &str) -> MockServer {
    let server = MockServer::start().await;
    let bearer = format!("Bearer {token}");
    Mock::given(method("GET"))
        .and(path("/2/dm_events"))
        .and(header("authorization", bearer.as_str()))
        .and(query_param_is_missing("pagination_token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(first_page()))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/2/dm_events"))
        .and(header("authorization", bearer.as_str()))
        .and(query_param("pagination_token", "PAGE2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(second_page()))
        .mount(&server)
        .await;
    server
}

/// The X API's answer to a request with a token it does not accept.
fn unauthorized() -> ResponseTemplate {
    ResponseTemplate::new(401).set_body_json(json!({
        "title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"
    }))
}

/// A mock X API that refuses every token and every refresh.
async fn refusing_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(path("/2/dm_events"))
        .respond_with(unauthorized())
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/2/oauth2/token"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "error": "invalid_request",
            "error_description": "Value passed for the token was invalid."
        })))
        .mount(&server)
        .await;
    server
}

/// An inbox with X account `me` (OAuth 2.0) talking to `api_base`.
pub(crate) fn x_inbox(api_base: &str) -> (TestInbox, PathBuf) {
    let (inbox, passphrase) = vault_inbox();
    add_x_account(&inbox, &passphrase, "me", api_base);
    (inbox, passphrase)
}

/// Adds X account `name` (OAuth 2.0) talking to `api_base`.
fn add_x_account(inbox: &TestInbox, passphrase: &Path, name: &str, api_base: &str) {
    let out = inbox.run_with_input(
        &[
            "account",
            "add",
            "x",
            name,
            "--client-id",
            "client-1",
            "--api-base",
            api_base,
            "--tokens-stdin",
        ],
        &format!("access_token={ACCESS}\nrefresh_token={REFRESH}\n"),
        &[("INBOX_PASSPHRASE_FILE", passphrase.as_os_str())],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

pub(crate) fn sync(inbox: &TestInbox, passphrase: &Path) -> Output {
    inbox.run_with_input(
        &["sync", "me"],
        "",
        &[("INBOX_PASSPHRASE_FILE", passphrase.as_os_str())],
    )
}

fn vault_secret(inbox: &TestInbox, field: &str) -> Option<String> {
    let key = Key::Passphrase(SecretString::from(PASSPHRASE));
    let vault = Vault::open(&inbox.home().join("vault.age"), key).expect("open vault");
    vault.get("me", field).map(|s| s.expose_secret().to_owned())
}

fn ids(inbox: &TestInbox, query: &str) -> Vec<String> {
    (inbox.ok(&["search", query]).lines())
        .filter_map(|line| line.split_whitespace().next().map(str::to_owned))
        .collect()
}

#[test]
fn direct_messages_are_synced_searchable_and_threaded_per_conversation() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let server = runtime.block_on(x_server(ACCESS));
    let (inbox, passphrase) = x_inbox(&server.uri());

    let out = sync(&inbox, &passphrase);
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(printed.contains("me: 5 new"), "{printed}");

    assert_eq!(inbox.count("source:x"), 5);
    assert_eq!(inbox.count("from:@alice_dev"), 2);
    assert_eq!(inbox.count("from:@carol"), 1);
    assert_eq!(
        inbox.count("to:@carol"),
        3,
        "two group messages and the one from alice"
    );
    assert_eq!(inbox.count("@bob"), 4, "sender, recipient or mention");
    assert_eq!(inbox.count("\"release is out\" from:\"Bob Builder\""), 1);
    assert_eq!(inbox.count("joined"), 1);

    // One thread per conversation, whatever the order the events came in.
    let group = ids(&inbox, "source:x release");
    let thread: Value =
        serde_json::from_str(&inbox.ok(&["thread", "--json", &group[0]])).expect("thread JSON");
    let events = thread.as_array().expect("a list");
    assert_eq!(events.len(), 3, "{thread}");
    assert!(events.iter().all(|m| m["thread"] == events[0]["thread"]));
    let one_to_one = ids(&inbox, "from:@carol");
    let pair: Value =
        serde_json::from_str(&inbox.ok(&["thread", "--json", &one_to_one[0]])).expect("JSON");
    assert_eq!(pair.as_array().map(Vec::len), Some(2), "{pair}");
    let thread_no = pair[0]["thread"].as_i64().expect("thread number");
    assert_eq!(inbox.count(&format!("thread:{thread_no}")), 2);

    // The same through the API the daemon serves.
    let api = Api::open(&Home::at(&inbox.home())).expect("api");
    let found = api
        .search(&SearchParams::new("from:@alice_dev"))
        .expect("search");
    assert_eq!(found.total, 2);
    let hit = &found.messages[0];
    assert_eq!(hit.summary.source, "x");
    assert!(
        hit.summary
            .from
            .as_deref()
            .unwrap_or_default()
            .contains("@alice_dev"),
        "{:?}",
        hit.summary.from
    );
    let group_thread = api
        .get_thread(&GetThreadParams {
            id: group[0].parse().expect("id"),
        })
        .expect("thread");
    assert_eq!(group_thread.len(), 3);
    assert!(
        group_thread
            .iter()
            .all(|m| m.thread == group_thread[0].thread)
    );

    // A second sync stores nothing new.
    let again = sync(&inbox, &passphrase);
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert_eq!(inbox.count("source:x"), 5);
}

#[test]
fn a_rejected_token_stops_the_account_asking_for_re_authorization() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let server = runtime.block_on(refusing_server());
    let (inbox, passphrase) = x_inbox(&server.uri());
    let out = sync(&inbox, &passphrase);
    let errors = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{errors}");
    assert!(errors.contains("needs re-authorization"), "{errors}");
    assert!(errors.contains("inbox account authorize x me"), "{errors}");
    assert_eq!(
        vault_secret(&inbox, "access_token").as_deref(),
        Some(ACCESS)
    );
}

#[test]
fn an_expired_token_is_refreshed_and_the_new_pair_kept_in_the_vault() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let server = runtime.block_on(x_server("x-access-renewed"));
    runtime.block_on(async {
        Mock::given(path("/2/dm_events"))
            .and(header("authorization", format!("Bearer {ACCESS}").as_str()))
            .respond_with(unauthorized())
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path("/2/oauth2/token"))
            .and(body_string_contains("grant_type=refresh_token"))
            .and(body_string_contains(
                format!("refresh_token={REFRESH}").as_str(),
            ))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "token_type": "bearer",
                "expires_in": 7200,
                "access_token": "x-access-renewed",
                "scope": "dm.read tweet.read users.read offline.access",
                "refresh_token": "x-refresh-renewed"
            })))
            .mount(&server)
            .await;
    });
    let (inbox, passphrase) = x_inbox(&server.uri());
    let out = sync(&inbox, &passphrase);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(inbox.count("source:x"), 5);
    assert_eq!(
        vault_secret(&inbox, "access_token").as_deref(),
        Some("x-access-renewed")
    );
    assert_eq!(
        vault_secret(&inbox, "refresh_token").as_deref(),
        Some("x-refresh-renewed")
    );
}

#[test]
fn account_test_says_whose_tokens_they_are() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let server = runtime.block_on(MockServer::start());
    runtime.block_on(
        Mock::given(method("GET"))
            .and(path("/2/users/me"))
            .and(header("authorization", format!("Bearer {ACCESS}").as_str()))
            .and(query_param("user.fields", "id,name,username"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "data": {"id": "2244994945", "name": "Alice Dev", "username": "alice_dev"}
            })))
            .mount(&server),
    );
    let (inbox, passphrase) = x_inbox(&server.uri());
    let out = inbox.run_with_input(
        &["account", "test", "me"],
        "",
        &[("INBOX_PASSPHRASE_FILE", passphrase.as_os_str())],
    );
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        printed.contains("as @alice_dev (Alice Dev), user id 2244994945"),
        "{printed}"
    );
}

#[test]
fn the_daemon_polls_x_accounts_and_stops_one_whose_token_is_refused() {
    use crate::daemon_process::{call, eventually, signal, wait_exit};
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let good = runtime.block_on(x_server(ACCESS));
    let refusing = runtime.block_on(refusing_server());
    let (inbox, passphrase) = x_inbox(&good.uri());
    add_x_account(&inbox, &passphrase, "revoked", &refusing.uri());
    let log = inbox.home().join("../inboxd.log");
    let mut daemon = std::process::Command::new(env!("CARGO_BIN_EXE_inboxd"))
        .env("INBOX_HOME", inbox.home())
        .env("INBOX_PASSPHRASE_FILE", &passphrase)
        .env("RUST_LOG", "info")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(&log).expect("log file"))
        .spawn()
        .expect("start inboxd");
    let socket = Home::at(&inbox.home()).socket_path();
    eventually("the socket", || {
        std::os::unix::net::UnixStream::connect(&socket)
            .ok()
            .map(|_| ())
    });
    let status = eventually("both accounts settled", || {
        let status = call(&runtime, &socket, "account_status", json!({}));
        let settled = status
            .as_array()?
            .iter()
            .all(|account| account["last_sync"].is_string() || account["state"] == "stopped");
        settled.then_some(status)
    });
    let log_text = std::fs::read_to_string(&log).unwrap_or_default();
    let by_name = |name: &str| {
        status
            .as_array()
            .unwrap()
            .iter()
            .find(|account| account["name"] == name)
            .unwrap_or_else(|| panic!("no {name} in {status}"))
            .clone()
    };
    let me = by_name("me");
    assert_eq!(
        (me["kind"].as_str(), me["state"].as_str()),
        (Some("x"), Some("idle")),
        "{status}\n{log_text}"
    );
    let revoked = by_name("revoked");
    assert_eq!(revoked["state"], "stopped", "{status}");
    let error = revoked["last_error"].as_str().unwrap_or_default();
    assert!(
        error.contains("inbox account authorize x revoked"),
        "{error}"
    );
    assert_eq!(
        call(&runtime, &socket, "count", json!({"query": "source:x"})),
        5
    );
    // A stopped account is not retried: the refusing server saw one sync's requests only.
    let asked = runtime
        .block_on(refusing.received_requests())
        .unwrap_or_default()
        .len();
    std::thread::sleep(std::time::Duration::from_secs(3));
    let later = runtime
        .block_on(refusing.received_requests())
        .unwrap_or_default()
        .len();
    assert_eq!(asked, later, "the stopped account was retried");
    assert!(
        !log_text.contains(ACCESS) && !log_text.contains(REFRESH),
        "a token in the log"
    );
    signal(&daemon, "-TERM");
    assert_eq!(wait_exit(&mut daemon).code(), Some(0));
}

#[test]
fn plain_http_to_another_machine_is_refused() {
    let (inbox, passphrase) = vault_inbox();
    let env = [("INBOX_PASSPHRASE_FILE", passphrase.as_os_str())];
    let add = |api_base: &str| {
        let args = [
            "account",
            "add",
            "x",
            "me",
            "--client-id",
            "client-1",
            "--api-base",
            api_base,
            "--tokens-stdin",
        ];
        inbox.run_with_input(
            &args,
            &format!("access_token={ACCESS}\nrefresh_token={REFRESH}\n"),
            &env,
        )
    };
    let refused = add("http://api.example.com");
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success());
    assert!(
        said.contains("unencrypted") && said.contains("https://"),
        "{said}"
    );
    let config = inbox.home().join("config.toml");
    assert!(
        !std::fs::read_to_string(&config)
            .unwrap_or_default()
            .contains("[accounts.me]")
    );
    assert_eq!(vault_secret(&inbox, "access_token"), None);

    // A configuration edited by hand is refused before anything is sent.
    assert!(add("https://api.example.com").status.success());
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        text.replace("https://api.example.com", "http://api.example.com"),
    )
    .unwrap();
    for args in [&["account", "test", "me"][..], &["sync", "me"]] {
        let out = inbox.run_with_input(args, "", &env);
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success());
        assert!(said.contains("unencrypted"), "{args:?}: {said}");
    }
}
