//! The credential vault: every account secret (IMAP passwords, OAuth tokens,
//! API keys) in one age-encrypted file, and nowhere else.
//!
//! Local sources (Maildir, mbox) need no credentials; the vault is filled in
//! when the first remote connector lands.
