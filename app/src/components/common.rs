//! Small shared pieces: error boxes, field messages, status badges, copy buttons, switches.

use crate::domain::{FieldErrors, TaskStatus};
use crate::error::AppError;
use crate::i18n::{Msg, t, use_i18n};
use leptos::prelude::*;

/// Shows an error. A lost session sends the browser to the sign-in page, then back here.
#[component]
pub fn ErrorBox(err: AppError) -> impl IntoView {
    let lang = use_i18n().lang;
    if err == AppError::Unauthorized {
        Effect::new(move |_| {
            let loc = window().location();
            let here = format!(
                "{}{}",
                loc.pathname().unwrap_or_default(),
                loc.search().unwrap_or_default()
            );
            let target = format!("/login?next={}", js_sys::encode_uri_component(&here));
            let _ = loc.assign(&target);
        });
    }
    let e = err.clone();
    view! {
        <div class="alert alert-error" role="alert">
            <strong>{move || e.message(lang.get())}</strong>
        </div>
    }
}

/// A field's value as history and differences show it: `true`/`false` in words (是/否), anything
/// else as it is.
#[component]
pub fn ShownValue(value: String) -> impl IntoView {
    let lang = use_i18n().lang;
    move || match value.as_str() {
        "true" => Msg::Yes.text(lang.get()).to_owned(),
        "false" => Msg::No.text(lang.get()).to_owned(),
        v => v.to_owned(),
    }
}

/// A page-level error with a title, for failed loads.
#[component]
pub fn PageError(err: AppError) -> impl IntoView {
    let not_found = err == AppError::NotFound;
    #[cfg(feature = "ssr")]
    if matches!(err, AppError::NotFound | AppError::Forbidden) {
        crate::api::request::set_page_status(
            http::StatusCode::from_u16(err.status()).unwrap_or(http::StatusCode::NOT_FOUND),
        );
    }
    view! {
        <section class="empty-state">
            <h1>{t(if not_found { Msg::NotFoundTitle } else { Msg::ErrorTitle })}</h1>
            <ErrorBox err/>
        </section>
    }
}

/// The message for one form field, read from the last failed submission.
#[component]
pub fn FieldMsg(
    /// The form field's name.
    field: &'static str,
    /// Errors from the browser-side check or the server.
    errors: Signal<Option<FieldErrors>>,
) -> impl IntoView {
    let lang = use_i18n().lang;
    let msg = move || errors.get().and_then(|e| e.get(field));
    view! {
        <Show when=move || msg().is_some()>
            <p class="field-error" id=format!("{field}-error") role="alert">
                {move || msg().map(|m| m.text(lang.get()))}
            </p>
        </Show>
    }
}

/// `true` when the field has an error: for `aria-invalid`.
pub fn invalid(
    errors: Signal<Option<FieldErrors>>,
    field: &'static str,
) -> impl Fn() -> Option<&'static str> + Copy {
    move || errors.get().and_then(|e| e.get(field)).map(|_| "true")
}

/// Splits an action's error into field errors (shown by the fields) and anything else.
pub fn field_errors_of(err: Option<AppError>) -> Option<FieldErrors> {
    match err {
        Some(AppError::Invalid(f)) => Some(f),
        _ => None,
    }
}

#[component]
pub fn StatusBadge(#[prop(into)] status: Signal<TaskStatus>) -> impl IntoView {
    let lang = use_i18n().lang;
    view! {
        <span
            class=move || format!("badge badge-{}", status.get().tone())
            data-status=move || status.get().as_str()
        >
            {move || status.get().label().text(lang.get())}
        </span>
    }
}

/// Copies `text` to the clipboard and says so for a moment.
#[component]
pub fn CopyButton(
    #[prop(into)] text: Signal<String>,
    #[prop(optional)] label: Option<Msg>,
) -> impl IntoView {
    let copied = RwSignal::new(false);
    let on_click = move |_| {
        let value = text.get_untracked();
        let clipboard = window().navigator().clipboard();
        let promise = clipboard.write_text(&value);
        leptos::task::spawn_local(async move {
            if wasm_bindgen_futures_lite(promise).await {
                copied.set(true);
                set_timeout(
                    move || copied.set(false),
                    std::time::Duration::from_millis(1500),
                );
            }
        });
    };
    let label = label.unwrap_or(Msg::Copy);
    view! {
        <button type="button" class="btn btn-small" on:click=on_click>
            {move || if copied.get() { t(Msg::Copied)() } else { t(label)() }}
        </button>
    }
}

/// Awaits a JS promise without pulling in wasm-bindgen-futures' full API surface here.
async fn wasm_bindgen_futures_lite(promise: js_sys::Promise) -> bool {
    #[cfg(not(feature = "ssr"))]
    {
        wasm_bindgen_futures::JsFuture::from(promise).await.is_ok()
    }
    #[cfg(feature = "ssr")]
    {
        let _ = promise;
        false
    }
}

/// A labelled on/off switch (a checkbox with `role="switch"`).
#[component]
pub fn Switch(
    #[prop(into)] checked: Signal<bool>,
    #[prop(into)] label: Signal<String>,
    on_toggle: impl Fn(bool) + 'static,
    #[prop(optional, into)] disabled: Signal<bool>,
    #[prop(optional)] id: Option<String>,
    /// Keep the label for screen readers only (the row already says what it is).
    #[prop(optional)]
    compact: bool,
) -> impl IntoView {
    view! {
        <label class="switch" class:compact=compact>
            <input
                type="checkbox"
                role="switch"
                id=id
                prop:checked=move || checked.get()
                aria-checked=move || if checked.get() { "true" } else { "false" }
                disabled=move || disabled.get()
                on:change=move |ev| on_toggle(event_target_checked(&ev))
            />
            <span class="switch-track" aria-hidden="true"><span class="switch-thumb"></span></span>
            <span class="switch-label">{move || label.get()}</span>
        </label>
    }
}

/// `<time>` with the display-zone text and the exact UTC value.
#[component]
pub fn Time(at: crate::domain::Timestamp) -> impl IntoView {
    view! { <time datetime=at.rfc3339()>{at.format()}</time> }
}
