//! End-to-end behaviour of the vault file: unlocking, rekeying, damage,
//! permissions, crash recovery and secret hygiene.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Instant;

use inbox_vault::{
    FORMAT_VERSION, Key, MAX_SCRYPT_WORK_FACTOR, MAX_WRITE_WORK_FACTOR, Protection,
    SCRYPT_WORK_FACTOR, Vault, VaultError, create_identity,
};
use secrecy::{ExposeSecret, SecretString};

/// Cheap scrypt so the tests stay fast; production uses SCRYPT_WORK_FACTOR.
const TEST_WORK_FACTOR: u8 = 4;

fn passphrase(text: &str) -> Key {
    Key::Passphrase(SecretString::from(text))
}

fn secret(vault: &Vault, account: &str, field: &str) -> Option<String> {
    vault
        .get(account, field)
        .map(|s| s.expose_secret().to_owned())
}

fn new_vault(dir: &Path, key: Key) -> (PathBuf, Vault) {
    let path = dir.join("vault.age");
    let mut vault = Vault::create_with_work_factor(&path, key, TEST_WORK_FACTOR).expect("create");
    vault.set("work", "password", SecretString::from("hunter2"));
    vault.set("work", "token", SecretString::from("tok-123"));
    vault.set("x", "bearer", SecretString::from("AAAA-bearer"));
    vault.save().expect("save");
    (path, vault)
}

fn identity(dir: &Path, name: &str) -> Key {
    let path = dir.join(name);
    create_identity(&path).expect("create identity");
    Key::Identity(path)
}

fn mode(path: &Path) -> u32 {
    fs::metadata(path).expect("metadata").permissions().mode() & 0o7777
}

#[test]
fn passphrase_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = new_vault(dir.path(), passphrase("correct horse"));
    assert_eq!(mode(&path), 0o600);

    let mut vault = Vault::open(&path, passphrase("correct horse")).expect("open");
    assert_eq!(vault.accounts(), ["work", "x"]);
    assert_eq!(vault.fields("work"), ["password", "token"]);
    assert_eq!(
        secret(&vault, "work", "password").as_deref(),
        Some("hunter2")
    );
    assert_eq!(
        secret(&vault, "x", "bearer").as_deref(),
        Some("AAAA-bearer")
    );
    assert_eq!(secret(&vault, "work", "missing"), None);
    assert_eq!(secret(&vault, "missing", "password"), None);

    assert!(vault.remove_account("x"));
    assert!(!vault.remove_account("x"));
    vault.set("work", "password", SecretString::from("new \"pass\" ✓"));
    vault.save().expect("save");

    let vault = Vault::open(&path, passphrase("correct horse")).expect("reopen");
    assert_eq!(vault.accounts(), ["work"]);
    assert_eq!(
        secret(&vault, "work", "password").as_deref(),
        Some("new \"pass\" ✓")
    );
}

#[test]
fn identity_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let key_path = dir.path().join("key.txt");
    let public = create_identity(&key_path).expect("create identity");
    assert!(public.starts_with("age1"));
    assert_eq!(mode(&key_path), 0o600);
    let text = fs::read_to_string(&key_path).unwrap();
    assert!(text.contains(&format!("# public key: {public}")));
    assert!(text.lines().any(|l| l.starts_with("AGE-SECRET-KEY-1")));

    let (path, _) = new_vault(dir.path(), Key::Identity(key_path.clone()));
    let vault = Vault::open(&path, Key::Identity(key_path)).expect("open");
    assert_eq!(secret(&vault, "work", "token").as_deref(), Some("tok-123"));
}

#[test]
fn create_identity_refuses_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let key_path = dir.path().join("key.txt");
    create_identity(&key_path).unwrap();
    let before = fs::read(&key_path).unwrap();
    let err = create_identity(&key_path).unwrap_err();
    assert!(matches!(err, VaultError::Exists { .. }), "{err}");
    assert_eq!(fs::read(&key_path).unwrap(), before);
}

#[test]
fn create_refuses_an_existing_vault() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = new_vault(dir.path(), passphrase("p"));
    let err = Vault::create_with_work_factor(&path, passphrase("q"), TEST_WORK_FACTOR).unwrap_err();
    assert!(matches!(err, VaultError::Exists { .. }), "{err}");
    assert!(Vault::open(&path, passphrase("p")).is_ok());
}

#[test]
fn concurrent_updates_both_survive() {
    let dir = tempfile::tempdir().unwrap();
    let (path, vault) = new_vault(dir.path(), passphrase("p"));
    drop(vault);
    let mut first = Vault::open_for_update(&path, passphrase("p")).unwrap();
    let second = std::thread::spawn({
        let path = path.clone();
        move || {
            // Blocks until `first` is saved and dropped, then reads its change.
            let mut second = Vault::open_for_update(&path, passphrase("p")).unwrap();
            second.set("b", "password", SecretString::from("two"));
            second.save().unwrap();
        }
    });
    std::thread::sleep(std::time::Duration::from_millis(200));
    first.set("a", "password", SecretString::from("one"));
    first.save().unwrap();
    drop(first);
    second.join().unwrap();
    let vault = Vault::open(&path, passphrase("p")).unwrap();
    assert_eq!(secret(&vault, "a", "password").as_deref(), Some("one"));
    assert_eq!(secret(&vault, "b", "password").as_deref(), Some("two"));
}

#[test]
fn opening_again_with_the_same_key_sees_changes_saved_since() {
    let dir = tempfile::tempdir().unwrap();
    let (path, reader) = new_vault(dir.path(), passphrase("p"));
    drop(reader);
    let reader = Vault::open(&path, passphrase("p")).unwrap();
    let mut other = Vault::open_for_update(&path, passphrase("p")).unwrap();
    other.set("b", "password", SecretString::from("two"));
    other.save().unwrap();
    drop(other);
    let mut update = Vault::open_for_update(reader.path(), reader.key().clone()).unwrap();
    assert_eq!(secret(&update, "b", "password").as_deref(), Some("two"));
    update.set("x", "bearer", SecretString::from("renewed"));
    update.save().unwrap();
    let vault = Vault::open(&path, passphrase("p")).unwrap();
    assert_eq!(secret(&vault, "x", "bearer").as_deref(), Some("renewed"));
    assert_eq!(secret(&vault, "b", "password").as_deref(), Some("two"));
}

#[test]
fn rekey_passphrase_to_identity_and_back() {
    let dir = tempfile::tempdir().unwrap();
    let (path, mut vault) = new_vault(dir.path(), passphrase("first"));
    let key_path = dir.path().join("key.txt");
    create_identity(&key_path).unwrap();

    vault
        .rekey(Key::Identity(key_path.clone()))
        .expect("rekey to identity");
    assert_eq!(
        Vault::status(&path).unwrap().protection,
        Some(Protection::Identity)
    );
    assert!(matches!(
        Vault::open(&path, passphrase("first")),
        Err(VaultError::WrongKey)
    ));
    let mut vault = Vault::open(&path, Key::Identity(key_path.clone())).expect("open");
    assert_eq!(
        secret(&vault, "work", "password").as_deref(),
        Some("hunter2")
    );

    vault
        .rekey(passphrase("second"))
        .expect("rekey to passphrase");
    assert!(matches!(
        Vault::open(&path, Key::Identity(key_path)),
        Err(VaultError::WrongKey)
    ));
    let vault = Vault::open(&path, passphrase("second")).expect("open");
    assert_eq!(
        secret(&vault, "x", "bearer").as_deref(),
        Some("AAAA-bearer")
    );
}

#[test]
fn failed_rekey_keeps_the_old_key() {
    let dir = tempfile::tempdir().unwrap();
    let (path, mut vault) = new_vault(dir.path(), passphrase("first"));
    let missing = Key::Identity(dir.path().join("no-such-key.txt"));
    assert!(matches!(vault.rekey(missing), Err(VaultError::Io { .. })));
    vault.save().expect("save with the old key");
    assert!(Vault::open(&path, passphrase("first")).is_ok());
}

#[test]
fn wrong_passphrase() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = new_vault(dir.path(), passphrase("right"));
    let err = Vault::open(&path, passphrase("wrong")).unwrap_err();
    assert!(matches!(err, VaultError::WrongKey));
    assert_eq!(
        err.to_string(),
        "cannot unlock vault: wrong passphrase or identity"
    );
}

#[test]
fn wrong_identity() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = new_vault(dir.path(), identity(dir.path(), "right.txt"));
    let other = identity(dir.path(), "other.txt");
    assert!(matches!(
        Vault::open(&path, other),
        Err(VaultError::WrongKey)
    ));
    assert!(matches!(
        Vault::open(&path, passphrase("anything")),
        Err(VaultError::WrongKey)
    ));
}

#[test]
fn not_an_identity_file() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = new_vault(dir.path(), passphrase("p"));
    let bogus = dir.path().join("bogus.txt");
    fs::write(&bogus, "hello\n").unwrap();
    fs::set_permissions(&bogus, fs::Permissions::from_mode(0o600)).unwrap();
    let err = Vault::open(&path, Key::Identity(bogus)).unwrap_err();
    assert!(matches!(err, VaultError::BadIdentity { .. }), "{err}");
}

#[test]
fn truncated_file_names_the_backup() {
    let dir = tempfile::tempdir().unwrap();
    let (path, vault) = new_vault(dir.path(), passphrase("p"));
    vault.save().expect("second save keeps a backup");
    let backup = dir.path().join("vault.age.bak");
    assert!(backup.exists());
    assert_eq!(mode(&backup), 0o600);

    let bytes = fs::read(&path).unwrap();
    for len in [0, 10, bytes.len() / 2, bytes.len() - 1] {
        fs::write(&path, &bytes[..len]).unwrap();
        match Vault::open(&path, passphrase("p")) {
            Err(VaultError::Corrupt { path: p, backup: b }) => {
                assert_eq!(p, path);
                assert_eq!(b.as_deref(), Some(backup.as_path()));
            }
            other => panic!("length {len}: expected Corrupt, got {other:?}"),
        }
    }
    let message = Vault::open(&path, passphrase("p")).unwrap_err().to_string();
    assert!(message.contains(&path.display().to_string()), "{message}");
    assert!(message.contains(&backup.display().to_string()), "{message}");

    fs::copy(&backup, &path).unwrap();
    let restored = Vault::open(&path, passphrase("p")).expect("backup restores");
    assert_eq!(
        secret(&restored, "work", "password").as_deref(),
        Some("hunter2")
    );
}

#[test]
fn tampered_ciphertext_is_corrupt() {
    let dir = tempfile::tempdir().unwrap();
    for key in [passphrase("p"), identity(dir.path(), "key.txt")] {
        let _ = fs::remove_file(dir.path().join("vault.age"));
        let is_identity = matches!(key, Key::Identity(_));
        let (path, _) = new_vault(dir.path(), key);
        let original = fs::read(&path).unwrap();
        for at in [original.len() - 1, original.len() - 20] {
            let mut bytes = original.clone();
            bytes[at] ^= 0x01;
            fs::write(&path, &bytes).unwrap();
            let reopen_key = if is_identity {
                Key::Identity(dir.path().join("key.txt"))
            } else {
                passphrase("p")
            };
            let err = Vault::open(&path, reopen_key).unwrap_err();
            assert!(matches!(err, VaultError::Corrupt { .. }), "{err}");
        }
    }
}

#[test]
fn group_readable_vault_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = new_vault(dir.path(), passphrase("p"));
    fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
    let err = Vault::open(&path, passphrase("p")).unwrap_err();
    assert!(
        matches!(err, VaultError::Permissions { mode: 0o644, .. }),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains(&format!("chmod 600 {}", path.display())),
        "{err}"
    );
}

#[test]
fn group_readable_identity_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let key = identity(dir.path(), "key.txt");
    let (path, _) = new_vault(dir.path(), key);
    let key_path = dir.path().join("key.txt");
    fs::set_permissions(&key_path, fs::Permissions::from_mode(0o644)).unwrap();
    let err = Vault::open(&path, Key::Identity(key_path.clone())).unwrap_err();
    assert!(matches!(err, VaultError::Permissions { .. }), "{err}");
    assert!(
        err.to_string()
            .contains(&format!("chmod 600 {}", key_path.display())),
        "{err}"
    );
}

#[test]
fn interrupted_saves_leave_the_vault_readable() {
    let dir = tempfile::tempdir().unwrap();
    let (path, mut vault) = new_vault(dir.path(), passphrase("p"));
    let tmp = dir.path().join("vault.age.tmp");

    // A crash before anything useful was written.
    fs::write(&tmp, b"garbage").unwrap();
    let opened = Vault::open(&path, passphrase("p")).expect("open beside a stray tmp");
    assert_eq!(
        secret(&opened, "work", "password").as_deref(),
        Some("hunter2")
    );

    // A crash halfway through writing the next version.
    vault.set("work", "password", SecretString::from("next"));
    vault.save().unwrap();
    let next = fs::read(&path).unwrap();
    fs::copy(dir.path().join("vault.age.bak"), &path).unwrap();
    fs::write(&tmp, &next[..next.len() / 2]).unwrap();
    let opened = Vault::open(&path, passphrase("p")).expect("open beside a partial tmp");
    assert_eq!(
        secret(&opened, "work", "password").as_deref(),
        Some("hunter2")
    );

    // The next save replaces the leftover and completes.
    opened.save().expect("save cleans up");
    assert!(!tmp.exists());
    let reopened = Vault::open(&path, passphrase("p")).unwrap();
    assert_eq!(
        secret(&reopened, "work", "password").as_deref(),
        Some("hunter2")
    );
}

#[test]
fn newer_format_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let key_path = dir.path().join("key.txt");
    create_identity(&key_path).unwrap();
    let text = fs::read_to_string(&key_path).unwrap();
    let recipient: age::x25519::Recipient = text
        .lines()
        .find_map(|l| l.strip_prefix("# public key: "))
        .unwrap()
        .parse()
        .unwrap();
    let future = format!(r#"{{"format": {}, "vaults": {{}}}}"#, FORMAT_VERSION + 1);
    let ciphertext = age::encrypt(&recipient, future.as_bytes()).unwrap();
    let path = dir.path().join("vault.age");
    fs::write(&path, ciphertext).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();

    let err = Vault::open(&path, Key::Identity(key_path)).unwrap_err();
    assert!(
        matches!(err, VaultError::TooNew { found, supported } if found == FORMAT_VERSION + 1 && supported == FORMAT_VERSION),
        "{err}"
    );
}

#[test]
fn excessive_work_factor_is_refused_without_the_work() {
    let dir = tempfile::tempdir().unwrap();
    let mut recipient = age::scrypt::Recipient::new(SecretString::from("p"));
    // Encrypting at a huge factor costs the work too: forge the header of a
    // cheap file instead.
    recipient.set_work_factor(TEST_WORK_FACTOR);
    let cheap = age::encrypt(&recipient, b"{}").unwrap();
    let forged = String::from_utf8_lossy(&cheap).replacen(
        &format!(" {TEST_WORK_FACTOR}\n"),
        &format!(" {}\n", MAX_SCRYPT_WORK_FACTOR + 1),
        1,
    );
    let path = dir.path().join("vault.age");
    fs::write(&path, forged.as_bytes()).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();

    let started = Instant::now();
    let err = Vault::open(&path, passphrase("p")).unwrap_err();
    assert!(
        matches!(err, VaultError::ExcessiveWork { found, .. } if found == MAX_SCRYPT_WORK_FACTOR + 1),
        "{err}"
    );
    assert!(started.elapsed().as_secs() < 5);
}

#[test]
fn debug_output_hides_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let key = passphrase("sw0rdfish-passphrase");
    let key_debug = format!("{key:?}");
    assert!(!key_debug.contains("sw0rdfish"), "{key_debug}");
    assert!(key_debug.contains("REDACTED"), "{key_debug}");

    let (_, vault) = new_vault(dir.path(), key);
    let vault_debug = format!("{vault:?} {vault:#?}");
    for secret in ["sw0rdfish", "hunter2", "tok-123", "AAAA-bearer"] {
        assert!(!vault_debug.contains(secret), "{vault_debug}");
    }
    assert!(vault_debug.contains("vault.age"), "{vault_debug}");

    let key_path = dir.path().join("key.txt");
    create_identity(&key_path).unwrap();
    let identity_debug = format!("{:?}", Key::Identity(key_path));
    assert!(
        !identity_debug.contains("AGE-SECRET-KEY"),
        "{identity_debug}"
    );
}

#[test]
fn status_reads_the_header_only() {
    let dir = tempfile::tempdir().unwrap();
    let missing = Vault::status(&dir.path().join("none.age")).unwrap();
    assert!(!missing.exists);
    assert_eq!(missing.protection, None);

    let (path, _) = new_vault(dir.path(), passphrase("p"));
    let status = Vault::status(&path).unwrap();
    assert!(status.exists);
    assert_eq!(status.mode, Some(0o600));
    assert_eq!(status.size, Some(fs::metadata(&path).unwrap().len()));
    assert_eq!(
        status.protection,
        Some(Protection::Passphrase {
            work_factor: Some(TEST_WORK_FACTOR)
        })
    );

    let other_dir = tempfile::tempdir().unwrap();
    let (path, _) = new_vault(other_dir.path(), identity(other_dir.path(), "k.txt"));
    assert_eq!(
        Vault::status(&path).unwrap().protection,
        Some(Protection::Identity)
    );

    let junk = dir.path().join("junk.age");
    fs::write(&junk, b"not an age file").unwrap();
    let status = Vault::status(&junk).unwrap();
    assert!(status.exists);
    assert_eq!(status.protection, None);
}

#[test]
fn production_work_factor_matches_the_docs() {
    let docs = include_str!("../src/lib.rs");
    assert!(
        docs.contains(&format!("(2^{SCRYPT_WORK_FACTOR} iterations")),
        "crate docs must state the work factor"
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.age");
    Vault::create(&path, passphrase("p")).expect("create");
    assert_eq!(
        Vault::status(&path).unwrap().protection,
        Some(Protection::Passphrase {
            work_factor: Some(SCRYPT_WORK_FACTOR)
        })
    );
}

/// Prints unlock times; run with
/// `cargo test --release -p inbox-vault --test vault -- --ignored --nocapture`.
#[test]
#[ignore]
fn measure_unlock_time() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.age");
    let mut vault = Vault::create(&path, passphrase("p")).unwrap();
    vault.set("work", "password", SecretString::from("hunter2"));
    vault.save().unwrap();
    for _ in 0..3 {
        let started = Instant::now();
        Vault::open(&path, passphrase("p")).unwrap();
        println!(
            "passphrase (2^{SCRYPT_WORK_FACTOR}): {:?}",
            started.elapsed()
        );
    }
    let key_path = dir.path().join("key.txt");
    create_identity(&key_path).unwrap();
    vault.rekey(Key::Identity(key_path.clone())).unwrap();
    for _ in 0..3 {
        let started = Instant::now();
        Vault::open(&path, Key::Identity(key_path.clone())).unwrap();
        println!("identity: {:?}", started.elapsed());
    }
}

#[test]
fn a_vault_or_lock_behind_a_symbolic_link_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (real, _) = new_vault(dir.path(), passphrase("p"));
    let link = dir.path().join("linked.age");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    for error in [
        Vault::open(&link, passphrase("p")).unwrap_err(),
        Vault::open_for_update(&link, passphrase("p")).unwrap_err(),
    ] {
        assert!(
            matches!(&error, VaultError::Link { path } if *path == link),
            "{error}"
        );
        assert!(error.to_string().contains("symbolic link"), "{error}");
    }

    // A lock file planted as a link: the file it points to is left alone.
    let target = dir.path().join("elsewhere");
    fs::write(&target, "theirs").unwrap();
    fs::set_permissions(&target, fs::Permissions::from_mode(0o644)).unwrap();
    let lock = dir.path().join("vault.age.lock");
    fs::remove_file(&lock).unwrap();
    std::os::unix::fs::symlink(&target, &lock).unwrap();
    let error = Vault::open_for_update(&real, passphrase("p")).unwrap_err();
    assert!(matches!(&error, VaultError::Link { .. }), "{error}");
    assert_eq!(fs::read_to_string(&target).unwrap(), "theirs");
    assert_eq!(mode(&target), 0o644);
}

#[test]
fn a_work_factor_above_what_a_small_machine_can_unlock_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.age");
    let err = Vault::create_with_work_factor(&path, passphrase("p"), 21)
        .expect_err("work factor 21 refused");
    let said = err.to_string();
    assert!(said.contains("2 GiB") && said.contains("20"), "{said}");
    assert!(!path.exists());

    let (path, mut vault) = new_vault(dir.path(), passphrase("old"));
    let err = vault
        .rekey_with_work_factor(passphrase("new"), 21)
        .unwrap_err();
    assert!(err.to_string().contains("2 GiB"), "{err}");
    let vault = Vault::open(&path, passphrase("old")).expect("old key still opens it");
    assert_eq!(
        secret(&vault, "work", "password").as_deref(),
        Some("hunter2")
    );
}

#[test]
fn rekeying_can_set_the_work_factor() {
    let dir = tempfile::tempdir().unwrap();
    let (path, mut vault) = new_vault(dir.path(), passphrase("old"));
    vault
        .rekey_with_work_factor(passphrase("new"), TEST_WORK_FACTOR + 1)
        .unwrap();
    assert_eq!(
        Vault::status(&path).unwrap().protection,
        Some(Protection::Passphrase {
            work_factor: Some(TEST_WORK_FACTOR + 1)
        })
    );
    Vault::open(&path, passphrase("new")).expect("new key opens it");
}

/// A vault written at 21 by an earlier version opens (2 GiB of scrypt),
/// and its next save writes it at [`MAX_WRITE_WORK_FACTOR`]. Run with
/// `cargo test -p inbox-vault --test vault -- --ignored older_vault`.
#[test]
#[ignore = "needs 2 GiB of memory for scrypt"]
fn an_older_vault_above_the_cap_opens_and_is_saved_at_the_cap() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.age");
    let mut recipient = age::scrypt::Recipient::new(SecretString::from("p"));
    recipient.set_work_factor(MAX_WRITE_WORK_FACTOR + 1);
    let document = br#"{"format": 1, "entries": {"work": {"password": "hunter2"}}}"#;
    fs::write(&path, age::encrypt(&recipient, document).unwrap()).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();

    let vault = Vault::open(&path, passphrase("p")).expect("opens");
    assert_eq!(
        secret(&vault, "work", "password").as_deref(),
        Some("hunter2")
    );
    vault.save().unwrap();
    assert_eq!(
        Vault::status(&path).unwrap().protection,
        Some(Protection::Passphrase {
            work_factor: Some(MAX_WRITE_WORK_FACTOR)
        })
    );
}
