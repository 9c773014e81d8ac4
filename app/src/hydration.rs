//! Loading the page's wasm and hydrating its islands.

use leptos::prelude::*;

/// The `<head>` tags that load the wasm (preloaded at once, run when the browser is idle) and
/// hydrate the page's islands; `<body data-hydrated="true">` once every island is live. The
/// page's words in `lang` come beside the wasm (`crate::i18n::words`), fetched at once.
#[component]
pub fn IslandScripts(options: LeptosOptions, lang: crate::i18n::Lang) -> impl IntoView {
    // The page is rendered without hydration marks: only islands hydrate.
    if let Some(sc) = Owner::current_shared_context() {
        sc.set_is_hydrating(false);
    }
    let pkg = options.site_pkg_dir.to_string();
    let nonce = leptos::nonce::use_nonce();
    let script = format!("{}({pkg:?});", include_str!("hydration.js"));
    view! {
        <link rel="modulepreload" href=format!("/{pkg}/rhconsole.js")/>
        <link rel="preload" id="rh-words" href=crate::i18n::words::path(lang) r#as="fetch" crossorigin=""/>
        <link rel="preload" href=format!("/{pkg}/rhconsole.wasm") r#as="fetch" r#type="application/wasm" crossorigin=""/>
        <script type="module" nonce=nonce>{script}</script>
    }
}
