//! Tagging rules: applied at import, checked, and applied again to stored mail.

use std::path::{Path, PathBuf};

use crate::util::{TestInbox, corpus};

const RULES: &str = r#"
[[rule]]
query = "subject:re"
add = ["conversation"]

[[rule]]
query = "tag:conversation and tag:bulk"
add = ["list-talk"]
"#;

#[test]
fn rules_tag_imported_mail_and_apply_again_to_stored_mail() {
    let Some(corpus) = corpus() else { return };
    let inbox = TestInbox::new();
    std::fs::create_dir_all(inbox.home()).unwrap();
    std::fs::write(inbox.home().join("rules.toml"), RULES).unwrap();
    let imported = inbox.import(&corpus.join("spamassassin/hard_ham"), "hard");
    assert_eq!(imported.imported, 200);

    let conversations = inbox.count("subject:re");
    assert!(conversations > 0);
    assert_eq!(inbox.count("tag:conversation"), conversations);
    let list_talk = inbox.count("subject:re and tag:bulk");
    assert!(list_talk > 0);
    assert_eq!(inbox.count("tag:list-talk"), list_talk);
    assert!(inbox.ok(&["rules", "check"]).contains("2 rules, all valid"));

    // A new rule applies to stored mail only when asked; a dry run changes nothing.
    let rules = format!("{RULES}\n[[rule]]\nquery = \"from:com\"\nadd = [\"dotcom\"]\n");
    std::fs::write(inbox.home().join("rules.toml"), rules).unwrap();
    let dotcom = inbox.count("from:com");
    assert!(dotcom > 0);
    let dry = inbox.ok(&["rules", "apply", "--dry-run"]);
    assert!(
        dry.contains("rule 1 (subject:re): would change 0 messages"),
        "{dry}"
    );
    assert!(
        dry.contains(&format!(
            "rule 3 (from:com): would change {dotcom} messages"
        )),
        "{dry}"
    );
    assert_eq!(inbox.count("tag:dotcom"), 0);

    let applied = inbox.ok(&["rules", "apply"]);
    assert!(
        applied.contains(&format!("rule 3 (from:com): changed {dotcom} messages")),
        "{applied}"
    );
    assert_eq!(inbox.count("tag:dotcom"), dotcom);
    let again = inbox.ok(&["rules", "apply", "--dry-run"]);
    assert!(
        again.contains("rule 3 (from:com): would change 0 messages"),
        "{again}"
    );
}

#[test]
fn an_invalid_rule_stops_the_import_and_names_the_rule() {
    let Some(corpus) = corpus() else { return };
    let inbox = TestInbox::new();
    std::fs::create_dir_all(inbox.home()).unwrap();
    let bad =
        "[[rule]]\nquery = \"a\"\nadd = [\"x\"]\n[[rule]]\nquery = \"subject:(\"\nadd = [\"y\"]\n";
    std::fs::write(inbox.home().join("rules.toml"), bad).unwrap();
    let out = inbox.run(&["rules", "check"]);
    assert!(!out.status.success());
    let error = String::from_utf8_lossy(&out.stderr);
    assert!(
        error.contains("rule 2") && error.contains("column"),
        "{error}"
    );
    let out = inbox.run(&[
        "import",
        corpus.join("spamassassin/hard_ham").to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    assert_eq!(inbox.count("*"), 0);
}

/// The ids of the messages matching `query`, oldest first.
fn ids(inbox: &TestInbox, query: &str) -> Vec<i64> {
    let out = inbox.ok(&[
        "search", "--json", "--sort", "date", "--limit", "100000", query,
    ]);
    let hits: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    hits.iter().map(|hit| hit["id"].as_i64().unwrap()).collect()
}

/// `inbox explain ID --json`: tag -> its explanation, and the spam verdict.
fn explain(inbox: &TestInbox, id: i64) -> (Vec<(String, serde_json::Value)>, serde_json::Value) {
    let out = inbox.ok(&["explain", &id.to_string(), "--json"]);
    let explanation: serde_json::Value = serde_json::from_str(&out).unwrap();
    let tags = (explanation["tags"].as_array().unwrap().iter())
        .map(|tag| (tag["tag"].as_str().unwrap().to_owned(), tag.clone()))
        .collect();
    (tags, explanation["spam"].clone())
}

fn origin_of(tags: &[(String, serde_json::Value)], tag: &str) -> serde_json::Value {
    let found = tags.iter().find(|(name, _)| name == tag);
    found
        .map(|(_, explained)| explained.clone())
        .unwrap_or_else(|| panic!("no tag {tag} in {tags:?}"))
}

/// A Maildir under `dir` holding the SpamAssassin files of `group` that `pick` keeps
/// (by position in name order), in `cur/` or in folder `folder`.
fn maildir_of(
    corpus: &Path,
    dir: &Path,
    group: &str,
    folder: Option<&str>,
    pick: impl Fn(usize) -> bool,
) -> PathBuf {
    let root = dir.join(group);
    let target = folder.map_or_else(|| root.clone(), |folder| root.join(folder));
    for sub in ["cur", "new", "tmp"] {
        std::fs::create_dir_all(target.join(sub)).unwrap();
    }
    let source = corpus.join("spamassassin").join(group).join("cur");
    let mut names: Vec<PathBuf> = (std::fs::read_dir(source).unwrap())
        .map(|entry| entry.unwrap().path())
        .collect();
    names.sort();
    for (_, path) in names.iter().enumerate().filter(|(n, _)| pick(*n)) {
        std::fs::copy(path, target.join("cur").join(path.file_name().unwrap())).unwrap();
    }
    root
}

#[test]
fn tags_remember_the_rule_tagger_or_user_that_set_them() {
    let Some(corpus) = corpus() else { return };
    let inbox = TestInbox::new();
    std::fs::create_dir_all(inbox.home()).unwrap();
    std::fs::write(inbox.home().join("rules.toml"), RULES).unwrap();
    inbox.import(&corpus.join("spamassassin/hard_ham"), "hard");

    // A rule and the built-in list and bulk taggers, with their triggers.
    let id = ids(&inbox, "tag:conversation and tag:list/* and tag:bulk")[0];
    let (tags, spam) = explain(&inbox, id);
    let rule = origin_of(&tags, "conversation");
    assert_eq!(
        (&rule["origin"], &rule["rule"], &rule["query"]),
        (&"rule".into(), &1.into(), &"subject:re".into())
    );
    let list_rule = origin_of(&tags, "list-talk");
    assert_eq!(
        (&list_rule["rule"], &list_rule["query"]),
        (&2.into(), &"tag:conversation and tag:bulk".into())
    );
    let (list_tag, list) = tags
        .iter()
        .find(|(tag, _)| tag.starts_with("list/"))
        .unwrap();
    assert_eq!(
        (&list["origin"], &list["tagger"]),
        (&"builtin".into(), &"list".into())
    );
    let list_id = &list_tag["list/".len()..];
    let evidence = list["evidence"].as_str().unwrap().to_lowercase();
    assert!(
        evidence.starts_with("list-id: <") && evidence.contains(list_id),
        "{evidence}"
    );
    let bulk = origin_of(&tags, "bulk");
    assert_eq!(bulk["tagger"], "bulk");
    let header = bulk["evidence"].as_str().unwrap().to_lowercase();
    assert!(
        ["list-unsubscribe:", "precedence:", "auto-submitted:"]
            .iter()
            .any(|h| header.starts_with(h)),
        "{header}"
    );
    assert!(spam.is_null(), "no spam model yet: {spam}");
    let text = inbox.ok(&["explain", &id.to_string()]);
    assert!(
        text.contains("rule 1 of rules.toml (query: subject:re)"),
        "{text}"
    );

    // The user's tag, and a rule applied to stored mail.
    inbox.ok(&[
        "tag",
        "+keep",
        "+bulk",
        "--",
        &format!("id:{}", message_id(&inbox, id)),
    ]);
    let (tags, _) = explain(&inbox, id);
    assert_eq!(origin_of(&tags, "keep")["origin"], "user");
    assert_eq!(origin_of(&tags, "bulk")["origin"], "user");
    let rules = format!("{RULES}\n[[rule]]\nquery = \"from:com\"\nadd = [\"dotcom\"]\n");
    std::fs::write(inbox.home().join("rules.toml"), rules).unwrap();
    inbox.ok(&["rules", "apply"]);
    let dotcom = ids(&inbox, "tag:dotcom")[0];
    let (tags, _) = explain(&inbox, dotcom);
    let applied = origin_of(&tags, "dotcom");
    assert_eq!(
        (&applied["origin"], &applied["rule"], &applied["query"]),
        (&"rule".into(), &3.into(), &"from:com".into())
    );

    // Erasing a message takes its provenance along.
    inbox.ok(&["erase", "--yes", &format!("id:{}", message_id(&inbox, id))]);
    let out = inbox.run(&["explain", &id.to_string()]);
    assert!(!out.status.success());
    let store = rusqlite::Connection::open(inbox.home().join("store.sqlite3")).unwrap();
    let left: i64 = store
        .query_row(
            "SELECT count(*) FROM tag_origins WHERE message_id = ?1",
            [id],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(left, 0);
}

/// The Message-ID of message `id`.
fn message_id(inbox: &TestInbox, id: i64) -> String {
    let out = inbox.ok(&["show", &id.to_string(), "--json"]);
    let message: serde_json::Value = serde_json::from_str(&out).unwrap();
    format!("\"{}\"", message["message_id"].as_str().unwrap())
}

#[test]
fn sent_and_attachment_tag_real_corpus_mail() {
    let Some(corpus) = corpus() else { return };
    let inbox = TestInbox::new();
    std::fs::create_dir_all(inbox.home()).unwrap();
    std::fs::write(
        inbox.home().join("rules.toml"),
        "addresses = [\"Phillip.Allen@enron.com\"]\n",
    )
    .unwrap();
    inbox.import(&corpus.join("enron-sample/allen-p"), "allen");
    let sent = inbox.count("tag:sent");
    assert!(sent > 0 && sent < inbox.count("*"), "{sent}");
    assert_eq!(
        ids(&inbox, "tag:sent"),
        ids(&inbox, "from:phillip.allen@enron.com")
    );
    let (tags, _) = explain(&inbox, ids(&inbox, "tag:sent")[0]);
    assert_eq!(
        origin_of(&tags, "sent")["evidence"],
        "From: phillip.allen@enron.com"
    );

    inbox.import(&corpus.join("mime-tricky"), "mime");
    let files = ids(&inbox, "tag:attachment");
    let parts = ids(&inbox, "is:attachment");
    // Every tagged message has parts; some messages' parts are only body
    // pieces (unnamed text, inline pictures, signatures).
    assert!(files.len() > 5, "{}", files.len());
    assert!(files.iter().all(|id| parts.contains(id)));
    assert!(
        files.len() < parts.len(),
        "{} of {}",
        files.len(),
        parts.len()
    );
    let (tags, _) = explain(&inbox, files[0]);
    assert_eq!(origin_of(&tags, "attachment")["tagger"], "attachment");

    // Switched off, neither tagger tags.
    let off = TestInbox::new();
    std::fs::create_dir_all(off.home()).unwrap();
    std::fs::write(
        off.home().join("rules.toml"),
        "addresses = [\"phillip.allen@enron.com\"]\n[builtin]\nsent = false\nattachment = false\n",
    )
    .unwrap();
    off.import(&corpus.join("enron-sample/allen-p"), "allen");
    off.import(&corpus.join("spamassassin/spam"), "spam");
    assert_eq!(off.count("tag:sent or tag:attachment"), 0);
}

#[test]
fn a_learned_tag_tags_new_mail_of_the_same_kind() {
    let Some(corpus) = corpus() else { return };
    let inbox = TestInbox::new();
    let dir = tempfile::tempdir().unwrap();
    let first = maildir_of(&corpus, &dir.path().join("a"), "easy_ham", None, |n| {
        n < 1200 && n % 2 == 0
    });
    let later = maildir_of(&corpus, &dir.path().join("b"), "easy_ham", None, |n| {
        n < 1200 && n % 2 == 1
    });
    inbox.import(&first, "first");
    let list = "tag:list/rpm-zzzlist.freshrpms.net";
    inbox.ok(&["tag", "+rpm", "--", list]);
    let tagged = inbox.count("tag:rpm");
    assert!(tagged > 80, "{tagged}");
    let learned = inbox.ok(&["tags", "learn", "rpm"]);
    assert!(
        learned.contains(&format!(
            "from {tagged} messages with the tag and 497 without"
        )),
        "{learned}"
    );
    assert!(learned.contains("accuracy"), "{learned}");
    assert!(
        inbox
            .ok(&["tags", "learned"])
            .contains(&format!("rpm\t{tagged}\t497\t0\t{tagged}"))
    );

    inbox.import(&later, "later");
    let from_list = inbox.count(&format!("account:later and {list}"));
    let got = inbox.count(&format!("account:later and {list} and tag:rpm"));
    let others = inbox.count(&format!("account:later and not {list}"));
    let wrong = inbox.count(&format!("account:later and not {list} and tag:rpm"));
    assert!(
        got * 10 >= from_list * 8,
        "{got} of {from_list} list messages learned"
    );
    assert!(
        wrong * 50 <= others,
        "{wrong} of {others} unrelated messages tagged"
    );
    let (tags, _) = explain(&inbox, ids(&inbox, "account:later and tag:rpm")[0]);
    let rpm = origin_of(&tags, "rpm");
    assert_eq!(rpm["origin"], "classifier");
    assert!(rpm["score"].as_f64().unwrap() > 0.9);
    assert_eq!(rpm["classifier"]["tokens"].as_array().unwrap().len(), 10);
    let text = inbox.ok(&[
        "explain",
        &ids(&inbox, "account:later and tag:rpm")[0].to_string(),
    ]);
    assert!(text.contains("rpm: learned, score "), "{text}");
    assert!(inbox.ok(&["tags", "learned"]).contains(&format!(
        "rpm\t{tagged}\t497\t{got_all}",
        got_all = got + wrong
    )));

    inbox.ok(&["tags", "learn", "--forget", "rpm"]);
    assert!(inbox.ok(&["tags", "learned"]).contains("no learned tags"));
    assert!(!inbox.run(&["tags", "learn", "spam"]).status.success());
}

/// The (spam, ham) counts of the saved spam model.
fn spam_model_counts(inbox: &TestInbox) -> (u64, u64) {
    let model = std::fs::read_to_string(inbox.home().join("classify/spam.model")).unwrap();
    let line = model.lines().nth(1).unwrap();
    let counts: Vec<u64> = line
        .split(' ')
        .skip(1)
        .map(|n| n.parse().unwrap())
        .collect();
    (counts[0], counts[1])
}

#[test]
fn spam_learns_from_tags_junk_folders_and_retagging() {
    let Some(corpus) = corpus() else { return };
    let inbox = TestInbox::new();
    let dir = tempfile::tempdir().unwrap();
    inbox.import(
        &maildir_of(&corpus, dir.path(), "easy_ham", None, |n| n < 300),
        "ham",
    );
    inbox.import(
        &maildir_of(&corpus, dir.path(), "spam", None, |n| n < 200),
        "spam",
    );
    inbox.import(
        &maildir_of(&corpus, dir.path(), "spam_2", Some("Junk"), |n| n < 50),
        "junk",
    );
    inbox.ok(&["tag", "+spam", "--", "account:spam"]);
    let trained = inbox.ok(&["spam", "train"]);
    assert!(trained.contains("from the store: 250 spam"), "{trained}");
    assert!(trained.contains("50 of them), 300 ham"), "{trained}");
    assert_eq!(spam_model_counts(&inbox), (250, 300));
    assert!(inbox.ok(&["spam", "train"]).contains("trained 0 messages"));

    // Re-tagging moves a message between the classes, and back.
    let ham = ids(&inbox, "account:ham")[0];
    let ham_id = message_id(&inbox, ham);
    inbox.ok(&["tag", "+spam", "--", &format!("id:{ham_id}")]);
    assert_eq!(spam_model_counts(&inbox), (251, 299));
    inbox.ok(&["tag", "-spam", "--", &format!("id:{ham_id}")]);
    assert_eq!(spam_model_counts(&inbox), (250, 300));

    // New spam gets the tag from the model; explain shows why.
    inbox.import(
        &maildir_of(&corpus, &dir.path().join("new"), "spam_2", None, |n| {
            (100..200).contains(&n)
        }),
        "new",
    );
    let caught = ids(&inbox, "account:new and tag:spam");
    assert!(caught.len() > 80, "{} of 100", caught.len());
    let (tags, spam) = explain(&inbox, caught[0]);
    let verdict = origin_of(&tags, "spam");
    assert_eq!(verdict["origin"], "classifier");
    assert_eq!(
        verdict["classifier"]["tokens"].as_array().unwrap().len(),
        10
    );
    assert!(spam["score"].as_f64().unwrap() > 0.5);
    let (_, spam) = explain(&inbox, ham);
    assert!(spam["score"].as_f64().unwrap() < 0.5, "{spam}");
    assert_eq!(spam["tokens"].as_array().unwrap().len(), 10);
}
