//! The page's words: the translation table in one language, fetched by the browser beside the
//! wasm instead of compiled into it.
//!
//! Every island names its texts (`t(Msg::…)`, `Text::…`), so a table compiled into the wasm
//! puts every text of both languages on every page (about 17 KB gzipped, and the code that
//! picks them). The server has the table; the browser gets the page's language only, from
//! `GET /pkg/words/<lang>.txt` ([`path`]), which `hydration.js` fetches in parallel with the
//! wasm and hands over ([`set_words`]) before any island hydrates. It is cached like the rest
//! of `/pkg` (`no-cache`, an `ETag`: a warm visit costs a 304).
//!
//! The format ([`page_words`]): records separated by [`SEPARATOR`]: the language's code
//! (`zh`, `en`), then every [`Msg`]'s text in declaration order (`Msg::ALL`), then the
//! template of every [`Text`] shown in the browser ([`Text::SHOWN`], the first ones) in
//! declaration order, as written in the table (`{name}`, `{name:?}`, `{name:02}` placeholders,
//! filled by [`fill`]). The event log's templates stay on the server: events reach the browser
//! rendered.

use super::{Lang, Msg, Text};
#[cfg(any(test, all(feature = "hydrate", not(feature = "ssr"))))]
use std::fmt::{self, Write as _};

/// Separates the records of the page's words (ASCII record separator): no text holds it (a
/// test checks).
pub const SEPARATOR: char = '\u{1e}';

/// Where the browser fetches the words for `lang`: `/pkg/words/zh.txt`, `/pkg/words/en.txt`.
pub fn path(lang: Lang) -> String {
    format!("/pkg/words/{}", file_name(lang))
}

/// The file name of the words for `lang` under `/pkg/words/`.
pub fn file_name(lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => "zh.txt",
        Lang::En => "en.txt",
    }
}

/// The language whose words `name` (a file name under `/pkg/words/`) are, if it is one.
pub fn lang_of_file(name: &str) -> Option<Lang> {
    [Lang::Zh, Lang::En]
        .into_iter()
        .find(|&l| file_name(l) == name)
}

/// The words for `lang`, as `GET /pkg/words/<lang>.txt` sends them (format: module docs).
#[cfg(any(feature = "ssr", not(feature = "hydrate")))]
pub fn page_words(lang: Lang) -> String {
    let i = match lang {
        Lang::Zh => 0,
        Lang::En => 1,
    };
    let mut out = String::from(lang.code());
    for m in Msg::ALL {
        out.push(SEPARATOR);
        out.push_str(m.text(lang));
    }
    for t in &super::text::templates()[..Text::SHOWN] {
        out.push(SEPARATOR);
        out.push_str(t[i]);
    }
    out
}

/// The words, parsed: the page's language, its texts by `Msg` (as `usize`) and its templates
/// by the text's place in the table.
#[cfg(any(test, all(feature = "hydrate", not(feature = "ssr"))))]
pub(crate) struct Words<'a> {
    pub lang: Lang,
    pub msgs: Vec<&'a str>,
    pub templates: Vec<&'a str>,
}

/// `None` unless `text` is words of a known language with exactly this build's number of
/// texts and templates (a page of another build must not show one text in another's place).
#[cfg(any(test, all(feature = "hydrate", not(feature = "ssr"))))]
pub(crate) fn parse(text: &str) -> Option<Words<'_>> {
    let mut records = text.split(SEPARATOR);
    let code = records.next()?;
    let lang = [Lang::Zh, Lang::En]
        .into_iter()
        .find(|l| l.code() == code)?;
    let mut msgs: Vec<&str> = records.collect();
    if msgs.len() != Msg::ALL.len() + Text::SHOWN {
        return None;
    }
    let templates = msgs.split_off(Msg::ALL.len());
    Some(Words {
        lang,
        msgs,
        templates,
    })
}

#[cfg(all(feature = "hydrate", not(feature = "ssr")))]
static WORDS: std::sync::OnceLock<Words<'static>> = std::sync::OnceLock::new();

/// Takes the page's words (called by `hydration.js` before the islands hydrate). `false` when
/// they are not words of this build: the page then stays as the server rendered it.
#[cfg(all(feature = "hydrate", not(feature = "ssr")))]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn set_words(text: String) -> bool {
    // Kept for the page's life, so texts are `&'static str` as on the server.
    let text: &'static str = Box::leak(text.into_boxed_str());
    match parse(text) {
        Some(words) => WORDS.set(words).is_ok() || WORDS.get().is_some(),
        None => false,
    }
}

/// `m`'s text in the page's language; its name if the words never came (a visible mistake,
/// not a crash).
#[cfg(all(feature = "hydrate", not(feature = "ssr")))]
pub fn msg(m: Msg) -> &'static str {
    WORDS
        .get()
        .and_then(|w| w.msgs.get(m as usize).copied())
        .unwrap_or_else(|| m.name())
}

/// The template of the text at `place` in the page's language (empty if the words never came).
#[cfg(all(feature = "hydrate", not(feature = "ssr")))]
pub fn template(place: usize) -> &'static str {
    WORDS
        .get()
        .and_then(|w| w.templates.get(place).copied())
        .unwrap_or_default()
}

/// The page's language, as its words say (once they came).
#[cfg(all(feature = "hydrate", not(feature = "ssr")))]
pub fn lang() -> Option<Lang> {
    WORDS.get().map(|w| w.lang)
}

/// A parameter of a text, as [`fill`] writes it.
#[cfg(any(test, all(feature = "hydrate", not(feature = "ssr"))))]
pub(crate) trait Arg {
    /// Writes the parameter for the placeholder's `spec` (after the `:`): `""` in the reader's
    /// language, `"?"` as it is (`Debug`), `"0N"` zero-padded to `N` characters.
    fn put(&self, spec: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result;
}

#[cfg(any(test, all(feature = "hydrate", not(feature = "ssr"))))]
impl<T: super::Localized + fmt::Debug + ?Sized> Arg for super::In<'_, T> {
    fn put(&self, spec: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match spec {
            "" => self.0.fmt_in(self.1, f),
            "?" => fmt::Debug::fmt(self.0, f),
            _ => {
                let width = spec
                    .strip_prefix('0')
                    .and_then(|w| w.parse::<usize>().ok())
                    .unwrap_or(0);
                let s = self.0.render(self.1);
                for _ in s.chars().count()..width {
                    f.write_char('0')?;
                }
                f.write_str(&s)
            }
        }
    }
}

/// Writes `template` with its placeholders filled from `args` (by name), as `format!` would
/// with the same template: `{{` and `}}` are braces, a placeholder naming no argument is written
/// as it is.
#[cfg(any(test, all(feature = "hydrate", not(feature = "ssr"))))]
pub(crate) fn fill(
    template: &str,
    args: &[(&str, &dyn Arg)],
    f: &mut fmt::Formatter<'_>,
) -> fmt::Result {
    let mut rest = template;
    while let Some(i) = rest.find(['{', '}']) {
        f.write_str(&rest[..i])?;
        let tail = &rest[i..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            f.write_str(&tail[..1])?;
            rest = &tail[2..];
            continue;
        }
        let Some(end) = tail.starts_with('{').then(|| tail.find('}')).flatten() else {
            f.write_str(&tail[..1])?;
            rest = &tail[1..];
            continue;
        };
        let inner = &tail[1..end];
        let (name, spec) = inner.split_once(':').unwrap_or((inner, ""));
        match args.iter().find(|(n, _)| *n == name) {
            Some((_, arg)) => arg.put(spec, f)?,
            None => f.write_str(&tail[..=end])?,
        }
        rest = &tail[end + 1..];
    }
    f.write_str(rest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Localized;

    #[test]
    fn the_words_carry_every_text_of_one_language_in_its_place() {
        for lang in [Lang::Zh, Lang::En] {
            let text = page_words(lang);
            let words = parse(&text).expect("the server's words parse");
            assert_eq!(words.lang, lang);
            for &m in Msg::ALL {
                assert_eq!(words.msgs[m as usize], m.text(lang), "{m:?}");
            }
            assert_eq!(words.templates.len(), Text::SHOWN);
            let event_log = Text::EvSubmitUncertain {}.render(lang);
            assert!(
                !text.contains(&event_log),
                "the event log's texts stay on the server"
            );
        }
    }

    #[test]
    fn no_text_holds_the_separator() {
        for lang in [Lang::Zh, Lang::En] {
            let records = page_words(lang).split(SEPARATOR).count();
            assert_eq!(records, 1 + Msg::ALL.len() + Text::SHOWN);
        }
    }

    #[test]
    fn words_of_another_build_or_language_are_refused() {
        let text = page_words(Lang::Zh);
        assert!(parse(&text.replacen("zh", "fr", 1)).is_none());
        let shorter = &text[..text.rfind(SEPARATOR).expect("records")];
        assert!(parse(shorter).is_none(), "one record missing");
        assert!(parse(&format!("{text}{SEPARATOR}extra")).is_none());
        assert!(parse("").is_none());
    }

    #[test]
    fn the_browser_fills_every_template_as_the_server_formats_it() {
        for t in Text::samples() {
            for lang in [Lang::Zh, Lang::En] {
                let filled = Filled(&t, lang).to_string();
                assert_eq!(filled, t.render(lang), "{t:?} in {lang:?}");
            }
        }
    }

    #[test]
    fn placeholders_fill_like_format() {
        let n = 5_i64;
        let s = "a\"b";
        let args: [(&str, &dyn Arg); 2] = [
            ("n", &crate::i18n::In(&n, Lang::En)),
            ("s", &crate::i18n::In(&s, Lang::En)),
        ];
        let out = |tpl: &str| Fill(tpl, &args).to_string();
        assert_eq!(out("{n:02} min"), format!("{n:02} min"));
        assert_eq!(out("{s:?}"), format!("{s:?}"));
        assert_eq!(out("{{{n}}}"), "{5}");
        assert_eq!(out("{missing} {n}"), "{missing} 5");
        assert_eq!(out("open { and close }"), "open { and close }");
        assert_eq!(
            crate::i18n::In(&n, Lang::Zh).to_string(),
            n.render(Lang::Zh)
        );
    }

    /// A text filled the browser's way, from the server's templates.
    struct Filled<'a>(&'a Text<'a>, Lang);

    impl fmt::Display for Filled<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            self.0.fill(self.0.template_in(self.1), self.1, f)
        }
    }

    struct Fill<'a>(&'a str, &'a [(&'a str, &'a dyn Arg)]);

    impl fmt::Display for Fill<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            fill(self.0, self.1, f)
        }
    }
}
