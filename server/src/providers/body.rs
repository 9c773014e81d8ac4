//! Reading what providers write in their answers, whatever its shape: task ids (digit for
//! digit), reasons as text, base64 images, and excerpts that never quote base64.

/// The task id in an answer's body, exactly as the provider wrote it: under the first of `keys`
/// present at the top level, else inside a `data` object (the envelope async gateways answer
/// with). A string is taken trimmed; a number keeps every digit as written (read from the raw
/// text, never through a float: 22-digit ids survive). Empty strings, `null` and other shapes
/// are no id.
pub fn task_id_in(body: &[u8], keys: &[&str]) -> Option<String> {
    use serde_json::value::RawValue;
    use std::collections::HashMap;
    let fields: HashMap<&str, &RawValue> = serde_json::from_slice(body).ok()?;
    let literal = |raw: &RawValue| -> Option<String> {
        let text = raw.get().trim();
        if text.starts_with('"') {
            let s: String = serde_json::from_str(text).ok()?;
            let s = s.trim();
            (!s.is_empty()).then(|| s.to_owned())
        } else {
            let digits = text.strip_prefix('-').unwrap_or(text);
            (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
                .then(|| text.to_owned())
        }
    };
    keys.iter()
        .find_map(|k| fields.get(k).and_then(|raw| literal(raw)))
        .or_else(|| {
            let data = fields.get("data")?;
            data.get()
                .trim_start()
                .starts_with('{')
                .then(|| task_id_in(data.get().as_bytes(), keys))
                .flatten()
        })
}

/// A provider's reason as a person reads it, whatever shape it came in: a string as it is; an
/// object by its known fields (a ComfyUI `failedReason`: node, exception type and message;
/// else `message`, `msg`, `error`, `reason` or `detail`, themselves of any shape); a list as
/// its items; anything else as compact JSON. Never `[object Object]`, never nothing when
/// something was said.
pub fn readable(v: &serde_json::Value) -> Option<String> {
    use serde_json::Value;
    let out = match v {
        Value::Null => return None,
        Value::String(s) => s.trim().to_owned(),
        Value::Bool(_) | Value::Number(_) => v.to_string(),
        Value::Array(items) => items
            .iter()
            .filter_map(readable)
            .collect::<Vec<_>>()
            .join("; "),
        Value::Object(m) => {
            let field = |k: &str| m.get(k).and_then(readable).filter(|s| !s.is_empty());
            let node = field("node_name").map(|n| match field("node_id") {
                Some(id) => format!("{n} (node {id})"),
                None => n,
            });
            let exception = [field("exception_type"), field("exception_message")]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>();
            if node.is_some() || !exception.is_empty() {
                node.into_iter()
                    .chain(exception)
                    .collect::<Vec<_>>()
                    .join(": ")
            } else if let Some(said) = ["message", "msg", "error", "reason", "detail"]
                .iter()
                .find_map(|k| field(k))
            {
                said
            } else if m.is_empty() {
                return None;
            } else {
                excerpt(v.to_string().as_bytes())
            }
        }
    };
    (!out.is_empty()).then_some(out)
}

/// How much of an answer a message quotes, in characters.
const EXCERPT_CHARS: usize = 300;
/// A JSON string longer than this is described, not quoted (base64 images above all).
const QUOTED_STRING_MAX: usize = 200;

/// A short, single-line excerpt of a body for messages and the log. In a JSON body every long
/// string is replaced by a description (`<b64_json, 1.8 MB, image/png>`, `<2,400 characters>`),
/// so base64 never reaches an event, a task row, the stream or the log.
pub fn excerpt(body: &[u8]) -> String {
    let text = match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(mut v) => {
            describe_long_strings(&mut v, None);
            v.to_string()
        }
        Err(_) => String::from_utf8_lossy(body).into_owned(),
    };
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out: String = one_line.chars().take(EXCERPT_CHARS).collect();
    if one_line.chars().count() > EXCERPT_CHARS {
        out.push('…');
    }
    out
}

fn describe_long_strings(v: &mut serde_json::Value, key: Option<&str>) {
    use serde_json::Value;
    match v {
        Value::String(s) if s.chars().count() > QUOTED_STRING_MAX => {
            *s = match decode_image_base64(s) {
                Ok((bytes, mime)) => format!(
                    "<{}, {}, {mime}>",
                    key.unwrap_or("base64"),
                    app::domain::format_bytes(bytes.len() as u64)
                ),
                Err(_) => format!("<{} characters>", s.chars().count()),
            };
        }
        Value::Array(items) => items.iter_mut().for_each(|i| describe_long_strings(i, key)),
        Value::Object(m) => m
            .iter_mut()
            .for_each(|(k, i)| describe_long_strings(i, Some(k.as_str()))),
        _ => {}
    }
}

/// Decodes a base64 image as gateways send it: with or without a `data:<mime>;base64,`
/// prefix, line breaks, padding, in the standard or the URL-safe alphabet. Accepted only when
/// the bytes are a PNG, JPEG or WEBP image (by their magic bytes, whatever a prefix claims);
/// answers the bytes and their MIME type, or what is wrong.
pub fn decode_image_base64(text: &str) -> Result<(bytes::Bytes, &'static str), String> {
    use base64::Engine as _;
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    const TOLERANT: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    let data = match text.trim().strip_prefix("data:") {
        Some(rest) => rest.split_once(',').map_or(rest, |(_, d)| d),
        None => text,
    };
    let clean: String = data
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '-' => '+',
            '_' => '/',
            c => c,
        })
        .collect();
    let bytes = TOLERANT
        .decode(clean.as_bytes())
        .map_err(|e| format!("not valid base64 ({e})"))?;
    let (mime, _) = crate::blobs::sniff_image(&bytes).ok_or_else(|| {
        format!(
            "base64 of {} that are not a PNG, JPEG or WEBP image",
            app::domain::format_bytes(bytes.len() as u64)
        )
    })?;
    Ok((bytes::Bytes::from(bytes), mime))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_images_are_decoded_tolerantly_and_checked_by_their_bytes() {
        use base64::Engine as _;
        let png = crate::sandbox::generate_png("b64");
        let safe = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&png);
        let wrapped = format!("data:image/jpeg;base64,{}\n{}", &safe[..40], &safe[40..]);
        let (bytes, mime) = decode_image_base64(&wrapped).expect("decoded");
        assert_eq!(
            (bytes.len(), mime),
            (png.len(), "image/png"),
            "the bytes decide the type"
        );
        let text = base64::engine::general_purpose::STANDARD.encode("just words");
        let e = decode_image_base64(&text).expect_err("not an image");
        assert!(e.contains("not a PNG, JPEG or WEBP image"), "{e}");
        assert!(
            decode_image_base64("***")
                .expect_err("garbage")
                .contains("not valid base64")
        );
        // An excerpt describes the image instead of quoting it.
        let body = format!(r#"{{"data":[{{"b64_json":"{safe}"}}]}}"#);
        let shown = excerpt(body.as_bytes());
        assert!(
            shown.contains("<b64_json, ") && shown.contains("image/png>"),
            "{shown}"
        );
        assert!(!shown.contains(&safe[..60]), "{shown}");
    }

    #[test]
    fn task_ids_are_found_where_providers_put_them_and_keep_every_digit() {
        let id = |body: &str| task_id_in(body.as_bytes(), &["taskId", "task_id"]);
        assert_eq!(
            id(r#"{"taskId":" 2013508786110730241 "}"#).as_deref(),
            Some("2013508786110730241")
        );
        assert_eq!(
            id(r#"{"taskId":9007199254740993000123}"#).as_deref(),
            Some("9007199254740993000123")
        );
        assert_eq!(id(r#"{"task_id":"abc-1"}"#).as_deref(), Some("abc-1"));
        assert_eq!(
            id(r#"{"code":0,"data":{"task_id":42}}"#).as_deref(),
            Some("42")
        );
        assert_eq!(
            id(r#"{"taskId":"","data":{"taskId":"7"}}"#).as_deref(),
            Some("7")
        );
        for none in [
            r#"{"taskId":""}"#,
            r#"{"taskId":null}"#,
            r#"{"taskId":1.5}"#,
            r#"{"data":[1]}"#,
            "[]",
            "nope",
        ] {
            assert_eq!(id(none), None, "{none}");
        }
    }
}
