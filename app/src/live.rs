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
