//! Who is at the other end of the socket: the command line talks only to
//! the user's own daemon, and the daemon serves only the user's own
//! processes, by the peer's uid the kernel reports (`SO_PEERCRED`).

use tokio::net::UnixStream;

/// The user this process runs as (its effective uid).
pub(crate) fn own_uid() -> u32 {
    rustix::process::geteuid().as_raw()
}

/// Why the process at the other end of `stream` is not one of the user's own.
pub(crate) fn check_same_user(stream: &UnixStream) -> Result<(), String> {
    let credentials = stream
        .peer_cred()
        .map_err(|error| format!("cannot tell who is at the other end ({error})"))?;
    check_uid(credentials.uid(), own_uid())
}

/// `found` must be `expected`.
fn check_uid(found: u32, expected: u32) -> Result<(), String> {
    if found == expected {
        Ok(())
    } else {
        Err(format!(
            "the process at the other end runs as another user (uid {found}, not {expected})"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_peer_of_the_same_user_is_accepted_and_another_uid_refused() {
        let (ours, _theirs) = UnixStream::pair().expect("socket pair");
        let uid = ours.peer_cred().expect("peer credentials").uid();
        assert_eq!(uid, own_uid());
        check_same_user(&ours).expect("our own process");
        check_uid(uid, uid).expect("the expected uid");
        let other = uid.wrapping_add(1);
        let refused = check_uid(uid, other).expect_err("another uid");
        assert!(
            refused.contains(&format!("uid {uid}, not {other}")),
            "{refused}"
        );
    }
}
