//! API keys: what a typed key may be, the masked form that leaves the server, and masking a
//! key's echoes in a provider's text.

use super::*;

/// `Ok(None)` for a blank field (keep the stored key), `Ok(Some(key))` for a new key.
pub fn validate_key(raw: &str) -> Result<Option<String>, Msg> {
    let k = raw.trim();
    if k.is_empty() {
        return Ok(None);
    }
    // A mask pasted back must never replace the real key.
    if k.contains('…') || k.contains("***") || k.contains("...") {
        return Err(Msg::ErrKeyLooksMasked);
    }
    let n = char_len(k);
    if !(KEY_MIN..=KEY_MAX).contains(&n) {
        return Err(Msg::ErrKeyLength);
    }
    if k.chars()
        .any(|c| c.is_whitespace() || c.is_control() || !c.is_ascii())
    {
        return Err(Msg::ErrKeyChars);
    }
    Ok(Some(k.to_owned()))
}

/// The only form of a key that ever leaves the server: `sk-…9f3a`.
pub fn mask_key(key: &str) -> String {
    let n = key.chars().count();
    let prefix = match key.split_once('-') {
        Some((p, _)) if n >= 16 && !p.is_empty() && p.len() <= 4 => format!("{p}-"),
        _ => String::new(),
    };
    let suffix: String = if n >= 12 {
        key.chars().skip(n - 4).collect()
    } else {
        String::new()
    };
    format!("{prefix}…{suffix}")
}

/// The shortest run of a key's characters that counts as an echo of it.
pub const KEY_ECHO_MIN: usize = 8;

/// `text` with every echo of `key` replaced by its mask ([`mask_key`]): the whole key, or any
/// run of at least [`KEY_ECHO_MIN`] consecutive characters of it (providers were seen to repeat
/// a refused key, whole or in part, in their error messages). Keys shorter than that are
/// replaced only whole.
///
/// Every poll's answer goes through this, so the common case (no echo) is a few substring
/// searches: any echo holds one of the key's `KEY_ECHO_MIN`-character windows.
pub fn redact_key(text: &str, key: &str) -> String {
    if echoes_any(text, key) {
        mask_runs(text, key)
    } else {
        text.to_owned()
    }
}

/// The redaction itself, character by character: at each place the longest run of the key's
/// characters that starts there.
fn mask_runs(text: &str, key: &str) -> String {
    let key: Vec<char> = key.chars().collect();
    if key.is_empty() {
        return text.to_owned();
    }
    let min = KEY_ECHO_MIN.min(key.len());
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        // The longest run of the key's characters that starts here.
        let longest = (0..key.len())
            .map(|j| {
                chars[i..]
                    .iter()
                    .zip(&key[j..])
                    .take_while(|(a, b)| a == b)
                    .count()
            })
            .max()
            .unwrap_or(0);
        if longest >= min {
            out.push_str(&mask_key(&key.iter().collect::<String>()));
            i += longest;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

/// Whether `text` holds a run of at least `KEY_ECHO_MIN` consecutive characters of `key` (or
/// the whole of a shorter key): some window of that many of the key's characters is in it.
fn echoes_any(text: &str, key: &str) -> bool {
    if key.is_empty() {
        return false;
    }
    // The byte offsets where the key's characters start, and its end.
    let bounds: Vec<usize> = key
        .char_indices()
        .map(|(i, _)| i)
        .chain([key.len()])
        .collect();
    let min = KEY_ECHO_MIN.min(bounds.len() - 1);
    bounds
        .windows(min + 1)
        .any(|w| text.contains(&key[w[0]..w[min]]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Texts made of pieces of the key (whole, in part, at any place) and other words.
        #[test]
        fn the_quick_look_never_skips_an_echo(
            key in "[a-f0-9é-]{0,24}",
            pieces in proptest::collection::vec((0usize..30, 0usize..30, "[ a-z中：\"{}]{0,6}"), 0..6),
        ) {
            let mut text = String::new();
            let chars: Vec<char> = key.chars().collect();
            for (from, len, other) in pieces {
                let from = from.min(chars.len());
                let to = (from + len).min(chars.len());
                text.extend(&chars[from..to]);
                text.push_str(&other);
            }
            prop_assert_eq!(redact_key(&text, &key), mask_runs(&text, &key));
        }
    }

    #[test]
    fn echoes_of_a_key_whole_or_in_part_are_masked() {
        let key = "sk-0123456789abcdef9f3a";
        assert_eq!(
            redact_key(&format!("ApiKey {key} verification failed"), key),
            "ApiKey sk-…9f3a verification failed"
        );
        assert_eq!(
            redact_key("key prefix sk-01234567… unknown", key),
            "key prefix sk-…9f3a… unknown"
        );
        assert_eq!(redact_key("ends 89abcdef9f3a.", key), "ends sk-…9f3a.");
        // Short runs of the same characters are ordinary text.
        assert_eq!(redact_key("sk-012 and 9f3a", key), "sk-012 and 9f3a");
        assert_eq!(redact_key("no key here", key), "no key here");
        assert_eq!(
            redact_key("中文 sk-0123456789abcdef9f3a。", key),
            "中文 sk-…9f3a。"
        );
    }

    #[test]
    fn masks_show_at_most_a_short_prefix_and_the_last_four() {
        assert_eq!(mask_key("sk-0123456789abcdef9f3a"), "sk-…9f3a");
        assert_eq!(mask_key("0123456789abcdef0123456789ab9f3a"), "…9f3a");
        assert_eq!(mask_key("short-key"), "…");
        assert_eq!(mask_key("abcdefghijkl"), "…ijkl");
    }
}
