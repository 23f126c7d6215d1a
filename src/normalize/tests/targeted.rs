//! Targeted inputs: malformed, hostile and edge-case messages.

use crate::model::{Attachment, Participant};
use crate::normalize::guard::catch_quietly;
use crate::normalize::{BODY_LIMIT, FIELD_LIMIT, LIST_LIMIT, fallback, normalize};

fn person(name: Option<&str>, address: &str) -> Participant {
    Participant {
        name: name.map(str::to_owned),
        address: address.to_owned(),
    }
}

fn fell_back(message: &crate::model::Message) -> bool {
    message
        .warnings
        .iter()
        .any(|w| w.starts_with("could not parse MIME structure"))
}

const MULTIPART: &str = "From: \"Doe, Jane\" <Jane.Doe@Example.COM>\n\
To: team: Bob <BOB@example.org>, carol@example.org;, not an address\n\
Cc: =?UTF-8?Q?Ren=C3=A9?= <rene@example.net>\n\
Subject: =?UTF-8?B?SGVsbG8gV8O2cmxk?=\n\
Date: Tue, 12 Nov 2013 09:12:42 -0500\n\
Message-ID: <abc@example.com>\n\
In-Reply-To: <parent@example.com>\n\
References: <root@example.com>\n <parent@example.com>\n\
List-Id: Team list <team.example.org>\n\
Content-Type: multipart/mixed; boundary=\"XX\"\n\
\n\
--XX\n\
Content-Type: text/plain; charset=utf-8\n\
\n\
First line.\n\
Second line.\n\
--XX\n\
Content-Type: application/PDF; name=\"report.pdf\"\n\
Content-Transfer-Encoding: base64\n\
\n\
JVBERi0xLjQK\n\
--XX--\n";

#[test]
fn all_fields_are_filled() {
    let message = normalize(MULTIPART.as_bytes());
    assert_eq!(message.message_id.as_deref(), Some("abc@example.com"));
    assert_eq!(message.in_reply_to, ["parent@example.com"]);
    assert_eq!(
        message.references,
        ["root@example.com", "parent@example.com"]
    );
    assert_eq!(
        message.from,
        [person(Some("Doe, Jane"), "jane.doe@example.com")]
    );
    assert_eq!(
        message.to,
        [
            person(Some("Bob"), "bob@example.org"),
            person(None, "carol@example.org"),
            person(None, "not an address"),
        ]
    );
    assert_eq!(message.cc, [person(Some("René"), "rene@example.net")]);
    assert!(message.bcc.is_empty());
    assert_eq!(message.subject.as_deref(), Some("Hello Wörld"));
    assert_eq!(message.date, Some(1_384_265_562));
    assert_eq!(message.body, "First line.\nSecond line.");
    assert_eq!(
        message.attachments,
        [Attachment {
            name: Some("report.pdf".to_owned()),
            mime_type: "application/pdf".to_owned(),
            size: 9,
        }]
    );
    assert_eq!(message.list_id.as_deref(), Some("team.example.org"));
    assert!(message.warnings.is_empty(), "{:?}", message.warnings);
}

#[test]
fn lf_and_crlf_give_the_same_message() {
    let crlf = MULTIPART.replace('\n', "\r\n");
    assert_eq!(normalize(crlf.as_bytes()), normalize(MULTIPART.as_bytes()));

    // Mixed line ends, as in some Enron files.
    let mixed = MULTIPART.replacen('\n', "\r\n", 5);
    assert_eq!(normalize(mixed.as_bytes()), normalize(MULTIPART.as_bytes()));
}

#[test]
fn missing_headers_leave_fields_empty() {
    let message = normalize(b"Subject: only this\n\nBody text\n");
    assert_eq!(message.subject.as_deref(), Some("only this"));
    assert_eq!(message.body, "Body text\n");
    assert_eq!(message.message_id, None);
    assert_eq!(message.date, None);
    assert_eq!(message.list_id, None);
    assert!(message.from.is_empty() && message.to.is_empty());
    assert!(message.in_reply_to.is_empty() && message.references.is_empty());
    assert!(message.attachments.is_empty());
    assert!(message.warnings.is_empty(), "{:?}", message.warnings);
}

#[test]
fn invalid_date_is_none() {
    let message = normalize(b"Date: the day after tomorrow\nSubject: x\n\nbody\n");
    assert_eq!(message.date, None);
    let message = normalize(b"Date: Tue, 45 Foo 2013 99:12:42 -0500\n\nbody\n");
    assert_eq!(message.date, None);
}

#[test]
fn header_only_message_has_empty_body() {
    let message = normalize(b"From: a@example.com\r\nSubject: no body at all\r\n");
    assert_eq!(message.subject.as_deref(), Some("no body at all"));
    assert_eq!(message.from, [person(None, "a@example.com")]);
    assert_eq!(message.body, "");
    assert!(!fell_back(&message), "{:?}", message.warnings);
}

#[test]
fn nul_bytes_do_not_stop_reading() {
    let raw = b"From: a@example.com\nSubject: before\0after\n\nline one\0\nline two\n";
    let message = normalize(raw);
    let subject = message.subject.expect("subject");
    assert!(
        subject.starts_with("before") && subject.ends_with("after"),
        "{subject:?}"
    );
    assert!(message.body.contains("line one"), "{:?}", message.body);
    assert!(message.body.contains("line two"), "{:?}", message.body);
}

#[test]
fn eight_bit_subject_is_read_as_windows_1252() {
    let message = normalize(b"Subject: Caf\xe9 cr\xe8me \x80 5\n\nbody\n");
    assert_eq!(message.subject.as_deref(), Some("Café crème € 5"));
    let message = normalize("Subject: Grüße aus Köln\n\nbody\n".as_bytes());
    assert_eq!(message.subject.as_deref(), Some("Grüße aus Köln"));
}

#[test]
fn invalid_charset_does_not_fail() {
    let raw = b"Subject: =?x-no-such-charset?Q?abc?=\n\
Content-Type: text/plain; charset=x-no-such-charset\n\nplain \xff\xfe text\n";
    let message = normalize(raw);
    assert!(message.body.contains("plain"), "{:?}", message.body);
    assert!(message.subject.is_some());
}

#[test]
fn html_only_body_becomes_text_without_tags() {
    let raw = b"Content-Type: multipart/alternative; boundary=b\n\n--b\n\
Content-Type: text/html; charset=utf-8\n\n\
<html><head><style>p { color: red }</style><script>alert('x')</script></head>\
<body><p>Hello <b>bold</b> &amp; world</p><br>Second</body></html>\n--b--\n";
    let message = normalize(raw);
    assert!(
        message.body.contains("Hello bold & world"),
        "{:?}",
        message.body
    );
    assert!(message.body.contains("Second"), "{:?}", message.body);
    for leftover in ["<", ">", "color", "alert", "&amp;"] {
        assert!(
            !message.body.contains(leftover),
            "{leftover} in {:?}",
            message.body
        );
    }
}

#[test]
fn text_part_wins_over_html() {
    let raw = b"Content-Type: multipart/alternative; boundary=b\n\n--b\n\
Content-Type: text/plain\n\nplain version\n--b\n\
Content-Type: text/html\n\n<p>html version</p>\n--b--\n";
    assert_eq!(normalize(raw).body, "plain version");
}

#[test]
fn long_body_is_capped_with_a_warning() {
    // Multi-byte characters around the limit must not split.
    let text = "ä".repeat(BODY_LIMIT);
    let raw = format!("Subject: big\nContent-Type: text/plain; charset=utf-8\n\n{text}");
    let message = normalize(raw.as_bytes());
    assert!(message.body.len() <= BODY_LIMIT && message.body.len() > BODY_LIMIT - 4);
    assert!(
        message
            .warnings
            .iter()
            .any(|w| w.contains("only the first"))
    );

    let short = normalize(b"Subject: small\n\nsmall body\n");
    assert!(short.warnings.is_empty());
}

#[test]
fn long_header_values_are_cut_with_a_warning() {
    let raw = format!("Subject: {}\n\nbody\n", "word ".repeat(FIELD_LIMIT));
    let message = normalize(raw.as_bytes());
    assert!(message.subject.is_some_and(|s| s.len() <= FIELD_LIMIT));
    assert!(message.warnings.iter().any(|w| w.contains("cut")));

    let recipients: Vec<String> = (0..LIST_LIMIT + 5)
        .map(|i| format!("u{i}@example.com"))
        .collect();
    let raw = format!("To: {}\n\nbody\n", recipients.join(", "));
    let message = normalize(raw.as_bytes());
    assert_eq!(message.to.len(), LIST_LIMIT);
    assert_eq!(message.to[0].address, "u0@example.com");
    assert!(message.warnings.iter().any(|w| w.contains("cut")));
}

#[test]
fn text_without_headers_falls_back_to_raw_text() {
    let message = normalize(b"just a line of text\nand another\n");
    assert!(fell_back(&message), "{:?}", message.warnings);
    assert_eq!(message.body, "just a line of text\nand another\n");
    assert_eq!(normalize(b""), normalize(b""));
    assert!(fell_back(&normalize(b"")));
}

#[test]
fn fallback_scan_reads_folded_headers() {
    let raw = b"From nobody Thu Aug 22 13:17:22 2002\r\n\
From: \"Jane\" <JANE@example.com>, bob@example.org\r\n\
To: carol@example.org\r\n\
Subject: =?UTF-8?Q?caf=C3=A9?=\r\n\tcontinued\r\n\
Date: Tue, 12 Nov 2013 09:12:42 -0500\r\n\
Message-ID: <id@example.com>\r\n\
References: <a@x> <b@x>\r\n\
List-Id: <list.example.org>\r\n\
\r\n\
raw \xffbody\r\n";
    let message = fallback::scan(raw);
    assert_eq!(
        message.from,
        [
            person(Some("Jane"), "jane@example.com"),
            person(None, "bob@example.org")
        ]
    );
    assert_eq!(message.to, [person(None, "carol@example.org")]);
    assert_eq!(message.subject.as_deref(), Some("café continued"));
    assert_eq!(message.date, Some(1_384_265_562));
    assert_eq!(message.message_id.as_deref(), Some("id@example.com"));
    assert_eq!(message.references, ["a@x", "b@x"]);
    assert_eq!(message.list_id.as_deref(), Some("list.example.org"));
    assert_eq!(message.body, "raw \u{FFFD}body\n");
}

#[test]
fn fallback_scan_stops_headers_at_a_non_field_line() {
    let message = fallback::scan(b"Subject: hi\nthis is no header\nmore\n");
    assert_eq!(message.subject.as_deref(), Some("hi"));
    assert_eq!(message.body, "this is no header\nmore\n");
}

#[test]
fn panics_are_caught_and_reported() {
    let caught = catch_quietly(|| -> u8 { panic!("crafted input") });
    assert_eq!(caught, Err("crafted input".to_owned()));
    assert_eq!(catch_quietly(|| 7), Ok(7));
}

#[test]
fn hostile_inputs_never_panic() {
    let mut inputs: Vec<Vec<u8>> = vec![
        b"\0\0\0\0".to_vec(),
        b":\n:\n\n".to_vec(),
        b"Content-Type: multipart/mixed; boundary=\"\"\n\n--\n--\n".to_vec(),
        b"Content-Type: message/rfc822\n\n".to_vec(),
        b"Content-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\n!!!\n".to_vec(),
        b"Subject: =?utf-8?B?####?= =?utf-8?Q?=ZZ?=\n\n".to_vec(),
        b"\xEF\xBB\xBFFrom: a@b\n\nbom\n".to_vec(),
        b"\r\r\r\n\n\r".to_vec(),
    ];
    // Deep nesting of multiparts and attached messages.
    let mut nested = Vec::new();
    for depth in 0..2000 {
        nested.extend_from_slice(
            format!("Content-Type: multipart/mixed; boundary=\"b{depth}\"\n\n--b{depth}\n")
                .as_bytes(),
        );
    }
    inputs.push(nested);
    inputs.push(b"Content-Type: message/rfc822\n\n".repeat(2000));
    for raw in &inputs {
        let _ = normalize(raw);
        for cut in [1, raw.len() / 2, raw.len().saturating_sub(1)] {
            let _ = normalize(&raw[..cut.min(raw.len())]);
        }
    }
}

#[test]
fn a_field_after_a_misread_date_is_kept() {
    // mail-parser 0.11 swallows the line after this Date with LF line ends.
    let lf = "From: <z9@china.example>\nDate: 03 Jul 01 4:12:06 PM\nMessage-Id: <0UW3Y47e27xw>\n\
              To: good@china.example\nSubject: Incredible\n\nGreetings\n";
    let crlf = lf.replace('\n', "\r\n");
    for raw in [lf, crlf.as_str()] {
        let message = normalize(raw.as_bytes());
        assert_eq!(
            message.message_id.as_deref(),
            Some("0UW3Y47e27xw"),
            "{raw:?}"
        );
        assert_eq!(message.to[0].address, "good@china.example");
        assert_eq!(message.subject.as_deref(), Some("Incredible"));
    }
}

#[test]
fn folded_message_ids_are_unfolded() {
    let cases = [
        ("<split\r\n here@example.org>", "split here@example.org"),
        (
            "<split\r\n\there@example.org\r\n >",
            "split here@example.org",
        ),
        (
            "\r\n <after-a-fold@example.org>",
            "after-a-fold@example.org",
        ),
        ("no-brackets\r\n @example.org", "no-brackets @example.org"),
        ("<a.\r\n b@example.org> (comment)", "a. b@example.org"),
    ];
    for (value, id) in cases {
        let raw = format!(
            "From: a@example.org\r\nMessage-ID: {value}\r\nIn-Reply-To: {value}\r\n\
             References: <first@example.org> {value}\r\nSubject: ids\r\n\r\nbody\r\n"
        );
        for message in [normalize(raw.as_bytes()), fallback::scan(raw.as_bytes())] {
            assert_eq!(message.message_id.as_deref(), Some(id), "{value:?}");
            assert_eq!(message.in_reply_to, [id], "{value:?}");
            // An id without brackets is read only when it is the field's one id.
            let references: &[&str] = match value.contains('<') {
                true => &["first@example.org", id],
                false => &["first@example.org"],
            };
            assert_eq!(message.references, references, "{value:?}");
        }
    }
}
