//! A page's wasm chunks in one request.
//!
//! A split build (`cargo leptos build --split`) cuts every page's code into many small chunks
//! (131 for the task page): code shared by any combination of pages gets its own file. Fetched
//! one by one that is 131 requests, and on a slow link (150 ms, six connections) seconds of
//! round trips; compressed one by one each file also loses a quarter of what gzip would save on
//! them together. So the page carries a small script (`chunk_batch.js`) that gathers the chunk
//! requests the split loader makes in one go into one request for
//! `/pkg/batch/<names>.wasm`, which the server answers with all of them (`server::web::chunk_batch`),
//! and the server-rendered page preloads exactly that address instead of each chunk.
//!
//! Names in the address: `chunk_13.wasm` is `c13`, `split_<rest>.wasm` is `s<rest>`, sorted
//! (byte order, as JavaScript's default sort orders these ASCII names) and joined with `-`.

use leptos::prelude::*;

/// The script that batches chunk requests, inline with the page's nonce (it must run before the
/// hydration module asks for the first chunk; classic scripts run before module scripts).
#[component]
pub fn ChunkBatching() -> impl IntoView {
    #[cfg(feature = "ssr")]
    preload_batches();
    let nonce = leptos::nonce::use_nonce();
    view! { <script nonce=nonce inner_html=include_str!("chunk_batch.js")></script> }
}

/// A chunk file's name in a batch address: `chunk_13` → `c13`, `split___task_route_view_1` →
/// `s__task_route_view_1` (file stems, without `.wasm`). `None` for anything else.
pub fn token(stem: &str) -> Option<String> {
    if let Some(n) = stem.strip_prefix("chunk_") {
        (!n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())).then(|| format!("c{n}"))
    } else if let Some(rest) = stem.strip_prefix("split_") {
        (!rest.is_empty() && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
            .then(|| format!("s{rest}"))
    } else {
        None
    }
}

/// The file a batch token names (`c13` → `chunk_13.wasm`); `None` when the token is not one
/// [`token`] makes, so nothing but chunk files can be named.
pub fn file_of(token: &str) -> Option<String> {
    let stem = if let Some(n) = token.strip_prefix('c') {
        format!("chunk_{n}")
    } else {
        format!("split_{}", token.strip_prefix('s')?)
    };
    (self::token(&stem).as_deref() == Some(token)).then(|| format!("{stem}.wasm"))
}

/// The batch address's name part for these chunk stems: tokens sorted and joined with `-`.
/// `None` if a stem is not a chunk's.
pub fn batch_name<'a>(stems: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let mut tokens = stems.into_iter().map(token).collect::<Option<Vec<_>>>()?;
    tokens.sort();
    tokens.dedup();
    Some(tokens.join("-"))
}

/// Replaces, for this page, the split manifest `HydrationScripts` put in the context (page →
/// its chunk stems, each preloaded by Leptos' server integration) with one whose every page
/// names just its batch, so the page preloads the one address its chunks come from.
#[cfg(feature = "ssr")]
fn preload_batches() {
    use leptos::WasmSplitManifest;
    use std::sync::OnceLock;
    static BATCHED: OnceLock<WasmSplitManifest> = OnceLock::new();
    let Some(split) = use_context::<WasmSplitManifest>() else {
        return; // not a split build: one wasm file, nothing to batch
    };
    let batched = BATCHED.get_or_init(|| {
        split.0.with_value(|(root, pages, loader)| {
            let pages = pages
                .iter()
                .filter_map(|(page, stems)| {
                    let name = batch_name(stems.iter().map(String::as_str))?;
                    Some((page.clone(), vec![format!("batch/{name}")]))
                })
                .collect();
            WasmSplitManifest(ArcStoredValue::new((root.clone(), pages, loader.clone())))
        })
    });
    provide_context(batched.clone());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_name_chunk_files_only_and_round_trip() {
        assert_eq!(token("chunk_13").as_deref(), Some("c13"));
        assert_eq!(
            token("split___task_route_view_81").as_deref(),
            Some("s__task_route_view_81")
        );
        assert_eq!(file_of("c13").as_deref(), Some("chunk_13.wasm"));
        assert_eq!(
            file_of("s__task_route_view_81").as_deref(),
            Some("split___task_route_view_81.wasm")
        );
        for bad in [
            "rhconsole",
            "chunk_",
            "chunk_1a",
            "split_",
            "split_a.b",
            "chunk_../x",
        ] {
            assert_eq!(token(bad), None, "{bad}");
        }
        for bad in ["", "c", "cx1", "s", "s../x", "x13", "c1/2", "s%2e"] {
            assert_eq!(file_of(bad), None, "{bad}");
        }
    }

    #[test]
    fn batch_names_are_sorted_like_javascript_sorts_them() {
        // JavaScript's default sort compares UTF-16 code units: for these ASCII names, bytes.
        assert_eq!(
            batch_name(["split___a_1", "chunk_2", "chunk_13", "chunk_100"]).as_deref(),
            Some("c100-c13-c2-s__a_1")
        );
        assert_eq!(batch_name(["chunk_2", "rhconsole"]), None);
    }
}
