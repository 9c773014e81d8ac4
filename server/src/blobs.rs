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
    /// Over [`IMAGE_BYTES_MAX`] bytes (the provider's per-image limit).
    #[error("image over {IMAGE_BYTES_MAX} bytes")]
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
        if bytes.len() > IMAGE_BYTES_MAX {
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
