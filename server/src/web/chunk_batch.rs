//! `GET /pkg/batch/<names>.wasm` and `GET /pkg/islands/<names>.wasm`: several wasm chunks of
//! the split build in one response, so a page's code arrives in one request instead of one per
//! chunk (the why, and the names, are in `app::chunk_batch`).
//!
//! Body (batch): for each name of the address, in its order, the chunk's length (u32,
//! little-endian) then its bytes; (islands) the same, each chunk preceded by its name. `application/octet-stream`, compressed as it is sent (gzip or brotli, as the
//! browser accepts), `no-cache` like the rest of `/pkg` with an `ETag` from the chunks' sizes
//! and modification times, so a warm reload costs one 304.
//!
//! Errors: 404 for an address that is not sorted, names a file that is not a chunk, or a
//! chunk that does not exist (another build's page asking after an upgrade: it reloads).

use super::state::AppState;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::collections::{BTreeMap, BTreeSet};
use std::hash::{Hash, Hasher};

/// More names than any page of this build needs (the task page has 131 chunks).
const MAX_CHUNKS: usize = 1024;

/// `GET /pkg/batch/<names>.wasm`: the chunks named, each as its length and bytes.
pub async fn batch(
    State(state): State<AppState>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Some(files) = files_named(&name) else {
        return not_found();
    };
    let files = files.into_iter().map(|f| (None, f)).collect();
    send(&pkg_dir(&state), files, &headers).await
}

/// `GET /pkg/islands/<names>.wasm`: every chunk the lazy islands named need (see
/// `app::chunk_batch::island_names`), once each, sorted by token, each as its token's length
/// (u8), the token, its length (u32, little-endian) and its bytes. An island that is not lazy
/// adds nothing; an unknown one is a 404.
pub async fn islands(
    State(state): State<AppState>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Response {
    let pkg = pkg_dir(&state);
    let Some(names) = app::chunk_batch::island_names(&name) else {
        return not_found();
    };
    let Ok(text) = tokio::fs::read_to_string(pkg.join("__wasm_split_manifest.json")).await else {
        return not_found(); // not a split build: there are no lazy islands to send
    };
    let Ok(manifest) = serde_json::from_str::<BTreeMap<String, Vec<String>>>(&text) else {
        return not_found();
    };
    let mut tokens = BTreeSet::new();
    for island in names {
        let Some(key) = app::chunk_batch::island_key(manifest.keys(), island) else {
            continue; // not lazy: in the main module
        };
        for stem in &manifest[key] {
            let Some(token) = app::chunk_batch::token(stem) else {
                return not_found();
            };
            tokens.insert(token);
        }
    }
    let files = tokens
        .into_iter()
        .filter_map(|t| app::chunk_batch::file_of(&t).map(|f| (Some(t), f)))
        .collect();
    send(&pkg, files, &headers).await
}

fn pkg_dir(state: &AppState) -> std::path::PathBuf {
    std::path::Path::new(&*state.leptos_options.site_root).join(&*state.leptos_options.site_pkg_dir)
}

/// Answers with `files` in one body, each preceded by its token (when given) and its length;
/// 304 when the browser's `If-None-Match` is what the files are now, 404 when one is missing.
async fn send(
    pkg: &std::path::Path,
    files: Vec<(Option<String>, String)>,
    headers: &HeaderMap,
) -> Response {
    // The validator: what each file is now, without reading it.
    let mut hasher = std::hash::DefaultHasher::new();
    for (token, f) in &files {
        let Ok(meta) = tokio::fs::metadata(pkg.join(f)).await else {
            return not_found();
        };
        (token, f, meta.len(), meta.modified().ok()).hash(&mut hasher);
    }
    let etag = format!("\"{:016x}\"", hasher.finish());
    let etag = HeaderValue::from_str(&etag).expect("hex in quotes is a header value");
    if is_fresh(headers, &etag) {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response();
    }
    let mut body = Vec::new();
    for (token, f) in &files {
        let Ok(bytes) = tokio::fs::read(pkg.join(f)).await else {
            return not_found();
        };
        if app::chunk_batch::push_chunk(&mut body, token.as_deref(), &bytes).is_none() {
            return not_found();
        }
    }
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/octet-stream"),
            ),
            (header::ETAG, etag),
        ],
        body,
    )
        .into_response()
}

/// Whether the browser's copy (its `If-None-Match`) is `etag`: then a 304 will do.
pub(super) fn is_fresh(headers: &HeaderMap, etag: &HeaderValue) -> bool {
    headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|t| t.trim() == etag.to_str().unwrap_or_default())
        })
}

/// The files `<names>.wasm` asks for, in its order; `None` unless it is the canonical address
/// (strictly sorted names, each a chunk's) of at most [`MAX_CHUNKS`] chunks.
fn files_named(name: &str) -> Option<Vec<String>> {
    let tokens: Vec<&str> = name.strip_suffix(".wasm")?.split('-').collect();
    if tokens.len() > MAX_CHUNKS || !tokens.windows(2).all(|w| w[0] < w[1]) {
        return None;
    }
    tokens.into_iter().map(app::chunk_batch::file_of).collect()
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "no such wasm chunks in this build").into_response()
}

#[cfg(test)]
mod tests {
    use super::files_named;

    #[test]
    fn only_sorted_chunk_names_are_an_address() {
        assert_eq!(
            files_named("c100-c13-s__a_1.wasm"),
            Some(vec![
                "chunk_100.wasm".to_owned(),
                "chunk_13.wasm".to_owned(),
                "split___a_1.wasm".to_owned()
            ])
        );
        assert_eq!(files_named("c13-c100.wasm"), None, "not sorted");
        assert_eq!(files_named("c13-c13.wasm"), None, "twice");
        assert_eq!(files_named("c13"), None, "no .wasm");
        assert_eq!(files_named("c13-rhconsole.wasm"), None);
        assert_eq!(files_named(".wasm"), None);
    }
}
