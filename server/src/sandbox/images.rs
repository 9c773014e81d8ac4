//! Images the sandbox serves: generated "results" and stored uploads.

use super::SandboxState;
use axum::extract::{Path, State};
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

pub async fn output(Path(name): Path<String>) -> Response {
    let Some(stem) = name.strip_suffix(".png") else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    (
        [
            (header::CONTENT_TYPE, "image/png"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        generate_png(stem),
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
