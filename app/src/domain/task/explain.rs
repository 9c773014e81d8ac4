//! RunningHub's error codes in one table (../shared/runninghub-api.md, "RunningHub error
//! codes"): for each, whether sending again can help, and a plain explanation in both
//! languages. The engine's retry decision (`CallError::is_transient` on the server) and the
//! explanations on pages and in the CLI both read it.

use crate::i18n::Msg;

/// Whether trying the same call again can succeed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Retry {
    /// It fails the same way every time.
    Never,
    /// Later: the provider is busy, rate limited or its queue is full.
    Later,
}

/// What one provider error code means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CodeInfo {
    /// The spellings of the code (`errorCode`, numeric or by name).
    pub codes: &'static [&'static str],
    pub retry: Retry,
    pub explain: Msg,
}

const fn never(codes: &'static [&'static str], explain: Msg) -> CodeInfo {
    CodeInfo {
        codes,
        retry: Retry::Never,
        explain,
    }
}

const fn later(codes: &'static [&'static str], explain: Msg) -> CodeInfo {
    CodeInfo {
        codes,
        retry: Retry::Later,
        explain,
    }
}

/// Every code RunningHub is known to send: the v2 table and the older codes still seen.
pub const CODES: &[CodeInfo] = &[
    never(&["1000"], Msg::Explain1000),
    never(&["1001"], Msg::Explain1001),
    never(&["1002"], Msg::Explain1002),
    // The gateways' spellings of "rate limited" too.
    later(&["1003", "429", "rate_limit_exceeded"], Msg::Explain1003),
    never(&["1004"], Msg::Explain1004),
    later(&["1005", "1010", "1011"], Msg::Explain1005),
    never(&["1006"], Msg::Explain1006),
    never(&["1007"], Msg::Explain1007),
    never(&["1008"], Msg::Explain1008),
    never(&["1009"], Msg::Explain1009),
    never(&["1012"], Msg::Explain1012),
    never(&["1013"], Msg::Explain1013),
    never(&["1014"], Msg::Explain1014),
    never(&["1015"], Msg::Explain1015),
    never(&["1101"], Msg::Explain1101),
    never(&["1501"], Msg::Explain1501),
    never(&["1504"], Msg::Explain1504),
    never(&["1505"], Msg::Explain1505),
    never(&["301", "PARAMS_INVALID"], Msg::Explain301),
    never(&["433", "VALIDATE_PROMPT_FAILED"], Msg::Explain433),
    later(&["415", "TASK_INSTANCE_MAXED"], Msg::Explain415),
    later(&["421", "TASK_QUEUE_MAXED"], Msg::Explain421),
    later(&["814"], Msg::Explain814),
    never(&["416"], Msg::Explain416),
    never(&["812"], Msg::Explain812),
    never(&["435"], Msg::Explain435),
    never(&["436"], Msg::ExplainAccount),
    never(&["801"], Msg::Explain801),
    // Gateways' HTTP-style codes for a refused key.
    never(&["401", "403"], Msg::ExplainAuth),
    never(
        &["802", "APIKEY_UNAUTHORIZED", "APIKEY_USER_NOT_FOUND"],
        Msg::ExplainOtherSite,
    ),
    never(
        &[
            "803", "804", "805", "806", "807", "808", "809", "810", "811",
        ],
        Msg::ExplainAccount,
    ),
];

/// What `code` means, if RunningHub is known to send it.
pub fn code_info(code: &str) -> Option<&'static CodeInfo> {
    let code = code.trim();
    CODES
        .iter()
        .find(|c| c.codes.iter().any(|k| k.eq_ignore_ascii_case(code)))
}

/// A plain explanation of a task's error: by its code (the provider's, or the console's own
/// `timeout`, `no_image`, `http_429`), else by words in its message.
pub fn explain_error(code: Option<&str>, message: Option<&str>) -> Option<Msg> {
    let code = code.map(str::trim).unwrap_or_default();
    let message = message.unwrap_or_default().to_ascii_lowercase();
    let own = match code {
        // The console's own labels for calls that got no answer (see `CallError::display_code`).
        "connect" if message.contains("dns") || message.contains("lookup address") => {
            Some(Msg::ExplainDns)
        }
        "connect" if message.contains("refused") => Some(Msg::ExplainConnRefused),
        "connect" => Some(Msg::ExplainConnect),
        "network" => Some(Msg::ExplainNetwork),
        "malformed" => Some(Msg::ExplainMalformed),
        "refused" => Some(Msg::ExplainOutbound),
        "timeout" => Some(Msg::ExplainTimeout),
        "no_image" => Some(Msg::ExplainNoImage),
        "http_429" => Some(Msg::Explain1003),
        "http_404" => Some(Msg::ExplainNotFound),
        _ => None,
    };
    own.or_else(|| code_info(code).map(|c| c.explain))
        .or_else(|| {
            if message.contains("user not exist") || message.contains("user_not_found") {
                Some(Msg::ExplainOtherSite)
            } else if message.contains("apikey")
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
    use crate::i18n::Lang;

    #[test]
    fn known_error_codes_have_explanations() {
        assert_eq!(explain_error(Some("1501"), None), Some(Msg::Explain1501));
        assert_eq!(
            explain_error(Some(""), Some("ApiKey verification failed")),
            Some(Msg::ExplainAuth)
        );
        assert_eq!(explain_error(Some("9999"), Some("??")), None);
    }

    /// Calls that got no answer are explained by what reqwest said went wrong (the stored
    /// message is its outermost and innermost words, see `providers::answer::from_reqwest`).
    #[test]
    fn network_failures_are_explained_in_plain_words() {
        let dns = "error sending request for url (http://rh.example/x): failed to lookup address information: Name or service not known";
        assert_eq!(
            explain_error(Some("connect"), Some(dns)),
            Some(Msg::ExplainDns)
        );
        let refused = "error sending request for url (http://127.0.0.1:9/x): Connection refused (os error 111)";
        assert_eq!(
            explain_error(Some("connect"), Some(refused)),
            Some(Msg::ExplainConnRefused)
        );
        assert_eq!(
            explain_error(Some("connect"), Some("tls handshake eof")),
            Some(Msg::ExplainConnect)
        );
        assert_eq!(
            explain_error(Some("network"), Some("connection reset")),
            Some(Msg::ExplainNetwork)
        );
        assert_eq!(
            explain_error(Some("malformed"), None),
            Some(Msg::ExplainMalformed)
        );
        assert_eq!(
            explain_error(Some("refused"), None),
            Some(Msg::ExplainOutbound)
        );
        for m in [
            Msg::ExplainDns,
            Msg::ExplainConnRefused,
            Msg::ExplainConnect,
            Msg::ExplainNetwork,
        ] {
            assert!(
                m.text(Lang::Zh)
                    .chars()
                    .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
            );
        }
    }

    #[test]
    fn every_documented_code_is_explained_in_both_languages_and_marked_once() {
        let documented = [
            "1000",
            "1001",
            "1002",
            "1003",
            "1004",
            "1005",
            "1006",
            "1007",
            "1008",
            "1009",
            "1010",
            "1011",
            "1012",
            "1013",
            "1014",
            "1015",
            "1101",
            "1501",
            "1504",
            "1505",
            "301",
            "415",
            "416",
            "421",
            "433",
            "435",
            "436",
            "801",
            "802",
            "803",
            "811",
            "812",
            "814",
            "PARAMS_INVALID",
            "VALIDATE_PROMPT_FAILED",
            "TASK_INSTANCE_MAXED",
            "TASK_QUEUE_MAXED",
            "APIKEY_UNAUTHORIZED",
            "APIKEY_USER_NOT_FOUND",
        ];
        for code in documented {
            let info = code_info(code).unwrap_or_else(|| panic!("{code} is not in the table"));
            for lang in [Lang::Zh, Lang::En] {
                assert!(!info.explain.text(lang).is_empty(), "{code}");
            }
            let listed = CODES.iter().filter(|c| c.codes.contains(&code)).count();
            assert_eq!(listed, 1, "{code} is listed once");
        }
        let retry: Vec<&str> = CODES
            .iter()
            .filter(|c| c.retry == Retry::Later)
            .flat_map(|c| c.codes.iter().copied())
            .collect();
        assert_eq!(
            retry,
            [
                "1003",
                "429",
                "rate_limit_exceeded",
                "1005",
                "1010",
                "1011",
                "415",
                "TASK_INSTANCE_MAXED",
                "421",
                "TASK_QUEUE_MAXED",
                "814"
            ]
        );
    }

    #[test]
    fn a_refused_tier_and_a_key_of_the_other_site_get_hints_of_their_own() {
        let tier = explain_error(Some("1014"), Some("apikey tier not allowed")).expect("1014");
        assert!(tier.text(Lang::En).contains("Enterprise-Shared"));
        assert!(tier.text(Lang::Zh).contains("企业共享"));
        assert!(!tier.text(Lang::En).contains("Try the other region"));
        for (code, msg) in [(Some("802"), None), (Some(""), Some("user not exist"))] {
            let site = explain_error(code, msg).expect("other site");
            assert_eq!(site, Msg::ExplainOtherSite);
            assert!(site.text(Lang::En).contains("runninghub.ai"));
        }
    }
}
