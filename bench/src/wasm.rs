//! `wasm`: what a browser downloads to hydrate the pages.
//!
//! The release build is split (`cargo leptos build --release --split`): every page is a lazy
//! route whose code sits in its own wasm chunks, listed in `__wasm_split_manifest.json`. A first
//! visit to a page downloads the main module plus that page's chunks (the server-rendered page
//! preloads them); later pages add only the chunks not yet loaded. So this measures, raw,
//! gzipped (level 9) and brotli-compressed (quality 11): the main module, the first-visit
//! download of every page, and everything together.

use crate::procs::Ctx;
use crate::report::Outcome;
use anyhow::{Context, Result};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::Path;

const TARGET_GZIP: usize = 600_000;
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
    Ok(Size {
        raw: bytes.len(),
        gz: gzip(&bytes)?,
        br: brotli(&bytes)?,
    })
}

/// `__home_route_view_7161…` → `home`.
fn page_name(split: &str) -> String {
    let s = split.trim_start_matches('_');
    let s = s.split("_route_view_").next().unwrap_or(s);
    s.replace('_', "-")
}

/// The measured rows, the page with the largest first-visit download, and what is wrong with
/// the build measured (if anything).
struct Measured {
    rows: Vec<(String, String)>,
    worst_page: String,
    worst: Size,
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
    let mut rows = Vec::new();
    let mut problem = None;
    if main.raw > DEBUG_BUILD_BYTES {
        problem = Some(format!(
            "rhconsole.wasm is {} raw: this is a debug build; run `make build` (release) first",
            kb(main.raw)
        ));
    }
    rows.push(("main module rhconsole.wasm".to_owned(), main.to_string()));

    let manifest_path = pkg.join("__wasm_split_manifest.json");
    let manifest: BTreeMap<String, Vec<String>> = match std::fs::read_to_string(&manifest_path) {
        Ok(text) => serde_json::from_str(&text)
            .with_context(|| format!("{} is not a split manifest", manifest_path.display()))?,
        Err(_) => BTreeMap::new(),
    };
    let mut worst: Option<(String, Size)> = None;
    for (split, chunks) in manifest.iter().filter(|(k, _)| k.contains("_route_view_")) {
        let files: BTreeSet<String> = chunks.iter().map(|c| format!("{c}.wasm")).collect();
        let mut page = main;
        for f in &files {
            page = page
                + *sizes
                    .get(f)
                    .with_context(|| format!("the manifest names {f}, which is missing"))?;
        }
        let name = page_name(split);
        rows.push((
            format!("first visit to {name}: main + {} chunks", files.len()),
            page.to_string(),
        ));
        if worst.as_ref().is_none_or(|(_, w)| page.gz > w.gz) {
            worst = Some((name, page));
        }
    }
    let all_wasm = sizes
        .iter()
        .filter(|(k, _)| k.ends_with(".wasm"))
        .fold(Size::default(), |a, (_, s)| a + *s);
    let wasm_files = sizes.keys().filter(|k| k.ends_with(".wasm")).count();
    rows.push((
        format!("every page visited: all {wasm_files} wasm files"),
        all_wasm.to_string(),
    ));
    let js = sizes
        .iter()
        .filter(|(k, _)| k.ends_with(".js"))
        .fold(Size::default(), |a, (_, s)| a + *s);
    rows.push((
        "JS glue (rhconsole.js + split loader)".to_owned(),
        js.to_string(),
    ));
    if let Some(css) = sizes.get("rhconsole.css") {
        rows.push(("stylesheet rhconsole.css".to_owned(), css.to_string()));
    }
    let (worst_page, worst) = worst.unwrap_or_else(|| ("every page (not split)".to_owned(), main));
    Ok(Measured {
        rows,
        worst_page,
        worst,
        problem,
    })
}

pub async fn run(ctx: &Ctx) -> Result<Outcome> {
    let mut o = Outcome::new("wasm", "");
    let pkg = ctx.site.join("pkg");
    o.setup = format!(
        "The files `cargo leptos build --release --split` wrote to `{}`: the wasm built with the `wasm-release` \
         profile (opt-level z, LTO, one codegen unit), split into a main module and per-page chunks, each run \
         through wasm-opt. A first visit to a page downloads the main module and that page's chunks (listed in \
         `__wasm_split_manifest.json`); the table gives that for every page, then everything together. Sizes raw, \
         gzip level 9 (flate2) and brotli quality 11 (window 22); 1 KB = 1,000 bytes.",
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
        "largest first-visit wasm download, gzipped",
        "< 600 KB",
        format!("{} ({})", kb(m.worst.gz), m.worst_page),
        m.problem.is_none() && m.worst.gz > 0 && m.worst.gz < TARGET_GZIP,
    );
    Ok(o)
}
