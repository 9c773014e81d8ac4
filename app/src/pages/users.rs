//! Users (admins only): list, add, change role, disable, reset password.

use crate::api::users::{AddUser, ResetPassword, SetUserDisabled, SetUserRole, list_users};
use crate::components::frame::use_me;
use crate::components::{ErrorBox, PageError, PlainField, PostForm, Time, field_errors_of};
use crate::domain::{Role, UserId, UserInfo};
use crate::error::AppError;
use crate::i18n::{Msg, t, use_i18n};
use leptos::prelude::*;
use leptos_meta::Title;
use strum::VariantArray;

#[component]
pub fn UsersPage() -> impl IntoView {
    view! {
        <Title text=crate::i18n::title(Msg::UsersTitle)/>
        <UserList/>
    }
}

#[island(lazy)]
fn UserList() -> impl IntoView {
    crate::components::frame::provide_me();
    let add = ServerAction::<AddUser>::new();
    let set_role = ServerAction::<SetUserRole>::new();
    let set_disabled = ServerAction::<SetUserDisabled>::new();
    let reset = ServerAction::<ResetPassword>::new();
    provide_context(ResetForm {
        open: RwSignal::new(None),
        new_pw: RwSignal::new(String::new()),
    });
    let users = Resource::new(
        move || {
            (
                add.version().get(),
                set_role.version().get(),
                set_disabled.version().get(),
            )
        },
        |_| list_users(),
    );
    // A user added: the form is emptied for the next one, and says who was added.
    let add_form = NodeRef::<leptos::html::Form>::new();
    Effect::new(move |_| {
        if let Some(Ok(_)) = add.value().get()
            && let Some(form) = add_form.get()
        {
            form.reset();
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
    let row_error = move || {
        [
            set_role.value().get(),
            set_disabled.value().get(),
            reset.value().get(),
        ]
        .into_iter()
        .flatten()
        .find_map(Result::err)
    };

    view! {
        <div class="page-head">
            <h1>{t(Msg::UsersTitle)}</h1>
        </div>
        // Read when the user is known (a `Show` on it would render differently on the server
        // and in the browser while that is loading, and break hydration).
        <crate::components::frame::AdminOnly quiet=true>
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
        </crate::components::frame::AdminOnly>
        {move || row_error().map(|err| view! { <ErrorBox err/> })}
        {move || matches!(reset.value().get(), Some(Ok(()))).then(|| view! {
            <p class="alert alert-ok" role="status">{t(Msg::UsersPasswordReset)}</p>
        })}
        <Transition fallback=move || view! { <p>{t(Msg::Loading)}</p> }>
            {move || Suspend::new(async move {
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
                                    {list.into_iter().map(|u| view! { <UserRow user=u set_role set_disabled reset/> }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any(),
                    Err(err) => view! { <PageError err/> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// The password-reset form of one row at a time (see `UserRow`).
#[derive(Clone, Copy)]
struct ResetForm {
    open: RwSignal<Option<UserId>>,
    new_pw: RwSignal<String>,
}

#[component]
fn UserRow(
    user: UserInfo,
    set_role: ServerAction<SetUserRole>,
    set_disabled: ServerAction<SetUserDisabled>,
    reset: ServerAction<ResetPassword>,
) -> impl IntoView {
    let lang = use_i18n().lang;
    let me_id = use_me()
        .and_then(|m| m.0.get_untracked())
        .and_then(|r| r.ok())
        .flatten()
        .map(|u| u.id);
    let is_me = me_id == Some(user.id);
    let id = user.id;
    let disabled = user.disabled;
    let role = user.role;
    // Whose password is being reset, and the new one so far, live on the page: the list is
    // drawn again when another row changes, and an open form must not vanish with it.
    let ResetForm { open, new_pw } = expect_context::<ResetForm>();
    let show_reset = Signal::derive(move || open.get() == Some(id));
    let role_select_id = format!("role-{}", id.0);
    view! {
        <tr class:row-disabled=disabled>
            <th scope="row">{user.username.clone()}{is_me.then(|| view! { <span class="muted">{t(Msg::UsersYou)}</span> })}</th>
            <td>
                <label class="sr-only" for=role_select_id.clone()>{t(Msg::UsersChangeRole)}</label>
                <select id=role_select_id disabled=is_me
                    on:change=move |ev| { set_role.dispatch(SetUserRole { id, role: event_target_value(&ev) }); }>
                    {Role::VARIANTS.iter().copied().map(|r| view! {
                        <option value=r.as_str() selected=r == role>{move || r.label().text(lang.get())}</option>
                    }).collect_view()}
                </select>
            </td>
            <td>
                <span class=if disabled { "badge badge-muted" } else { "badge badge-ok" }>
                    {t(if disabled { Msg::UsersDisabled } else { Msg::UsersEnabled })}
                </span>
            </td>
            <td><Time at=user.created_at/></td>
            <td class="row-actions">
                <button type="button" class="btn btn-small" disabled=is_me
                    on:click=move |_| { set_disabled.dispatch(SetUserDisabled { id, disabled: !disabled }); }>
                    {t(if disabled { Msg::UsersEnable } else { Msg::UsersDisable })}
                </button>
                <button type="button" class="btn btn-small" aria-expanded=move || show_reset.get().to_string()
                    on:click=move |_| open.update(|o| *o = if *o == Some(id) { None } else { Some(id) })>
                    {t(Msg::UsersResetPassword)}
                </button>
                <Show when=move || show_reset.get()>
                    <form class="inline-form" on:submit=move |ev| {
                        ev.prevent_default();
                        reset.dispatch(ResetPassword { id, password: new_pw.get_untracked() });
                        new_pw.set(String::new());
                        open.set(None);
                    }>
                        <label class="sr-only" for=format!("pw-{}", id.0)>{t(Msg::PasswordNew)}</label>
                        <input id=format!("pw-{}", id.0) type="password" autocomplete="new-password" required
                            placeholder=move || Msg::PasswordNew.text(lang.get())
                            bind:value=new_pw/>
                        <button type="submit" class="btn btn-small btn-primary">{t(Msg::Save)}</button>
                    </form>
                </Show>
            </td>
        </tr>
    }
}
