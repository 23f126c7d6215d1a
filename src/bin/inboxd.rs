//! `inboxd`: the background daemon (see `inbox::daemon`).

fn main() -> std::process::ExitCode {
    inbox::restrict_new_files();
    if let Err(error) = inbox::forbid_core_dumps() {
        eprintln!(
            "inboxd: warning: cannot turn core dumps off ({error}): a crash could write secrets to disk"
        );
    }
    inbox::cli::inboxd_main()
}
