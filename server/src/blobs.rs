//! Images the console keeps itself, on disk under `<data>/blobs/`, named by their SHA-256 so
//! the same image is stored once. Only real PNG, JPEG and WEBP images are taken, checked by
//! content, never by name.

use crate::clock::SharedClock;
use crate::db::{self, Db};
use anyhow::Context;
use app::domain::{BlobRef, IMAGE_BYTES_MAX, UserId};
use sha2::{Digest, Sha256};
use std::path::PathBuf;

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
}

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
    pub fn new(dir: PathBuf, db: Db, clock: SharedClock) -> anyhow::Result<BlobStore> {
        std::fs::create_dir_all(&dir)?;
        Ok(BlobStore { dir, db, clock })
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
