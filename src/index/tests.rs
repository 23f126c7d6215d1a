use std::collections::BTreeSet;

use chrono::NaiveDate;
use tempfile::TempDir;

use super::*;
use crate::model::Attachment;

/// UTC+02:00, the time zone of the test clock.
const OFFSET: i32 = 7_200;

/// Unix seconds of a local time in UTC+02:00.
fn local(year: i32, month: u32, day: u32, hour: u32, minute: u32) -> i64 {
    let date = NaiveDate::from_ymd_opt(year, month, day).expect("valid date");
    let time = date.and_hms_opt(hour, minute, 0).expect("valid time");
    time.and_utc().timestamp() - i64::from(OFFSET)
}

/// 2002-08-20 14:00 local time.
fn now() -> i64 {
    local(2002, 8, 20, 14, 0)
}

fn person(name: Option<&str>, address: &str) -> Participant {
    Participant {
        name: name.map(str::to_owned),
        address: address.to_owned(),
    }
}

/// One test message and the metadata indexed with it.
struct Entry {
    id: i64,
    thread: i64,
    account: &'static str,
    source: SourceKind,
    folders: Vec<String>,
    flags: Flags,
    tags: Vec<String>,
    received: Option<i64>,
    importance: f64,
    message: Message,
}

impl Entry {
    fn doc(&self) -> IndexDoc<'_> {
        IndexDoc {
            id: MessageId(self.id),
            thread: ThreadId(self.thread),
            account: self.account,
            source: self.source,
            folders: &self.folders,
            flags: self.flags,
            tags: &self.tags,
            received: self.received,
            importance: self.importance,
            message: &self.message,
        }
    }
}

impl Entry {
    /// A message in INBOX of account `home`, its own thread, with nothing else set.
    fn plain(id: i64, source: SourceKind, message: Message) -> Entry {
        Entry {
            id,
            thread: id,
            account: "home",
            source,
            folders: strings(&["INBOX"]),
            flags: Flags::default(),
            tags: Vec::new(),
            received: None,
            importance: 0.0,
            message,
        }
    }
}

/// A new index holding `entries`, committed and loaded.
fn index_of(entries: &[Entry]) -> (TempDir, Index) {
    let dir = TempDir::new().expect("temp dir");
    let index = Index::open(dir.path()).expect("open");
    let mut writer = index.writer().expect("writer");
    for entry in entries {
        writer.upsert(&entry.doc()).expect("upsert");
    }
    writer.commit(1).expect("commit");
    drop(writer);
    index.reload().expect("reload");
    (dir, index)
}

fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|value| (*value).to_owned()).collect()
}

fn entries() -> Vec<Entry> {
    vec![
        Entry {
            id: 1,
            thread: 10,
            account: "home",
            source: SourceKind::Maildir,
            folders: strings(&["INBOX"]),
            flags: Flags {
                seen: true,
                ..Flags::default()
            },
            tags: strings(&["inbox", "Work"]),
            received: None,
            importance: 0.7,
            message: Message {
                message_id: Some("abc@perl.org".to_owned()),
                from: vec![person(Some("Pudge"), "pudge@perl.org")],
                to: vec![person(Some("Phillip Allen"), "phillip.allen@enron.com")],
                cc: vec![person(None, "bob@lists.perl.org")],
                subject: Some("Credit card offer".to_owned()),
                date: Some(local(2002, 8, 1, 0, 30)),
                body: "Your credit card is ready. Subjects vary.".to_owned(),
                attachments: vec![Attachment {
                    name: Some("offer.pdf".to_owned()),
                    mime_type: "application/pdf".to_owned(),
                    size: 10,
                }],
                ..Message::default()
            },
        },
        Entry {
            id: 2,
            thread: 20,
            account: "work",
            source: SourceKind::Imap,
            folders: strings(&["Lists/Perl", "Archive"]),
            flags: Flags {
                flagged: true,
                answered: true,
                ..Flags::default()
            },
            tags: strings(&["inbox"]),
            received: Some(local(2002, 9, 2, 0, 0)),
            importance: 0.7,
            message: Message {
                message_id: Some("Budget.1@Enron.com".to_owned()),
                from: vec![person(Some("Phillip K Allen"), "pallen@enron.com")],
                to: vec![person(None, "jdoe@example.com")],
                subject: Some("Re: budget".to_owned()),
                date: Some(local(2002, 8, 31, 23, 59)),
                body: "The card credit budget numbers, in a subjunctive mood. Grüße aus München."
                    .to_owned(),
                ..Message::default()
            },
        },
        Entry {
            id: 3,
            thread: 10,
            account: "x-acct",
            source: SourceKind::X,
            folders: strings(&["dm/123"]),
            flags: Flags {
                draft: true,
                deleted: true,
                ..Flags::default()
            },
            tags: Vec::new(),
            received: Some(now() - 26 * 3_600),
            importance: 0.5,
            message: Message {
                from: vec![person(Some("Dave"), "dave@example.com")],
                to: vec![person(None, "pudge@perl.org")],
                subject: Some("Meeting today".to_owned()),
                body: "see you".to_owned(),
                ..Message::default()
            },
        },
        Entry {
            id: 4,
            thread: 30,
            account: "home",
            source: SourceKind::Mbox,
            folders: strings(&["spam"]),
            flags: Flags {
                seen: true,
                ..Flags::default()
            },
            tags: Vec::new(),
            received: None,
            importance: 0.0,
            message: Message {
                from: vec![person(Some("Spam"), "offers@spam.example")],
                subject: Some("CREDIT card".to_owned()),
                date: Some(local(2002, 9, 15, 10, 0)),
                body: format!("cheap {}", "x".repeat(40)),
                ..Message::default()
            },
        },
        Entry {
            id: 5,
            thread: 40,
            account: "home",
            source: SourceKind::Mbox,
            folders: strings(&["old"]),
            flags: Flags::default(),
            tags: Vec::new(),
            received: None,
            importance: 0.7,
            message: Message {
                from: vec![person(None, "nobody@nowhere.org")],
                subject: Some("undated".to_owned()),
                ..Message::default()
            },
        },
    ]
}

/// An index in a temp dir holding [`entries`], with the test clock.
fn fixture() -> (TempDir, Index) {
    let dir = TempDir::new().expect("temp dir");
    let mut index = Index::open(dir.path()).expect("open");
    index.set_clock(Clock::fixed(now(), OFFSET).expect("clock"));
    let mut writer = index.writer().expect("writer");
    for entry in entries() {
        writer.upsert(&entry.doc()).expect("upsert");
    }
    writer.commit(5).expect("commit");
    drop(writer);
    index.reload().expect("reload");
    (dir, index)
}

/// The ids matching `query`, also checking that `count` agrees.
fn ids(index: &Index, query: &str) -> BTreeSet<i64> {
    let parsed = parse(query).unwrap_or_else(|error| panic!("{query}: {error}"));
    let found: BTreeSet<i64> = index
        .search(&parsed, Sort::NewestFirst, 100, 0)
        .expect("search")
        .into_iter()
        .map(|id| id.0)
        .collect();
    assert_eq!(index.count(&parsed).expect("count"), found.len(), "{query}");
    found
}

fn ordered(index: &Index, query: &str, sort: Sort, limit: usize, offset: usize) -> Vec<i64> {
    let parsed = parse(query).expect("query");
    let found = index.search(&parsed, sort, limit, offset).expect("search");
    found.into_iter().map(|id| id.0).collect()
}

fn check(index: &Index, cases: &[(&str, &[i64])]) {
    for (query, expected) in cases {
        let expected: BTreeSet<i64> = expected.iter().copied().collect();
        assert_eq!(ids(index, query), expected, "{query}");
    }
}

#[test]
fn address_prefixes_match_names_addresses_and_domains() {
    let (_dir, index) = fixture();
    check(
        &index,
        &[
            ("from:pudge", &[1]),
            ("from:pudge@perl.org", &[1]),
            ("from:perl.org", &[1]),
            ("FROM:PUDGE@PERL.ORG", &[1]),
            ("from:Pudge@Perl.Org", &[1]),
            ("from:phillip", &[2]),
            ("from:phil*", &[2]),
            ("from:\"Phillip K Allen\"", &[2]),
            ("from:\"Phillip Allen\"", &[]),
            ("to:\"Phillip Allen\"", &[1]),
            ("to:pudge@perl.org", &[3]),
            ("to:perl.org", &[1, 3]),
            ("to:lists.perl.org", &[1]),
            ("to:bob", &[1]),
            ("cc:bob@lists.perl.org", &[1]),
            ("cc:phillip", &[]),
            ("from:enron.com", &[2]),
            ("from:nowhere", &[5]),
        ],
    );
}

#[test]
fn text_prefixes_phrases_and_wildcards() {
    let (_dir, index) = fixture();
    check(
        &index,
        &[
            ("credit", &[1, 2, 4]),
            ("CREDIT", &[1, 2, 4]),
            ("subject:credit", &[1, 4]),
            ("subject:\"credit card\"", &[1, 4]),
            ("body:\"credit card\"", &[1]),
            ("body:\"card credit\"", &[2]),
            ("\"credit card\"", &[1, 4]),
            ("subject:re", &[2]),
            ("body:numbers", &[2]),
            ("body:münchen", &[2]),
            ("body:MÜNCHEN", &[2]),
            ("subj*", &[1, 2]),
            ("subject:subj*", &[]),
            ("\"credit ca\"*", &[1, 4]),
            ("body:\"card cre\"*", &[2]),
            ("pudge", &[1, 3]),
            ("meeting", &[3]),
        ],
    );
}

#[test]
fn keyword_prefixes_match_whole_values_without_case() {
    let (_dir, index) = fixture();
    check(
        &index,
        &[
            ("tag:inbox", &[1, 2]),
            ("tag:work", &[1]),
            ("tag:WORK", &[1]),
            ("tag:in*", &[1, 2]),
            ("tag:inbo", &[]),
            ("account:work", &[2]),
            ("account:home", &[1, 4, 5]),
            ("folder:inbox", &[1]),
            ("folder:lists/perl", &[2]),
            ("folder:lists/*", &[2]),
            ("folder:archive", &[2]),
            ("folder:lists", &[]),
            ("source:imap", &[2]),
            ("source:maildir", &[1]),
            ("source:mbox", &[4, 5]),
            ("source:x", &[3]),
            ("id:<abc@perl.org>", &[1]),
            ("id:abc@perl.org", &[1]),
            ("id:budget.1@enron.com", &[2]),
            ("thread:10", &[1, 3]),
            ("thread:99", &[]),
        ],
    );
}

#[test]
fn flags_and_their_tag_aliases() {
    let (_dir, index) = fixture();
    check(
        &index,
        &[
            ("is:unread", &[2, 3, 5]),
            ("tag:unread", &[2, 3, 5]),
            ("is:read", &[1, 4]),
            ("is:flagged", &[2]),
            ("tag:flagged", &[2]),
            ("is:replied", &[2]),
            ("is:draft", &[3]),
            ("is:deleted", &[3]),
            ("tag:deleted", &[3]),
            ("is:attachment", &[1]),
        ],
    );
}

#[test]
fn boolean_combinations() {
    let (_dir, index) = fixture();
    check(
        &index,
        &[
            ("*", &[1, 2, 3, 4, 5]),
            ("", &[1, 2, 3, 4, 5]),
            ("credit card", &[1, 2, 4]),
            ("credit AND tag:inbox", &[1, 2]),
            ("credit OR meeting", &[1, 2, 3, 4]),
            ("credit -subject:credit", &[2]),
            ("credit NOT subject:credit", &[2]),
            ("-tag:inbox", &[3, 4, 5]),
            ("NOT is:unread", &[1, 4]),
            ("not is:unread or is:draft", &[1, 3, 4]),
            ("(from:pudge OR from:dave) is:draft", &[3]),
            ("tag:inbox -(from:pudge OR is:flagged)", &[]),
            ("-credit -meeting", &[5]),
            ("is:read OR -tag:inbox", &[1, 3, 4, 5]),
        ],
    );
}

#[test]
fn dates_are_whole_local_days_months_and_years() {
    let (_dir, index) = fixture();
    check(
        &index,
        &[
            // Message 1 is 2002-08-01 00:30 local, still 2002-07-31 in UTC.
            ("date:2002-08-01", &[1]),
            ("date:2002-07-31", &[]),
            ("date:2002-08-31", &[2]),
            ("date:2002-08-01..2002-08-31", &[1, 2, 3]),
            ("date:2002-08-02..2002-08-30", &[3]),
            ("date:2002-08", &[1, 2, 3]),
            ("date:2002-09", &[4]),
            ("date:2002", &[1, 2, 3, 4]),
            ("date:2003", &[]),
            ("date:2002-09..", &[4]),
            ("date:..2002-08-31", &[1, 2, 3]),
            ("date:..2002-07", &[]),
            ("date:2002-09..2002-08", &[]),
        ],
    );
}

#[test]
fn relative_dates_resolve_against_the_injected_clock() {
    let (_dir, index) = fixture();
    // Message 3 was received 26 hours before "now", yesterday at 12:00 local;
    // messages 2 and 4 are dated after "now".
    check(
        &index,
        &[
            ("date:yesterday", &[3]),
            ("date:today", &[]),
            ("date:yesterday..today", &[3]),
            ("date:..today", &[1, 3]),
            ("date:..yesterday", &[1, 3]),
            ("date:today..", &[2, 4]),
            ("date:2d..", &[2, 3, 4]),
            ("date:1d..", &[2, 4]),
            ("date:25h..", &[2, 4]),
            ("date:27h..", &[2, 3, 4]),
            ("date:2w..1d", &[3]),
            ("date:1m..", &[1, 2, 3, 4]),
            ("date:1y..3w", &[]),
            ("date:1y..2w", &[1]),
            ("date:7d", &[2, 3, 4]),
        ],
    );
}

#[test]
fn sort_orders_with_limit_and_offset() {
    let (_dir, index) = fixture();
    // The undated message comes last both ways.
    assert_eq!(
        ordered(&index, "*", Sort::NewestFirst, 10, 0),
        [4, 2, 3, 1, 5]
    );
    assert_eq!(
        ordered(&index, "*", Sort::OldestFirst, 10, 0),
        [1, 3, 2, 4, 5]
    );
    assert_eq!(ordered(&index, "*", Sort::NewestFirst, 2, 1), [2, 3]);
    assert_eq!(ordered(&index, "*", Sort::OldestFirst, 2, 3), [4, 5]);
    assert_eq!(ordered(&index, "*", Sort::NewestFirst, 10, 4), [5]);
    assert!(ordered(&index, "*", Sort::NewestFirst, 10, 5).is_empty());
    assert!(ordered(&index, "*", Sort::NewestFirst, 0, 0).is_empty());
    assert_eq!(
        ordered(&index, "*", Sort::NewestFirst, usize::MAX, usize::MAX),
        Vec::<i64>::new()
    );
    assert_eq!(
        ordered(&index, "*", Sort::OldestFirst, usize::MAX, 0).len(),
        5
    );
    assert_eq!(
        ordered(&index, "tag:inbox", Sort::OldestFirst, 10, 0),
        [1, 2]
    );
}

#[test]
fn relevance_puts_the_best_match_first() {
    let (_dir, index) = fixture();
    let ranked = ordered(&index, "credit card", Sort::Relevance, 10, 0);
    assert_eq!(ranked.first(), Some(&1), "{ranked:?}");
    assert_eq!(
        ranked.iter().copied().collect::<BTreeSet<_>>(),
        BTreeSet::from([1, 2, 4])
    );
    assert_eq!(
        ordered(&index, "credit card", Sort::Relevance, 1, 1).len(),
        1
    );
}

#[test]
fn importance_sorts_highest_first_ties_newest_first() {
    let (_dir, index) = fixture();
    // 2, 1 and 5 tie at 0.7: newest first, the undated one last; 3 is
    // at the threshold exactly.
    assert_eq!(
        ordered(&index, "*", Sort::Importance, 10, 0),
        [2, 1, 5, 3, 4]
    );
    assert_eq!(ordered(&index, "*", Sort::Importance, 2, 2), [5, 3]);
    assert_eq!(
        ordered(&index, "credit", Sort::Importance, 10, 0),
        [2, 1, 4]
    );
    check(
        &index,
        &[
            ("is:important", &[1, 2, 3, 5]),
            ("IS:Important and tag:inbox", &[1, 2]),
            ("not is:important", &[4]),
        ],
    );
}

#[test]
fn long_words_are_not_indexed() {
    let (_dir, index) = fixture();
    check(
        &index,
        &[
            ("cheap", &[4]),
            (&"x".repeat(40), &[]),
            (&"x".repeat(39), &[]),
        ],
    );
}

#[test]
fn upsert_replaces_and_delete_removes() {
    let (_dir, index) = fixture();
    let mut entries = entries();
    entries[1].message.subject = Some("Quarterly forecast".to_owned());
    entries[1].tags = strings(&["done"]);
    let mut writer = index.writer().expect("writer");
    writer.upsert(&entries[1].doc()).expect("upsert");
    writer.delete(MessageId(4));
    writer.commit(6).expect("commit");
    check(&index, &[("subject:budget", &[2]), ("*", &[1, 2, 3, 4, 5])]);
    index.reload().expect("reload");
    check(
        &index,
        &[
            ("subject:budget", &[]),
            ("subject:forecast", &[2]),
            ("tag:done", &[2]),
            ("tag:inbox", &[1]),
            ("*", &[1, 2, 3, 5]),
        ],
    );
}

#[test]
fn clear_empties_the_index() {
    let (_dir, index) = fixture();
    let mut writer = index.writer().expect("writer");
    writer.clear().expect("clear");
    writer.upsert(&entries()[2].doc()).expect("upsert");
    writer.commit(1).expect("commit");
    writer.finish().expect("finish");
    index.reload().expect("reload");
    check(&index, &[("*", &[3])]);
    assert_eq!(index.indexed_seq().expect("seq"), Some(1));
}

#[test]
fn commit_seq_survives_reopening() {
    let dir = TempDir::new().expect("temp dir");
    let nested = dir.path().join("not/yet/there");
    {
        let index = Index::open(&nested).expect("create");
        assert_eq!(index.indexed_seq().expect("seq"), None);
        assert_eq!(index.count(&Query::All).expect("count"), 0);
        let mut writer = index.writer().expect("writer");
        for entry in entries() {
            writer.upsert(&entry.doc()).expect("upsert");
        }
        writer.commit(41).expect("commit");
        writer.commit(42).expect("commit");
    }
    let index = Index::open(&nested).expect("reopen");
    assert_eq!(index.indexed_seq().expect("seq"), Some(42));
    assert_eq!(index.count(&Query::All).expect("count"), 5);
    assert_eq!(
        index
            .count(&parse("from:pudge").expect("query"))
            .expect("count"),
        1
    );
}

#[test]
fn only_one_writer_at_a_time() {
    let (_dir, index) = fixture();
    let writer = index.writer().expect("writer");
    assert!(matches!(index.writer(), Err(IndexError::Locked)));
    drop(writer);
    assert!(index.writer().is_ok());
}

#[test]
fn an_index_of_another_layout_is_refused_with_advice() {
    let dir = TempDir::new().expect("temp dir");
    let mut builder = tantivy::schema::Schema::builder();
    builder.add_text_field("other", tantivy::schema::TEXT);
    tantivy::Index::create_in_dir(dir.path(), builder.build()).expect("foreign index");
    let error = Index::open(dir.path()).err().expect("refused");
    assert!(matches!(error, IndexError::Incompatible(_)), "{error}");
    assert!(error.to_string().contains("inbox reindex"));
}

#[test]
fn a_whole_address_matches_that_address_only() {
    let sender = |id, name: Option<&str>, address: &str| {
        let message = Message {
            from: vec![person(name, address)],
            body: format!("write to {address}."),
            ..Message::default()
        };
        Entry::plain(id, SourceKind::Imap, message)
    };
    let entries = [
        sender(1, Some("Pudge"), "Pudge@Perl.org"),
        sender(2, Some("Fan"), "fan.pudge@perl.org"),
        sender(3, None, "pudge@perl.org.uk"),
        sender(4, Some("pudge@perl.org via list"), "list@lists.example"),
        sender(5, Some("Pudge Perl Org"), "p@example.com"),
    ];
    let (_dir, index) = index_of(&entries);
    check(
        &index,
        &[
            ("from:pudge@perl.org", &[1, 4]),
            ("from:PUDGE@perl.ORG", &[1, 4]),
            ("pudge@perl.org", &[1, 4]),
            ("body:pudge@perl.org", &[1]),
            ("from:fan.pudge@perl.org", &[2]),
            ("from:pudge@perl.o*", &[1, 3, 4]),
            ("from:\"pudge perl org\"", &[1, 2, 3, 4, 5]),
            ("from:perl.org", &[1, 2, 3, 4, 5]),
            ("from:\"Pudge <pudge@perl.org>\"", &[1]),
        ],
    );
}

#[test]
fn handles_are_found_apart_from_mail_addresses_and_as_words() {
    let mail = Entry::plain(
        1,
        SourceKind::Imap,
        Message {
            from: vec![person(Some("Pudge"), "pudge@perl.org")],
            to: vec![person(None, "bob@example.com")],
            body: "see perl.org".to_owned(),
            ..Message::default()
        },
    );
    let dm = Entry::plain(
        2,
        SourceKind::X,
        Message {
            from: vec![person(Some("Pudge Fan"), "@pudge")],
            to: vec![person(Some("Bob"), "@bob")],
            body: "ping @perl, thanks".to_owned(),
            ..Message::default()
        },
    );
    let (_dir, index) = index_of(&[mail, dm]);
    check(
        &index,
        &[
            ("from:@pudge", &[2]),
            ("from:@PUDGE", &[2]),
            ("from:@pud*", &[2]),
            ("from:pudge", &[1, 2]),
            ("to:@bob", &[2]),
            ("to:bob", &[1, 2]),
            ("@perl", &[2]),
            ("perl", &[1, 2]),
            ("\"ping perl thanks\"", &[2]),
            ("\"ping @perl thanks\"", &[2]),
            ("from:\"Pudge Fan @pudge\"", &[2]),
            ("source:x from:@pudge", &[2]),
            ("source:x from:@bob", &[]),
        ],
    );
}

/// Files in `dir` that the last commit does not use, leaving out meta.json
/// and tantivy's bookkeeping (names starting with a dot).
pub(crate) fn unused_files(dir: &Path) -> BTreeSet<String> {
    let metas = tantivy::Index::open_in_dir(dir)
        .expect("open")
        .load_metas()
        .expect("metas");
    let live = metas.list_segment_files();
    std::fs::read_dir(dir)
        .expect("read dir")
        .map(|entry| entry.expect("entry").file_name())
        .filter(|name| !live.contains(Path::new(name)))
        .map(|name| name.to_string_lossy().into_owned())
        .filter(|name| !name.starts_with('.') && name != "meta.json")
        .collect()
}

#[test]
fn compaction_leaves_no_file_of_another_process_behind() {
    let dir = TempDir::new().expect("temp dir");
    // Opened first and kept open, as the daemon does.
    let long_lived = Index::open(dir.path()).expect("open");
    {
        // Another process (the command line) commits after that.
        let other = Index::open(dir.path()).expect("open");
        let mut writer = other.writer().expect("writer");
        for entry in entries() {
            writer.add(&entry.doc()).expect("add");
        }
        writer.commit(1).expect("commit");
        writer.finish().expect("finish");
    }
    let mut writer = long_lived.erasing_writer().expect("writer");
    writer.delete(MessageId(2));
    writer.commit(2).expect("commit");
    writer.compact().expect("compact");
    assert_eq!(unused_files(dir.path()), BTreeSet::new());
    long_lived.reload().expect("reload");
    check(&long_lived, &[("*", &[1, 3, 4, 5]), ("budget", &[])]);
}

#[test]
fn a_writer_removes_files_no_commit_uses() {
    let (dir, index) = fixture();
    let orphan = dir.path().join("0123456789abcdef0123456789abcdef.idx");
    std::fs::write(&orphan, "budget").expect("plant a file");
    drop(index.writer().expect("writer"));
    assert!(!orphan.exists());
    assert_eq!(unused_files(dir.path()), BTreeSet::new());
    assert!(dir.path().join(".managed.json").exists());
    index.reload().expect("reload");
    check(&index, &[("*", &[1, 2, 3, 4, 5])]);
}

#[test]
fn compaction_removes_rewritten_segments_missing_from_tantivys_list() {
    let (dir, index) = fixture();
    // As older versions left it: live segments missing from tantivy's list.
    std::fs::write(dir.path().join(".managed.json"), "[]\n").expect("write");
    let mut writer = index.erasing_writer().expect("writer");
    writer.delete(MessageId(2));
    writer.commit(2).expect("commit");
    writer.compact().expect("compact");
    assert_eq!(unused_files(dir.path()), BTreeSet::new());
    index.reload().expect("reload");
    check(&index, &[("*", &[1, 3, 4, 5]), ("budget", &[])]);
}

#[test]
fn prefixes_share_one_expansion_budget_per_query() {
    let entries: Vec<Entry> = (0..30)
        .map(|n| {
            let message = Message {
                body: format!("w{n:02}"),
                ..Message::default()
            };
            Entry::plain(n + 1, SourceKind::Maildir, message)
        })
        .collect();
    let (_dir, index) = index_of(&entries);
    assert_eq!(ids(&index, "w*").len(), 30);
    assert_eq!(ids(&index, "body:w* OR body:w*").len(), 30);
    // 200 prefixes, each searching four fields, share 10,000 words: 12
    // each, the first 12 of each segment (the writer's two threads make two).
    let many = vec!["w*"; 200].join(" OR ");
    let found = ids(&index, &many);
    assert!((12..=24).contains(&found.len()), "{found:?}");
    assert!(found.iter().all(|id| *id <= 24), "{found:?}");
}
