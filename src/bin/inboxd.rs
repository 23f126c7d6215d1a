//! `inboxd`: the background sync daemon.

fn main() -> std::process::ExitCode {
    eprintln!(
        "inboxd: the background daemon is not available in this version yet; \
         use `inbox import` to bring mail in and `inbox search` to find it"
    );
    std::process::ExitCode::FAILURE
}
