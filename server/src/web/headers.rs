//! Security headers on every response. Pages get a Content-Security-Policy with a fresh nonce
//! (the request's scope sends it for the nonce the shell recorded, see `scope.rs`); everything
//! else gets a policy that allows nothing. A page that would go out under that policy (its
//! scripts and styles blocked: a dead page) is answered 500 instead.

use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, Request, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

const STRICT_CSP: &str =
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

pub async fn security_headers(req: Request<Body>, next: Next) -> Response {
    // The wasm chunks keep their names from build to build (`chunk_85.wasm`), so a browser must
    // never reuse one from an older build without asking: `no-cache` revalidates every time
    // (an unchanged file costs a 304).
    let build_output = req.uri().path().starts_with("/pkg/");
    let request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
        .to_owned();
    let mut resp = next.run(req).await;
    if is_html(&resp) && !resp.headers().contains_key(header::CONTENT_SECURITY_POLICY) {
        tracing::error!(%request_id, "a page came without its content security policy");
        resp = (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("internal error (request {request_id})"),
        )
            .into_response();
    }
    let html = is_html(&resp);
    let h = resp.headers_mut();
    if build_output && !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    }
    // A page shows what its signed-in reader may see: after signing out, Back must not show it
    // from the cache.
    if html && !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    let mut set = |name: HeaderName, value: &'static str| {
        if !h.contains_key(&name) {
            h.insert(name, HeaderValue::from_static(value));
        }
    };
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::REFERRER_POLICY, "same-origin");
    set(header::X_FRAME_OPTIONS, "DENY");
    set(
        HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    );
    set(
        HeaderName::from_static("permissions-policy"),
        "camera=(), microphone=(), geolocation=(), payment=()",
    );
    set(header::CONTENT_SECURITY_POLICY, STRICT_CSP);
    resp
}

fn is_html(resp: &Response) -> bool {
    resp.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"))
}
