//! `inboxd`: the background daemon (see `inbox::daemon`).

fn main() -> std::process::ExitCode {
    inbox::restrict_new_files();
    inbox::cli::inboxd_main()
}
