//! Importance: Phillip Allen's sent mail (Enron) makes its recipients known,
//! so mail from them scores high; list mail and strangers' mail do not.

use std::path::{Path, PathBuf};

use crate::util::{TestInbox, corpus};

/// Phillip Allen's addresses, and a rule tagging what `is:important` finds.
const RULES: &str = r#"
addresses = ["phillip.allen@enron.com", "pallen@enron.com"]

[[rule]]
query = "is:important"
add = ["vip"]

[[rule]]
query = "not is:important and to:pallen"
add = ["later"]
"#;

fn allen(corpus: &Path) -> PathBuf {
    corpus.join("enron-sample/allen-p")
}

/// The value of header `name` in a corpus file.
fn header(path: &Path, name: &str) -> String {
    let text = String::from_utf8_lossy(&std::fs::read(path).unwrap()).into_owned();
    let prefix = format!("{}:", name.to_lowercase());
    let line = (text.lines())
        .find(|line| line.to_lowercase().starts_with(&prefix))
        .unwrap_or_else(|| panic!("no {name} in {}", path.display()));
    line[prefix.len()..].trim().to_owned()
}

/// A Maildir of new mail built from the corpus: John Lavorato answers the
/// message Phillip Allen sent him; Lavorato writes to a distribution list;
/// a stranger writes to Allen; a SpamAssassin list message.
fn new_mail(corpus: &Path, dir: &Path) -> PathBuf {
    let sent = allen(corpus).join("_sent_mail/cur/5:2,");
    assert_eq!(header(&sent, "To"), "john.lavorato@enron.com");
    let parent = header(&sent, "Message-ID");
    let mail = |from: &str, to: &str, id: &str, extra: &str| {
        format!(
            "From: {from}\r\nTo: {to}\r\nSubject: Re: your note\r\nMessage-ID: <{id}@test>\r\n\
             Date: Fri, 11 May 2001 09:00:00 -0700\r\n{extra}\r\nThanks, noted.\r\n"
        )
    };
    let root = dir.join("new");
    let cur = root.join("cur");
    for sub in ["cur", "new", "tmp"] {
        std::fs::create_dir_all(root.join(sub)).unwrap();
    }
    let files = [
        (
            "1:2,",
            mail(
                "john.lavorato@enron.com",
                "phillip.allen@enron.com",
                "reply",
                &format!("In-Reply-To: {parent}\r\n"),
            ),
        ),
        (
            "2:2,",
            mail(
                "john.lavorato@enron.com",
                "dl-ga-all_enron_houston_employees@enron.com",
                "announce",
                "",
            ),
        ),
        (
            "3:2,",
            mail("stranger@example.com", "pallen@enron.com", "cold", ""),
        ),
    ];
    for (name, text) in files {
        std::fs::write(cur.join(name), text).unwrap();
    }
    let lists = corpus.join("spamassassin/easy_ham/cur");
    let mut names: Vec<_> = (std::fs::read_dir(&lists).unwrap())
        .map(|entry| entry.unwrap().path())
        .collect();
    names.sort();
    let list = (names.iter())
        .find(|path| String::from_utf8_lossy(&std::fs::read(path).unwrap()).contains("\nList-Id:"))
        .expect("a list message");
    std::fs::copy(list, cur.join("4:2,")).unwrap();
    root
}

/// The ids of the messages matching `query` in `sort` order.
fn ids(inbox: &TestInbox, query: &str, sort: &str) -> Vec<i64> {
    let out = inbox.ok(&["search", "--json", "--sort", sort, query]);
    let hits: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    hits.iter().map(|hit| hit["id"].as_i64().unwrap()).collect()
}

fn id_of(inbox: &TestInbox, query: &str) -> i64 {
    let found = ids(inbox, query, "-date");
    assert_eq!(found.len(), 1, "{query}: {found:?}");
    found[0]
}

/// `inbox explain ID --json`'s importance.
fn importance(inbox: &TestInbox, id: i64) -> serde_json::Value {
    let out = inbox.ok(&["explain", &id.to_string(), "--json"]);
    let explanation: serde_json::Value = serde_json::from_str(&out).unwrap();
    explanation["importance"].clone()
}

fn sorted(mut ids: Vec<i64>) -> Vec<i64> {
    ids.sort_unstable();
    ids
}

#[test]
fn mail_from_people_you_wrote_to_is_important() {
    let Some(corpus) = corpus() else { return };
    let inbox = TestInbox::new();
    std::fs::create_dir_all(inbox.home()).unwrap();
    std::fs::write(inbox.home().join("rules.toml"), RULES).unwrap();
    inbox.import(&allen(&corpus), "allen");
    let dir = tempfile::tempdir().unwrap();
    inbox.import(&new_mail(&corpus, dir.path()), "allen");

    let reply = id_of(&inbox, "id:reply@test");
    let announce = id_of(&inbox, "id:announce@test");
    let cold = id_of(&inbox, "id:cold@test");
    let list = id_of(&inbox, "tag:list/*");

    // Only the reply: Allen wrote to Lavorato, is its To recipient, and
    // it answers his message.
    assert_eq!(ids(&inbox, "is:important", "-date"), [reply]);
    let scored = importance(&inbox, reply);
    assert_eq!(scored["score"].as_f64(), Some(1.0), "{scored}");
    assert_eq!(scored["important"], true);
    let reasons = scored["reasons"].to_string();
    assert!(
        reasons.contains("you wrote to john.lavorato@enron.com before (once)"),
        "{reasons}"
    );
    assert!(reasons.contains("follows a message you wrote"), "{reasons}");

    // Someone Allen wrote to outranks a stranger, who outranks a list.
    let score = |id| importance(&inbox, id)["score"].as_f64().unwrap();
    assert!(
        score(announce) > score(cold),
        "{} {}",
        score(announce),
        score(cold)
    );
    assert!(score(cold) > score(list), "{} {}", score(cold), score(list));
    assert!(score(reply) > score(list));
    // His own mail is never important.
    for sent in ids(&inbox, "folder:_sent_mail", "-date") {
        assert_eq!(score(sent), 0.0);
    }

    // Highest first, ties newest first.
    let ranked = ids(&inbox, "*", "importance");
    assert_eq!(ranked.len(), ids(&inbox, "*", "-date").len());
    assert_eq!(&ranked[..2], [reply, announce]);
    let at = |id| ranked.iter().position(|&have| have == id).unwrap();
    assert!(at(cold) < at(list));
    let scores: Vec<f64> = ranked.iter().map(|&id| score(id)).collect();
    assert!(
        scores.windows(2).all(|pair| pair[0] >= pair[1]),
        "{scores:?}"
    );

    // Rules at import see the same scores as searches.
    assert_eq!(ids(&inbox, "tag:vip", "-date"), [reply]);
    assert_eq!(
        sorted(ids(&inbox, "tag:later", "-date")),
        sorted(ids(&inbox, "not is:important and to:pallen", "-date"))
    );
    assert!(!ids(&inbox, "tag:later", "-date").is_empty());
}

#[test]
fn importance_update_rescores_mail_stored_before_its_context() {
    let Some(corpus) = corpus() else { return };
    let inbox = TestInbox::new();
    std::fs::create_dir_all(inbox.home()).unwrap();
    std::fs::write(inbox.home().join("rules.toml"), RULES).unwrap();
    // The new mail first: nobody is known yet.
    let dir = tempfile::tempdir().unwrap();
    inbox.import(&new_mail(&corpus, dir.path()), "allen");
    inbox.import(&allen(&corpus), "allen");
    let reply = id_of(&inbox, "id:reply@test");
    assert!(ids(&inbox, "is:important", "-date").is_empty());
    assert_eq!(importance(&inbox, reply)["score"].as_f64(), Some(0.3));

    let out = inbox.ok(&["importance", "update"]);
    assert!(out.contains("you wrote to 4 addresses"), "{out}");
    assert_eq!(ids(&inbox, "is:important", "-date"), [reply]);
    assert_eq!(importance(&inbox, reply)["score"].as_f64(), Some(1.0));
    assert_eq!(ids(&inbox, "*", "importance")[0], reply);
    // Nothing changes the second time.
    let again = inbox.ok(&["importance", "update"]);
    assert!(again.contains("(0 changed)"), "{again}");
}
