//! The API on a small inbox: a few corpus messages plus crafted ones whose
//! content the assertions know.

use std::path::Path;

use base64::Engine;
use inbox_connector_api::testing::corpus;
use inbox_connector_maildir::MaildirConnector;

use super::*;
use crate::index::Index;
use crate::rpc::requests::SortParam;
use crate::sync::sync_account;

/// Corpus messages imported next to the crafted ones.
const CORPUS_MESSAGES: usize = 30;

const HTML_MESSAGE: &str = "From: Web Shop <news@shop.example>\nTo: me@example.org\n\
Subject: Offers\nMessage-ID: <html-1@shop.example>\nDate: Mon, 1 Jul 2024 10:00:00 +0000\n\
MIME-Version: 1.0\nContent-Type: text/html; charset=utf-8\n\n\
<html><head><style>p{color:red}</style></head><body>\
<p onclick=\"steal()\">Big <b>zebra</b> sale</p><script>alert('x')</script>\
<p>Caf&eacute; cr&egrave;me &mdash; l&rsquo;offre</p>\
<a href=\"javascript:alert(1)\">click</a><img src=\"https://tracker.example/pixel.gif\">\
<a href=\"https://shop.example/zebra\">shop</a></body></html>\n";

/// Two messages of one thread (the reply first on disk) and an unrelated one.
const TEXT_MESSAGES: [(&str, &str); 3] = [
    (
        "reply",
        "From: Bob <bob@example.org>\nTo: alice@example.org\nSubject: Re: quarterly budget\n\
         Message-ID: <b2@example.org>\nIn-Reply-To: <b1@example.org>\n\
         Date: Tue, 2 Jul 2024 09:00:00 +0000\n\nThanks, the budget report looks fine.\n",
    ),
    (
        "original",
        "From: Alice <alice@example.org>\nTo: bob@example.org\nSubject: quarterly budget\n\
         Message-ID: <b1@example.org>\nDate: Mon, 1 Jul 2024 09:00:00 +0000\n\n\
         Hello Bob,\n\nattached is the quarterly Budget Report for review.\nAlice\n",
    ),
    (
        "other",
        "From: Carol <carol@example.org>\nTo: alice@example.org\nSubject: lunch\n\
         Message-ID: <c1@example.org>\nDate: Wed, 3 Jul 2024 12:00:00 +0000\n\nLunch at noon?\n",
    ),
];

/// A temporary inbox with the messages above imported as account `local`.
pub(crate) struct Fixture {
    _dir: tempfile::TempDir,
    pub(crate) home: Home,
}

impl Fixture {
    /// `None` when the test corpus is missing (the test is skipped).
    pub(crate) fn new() -> Option<Fixture> {
        let corpus = corpus()?;
        let dir = tempfile::tempdir().unwrap();
        let maildir = dir.path().join("mail");
        write_maildir(&maildir, &corpus);
        let home = Home::at(&dir.path().join("inbox"));
        home.create().unwrap();
        let mut store = Store::open(&home.store_path()).unwrap();
        let index = Index::open(&home.index_dir()).unwrap();
        let mut connector = MaildirConnector::open(&maildir).unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime
            .block_on(sync_account(
                &mut store,
                &index,
                &mut connector,
                "local",
                "local",
                crate::tagging::Tagger::new(Default::default(), None),
                &(),
            ))
            .unwrap();
        Some(Fixture { _dir: dir, home })
    }

    pub(crate) fn api(&self) -> Api {
        Api::open(&self.home).unwrap()
    }
}

fn write_maildir(root: &Path, corpus: &Path) {
    for dir in ["cur", "new", "tmp"] {
        std::fs::create_dir_all(root.join(dir)).unwrap();
    }
    let cur = root.join("cur");
    for (name, text) in TEXT_MESSAGES.iter().chain(&[("html", HTML_MESSAGE)]) {
        std::fs::write(cur.join(format!("{name}:2,")), text).unwrap();
    }
    let source = corpus.join("spamassassin/easy_ham/cur");
    let mut names: Vec<_> = std::fs::read_dir(&source)
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();
    names.sort();
    for name in names.into_iter().take(CORPUS_MESSAGES) {
        std::fs::copy(source.join(&name), cur.join(&name)).unwrap();
    }
}

fn search(api: &Api, query: &str) -> SearchResultDto {
    api.search(&SearchParams::new(query)).unwrap()
}

fn id_of(api: &Api, query: &str) -> i64 {
    let page = search(api, query);
    assert_eq!(page.total, 1, "{query}");
    page.messages[0].summary.id
}

#[test]
fn search_pages_sorts_and_counts() {
    let Some(fixture) = Fixture::new() else {
        return;
    };
    let api = fixture.api();
    let all = CORPUS_MESSAGES as u64 + 4;
    let page = search(&api, "*");
    assert_eq!(page.total, all);
    assert_eq!(page.messages.len(), all as usize);
    let count = api.count(&CountParams { query: "*".into() }).unwrap();
    assert_eq!(count, all);

    let mut params = SearchParams::new("from:example.org");
    params.sort = SortParam::OldestFirst;
    params.limit = 2;
    params.offset = 1;
    let page = api.search(&params).unwrap();
    assert_eq!(page.total, 3);
    let subjects: Vec<_> = page
        .messages
        .iter()
        .map(|hit| hit.summary.subject.as_deref().unwrap())
        .collect();
    assert_eq!(subjects, ["Re: quarterly budget", "lunch"]);

    params.sort = SortParam::NewestFirst;
    params.offset = 0;
    let page = api.search(&params).unwrap();
    assert_eq!(page.messages[0].summary.subject.as_deref(), Some("lunch"));
}

#[test]
fn search_snippets_highlight_the_query_words() {
    let Some(fixture) = Fixture::new() else {
        return;
    };
    let api = fixture.api();
    let page = search(&api, "\"budget report\" from:alice");
    assert_eq!(page.total, 1);
    let snippet = page.messages[0].snippet.as_ref().unwrap();
    assert_eq!(
        snippet.text,
        "Hello Bob, attached is the quarterly Budget Report for review. Alice"
    );
    let marked: Vec<_> = snippet
        .highlights
        .iter()
        .map(|[from, to]| &snippet.text[*from..*to])
        .collect();
    assert_eq!(marked, ["Budget Report"]);

    let mut params = SearchParams::new("budget");
    params.snippets = false;
    let page = api.search(&params).unwrap();
    assert_eq!(page.total, 2);
    assert!(page.messages.iter().all(|hit| hit.snippet.is_none()));
}

#[test]
fn bad_queries_say_where() {
    let Some(fixture) = Fixture::new() else {
        return;
    };
    let api = fixture.api();
    let error = api
        .count(&CountParams {
            query: "from:a (b".into(),
        })
        .unwrap_err();
    let ApiError::BadQuery { query, error } = error else {
        panic!("expected a query error, got {error:?}");
    };
    assert_eq!(query, "from:a (b");
    assert_eq!(error.position, 9);
}

#[test]
fn get_message_gives_text_sanitized_html_and_raw_on_request() {
    let Some(fixture) = Fixture::new() else {
        return;
    };
    let api = fixture.api();
    let id = id_of(&api, "subject:offers");
    let plain = api
        .get_message(&GetMessageParams {
            id,
            raw: false,
            html: false,
        })
        .unwrap();
    assert!(plain.body.contains("Big zebra sale"), "{}", plain.body);
    assert_eq!((plain.html, plain.raw), (None, None));

    let full = api
        .get_message(&GetMessageParams {
            id,
            raw: true,
            html: true,
        })
        .unwrap();
    let html = full.html.unwrap();
    assert!(html.contains("<p>Big <b>zebra</b> sale</p>"), "{html}");
    assert!(
        html.contains("href=\"https://shop.example/zebra\""),
        "{html}"
    );
    for removed in [
        "script",
        "alert",
        "onclick",
        "javascript",
        "tracker",
        "color:red",
    ] {
        assert!(!html.contains(removed), "{removed} left in {html}");
    }
    let raw = base64::engine::general_purpose::STANDARD
        .decode(full.raw.unwrap())
        .unwrap();
    assert_eq!(raw, HTML_MESSAGE.as_bytes());

    let text_id = id_of(&api, "subject:lunch");
    let text_only = api
        .get_message(&GetMessageParams {
            id: text_id,
            raw: false,
            html: true,
        })
        .unwrap();
    assert_eq!(text_only.html, None);

    let missing = api.get_message(&GetMessageParams {
        id: 999_999,
        raw: false,
        html: false,
    });
    assert!(matches!(missing, Err(ApiError::NoSuchMessage(999_999))));
}

#[test]
fn named_references_are_found_as_their_characters() {
    let Some(fixture) = Fixture::new() else {
        return;
    };
    let api = fixture.api();
    let id = id_of(&api, "subject:offers");
    for query in ["café", "body:crème", "\"café crème\"", "offre"] {
        assert_eq!(id_of(&api, query), id, "{query}");
    }
    for query in ["eacute", "egrave", "mdash", "rsquo"] {
        assert_eq!(search(&api, query).total, 0, "{query}");
    }
}

#[test]
fn get_thread_lists_the_conversation_oldest_first() {
    let Some(fixture) = Fixture::new() else {
        return;
    };
    let api = fixture.api();
    let reply = id_of(&api, "subject:\"re quarterly\"");
    let thread = api.get_thread(&GetThreadParams { id: reply }).unwrap();
    let senders: Vec<_> = thread.iter().map(|s| s.from.as_deref().unwrap()).collect();
    assert_eq!(
        senders,
        ["Alice <alice@example.org>", "Bob <bob@example.org>"]
    );
    assert!(matches!(
        api.get_thread(&GetThreadParams { id: -1 }),
        Err(ApiError::NoSuchMessage(-1))
    ));
}

#[test]
fn tag_changes_are_searchable_and_listed() {
    let Some(fixture) = Fixture::new() else {
        return;
    };
    let api = fixture.api();
    let params = TagParams {
        query: "budget".into(),
        add: vec!["work".into(), "flagged".into()],
        remove: vec![],
        ..TagParams::default()
    };
    let outcome = api.tag(&params).unwrap();
    assert_eq!((outcome.matched, outcome.changed), (2, 2));
    assert_eq!(api.tag(&params).unwrap().changed, 0, "already tagged");
    assert_eq!(search(&api, "tag:work is:flagged").total, 2);

    let tags = api.list_tags().unwrap();
    let find = |name: &str| tags.iter().find(|t| t.tag == name).map(|t| t.count);
    assert_eq!(find("work"), Some(2));
    assert_eq!(find("flagged"), Some(2));
    assert_eq!(find("unread"), Some(CORPUS_MESSAGES as u64 + 4));
    assert_eq!(tags[0].tag, "unread", "flag tags first: {tags:?}");

    let untag = TagParams {
        query: "tag:work".into(),
        add: vec![],
        remove: vec!["work".into()],
        ..TagParams::default()
    };
    assert_eq!(api.tag(&untag).unwrap().changed, 2);
    assert_eq!(search(&api, "tag:work").total, 0);

    for (add, remove) in [(vec!["two words".to_owned()], vec![]), (vec![], vec![])] {
        let bad = TagParams {
            query: "*".into(),
            add,
            remove,
            ..TagParams::default()
        };
        assert!(matches!(api.tag(&bad), Err(ApiError::InvalidParams(_))));
    }
}

#[test]
fn set_flags_by_ids_or_query() {
    let Some(fixture) = Fixture::new() else {
        return;
    };
    let api = fixture.api();
    let lunch = id_of(&api, "subject:lunch");
    let offers = id_of(&api, "subject:offers");
    let read = SetFlagsParams {
        ids: Some(vec![lunch, offers, lunch]),
        seen: Some(true),
        ..SetFlagsParams::default()
    };
    assert_eq!(api.set_flags(&read).unwrap().changed, 2);
    assert_eq!(search(&api, "is:read").total, 2);

    let by_query = SetFlagsParams {
        query: Some("is:read".into()),
        seen: Some(false),
        answered: Some(true),
        ..SetFlagsParams::default()
    };
    assert_eq!(api.set_flags(&by_query).unwrap().changed, 2);
    assert_eq!(search(&api, "is:read").total, 0);
    let tags = search(&api, "is:replied").messages[0].summary.tags.clone();
    assert_eq!(tags, ["unread", "replied"]);

    let both = SetFlagsParams {
        ids: Some(vec![lunch]),
        query: Some("*".into()),
        seen: Some(true),
        ..SetFlagsParams::default()
    };
    assert!(matches!(
        api.set_flags(&both),
        Err(ApiError::InvalidParams(_))
    ));
    let no_flag = SetFlagsParams {
        ids: Some(vec![lunch]),
        ..SetFlagsParams::default()
    };
    assert!(matches!(
        api.set_flags(&no_flag),
        Err(ApiError::InvalidParams(_))
    ));
    let missing = SetFlagsParams {
        ids: Some(vec![lunch, 424_242]),
        seen: Some(true),
        ..SetFlagsParams::default()
    };
    assert!(matches!(
        api.set_flags(&missing),
        Err(ApiError::NoSuchMessage(424_242))
    ));
    assert_eq!(search(&api, "is:read").total, 0, "nothing changed");
}

#[test]
fn a_second_api_sees_the_changes_of_the_first() {
    let Some(fixture) = Fixture::new() else {
        return;
    };
    let (first, second) = (fixture.api(), fixture.api());
    assert_eq!(search(&second, "tag:later").total, 0);
    let params = TagParams {
        query: "lunch".into(),
        add: vec!["later".into()],
        remove: vec![],
        ..TagParams::default()
    };
    first.tag(&params).unwrap();
    assert_eq!(search(&second, "tag:later").total, 1);
}

#[test]
fn list_accounts_reports_imported_and_configured_accounts() {
    let Some(fixture) = Fixture::new() else {
        return;
    };
    std::fs::write(
        fixture.home.config_path(),
        "[accounts.work]\nkind = \"imap\"\nhost = \"imap.example.org\"\nport = 993\n\
         user = \"me\"\ntls = \"implicit\"\nvault_entry = \"work\"\n",
    )
    .unwrap();
    let accounts = fixture.api().list_accounts().unwrap();
    let names: Vec<_> = accounts.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["local", "work"]);
    assert_eq!(accounts[0].messages, CORPUS_MESSAGES as u64 + 4);
    assert!(!accounts[0].configured);
    assert!(accounts[1].configured && accounts[1].kind == "imap");
}

/// Every page of `queries`, with snippets, as JSON.
fn pages(api: &Api, queries: &[&str]) -> Vec<serde_json::Value> {
    queries
        .iter()
        .map(|query| serde_json::to_value(search(api, query)).unwrap())
        .collect()
}

/// Takes a store back to before migration 9 (tags and folders listed in
/// the message rows), which the next open runs again.
const UNDO_NAME_LISTS: &str = "
    DROP TRIGGER tags_listed; DROP TRIGGER tags_changed; DROP TRIGGER tags_unlisted;
    DROP TRIGGER folders_listed; DROP TRIGGER folders_changed; DROP TRIGGER folders_unlisted;
    ALTER TABLE messages DROP COLUMN tag_list;
    ALTER TABLE messages DROP COLUMN folder_list;";

#[test]
fn a_store_from_before_body_texts_gives_the_same_snippets() {
    let Some(fixture) = Fixture::new() else {
        return;
    };
    let queries = [
        "*",
        "budget",
        "\"budget report\" from:alice",
        "zebra",
        "bod*",
    ];
    let stored = pages(&fixture.api(), &queries);
    let conn = rusqlite::Connection::open(fixture.home.store_path()).unwrap();
    let (messages, texts): (i64, i64) = conn
        .query_row(
            "SELECT (SELECT count(*) FROM messages), (SELECT count(*) FROM body_text)",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap();
    assert_eq!(texts, messages, "every stored message has its body text");
    // The schema an older inbox wrote: migration 3 runs again on open.
    conn.execute_batch(UNDO_NAME_LISTS).unwrap();
    conn.execute_batch(
        "DROP TABLE body_text; DROP TABLE tag_origins; DROP TABLE trained;
         DROP TABLE correspondents; DROP TABLE folder_roles;
         ALTER TABLE messages DROP COLUMN importance;
         ALTER TABLE messages DROP COLUMN importance_reasons;
         ALTER TABLE messages DROP COLUMN preview;
         PRAGMA user_version = 2;",
    )
    .unwrap();
    drop(conn);
    let api = fixture.api();
    assert_eq!(pages(&api, &queries), stored);
    let migrated: usize = rusqlite::Connection::open(fixture.home.store_path())
        .unwrap()
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .unwrap();
    assert_eq!(migrated, crate::store::latest_version());
}

#[test]
fn a_store_from_before_previews_gives_the_same_snippets() {
    let Some(fixture) = Fixture::new() else {
        return;
    };
    let queries = ["*", "from:alice", "budget", "tag:unread"];
    let stored = pages(&fixture.api(), &queries);
    let conn = rusqlite::Connection::open(fixture.home.store_path()).unwrap();
    let without: i64 = conn
        .query_row(
            "SELECT count(*) FROM messages WHERE preview IS NULL",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(without, 0, "every stored body text has its preview");
    // An older inbox stored no preview: it is cut from the body text.
    conn.execute("UPDATE messages SET preview = NULL", [])
        .unwrap();
    drop(conn);
    assert_eq!(pages(&fixture.api(), &queries), stored);
}

#[test]
fn previews_kept_beside_the_body_text_move_to_the_messages() {
    let Some(fixture) = Fixture::new() else {
        return;
    };
    let queries = ["*", "tag:unread"];
    let stored = pages(&fixture.api(), &queries);
    let previews = |conn: &rusqlite::Connection, sql: &str| -> Vec<(i64, Option<String>)> {
        let mut stmt = conn.prepare(sql).unwrap();
        let rows = stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)));
        rows.unwrap().collect::<Result<_, _>>().unwrap()
    };
    let conn = rusqlite::Connection::open(fixture.home.store_path()).unwrap();
    let before = previews(&conn, "SELECT id, preview FROM messages ORDER BY id");
    assert!(before.iter().all(|(_, preview)| preview.is_some()));
    // Where the previous schema kept them.
    conn.execute_batch(UNDO_NAME_LISTS).unwrap();
    conn.execute_batch(
        "ALTER TABLE body_text ADD COLUMN preview TEXT;
         UPDATE body_text SET preview =
             (SELECT preview FROM messages WHERE messages.id = body_text.message_id);
         ALTER TABLE messages DROP COLUMN preview;
         PRAGMA user_version = 7;",
    )
    .unwrap();
    drop(conn);
    assert_eq!(pages(&fixture.api(), &queries), stored);
    let conn = rusqlite::Connection::open(fixture.home.store_path()).unwrap();
    let after = previews(&conn, "SELECT id, preview FROM messages ORDER BY id");
    assert_eq!(after, before);
    let left: i64 = conn
        .query_row(
            "SELECT count(*) FROM pragma_table_info('body_text') WHERE name = 'preview'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(left, 0, "body_text no longer holds previews");
}

#[test]
fn an_index_of_an_older_format_is_rebuilt_from_the_store() {
    let Some(fixture) = Fixture::new() else {
        return;
    };
    let queries = [
        "*",
        "from:alice@example.org",
        "to:alice@example.org",
        "budget",
    ];
    let stored = pages(&fixture.api(), &queries);
    assert_eq!(stored[1]["total"], 1);
    // What an older inbox would take for an index that is up to date: its
    // payload is the store's sequence number alone.
    let store = Store::open(&fixture.home.store_path()).unwrap();
    let seq = store.change_seq().unwrap();
    let old = tantivy::Index::open_in_dir(fixture.home.index_dir()).unwrap();
    let mut writer: tantivy::IndexWriter = old.writer(15_000_000).unwrap();
    writer.delete_all_documents().unwrap();
    let mut commit = writer.prepare_commit().unwrap();
    commit.set_payload(&seq.to_string());
    commit.commit().unwrap();
    drop(writer);
    assert_eq!(pages(&fixture.api(), &queries), stored);
}

#[test]
fn a_damaged_body_text_falls_back_to_the_raw_message() {
    let Some(fixture) = Fixture::new() else {
        return;
    };
    let expected = pages(&fixture.api(), &["budget"]);
    let conn = rusqlite::Connection::open(fixture.home.store_path()).unwrap();
    conn.execute("UPDATE body_text SET zstd = x'28b52ffd00'", [])
        .unwrap();
    drop(conn);
    assert_eq!(pages(&fixture.api(), &["budget"]), expected);
}

#[test]
fn summaries_keep_the_order_asked_with_tags_and_folders() {
    let Some(fixture) = Fixture::new() else {
        return;
    };
    let api = fixture.api();
    let (lunch, budget) = (id_of(&api, "lunch"), id_of(&api, "from:alice"));
    let params = TagParams {
        query: "lunch".into(),
        add: vec!["zz".into(), "aa".into()],
        remove: vec![],
        ..TagParams::default()
    };
    api.tag(&params).unwrap();
    let store = Store::open_for_reading(&fixture.home.store_path()).unwrap();
    let ids = [lunch, 424_242, budget, lunch].map(crate::model::MessageId);
    let summaries = store.summaries(&ids).unwrap();
    let found: Vec<i64> = summaries.iter().map(|summary| summary.id.0).collect();
    assert_eq!(found, [lunch, budget, lunch], "unknown ids are left out");
    assert_eq!(summaries[0].tags, ["aa", "zz"]);
    assert_eq!(summaries[0].folders, ["INBOX"]);
    assert!(summaries[1].tags.is_empty());
    assert_eq!(summaries[1].subject.as_deref(), Some("quarterly budget"));
    assert!(store.summaries(&[]).unwrap().is_empty());
}
