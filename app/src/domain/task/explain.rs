//! Plain explanations of the provider error codes operators meet.

use crate::i18n::Msg;

/// A plain explanation of an error code the provider is known to send.
pub fn explain_error(code: Option<&str>, message: Option<&str>) -> Option<Msg> {
    let code = code.map(str::trim).unwrap_or_default();
    let message = message.unwrap_or_default().to_ascii_lowercase();
    let by_code = match code {
        "1501" => Some(Msg::Explain1501),
        "1505" => Some(Msg::Explain1505),
        "421" | "TASK_QUEUE_MAXED" => Some(Msg::Explain421),
        "415" | "TASK_INSTANCE_MAXED" => Some(Msg::Explain415),
        "814" => Some(Msg::Explain814),
        "812" => Some(Msg::Explain812),
        "802" | "401" | "APIKEY_UNAUTHORIZED" => Some(Msg::ExplainAuth),
        "301" | "PARAMS_INVALID" => Some(Msg::Explain301),
        "433" | "VALIDATE_PROMPT_FAILED" => Some(Msg::Explain433),
        "1000" => Some(Msg::Explain1000),
        "timeout" => Some(Msg::ExplainTimeout),
        "no_image" => Some(Msg::ExplainNoImage),
        "http_429" => Some(Msg::Explain421),
        _ => None,
    };
    by_code.or_else(|| {
        if message.contains("apikey")
            || message.contains("api key")
            || message.contains("unauthorized")
        {
            Some(Msg::ExplainAuth)
        } else if message.contains("balance") || message.contains("insufficient") {
            Some(Msg::Explain812)
        } else if message.contains("content verification") || message.contains("moderation") {
            Some(Msg::Explain1501)
        } else {
            None
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_error_codes_have_explanations() {
        assert_eq!(explain_error(Some("1501"), None), Some(Msg::Explain1501));
        assert_eq!(
            explain_error(Some(""), Some("ApiKey verification failed")),
            Some(Msg::ExplainAuth)
        );
        assert_eq!(explain_error(Some("9999"), Some("??")), None);
    }
}
