use super::*;

fn text(field: TextField, text: &str) -> Query {
    Query::Text {
        field,
        text: text.to_owned(),
        prefix: false,
    }
}

fn any(word: &str) -> Query {
    text(TextField::Any, word)
}

fn keyword(field: KeywordField, value: &str) -> Query {
    Query::Keyword {
        field,
        value: value.to_owned(),
        prefix: false,
    }
}

fn not(query: Query) -> Query {
    Query::Not(Box::new(query))
}

fn day(year: i32, month: u32, day: u32) -> DatePoint {
    DatePoint::Day(NaiveDate::from_ymd_opt(year, month, day).expect("valid date"))
}

fn date(start: Option<DatePoint>, end: Option<DatePoint>) -> Query {
    Query::Date(DateRange { start, end })
}

fn ok(input: &str) -> Query {
    parse(input).unwrap_or_else(|error| panic!("{input:?} failed: {error}"))
}

fn err(input: &str) -> QueryError {
    match parse(input) {
        Ok(query) => panic!("{input:?} parsed as {query:?}"),
        Err(error) => error,
    }
}

#[test]
fn words_are_joined_by_implicit_and() {
    assert_eq!(ok("budget"), any("budget"));
    assert_eq!(
        ok("  budget   report "),
        Query::And(vec![any("budget"), any("report")])
    );
}

#[test]
fn explicit_operators_in_both_cases() {
    let both = Query::And(vec![any("a"), any("b")]);
    assert_eq!(ok("a AND b"), both);
    assert_eq!(ok("a and b"), both);
    let either = Query::Or(vec![any("a"), any("b")]);
    assert_eq!(ok("a OR b"), either);
    assert_eq!(ok("a or b"), either);
    assert_eq!(ok("NOT a"), not(any("a")));
    assert_eq!(ok("not a"), not(any("a")));
    assert_eq!(ok("-a"), not(any("a")));
    assert_eq!(ok("a -b"), Query::And(vec![any("a"), not(any("b"))]));
    assert_eq!(ok("--a"), not(not(any("a"))));
}

#[test]
fn and_binds_tighter_than_or_and_not_tightest() {
    assert_eq!(
        ok("a b OR c"),
        Query::Or(vec![Query::And(vec![any("a"), any("b")]), any("c")])
    );
    assert_eq!(
        ok("a OR NOT b c"),
        Query::Or(vec![any("a"), Query::And(vec![not(any("b")), any("c")])])
    );
}

#[test]
fn parentheses_group() {
    assert_eq!(
        ok("a (b OR c)"),
        Query::And(vec![any("a"), Query::Or(vec![any("b"), any("c")])])
    );
    assert_eq!(ok("((a))"), any("a"));
    assert_eq!(ok("-(a b)"), not(Query::And(vec![any("a"), any("b")])));
    assert_eq!(ok("(from:x)"), text(TextField::From, "x"));
}

#[test]
fn phrases_keep_their_words_and_operators_inside() {
    assert_eq!(ok("\"credit card\""), any("credit card"));
    assert_eq!(ok("\"not\""), any("not"));
    assert_eq!(
        ok("subject:\"credit card\""),
        text(TextField::Subject, "credit card")
    );
    assert_eq!(ok("-\"a b\""), not(any("a b")));
    assert_eq!(
        ok("\"a b\"c"),
        Query::And(vec![any("a b"), any("c")]),
        "a word right after a phrase is another term"
    );
}

#[test]
fn trailing_star_is_a_prefix_search() {
    let prefix = |field, text: &str| Query::Text {
        field,
        text: text.to_owned(),
        prefix: true,
    };
    assert_eq!(ok("subj*"), prefix(TextField::Any, "subj"));
    assert_eq!(ok("from:phil*"), prefix(TextField::From, "phil"));
    assert_eq!(ok("\"credit ca\"*"), prefix(TextField::Any, "credit ca"));
    assert_eq!(
        ok("folder:lists/*"),
        Query::Keyword {
            field: KeywordField::Folder,
            value: "lists/".to_owned(),
            prefix: true
        }
    );
    assert_eq!(ok("*"), Query::All);
    assert_eq!(ok(""), Query::All);
    assert_eq!(ok("   "), Query::All);
}

#[test]
fn every_text_prefix() {
    assert_eq!(
        ok("from:pudge@perl.org"),
        text(TextField::From, "pudge@perl.org")
    );
    assert_eq!(ok("to:perl.org"), text(TextField::To, "perl.org"));
    assert_eq!(ok("cc:bob"), text(TextField::Cc, "bob"));
    assert_eq!(ok("subject:hello"), text(TextField::Subject, "hello"));
    assert_eq!(ok("body:world"), text(TextField::Body, "world"));
    assert_eq!(
        ok("FROM:x"),
        text(TextField::From, "x"),
        "prefix names ignore case"
    );
    assert_eq!(
        ok("from:\"Phillip Allen\""),
        text(TextField::From, "Phillip Allen")
    );
}

#[test]
fn every_keyword_prefix() {
    assert_eq!(ok("tag:Inbox"), keyword(KeywordField::Tag, "Inbox"));
    assert_eq!(ok("account:work"), keyword(KeywordField::Account, "work"));
    assert_eq!(
        ok("folder:\"Sent Items\""),
        keyword(KeywordField::Folder, "Sent Items")
    );
    assert_eq!(ok("source:IMAP"), keyword(KeywordField::Source, "IMAP"));
    assert_eq!(ok("id:<a.b@c>"), keyword(KeywordField::MessageId, "a.b@c"));
    assert_eq!(ok("mid:a:b@c"), keyword(KeywordField::MessageId, "a:b@c"));
    assert_eq!(ok("thread:42"), Query::Thread(ThreadId(42)));
}

#[test]
fn is_values_and_flag_tags() {
    let cases = [
        ("is:unread", Flag::Unread),
        ("is:read", Flag::Seen),
        ("is:seen", Flag::Seen),
        ("is:flagged", Flag::Flagged),
        ("is:replied", Flag::Replied),
        ("is:draft", Flag::Draft),
        ("is:deleted", Flag::Deleted),
        ("is:attachment", Flag::Attachment),
        ("IS:Unread", Flag::Unread),
        ("tag:unread", Flag::Unread),
        ("tag:flagged", Flag::Flagged),
        ("tag:replied", Flag::Replied),
        ("tag:draft", Flag::Draft),
        ("tag:deleted", Flag::Deleted),
    ];
    for (input, flag) in cases {
        assert_eq!(ok(input), Query::Flag(flag), "{input}");
    }
    assert_eq!(
        ok("tag:attachment"),
        keyword(KeywordField::Tag, "attachment"),
        "the built-in tagger's tag"
    );
    assert_eq!(
        ok("tag:seen"),
        keyword(KeywordField::Tag, "seen"),
        "not a notmuch tag"
    );
    assert_eq!(ok("is:Important"), Query::Important);
    assert_eq!(
        ok("tag:important"),
        keyword(KeywordField::Tag, "important"),
        "a tag, not the score"
    );
    assert!(parse("is:important*").is_err());
}

#[test]
fn calendar_dates_and_ranges() {
    let august = DatePoint::Month {
        year: 2002,
        month: 8,
    };
    assert_eq!(
        ok("date:2002-08-01"),
        date(Some(day(2002, 8, 1)), Some(day(2002, 8, 1)))
    );
    assert_eq!(
        ok("date:2002-8-1"),
        date(Some(day(2002, 8, 1)), Some(day(2002, 8, 1)))
    );
    assert_eq!(ok("date:2002-08"), date(Some(august), Some(august)));
    assert_eq!(
        ok("date:2002"),
        date(Some(DatePoint::Year(2002)), Some(DatePoint::Year(2002)))
    );
    assert_eq!(
        ok("date:2002-08-01..2002-08-31"),
        date(Some(day(2002, 8, 1)), Some(day(2002, 8, 31)))
    );
    assert_eq!(ok("date:2002-08.."), date(Some(august), None));
    assert_eq!(ok("date:..2002-09-30"), date(None, Some(day(2002, 9, 30))));
}

#[test]
fn relative_dates() {
    let ago = |amount, unit| DatePoint::Ago { amount, unit };
    assert_eq!(ok("date:7d.."), date(Some(ago(7, AgeUnit::Days)), None));
    assert_eq!(ok("date:7d"), date(Some(ago(7, AgeUnit::Days)), None));
    assert_eq!(ok("date:2w.."), date(Some(ago(2, AgeUnit::Weeks)), None));
    assert_eq!(ok("date:3m.."), date(Some(ago(3, AgeUnit::Months)), None));
    assert_eq!(ok("date:1y.."), date(Some(ago(1, AgeUnit::Years)), None));
    assert_eq!(ok("date:12h.."), date(Some(ago(12, AgeUnit::Hours)), None));
    assert_eq!(
        ok("date:1y..3m"),
        date(Some(ago(1, AgeUnit::Years)), Some(ago(3, AgeUnit::Months)))
    );
    let today = DatePoint::Today;
    assert_eq!(ok("date:today"), date(Some(today), Some(today)));
    assert_eq!(
        ok("date:Yesterday.."),
        date(Some(DatePoint::Yesterday), None)
    );
}

#[test]
fn errors_point_at_the_problem() {
    let cases: [(&str, usize, &str); 25] = [
        ("(a b", 4, "expected ')' to close the '(' at column 1"),
        ("a b)", 3, "unexpected ')'"),
        (")", 0, "unexpected ')'"),
        ("a ()", 3, "expected a term after '('"),
        ("a AND", 5, "expected a term after AND"),
        ("a AND OR b", 6, "expected a term after AND"),
        ("AND a", 0, "expected a term before AND"),
        ("OR a", 0, "expected a term before OR"),
        ("a OR", 4, "expected a term after OR"),
        ("a (b OR)", 7, "expected a term after OR"),
        ("NOT", 3, "expected a term after NOT"),
        ("a - b", 2, "expected a term right after '-'"),
        ("from:", 5, "expected a value right after 'from:'"),
        ("from: x", 5, "expected a value right after 'from:'"),
        (
            "a foo:bar",
            2,
            "unknown prefix 'foo:'; valid prefixes are from: to: cc:",
        ),
        (
            "is:nope",
            3,
            "unknown value 'nope' for 'is:'; expected one of unread, read",
        ),
        ("source:pop3", 7, "unknown source 'pop3'"),
        ("\"open", 0, "expected a closing '\"'"),
        ("a !!!", 2, "'!!!' has no letters or digits"),
        ("from:*", 5, "expected a letter or digit before '*'"),
        ("tag:*", 4, "expected a value before '*' after 'tag:'"),
        ("thread:x", 7, "expected a thread number"),
        ("is:unread*", 3, "'is:' does not take a '*' wildcard"),
        ("from:...", 5, "expected letters or digits after 'from:'"),
        ("tag:\"\"", 4, "expected a value after 'tag:'"),
    ];
    for (input, position, message) in cases {
        let error = err(input);
        assert_eq!(error.position, position, "{input}: {error}");
        assert!(error.message.contains(message), "{input}: {error}");
    }
}

#[test]
fn bad_dates_are_reported_where_they_start() {
    let cases: [(&str, usize, &str); 7] = [
        ("date:2002-13", 5, "'2002-13' is not a valid calendar date"),
        ("date:2002-02-30", 5, "not a valid calendar date"),
        ("date:..", 5, "expected a date before or after '..'"),
        ("date:soon", 5, "expected a date like 2002-08-01"),
        ("date:2002-08..later", 14, "got 'later'"),
        ("date:02-08", 5, "expected a date like"),
        ("date:100000d..", 5, "too large"),
    ];
    for (input, position, message) in cases {
        let error = err(input);
        assert_eq!(error.position, position, "{input}: {error}");
        assert!(error.message.contains(message), "{input}: {error}");
    }
}

#[test]
fn positions_count_characters_not_bytes() {
    let error = err("été (x");
    assert_eq!(error.position, 6);
    assert_eq!(
        error.to_string(),
        "query error at column 7: expected ')' to close the '(' at column 5"
    );
}

#[test]
fn unknown_prefix_lists_every_valid_one_and_suggests_quotes() {
    let error = err("http://example.com");
    for prefix in [
        "from:", "to:", "cc:", "subject:", "body:", "tag:", "is:", "account:",
    ] {
        assert!(error.message.contains(prefix), "{error}");
    }
    for prefix in ["folder:", "source:", "id:", "thread:", "date:"] {
        assert!(error.message.contains(prefix), "{error}");
    }
    assert!(error.message.contains("quotes"));
    assert_eq!(ok("\"http://example.com\""), any("http://example.com"));
    assert_eq!(
        ok("10:30"),
        any("10:30"),
        "a number before ':' is no prefix"
    );
}

#[test]
fn deep_nesting_is_refused_not_overflowing() {
    let deep = format!("{}a{}", "(".repeat(5_000), ")".repeat(5_000));
    assert!(err(&deep).message.contains("nests deeper"));
    let negations = format!("{}a", "-".repeat(5_000));
    assert!(err(&negations).message.contains("nests deeper"));
}

#[test]
fn long_queries_are_refused_naming_the_limit() {
    let words = |count: usize| vec!["a"; count].join(" ");
    assert_eq!(ok(&words(256)), Query::And(vec![any("a"); 256]));
    let error = err(&words(257));
    assert_eq!(error.position, 512, "at the 257th term");
    assert!(error.message.contains("256 terms at most"), "{error}");
    // Each word of a phrase is a term, and so is each prefixed value.
    let phrase = format!("\"{}\"", words(257));
    assert!(err(&phrase).message.contains("256 terms at most"));
    let prefixed = vec!["x* OR tag:y"; 129].join(" OR ");
    assert!(err(&prefixed).message.contains("256 terms at most"));
    // A megabyte of text is refused before it is read.
    let huge = format!("é{}", words(500_000));
    let error = err(&huge);
    assert!(error.message.contains("16384 bytes at most"), "{error}");
    assert_eq!(
        error.position, 16_383,
        "where the limit is passed, in characters"
    );
}

#[test]
fn hostile_input_never_panics() {
    let inputs = [
        "\"",
        "\"\"",
        "\"\"*",
        "-",
        "--",
        "-)",
        "(",
        ")(",
        "*:*",
        ":",
        "::",
        "a:",
        "date:",
        "date:-",
        "date:--",
        "date:....",
        "date:9999-12-31..",
        "date:0000",
        "date:2002-",
        "date:-2002",
        "id:<>",
        "thread:-1",
        "thread:99999999999999999999",
        "from:\"",
        "\u{0}",
        "ß:x",
        "é*",
        "**",
        "a*b*",
        "NOT NOT",
        "( OR )",
        "a AND AND b",
        "tag:\"a\"*",
    ];
    for input in inputs {
        let _ = parse(input);
    }
}
