//! Field-level validation results, shared by forms in the browser and checks on the server.

use crate::i18n::Msg;
use serde::{Deserialize, Serialize};

/// One problem with one form field. `field` is the form field's `name`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub msg: Msg,
}

/// Every problem found in one form, in field order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, field: &str, msg: Msg) {
        self.0.push(FieldError {
            field: field.to_owned(),
            msg,
        });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The first message for `field`, if any.
    pub fn get(&self, field: &str) -> Option<Msg> {
        self.0.iter().find(|e| e.field == field).map(|e| e.msg)
    }

    /// `Ok(value)` when nothing was pushed.
    pub fn into_result<T>(self, value: T) -> Result<T, FieldErrors> {
        if self.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }
}

/// Characters that do not show but change what a name looks like or how it reads: Unicode's
/// format characters (general category Cf: soft hyphen, zero-width space and joiners, the
/// bidirectional embeddings, overrides, isolates and marks, tags …, as of Unicode 16), line
/// and paragraph separators, and the blank fillers some fonts draw as nothing. Two names that
/// look alike must be equal as text, and a name must not reverse the text around it.
pub fn is_hidden_char(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{0600}'..='\u{0605}' | '\u{061C}' | '\u{06DD}' | '\u{070F}'
        | '\u{0890}'..='\u{0891}' | '\u{08E2}' | '\u{115F}'..='\u{1160}' | '\u{17B4}'..='\u{17B5}'
        | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206F}' | '\u{3164}' | '\u{FEFF}' | '\u{FFA0}'
        | '\u{FFF9}'..='\u{FFFB}' | '\u{110BD}' | '\u{110CD}' | '\u{13430}'..='\u{1343F}'
        | '\u{1BCA0}'..='\u{1BCA3}' | '\u{1D173}'..='\u{1D17A}' | '\u{E0001}' | '\u{E0020}'..='\u{E007F}')
}

/// Length in characters (not bytes): Chinese names count one per character.
pub fn char_len(s: &str) -> usize {
    s.chars().count()
}

/// An absolute http(s) URL with a host and nothing after it (a trailing `/` is allowed and
/// dropped). Returns the normalised form.
pub fn normalise_host(raw: &str) -> Result<String, Msg> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(Msg::ErrRequired);
    }
    // Schemes and host names ignore case (`HTTPS://WWW.RunningHub.cn` is the usual host).
    let lower = s.to_ascii_lowercase();
    let (scheme, rest) = if lower.starts_with("https://") {
        ("https", &s["https://".len()..])
    } else if lower.starts_with("http://") {
        ("http", &s["http://".len()..])
    } else {
        return Err(Msg::ErrHostScheme);
    };
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    if rest.is_empty() {
        return Err(Msg::ErrHostInvalid);
    }
    if rest.contains(['/', '?', '#']) {
        return Err(Msg::ErrHostPath);
    }
    if rest.contains('@') || rest.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Msg::ErrHostInvalid);
    }
    let (host, port) = match rest.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || rest.starts_with('[') => {
            if p.is_empty() || !p.chars().all(|c| c.is_ascii_digit()) || p.parse::<u16>().is_err() {
                return Err(Msg::ErrHostInvalid);
            }
            (h, Some(p))
        }
        _ => (rest, None),
    };
    let host_ok = if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        !inner.is_empty()
            && inner
                .chars()
                .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
    } else {
        !host.is_empty()
            && host.len() <= 253
            && host.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && label.chars().all(|c| c.is_alphanumeric() || c == '-')
            })
    };
    if !host_ok {
        return Err(Msg::ErrHostInvalid);
    }
    // ASCII case only: Unicode case tables would sit in every page's wasm (this check runs in
    // the config form too), and a non-ASCII host reaches the provider through `reqwest`'s own
    // IDNA mapping, which folds its case anyway.
    Ok(match port {
        Some(p) => format!("{scheme}://{}:{p}", host.to_ascii_lowercase()),
        None => format!("{scheme}://{}", host.to_ascii_lowercase()),
    })
}

/// An endpoint path: starts with `/`, no spaces, no scheme, no fragment.
pub fn normalise_endpoint(raw: &str, required: bool) -> Result<String, Msg> {
    let s = raw.trim();
    if s.is_empty() {
        return if required {
            Err(Msg::ErrRequired)
        } else {
            Ok(String::new())
        };
    }
    if !s.starts_with('/') || s.starts_with("//") {
        return Err(Msg::ErrEndpointSlash);
    }
    if s.len() > 512
        || s.chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '#')
    {
        return Err(Msg::ErrEndpointInvalid);
    }
    Ok(s.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_absolute_urls_without_path_or_query() {
        assert_eq!(
            normalise_host("https://www.runninghub.cn").as_deref(),
            Ok("https://www.runninghub.cn")
        );
        assert_eq!(
            normalise_host(" https://WWW.RunningHub.ai/ ").as_deref(),
            Ok("https://www.runninghub.ai")
        );
        assert_eq!(
            normalise_host("http://127.0.0.1:3900").as_deref(),
            Ok("http://127.0.0.1:3900")
        );
        assert_eq!(
            normalise_host("http://[::1]:8080").as_deref(),
            Ok("http://[::1]:8080")
        );
        assert_eq!(
            normalise_host("HTTPS://WWW.RUNNINGHUB.CN/").as_deref(),
            Ok("https://www.runninghub.cn"),
            "a scheme in capitals"
        );
        assert_eq!(
            normalise_host("https://www.runninghub.cn/openapi/v2"),
            Err(Msg::ErrHostPath),
            "a pasted API prefix is a field error saying where it goes"
        );
        assert_eq!(
            normalise_host("https://例子.测试").as_deref(),
            Ok("https://例子.测试"),
            "a non-ASCII host is kept as typed"
        );
        assert_eq!(normalise_host("www.runninghub.cn"), Err(Msg::ErrHostScheme));
        assert_eq!(normalise_host("ftp://x.cn"), Err(Msg::ErrHostScheme));
        assert_eq!(
            normalise_host("https://x.cn/openapi"),
            Err(Msg::ErrHostPath)
        );
        assert_eq!(normalise_host("https://x.cn?a=1"), Err(Msg::ErrHostPath));
        assert_eq!(normalise_host("https://"), Err(Msg::ErrHostInvalid));
        assert_eq!(
            normalise_host("https://user@x.cn"),
            Err(Msg::ErrHostInvalid)
        );
        assert_eq!(
            normalise_host("https://x.cn:99999"),
            Err(Msg::ErrHostInvalid)
        );
        assert_eq!(normalise_host(""), Err(Msg::ErrRequired));
    }

    #[test]
    fn endpoints_start_with_a_slash() {
        assert_eq!(
            normalise_endpoint("/openapi/v2/query", true).as_deref(),
            Ok("/openapi/v2/query")
        );
        assert_eq!(
            normalise_endpoint("openapi/v2/query", true),
            Err(Msg::ErrEndpointSlash)
        );
        assert_eq!(
            normalise_endpoint("//evil.com/x", true),
            Err(Msg::ErrEndpointSlash)
        );
        assert_eq!(
            normalise_endpoint("/a b", true),
            Err(Msg::ErrEndpointInvalid)
        );
        assert_eq!(normalise_endpoint("", false).as_deref(), Ok(""));
        assert_eq!(normalise_endpoint("", true), Err(Msg::ErrRequired));
    }
}
