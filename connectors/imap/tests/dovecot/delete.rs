//! Deleting server copies: expunged by UID, or moved to Trash; stale,
//! missing and malformed locations reported as such.

use inbox_connector_api::delete::Deletion;
use inbox_connector_imap::{DeleteMode, ImapConnector};

use crate::util::{Admin, dovecot, location, message, prefix, settings};

#[tokio::test]
async fn expunge_removes_exactly_the_given_uids() {
    let Some(()) = dovecot() else { return };
    let prefix = prefix("delete");
    let mut admin = Admin::connect(&prefix).await;
    let a = admin.create("A").await;
    let b = admin.create("B").await;
    for subject in ["del-a1", "del-a2", "del-a3"] {
        admin.append(&a, &message(subject), "()").await;
    }
    admin.append(&b, &message("del-b1"), "(\\Seen)").await;
    let va = admin.uidvalidity(&a).await;
    let vb = admin.uidvalidity(&b).await;
    let locations = [
        location(&a, &format!("{va}:1")),
        location(&a, &format!("{va}:3")),
        location(&b, &format!("{vb}:1")),
        location(&a, &format!("{}:2", va.wrapping_add(1))),
        location(&a, &format!("{va}:99")),
        location(&a, "not-an-imap-id"),
        location(&format!("{prefix}/Gone"), "1:1"),
    ];
    let connector = ImapConnector::new(settings(&prefix));
    let report = connector
        .delete(&locations, DeleteMode::Expunge)
        .await
        .expect("delete");
    let outcomes: Vec<&Deletion> = report.outcomes.iter().map(|(_, d)| d).collect();
    assert_eq!(outcomes[..3], [&Deletion::Deleted; 3]);
    assert!(
        matches!(outcomes[3], Deletion::Failed(why) if why.contains("UIDVALIDITY")),
        "{:?}",
        outcomes[3]
    );
    assert_eq!(outcomes[4], &Deletion::AlreadyGone);
    assert!(matches!(outcomes[5], Deletion::Failed(why) if why.contains("not an IMAP")));
    assert_eq!(outcomes[6], &Deletion::AlreadyGone);
    assert_eq!(report.outcomes[2].0, locations[2]);
    let left: Vec<u32> = admin.flags(&a).await.into_keys().collect();
    assert_eq!(left, [2], "only the stale location's message stays");
    assert!(admin.flags(&b).await.is_empty());
    admin.cleanup().await;
}

#[tokio::test]
async fn trash_mode_moves_to_the_trash_folder() {
    let Some(()) = dovecot() else { return };
    let prefix = prefix("deltrash");
    let subject = prefix.replace('-', "");
    let message_id = format!("<{subject}@example.org>");
    let mut admin = Admin::connect(&prefix).await;
    let folder = admin.create("C").await;
    admin.append(&folder, &message(&subject), "()").await;
    admin.append(&folder, &message("keep-me"), "()").await;
    let v = admin.uidvalidity(&folder).await;
    let connector = ImapConnector::new(settings(&prefix));
    let report = connector
        .delete(&[location(&folder, &format!("{v}:1"))], DeleteMode::Trash)
        .await
        .expect("delete");
    assert_eq!(report.outcomes[0].1, Deletion::Deleted);
    let left: Vec<u32> = admin.flags(&folder).await.into_keys().collect();
    assert_eq!(left, [2]);
    let in_trash = admin.find("Trash", &message_id).await;
    assert_eq!(in_trash.len(), 1, "moved to Trash, not deleted");
    for uid in in_trash {
        admin.expunge("Trash", uid).await;
    }
    admin.cleanup().await;
}
