//! `GET /pkg/words/<lang>.txt` (`zh.txt`, `en.txt`): the page's words, the translation table
//! in one language, which the browser fetches beside the wasm instead of having it compiled in
//! (format and why: `app::i18n::words`).
//!
//! `text/plain; charset=utf-8`, compressed as it is sent, `no-cache` like the rest of `/pkg`
//! with an `ETag` from the words themselves, so a warm visit costs one 304. Errors: 404 for any
//! other name.

use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::hash::{Hash, Hasher};
use std::sync::LazyLock;

/// The words in a language and their validator, made once per process.
struct Words {
    text: String,
    etag: HeaderValue,
}

impl Words {
    fn of(lang: app::i18n::Lang) -> Words {
        let text = app::i18n::words::page_words(lang);
        let mut hasher = std::hash::DefaultHasher::new();
        text.hash(&mut hasher);
        let etag = HeaderValue::from_str(&format!("\"{:016x}\"", hasher.finish()))
            .expect("hex in quotes is a header value");
        Words { text, etag }
    }
}

static ZH: LazyLock<Words> = LazyLock::new(|| Words::of(app::i18n::Lang::Zh));
static EN: LazyLock<Words> = LazyLock::new(|| Words::of(app::i18n::Lang::En));

pub async fn words(Path(name): Path<String>, headers: HeaderMap) -> Response {
    let words: &Words = match app::i18n::words::lang_of_file(&name) {
        Some(app::i18n::Lang::Zh) => &ZH,
        Some(app::i18n::Lang::En) => &EN,
        None => return (StatusCode::NOT_FOUND, "no such words").into_response(),
    };
    if super::chunk_batch::is_fresh(&headers, &words.etag) {
        return (
            StatusCode::NOT_MODIFIED,
            [(header::ETAG, words.etag.clone())],
        )
            .into_response();
    }
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            ),
            (header::ETAG, words.etag.clone()),
        ],
        words.text.clone(),
    )
        .into_response()
}
