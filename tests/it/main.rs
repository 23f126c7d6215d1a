//! Integration tests: the real `inbox` binary on the shared corpus, each
//! inbox in its own temporary `INBOX_HOME`.

mod accounts;
mod cli;
mod daemon;
mod daemon_load;
mod daemon_process;
mod erase;
mod erase_remote;
mod export;
mod file_modes;
mod hostile;
mod imap;
mod import;
mod importance;
mod index_files;
mod privacy;
mod queries;
mod retention;
mod service;
mod tagging;
mod terminal;
mod trust;
mod util;
mod x;
