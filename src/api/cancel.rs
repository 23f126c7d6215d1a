//! Stopping a call whose caller has gone: a transport runs the call under
//! a [`CancellationToken`] ([`cancellable`]), and calls that take long look
//! at it between their steps ([`check`]). In-process calls are never
//! cancelled.

use std::cell::RefCell;

use tokio_util::sync::CancellationToken;

use super::ApiError;

thread_local! {
    static CURRENT: RefCell<Option<CancellationToken>> = const { RefCell::new(None) };
}

/// Runs `work` on this thread; `check` inside it fails once `token` is
/// cancelled.
pub fn cancellable<T>(token: CancellationToken, work: impl FnOnce() -> T) -> T {
    let _restore = Restore(CURRENT.replace(Some(token)));
    work()
}

/// Puts back the token of an enclosing call, also when `work` panics.
struct Restore(Option<CancellationToken>);

impl Drop for Restore {
    fn drop(&mut self) {
        CURRENT.set(self.0.take());
    }
}

/// [`ApiError::Cancelled`] once the caller of the running call has gone.
pub(crate) fn check() -> Result<(), ApiError> {
    let cancelled =
        CURRENT.with_borrow(|token| token.as_ref().is_some_and(CancellationToken::is_cancelled));
    match cancelled {
        true => Err(ApiError::Cancelled),
        false => Ok(()),
    }
}
