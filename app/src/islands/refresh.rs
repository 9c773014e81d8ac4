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
