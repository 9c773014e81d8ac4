//! The upload phase: local images go to the provider's upload endpoint (RunningHub), or travel
//! inline with the submit (multipart gateways). Each upload is retried on its own.

use super::{CallKind, Halt, Run, Step, Wake, ms};
use crate::db::task::TaskUpdate;
use crate::providers::{ImageFile, ImageInput, Target};
use crate::tasks::event::Event;
use crate::tasks::retry::Retry;
use app::domain::*;

impl Run<'_> {
    /// The submit's images: the URLs first, then the local images (uploaded, or as bytes),
    /// at most [`IMAGES_SENT_MAX`] in all. `None` when the task ended meanwhile.
    pub(super) async fn images(&mut self, target: &Target) -> Step<Option<Vec<ImageInput>>> {
        let spec = self.task.stored.spec.clone();
        let mut images: Vec<ImageInput> = spec
            .image_urls
            .iter()
            .cloned()
            .map(ImageInput::Url)
            .collect();
        let room = IMAGES_SENT_MAX.saturating_sub(images.len());
        let locals: Vec<&BlobRef> = spec.local_images.iter().take(room).collect();
        images.truncate(IMAGES_SENT_MAX);
        if !locals.is_empty() && self.provider.needs_upload() {
            let update = TaskUpdate {
                status: Some(TaskStatus::Uploading),
                started: true,
                ..Default::default()
            };
            let text = EventText::Uploading {
                count: locals.len(),
            };
            self.record(Event::info(Stage::Upload, text).update(update))
                .await?;
        }
        for (i, blob) in locals.iter().enumerate() {
            let Some((_, bytes)) = self.inner.blobs.read(&blob.name).await? else {
                return self
                    .fail(
                        Stage::Upload,
                        "blob_missing".into(),
                        format!(
                            "The uploaded image {} is no longer on the server",
                            blob.original_name
                        ),
                        None,
                        None,
                    )
                    .await
                    .map(|_| None);
            };
            let file = ImageFile {
                file_name: blob.name.clone(),
                mime: blob.mime.clone(),
                bytes,
            };
            if self.provider.needs_upload() {
                let url = self.upload(target, &file, i + 1, locals.len()).await?;
                images.push(ImageInput::Url(url));
            } else {
                images.push(ImageInput::File(file));
            }
        }
        Ok(Some(images))
    }

    /// Uploads image `n` of `of`; answers the URL the submit uses.
    async fn upload(
        &mut self,
        target: &Target,
        file: &ImageFile,
        n: usize,
        of: usize,
    ) -> Step<String> {
        let policy = self.inner.settings.retry;
        let mut retry = Retry::new(policy, self.attempts(policy.upload_attempts), 0);
        loop {
            retry.begin();
            let result = self
                .call(CallKind::Upload, self.provider.upload(target, file))
                .await?;
            let e = match result {
                Ok(up) => {
                    let text = EventText::Uploaded {
                        n,
                        of,
                        url: up.url.clone(),
                    };
                    self.record(
                        Event::info(Stage::Upload, text)
                            .call(Some(up.http_status), Some(up.latency_ms)),
                    )
                    .await?;
                    return Ok(up.url);
                }
                Err(e) => e,
            };
            let Some(delay) = retry.after_failure(e.is_transient(), e.retry_after) else {
                self.fail_call(Stage::Upload, &e).await?;
                return Err(Halt::Done);
            };
            self.inner.metrics.retry(self.api, "upload");
            let text = EventText::UploadRetry {
                n,
                of,
                error: e.to_string(),
                delay_ms: ms(delay),
            };
            self.record(Event::warn(Stage::Retry, text).call_failed(&e))
                .await?;
            if let Wake::Stop = self.wait(delay).await {
                return Err(Halt::Done);
            }
        }
    }
}
