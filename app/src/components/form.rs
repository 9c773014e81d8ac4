//! Form fields with their label, hint and error message wired for screen readers.

use super::{FieldMsg, invalid};
use crate::domain::FieldErrors;
use crate::i18n::{Msg, t, use_i18n};
use leptos::prelude::*;

/// A labelled text input bound to a signal.
#[component]
pub fn TextField(
    /// The field's name (also its id and the key of its error).
    name: &'static str,
    label: Msg,
    value: RwSignal<String>,
    errors: Signal<Option<FieldErrors>>,
    #[prop(optional)] hint: Option<Msg>,
    #[prop(optional, into)] placeholder: Option<Signal<String>>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] required: bool,
    #[prop(optional)] mono: bool,
) -> impl IntoView {
    let lang = use_i18n().lang;
    if let Some(typed) = typed_before_hydration(name) {
        value.set(typed);
    }
    let err = move || errors.get().and_then(|e| e.get(name));
    let hint_id = format!("{name}-hint");
    let err_id = format!("{name}-error");
    let described = {
        let (h, e) = (hint_id.clone(), err_id.clone());
        move || {
            let mut ids = Vec::new();
            if hint.is_some() {
                ids.push(h.clone());
            }
            if err().is_some() {
                ids.push(e.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    view! {
        <div class="field">
            <label for=name>{t(label)}{required.then_some(" *")}</label>
            <input
                id=name
                name=name
                type=kind
                class:mono=mono
                autocomplete=autocomplete.unwrap_or("off")
                spellcheck="false"
                placeholder=move || placeholder.map(|p| p.get())
                aria-invalid=move || err().map(|_| "true")
                aria-describedby=described
                value=value.get_untracked()
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
            />
            {hint.map(|h| view! { <p class="hint" id=hint_id.clone()>{move || h.text(lang.get())}</p> })}
            <Show when=move || err().is_some()>
                <p class="field-error" id=err_id.clone() role="alert">{move || err().map(|m| m.text(lang.get()))}</p>
            </Show>
        </div>
    }
}

/// A checkbox with its label.
#[component]
pub fn CheckField(
    name: &'static str,
    label: Msg,
    value: RwSignal<bool>,
    #[prop(optional)] hint: Option<Msg>,
) -> impl IntoView {
    let lang = use_i18n().lang;
    if let Some(checked) = checked_before_hydration(name) {
        value.set(checked);
    }
    view! {
        <div class="field">
            <label class="check" for=name>
                <input id=name name=name type="checkbox"
                    checked=value.get_untracked()
                    prop:checked=move || value.get()
                    on:change=move |ev| value.set(event_target_checked(&ev))/>
                <span>{t(label)}</span>
            </label>
            {hint.map(|h| view! { <p class="hint">{move || h.text(lang.get())}</p> })}
        </div>
    }
}

/// A labelled number input bound to a `u32` signal.
#[component]
pub fn NumberField(
    name: &'static str,
    label: Msg,
    value: RwSignal<u32>,
    errors: Signal<Option<FieldErrors>>,
    min: u32,
    max: u32,
    #[prop(optional)] hint: Option<Msg>,
) -> impl IntoView {
    let lang = use_i18n().lang;
    if let Some(n) = typed_before_hydration(name).and_then(|v| v.trim().parse().ok()) {
        value.set(n);
    }
    let err = move || errors.get().and_then(|e| e.get(name));
    let hint_id = format!("{name}-hint");
    view! {
        <div class="field">
            <label for=name>{t(label)}</label>
            <input id=name name=name type="number" min=min max=max inputmode="numeric"
                aria-invalid=move || err().map(|_| "true")
                aria-describedby=hint.map(|_| hint_id.clone())
                value=value.get_untracked().to_string()
                prop:value=move || value.get().to_string()
                on:input=move |ev| value.set(event_target_value(&ev).trim().parse().unwrap_or(0))/>
            {hint.map(|h| view! { <p class="hint" id=hint_id.clone()>{move || h.text(lang.get())}</p> })}
            <Show when=move || err().is_some()>
                <p class="field-error" role="alert">{move || err().map(|m| m.text(lang.get()))}</p>
            </Show>
        </div>
    }
}

/// A labelled input of a form the browser sends as it is (a `PostForm`, which works before
/// hydration too): no signal holds the value. `id` defaults to `name`; with `errors`, the
/// error for `name` shows under it and is wired for screen readers.
#[component]
pub fn PlainField(
    name: &'static str,
    label: Msg,
    #[prop(optional)] id: Option<&'static str>,
    #[prop(default = "text")] kind: &'static str,
    autocomplete: &'static str,
    #[prop(optional)] errors: Option<Signal<Option<FieldErrors>>>,
) -> impl IntoView {
    let id = id.unwrap_or(name);
    let text = kind == "text";
    view! {
        <div class="field">
            <label for=id>{t(label)}</label>
            <input id=id name=name type=kind autocomplete=autocomplete required
                autocapitalize=text.then_some("none") spellcheck=text.then_some("false")
                aria-invalid=move || errors.and_then(|e| invalid(e, name)())
                aria-describedby=errors.map(|_| format!("{name}-error"))/>
            {errors.map(|errors| view! { <FieldMsg field=name errors/> })}
        </div>
    }
}

/// During hydration, what the person already put into the server-rendered field `id` (`value`
/// of an input, textarea or select): the page's wasm may arrive seconds after the page, and a
/// field bound to a signal would be reset to the signal's first value. `None` when not
/// hydrating (server rendering, or a page the router builds, whose fields are new) or when
/// there is no such field.
pub fn typed_before_hydration(id: &str) -> Option<String> {
    dom_property(id, "value").and_then(|v| v.as_string())
}

/// Like [`typed_before_hydration`], for the `checked` of a checkbox or radio button.
pub fn checked_before_hydration(id: &str) -> Option<bool> {
    dom_property(id, "checked").and_then(|v| v.as_bool())
}

fn dom_property(id: &str, property: &str) -> Option<wasm_bindgen::JsValue> {
    #[cfg(not(feature = "ssr"))]
    {
        use leptos::reactive::owner::Owner;
        let hydrating = Owner::current_shared_context().is_some_and(|c| c.during_hydration());
        if !hydrating {
            return None;
        }
        let el = document().get_element_by_id(id)?;
        js_sys::Reflect::get(el.as_ref(), &property.into()).ok()
    }
    #[cfg(feature = "ssr")]
    {
        let _ = (id, property);
        None
    }
}

/// Reads a submitted form's field by name ("" when absent).
pub type FieldOf<'a> = dyn Fn(&str) -> String + 'a;

/// A form that works without wasm and with it, without `ActionForm`'s generic form decoding
/// (serde_qs in the browser, about 17 KB of gzipped wasm for four forms). Without wasm the
/// browser posts the fields to the server function's URL and the server answers with a redirect
/// (errors come back in the address, where `ServerAction::new` finds them). With wasm the
/// submit builds the function's arguments from the named fields (`args` reads a field by name)
/// and dispatches `action`.
#[component]
pub fn PostForm<S>(
    action: ServerAction<S>,
    args: fn(&FieldOf<'_>) -> S,
    #[prop(optional, into)] class: String,
    /// The form element, for those who reset it.
    #[prop(optional)]
    form_ref: NodeRef<leptos::html::Form>,
    children: Children,
) -> impl IntoView
where
    S: leptos::server_fn::ServerFn + Clone + Send + Sync + 'static,
    S::Output: Send + Sync + 'static,
    S::Error: Send + Sync + 'static,
{
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        #[cfg(not(feature = "ssr"))]
        {
            let Some(form) = ev
                .target()
                .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlFormElement>(t).ok())
            else {
                return;
            };
            let Ok(data) = web_sys::FormData::new_with_form(&form) else {
                return;
            };
            let field = |name: &str| data.get(name).as_string().unwrap_or_default();
            action.dispatch(args(&field));
        }
        #[cfg(feature = "ssr")]
        let _ = (action, args);
    };
    view! {
        <form method="post" action=S::url() class=class node_ref=form_ref on:submit=on_submit>
            {children()}
        </form>
    }
}
