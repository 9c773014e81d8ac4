//! `GET /pkg/batch/<names>.wasm`: several wasm chunks of the split build in one response, so a
//! page's code arrives in one request instead of one per chunk (the why, and the names, are in
//! `app::chunk_batch`).
//!
//! Body: for each name of the address, in its order, the chunk's length (u32, little-endian)
//! then its bytes. `application/octet-stream`, compressed as it is sent (gzip or brotli, as the
//! browser accepts), `no-cache` like the rest of `/pkg` with an `ETag` from the chunks' sizes
//! and modification times, so a warm reload costs one 304.
//!
//! Errors: 404 for an address that is not sorted, names a file that is not a chunk, or a
//! chunk that does not exist (another build's page asking after an upgrade: it reloads).

use super::state::AppState;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::hash::{Hash, Hasher};

/// More names than any page of this build needs (the task page has 131 chunks).
const MAX_CHUNKS: usize = 1024;

pub async fn batch(
    State(state): State<AppState>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Response {
    let pkg = std::path::Path::new(&*state.leptos_options.site_root)
        .join(&*state.leptos_options.site_pkg_dir);
    let Some(files) = files_named(&name) else {
        return not_found();
    };
    // The validator: what each file is now, without reading it.
    let mut hasher = std::hash::DefaultHasher::new();
    for f in &files {
        let Ok(meta) = tokio::fs::metadata(pkg.join(f)).await else {
            return not_found();
        };
        (f, meta.len(), meta.modified().ok()).hash(&mut hasher);
    }
    let etag = format!("\"{:016x}\"", hasher.finish());
    let etag = HeaderValue::from_str(&etag).expect("hex in quotes is a header value");
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|t| t.trim() == etag.to_str().unwrap_or_default())
        });
    if fresh {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response();
    }
    let mut body = Vec::new();
    for f in &files {
        let Ok(bytes) = tokio::fs::read(pkg.join(f)).await else {
            return not_found();
        };
        let Ok(len) = u32::try_from(bytes.len()) else {
            return not_found();
        };
        body.extend_from_slice(&len.to_le_bytes());
        body.extend_from_slice(&bytes);
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
