//! The wasm entry point: hydrates the server-rendered page and nothing else.
//!
//! Pages are lazy routes (their code is loaded on demand), so hydration is asynchronous: it
//! waits for the page's code before it takes over the server-rendered HTML.

// The islands are exported by the app crate: link it.
extern crate app;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}
