//! Images the console keeps itself, on disk under `<data>/blobs/`, named by their SHA-256 so
//! the same image is stored once. Only real PNG, JPEG and WEBP images are taken, checked by
//! content, never by name. Retention ([`Retention`]) removes what was not used for a while or
//! what goes over a total size, never an image a task still needs.

use crate::clock::SharedClock;
use crate::db::{self, Db};
use anyhow::Context;
use app::domain::{BlobRef, IMAGE_BYTES_MAX, UserId};
use sha2::{Digest, Sha256};
use std::path::PathBuf;

/// Applies `store`'s retention a minute after start, then hourly, until `stop`.
pub async fn clean_up_periodically(store: BlobStore, stop: tokio_util::sync::CancellationToken) {
    let mut pause = std::time::Duration::from_secs(60);
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(pause) => {}
        }
        match store.gc(false).await {
            Ok(r) if r.removed > 0 || r.stray_files > 0 => tracing::info!(
                removed = r.removed,
                removed_bytes = r.removed_bytes,
                stray_files = r.stray_files,
                kept = r.kept,
                kept_bytes = r.kept_bytes,
                "kept images cleaned up"
            ),
            Ok(_) => {}
            Err(e) => {
                tracing::error!(error = ?e, "cleaning up kept images failed; trying again in an hour")
            }
        }
        pause = std::time::Duration::from_secs(3600);
    }
}

/// Why an image was not stored.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    /// Over the limit: [`IMAGE_BYTES_MAX`] bytes for inputs (the provider's per-image limit),
    /// [`RESULT_BYTES_MAX`] for results.
    #[error("image over the size limit")]
    TooLarge,
    /// Not a PNG, JPEG or WEBP image by its bytes.
    #[error("not a PNG, JPEG or WEBP image")]
    NotAnImage,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

#[derive(Clone)]
pub struct BlobStore {
    dir: PathBuf,
    db: Db,
    clock: SharedClock,
    retention: Retention,
    /// Held shared by every put and exclusively while the clean-up removes one image, so a put
    /// never finds a file that is about to go.
    gate: std::sync::Arc<tokio::sync::RwLock<()>>,
}

/// How long kept images stay: `serve --keep-days/--keep-mb` and `blobs gc`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::Args, serde::Serialize)]
pub struct Retention {
    /// Days an image is kept after it was last stored or used by a task (0: no age limit).
    #[arg(long = "keep-days", env = "RHCONSOLE_KEEP_DAYS", default_value_t = Retention::DEFAULT.days)]
    pub days: u32,
    /// Megabytes all kept images may use together; the least recently used go first (0: no
    /// cap).
    #[arg(long = "keep-mb", env = "RHCONSOLE_KEEP_MB", default_value_t = Retention::DEFAULT.megabytes)]
    pub megabytes: u64,
}

impl Retention {
    /// 90 days, no size cap: a quarter of test history stays viewable, disk permitting.
    pub const DEFAULT: Retention = Retention {
        days: 90,
        megabytes: 0,
    };
    /// Keeps everything.
    pub const FOREVER: Retention = Retention {
        days: 0,
        megabytes: 0,
    };

    /// The cap in bytes, if any.
    pub fn max_bytes(&self) -> Option<u64> {
        (self.megabytes > 0).then(|| self.megabytes.saturating_mul(1_000_000))
    }
}

impl Default for Retention {
    fn default() -> Self {
        Retention::DEFAULT
    }
}

/// What one clean-up did (bytes in bytes).
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
pub struct GcReport {
    /// Images removed by retention (or that would be, on a dry run).
    pub removed: u64,
    pub removed_bytes: u64,
    /// Files on disk nobody recorded (left by a crash mid-write), removed.
    pub stray_files: u64,
    /// What is kept afterwards.
    pub kept: u64,
    pub kept_bytes: u64,
}

/// A stray file must be this old before the clean-up removes it (a put may be writing it).
const STRAY_AGE: std::time::Duration = std::time::Duration::from_secs(3600);

/// The largest result image the console keeps (a 4K PNG is about 20 MB).
pub const RESULT_BYTES_MAX: usize = 64 * 1024 * 1024;

/// The longest side of a thumbnail, in pixels.
pub const THUMB_SIDE: u32 = 320;

/// A JPEG of at most [`THUMB_SIDE`] pixels a side of the image `bytes` (PNG, JPEG or WEBP), for
/// lists and galleries. CPU work: run it off the async threads.
pub fn thumbnail(bytes: &[u8]) -> anyhow::Result<Vec<u8>> {
    let img = image::load_from_memory(bytes).context("decoding the image")?;
    let small = img.thumbnail(THUMB_SIDE, THUMB_SIDE).into_rgb8();
    let mut out = std::io::Cursor::new(Vec::new());
    small
        .write_to(&mut out, image::ImageFormat::Jpeg)
        .context("encoding the thumbnail")?;
    Ok(out.into_inner())
}

/// The image type of `bytes`, by content: `(mime, extension)`.
pub fn sniff_image(bytes: &[u8]) -> Option<(&'static str, &'static str)> {
    match infer::get(bytes)?.mime_type() {
        "image/png" => Some(("image/png", "png")),
        "image/jpeg" => Some(("image/jpeg", "jpg")),
        "image/webp" => Some(("image/webp", "webp")),
        _ => None,
    }
}

impl BlobStore {
    pub fn new(
        dir: PathBuf,
        db: Db,
        clock: SharedClock,
        retention: Retention,
    ) -> anyhow::Result<BlobStore> {
        std::fs::create_dir_all(&dir)?;
        Ok(BlobStore {
            dir,
            db,
            clock,
            retention,
            gate: Default::default(),
        })
    }

    pub fn retention(&self) -> Retention {
        self.retention
    }

    /// How many images are kept and their total bytes.
    pub async fn usage(&self) -> anyhow::Result<(u64, u64)> {
        let (files, bytes) = db::blob::usage(&self.db.read).await?;
        Ok((
            u64::try_from(files).unwrap_or(0),
            u64::try_from(bytes).unwrap_or(0),
        ))
    }

    /// Applies the retention: removes images last used more than `days` ago, then the least
    /// recently used while the rest is over the size cap, and files nobody recorded. Images a
    /// task still needs stay. With `dry_run`, only counts what would go.
    pub async fn gc(&self, dry_run: bool) -> anyhow::Result<GcReport> {
        let r = self.retention;
        let now = self.clock.now_ms();
        let cutoff = (r.days > 0).then(|| now - i64::from(r.days) * 86_400_000);
        let cap = r.max_bytes().map(|b| i64::try_from(b).unwrap_or(i64::MAX));
        let victims = db::blob::retention_victims(&self.db.read, cutoff, cap).await?;
        let mut report = GcReport::default();
        for v in &victims {
            let gone = if dry_run {
                true
            } else {
                let _alone = self.gate.write().await;
                let gone = db::blob::forget(&self.db.write, v).await?;
                if gone {
                    match tokio::fs::remove_file(self.dir.join(&v.name)).await {
                        Ok(()) => {}
                        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                        Err(e) => {
                            tracing::warn!(file = %v.name, error = %e, "cannot remove a kept image")
                        }
                    }
                }
                gone
            };
            if gone {
                report.removed += 1;
                report.removed_bytes += u64::try_from(v.size).unwrap_or(0);
            }
        }
        if !dry_run {
            report.stray_files = self.remove_strays().await?;
        }
        let (kept, kept_bytes) = self.usage().await?;
        (report.kept, report.kept_bytes) = if dry_run {
            (
                kept.saturating_sub(report.removed),
                kept_bytes.saturating_sub(report.removed_bytes),
            )
        } else {
            (kept, kept_bytes)
        };
        Ok(report)
    }

    /// Removes files over an hour old that no row records: half-written temporaries and images
    /// whose row went while the file stayed (a crash between the two).
    async fn remove_strays(&self) -> anyhow::Result<u64> {
        let mut n = 0;
        let mut dir = tokio::fs::read_dir(&self.dir).await?;
        while let Some(entry) = dir.next_entry().await? {
            let name = entry.file_name().to_string_lossy().into_owned();
            let old = entry
                .metadata()
                .await
                .ok()
                .and_then(|m| m.modified().ok())
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age > STRAY_AGE);
            if !old {
                continue;
            }
            let _alone = self.gate.write().await;
            let stray = if BlobRef::is_valid_name(&name) {
                db::blob::get(&self.db.read, &name).await?.is_none()
            } else {
                name.starts_with('.')
            };
            if stray && tokio::fs::remove_file(entry.path()).await.is_ok() {
                n += 1;
            }
        }
        Ok(n)
    }

    /// Which of the `/files/<name>` paths in `urls` are kept no longer (retention removed them).
    pub async fn gone(&self, urls: &[&str]) -> anyhow::Result<Vec<String>> {
        let names: Vec<String> = urls
            .iter()
            .filter_map(|u| u.strip_prefix("/files/"))
            .map(str::to_owned)
            .collect();
        if names.is_empty() {
            return Ok(Vec::new());
        }
        let kept = db::blob::existing(&self.db.read, &names).await?;
        Ok(names
            .into_iter()
            .filter(|n| !kept.contains(n))
            .map(|n| format!("/files/{n}"))
            .collect())
    }

    /// Stores an image; refuses anything that is not a real image within the provider's limit.
    pub async fn put(
        &self,
        bytes: &[u8],
        original_name: &str,
        by: Option<UserId>,
    ) -> Result<BlobRef, BlobError> {
        self.put_within(bytes, original_name, by, IMAGE_BYTES_MAX)
            .await
    }

    /// Stores an image of at most `max_bytes` (results may be larger than inputs).
    pub async fn put_within(
        &self,
        bytes: &[u8],
        original_name: &str,
        by: Option<UserId>,
        max_bytes: usize,
    ) -> Result<BlobRef, BlobError> {
        if bytes.len() > max_bytes {
            return Err(BlobError::TooLarge);
        }
        let (mime, ext) = sniff_image(bytes).ok_or(BlobError::NotAnImage)?;
        let _shared = self.gate.read().await;
        let name = format!("{}.{ext}", hex::encode(Sha256::digest(bytes)));
        let path = self.dir.join(&name);
        if !path.exists() {
            let tmp = self
                .dir
                .join(format!(".{name}.{}", uuid::Uuid::new_v4().simple()));
            tokio::fs::write(&tmp, bytes)
                .await
                .with_context(|| format!("writing {}", tmp.display()))?;
            tokio::fs::rename(&tmp, &path)
                .await
                .with_context(|| format!("renaming {} into place", tmp.display()))?;
        }
        let original: String = original_name
            .chars()
            .filter(|c| !c.is_control())
            .take(200)
            .collect();
        let blob = BlobRef {
            name,
            mime: mime.to_owned(),
            size: bytes.len() as u64,
            original_name: original,
        };
        db::blob::insert(&self.db.write, &blob, by, self.clock.now_ms())
            .await
            .context("recording the blob")?;
        Ok(blob)
    }

    /// The stored image and its bytes, if it exists.
    pub async fn read(&self, name: &str) -> anyhow::Result<Option<(BlobRef, bytes::Bytes)>> {
        if !BlobRef::is_valid_name(name) {
            return Ok(None);
        }
        let Some(blob) = db::blob::get(&self.db.read, name).await? else {
            return Ok(None);
        };
        match tokio::fs::read(self.dir.join(name)).await {
            Ok(b) => Ok(Some((blob, bytes::Bytes::from(b)))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thumbnail_is_a_small_jpeg() {
        let png = crate::sandbox::images::generate_png("thumb");
        let thumb = thumbnail(&png).expect("thumbnail");
        assert_eq!(sniff_image(&thumb), Some(("image/jpeg", "jpg")));
        let img = image::load_from_memory(&thumb).expect("decodes");
        assert!(img.width() <= THUMB_SIDE && img.height() <= THUMB_SIDE);
        assert!(thumbnail(b"not an image").is_err());
    }

    #[test]
    fn images_are_recognised_by_content_not_name() {
        assert_eq!(
            sniff_image(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
            Some(("image/png", "png"))
        );
        assert_eq!(
            sniff_image(b"\xff\xd8\xff\xe0\0\x10JFIF\0"),
            Some(("image/jpeg", "jpg"))
        );
        assert_eq!(
            sniff_image(b"RIFF\0\0\0\0WEBPVP8 "),
            Some(("image/webp", "webp"))
        );
        assert_eq!(sniff_image(b"GIF89a......"), None);
        assert_eq!(sniff_image(b"<html>not an image</html>"), None);
    }
}
