//! Browser-side helpers for live views: reading newline-delimited JSON from a text stream,
//! sleeping between reconnects, and the current time.

use serde::de::DeserializeOwned;

/// Splits complete lines off `buf` (chunks may end mid-line) and parses each as JSON.
pub fn take_lines<T: DeserializeOwned>(buf: &mut String) -> Vec<T> {
    let mut out = Vec::new();
    while let Some(pos) = buf.find('\n') {
        let line: String = buf.drain(..=pos).collect();
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if let Ok(v) = serde_json::from_str(line) {
            out.push(v);
        }
    }
    out
}

/// Milliseconds since the epoch, now.
pub fn now_ms() -> i64 {
    #[cfg(not(feature = "ssr"))]
    {
        js_sys::Date::now() as i64
    }
    #[cfg(feature = "ssr")]
    {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0)
    }
}

/// Waits `ms` milliseconds (browser only; immediate on the server).
pub async fn sleep_ms(ms: u64) {
    #[cfg(not(feature = "ssr"))]
    {
        let (tx, rx) = futures::channel::oneshot::channel::<()>();
        leptos::prelude::set_timeout(
            move || {
                let _ = tx.send(());
            },
            std::time::Duration::from_millis(ms),
        );
        let _ = rx.await;
    }
    #[cfg(feature = "ssr")]
    {
        let _ = ms;
    }
}

/// The address's query (`a=1&b=2`, with or without `?`) as the router's map: a page island
/// gets the query from the server as a string (the router does not run in the browser).
pub fn query_map(search: &str) -> leptos_router::params::ParamsMap {
    let mut map = leptos_router::params::ParamsMap::new();
    for (k, v) in form_urlencoded::parse(search.trim_start_matches('?').as_bytes()) {
        map.insert(k.into_owned(), v.into_owned());
    }
    map
}

/// The page address's query on the server, for a page island's props ("" in the browser).
pub fn page_query() -> String {
    use leptos::prelude::GetUntracked;
    leptos_router::hooks::use_location().search.get_untracked()
}

/// Renders the page again from the server into this document, without a reload: the new
/// `<main>` replaces the old one, the title follows, and the islands it brings are hydrated.
/// On any failure (offline, an error page) the page reloads instead.
pub async fn refresh_main() {
    if !refresh("main").await {
        #[cfg(not(feature = "ssr"))]
        let _ = leptos::prelude::window().location().reload();
    }
}

/// Renders the page again on the server and puts the new content of the element with id `id`
/// into this document's (hydrating the islands it brings). `false` when that failed (offline,
/// an error page, no such element): the page is left as it was.
pub async fn refresh(id: &str) -> bool {
    #[cfg(not(feature = "ssr"))]
    {
        use leptos::prelude::{document, window};
        use wasm_bindgen::{JsCast, JsValue};
        use wasm_bindgen_futures::JsFuture;
        async fn fetch_main(id: &str) -> Result<(String, String), JsValue> {
            let href = window().location().href()?;
            let resp: web_sys::Response = JsFuture::from(window().fetch_with_str(&href))
                .await?
                .dyn_into()?;
            if !resp.ok() {
                return Err(JsValue::NULL);
            }
            let html = JsFuture::from(resp.text()?)
                .await?
                .as_string()
                .unwrap_or_default();
            let doc = web_sys::DomParser::new()?
                .parse_from_string(&html, web_sys::SupportedType::TextHtml)?;
            let part = doc.get_element_by_id(id).ok_or(JsValue::NULL)?;
            Ok((part.inner_html(), doc.title()))
        }
        let Ok((inner, title)) = fetch_main(id).await else {
            return false;
        };
        // `__swapIn` (hydration.js) waits for the page's own hydration, swaps, hydrates.
        let swapped = js_sys::Reflect::get(&window(), &"__swapIn".into())
            .and_then(|f| f.dyn_into::<js_sys::Function>())
            .and_then(|f| f.call2(&JsValue::NULL, &id.into(), &inner.into()))
            .and_then(|p| p.dyn_into::<js_sys::Promise>());
        match swapped {
            Ok(p) => match JsFuture::from(p).await {
                Ok(v) if v.as_bool() == Some(true) => {
                    document().set_title(&title);
                    true
                }
                _ => false,
            },
            Err(_) => false,
        }
    }
    #[cfg(feature = "ssr")]
    {
        let _ = id;
        false
    }
}

/// Goes to `path` (browser only): a page load, the server renders the next page.
pub fn go(path: &str) {
    #[cfg(not(feature = "ssr"))]
    let _ = leptos::prelude::window().location().assign(path);
    #[cfg(feature = "ssr")]
    let _ = path;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_split_across_chunks_are_joined() {
        let mut buf = String::from("{\"a\":1}\n{\"a\":");
        let first: Vec<serde_json::Value> = take_lines(&mut buf);
        assert_eq!(first.len(), 1);
        buf.push_str("2}\n\n");
        let second: Vec<serde_json::Value> = take_lines(&mut buf);
        assert_eq!(second, vec![serde_json::json!({"a": 2})]);
        assert!(buf.is_empty());
    }
}
