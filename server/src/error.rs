//! Turning server-side failures into what the browser may see: each area's error maps to
//! [`AppError`] here, at the server-function edge, and nowhere deeper.
//!
//! Unexpected failures are `anyhow` errors with a `.context("…")` per step; `?` turns them into
//! [`AppError::Internal`] (logged with their chain under the id the user sees, see
//! `app::error`).

use crate::blobs::BlobError;
use crate::tasks::EngineError;
use app::error::AppError;

/// Logs an unexpected failure with its whole chain under a short id, and answers a 500 that
/// carries only that id.
pub fn internal(err: impl Into<anyhow::Error>) -> AppError {
    AppError::from(err.into())
}

impl From<EngineError> for AppError {
    fn from(e: EngineError) -> Self {
        match e {
            EngineError::Invalid(fields) => AppError::Invalid(fields),
            EngineError::Refused(msg) => AppError::conflict(msg),
            EngineError::NotFound => AppError::NotFound,
            EngineError::Unexpected(e) => e.into(),
        }
    }
}

impl From<BlobError> for AppError {
    fn from(e: BlobError) -> Self {
        match e {
            BlobError::TooLarge => AppError::rejected(413, app::i18n::Msg::ErrImageTooLarge),
            BlobError::NotAnImage => AppError::rejected(415, app::i18n::Msg::ErrImageType),
            BlobError::Unexpected(e) => e.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;
    use app::i18n::Msg;

    #[test]
    fn each_area_error_keeps_its_http_meaning_at_the_edge() {
        let status = |e: AppError| e.status();
        assert_eq!(status(EngineError::NotFound.into()), 404);
        assert_eq!(
            status(EngineError::Refused(Msg::ErrTaskFinished).into()),
            409
        );
        assert_eq!(
            status(EngineError::field("configs", Msg::ErrNoConfigsSelected).into()),
            422
        );
        assert_eq!(status(BlobError::TooLarge.into()), 413);
        assert_eq!(status(BlobError::NotAnImage.into()), 415);
    }

    #[test]
    fn an_unexpected_failure_reaches_the_browser_as_an_id_only() {
        let failed: anyhow::Result<()> =
            Err(std::io::Error::other("disk on fire")).context("writing the blob");
        let e = AppError::from(EngineError::from(failed.expect_err("failed")));
        let AppError::Internal { request_id } = &e else {
            panic!("{e:?}")
        };
        assert_eq!(request_id.len(), 8);
        let shown = format!("{e} {e:?}");
        assert!(!shown.contains("disk on fire") && !shown.contains("writing the blob"));
    }
}
