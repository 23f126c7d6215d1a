//! Export and tag dumps: what leaves comes back the same.

use std::collections::BTreeMap;
use std::path::Path;

use base64::Engine;

use crate::util::{TestInbox, corpus};

/// Raw bytes per message of a JSON Lines export, sorted (a multiset).
fn raw_of_json_export(path: &Path) -> Vec<Vec<u8>> {
    let text = std::fs::read_to_string(path).expect("read the json export");
    let mut raws: Vec<Vec<u8>> = text
        .lines()
        .map(|line| {
            let object: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
            let encoded = object["raw_base64"].as_str().expect("raw_base64");
            base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .expect("base64")
        })
        .collect();
    raws.sort();
    raws
}

fn sorted_lines(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    lines.sort();
    lines
}

fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn exports_come_back_byte_identical_with_their_tags() {
    let Some(corpus) = corpus() else { return };
    let source = TestInbox::new();
    source.import(&corpus.join("mime-tricky"), "tricky");
    source.import(&corpus.join("enron-sample"), "enron");
    source.ok(&["tag", "+work", "--", "account:enron"]);
    source.ok(&[
        "tag",
        "+café",
        "-unread",
        "+flagged",
        "--",
        "account:tricky",
    ]);
    source.ok(&["tag", "-work", "--", "account:enron and date:..2001-06-01"]);
    let total = source.count("*");
    let out = tempfile::tempdir().unwrap();
    let path = |name: &str| out.path().join(name);
    let as_str = |path: &Path| path.to_str().unwrap().to_owned();

    for (format, name) in [
        ("json", "all.jsonl"),
        ("mbox", "all.mbox"),
        ("maildir", "all.maildir"),
    ] {
        let said = source.ok(&[
            "export",
            "--format",
            format,
            "--output",
            &as_str(&path(name)),
        ]);
        assert!(
            said.contains(&format!("exported {total} messages")),
            "{said}"
        );
        assert_eq!(
            mode(&path(name)),
            if format == "maildir" { 0o700 } else { 0o600 }
        );
        assert_eq!(mode(&path(&format!("{name}.tags"))), 0o600);
    }
    let original = raw_of_json_export(&path("all.jsonl"));
    assert_eq!(original.len(), total);
    let dump = source.ok(&["tags", "dump"]);
    assert_eq!(
        sorted_lines(&dump),
        sorted_lines(&std::fs::read_to_string(path("all.jsonl.tags")).unwrap())
    );
    assert!(dump.contains("+flagged +caf%c3%a9 -- id:"), "{dump}");

    // Nothing is overwritten.
    let again = source.run(&[
        "export",
        "--format",
        "mbox",
        "--output",
        &as_str(&path("all.mbox")),
    ]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));

    // A Maildir carries every message exactly.
    let copy = TestInbox::new();
    copy.import(&path("all.maildir"), "back");
    let restored = copy.ok(&["tags", "restore", &as_str(&path("all.maildir.tags"))]);
    assert!(restored.contains(" changed"), "{restored}");
    copy.ok(&[
        "export",
        "--format",
        "json",
        "--output",
        &as_str(&path("back.jsonl")),
    ]);
    let back = raw_of_json_export(&path("back.jsonl"));
    assert!(
        back == original,
        "raw bytes differ after the Maildir round trip"
    );
    assert_eq!(
        sorted_lines(&copy.ok(&["tags", "dump"])),
        sorted_lines(&dump)
    );

    // An mbox carries well-formed mail exactly (a message must start with a
    // header field, and gets a final newline if it had none).
    let mbox = path("enron.mbox");
    source.ok(&[
        "export",
        "account:enron",
        "--format",
        "mbox",
        "--output",
        &as_str(&mbox),
    ]);
    source.ok(&[
        "export",
        "account:enron",
        "--format",
        "json",
        "--output",
        &as_str(&path("enron.jsonl")),
    ]);
    let copy = TestInbox::new();
    copy.import(&mbox, "back");
    copy.ok(&["tags", "restore", &as_str(&path("enron.mbox.tags"))]);
    copy.ok(&[
        "export",
        "--format",
        "json",
        "--output",
        &as_str(&path("enron-back.jsonl")),
    ]);
    let mut expected: Vec<Vec<u8>> = raw_of_json_export(&path("enron.jsonl"))
        .into_iter()
        .map(|mut raw| {
            if !raw.ends_with(b"\n") {
                raw.push(b'\n');
            }
            raw
        })
        .collect();
    expected.sort();
    let back = raw_of_json_export(&path("enron-back.jsonl"));
    assert_eq!(back.len(), expected.len());
    assert!(
        back == expected,
        "raw bytes differ after the mbox round trip"
    );
    assert_eq!(
        sorted_lines(&copy.ok(&["tags", "dump"])),
        sorted_lines(&source.ok(&["tags", "dump", "account:enron"]))
    );
}

#[test]
fn an_account_exports_alone_and_a_bad_dump_line_is_named() {
    let Some(corpus) = corpus() else { return };
    let inbox = TestInbox::new();
    inbox.import(&corpus.join("mime-tricky"), "tricky");
    inbox.import(&corpus.join("enron-sample"), "enron");
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("enron.jsonl");
    inbox.ok(&[
        "export",
        "--account",
        "enron",
        "--format",
        "json",
        "--output",
        file.to_str().unwrap(),
    ]);
    let accounts: BTreeMap<String, usize> = std::fs::read_to_string(&file).unwrap().lines().fold(
        BTreeMap::new(),
        |mut counts, line| {
            let object: serde_json::Value = serde_json::from_str(line).unwrap();
            *counts
                .entry(object["account"].as_str().unwrap().to_owned())
                .or_default() += 1;
            counts
        },
    );
    assert_eq!(accounts.keys().collect::<Vec<_>>(), ["enron"]);
    assert_eq!(accounts["enron"], inbox.count("account:enron"));

    let dump = out.path().join("bad.tags");
    std::fs::write(&dump, "+a -- id:x@y\n+b id:z@y\n").unwrap();
    let refused = inbox.run(&["tags", "restore", dump.to_str().unwrap()]);
    assert!(!refused.status.success());
    let complaint = String::from_utf8_lossy(&refused.stderr);
    assert!(complaint.contains("line 2"), "{complaint}");
}

#[test]
fn the_export_method_writes_what_the_command_line_writes() {
    let Some(corpus) = corpus() else { return };
    use std::sync::Arc;

    use inbox::api::Api;
    use inbox::home::Home;
    use inbox::rpc::{ApiHandler, Client, Server, ServerConfig};
    use serde_json::json;

    let inbox = TestInbox::new();
    inbox.import(&corpus.join("mime-tricky"), "tricky");
    inbox.import(&corpus.join("enron-sample"), "enron");
    let out = tempfile::tempdir().unwrap();
    let by_cli = out.path().join("cli.mbox");
    let by_rpc = out.path().join("rpc.mbox");
    inbox.ok(&[
        "export",
        "--format",
        "mbox",
        "--output",
        by_cli.to_str().unwrap(),
        "--account",
        "enron",
        "date:2001",
    ]);

    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let home = Home::at(&inbox.home());
    let server = runtime
        .block_on(async { Server::bind(&home.socket_path(), ServerConfig::default()) })
        .expect("listen on the home's socket");
    let handler = ApiHandler::new(Arc::new(Api::open(&home).expect("open the api")));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    runtime.spawn(server.run(Arc::new(handler), async {
        let _ = stopped.await;
    }));
    let (answer, relative, discovered) = runtime.block_on(async {
        let mut client = Client::connect(&home.socket_path()).await.expect("connect");
        let params = json!({"query": "date:2001", "format": "mbox",
                            "output": by_rpc, "account": "enron"});
        let answer = (client.call("export", Some(params)).await.expect("export")).to_value();
        let relative = client
            .call(
                "export",
                Some(json!({"format": "json", "output": "rel.jsonl"})),
            )
            .await;
        let discovered = (client.call("rpc.discover", None).await)
            .expect("discover")
            .to_value();
        (answer, relative, discovered)
    });
    drop(stop);

    let cli_bytes = std::fs::read(&by_cli).unwrap();
    assert!(cli_bytes.len() > 1000);
    assert_eq!(std::fs::read(&by_rpc).unwrap(), cli_bytes);
    let dump = |path: &Path| std::fs::read(format!("{}.tags", path.display())).unwrap();
    assert_eq!(dump(&by_rpc), dump(&by_cli));
    assert_eq!(
        answer["messages"],
        inbox.count("account:enron and date:2001")
    );
    assert_eq!(answer["output"], by_rpc.to_str().unwrap());
    let refused = format!("{:?}", relative.expect_err("a relative path is refused"));
    assert!(refused.contains("absolute"), "{refused}");
    let names: Vec<&str> = discovered["methods"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|method| method["name"].as_str())
        .collect();
    assert!(
        names.contains(&"export") && names.contains(&"apply_retention"),
        "{names:?}"
    );
}
