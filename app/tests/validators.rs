//! Property tests: validators never panic, whatever they are given, and what they accept is
//! normalised the way the rest of the console expects.

use app::domain::*;
use proptest::prelude::*;

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        ".*",
        "[ -~]{0,80}",
        "(https?|ftp|file)://[a-zA-Z0-9.:/?#@\\[\\]-]{0,40}",
        "/[a-z0-9/_.-]{0,30}",
        "data:image/png;base64,[A-Za-z0-9+/=]{0,64}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn hosts_either_fail_or_come_back_as_scheme_and_host_only(s in any_text()) {
        if let Ok(h) = normalise_host(&s) {
            prop_assert!(h.starts_with("http://") || h.starts_with("https://"));
            let rest = h.split_once("://").map(|x| x.1).unwrap_or_default();
            prop_assert!(!rest.contains(['/', '?', '#', '@']));
            prop_assert_eq!(normalise_host(&h), Ok(h.clone()), "normalising is idempotent");
        }
    }

    #[test]
    fn endpoints_either_fail_or_start_with_one_slash(s in any_text(), required in any::<bool>()) {
        if let Ok(e) = normalise_endpoint(&s, required) {
            prop_assert!(e.is_empty() || (e.starts_with('/') && !e.starts_with("//")));
        }
    }

    #[test]
    fn keys_never_accept_a_mask_or_spaces(s in any_text()) {
        if let Ok(Some(k)) = validate_key(&s) {
            prop_assert!(!k.contains('…') && !k.contains("***"));
            prop_assert!(!k.chars().any(char::is_whitespace));
        }
    }

    #[test]
    fn config_validation_never_panics(
        name in any_text(), api_type in any_text(), h1 in any_text(), h2 in any_text(), key in any_text(),
        d in any_text(), r in any_text(), u in any_text(), m in any_text(), m2 in any_text(),
        sync in any::<bool>(), active in any::<bool>(), timeout in any::<u32>(), conc in any::<u32>(), stored in any::<bool>(),
    ) {
        let input = ConfigInput {
            name, api_type, host_domestic: h1, host_overseas: h2, api_key: key, draw_endpoint: d,
            result_endpoint: r, upload_endpoint: u, model_name: m, is_sync_api: sync, enable_retry: true,
            is_active: active, timeout_secs: timeout, max_concurrency: conc, allow_local: false,
            sync_timeout_secs: timeout, image_field: m2, callbacks: sync,
        };
        if let Ok(v) = input.validate(stored) {
            prop_assert!(!v.fields.name.is_empty());
            prop_assert!(v.fields.name.chars().count() <= NAME_MAX);
            prop_assert!(!active || stored || v.new_key.is_some(), "an active config always has a key");
        }
    }

    #[test]
    fn task_specs_never_panic_and_accept_only_known_values(
        prompt in any_text(), res in any_text(), ar in any_text(), region in any_text(),
        urls in proptest::collection::vec(any_text(), 0..14),
    ) {
        let spec = TaskSpec { prompt, resolution: res, aspect_ratio: ar, image_urls: urls, local_images: vec![], region };
        if let Ok(v) = spec.validate() {
            prop_assert!(!v.prompt.is_empty());
            prop_assert!(v.image_count() >= 1);
            prop_assert!(["1k", "2k", "4k"].contains(&v.resolution.as_str()));
            for u in &v.image_urls {
                prop_assert!(u.starts_with("http://") || u.starts_with("https://") || u.starts_with("data:image/"));
            }
        }
    }

    #[test]
    fn user_forms_never_panic(u in any_text(), p in any_text(), c in any_text(), role in any_text()) {
        if let Ok(user) = NewUser::validate(&u, &p, Some(&c), &role) {
            prop_assert_eq!(user.password.expose(), c.as_str());
        }
    }

    #[test]
    fn masks_never_reveal_more_than_four_characters(k in "[ -~]{0,64}") {
        let m = mask_key(&k);
        let shown: usize = m.split('…').map(|p| p.trim_end_matches('-').chars().count()).sum();
        prop_assert!(shown <= 8, "{m}");
        if k.chars().count() >= 12 {
            prop_assert!(m.ends_with(&k[k.len() - 4..]));
        }
    }
}
