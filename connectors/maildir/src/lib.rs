//! Local Maildir and mbox import.
