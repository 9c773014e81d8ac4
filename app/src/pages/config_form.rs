//! Creating and editing a configuration. Picking a type fills its defaults; every field stays
//! editable. The key field stays blank on edit: blank keeps the stored key.

use crate::api::configs::{CreateConfig, UpdateConfig, get_config};
use crate::components::frame::AdminOnly;
use crate::components::key_check::TypedKeyCheck;
use crate::components::{CheckField, ErrorBox, NumberField, PageError, TextField, close_on_escape};
use crate::domain::*;
use crate::error::AppError;
use crate::i18n::{Msg, Text, t, use_i18n};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use strum::VariantArray;

/// Rendered on the server (admins only: others are told at once); the form is an island.
#[component]
pub fn ConfigNewPage() -> impl IntoView {
    view! {
        <Title text=crate::i18n::title(Msg::ConfigNewTitle)/>
        <AdminOnly>
            <div class="page-head"><h1>{t(Msg::ConfigNewTitle)}</h1></div>
            <ConfigFormIsland initial=ApiType::RunningHubRhartEdit.preset() id=None key_mask=None/>
        </AdminOnly>
    }
}

/// Rendered on the server (admins only): the config is read there and the form (an island)
/// starts from its fields.
#[component]
pub fn ConfigEditPage() -> impl IntoView {
    let id = use_params_map()
        .read_untracked()
        .get("id")
        .and_then(|s| s.parse::<ConfigId>().ok());
    view! {
        <Title text=crate::i18n::title(Msg::ConfigEditTitle)/>
        <AdminOnly>
            <Suspense fallback=move || view! { <p>{t(Msg::Loading)}</p> }>
                {move || Suspend::new(async move {
                    let loaded = match id {
                        Some(id) => get_config(id).await,
                        None => Err(AppError::NotFound),
                    };
                    match loaded {
                        Ok(c) => view! {
                            <div class="page-head">
                                <div>
                                    <h1>{t(Msg::ConfigEditTitle)}</h1>
                                    <p class="sub">{c.fields.name.clone()}" · "{t(Msg::ConfigVersion)}" "{c.version}</p>
                                </div>
                            </div>
                            <ConfigFormIsland initial=c.fields.to_input() id=Some(c.id) key_mask=c.key_mask.clone()/>
                        }.into_any(),
                        Err(err) => view! { <PageError err/> }.into_any(),
                    }
                })}
            </Suspense>
        </AdminOnly>
    }
}

/// The form, new (`id` `None`) or editing config `id` whose key shows as `key_mask`.
#[island(lazy)]
fn ConfigFormIsland(
    initial: ConfigInput,
    id: Option<ConfigId>,
    key_mask: Option<String>,
) -> impl IntoView {
    view! { <ConfigForm initial id key_mask/> }
}

/// Signals for every field of the form.
#[derive(Clone, Copy)]
struct FormState {
    name: RwSignal<String>,
    api_type: RwSignal<String>,
    host_domestic: RwSignal<String>,
    host_overseas: RwSignal<String>,
    api_key: RwSignal<String>,
    draw_endpoint: RwSignal<String>,
    result_endpoint: RwSignal<String>,
    upload_endpoint: RwSignal<String>,
    model_name: RwSignal<String>,
    is_sync_api: RwSignal<bool>,
    enable_retry: RwSignal<bool>,
    is_active: RwSignal<bool>,
    timeout_secs: RwSignal<u32>,
    max_concurrency: RwSignal<u32>,
    allow_local: RwSignal<bool>,
    sync_timeout_secs: RwSignal<u32>,
    image_field: RwSignal<String>,
    callbacks: RwSignal<bool>,
}

impl FormState {
    fn new(i: ConfigInput) -> Self {
        FormState {
            name: RwSignal::new(i.name),
            api_type: RwSignal::new(i.api_type),
            host_domestic: RwSignal::new(i.host_domestic),
            host_overseas: RwSignal::new(i.host_overseas),
            api_key: RwSignal::new(i.api_key),
            draw_endpoint: RwSignal::new(i.draw_endpoint),
            result_endpoint: RwSignal::new(i.result_endpoint),
            upload_endpoint: RwSignal::new(i.upload_endpoint),
            model_name: RwSignal::new(i.model_name),
            is_sync_api: RwSignal::new(i.is_sync_api),
            enable_retry: RwSignal::new(i.enable_retry),
            is_active: RwSignal::new(i.is_active),
            timeout_secs: RwSignal::new(i.timeout_secs),
            max_concurrency: RwSignal::new(i.max_concurrency),
            allow_local: RwSignal::new(i.allow_local),
            sync_timeout_secs: RwSignal::new(i.sync_timeout_secs),
            image_field: RwSignal::new(i.image_field),
            callbacks: RwSignal::new(i.callbacks),
        }
    }

    /// The form as typed (tracked: inside a reactive closure it reruns on every change).
    fn get(&self) -> ConfigInput {
        ConfigInput {
            name: self.name.get(),
            api_type: self.api_type.get(),
            host_domestic: self.host_domestic.get(),
            host_overseas: self.host_overseas.get(),
            api_key: self.api_key.get(),
            draw_endpoint: self.draw_endpoint.get(),
            result_endpoint: self.result_endpoint.get(),
            upload_endpoint: self.upload_endpoint.get(),
            model_name: self.model_name.get(),
            is_sync_api: self.is_sync_api.get(),
            enable_retry: self.enable_retry.get(),
            is_active: self.is_active.get(),
            timeout_secs: self.timeout_secs.get(),
            max_concurrency: self.max_concurrency.get(),
            allow_local: self.allow_local.get(),
            sync_timeout_secs: self.sync_timeout_secs.get(),
            image_field: self.image_field.get(),
            callbacks: self.callbacks.get(),
        }
    }

    /// Whether the endpoints, model or hosts differ from the current type's defaults (someone
    /// typed them): switching the type would then lose work, so it asks first.
    fn customized(&self) -> bool {
        let Ok(current) = self.api_type.get_untracked().parse::<ApiType>() else {
            return false;
        };
        let p = current.preset();
        let differs = |s: RwSignal<String>, default: &str| s.get_untracked() != default;
        differs(self.draw_endpoint, &p.draw_endpoint)
            || differs(self.result_endpoint, &p.result_endpoint)
            || differs(self.upload_endpoint, &p.upload_endpoint)
            || differs(self.model_name, &p.model_name)
            || differs(self.host_domestic, &p.host_domestic)
            || differs(self.host_overseas, &p.host_overseas)
    }

    /// Switches to type `t` with its defaults. A new config also takes the new type's hosts and,
    /// while it still has the old type's default name, its name: nothing of the other type
    /// stays behind.
    fn switch_type(&self, t: ApiType, new_config: bool) {
        let old = self
            .api_type
            .get_untracked()
            .parse::<ApiType>()
            .ok()
            .map(ApiType::preset);
        let p = t.preset();
        if new_config {
            if old
                .as_ref()
                .is_some_and(|o| o.name == self.name.get_untracked())
            {
                self.name.set(p.name.clone());
            }
            self.host_domestic.set(p.host_domestic.clone());
            self.host_overseas.set(p.host_overseas.clone());
        }
        self.apply_preset(p);
    }

    /// Fills the type's defaults, keeping the name, the key and hosts the preset leaves empty.
    fn apply_preset(&self, p: ConfigInput) {
        self.api_type.set(p.api_type);
        if !p.host_domestic.is_empty() {
            self.host_domestic.set(p.host_domestic);
        }
        if !p.host_overseas.is_empty() {
            self.host_overseas.set(p.host_overseas);
        }
        self.draw_endpoint.set(p.draw_endpoint);
        self.result_endpoint.set(p.result_endpoint);
        self.upload_endpoint.set(p.upload_endpoint);
        self.model_name.set(p.model_name);
        self.is_sync_api.set(p.is_sync_api);
        self.enable_retry.set(p.enable_retry);
    }
}

/// The multipart field name of a nano-banana config's images.
#[component]
fn ImageFieldSelect(value: RwSignal<String>, errors: Signal<Option<FieldErrors>>) -> impl IntoView {
    let lang = use_i18n().lang;
    let err = move || errors.get().and_then(|e| e.get("image_field"));
    let current = move || value.get().parse::<ImageField>().unwrap_or_default();
    view! {
        <div class="field">
            <label for="image_field">{t(Msg::FieldImageField)}</label>
            <select id="image_field" name="image_field" aria-describedby="image_field-hint"
                aria-invalid=move || err().map(|_| "true")
                on:change=move |ev| value.set(event_target_value(&ev))>
                {ImageField::VARIANTS.iter().copied().map(|v| view! {
                    <option value=v.as_str() selected=move || current() == v>{t(v.label())}</option>
                }).collect_view()}
            </select>
            <p class="hint" id="image_field-hint">{t(Msg::FieldImageFieldHint)}</p>
            <Show when=move || err().is_some()>
                <p class="field-error" role="alert">{move || err().map(|m| m.text(lang.get()))}</p>
            </Show>
        </div>
    }
}

#[component]
fn ConfigForm(
    initial: ConfigInput,
    id: Option<ConfigId>,
    key_mask: Option<String>,
) -> impl IntoView {
    let lang = use_i18n().lang;
    let before = StoredValue::new(initial.clone());
    let f = FormState::new(initial);
    let password = RwSignal::new(String::new());
    let create = ServerAction::<CreateConfig>::new();
    let update = ServerAction::<UpdateConfig>::new();
    let local_errors = RwSignal::new(None::<FieldErrors>);
    let server_error = move || match id {
        Some(_) => update.value().get().and_then(Result::err),
        None => create.value().get().and_then(Result::err),
    };
    let errors = Signal::derive(move || {
        local_errors.get().or_else(|| match server_error() {
            Some(AppError::Invalid(fe)) => Some(fe),
            _ => None,
        })
    });
    let other_error = move || server_error().filter(|e| !matches!(e, AppError::Invalid(_)));
    let pending = Signal::derive(move || create.pending().get() || update.pending().get());
    Effect::new(move |_| {
        let saved = create
            .value()
            .get()
            .and_then(Result::ok)
            .or_else(|| update.value().get().and_then(Result::ok));
        if let Some(v) = saved {
            crate::live::go(&format!("/configs/{}", v.id.0));
        }
    });
    let has_key = key_mask.is_some();
    let key_placeholder = {
        let mask = key_mask.clone();
        Signal::derive(move || match &mask {
            Some(m) => format!("{} ({m})", Msg::ConfigKeyKeep.text(lang.get())),
            None => String::new(),
        })
    };
    // Editing where the stored key goes (the key field left blank) needs the password again;
    // the server decides, this only shows the field when it will be asked for.
    let key_moves = Signal::derive(move || {
        let now = f.get();
        id.is_some()
            && has_key
            && now.api_key.trim().is_empty()
            && before.with_value(|b| b.key_destination() != now.key_destination())
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let input = untrack(|| f.get());
        let confirm = password.get_untracked();
        let checked = input.validate(has_key).and_then(|v| {
            if key_moves.get_untracked() && confirm.is_empty() {
                let mut e = FieldErrors::new();
                e.push("password", Msg::ErrKeyRepointPassword);
                return Err(e);
            }
            Ok(v)
        });
        match checked {
            Err(e) => local_errors.set(Some(e)),
            Ok(_) => {
                local_errors.set(None);
                match id {
                    Some(id) => {
                        let password = key_moves.get_untracked().then_some(confirm);
                        update.dispatch(UpdateConfig {
                            id,
                            input,
                            password,
                        });
                    }
                    None => {
                        create.dispatch(CreateConfig { input });
                    }
                }
            }
        }
    };
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    // A type change that would replace values someone typed waits for a yes.
    let pending_type = RwSignal::new(None::<ApiType>);
    let keep_type = move || {
        pending_type.set(None);
        f.api_type.set(f.api_type.get_untracked());
    };
    close_on_escape(keep_type);
    let cancel_href = id
        .map(|i| format!("/configs/{}", i.0))
        .unwrap_or_else(|| "/configs".to_owned());

    view! {
        // Saving needs the wasm (the form is checked and sent by it): until it runs, the button
        // waits, and the form is a POST so that a submit can never put the key into a URL.
        // What is typed meanwhile stays (see `typed_before_hydration`).
        {move || pending_type.get().map(|to| view! {
            <div class="dialog-backdrop">
                <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="type-h" data-testid="type-change">
                    <h2 id="type-h">{t(Msg::ConfigTypeChangeTitle)}</h2>
                    <p>{move || Text::ConfigTypeChange { to: to.label() }.render(lang.get())}</p>
                    <div class="form-actions">
                        <button type="button" class="btn btn-primary" on:click=move |_| {
                            pending_type.set(None);
                            f.switch_type(to, id.is_none());
                        }>{t(Msg::ConfigTypeChangeReplace)}</button>
                        <button type="button" class="btn" on:click=move |_| {
                            pending_type.set(None);
                            f.api_type.set(to.as_str().to_owned());
                        }>{t(Msg::ConfigTypeChangeKeep)}</button>
                        <button type="button" class="btn" on:click=move |_| keep_type()>{t(Msg::Cancel)}</button>
                    </div>
                </div>
            </div>
        })}
        <form class="card" method="post" on:submit=on_submit novalidate>
            <fieldset class="form-section">
                <legend>{t(Msg::ConfigSectionProvider)}</legend>
                <div class="form-grid">
                    <div class="field">
                        <label for="api_type">{t(Msg::FieldApiType)}" *"</label>
                        <select id="api_type" name="api_type" aria-describedby="api_type-hint"
                            prop:value=move || f.api_type.get()
                            on:change=move |ev| {
                                let v = event_target_value(&ev);
                                match v.parse::<ApiType>() {
                                    Ok(t) if f.customized() => pending_type.set(Some(t)),
                                    Ok(t) => f.switch_type(t, id.is_none()),
                                    Err(_) => f.api_type.set(v),
                                }
                            }>
                            {ApiType::VARIANTS.iter().copied().map(|a| view! {
                                <option value=a.as_str() selected=move || f.api_type.get() == a.as_str()>{t(a.label())}</option>
                            }).collect_view()}
                        </select>
                        <p class="hint" id="api_type-hint">{t(Msg::ConfigPresetHint)}</p>
                    </div>
                    <TextField name="name" label=Msg::FieldName value=f.name errors required=true/>
                    <TextField name="host_domestic" label=Msg::FieldHostDomestic value=f.host_domestic errors required=true mono=true
                        placeholder=Signal::derive(|| "https://www.runninghub.cn".to_owned())/>
                    <TextField name="host_overseas" label=Msg::FieldHostOverseas value=f.host_overseas errors required=true mono=true
                        placeholder=Signal::derive(|| "https://www.runninghub.ai".to_owned())/>
                    <TextField name="api_key" label=Msg::FieldApiKey value=f.api_key errors kind="password" autocomplete="new-password"
                        placeholder=key_placeholder mono=true hint=Msg::ConfigKeyRevealHint/>
                    <TextField name="model_name" label=Msg::FieldModelName value=f.model_name errors/>
                </div>
                <TypedKeyCheck input=move || f.get() id field_errors=local_errors/>
            </fieldset>
            <fieldset class="form-section">
                <legend>{t(Msg::ConfigSectionEndpoints)}</legend>
                <div class="form-grid">
                    <TextField name="draw_endpoint" label=Msg::FieldDrawEndpoint value=f.draw_endpoint errors required=true mono=true/>
                    <TextField name="result_endpoint" label=Msg::FieldResultEndpoint value=f.result_endpoint errors mono=true/>
                    <TextField name="upload_endpoint" label=Msg::FieldUploadEndpoint value=f.upload_endpoint errors mono=true/>
                </div>
            </fieldset>
            <fieldset class="form-section">
                <legend>{t(Msg::ConfigSectionBehaviour)}</legend>
                <div class="form-grid">
                    <CheckField name="is_active" label=Msg::FieldIsActive value=f.is_active/>
                    <CheckField name="is_sync_api" label=Msg::FieldIsSync value=f.is_sync_api/>
                    <CheckField name="enable_retry" label=Msg::FieldEnableRetry value=f.enable_retry/>
                    <CheckField name="allow_local" label=Msg::FieldAllowLocal value=f.allow_local/>
                    <Show when=move || !f.is_sync_api.get()>
                        <CheckField name="callbacks" label=Msg::FieldCallbacks value=f.callbacks/>
                        <p class="hint">{t(Msg::FieldCallbacksHint)}</p>
                    </Show>
                    <NumberField name="timeout_secs" label=Msg::FieldTimeout value=f.timeout_secs errors min=TIMEOUT_MIN_SECS max=TIMEOUT_MAX_SECS/>
                    <NumberField name="max_concurrency" label=Msg::FieldMaxConcurrency value=f.max_concurrency errors min=1 max=MAX_CONCURRENCY_LIMIT/>
                    <Show when=move || f.is_sync_api.get()>
                        <NumberField name="sync_timeout_secs" label=Msg::FieldSyncTimeout value=f.sync_timeout_secs errors
                            min=SYNC_TIMEOUT_SERVER_DEFAULT max=TIMEOUT_MAX_SECS hint=Msg::FieldSyncTimeoutHint/>
                    </Show>
                    <Show when=move || f.api_type.get() == ApiType::NanoBananaEdits.as_str()>
                        <ImageFieldSelect value=f.image_field errors/>
                    </Show>
                </div>
            </fieldset>
            <Show when=move || key_moves.get()>
                <fieldset class="form-section">
                    <legend>{t(Msg::ConfigSectionConfirm)}</legend>
                    <div class="form-grid form-confirm">
                        <TextField name="password" label=Msg::FieldConfirmPassword value=password errors kind="password"
                            autocomplete="current-password" hint=Msg::ConfigKeyMovesHint/>
                    </div>
                </fieldset>
            </Show>
            {move || other_error().map(|err| view! { <ErrorBox err/> })}
            <div class="form-actions">
                <button type="submit" class="btn btn-primary" disabled=move || pending.get() || !hydrated.get()>
                    {move || if pending.get() { t(Msg::Saving)() } else { t(Msg::Save)() }}
                </button>
                <a href=cancel_href class="btn">{t(Msg::Cancel)}</a>
            </div>
        </form>
    }
}
