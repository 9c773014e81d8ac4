//! What the engine answers when it will not or cannot do what it was asked.

use app::domain::FieldErrors;
use app::i18n::Msg;

/// The engine's error: the caller's mistake (`Invalid`, `NotFound`), a state that does not allow
/// the request (`Refused`, e.g. a finished task cannot be cancelled), or something unexpected,
/// with the step that failed in its context chain. Mapped to the browser's `AppError` in
/// `crate::error` and to exit codes in `crate::cli`.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The test case or the choice of configs is wrong, field by field.
    #[error("invalid test case: {0:?}")]
    Invalid(FieldErrors),
    /// The request is understood but the current state refuses it (HTTP 409 at the edge).
    #[error("refused: {}", .0.en())]
    Refused(Msg),
    /// No such task or config.
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl EngineError {
    /// A single field's problem.
    pub fn field(field: &str, msg: Msg) -> Self {
        let mut e = FieldErrors::new();
        e.push(field, msg);
        EngineError::Invalid(e)
    }
}

impl From<FieldErrors> for EngineError {
    fn from(e: FieldErrors) -> Self {
        EngineError::Invalid(e)
    }
}
