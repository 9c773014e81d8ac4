//! Turning server-side failures into what the browser may see.

use app::error::AppError;

/// Logs an unexpected failure with its whole chain under a short id, and answers a 500 that
/// carries only that id.
pub fn internal(err: impl Into<anyhow::Error>) -> AppError {
    let err = err.into();
    let id = uuid::Uuid::new_v4().simple().to_string()[..8].to_owned();
    tracing::error!(error_id = %id, error = ?err, "unexpected error");
    AppError::Internal { request_id: id }
}

/// `?`-friendly conversion for results whose errors are unexpected.
pub trait OrInternal<T> {
    fn or_internal(self) -> Result<T, AppError>;
}

impl<T, E: Into<anyhow::Error>> OrInternal<T> for Result<T, E> {
    fn or_internal(self) -> Result<T, AppError> {
        self.map_err(internal)
    }
}
