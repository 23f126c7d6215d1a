use std::path::{Path, PathBuf};

use inbox_connector_api::testing::corpus;
use inbox_connector_maildir::MaildirConnector;

use super::*;
use crate::index::{Index, Sort, parse};
use crate::store::Store;
use crate::sync::sync_account;

fn rules(text: &str) -> Result<Rules, RulesError> {
    Rules::parse(text, Path::new("rules.toml"))
}

/// The first `count` messages of a SpamAssassin folder, as a Maildir.
fn maildir_of(corpus: &Path, dir: &Path, group: &str, count: usize) -> PathBuf {
    let root = dir.join("mail");
    for sub in ["cur", "new", "tmp"] {
        std::fs::create_dir_all(root.join(sub)).unwrap();
    }
    let source = corpus.join("spamassassin").join(group).join("cur");
    let mut names: Vec<_> = std::fs::read_dir(source)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    for path in names.into_iter().take(count) {
        std::fs::copy(&path, root.join("cur").join(path.file_name().unwrap())).unwrap();
    }
    root
}

fn import(dir: &Path, maildir: &Path, tagger: Tagger) -> (Store, Index) {
    let mut store = Store::open(&dir.join("store.sqlite3")).unwrap();
    let index = Index::open(&dir.join("index")).unwrap();
    let mut connector = MaildirConnector::open(maildir).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime
        .block_on(sync_account(
            &mut store,
            &index,
            &mut connector,
            "home",
            "local",
            tagger,
            &(),
        ))
        .unwrap();
    (store, index)
}

fn ids(index: &Index, query: &str) -> Vec<crate::model::MessageId> {
    let mut ids = index
        .search(&parse(query).unwrap(), Sort::NewestFirst, 100_000, 0)
        .unwrap();
    ids.sort();
    ids
}

#[test]
fn invalid_rules_name_their_position_and_the_query_error() {
    let text = "[[rule]]\nquery = \"a\"\nadd = [\"x\"]\n\n[[rule]]\nquery = \"b\"\nadd = [\"y\"]\n\n\
                [[rule]]\nquery = \"from:a and (b\"\nadd = [\"z\"]\n";
    let error = rules(text).unwrap_err().to_string();
    assert!(error.contains("rule 3"), "{error}");
    assert!(error.contains("column"), "{error}");
    let RulesError::Query {
        position, error, ..
    } = rules(text).unwrap_err()
    else {
        panic!("not a query error");
    };
    assert_eq!(
        (position, error.position),
        (3, parse("from:a and (b").unwrap_err().position)
    );

    for (bad, says) in [
        ("[[rule]]\nquery = \"a\"\n", "neither adds nor removes"),
        ("[[rule]]\nquery = \"thread:4\"\nadd = [\"x\"]\n", "thread:"),
        (
            "[[rule]]\nquery = \"a\"\nadd = [\"two words\"]\n",
            "one word",
        ),
        ("[[rule]]\nquery = \"a\"\nremove = [\"unread\"]\n", "flag"),
        (
            "[[rule]]\nquery = \"a\"\nadd = [\"x\"]\ncolour = 1\n",
            "colour",
        ),
        ("[builtin]\nlsit = false\n", "lsit"),
    ] {
        let error = rules(bad).unwrap_err().to_string();
        assert!(error.contains(says), "{bad:?}: {error}");
    }
}

#[test]
fn rules_and_switches_parse_and_a_missing_file_means_defaults() {
    let parsed = rules(
        "[[rule]]\nquery = \"from:github.com and subject:PR\"\nadd = [\"dev\"]\nremove = [\"inbox\"]\n\
         [builtin]\nbulk = false\n",
    )
    .unwrap();
    assert_eq!(parsed.rules.len(), 1);
    assert_eq!(
        parsed.rules[0].query,
        parse("from:github.com and subject:PR").unwrap()
    );
    assert_eq!(
        (parsed.rules[0].add.clone(), parsed.rules[0].remove.clone()),
        (vec!["dev".to_owned()], vec!["inbox".to_owned()])
    );
    assert!(!parsed.builtins.bulk && parsed.builtins.list && parsed.builtins.spam);
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(
        Rules::load(&dir.path().join("rules.toml")).unwrap(),
        Rules::default()
    );
}

#[test]
fn a_later_rule_sees_an_earlier_rules_tags_and_removals() {
    let message = crate::model::Message {
        subject: Some("Weekly report".into()),
        body: "numbers".into(),
        ..Default::default()
    };
    let mut tagger = Tagger::new(
        rules(
            "[[rule]]\nquery = \"tag:work\"\nadd = [\"too-early\"]\n\
             [[rule]]\nquery = \"subject:report\"\nadd = [\"work\", \"todo\"]\n\
             [[rule]]\nquery = \"tag:work\"\nadd = [\"seen-work\"]\nremove = [\"todo\"]\n",
        )
        .unwrap(),
        None,
    );
    let mut candidate = Candidate::new(
        &message,
        "home",
        crate::model::SourceKind::Maildir,
        &[],
        Default::default(),
        None,
    );
    let tags = tagger
        .tags(
            &mut candidate,
            &Arrival {
                raw: b"Subject: Weekly report\n\nnumbers\n",
                parent_stored: false,
                relation: Default::default(),
                scores: Default::default(),
            },
        )
        .tags;
    let names: Vec<&str> = tags.iter().map(|(tag, _)| tag.as_str()).collect();
    assert_eq!(names, ["work", "seen-work"]);
    assert_eq!(
        tags[1].1,
        crate::store::TagOrigin::Rule {
            position: 3,
            query: "tag:work".into()
        }
    );
}

#[test]
fn rules_at_import_match_what_a_search_finds() {
    let Some(corpus) = corpus() else { return };
    let queries = [
        "subject:re",
        "linux and not subject:re",
        "from:example.com",
        "from:rssfeeds@spamassassin.taint.org",
        "to:ilug@linux.ie or to:zzzz@spamassassin.t*",
        "to:\"zzzz example\"",
        "body:\"the list\"",
        "subject:sp*",
        "date:2002-08-01..2002-09-15",
        "is:attachment or is:unread",
        "source:maildir and account:home",
        "(razor OR spamassassin) -python",
        "tag:bulk and not tag:list*",
    ];
    let mut text = String::new();
    for (n, query) in queries.iter().enumerate() {
        text.push_str(&format!("[[rule]]\nquery = {query:?}\nadd = [\"q{n}\"]\n"));
    }
    let dir = tempfile::tempdir().unwrap();
    let maildir = maildir_of(&corpus, dir.path(), "easy_ham", 300);
    let (_store, index) = import(
        dir.path(),
        &maildir,
        Tagger::new(rules(&text).unwrap(), None),
    );
    let mut matched = 0;
    for (n, query) in queries.iter().enumerate() {
        let found = ids(&index, query);
        assert_eq!(ids(&index, &format!("tag:q{n}")), found, "{query}");
        matched += usize::from(!found.is_empty() && found.len() < 300);
    }
    // The queries discriminate: most match some messages but not all.
    assert!(matched >= 6, "only {matched} queries discriminate");
}

#[test]
fn builtin_taggers_tag_corpus_lists_bulk_mail_and_replies() {
    let Some(corpus) = corpus() else { return };
    let dir = tempfile::tempdir().unwrap();
    let maildir = maildir_of(&corpus, dir.path(), "easy_ham", 300);
    let (store, index) = import(dir.path(), &maildir, Tagger::new(Rules::default(), None));
    // List mail: the tag is the message's own List-Id.
    let lists = ids(&index, "tag:list/*");
    assert!(lists.len() > 50, "{} list messages", lists.len());
    for id in &lists {
        let raw = String::from_utf8_lossy(&store.raw(*id).unwrap().unwrap()).to_lowercase();
        let summary = store.summary(*id).unwrap().unwrap();
        let tag = summary
            .tags
            .iter()
            .find(|tag| tag.starts_with("list/"))
            .unwrap();
        assert!(raw.contains(&tag["list/".len()..]), "{tag}");
    }
    assert!(!ids(&index, "tag:bulk and tag:list/*").is_empty());
    // Replies: exactly the messages whose In-Reply-To names a message
    // stored before them (ids grow in arrival order).
    let replies = ids(&index, "tag:reply");
    assert!(!replies.is_empty());
    for id in ids(&index, "*") {
        let raw = store.raw(id).unwrap().unwrap();
        let message = crate::normalize::normalize_item(crate::model::SourceKind::Maildir, &raw);
        let parent = (message.in_reply_to.iter())
            .flat_map(|parent| ids(&index, &format!("id:\"{parent}\"")))
            .any(|parent| parent < id);
        assert_eq!(replies.contains(&id), parent, "{:?}", message.subject);
    }
    // Switched off, a tagger sets nothing.
    let other = tempfile::tempdir().unwrap();
    let maildir = maildir_of(&corpus, other.path(), "easy_ham", 300);
    let off = rules("[builtin]\nlist = false\nbulk = false\nreply = false\n").unwrap();
    let (_store, index) = import(other.path(), &maildir, Tagger::new(off, None));
    assert!(ids(&index, "tag:list/* or tag:bulk or tag:reply").is_empty());
}
