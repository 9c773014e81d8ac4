//! Users (admins only): list, add, change role, disable, reset password.

use crate::api::users::{AddUser, ResetPassword, SetUserDisabled, SetUserRole, list_users};
use crate::components::frame::{admin_known, use_me};
use crate::components::{ErrorBox, PageError, PlainField, PostForm, Time, field_errors_of};
use crate::domain::{Role, UserId, UserInfo};
use crate::error::AppError;
use crate::i18n::{Msg, t, use_i18n};
use leptos::prelude::*;
use leptos_meta::Title;
use strum::VariantArray;

/// Rendered on the server; the add-user form and each row's controls are islands, and a change
/// that alters the list has the server render the list again in place (`live::refresh`).
#[component]
pub fn UsersPage() -> impl IntoView {
    let users = Resource::new(|| (), |_| list_users());
    view! {
        <Title text=crate::i18n::title(Msg::UsersTitle)/>
        <div class="page-head">
            <h1>{t(Msg::UsersTitle)}</h1>
        </div>
        <crate::components::frame::AdminOnly quiet=true>
            <AddUserForm/>
        </crate::components::frame::AdminOnly>
        <div id="users-table">
            <Suspense fallback=move || view! { <p>{t(Msg::Loading)}</p> }>
                {move || Suspend::new(async move {
                    admin_known().await;
                    match users.await {
                        Ok(list) => view! {
                            <div class="table-wrap">
                                <table class="table">
                                    <thead><tr>
                                        <th scope="col">{t(Msg::Username)}</th>
                                        <th scope="col">{t(Msg::Role)}</th>
                                        <th scope="col">{t(Msg::UsersStatus)}</th>
                                        <th scope="col">{t(Msg::UsersCreated)}</th>
                                        <th scope="col">{t(Msg::Actions)}</th>
                                    </tr></thead>
                                    <tbody>
                                        {list.into_iter().map(|u| view! { <UserRow user=u/> }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                        }.into_any(),
                        Err(err) => view! { <PageError err/> }.into_any(),
                    }
                })}
            </Suspense>
        </div>
    }
}

/// Renders the user list again (after a change the list shows).
fn refresh_list() {
    leptos::task::spawn_local(async {
        crate::live::refresh("users-table").await;
    });
}

/// Adding a user: the form is emptied for the next one, says who was added, and the list is
/// rendered again with them.
#[island(lazy)]
fn AddUserForm() -> impl IntoView {
    let add = ServerAction::<AddUser>::new();
    let add_form = NodeRef::<leptos::html::Form>::new();
    Effect::new(move |_| {
        if let Some(Ok(_)) = add.value().get() {
            if let Some(form) = add_form.get() {
                form.reset();
            }
            refresh_list();
        }
    });
    let lang = use_i18n().lang;
    let added = move || match add.value().get() {
        Some(Ok(u)) => Some(crate::i18n::Text::UserAdded { name: &u.username }.render(lang.get())),
        _ => None,
    };
    let add_errors =
        Signal::derive(move || field_errors_of(add.value().get().and_then(Result::err)));
    let add_other = move || match add.value().get() {
        Some(Err(AppError::Invalid(_))) | None | Some(Ok(_)) => None,
        Some(Err(e)) => Some(e),
    };
    view! {
        <details class="card add-user">
            <summary class="btn btn-primary">{t(Msg::UsersAdd)}</summary>
            <PostForm action=add form_ref=add_form class="form-grid"
                args=|f| AddUser { username: f("username"), password: f("password"), role: f("role") }>
                <PlainField id="new-username" name="username" label=Msg::Username autocomplete="off" errors=add_errors/>
                <PlainField id="new-password" name="password" label=Msg::Password kind="password" autocomplete="new-password" errors=add_errors/>
                <div class="field">
                    <label for="new-role">{t(Msg::Role)}</label>
                    <select id="new-role" name="role">
                        <option value="operator">{t(Msg::RoleOperator)}</option>
                        <option value="admin">{t(Msg::RoleAdmin)}</option>
                    </select>
                </div>
                {move || add_other().map(|err| view! { <ErrorBox err/> })}
                {move || added().map(|m| view! { <p class="alert alert-ok" role="status" data-testid="user-added">{m}</p> })}
                <div class="form-actions">
                    <button type="submit" class="btn btn-primary" disabled=add.pending()>{t(Msg::UsersAdd)}</button>
                </div>
            </PostForm>
        </details>
    }
}

#[component]
fn UserRow(user: UserInfo) -> impl IntoView {
    let me_id = use_me()
        .and_then(|m| m.0.get_untracked())
        .and_then(|r| r.ok())
        .flatten()
        .map(|u| u.id);
    let is_me = me_id == Some(user.id);
    let (id, disabled, role) = (user.id, user.disabled, user.role);
    view! {
        <tr class:row-disabled=disabled>
            <th scope="row">{user.username.clone()}{is_me.then(|| view! { <span class="muted">{t(Msg::UsersYou)}</span> })}</th>
            <td><RoleSelect id role is_me/></td>
            <td>
                <span class=if disabled { "badge badge-muted" } else { "badge badge-ok" }>
                    {t(if disabled { Msg::UsersDisabled } else { Msg::UsersEnabled })}
                </span>
            </td>
            <td><Time at=user.created_at/></td>
            <td class="row-actions"><UserActions id disabled is_me/></td>
        </tr>
    }
}

/// A user's role, changed as soon as another is picked (not your own).
#[island(lazy)]
fn RoleSelect(id: UserId, role: Role, is_me: bool) -> impl IntoView {
    let lang = use_i18n().lang;
    let set_role = ServerAction::<SetUserRole>::new();
    let select_id = format!("role-{}", id.0);
    view! {
        <label class="sr-only" for=select_id.clone()>{t(Msg::UsersChangeRole)}</label>
        <select id=select_id disabled=is_me
            on:change=move |ev| { set_role.dispatch(SetUserRole { id, role: event_target_value(&ev) }); }>
            {Role::VARIANTS.iter().copied().map(|r| view! {
                <option value=r.as_str() selected=r == role>{move || r.label().text(lang.get())}</option>
            }).collect_view()}
        </select>
        {move || set_role.value().get().and_then(Result::err).map(|err| view! { <ErrorBox err/> })}
    }
}

/// Disable or enable a user (not yourself), and reset their password.
#[island(lazy)]
fn UserActions(id: UserId, disabled: bool, is_me: bool) -> impl IntoView {
    let lang = use_i18n().lang;
    let set_disabled = ServerAction::<SetUserDisabled>::new();
    let reset = ServerAction::<ResetPassword>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = set_disabled.value().get() {
            refresh_list();
        }
    });
    let open = RwSignal::new(false);
    let new_pw = RwSignal::new(String::new());
    let error = move || {
        [set_disabled.value().get(), reset.value().get()]
            .into_iter()
            .flatten()
            .find_map(Result::err)
    };
    view! {
        <button type="button" class="btn btn-small" disabled=is_me
            on:click=move |_| { set_disabled.dispatch(SetUserDisabled { id, disabled: !disabled }); }>
            {t(if disabled { Msg::UsersEnable } else { Msg::UsersDisable })}
        </button>
        <button type="button" class="btn btn-small" aria-expanded=move || open.get().to_string()
            on:click=move |_| open.update(|o| *o = !*o)>
            {t(Msg::UsersResetPassword)}
        </button>
        <Show when=move || open.get()>
            <form class="inline-form" on:submit=move |ev| {
                ev.prevent_default();
                reset.dispatch(ResetPassword { id, password: new_pw.get_untracked() });
                new_pw.set(String::new());
                open.set(false);
            }>
                <label class="sr-only" for=format!("pw-{}", id.0)>{t(Msg::PasswordNew)}</label>
                <input id=format!("pw-{}", id.0) type="password" autocomplete="new-password" required
                    placeholder=move || Msg::PasswordNew.text(lang.get())
                    bind:value=new_pw/>
                <button type="submit" class="btn btn-small btn-primary">{t(Msg::Save)}</button>
            </form>
        </Show>
        {move || error().map(|err| view! { <ErrorBox err/> })}
        {move || matches!(reset.value().get(), Some(Ok(()))).then(|| view! {
            <p class="alert alert-ok" role="status">{t(Msg::UsersPasswordReset)}</p>
        })}
    }
}
