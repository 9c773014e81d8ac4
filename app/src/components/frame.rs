//! The page frame: header with navigation, language and theme switches, the signed-in user.

use crate::api::auth::{Logout, me};
use crate::domain::UserInfo;
use crate::error::AppError;
use crate::i18n::{Lang, Msg, t, use_i18n};
use crate::prefs::ThemeSignal;
use leptos::prelude::*;
use leptos_router::hooks::use_location;

/// The signed-in user, loaded once per page load and shared by every page.
#[derive(Clone, Copy)]
pub struct Me(pub Resource<Result<Option<UserInfo>, AppError>>);

/// Loads the signed-in user for what renders inside: the frame, and each page island (an
/// island does not see the frame's context in the browser; its own copy travels with it).
pub fn provide_me() {
    provide_context(Me(Resource::new(|| (), |_| me())));
}

pub fn use_me() -> Option<Me> {
    use_context::<Me>()
}

/// Waits until the signed-in user is known: a page's `Suspend` awaits it before rendering
/// what [`is_admin`] decides, so the server render cannot race the user's lookup (it would send
/// HTML without the admin's parts to a browser that has the user and expects them).
pub async fn admin_known() {
    if let Some(m) = use_me() {
        let _ = m.0.await;
    }
}

/// Whether the signed-in user is an admin (to show only what the role can do; the server
/// decides anyway). Read synchronously: render with it only after [`admin_known`].
pub fn is_admin() -> impl Fn() -> bool + Copy {
    let me = use_me();
    move || {
        me.and_then(|m| m.0.get())
            .and_then(|r| r.ok())
            .flatten()
            .is_some_and(|u| u.is_admin())
    }
}

/// What only admins may use (the config forms with the key field, adding users): anyone else
/// is told at once that they may not (HTTP 403 on a page), instead of filling in a form whose
/// save can only fail.
///
/// `quiet`: for a part of a page, which others simply do not see.
#[component]
pub fn AdminOnly(children: ChildrenFn, #[prop(optional)] quiet: bool) -> impl IntoView {
    let me = use_me();
    let children = StoredValue::new(children);
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let admin = match me {
                    Some(m) => m.0.await.ok().flatten().is_some_and(|u| u.is_admin()),
                    None => false,
                };
                if admin {
                    children.with_value(|c| c()).into_any()
                } else if quiet {
                    ().into_any()
                } else {
                    view! { <crate::components::PageError err=AppError::Forbidden/> }.into_any()
                }
            })}
        </Transition>
    }
}

/// The frame around every page. What depends on the role awaits the signed-in user in a
/// `Suspend` (see `Nav`, [`AdminOnly`], [`admin_known`]).
#[component]
pub fn Frame(children: Children) -> impl IntoView {
    provide_me();
    let location = use_location();
    let bare = move || {
        let p = location.pathname.get();
        p == "/login" || p == "/setup"
    };

    view! {
        <a class="skip-link" href="#main">{t(Msg::SkipToContent)}</a>
        <header class="topbar">
            <a href="/" class="brand">
                <span class="brand-mark" aria-hidden="true">"RH"</span>
                <span class="brand-name">{t(Msg::AppName)}</span>
            </a>
            <Show when=move || !bare()>
                <Nav/>
            </Show>
            <div class="topbar-tools">
                <LangSwitch/>
                <ThemeSwitch/>
                <Show when=move || !bare()>
                    <UserMenu/>
                </Show>
            </div>
        </header>
        <main id="main" class="page" tabindex="-1">
            {children()}
        </main>
    }
}

#[component]
fn Nav() -> impl IntoView {
    let me = use_me();
    let location = use_location();
    let current = move |prefix: &'static str| {
        move || {
            let p = location.pathname.get();
            let on = if prefix == "/" {
                p == "/"
            } else {
                p.starts_with(prefix)
            };
            on.then_some("page")
        }
    };
    view! {
        <nav class="mainnav" aria-label=t(Msg::NavMain)>
            <a href="/" aria-current=current("/")>{t(Msg::NavHome)}</a>
            <a href="/configs" aria-current=current("/configs")>{t(Msg::NavConfigs)}</a>
            <a href="/tasks" aria-current=current("/tasks")>{t(Msg::NavTasks)}</a>
            // Awaited in a `Suspend`: a resource only read (`.get()`) inside a Transition is not
            // reliably waited for by the server render, which then sent the fallback (no link)
            // while the browser, which has the user, expected the link (a hydration panic).
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let admin = match me {
                        Some(m) => m.0.await.ok().flatten().is_some_and(|u| u.is_admin()),
                        None => false,
                    };
                    admin.then(|| view! {
                        <a href="/users" aria-current=current("/users")>{t(Msg::NavUsers)}</a>
                    })
                })}
            </Transition>
        </nav>
    }
}

#[component]
fn LangSwitch() -> impl IntoView {
    let lang = use_i18n().lang.get_untracked();
    let next = match lang {
        Lang::Zh => Lang::En,
        Lang::En => Lang::Zh,
    };
    view! {
        <crate::islands::frame::LangSwitch next=next.code().to_owned()
            text=Msg::LangSwitch.text(lang).to_owned() label=Msg::LangSwitchLabel.text(lang).to_owned()/>
    }
}

#[component]
fn ThemeSwitch() -> impl IntoView {
    let theme = use_context::<ThemeSignal>()
        .map(|t| t.0.get_untracked())
        .unwrap_or_default();
    let lang = use_i18n().lang.get_untracked();
    let words = crate::islands::frame::ThemeWords {
        switch: Msg::ThemeSwitch.text(lang).to_owned(),
        auto: Msg::ThemeAuto.text(lang).to_owned(),
        light: Msg::ThemeLight.text(lang).to_owned(),
        dark: Msg::ThemeDark.text(lang).to_owned(),
    };
    view! { <crate::islands::frame::ThemeSwitch theme=theme.attr().to_owned() words/> }
}

#[component]
fn UserMenu() -> impl IntoView {
    let me = use_me();
    let logout = ServerAction::<Logout>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = logout.value().get() {
            let _ = window().location().assign("/login");
        }
    });
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let user = match me {
                    Some(m) => m.0.await.ok().flatten(),
                    None => None,
                };
                user.map(|u| {
                    let role = u.role.label();
                    view! {
                        <span class="whoami">
                            <span class="whoami-name">{u.username.clone()}</span>
                            <span class="whoami-role">{t(role)}</span>
                        </span>
                        <crate::components::PostForm action=logout class="inline-form" args=|_| Logout {}>
                            <button type="submit" class="tool-btn">{t(Msg::SignOut)}</button>
                        </crate::components::PostForm>
                    }
                })
            })}
        </Transition>
    }
}
