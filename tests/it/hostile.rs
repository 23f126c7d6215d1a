//! Hostile messages through import, store, index and the CLI: each is stored
//! byte for byte, found by its subject, and cut to the limits with a warning
//! instead of failing.

use std::path::Path;

use base64::Engine;
use inbox::normalize::LIST_LIMIT;
use serde_json::Value;

use crate::util::{TestInbox, corpus};

/// Decoded size of the attachment of the `attachment` case.
const ATTACHMENT_BYTES: usize = 8_000_000;

/// Deterministic bytes that do not compress (xorshift64).
fn noise(len: usize) -> Vec<u8> {
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state.to_le_bytes()[0]
        })
        .collect()
}

/// Base64 in 76-character lines, as mailers write it.
fn base64_lines(bytes: &[u8]) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
    let lines: Vec<&str> = encoded
        .as_bytes()
        .chunks(76)
        .map(|line| std::str::from_utf8(line).expect("base64 is ASCII"))
        .collect();
    lines.join("\n") + "\n"
}

/// The top-level fields every generated case shares; `word` is its subject.
fn header(word: &str, content_type: &str) -> String {
    format!(
        "From: Hostile Sender <sender@hostile.invalid>\n\
         To: victim@hostile.invalid\n\
         Subject: hostile {word}\n\
         Date: Mon, 01 Jan 2024 12:00:00 +0000\n\
         Message-ID: <{word}@hostile.invalid>\n\
         MIME-Version: 1.0\n\
         Content-Type: {content_type}\n"
    )
}

fn attachment() -> Vec<u8> {
    let mut raw = header("hxattachment", "multipart/mixed; boundary=\"outer\"");
    raw += "\n--outer\nContent-Type: text/plain\n\nAn attachment follows.\n--outer\n\
            Content-Type: application/octet-stream; name=\"big.bin\"\n\
            Content-Disposition: attachment; filename=\"big.bin\"\n\
            Content-Transfer-Encoding: base64\n\n";
    raw += &base64_lines(&noise(ATTACHMENT_BYTES));
    raw += "--outer--\n";
    raw.into_bytes()
}

fn ten_thousand_recipients() -> Vec<u8> {
    let to: Vec<String> = (0..10_000)
        .map(|i| format!("User {i} <u{i:05}@example.com>"))
        .collect();
    let raw = header("hxrecipients", "text/plain").replace(
        "To: victim@hostile.invalid",
        &format!("To: {}", to.join(",\n ")),
    );
    (raw + "\nTen thousand recipients.\n").into_bytes()
}

fn nested_multiparts(depth: usize) -> Vec<u8> {
    let mut raw = header("hxnested", "multipart/mixed; boundary=\"n0\"") + "\n--n0\n";
    for level in 1..depth {
        raw += &format!("Content-Type: multipart/mixed; boundary=\"n{level}\"\n\n--n{level}\n");
    }
    raw += "Content-Type: text/plain\n\ninnermost text part\n";
    for level in (0..depth).rev() {
        raw += &format!("--n{level}--\n");
    }
    raw.into_bytes()
}

fn nul_bytes() -> Vec<u8> {
    let raw = header("hxnulbytes", "multipart/mixed; boundary=\"nul\"")
        .replace("Subject: hostile", "Subject: before\0after hostile")
        + "X-Nul\0Name: value\0value\n\n\
           --nul\nContent-Type: text/plain\n\nline one\0\0\0\nline two\n\
           --nul\nContent-Type: application/octet-stream; name=\"nul.bin\"\n\
           Content-Transfer-Encoding: base64\n\n"
        + &base64_lines(&[0; 2000])
        + "--nul--\n";
    raw.into_bytes()
}

/// CRLF and LF alternating, also inside the MIME structure, and a bare CR
/// inside a body line.
fn mixed_line_ends() -> Vec<u8> {
    let text = header("hxlineends", "multipart/mixed; boundary=\"mix\"")
        + "\n--mix\nContent-Type: text/plain\n\nfirst line\nsecond line with a bare\rCR\n\
           --mix\nContent-Type: text/plain; name=\"notes.txt\"\n\
           Content-Disposition: attachment; filename=\"notes.txt\"\n\nattached text\n--mix--\n";
    let mut raw = Vec::new();
    for (i, line) in text.split_inclusive('\n').enumerate() {
        raw.extend_from_slice(line.as_bytes());
        if i % 2 == 0 {
            raw.truncate(raw.len() - 1);
            raw.extend_from_slice(b"\r\n");
        }
    }
    raw
}

fn bad_charsets() -> Vec<u8> {
    let mut raw = header("hxcharsets", "multipart/mixed; boundary=\"cs\"")
        .replace(
            "Subject: hostile",
            "Subject: =?x-unknown?Q?caf=E9?= =?utf-8?B?####?= =?utf-7?Q?+AGE?= =?unterminated hostile",
        )
        .into_bytes();
    raw.extend_from_slice(
        b"\n--cs\nContent-Type: text/plain; charset=x-unknown\n\n\
          plain text in an unknown charset \xe9\xff\xfe\x80\n\
          --cs\nContent-Type: text/plain; charset=utf-7\n\n\
          Hi Mom -+Jjo--! unterminated +AGEAYgBj bad +!!!!- \xff\n--cs--\n",
    );
    raw
}

/// The MimeKit sample that overflowed MimeKit's stack: thousands of folded
/// encoded-words in one To field.
fn mimekit_stack_overflow(corpus: &Path) -> Vec<u8> {
    let path = corpus.join("mime-tricky/mimekit/messages/cur/stack-overflow.txt:2,");
    std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// `inbox show --json ID` of the one message matching `query`.
fn shown(inbox: &TestInbox, query: &str) -> Value {
    let found: Value = serde_json::from_str(&inbox.ok(&["search", "--json", query])).unwrap();
    let found = found.as_array().unwrap();
    assert_eq!(found.len(), 1, "{query}: {found:?}");
    let id = found[0]["id"].as_i64().unwrap().to_string();
    serde_json::from_str(&inbox.ok(&["show", "--json", &id])).unwrap()
}

fn has_cut_warning(message: &Value) -> bool {
    message["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|w| w.as_str().unwrap().contains("were cut"))
}

fn write_maildir(dir: &Path, messages: &[(&str, Vec<u8>)]) {
    for sub in ["cur", "new", "tmp"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
    }
    for (name, bytes) in messages {
        std::fs::write(dir.join("cur").join(format!("{name}:2,")), bytes).unwrap();
    }
}

#[test]
fn hostile_messages_are_stored_found_and_capped() {
    let Some(corpus) = corpus() else { return };
    let messages = [
        ("attachment", attachment()),
        ("recipients", ten_thousand_recipients()),
        ("nested", nested_multiparts(2000)),
        ("nulbytes", nul_bytes()),
        ("lineends", mixed_line_ends()),
        ("charsets", bad_charsets()),
        ("mimekit-stack-overflow", mimekit_stack_overflow(&corpus)),
    ];
    let inbox = TestInbox::new();
    let maildir = inbox.home().with_file_name("hostile");
    write_maildir(&maildir, &messages);

    // Import exits 0 (checked by `import`) and stores every message.
    let summary = inbox.import(&maildir, "hostile");
    assert_eq!((summary.imported, summary.skipped), (7, 0), "{summary:?}");
    assert_eq!(inbox.count("*"), 7);

    // Each is found by its subject and its raw bytes come back unchanged.
    let mut with_warnings = 0;
    for (name, bytes) in &messages {
        let query = match *name {
            "mimekit-stack-overflow" => "subject:\"message subject\"".to_owned(),
            word => format!("subject:hx{word}"),
        };
        let message = shown(&inbox, &query);
        let id = message["id"].as_i64().unwrap().to_string();
        assert!(
            inbox.run(&["show", "--raw", &id]).stdout == *bytes,
            "{name}: raw bytes differ"
        );
        with_warnings += u64::from(!message["warnings"].as_array().unwrap().is_empty());
    }
    assert_eq!(summary.with_problems, with_warnings, "{summary:?}");

    let big = shown(&inbox, "subject:hxattachment");
    assert_eq!(
        big["attachment_list"],
        serde_json::json!([{"name": "big.bin", "mime_type": "application/octet-stream", "size": ATTACHMENT_BYTES}])
    );
    assert_eq!(big["body"], "An attachment follows.");
    let listed: Value =
        serde_json::from_str(&inbox.ok(&["search", "--json", "hxattachment"])).unwrap();
    assert_eq!(listed[0]["attachments"], 1);

    // 10,000 recipients: the first LIST_LIMIT are kept, with a warning.
    let crowd = shown(&inbox, "subject:hxrecipients");
    let to = crowd["to"].as_array().unwrap();
    assert_eq!(to.len(), LIST_LIMIT);
    assert_eq!(to[0]["address"], "u00000@example.com");
    assert_eq!(
        to[LIST_LIMIT - 1]["address"],
        format!("u{:05}@example.com", LIST_LIMIT - 1)
    );
    assert!(has_cut_warning(&crowd), "{:?}", crowd["warnings"]);
    assert_eq!(
        inbox.count(&format!("to:u{:05}@example.com", LIST_LIMIT - 1)),
        1
    );

    let nested = shown(&inbox, "subject:hxnested");
    assert_eq!(nested["body"], "innermost text part");

    let nul = shown(&inbox, "subject:hxnulbytes");
    let subject = nul["subject"].as_str().unwrap();
    assert!(
        subject.starts_with("before") && subject.contains("after hostile"),
        "{subject:?}"
    );
    assert!(nul["body"].as_str().unwrap().contains("line two"), "{nul}");
    assert_eq!(nul["attachment_list"][0]["name"], "nul.bin");
    assert_eq!(nul["attachment_list"][0]["size"], 2000);

    let mixed = shown(&inbox, "subject:hxlineends");
    assert!(
        mixed["body"]
            .as_str()
            .unwrap()
            .starts_with("first line\nsecond line"),
        "{mixed}"
    );
    assert_eq!(mixed["attachment_list"][0]["name"], "notes.txt");
    assert_eq!(inbox.count("body:\"second line\""), 1);

    let charsets = shown(&inbox, "subject:hxcharsets");
    let body = charsets["body"].as_str().unwrap();
    assert!(
        body.contains("plain text in an unknown charset"),
        "{body:?}"
    );
    assert!(body.contains("Hi Mom"), "{body:?}");

    let mimekit = shown(&inbox, "subject:\"message subject\"");
    assert_eq!(mimekit["to"][0]["address"], "test@test.com");
    assert_eq!(mimekit["body"].as_str().unwrap().trim(), "Message Body");
    assert!(has_cut_warning(&mimekit), "{:?}", mimekit["warnings"]);
}
