//! The texts' samples and checks: every text in both languages, no English in Chinese.

use super::*;

/// A value to fill a parameter with in tests (`Text::samples`).
pub(super) trait Sample {
    fn sample() -> Self;
}

mod samples {
    use super::*;

    macro_rules! sample {
        ($($t:ty => $v:expr;)*) => {$(
            impl Sample for $t {
                fn sample() -> Self {
                    $v
                }
            }
        )*};
    }

    sample! {
        u32 => 3;
        u64 => 4;
        usize => 12;
        i64 => 7;
        &'static str => "参数值";
        Msg => Msg::ErrLoginLocked;
        DurationMs => DurationMs(65_000);
        FieldList<'static> => FieldList(&[]);
        Timestamp => Timestamp(1_767_225_600_000);
        Region => Region::Overseas;
        // Resolutions are written `1K`/`2K`/`4K` in both languages; `Auto` is the one aspect
        // ratio with words.
        Resolution => Resolution::R4k;
        AspectRatio => AspectRatio::Auto;
    }
}

mod checks {
    use super::*;
    use crate::i18n::KEPT_IN_CHINESE;

    /// `template` without its `{…}` placeholders.
    fn words_of(template: &str) -> String {
        let mut out = String::new();
        let mut depth = 0;
        for c in template.chars() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                _ if depth == 0 => out.push(c),
                _ => {}
            }
        }
        out
    }

    #[test]
    fn every_text_renders_in_both_languages_with_no_placeholder_left() {
        let samples = Text::samples();
        assert!(samples.len() > 30, "the table is all there");
        for t in &samples {
            for lang in [Lang::Zh, Lang::En] {
                let s = t.render(lang);
                assert!(!s.trim().is_empty(), "{t:?} is empty in {lang:?}");
                assert!(
                    !s.contains('{') && !s.contains('}'),
                    "{t:?} leaves a placeholder in {lang:?}: {s}"
                );
            }
            assert_ne!(t.render(Lang::Zh), t.english(), "{t:?} is not translated");
        }
    }

    #[test]
    fn chinese_templates_hold_no_english_words() {
        for t in Text::samples() {
            let [zh, _] = t.templates();
            let mut words = words_of(zh);
            for kept in KEPT_IN_CHINESE {
                words = words.replace(kept, "");
            }
            assert!(
                !words.chars().any(|c| c.is_ascii_alphabetic()),
                "{t:?}: {zh}"
            );
        }
    }

    #[test]
    fn parameters_with_words_follow_the_language() {
        let t = Text::ErrTryAgainIn {
            error: Msg::ErrLoginLocked,
            mins: 3,
        };
        assert_eq!(
            t.render(Lang::Zh),
            "登录失败次数过多，请稍后再试（约 3 分钟后）"
        );
        assert_eq!(
            t.english(),
            "Too many failed sign-ins, try again later (in about 3 min)"
        );
        let d = Text::EvTimedOut {
            after: DurationMs(300_000),
        };
        assert_eq!(d.render(Lang::Zh), "5 分 00 秒内没有得到最终状态，已超时");
        assert!(d.english().starts_with("Timed out after 5 min 00 s:"));
    }
}
