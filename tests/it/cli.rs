//! The command line's outputs and errors.

use crate::util::{TestInbox, corpus, mail_corpus};

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

#[test]
fn search_lists_json_and_counts_agree() {
    let Some(inbox) = mail_corpus() else { return };
    let query = "from:pudge@perl.org";
    let count = inbox.count(query);
    assert!(count > 10, "{count}");
    let lines = inbox.ok(&["search", query]);
    assert_eq!(lines.lines().count(), count);
    let results = json(&inbox.ok(&["search", "--json", query]));
    let results = results.as_array().unwrap();
    assert_eq!(results.len(), count);
    for field in [
        "id",
        "thread",
        "date",
        "timestamp",
        "from",
        "subject",
        "tags",
        "account",
        "folders",
    ] {
        assert!(
            results[0].get(field).is_some(),
            "missing {field}: {}",
            results[0]
        );
    }
    assert!(
        results
            .iter()
            .all(|r| r["from"].as_str().unwrap().contains("pudge@perl.org"))
    );
    // Newest first by default, oldest first on request.
    let stamps: Vec<i64> = results
        .iter()
        .map(|r| r["timestamp"].as_i64().unwrap())
        .collect();
    assert!(stamps.windows(2).all(|w| w[0] >= w[1]), "{stamps:?}");
    let oldest = json(&inbox.ok(&["search", "--json", "--sort", "date", "--limit", "1", query]));
    assert_eq!(oldest[0]["timestamp"], results[count - 1]["timestamp"]);
    // Paging.
    let page = json(&inbox.ok(&["search", "--json", "--limit", "3", "--offset", "2", query]));
    let page_ids: Vec<_> = page
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].clone())
        .collect();
    let all_ids: Vec<_> = results[2..5].iter().map(|r| r["id"].clone()).collect();
    assert_eq!(page_ids, all_ids);
}

#[test]
fn show_and_thread() {
    let Some(inbox) = mail_corpus() else { return };
    let hit = json(&inbox.ok(&[
        "search",
        "--json",
        "--limit",
        "1",
        "subject:razor and from:spamassassin.taint.org",
    ]));
    let id = hit[0]["id"].as_i64().unwrap().to_string();
    let text = inbox.ok(&["show", &id]);
    assert!(
        text.contains("Subject: ") && text.to_lowercase().contains("razor"),
        "{text}"
    );
    let message = json(&inbox.ok(&["show", "--json", &id]));
    assert_eq!(message["id"], hit[0]["id"]);
    assert!(!message["body"].as_str().unwrap().is_empty());
    let raw = inbox.run(&["show", "--raw", &id]).stdout;
    assert!(raw.windows(8).any(|w| w.eq_ignore_ascii_case(b"subject:")));

    // A thread lists its messages oldest first, all sharing the thread id.
    let thread = hit[0]["thread"].as_i64().unwrap();
    let members = json(&inbox.ok(&["thread", "--json", &id]));
    let members = members.as_array().unwrap();
    assert!(members.iter().any(|m| m["id"] == hit[0]["id"]));
    assert!(members.iter().all(|m| m["thread"].as_i64() == Some(thread)));
    assert_eq!(members.len(), inbox.count(&format!("thread:{thread}")));

    let missing = inbox.run(&["show", "999999999"]);
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no message with id 999999999"));
}

#[test]
fn tags_are_added_removed_and_searchable() {
    let Some(corpus) = corpus() else { return };
    let inbox = TestInbox::new();
    inbox.import(&corpus.join("enron-sample"), "enron");
    let query = "from:phillip.allen@enron.com";
    let matching = inbox.count(query);
    assert!(matching > 0);
    let out = inbox.ok(&["tag", "+allen", "+flagged", "-unread", "--", query]);
    assert!(
        out.starts_with(&format!("{matching} of {matching}")),
        "{out}"
    );
    assert_eq!(inbox.count("tag:allen"), matching);
    assert_eq!(inbox.count("is:flagged"), matching);
    assert_eq!(inbox.count("tag:allen and tag:unread"), 0);
    // Tags survive a rebuild of the index from the store.
    inbox.ok(&["reindex"]);
    assert_eq!(inbox.count("tag:allen and is:read"), matching);
    inbox.ok(&["tag", "-allen", "--", "tag:allen"]);
    assert_eq!(inbox.count("tag:allen"), 0);
    let tags = json(&inbox.ok(&["stats", "--json"]));
    assert!(tags["tags"].as_array().unwrap().is_empty());
}

#[test]
fn errors_say_what_to_do() {
    let inbox = TestInbox::new();
    let bad = inbox.run(&["search", "from:x and (subject:y"]);
    assert_eq!(bad.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(stderr.contains("column"), "{stderr}");

    let missing = inbox.run(&["import", "/nonexistent/mail"]);
    assert!(!missing.status.success());
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(stderr.contains("/nonexistent/mail"), "{stderr}");

    let no_query = inbox.run(&["tag", "+x"]);
    assert!(!no_query.status.success());
    assert!(String::from_utf8_lossy(&no_query.stderr).contains("no query given"));
}

#[test]
fn reindex_rebuilds_the_same_index() {
    let Some(corpus) = corpus() else { return };
    let inbox = TestInbox::new();
    inbox.import(&corpus.join("mime-tricky"), "tricky");
    let queries = ["*", "is:attachment", "subject:test", "date:..2005"];
    let before: Vec<usize> = queries.iter().map(|q| inbox.count(q)).collect();
    std::fs::remove_dir_all(inbox.home().join("index")).unwrap();
    let out = inbox.ok(&["reindex"]);
    assert!(
        out.starts_with(&format!("indexed {} messages", before[0])),
        "{out}"
    );
    let after: Vec<usize> = queries.iter().map(|q| inbox.count(q)).collect();
    assert_eq!(before, after);
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let Some(inbox) = mail_corpus() else { return };
    let mut child = Command::new(env!("CARGO_BIN_EXE_inbox"))
        .args(["search", "*"])
        .env("INBOX_HOME", inbox.home())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read one line, then close the pipe as `head -1` would.
    let mut first = [0u8; 64];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
