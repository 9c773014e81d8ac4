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

/// A field's value as history and differences show it: `true`/`false` in words (是/否), an API
/// type or image field by its name (`auto` is 自动), anything else as it is. `field` is the
/// field's key (`api_type`, `image_field`, …).
#[component]
pub fn ShownValue(value: String, #[prop(optional)] field: &'static str) -> impl IntoView {
    use crate::domain::{ApiType, ImageField};
    let lang = use_i18n().lang;
    let named = match field {
        "api_type" => value.parse::<ApiType>().ok().map(|a| a.label()),
        "image_field" => value.parse::<ImageField>().ok().map(|f| f.label()),
        _ => None,
    };
    move || match (named, value.as_str()) {
        (Some(m), _) => m.text(lang.get()).to_owned(),
        (None, "true") => Msg::Yes.text(lang.get()).to_owned(),
        (None, "false") => Msg::No.text(lang.get()).to_owned(),
        (None, v) => v.to_owned(),
    }
}

/// A page-level error with a title, for failed loads.
#[component]
pub fn PageError(
    err: AppError,
    /// For a missing object: what was looked for, in words ("there is no test task #42"), and
    /// where to go instead. Without it, a missing object gets the generic "page not found".
    #[prop(default = None)]
    missing: Option<Missing>,
) -> impl IntoView {
    let not_found = err == AppError::NotFound;
    if let (true, Some(m)) = (not_found, missing) {
        #[cfg(feature = "ssr")]
        crate::api::request::set_page_status(http::StatusCode::NOT_FOUND);
        let lang = use_i18n().lang;
        return view! {
            <section class="empty-state" data-testid="missing">
                <h1>{move || m.what.render(lang.get())}</h1>
                <p class="muted">{t(Msg::NotFoundHint)}</p>
                <p class="form-actions">
                    {m.links.into_iter().map(|(label, href)| view! {
                        <a href=href class="btn">{t(label)}</a>
                    }).collect_view()}
                </p>
            </section>
        }
        .into_any();
    }
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
    .into_any()
}

/// A missing object in words, and the pages to go to instead (see [`PageError`]).
#[derive(Clone, Debug)]
pub struct Missing {
    pub what: crate::i18n::Text<'static>,
    pub links: Vec<(Msg, String)>,
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

/// Esc closes what the calling component shows over the page (a dialog, the image viewer):
/// `close` is called on every Escape while the component lives, so it must do nothing when
/// nothing is open (setting a signal to "closed" again is fine).
pub fn close_on_escape(close: impl Fn() + 'static) {
    #[cfg(not(feature = "ssr"))]
    {
        let handle = window_event_listener(leptos::ev::keydown, move |ev| {
            if ev.key() == "Escape" {
                close();
            }
        });
        on_cleanup(move || handle.remove());
    }
    #[cfg(feature = "ssr")]
    let _ = close;
}

/// Puts the keyboard into `input` as soon as it is shown (`autofocus` is not honoured on an
/// element a click inserts).
pub fn focus_when_shown(input: NodeRef<leptos::html::Input>) {
    Effect::new(move |_| {
        if let Some(el) = input.get() {
            let _ = el.focus();
        }
    });
}

/// A list's filter bar: a GET form that applies itself as soon as a field changes (no button
/// needed, though Enter and the button still work, and without wasm it is a plain GET). Only
/// named fields with a value go into the address, so it reads `?status=failed`, not
/// `?q=&config=&status=failed&=`.
#[island(lazy)]
pub fn FilterForm(children: Children) -> impl IntoView {
    let apply = move |ev: &web_sys::Event| {
        ev.prevent_default();
        #[cfg(not(feature = "ssr"))]
        {
            use wasm_bindgen::JsCast;
            let form = ev
                .target()
                .and_then(|t| match t.dyn_into::<web_sys::HtmlFormElement>() {
                    Ok(f) => Some(f),
                    Err(t) => t
                        .dyn_into::<web_sys::Element>()
                        .ok()
                        .and_then(|e| e.closest("form").ok().flatten())
                        .and_then(|f| f.dyn_into().ok()),
                });
            let Some(data) = form.and_then(|f| web_sys::FormData::new_with_form(&f).ok()) else {
                return;
            };
            let mut query = form_urlencoded::Serializer::new(String::new());
            for entry in js_sys::try_iter(&data)
                .ok()
                .flatten()
                .into_iter()
                .flatten()
                .flatten()
            {
                let pair = js_sys::Array::from(&entry);
                if let (Some(k), Some(v)) = (pair.get(0).as_string(), pair.get(1).as_string())
                    && !k.is_empty()
                    && !v.trim().is_empty()
                {
                    query.append_pair(&k, &v);
                }
            }
            let query = query.finish();
            let path = window().location().pathname().unwrap_or_default();
            let to = if query.is_empty() {
                path
            } else {
                format!("{path}?{query}")
            };
            crate::live::go(&to);
        }
    };
    let on_change = apply;
    view! {
        <form method="get" class="toolbar" role="search"
            on:submit=move |ev| apply(ev.as_ref())
            on:change=move |ev| on_change(&ev)>
            {children()}
        </form>
    }
}

/// The key of a field whose values [`ShownValue`] names in words, as a `'static` key ("" for
/// any other field).
pub fn known_field(field: &str) -> &'static str {
    match field {
        "api_type" => "api_type",
        "image_field" => "image_field",
        _ => "",
    }
}

/// A task's input images, numbered in the order they are sent (those past the 10 sent dimmed
/// and marked); each opens at full size in a new tab.
#[component]
pub fn InputGallery(inputs: Vec<crate::domain::InputImage>) -> impl IntoView {
    view! {
        <div class="gallery inputs">
            {inputs.into_iter().enumerate().map(|(i, input)| {
                let label = input.name.clone().unwrap_or_else(|| input.url.clone());
                view! {
                    <figure class:cut=!input.sent>
                        <a href=input.url.clone() target="_blank" rel="noopener noreferrer">
                            <img src=input.url.clone() alt=label.clone() loading="lazy" data-testid="input-image"/>
                        </a>
                        <figcaption class="hint">
                            {i + 1}" · "{label}
                            {(!input.sent).then(|| view! { " · "{t(Msg::TaskInputNotSent)} })}
                        </figcaption>
                    </figure>
                }
            }).collect_view()}
        </div>
    }
}
