//! Per-browser preferences (language, theme) kept in cookies, so the server renders the page
//! the way the browser will hydrate it.

use crate::i18n::Lang;
use leptos::prelude::*;

pub const LANG_COOKIE: &str = "rh_lang";
pub const THEME_COOKIE: &str = "rh_theme";

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Theme {
    /// Follow the operating system.
    #[default]
    Auto,
    Light,
    Dark,
}

impl Theme {
    pub fn attr(self) -> &'static str {
        match self {
            Theme::Auto => "auto",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }
    pub fn parse(s: &str) -> Theme {
        match s.trim() {
            "light" => Theme::Light,
            "dark" => Theme::Dark,
            _ => Theme::Auto,
        }
    }
}

#[derive(Clone, Copy)]
pub struct ThemeSignal(pub RwSignal<Theme>);

#[derive(Clone, Copy, Debug, Default)]
pub struct Prefs {
    pub lang: Lang,
    pub theme: Theme,
}

impl Prefs {
    fn from_cookie_header(header: &str) -> Prefs {
        let mut prefs = Prefs::default();
        for pair in header.split(';') {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            match k.trim() {
                LANG_COOKIE => prefs.lang = Lang::parse(v),
                THEME_COOKIE => prefs.theme = Theme::parse(v),
                _ => {}
            }
        }
        prefs
    }

    /// On the server: from the request's cookies.
    pub fn from_request() -> Prefs {
        #[cfg(feature = "ssr")]
        {
            use_context::<http::request::Parts>()
                .and_then(|p| {
                    p.headers
                        .get(http::header::COOKIE)
                        .and_then(|v| v.to_str().ok())
                        .map(Prefs::from_cookie_header)
                })
                .unwrap_or_default()
        }
        #[cfg(not(feature = "ssr"))]
        {
            Prefs::default()
        }
    }

    /// Wherever we are: the request's cookies on the server, `document.cookie` in the browser.
    pub fn current() -> Prefs {
        #[cfg(feature = "ssr")]
        {
            Prefs::from_request()
        }
        #[cfg(not(feature = "ssr"))]
        {
            use wasm_bindgen::JsCast;
            #[allow(unused_mut)]
            let mut prefs = document()
                .dyn_into::<web_sys::HtmlDocument>()
                .ok()
                .and_then(|d| d.cookie().ok())
                .map(|c| Prefs::from_cookie_header(&c))
                .unwrap_or_default();
            // The page's words are in the language the server rendered it in, which is the
            // page's language even if the cookie changed since.
            #[cfg(feature = "hydrate")]
            if let Some(lang) = crate::i18n::words::lang() {
                prefs.lang = lang;
            }
            prefs
        }
    }
}

/// Remembers a preference for a year (browser only).
pub fn set_pref_cookie(name: &str, value: &str) {
    #[cfg(not(feature = "ssr"))]
    {
        use wasm_bindgen::JsCast;
        if let Ok(d) = document().dyn_into::<web_sys::HtmlDocument>() {
            let _ = d.set_cookie(&format!(
                "{name}={value}; Path=/; Max-Age=31536000; SameSite=Lax"
            ));
        }
    }
    #[cfg(feature = "ssr")]
    {
        let _ = (name, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preferences_are_read_from_cookies() {
        let p = Prefs::from_cookie_header("id=abc; rh_lang=en; rh_theme=dark");
        assert_eq!(p.lang, Lang::En);
        assert_eq!(p.theme, Theme::Dark);
        let p = Prefs::from_cookie_header("");
        assert_eq!(p.lang, Lang::Zh);
        assert_eq!(p.theme, Theme::Auto);
    }
}
