//! The page frame: header with navigation, language and theme switches, the signed-in user.

use crate::api::auth::{Logout, me};
use crate::domain::UserInfo;
use crate::error::AppError;
use crate::i18n::{Lang, Msg, t, use_i18n};
use crate::prefs::{LANG_COOKIE, THEME_COOKIE, Theme, ThemeSignal, set_pref_cookie};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_location;

/// The signed-in user, loaded once per page load and shared by every page.
#[derive(Clone, Copy)]
pub struct Me(pub Resource<Result<Option<UserInfo>, AppError>>);

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
    let me = Resource::new(|| (), |_| me());
    provide_context(Me(me));
    let location = use_location();
    let bare = move || {
        let p = location.pathname.get();
        p == "/login" || p == "/setup"
    };

    view! {
        <a class="skip-link" href="#main">{t(Msg::SkipToContent)}</a>
        <header class="topbar">
            <A href="/" attr:class="brand">
                <span class="brand-mark" aria-hidden="true">"RH"</span>
                <span class="brand-name">{t(Msg::AppName)}</span>
            </A>
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
            <A href="/" attr:aria-current=current("/")>{t(Msg::NavHome)}</A>
            <A href="/configs" attr:aria-current=current("/configs")>{t(Msg::NavConfigs)}</A>
            <A href="/tasks" attr:aria-current=current("/tasks")>{t(Msg::NavTasks)}</A>
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
                        <A href="/users" attr:aria-current=current("/users")>{t(Msg::NavUsers)}</A>
                    })
                })}
            </Transition>
        </nav>
    }
}

#[component]
fn LangSwitch() -> impl IntoView {
    let i18n = use_i18n();
    let toggle = move |_| {
        let next = match i18n.lang.get_untracked() {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        };
        set_pref_cookie(LANG_COOKIE, next.code());
        i18n.lang.set(next);
        if let Some(el) = document().document_element() {
            let _ = el.set_attribute("lang", next.html_lang());
        }
    };
    view! {
        <button type="button" class="tool-btn" on:click=toggle
            aria-label=t(Msg::LangSwitchLabel) title=t(Msg::LangSwitchLabel) data-testid="lang-switch">
            {t(Msg::LangSwitch)}
        </button>
    }
}

#[component]
fn ThemeSwitch() -> impl IntoView {
    let theme = use_context::<ThemeSignal>()
        .map(|t| t.0)
        .unwrap_or_else(|| RwSignal::new(Theme::Auto));
    // Three choices in turn: the system's, the other look, then back to following the system
    // (the first press always changes what is seen). The button says which one is on.
    let toggle = move |_| {
        let system_dark = window()
            .match_media("(prefers-color-scheme: dark)")
            .ok()
            .flatten()
            .is_some_and(|m| m.matches());
        let (system, other) = if system_dark {
            (Theme::Dark, Theme::Light)
        } else {
            (Theme::Light, Theme::Dark)
        };
        let next = match theme.get_untracked() {
            Theme::Auto => other,
            t if t == other => system,
            _ => Theme::Auto,
        };
        set_pref_cookie(THEME_COOKIE, next.attr());
        theme.set(next);
        if let Some(el) = document().document_element() {
            let _ = el.set_attribute("data-theme", next.attr());
        }
    };
    let lang = use_i18n().lang;
    let label = move || {
        let l = lang.get();
        let now = match theme.get() {
            Theme::Auto => Msg::ThemeAuto,
            Theme::Light => Msg::ThemeLight,
            Theme::Dark => Msg::ThemeDark,
        };
        format!("{}: {}", Msg::ThemeSwitch.text(l), now.text(l))
    };
    view! {
        <button type="button" class="tool-btn icon" on:click=toggle
            aria-label=label title=label data-theme-choice=move || theme.get().attr()>
            <span aria-hidden="true" class="theme-icon"></span>
        </button>
    }
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
