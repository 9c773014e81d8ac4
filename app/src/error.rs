//! The one error type that crosses to the browser. It carries only what a user may see: field
//! errors for forms and a message otherwise. Internal causes are logged on the server, never
//! sent.

use crate::domain::FieldErrors;
use crate::i18n::{Lang, Msg, Text};
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// No valid session.
    #[error("not signed in")]
    Unauthorized,
    /// Signed in, but the role does not allow it.
    #[error("forbidden")]
    Forbidden,
    #[error("not found")]
    NotFound,
    /// A form with field-level problems.
    #[error("invalid input: {0:?}")]
    Invalid(FieldErrors),
    /// The request was understood and refused for the reason given.
    #[error("refused ({status}): {msg}")]
    Rejected { status: u16, msg: Msg },
    /// The launch would take these configs over their daily test budget (an admin may
    /// launch anyway, confirming it).
    #[error("over the daily budget: {0:?}")]
    OverBudget(Vec<crate::domain::BudgetExcess>),
    /// Too many failed sign-ins; try again after this many seconds.
    #[error("too many attempts, retry in {retry_after_secs} s")]
    TooManyRequests { retry_after_secs: u64 },
    /// Something broke on the server; the id finds it in the log.
    #[error("internal error (request {request_id})")]
    Internal { request_id: String },
    /// The call itself failed (network, encoding): from the server-function machinery.
    #[error("{0}")]
    Call(String),
}

impl AppError {
    pub fn rejected(status: u16, msg: Msg) -> Self {
        AppError::Rejected { status, msg }
    }

    pub fn bad_request(msg: Msg) -> Self {
        AppError::Rejected { status: 400, msg }
    }

    pub fn conflict(msg: Msg) -> Self {
        AppError::Rejected { status: 409, msg }
    }

    pub fn field(field: &str, msg: Msg) -> Self {
        let mut e = FieldErrors::new();
        e.push(field, msg);
        AppError::Invalid(e)
    }

    /// The HTTP status this error is answered with.
    pub fn status(&self) -> u16 {
        match self {
            AppError::Unauthorized => 401,
            AppError::Forbidden => 403,
            AppError::NotFound => 404,
            AppError::Invalid(_) => 422,
            AppError::Rejected { status, .. } => *status,
            AppError::OverBudget(_) => 409,
            AppError::TooManyRequests { .. } => 429,
            AppError::Internal { .. } => 500,
            AppError::Call(_) => 502,
        }
    }

    /// The headline message for the user.
    pub fn message(&self, lang: Lang) -> String {
        match self {
            AppError::Unauthorized => Msg::ErrUnauthorized.text(lang).to_owned(),
            AppError::Forbidden => Msg::ErrForbidden.text(lang).to_owned(),
            AppError::NotFound => Msg::ErrNotFound.text(lang).to_owned(),
            AppError::Invalid(errs) => errs
                .0
                .first()
                .map(|e| e.msg.text(lang).to_owned())
                .unwrap_or_else(|| Msg::ErrBadRequest.text(lang).to_owned()),
            AppError::Rejected { msg, .. } => msg.text(lang).to_owned(),
            AppError::OverBudget(over) => over
                .iter()
                .map(|o| {
                    Text::ErrOverBudget {
                        name: &o.name,
                        daily: &o.daily,
                        spent: &o.spent,
                        pending: &o.pending,
                        launch: &o.launch,
                    }
                    .render(lang)
                })
                .collect::<Vec<_>>()
                .join(if lang == Lang::Zh { "；" } else { "; " }),
            AppError::TooManyRequests { retry_after_secs } => Text::ErrTryAgainIn {
                error: Msg::ErrLoginLocked,
                mins: retry_after_secs.div_ceil(60).max(1),
            }
            .render(lang),
            AppError::Internal { request_id } => Text::ErrWithRequestId {
                error: Msg::ErrInternal,
                id: request_id,
            }
            .render(lang),
            AppError::Call(_) => Msg::ErrNetwork.text(lang).to_owned(),
        }
    }

    /// Field errors, if this is a form error.
    pub fn fields(&self) -> Option<&FieldErrors> {
        match self {
            AppError::Invalid(f) => Some(f),
            _ => None,
        }
    }
}

impl From<FieldErrors> for AppError {
    fn from(e: FieldErrors) -> Self {
        AppError::Invalid(e)
    }
}

/// An unexpected failure on the server, at the server-function edge: its whole chain (every
/// `.context(..)` step) is logged under a short id, and the browser gets a 500 that carries only
/// that id. This is what lets a service write `step.context("reading the config")?`.
#[cfg(feature = "ssr")]
impl From<anyhow::Error> for AppError {
    fn from(err: anyhow::Error) -> Self {
        let id = uuid::Uuid::new_v4().simple().to_string()[..8].to_owned();
        tracing::error!(error_id = %id, error = ?err, "unexpected error");
        AppError::Internal { request_id: id }
    }
}

impl FromServerFnError for AppError {
    // Read from text like every answer (see `api::codec`).
    type Encoder = crate::api::codec::StrJsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        AppError::Call(value.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_follow_http_meaning() {
        assert_eq!(AppError::Unauthorized.status(), 401);
        assert_eq!(AppError::Forbidden.status(), 403);
        assert_eq!(
            AppError::TooManyRequests {
                retry_after_secs: 10
            }
            .status(),
            429
        );
        assert_eq!(AppError::field("name", Msg::ErrRequired).status(), 422);
    }

    #[test]
    fn the_lockout_message_names_the_wait() {
        let e = AppError::TooManyRequests {
            retry_after_secs: 125,
        };
        assert!(e.message(Lang::En).contains("3 min"));
        assert!(e.message(Lang::Zh).contains("3 分钟"));
    }
}
