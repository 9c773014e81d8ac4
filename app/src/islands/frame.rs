//! The header's switches: language and theme, kept in cookies so the server renders the next
//! page the same way.

use crate::prefs::{LANG_COOKIE, set_pref_cookie};
use leptos::prelude::*;

/// Switches to the other language: the page is rendered again by the server in it.
///
/// `next`: the other language's cookie value (`zh`, `en`); `text`: the button's words (the
/// other language's name); `label`: what it does, for assistive technology.
#[island]
pub fn LangSwitch(next: String, text: String, label: String) -> impl IntoView {
    let toggle = move |_| {
        set_pref_cookie(LANG_COOKIE, &next);
        #[cfg(not(feature = "ssr"))]
        let _ = window().location().reload();
    };
    view! {
        <button type="button" class="tool-btn" on:click=toggle
            aria-label=label.clone() title=label data-testid="lang-switch">
            {text}
        </button>
    }
}

/// The theme's words, in the reader's language.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ThemeWords {
    /// "Theme" (the button's label starts with it).
    pub switch: String,
    pub auto: String,
    pub light: String,
    pub dark: String,
}

/// Three choices in turn: the system's look, the other look, then back to following the system
/// (the first press always changes what is seen). The button says which one is on.
///
/// `theme`: `auto`, `light` or `dark`, as the page was rendered.
#[island]
pub fn ThemeSwitch(theme: String, words: ThemeWords) -> impl IntoView {
    let theme = RwSignal::new(theme);
    let words = StoredValue::new(words);
    let toggle = move |_| {
        #[cfg(not(feature = "ssr"))]
        {
            let system_dark = window()
                .match_media("(prefers-color-scheme: dark)")
                .ok()
                .flatten()
                .is_some_and(|m| m.matches());
            let (system, other) = if system_dark {
                ("dark", "light")
            } else {
                ("light", "dark")
            };
            let next = match theme.get_untracked().as_str() {
                "auto" => other,
                t if t == other => system,
                _ => "auto",
            };
            set_pref_cookie(crate::prefs::THEME_COOKIE, next);
            if let Some(el) = document().document_element() {
                let _ = el.set_attribute("data-theme", next);
            }
            theme.set(next.to_owned());
        }
    };
    let label = move || {
        words.with_value(|w| {
            let now = match theme.get().as_str() {
                "light" => &w.light,
                "dark" => &w.dark,
                _ => &w.auto,
            };
            format!("{}: {now}", w.switch)
        })
    };
    view! {
        <button type="button" class="tool-btn icon" on:click=toggle
            aria-label=label title=label data-theme-choice=move || theme.get()>
            <span aria-hidden="true" class="theme-icon"></span>
        </button>
    }
}
