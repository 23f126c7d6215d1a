//! Tagging rules: applied at import, checked, and applied again to stored mail.

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
    let inbox = TestInbox::new();
    std::fs::create_dir_all(inbox.home()).unwrap();
    std::fs::write(inbox.home().join("rules.toml"), RULES).unwrap();
    let imported = inbox.import(&corpus().join("spamassassin/hard_ham"), "hard");
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
        corpus().join("spamassassin/hard_ham").to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    assert_eq!(inbox.count("*"), 0);
}
