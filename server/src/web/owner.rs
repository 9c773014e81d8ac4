//! Leptos' "current reactive owner", kept per request instead of per thread.
//!
//! Leptos keeps the current owner in a thread-local, and its server rendering assumes that a
//! request has the thread to itself: the render's root owner is put there once
//! (`Owner::new_root`) and never taken back, and later steps of the same request expect to find
//! it there across `.await`s. A resolved `<Suspense/>` keeps its owner alive by registering it
//! with the current owner, and a handler's `Owner::new()` takes the current owner as its parent.
//! Under tokio's multi-threaded scheduler requests interleave on a thread and move between
//! threads, so such a step finds another request's root, or none:
//! - a static file (served by `file_and_error_handler`) took a page that was rendering on the
//!   same thread as its parent, found that page's response options and took its headers (the
//!   page went out without its Content-Security-Policy: no styles, no scripts);
//! - a resolved `<Suspense/>`'s owner was kept alive by another request, or by nothing.
//!
//! [`RequestOwner`] makes the thread-local behave like a task-local of the request: around every
//! poll of the request's future and of its response body it holds what this request left there
//! the last time (nothing at first), and after the poll it is cleared again.

use leptos::reactive::owner::{Owner, WeakOwner};

/// The request's own current owner, carried from one poll to the next. Weak, like the
/// thread-local itself: it keeps nothing alive.
#[derive(Default)]
pub(super) struct RequestOwner(Option<WeakOwner>);

impl RequestOwner {
    /// Runs one poll of the request with its own current owner.
    pub(super) fn run<T>(&mut self, poll: impl FnOnce() -> T) -> T {
        clear_current();
        if let Some(owner) = self.0.as_ref().and_then(WeakOwner::upgrade) {
            owner.set();
        }
        let out = poll();
        self.0 = Owner::current().map(|o| o.downgrade());
        clear_current();
        out
    }
}

/// Clears the thread's current owner. (One that was dropped is left: it can be neither found
/// nor adopted as a parent any more.)
fn clear_current() {
    if let Some(owner) = Owner::current() {
        owner.unset();
    }
}
