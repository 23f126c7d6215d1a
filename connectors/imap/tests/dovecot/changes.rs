//! Later syncs: new mail, flag changes, expunges, UIDVALIDITY, folders coming and going.

use std::collections::BTreeSet;

use inbox_connector_api::testing::RecordingSink;

use crate::util::{Admin, dovecot, flags, location, message, prefix, settings, stored, sync};

fn ids(items: impl Iterator<Item = String>) -> BTreeSet<String> {
    items.collect()
}

#[tokio::test]
async fn a_later_sync_fetches_only_new_mail_and_reports_flags_and_expunges() {
    let Some(()) = dovecot() else { return };
    let prefix = prefix("incr");
    let mut admin = Admin::connect(&prefix).await;
    let inbox = admin.create("In").await;
    for subject in ["a", "b", "c"] {
        admin.append(&inbox, &message(subject), "()").await;
    }
    let settings = settings(&prefix);
    let mut sink = RecordingSink::new(10);
    sync(&settings, &mut sink).await;
    let v = admin.uidvalidity(&inbox).await;

    // Nothing changed: nothing delivered.
    sink.clear_log();
    sync(&settings, &mut sink).await;
    assert_eq!(sink.changes().count(), 0);

    // Two new messages, one flag change, one expunge.
    admin.append(&inbox, &message("d"), "()").await;
    admin.append(&inbox, &message("e"), "(\\Flagged)").await;
    admin.store(&inbox, 1, "+FLAGS (\\Seen \\Answered)").await;
    admin.expunge(&inbox, 2).await;
    sink.clear_log();
    sync(&settings, &mut sink).await;

    let new = ids(sink.new_items().map(|item| item.location.remote_id.clone()));
    assert_eq!(new, ids([format!("{v}:4"), format!("{v}:5")].into_iter()));
    let e = sink
        .new_items()
        .find(|item| item.location.remote_id == format!("{v}:5"));
    assert_eq!(e.map(|item| item.flags), Some(flags(false, true)));
    let changed: Vec<_> = sink.flag_changes().map(|(l, f)| (l.clone(), f)).collect();
    let mut seen_answered = flags(true, false);
    seen_answered.answered = true;
    assert_eq!(
        changed,
        [(location(&inbox, &format!("{v}:1")), seen_answered)]
    );
    let gone: Vec<_> = sink.gone().cloned().collect();
    assert_eq!(gone, [location(&inbox, &format!("{v}:2"))]);
    let expected: BTreeSet<_> = [1, 3, 4, 5]
        .map(|uid| (inbox.clone(), format!("{v}:{uid}")))
        .into();
    assert_eq!(stored(&sink), expected);

    // A flag change made by this sink's own store is not reported again.
    sink.clear_log();
    sync(&settings, &mut sink).await;
    assert_eq!(sink.changes().count(), 0);
    admin.cleanup().await;
}

#[tokio::test]
async fn without_a_cursor_known_messages_are_not_fetched_again() {
    let Some(()) = dovecot() else { return };
    let prefix = prefix("known");
    let mut admin = Admin::connect(&prefix).await;
    let folder = admin.create("F").await;
    admin.append(&folder, &message("x"), "()").await;
    admin.append(&folder, &message("y"), "(\\Seen)").await;
    let v = admin.uidvalidity(&folder).await;
    let mut sink = RecordingSink::new(10);
    sink.remember(location(&folder, &format!("{v}:1")), flags(false, false));
    sink.remember(location(&folder, &format!("{v}:2")), flags(false, false));
    sync(&settings(&prefix), &mut sink).await;
    assert_eq!(sink.new_items().count(), 0);
    let changed: Vec<_> = sink.flag_changes().map(|(l, f)| (l.clone(), f)).collect();
    assert_eq!(
        changed,
        [(location(&folder, &format!("{v}:2")), flags(true, false))]
    );
    admin.cleanup().await;
}

#[tokio::test]
async fn a_recreated_folder_replaces_its_old_locations() {
    let Some(()) = dovecot() else { return };
    let prefix = prefix("uidv");
    let mut admin = Admin::connect(&prefix).await;
    let folder = admin.create("R").await;
    admin.append(&folder, &message("r1"), "()").await;
    admin.append(&folder, &message("r2"), "()").await;
    let settings = settings(&prefix);
    let mut sink = RecordingSink::new(10);
    sync(&settings, &mut sink).await;
    let old = admin.uidvalidity(&folder).await;

    admin.delete(&folder).await;
    admin.create("R").await;
    admin.append(&folder, &message("r1"), "()").await;
    admin.append(&folder, &message("r3"), "()").await;
    let new = admin.uidvalidity(&folder).await;
    assert_ne!(old, new);
    sink.clear_log();
    sync(&settings, &mut sink).await;

    // New locations first, then the old ones go.
    let kinds: Vec<&str> = sink
        .changes()
        .map(|change| match change {
            inbox_connector_api::Change::New(_) => "new",
            inbox_connector_api::Change::Flags { .. } => "flags",
            inbox_connector_api::Change::Gone { .. } => "gone",
        })
        .collect();
    assert_eq!(kinds, ["new", "new", "gone", "gone"]);
    let expected: BTreeSet<_> = [1, 2]
        .map(|uid| (folder.clone(), format!("{new}:{uid}")))
        .into();
    assert_eq!(stored(&sink), expected);
    admin.cleanup().await;
}

#[tokio::test]
async fn folders_follow_the_server_and_the_settings() {
    let Some(()) = dovecot() else { return };
    let prefix = prefix("fold");
    let mut admin = Admin::connect(&prefix).await;
    let keep = admin.create("keep").await;
    let doomed = admin.create("doomed").await;
    let skipped = admin.create("skip").await;
    for folder in [&keep, &doomed, &skipped] {
        admin.append(folder, &message("m"), "()").await;
    }
    let mut settings = settings(&prefix);
    settings.exclude = vec![format!("{prefix}/sk?p")];
    let mut sink = RecordingSink::new(10);
    sync(&settings, &mut sink).await;
    let folders: BTreeSet<String> = stored(&sink).into_iter().map(|(f, _)| f).collect();
    assert_eq!(folders, [doomed.clone(), keep.clone()].into());

    // A deleted folder's messages are gone; a new folder is picked up.
    admin.delete(&doomed).await;
    let fresh = admin.create("fresh/sub").await;
    admin.append(&fresh, &message("n"), "()").await;
    sink.clear_log();
    sync(&settings, &mut sink).await;
    assert_eq!(
        sink.gone().map(|l| l.folder.as_str()).collect::<Vec<_>>(),
        [doomed.as_str()]
    );
    let folders: BTreeSet<String> = stored(&sink).into_iter().map(|(f, _)| f).collect();
    assert_eq!(folders, [fresh.clone(), keep.clone()].into());
    assert!(!sink.cursor().0.contains("doomed"), "{}", sink.cursor().0);

    // Excluding a folder later stops its sync and keeps what is stored.
    settings.exclude.push(format!("{prefix}/fresh*"));
    admin.append(&fresh, &message("o"), "()").await;
    sink.clear_log();
    sync(&settings, &mut sink).await;
    assert_eq!(sink.changes().count(), 0);
    assert!(!sink.cursor().0.contains("fresh"), "{}", sink.cursor().0);
    admin.cleanup().await;
}
