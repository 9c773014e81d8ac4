//! A page's wasm chunks in one request.
//!
//! A split build (`cargo leptos build --split`) cuts the code of every lazy island into many small
//! chunks: code shared by any combination of islands gets its own file (over 300 for the config
//! page). Fetched one by one that is hundreds of requests, on a slow link (150 ms, six
//! connections) seconds of round trips, and each file compressed alone loses a quarter of what
//! gzip saves on them together. So:
//!
//! - `hydration.js` asks at once, in parallel with the main module, for the code of every island
//!   on the page: `/pkg/islands/<names>.wasm` (island names, sorted, joined with `-`), which the
//!   server answers with every chunk those islands need, each named (`server::web::chunk_batch`);
//! - the page carries a small script (`chunk_batch.js`) that answers the split loader's chunk
//!   requests from that response, and gathers any others made in one go (islands swapped in
//!   later) into one request for `/pkg/batch/<names>.wasm`.
//!
//! Names in a batch address: `chunk_13.wasm` is `c13`, `split_<rest>.wasm` is `s<rest>`, sorted
//! (byte order, as JavaScript's default sort orders these ASCII names) and joined with `-`.

use leptos::prelude::*;

/// The script that batches chunk requests, inline with the page's nonce (it must run before the
/// hydration module asks for the first chunk; classic scripts run before module scripts).
#[component]
pub fn ChunkBatching() -> impl IntoView {
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

/// Appends one chunk to a response body as `chunk_batch.js` reads it: for an islands response
/// its token's length (u8) and token first, then always its length (u32, little-endian) and its
/// bytes. `None` (nothing appended) when the token or the chunk is too long to say so.
pub fn push_chunk(body: &mut Vec<u8>, token: Option<&str>, bytes: &[u8]) -> Option<()> {
    let len = u32::try_from(bytes.len()).ok()?;
    if let Some(t) = token {
        body.push(u8::try_from(t.len()).ok()?);
        body.extend_from_slice(t.as_bytes());
    }
    body.extend_from_slice(&len.to_le_bytes());
    body.extend_from_slice(bytes);
    Some(())
}

/// The manifest key of island `name`'s code (`TaskLive` → the key starting `task_live_loader_`):
/// `__wasm_split_manifest.json` lists, under it, every chunk stem a lazy island needs. `None` for
/// an island that is not lazy (its code is in the main module).
pub fn island_key<'a, I>(keys: I, name: &str) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a String>,
{
    let mut snake = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            snake.push('_');
        }
        snake.push(c.to_ascii_lowercase());
    }
    snake.push_str("_loader_");
    keys.into_iter().map(String::as_str).find(|k| {
        k.strip_prefix(&snake)
            .is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()))
    })
}

/// The island names `/pkg/islands/<names>.wasm` asks for: strictly sorted (so each set has one
/// address), each an identifier (`TaskLive`), joined with `-`. `None` for anything else.
pub fn island_names(name: &str) -> Option<Vec<&str>> {
    let names: Vec<&str> = name.strip_suffix(".wasm")?.split('-').collect();
    let ident = |n: &&str| {
        n.starts_with(|c: char| c.is_ascii_uppercase())
            && n.bytes().all(|b| b.is_ascii_alphanumeric())
    };
    (names.len() <= 64 && names.iter().all(ident) && names.windows(2).all(|w| w[0] < w[1]))
        .then_some(names)
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

    #[test]
    fn islands_find_their_manifest_key_and_addresses_are_canonical() {
        let keys: Vec<String> = [
            "task_live_loader_152",
            "live_log_loader_7",
            "task_live_x_loader_1",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(island_key(&keys, "TaskLive"), Some("task_live_loader_152"));
        assert_eq!(island_key(&keys, "LiveLog"), Some("live_log_loader_7"));
        assert_eq!(island_key(&keys, "Live"), None, "a prefix of another name");
        assert_eq!(island_key(&keys, "ThemeSwitch"), None, "not lazy");
        assert_eq!(
            island_names("LiveLog-TaskLive.wasm"),
            Some(vec!["LiveLog", "TaskLive"])
        );
        for bad in [
            "TaskLive-LiveLog.wasm",
            "LiveLog-LiveLog.wasm",
            "LiveLog",
            "live_log.wasm",
            ".wasm",
            "A-../b.wasm",
        ] {
            assert_eq!(island_names(bad), None, "{bad}");
        }
    }
}
