//! The wasm entry point: hydrates the server-rendered page and nothing else.
//!
//! Pages are lazy routes (their code is loaded on demand), so hydration is asynchronous: it
//! waits for the page's code before it takes over the server-rendered HTML.

use leptos::prelude::document;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    wasm_bindgen_futures::spawn_local(async {
        let Some(body) = document().body() else {
            return;
        };
        let owner = leptos::mount::hydrate_from_async(body.clone(), app::App).await;
        owner.forget();
        // Tests and scripts wait for this before clicking: the page is live from here on.
        let _ = body.set_attribute("data-hydrated", "true");
    });
}
