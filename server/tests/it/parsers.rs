//! Property tests: the provider answer parsers never panic on arbitrary bytes or arbitrary JSON,
//! and classify what they cannot read as errors rather than guessing.

use proptest::prelude::*;
use rhconsole::providers::{nano_banana, runninghub};
use serde_json::Value;

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f)
            .map(Value::Number)
            .unwrap_or(Value::Null)),
        ".{0,20}".prop_map(Value::String),
        prop_oneof![
            Just("SUCCESS"),
            Just("QUEUED"),
            Just("RUNNING"),
            Just("FAILED"),
            Just("CANCEL"),
            Just("1501"),
            Just(""),
            Just("https://cdn.example/x.png"),
            Just("aGVsbG8=")
        ]
        .prop_map(|s| Value::String(s.to_owned())),
    ];
    let keys = prop_oneof![
        Just("taskId"),
        Just("status"),
        Just("errorCode"),
        Just("errorMessage"),
        Just("results"),
        Just("usage"),
        Just("url"),
        Just("outputUrl"),
        Just("code"),
        Just("message"),
        Just("msg"),
        Just("data"),
        Just("download_url"),
        Just("b64_json"),
        Just("task_id"),
        Just("error"),
        Just("failedReason"),
        Just("other"),
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            proptest::collection::btree_map(keys.clone().prop_map(str::to_owned), inner, 0..7)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

    #[test]
    fn task_answers_never_panic_on_bytes(status in 100u16..600, body in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = runninghub::parse_task_answer(status, &body, 1);
        let _ = runninghub::parse_upload_answer(status, &body, 1);
        let _ = nano_banana::parse_images_answer(status, &body, 1);
    }

    #[test]
    fn task_answers_never_panic_on_json(status in prop_oneof![Just(200u16), Just(400u16), Just(429u16), Just(502u16)], v in json_value()) {
        let body = v.to_string();
        if let Ok(a) = runninghub::parse_task_answer(status, body.as_bytes(), 1) {
            prop_assert!((200..300).contains(&status), "errors are never answers");
            let failed = matches!(a.state, rhconsole::providers::ProviderState::Failed { .. });
            prop_assert!(!a.raw_status.is_empty() || a.task_id.is_some() || failed);
        }
        if let Ok(u) = runninghub::parse_upload_answer(status, body.as_bytes(), 1) {
            prop_assert!(u.url.starts_with("http://") || u.url.starts_with("https://"));
        }
        let _ = nano_banana::parse_images_answer(status, body.as_bytes(), 1);
    }
}
