//! The one translation catalogue: Chinese first, English second. Views never hold literal UI
//! text; they name a `Msg` (a text without parameters, `msg.rs`) or build a `Text` (a text with
//! typed parameters, `text.rs`), and the language the reader chose (a cookie, so the server
//! renders it too) picks the words. The CLI and logs use the English. The browser does not
//! carry the table: it gets the page's language only, beside the wasm (`words`).

mod msg;
mod text;
pub mod words;

pub use msg::Msg;
pub use text::{FieldList, In, Localized, Text};

/// Technical words that stay as they are in Chinese texts: the provider's field name, the HTTP
/// method (compared with the provider's documentation) and a command-line flag.
#[cfg(test)]
pub(crate) const KEPT_IN_CHINESE: [&str; 3] = ["taskId", "POST", "--public-url"];

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }
    pub fn html_lang(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }
    pub fn parse(s: &str) -> Lang {
        if s.trim().eq_ignore_ascii_case("en") {
            Lang::En
        } else {
            Lang::Zh
        }
    }
}

/// The language and theme the page renders with, in context.
#[derive(Clone, Copy)]
pub struct I18n {
    pub lang: RwSignal<Lang>,
}

/// The page's language: from the context the app provides, or, inside an island in the
/// browser (islands do not see the server's context), from the language cookie.
pub fn use_i18n() -> I18n {
    use_context::<I18n>().unwrap_or_else(|| I18n {
        lang: RwSignal::new(crate::prefs::Prefs::current().lang),
    })
}

/// A reactive text for `msg` in the page's language.
pub fn t(msg: Msg) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    let lang = use_i18n().lang;
    move || msg.text(lang.get())
}

/// A page title that follows the language in the browser. On the server it is computed once,
/// while the page renders: the title is written into `<head>` after the page's reactive values
/// may already be gone, so it must not read them then.
pub fn title_of(f: impl Fn() -> String + Send + Sync + 'static) -> leptos::prelude::TextProp {
    #[cfg(feature = "ssr")]
    {
        leptos::prelude::TextProp::from(f())
    }
    #[cfg(not(feature = "ssr"))]
    {
        leptos::prelude::TextProp::from(f)
    }
}

/// The title for a page named by `msg`.
pub fn title(msg: Msg) -> leptos::prelude::TextProp {
    let lang = use_i18n().lang;
    title_of(move || msg.text(lang.get()).to_owned())
}

/// The text now, without tracking (for attributes set once, like `aria-label`, use `t`).
pub fn t_now(msg: Msg) -> &'static str {
    msg.text(use_i18n().lang.get_untracked())
}

/// A reactive text for a value with words (a duration, an aspect ratio, a `Text`) in the page's
/// language.
pub fn localized<T: Localized + Send + Sync + 'static>(
    value: T,
) -> impl Fn() -> String + Send + Sync + 'static {
    let lang = use_i18n().lang;
    move || value.render(lang.get())
}
