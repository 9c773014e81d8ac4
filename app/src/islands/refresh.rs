//! Parts of a page that keep themselves current: the server renders them again and they are
//! swapped in place, so their code never reaches the browser.

use leptos::prelude::*;

/// Renders the element with id `target` again from the server every `every_ms` milliseconds,
/// while this island is on the page and the tab is visible.
#[island(lazy)]
pub fn AutoRefresh(target: String, every_ms: u32) -> impl IntoView {
    let node = NodeRef::<leptos::html::Span>::new();
    #[cfg(not(feature = "ssr"))]
    leptos::task::spawn_local(async move {
        loop {
            crate::live::sleep_ms(u64::from(every_ms)).await;
            // Replaced or gone (a refresh of a part that holds this island hydrates a new one).
            if !node.get_untracked().is_some_and(|n| n.is_connected()) {
                return;
            }
            if document().visibility_state() == web_sys::VisibilityState::Visible {
                crate::live::refresh(&target).await;
            }
        }
    });
    #[cfg(feature = "ssr")]
    let _ = (target, every_ms);
    view! { <span hidden node_ref=node></span> }
}

/// Renders the element with id `target` (the task list) again from the server when a task
/// changes (`task_changes`), a moment after the last of a burst of changes, so a busy console
/// is one refresh per burst; the server applies the page's filter. Reconnects when the stream
/// ends.
#[island(lazy)]
pub fn FollowTasks(target: String) -> impl IntoView {
    #[cfg(not(feature = "ssr"))]
    leptos::task::spawn_local(async move {
        use crate::live::{sleep_ms, take_lines};
        use futures::{FutureExt, StreamExt};
        loop {
            if let Ok(stream) = crate::api::tasks::task_changes().await {
                let mut s = stream.into_inner();
                let mut buf = String::new();
                let mut changed = false;
                loop {
                    // Waits for the next chunk; with a change pending, at most 300 ms.
                    let next = if changed {
                        futures::select! {
                            c = s.next().fuse() => Some(c),
                            _ = sleep_ms(300).fuse() => None,
                        }
                    } else {
                        Some(s.next().await)
                    };
                    match next {
                        Some(Some(Ok(chunk))) => {
                            buf.push_str(&chunk);
                            changed |= take_lines::<Option<crate::domain::TaskChange>>(&mut buf)
                                .into_iter()
                                .any(|c| c.is_some());
                        }
                        Some(_) => break,
                        None => {
                            changed = false;
                            if !crate::live::refresh(&target).await {
                                return; // the list is gone
                            }
                        }
                    }
                }
            }
            sleep_ms(2000).await;
        }
    });
    #[cfg(feature = "ssr")]
    let _ = target;
}
