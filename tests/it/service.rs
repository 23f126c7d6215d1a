//! `contrib/inboxd.service`: the systemd user unit keeps the daemon's
//! hardening, and systemd reads every setting of it where
//! `systemd-analyze` is installed.

use std::path::Path;
use std::process::Command;

const UNIT: &str = include_str!("../../contrib/inboxd.service");

/// The `key=value` settings of the unit's `[Service]` section.
fn service_settings() -> Vec<(&'static str, &'static str)> {
    UNIT.lines()
        .skip_while(|line| line.trim() != "[Service]")
        .skip(1)
        .take_while(|line| !line.starts_with('['))
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.split_once('='))
        .collect()
}

#[test]
fn the_service_unit_is_hardened() {
    let settings = service_settings();
    let value = |key: &str| {
        settings
            .iter()
            .find(|(name, _)| *name == key)
            .map(|(_, value)| *value)
    };
    for (key, expected) in [
        ("NoNewPrivileges", "yes"),
        ("LimitCORE", "0"),
        ("ProtectSystem", "strict"),
        ("ProtectHome", "read-only"),
        ("PrivateTmp", "yes"),
        ("RestrictAddressFamilies", "AF_UNIX AF_INET AF_INET6"),
        ("RuntimeDirectory", "inbox"),
        ("RuntimeDirectoryMode", "0700"),
        ("UMask", "0077"),
    ] {
        assert_eq!(value(key), Some(expected), "{key}");
    }
    assert!(
        value("MemoryMax").is_some_and(|max| max.ends_with('G')),
        "MemoryMax"
    );
    // The data directory stays writable; nothing else of the home is.
    assert_eq!(value("ReadWritePaths"), Some("-%h/.local/share/inbox"));
}

#[test]
fn systemd_reads_every_setting_of_the_service_unit() {
    let Ok(version) = Command::new("systemd-analyze").arg("--version").output() else {
        eprintln!("systemd-analyze is not installed: only the settings were checked");
        return;
    };
    assert!(version.status.success());
    // verify also checks that ExecStart names an executable: the one built here.
    let dir = tempfile::tempdir().unwrap();
    let unit = dir.path().join("inboxd.service");
    let inboxd = Path::new(env!("CARGO_BIN_EXE_inboxd"));
    std::fs::write(
        &unit,
        UNIT.replace("%h/.cargo/bin/inboxd", inboxd.to_str().unwrap()),
    )
    .unwrap();
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&unit)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{said}");
    // Unknown keys and unreadable values are only warnings, naming the file.
    assert!(!said.contains("inboxd.service"), "{said}");
}
