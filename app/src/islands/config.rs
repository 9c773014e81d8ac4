//! The config page's interactive parts: archive/delete and unarchive, the key reveal, the key
//! check, the budget form and history restore. The page is rendered on the server; after a
//! change each part renders the affected part of the page again in place (`live::refresh`).

use crate::api::configs::{
    CheckConfigKey, DeleteConfig, RevealKey, RevertConfig, SetBudget, UnarchiveConfig,
};
use crate::components::{CopyButton, ErrorBox, close_on_escape, focus_when_shown};
use crate::domain::{ConfigId, DeleteOutcome};
use crate::error::AppError;
use crate::i18n::{Msg, t, use_i18n};
use leptos::prelude::*;

/// How long a revealed key stays on screen before it hides itself.
const KEY_SHOWN_FOR: std::time::Duration = std::time::Duration::from_secs(60);

/// Element ids of the page's parts that islands render again.
pub const HISTORY_ID: &str = "config-history";
pub const KEY_CHECKS_ID: &str = "key-check-results";
pub const BUDGET_ID: &str = "budget-status";

/// An admin's header buttons for config `id`: edit and delete (asking first), or unarchive when
/// `archived`. A delete that archives (the config has tasks) comes back to this page saying so
/// (`?archived=1`); one that deletes goes to the list.
#[island(lazy)]
pub fn ConfigActions(id: ConfigId, archived: bool) -> impl IntoView {
    let delete = ServerAction::<DeleteConfig>::new();
    let unarchive = ServerAction::<UnarchiveConfig>::new();
    let confirm_delete = RwSignal::new(false);
    close_on_escape(move || confirm_delete.set(false));
    Effect::new(move |_| match delete.value().get() {
        Some(Ok(DeleteOutcome::Deleted)) => crate::live::go("/configs"),
        Some(Ok(DeleteOutcome::Archived)) => {
            crate::live::go(&format!("/configs/{}?archived=1", id.0))
        }
        _ => {}
    });
    Effect::new(move |_| {
        if let Some(Ok(_)) = unarchive.value().get() {
            crate::live::go(&format!("/configs/{}", id.0));
        }
    });
    let error = move || {
        delete
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| unarchive.value().get().and_then(Result::err))
    };
    view! {
        <div class="page-actions">
            {if archived {
                view! {
                    <button type="button" class="btn" on:click=move |_| { unarchive.dispatch(UnarchiveConfig { id }); }>
                        {t(Msg::ConfigUnarchive)}
                    </button>
                }.into_any()
            } else {
                view! {
                    <a href=format!("/configs/{}/edit", id.0) class="btn">{t(Msg::Edit)}</a>
                    <button type="button" class="btn btn-danger" on:click=move |_| confirm_delete.set(true)>{t(Msg::Delete)}</button>
                }.into_any()
            }}
        </div>
        {move || error().map(|err| view! { <ErrorBox err/> })}
        <Show when=move || confirm_delete.get()>
            <div class="dialog-backdrop">
                <div class="dialog" role="alertdialog" aria-modal="true" aria-labelledby="del-h" aria-describedby="del-d">
                    <h2 id="del-h">{t(Msg::Delete)}</h2>
                    <p id="del-d">{t(Msg::ConfigDeleteConfirm)}</p>
                    <div class="form-actions">
                        <button type="button" class="btn btn-danger" on:click=move |_| {
                            confirm_delete.set(false);
                            delete.dispatch(DeleteConfig { id });
                        }>{t(Msg::Confirm)}</button>
                        <button type="button" class="btn" autofocus on:click=move |_| confirm_delete.set(false)>{t(Msg::Cancel)}</button>
                    </div>
                </div>
            </div>
        </Show>
    }
}

/// Config `id`'s key: its `mask` (`None`: no key saved), and for an admin (`can_reveal`) the
/// whole key after the password is asked again (recorded in the history, which is then
/// rendered again). A revealed key hides itself after a minute.
#[island(lazy)]
pub fn KeyReveal(id: ConfigId, mask: Option<String>, can_reveal: bool) -> impl IntoView {
    let lang = use_i18n().lang;
    let reveal = ServerAction::<RevealKey>::new();
    let asking = RwSignal::new(false);
    let password = RwSignal::new(String::new());
    let revealed = Signal::derive(move || reveal.value().get().and_then(Result::ok));
    let hidden = RwSignal::new(false);
    let reveal_error = move || reveal.value().get().and_then(Result::err);
    close_on_escape(move || asking.set(false));
    let password_input = NodeRef::<leptos::html::Input>::new();
    focus_when_shown(password_input);
    // The dialog closes when the key is there (a wrong password keeps it open, saying so), and
    // the key hides itself again after a while: it should not stay on a screen left open.
    let shown_times = RwSignal::new(0u32);
    Effect::new(move |_| {
        if let Some(Ok(_)) = reveal.value().get() {
            asking.set(false);
            hidden.set(false);
            let n = shown_times.get_untracked() + 1;
            shown_times.set(n);
            set_timeout(
                move || {
                    if shown_times.get_untracked() == n {
                        hidden.set(true);
                    }
                },
                KEY_SHOWN_FOR,
            );
            leptos::task::spawn_local(async {
                crate::live::refresh(HISTORY_ID).await;
            });
        }
    });
    let has_key = mask.is_some();
    view! {
        {move || match (revealed.get(), hidden.get()) {
            (Some(key), false) => view! {
                <code data-testid="revealed-key">{key.clone()}</code>" "
                <CopyButton text=Signal::derive(move || key.clone())/>" "
                <button type="button" class="btn btn-small" on:click=move |_| hidden.set(true)>{t(Msg::ConfigKeyHide)}</button>
            }.into_any(),
            _ => view! {
                <code data-testid="key-mask">{mask.clone().unwrap_or_else(|| Msg::ConfigKeyNone.text(lang.get_untracked()).to_owned())}</code>
            }.into_any(),
        }}
        <Show when=move || can_reveal && has_key && (revealed.get().is_none() || hidden.get())>
            " "<button type="button" class="btn btn-small" on:click=move |_| { reveal.value().set(None); asking.set(true); }>{t(Msg::ConfigKeyReveal)}</button>
        </Show>
        <Show when=move || asking.get()>
            <div class="dialog-backdrop">
                <form class="dialog" role="dialog" aria-modal="true" aria-labelledby="reveal-h"
                    on:submit=move |ev| {
                        ev.prevent_default();
                        reveal.dispatch(RevealKey { id, password: password.get_untracked() });
                        password.set(String::new());
                    }>
                    <h2 id="reveal-h">{t(Msg::ConfigKeyReveal)}</h2>
                    <p class="muted">{t(Msg::ConfigKeyRevealHint)}</p>
                    <div class="field">
                        <label for="reveal-password">{t(Msg::Password)}</label>
                        <input id="reveal-password" type="password" autocomplete="current-password" required
                            node_ref=password_input bind:value=password/>
                    </div>
                    {move || reveal_error().map(|err| view! { <ErrorBox err/> })}
                    <div class="form-actions" style="margin-top:1rem">
                        <button type="submit" class="btn btn-primary">{t(Msg::Confirm)}</button>
                        <button type="button" class="btn" on:click=move |_| asking.set(false)>{t(Msg::Cancel)}</button>
                    </div>
                </form>
            </div>
        </Show>
    }
}

/// Checks config `id`'s saved key (no charge), then renders the results part again.
#[island(lazy)]
pub fn KeyCheckButton(id: ConfigId) -> impl IntoView {
    let check = ServerAction::<CheckConfigKey>::new();
    Effect::new(move |_| {
        if let Some(Ok(_)) = check.value().get() {
            leptos::task::spawn_local(async {
                crate::live::refresh(KEY_CHECKS_ID).await;
            });
        }
    });
    view! {
        <button type="button" class="btn" data-testid="key-check-run" disabled=move || check.pending().get()
            on:click=move |_| { check.dispatch(CheckConfigKey { id }); }>
            {move || if check.pending().get() { t(Msg::KeyChecking)() } else { t(Msg::KeyCheck)() }}
        </button>
        {move || check.value().get().and_then(Result::err).map(|err| view! { <ErrorBox err/> })}
    }
}

/// An admin's form for config `id`'s daily budget (set, or clear for none); the status above it
/// is rendered again once saved.
#[island(lazy)]
pub fn BudgetForm(id: ConfigId) -> impl IntoView {
    let lang = use_i18n().lang;
    let save = ServerAction::<SetBudget>::new();
    let typed = RwSignal::new(String::new());
    let field_error = move || match save.value().get() {
        Some(Err(AppError::Invalid(f))) => f.get("daily").map(|m| m.text(lang.get())),
        _ => None,
    };
    let other_error = move || match save.value().get() {
        Some(Err(e)) if !matches!(e, AppError::Invalid(_)) => Some(e),
        _ => None,
    };
    Effect::new(move |_| {
        if let Some(Ok(_)) = save.value().get() {
            leptos::task::spawn_local(async {
                crate::live::refresh(BUDGET_ID).await;
            });
        }
    });
    view! {
        <form class="budget-form" on:submit=move |ev| {
            ev.prevent_default();
            save.dispatch(SetBudget { id, daily: Some(typed.get_untracked()) });
        }>
            <div class="field">
                <label for="budget-daily-input">{t(Msg::BudgetLabel)}</label>
                <div class="form-actions">
                    <input id="budget-daily-input" name="daily" type="text" inputmode="decimal" placeholder="20.00" class="mono"
                        aria-invalid=move || field_error().map(|_| "true")
                        aria-describedby="budget-error"
                        prop:value=move || typed.get()
                        on:input=move |ev| typed.set(event_target_value(&ev))/>
                    <button type="submit" class="btn" data-testid="budget-save" disabled=move || save.pending().get()>{t(Msg::BudgetSave)}</button>
                    <button type="button" class="btn" data-testid="budget-clear" disabled=move || save.pending().get()
                        on:click=move |_| { typed.set(String::new()); save.dispatch(SetBudget { id, daily: None }); }>
                        {t(Msg::BudgetClear)}
                    </button>
                </div>
                {move || field_error().map(|m| view! { <p class="field-error" id="budget-error" role="alert">{m}</p> })}
            </div>
            {move || other_error().map(|err| view! { <ErrorBox err/> })}
        </form>
    }
}

/// Restores config `id` to `version` (asking first), then renders the page again.
#[island(lazy)]
pub fn RestoreButton(id: ConfigId, version: i64) -> impl IntoView {
    let revert = ServerAction::<RevertConfig>::new();
    let confirm = RwSignal::new(false);
    close_on_escape(move || confirm.set(false));
    Effect::new(move |_| {
        if let Some(Ok(_)) = revert.value().get() {
            leptos::task::spawn_local(crate::live::refresh_main());
        }
    });
    view! {
        " "<button type="button" class="btn btn-small" on:click=move |_| confirm.set(true)>
            {t(Msg::ConfigRestoreVersion)}
        </button>
        {move || revert.value().get().and_then(Result::err).map(|err| view! { <ErrorBox err/> })}
        <Show when=move || confirm.get()>
            <div class="dialog-backdrop">
                <div class="dialog" role="alertdialog" aria-modal="true" aria-labelledby="rv-h">
                    <h2 id="rv-h">{t(Msg::ConfigRestoreVersion)}" v"{version}</h2>
                    <p>{t(Msg::ConfigRestoreConfirm)}</p>
                    <div class="form-actions">
                        <button type="button" class="btn btn-primary" on:click=move |_| {
                            confirm.set(false);
                            revert.dispatch(RevertConfig { id, version });
                        }>{t(Msg::Confirm)}</button>
                        <button type="button" class="btn" on:click=move |_| confirm.set(false)>{t(Msg::Cancel)}</button>
                    </div>
                </div>
            </div>
        </Show>
    }
}
