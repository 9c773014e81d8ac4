//! Keeping results: when a task succeeds, each result image the provider links to is fetched
//! into the console's blob store, with a thumbnail, because provider links expire about a day
//! after the result (../shared/runninghub-api.md). The fetch goes through the same outbound
//! rules as every call (http(s) only, public addresses only except the config's own host when
//! it is allowed local ones, every redirect hop checked, a size cap, the type decided by the
//! bytes, a timeout). A result that cannot be kept stays a link, with a warning in the log;
//! the task still succeeds.

use super::{Run, Step};
use crate::blobs::{RESULT_BYTES_MAX, thumbnail};
use crate::tasks::event::Event;
use app::domain::*;

impl Run<'_> {
    /// `results`, each provider link replaced by the kept copy (`/files/…`), with the link as
    /// `provider_url` and a thumbnail. Base64 results are already kept.
    pub(super) async fn keep_results(&mut self, results: Vec<ResultItem>) -> Step<Vec<ResultItem>> {
        let mut out = Vec::with_capacity(results.len());
        for (i, item) in results.into_iter().enumerate() {
            let Some(link) = item
                .url
                .clone()
                .filter(|u| u.starts_with("http://") || u.starts_with("https://"))
            else {
                out.push(item);
                continue;
            };
            let kept = {
                let _turn = super::turn(&self.inner.keeping).await?;
                self.keep_one(&link).await
            };
            match kept {
                Ok((file, thumb)) => out.push(ResultItem {
                    url: Some(file),
                    provider_url: Some(link),
                    thumb_url: thumb,
                    ..item
                }),
                Err(error) => {
                    let text = EventText::ResultNotKept { n: i + 1, error };
                    self.record(Event::warn(Stage::Result, text)).await?;
                    out.push(item);
                }
            }
        }
        Ok(out)
    }

    /// Fetches one result into the blob store: its `/files/` path and its thumbnail's (none
    /// when the image could not be decoded for one), or why it could not be kept.
    async fn keep_one(&self, link: &str) -> Result<(String, Option<String>), String> {
        let (allow_local, base) = (self.task.stored.config.allow_local, self.base());
        let bytes = self
            .inner
            .providers
            .http
            .download(
                link,
                |hop| crate::providers::local_ok(allow_local, &base, hop),
                RESULT_BYTES_MAX,
            )
            .await
            .map_err(|e| e.to_string())?;
        let blobs = &self.inner.blobs;
        let kept = blobs
            .put_within(&bytes, "result", None, RESULT_BYTES_MAX)
            .await
            .map_err(|e| e.to_string())?;
        let thumb = match tokio::task::spawn_blocking(move || thumbnail(&bytes)).await {
            Ok(Ok(jpeg)) => blobs
                .put_within(&jpeg, "thumbnail", None, RESULT_BYTES_MAX)
                .await
                .ok()
                .map(|b| format!("/files/{}", b.name)),
            Ok(Err(e)) => {
                tracing::warn!(task = %self.task.id, error = %e, "no thumbnail for a kept result");
                None
            }
            Err(e) => {
                tracing::warn!(task = %self.task.id, error = %e, "the thumbnail worker failed");
                None
            }
        };
        Ok((format!("/files/{}", kept.name), thumb))
    }
}
