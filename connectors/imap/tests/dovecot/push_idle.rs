//! Writing flags back, and waiting for news with IDLE.

use std::time::{Duration, Instant};

use inbox_connector_api::Connector;
use inbox_connector_api::testing::RecordingSink;
use inbox_connector_imap::{ImapConnector, PushOutcome};

use crate::util::{Admin, dovecot, flags, location, message, prefix, settings};

#[tokio::test]
async fn pushed_flags_reach_the_server_and_stale_ids_are_refused() {
    let Some(()) = dovecot() else { return };
    let prefix = prefix("push");
    let mut admin = Admin::connect(&prefix).await;
    let folder = admin.create("P").await;
    admin.append(&folder, &message("p1"), "($Forwarded)").await;
    admin
        .append(&folder, &message("p2"), "(\\Seen \\Flagged)")
        .await;
    let v = admin.uidvalidity(&folder).await;
    let mut connector = ImapConnector::new(settings(&prefix));
    let mut sink = RecordingSink::new(10);
    connector
        .sync(&Default::default(), &mut sink)
        .await
        .unwrap();

    let mut seen_answered = flags(true, false);
    seen_answered.answered = true;
    let outcomes = connector
        .push_flags(&[
            (location(&folder, &format!("{v}:1")), seen_answered),
            (location(&folder, &format!("{v}:2")), flags(false, false)),
            (
                location(&folder, &format!("{}:1", v.wrapping_add(1))),
                flags(true, true),
            ),
            (location(&folder, &format!("{v}:99")), flags(true, true)),
            (
                location("no/such/folder", &format!("{v}:1")),
                flags(true, true),
            ),
        ])
        .await
        .unwrap();
    assert_eq!(
        outcomes,
        [
            PushOutcome::Applied,
            PushOutcome::Applied,
            PushOutcome::StaleUidValidity,
            PushOutcome::Missing,
            PushOutcome::Missing,
        ]
    );
    let on_server = admin.flags(&folder).await;
    let mut first = on_server[&1].clone();
    first.sort();
    // The keyword stays; only system flags change.
    assert_eq!(first, ["Answered", "Custom(\"$Forwarded\")", "Seen"]);
    assert!(on_server[&2].is_empty(), "{on_server:?}");
    admin.cleanup().await;
}

#[tokio::test]
async fn the_server_wins_when_it_changed_since_the_last_sync() {
    let Some(()) = dovecot() else { return };
    let prefix = prefix("conflict");
    let mut admin = Admin::connect(&prefix).await;
    let folder = admin.create("C").await;
    admin.append(&folder, &message("c1"), "()").await;
    admin.append(&folder, &message("c2"), "()").await;
    let v = admin.uidvalidity(&folder).await;
    let mut connector = ImapConnector::new(settings(&prefix));
    let mut sink = RecordingSink::new(10);
    connector
        .sync(&Default::default(), &mut sink)
        .await
        .unwrap();

    admin.store(&folder, 1, "+FLAGS (\\Flagged)").await;
    let outcomes = connector
        .push_flags(&[
            (location(&folder, &format!("{v}:1")), flags(true, false)),
            (location(&folder, &format!("{v}:2")), flags(true, false)),
        ])
        .await
        .unwrap();
    assert_eq!(
        outcomes,
        [
            PushOutcome::Conflict {
                server: flags(false, true)
            },
            PushOutcome::Applied,
        ]
    );
    let on_server = admin.flags(&folder).await;
    assert_eq!(on_server[&1], ["Flagged"]);
    assert_eq!(on_server[&2], ["Seen"]);
    admin.cleanup().await;
}

#[tokio::test]
async fn idle_wakes_on_new_mail_and_times_out_otherwise() {
    let Some(()) = dovecot() else { return };
    let prefix = prefix("idle");
    let mut admin = Admin::connect(&prefix).await;
    let folder = admin.create("I").await;
    let mut connector = ImapConnector::new(settings(&prefix));

    let started = Instant::now();
    let quiet = connector
        .wait_for_change(&folder, Duration::from_millis(700))
        .await
        .unwrap();
    assert!(!quiet);
    assert!(started.elapsed() >= Duration::from_millis(700));

    let waiting = tokio::spawn(async move {
        let started = Instant::now();
        let news = connector
            .wait_for_change(&folder, Duration::from_secs(20))
            .await
            .unwrap();
        (news, started.elapsed())
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    let folder = format!("{prefix}/I");
    admin.append(&folder, &message("ping"), "()").await;
    let (news, waited) = waiting.await.unwrap();
    assert!(news);
    assert!(waited < Duration::from_secs(10), "{waited:?}");

    let error = ImapConnector::new(settings(&prefix))
        .wait_for_change("no/such", Duration::from_millis(10))
        .await
        .unwrap_err();
    assert!(error.to_string().contains("no/such"), "{error}");
    admin.cleanup().await;
}
