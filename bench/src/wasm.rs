//! `wasm`: what a browser downloads to hydrate the pages, and in how many requests.
//!
//! The release build is split (`cargo leptos build --release --split`): every page is a lazy
//! route whose code sits in its own wasm chunks, listed in `__wasm_split_manifest.json`. A first
//! visit to a page downloads the JS glue, the split loader, the main module and that page's
//! chunks, the chunks all in one response (`/pkg/batch/…`, see `app::chunk_batch`: each chunk as
//! its length and bytes, compressed as one). So this measures, raw, gzipped (level 9) and
//! brotli-compressed (quality 11), every page's first visit and its requests, then everything
//! together.

use crate::procs::Ctx;
use crate::report::Outcome;
use anyhow::{Context, Result};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

/// Issue 14: "a first visit of any page within 350 KB (gzip) and a few dozen requests at most".
const TARGET_GZIP: usize = 350_000;
const TARGET_REQUESTS: usize = 36;
/// A release main module is well under this; a debug one is far over it.
const DEBUG_BUILD_BYTES: usize = 4_000_000;

fn gzip(bytes: &[u8]) -> Result<usize> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(9));
    enc.write_all(bytes)?;
    Ok(enc.finish()?.len())
}

fn brotli(bytes: &[u8]) -> Result<usize> {
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 22,
        ..Default::default()
    };
    let mut out = Vec::new();
    brotli::BrotliCompress(&mut std::io::Cursor::new(bytes), &mut out, &params)?;
    Ok(out.len())
}

#[derive(Clone, Copy, Default)]
struct Size {
    raw: usize,
    gz: usize,
    br: usize,
}

impl std::ops::Add for Size {
    type Output = Size;
    fn add(self, o: Size) -> Size {
        Size {
            raw: self.raw + o.raw,
            gz: self.gz + o.gz,
            br: self.br + o.br,
        }
    }
}

impl std::fmt::Display for Size {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "raw {} · gzip {} · brotli {}",
            kb(self.raw),
            kb(self.gz),
            kb(self.br)
        )
    }
}

fn kb(n: usize) -> String {
    format!("{:.1} KB", n as f64 / 1000.0)
}

fn measure(path: &Path) -> Result<Size> {
    let bytes = std::fs::read(path)
        .with_context(|| format!("cannot read {} (run `make build`)", path.display()))?;
    measure_bytes(&bytes)
}

fn measure_bytes(bytes: &[u8]) -> Result<Size> {
    Ok(Size {
        raw: bytes.len(),
        gz: gzip(bytes)?,
        br: brotli(bytes)?,
    })
}

/// `__home_route_view_7161…` → `home`.
fn page_name(split: &str) -> String {
    let s = split.trim_start_matches('_');
    let s = s.split("_route_view_").next().unwrap_or(s);
    s.replace('_', "-")
}

/// The body the console sends for `/pkg/batch/<name>.wasm` (`server::web::chunk_batch`): each
/// chunk, in the address's order, as its length (u32, little-endian) and bytes.
fn batch_body(pkg: &Path, name: &str) -> Result<Vec<u8>> {
    let mut body = Vec::new();
    for token in name.split('-') {
        let file = app::chunk_batch::file_of(token)
            .with_context(|| format!("{token} is not a chunk's name"))?;
        let bytes = std::fs::read(pkg.join(&file))
            .with_context(|| format!("the manifest names {file}, which is missing"))?;
        body.extend_from_slice(&u32::try_from(bytes.len())?.to_le_bytes());
        body.extend_from_slice(&bytes);
    }
    Ok(body)
}

/// One page's first visit.
struct Visit {
    page: String,
    code: Size,
    requests: usize,
}

/// The measured rows, the heaviest first visit, the most requests, and what is wrong with the
/// build measured (if anything).
struct Measured {
    rows: Vec<(String, String)>,
    heaviest: Visit,
    most_requests: usize,
    problem: Option<String>,
}

fn measure_all(pkg: &Path) -> Result<Measured> {
    let mut sizes: BTreeMap<String, Size> = BTreeMap::new();
    for entry in std::fs::read_dir(pkg).with_context(|| format!("cannot list {}", pkg.display()))? {
        let path = entry?.path();
        let name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        if name.ends_with(".wasm") || name.ends_with(".js") || name.ends_with(".css") {
            sizes.insert(name, measure(&path)?);
        }
    }
    let main = *sizes
        .get("rhconsole.wasm")
        .with_context(|| format!("no rhconsole.wasm in {} (run `make build`)", pkg.display()))?;
    let glue = *sizes
        .get("rhconsole.js")
        .with_context(|| format!("no rhconsole.js in {}", pkg.display()))?;
    let loader = sizes
        .iter()
        .find(|(k, _)| k.starts_with("__wasm_split") && k.ends_with(".js"))
        .map(|(_, s)| *s);
    let mut rows = Vec::new();
    let mut problem = None;
    if main.raw > DEBUG_BUILD_BYTES {
        problem = Some(format!(
            "rhconsole.wasm is {} raw: this is a debug build; run `make build` (release) first",
            kb(main.raw)
        ));
    }
    rows.push(("main module rhconsole.wasm".to_owned(), main.to_string()));
    rows.push(("JS glue rhconsole.js".to_owned(), glue.to_string()));
    if let Some(loader) = loader {
        rows.push((
            "split loader __wasm_split.js".to_owned(),
            loader.to_string(),
        ));
    }
    if let Some(css) = sizes.get("rhconsole.css") {
        rows.push(("stylesheet rhconsole.css".to_owned(), css.to_string()));
    }

    let manifest_path = pkg.join("__wasm_split_manifest.json");
    let manifest: BTreeMap<String, Vec<String>> = match std::fs::read_to_string(&manifest_path) {
        Ok(text) => serde_json::from_str(&text)
            .with_context(|| format!("{} is not a split manifest", manifest_path.display()))?,
        Err(_) => BTreeMap::new(),
    };
    // The page, its stylesheet, the JS glue and the main module; with a split build also the
    // loader and the page's one batch of chunks.
    let base_requests = 4;
    let mut visits = Vec::new();
    for (split, chunks) in manifest.iter().filter(|(k, _)| k.contains("_route_view_")) {
        let name =
            app::chunk_batch::batch_name(chunks.iter().map(String::as_str)).with_context(|| {
                format!("the manifest lists a file that is not a chunk for {split}")
            })?;
        let batch = measure_bytes(&batch_body(pkg, &name)?)?;
        let code = glue + main + loader.unwrap_or_default() + batch;
        let page = page_name(split);
        rows.push((
            format!(
                "first visit to {page}: {} chunks in one batch ({}), {} requests",
                chunks.len(),
                kb(batch.gz),
                base_requests + 2
            ),
            format!("code {code}"),
        ));
        visits.push(Visit {
            page,
            code,
            requests: base_requests + 2,
        });
    }
    let all_wasm = sizes
        .iter()
        .filter(|(k, _)| k.ends_with(".wasm"))
        .fold(Size::default(), |a, (_, s)| a + *s);
    let wasm_files = sizes.keys().filter(|k| k.ends_with(".wasm")).count();
    rows.push((
        format!("every page visited: all {wasm_files} wasm files, each compressed alone"),
        all_wasm.to_string(),
    ));
    let most_requests = visits
        .iter()
        .map(|v| v.requests)
        .max()
        .unwrap_or(base_requests);
    let heaviest = visits
        .into_iter()
        .max_by_key(|v| v.code.gz)
        .unwrap_or(Visit {
            page: "every page (not split)".to_owned(),
            code: glue + main,
            requests: base_requests,
        });
    Ok(Measured {
        rows,
        heaviest,
        most_requests,
        problem,
    })
}

pub async fn run(ctx: &Ctx) -> Result<Outcome> {
    let mut o = Outcome::new("wasm", "");
    let pkg = ctx.site.join("pkg");
    o.setup = format!(
        "The files `cargo leptos build --release --split` wrote to `{}`: the wasm built with the `wasm-release` \
         profile (opt-level z, LTO, one codegen unit), split into a main module and per-page chunks, each run \
         through wasm-opt. A first visit to a page downloads the JS glue, the split loader, the main module and that \
         page's chunks (listed in `__wasm_split_manifest.json`) in one `/pkg/batch/…` response; \"code\" is all of \
         that, each response compressed as the browser gets it. Requests: the page, its stylesheet, the glue, the \
         main module, the loader and the batch. Sizes raw, gzip level 9 (flate2) and brotli quality 11 (window \
         22); 1 KB = 1,000 bytes.",
        ctx.site_origin.join("pkg").display()
    );
    let m = tokio::task::spawn_blocking(move || measure_all(&pkg)).await??;
    for (k, v) in m.rows {
        o.metric(k, v);
    }
    if let Some(p) = &m.problem {
        o.note(p.clone());
    }
    o.check(
        "heaviest first visit, code gzipped",
        format!("< {}", kb(TARGET_GZIP)),
        format!("{} ({})", kb(m.heaviest.code.gz), m.heaviest.page),
        m.problem.is_none() && m.heaviest.code.gz > 0 && m.heaviest.code.gz < TARGET_GZIP,
    );
    o.check(
        "most requests for a first visit",
        format!("≤ {TARGET_REQUESTS}"),
        m.most_requests.to_string(),
        m.most_requests <= TARGET_REQUESTS,
    );
    Ok(o)
}
