//! Images the sandbox serves: generated "results" and stored uploads.

use super::SandboxState;
use super::Scenario;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// A 384×384 PNG: a diagonal gradient whose colours come from `seed`, so every result differs.
pub fn generate_png(seed: &str) -> Vec<u8> {
    const N: u32 = 384;
    let h = Sha256::digest(seed.as_bytes());
    let (a, b) = ([h[0], h[1], h[2]], [h[3], h[4], h[5]]);
    let mut data = Vec::with_capacity((N * N * 3) as usize);
    for y in 0..N {
        for x in 0..N {
            let t = (x + y) as f32 / (2 * N) as f32;
            let ring = (((x as f32 - 192.0).powi(2) + (y as f32 - 192.0).powi(2)).sqrt() / 24.0)
                .sin()
                * 0.08;
            for c in 0..3 {
                let v = f32::from(a[c]) * (1.0 - t) + f32::from(b[c]) * t;
                data.push((v * (1.0 + ring)).clamp(0.0, 255.0) as u8);
            }
        }
    }
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, N, N);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        if let Ok(mut w) = enc.write_header() {
            let _ = w.write_image_data(&data);
        }
    }
    out
}

/// The link to result `i` of task `id`, as the scenario wants it: an ordinary link, one that
/// expires (`#expire=N`, as CDN links do), one on a private address (`#privateresult`), or one
/// that redirects to a metadata address (`#redirectresult`).
pub fn result_url(base: &str, id: &str, i: u32, sc: &Scenario) -> String {
    if sc.private_result {
        return format!("http://10.255.255.1/output/{id}-{i}.png");
    }
    if sc.redirect_result {
        return format!("{base}/redirect-inside");
    }
    match sc.expire_secs {
        Some(secs) => {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0);
            format!("{base}/output/{id}-{i}.png?expires={}", now + secs)
        }
        None => format!("{base}/output/{id}-{i}.png"),
    }
}

#[derive(serde::Deserialize)]
pub struct OutputQuery {
    /// Unix seconds after which the link answers 403, as an expired signed CDN link does.
    expires: Option<u64>,
}

pub async fn output(Path(name): Path<String>, Query(q): Query<OutputQuery>) -> Response {
    let Some(stem) = name.strip_suffix(".png") else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    if q.expires.is_some_and(|at| now >= at) {
        return (
            StatusCode::FORBIDDEN,
            [(header::CONTENT_TYPE, "application/xml")],
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>",
        )
            .into_response();
    }
    (
        [
            (header::CONTENT_TYPE, "image/png"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        generate_png(stem),
    )
        .into_response()
}

/// A result link that sends the fetcher to a cloud metadata address.
pub async fn redirect_inside() -> Response {
    (
        StatusCode::FOUND,
        [(header::LOCATION, "http://169.254.169.254/latest/meta-data/")],
        "",
    )
        .into_response()
}

pub async fn uploaded(State(s): State<Arc<SandboxState>>, Path(name): Path<String>) -> Response {
    let found = s.uploads.lock().ok().and_then(|u| u.get(&name).cloned());
    match found {
        Some((ext, bytes)) => {
            let mime = match ext.as_str() {
                "png" => "image/png",
                "jpg" => "image/jpeg",
                _ => "image/webp",
            };
            ([(header::CONTENT_TYPE, mime)], bytes).into_response()
        }
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn generated_results_are_real_pngs() {
        let png = super::generate_png("task-1");
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
        assert_ne!(png, super::generate_png("task-2"));
    }
}
