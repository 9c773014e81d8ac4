//! Images the console keeps itself, on disk under `<data>/blobs/`, named by their SHA-256 so
//! the same image is stored once. Only real PNG, JPEG and WEBP images are taken, checked by
//! content, never by name.

use crate::clock::SharedClock;
use crate::db::{self, Db};
use crate::error::OrInternal;
use app::domain::{BlobRef, IMAGE_BYTES_MAX, UserId};
use app::error::AppError;
use app::i18n::Msg;
use sha2::{Digest, Sha256};
use std::path::PathBuf;

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
    ) -> Result<BlobRef, AppError> {
        if bytes.len() > IMAGE_BYTES_MAX {
            return Err(AppError::rejected(413, Msg::ErrImageTooLarge));
        }
        let (mime, ext) =
            sniff_image(bytes).ok_or_else(|| AppError::rejected(415, Msg::ErrImageType))?;
        let name = format!("{}.{ext}", hex::encode(Sha256::digest(bytes)));
        let path = self.dir.join(&name);
        if !path.exists() {
            let tmp = self
                .dir
                .join(format!(".{name}.{}", uuid::Uuid::new_v4().simple()));
            tokio::fs::write(&tmp, bytes).await.or_internal()?;
            tokio::fs::rename(&tmp, &path).await.or_internal()?;
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
            .or_internal()?;
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
