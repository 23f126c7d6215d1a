//! Text from a message never drives the terminal: every human-readable
//! output shows control characters and bidirectional formatting characters
//! (`^[`, `<U+202E>`) instead of printing them.

use serde_json::Value;

use crate::util::TestInbox;

/// Window title (OSC 0), screen clear, an OSC 8 link, a right-to-left
/// override and a C1 CSI in the subject; more of them in the sender's name,
/// the body (with backspaces over what was printed), the attachment's name,
/// the List-Id and the folder's name.
fn hostile_message() -> Vec<u8> {
    let mut raw = String::new();
    raw += "From: =?utf-8?q?Mallory=1B]0;pwned=07?= <mallory@example.org>\r\n";
    raw += "To: you@example.org\r\n";
    raw += "Subject: =?utf-8?q?zqxterm_=1B[2J=1B]8;;http://evil.example/=07click=1B]8;;=07\
            _=E2=80=AEfdp.exe_=C2=9B31m?=\r\n";
    raw += "Date: Mon, 02 Mar 2026 10:00:00 +0000\r\n";
    raw += "Message-ID: <terminal@example.org>\r\n";
    raw += "List-Id: Evil <ev\u{1b}]0;x\u{7}il.\u{202e}example.org>\r\n";
    raw += "MIME-Version: 1.0\r\n";
    raw += "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n";
    raw += "--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n";
    raw += "Dear user,\r\n\tyour account is fine.\u{8}\u{8}\u{8}\u{8}lost\u{1b}[2J\r\n";
    raw += "read \u{2067}this\u{2069} and \u{9b}1mthat\r\n";
    raw += "--b1\r\nContent-Type: application/octet-stream\r\n";
    raw += "Content-Disposition: attachment; filename=\"invoice\u{202e}fdp\u{1b}[8m.exe\"\r\n";
    raw += "Content-Transfer-Encoding: base64\r\n\r\nAAECAwQFBgc=\r\n--b1--\r\n";
    raw.into_bytes()
}

/// The characters no human-readable output may hold: controls other than
/// line breaks and tabs, and bidirectional formatting characters.
fn obeyed(text: &str) -> Vec<char> {
    const BIDI: &str = "\u{61c}\u{200e}\u{200f}\u{202a}\u{202b}\u{202c}\u{202d}\u{202e}\
                        \u{2066}\u{2067}\u{2068}\u{2069}";
    text.chars()
        .filter(|&c| (c.is_control() && c != '\n' && c != '\t') || BIDI.contains(c))
        .collect()
}

#[test]
fn every_human_output_shows_control_characters() {
    let inbox = TestInbox::new();
    let mail = tempfile::tempdir().unwrap();
    let folder = mail.path().join("Folder\u{1b}[31m\u{202e}red");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(folder.join("hostile.eml"), hostile_message()).unwrap();
    inbox.import(mail.path(), "local");

    let found: Value = serde_json::from_str(&inbox.ok(&["search", "--json", "zqxterm"])).unwrap();
    let id = found[0]["id"]
        .as_i64()
        .expect("the message is found")
        .to_string();
    let tags = found[0]["tags"].as_array().unwrap();
    let list_tag = tags
        .iter()
        .filter_map(Value::as_str)
        .find(|tag| tag.starts_with("list/"))
        .expect("a list tag");
    assert_eq!(list_tag, "list/ev]0;xil.example.org", "{tags:?}");

    let commands: [&[&str]; 5] = [
        &["search", "zqxterm"],
        &["show", &id],
        &["thread", &id],
        &["stats"],
        &["explain", &id],
    ];
    for args in commands {
        let out = inbox.ok(args);
        assert_eq!(obeyed(&out), Vec::<char>::new(), "inbox {args:?}:\n{out}");
        assert!(out.contains("^["), "inbox {args:?} shows ESC:\n{out}");
    }
    let shown = inbox.ok(&["show", &id]);
    for visible in [
        "Subject: zqxterm ^[[2J^[]8;;http://evil.example/^Gclick^[]8;;^G <U+202E>fdp.exe <U+009B>31m",
        "Mallory^[]0;pwned^G <mallory@example.org>",
        "Attachment: invoice<U+202E>fdp^[[8m.exe",
        "Folder^[[31m<U+202E>red",
        "Dear user,\n\tyour account is fine.^H^H^H^Hlost^[[2J\n",
        "read <U+2067>this<U+2069> and <U+009B>1mthat",
    ] {
        assert!(shown.contains(visible), "show lacks {visible:?}:\n{shown}");
    }
    let explained = inbox.ok(&["explain", &id]);
    assert!(
        explained.contains("List-Id: <ev^[]0;x^Gil.<U+202E>example.org>"),
        "{explained}"
    );
    assert!(
        explained.contains("invoice<U+202E>fdp^[[8m.exe"),
        "{explained}"
    );
    let stats = inbox.ok(&["stats"]);
    assert!(stats.contains("Folder^[[31m<U+202E>red"), "{stats}");

    // JSON keeps the text as it is, escaped by JSON.
    let json: Value = serde_json::from_str(&inbox.ok(&["show", "--json", &id])).unwrap();
    assert!(json["subject"].as_str().unwrap().contains('\u{1b}'));
}
