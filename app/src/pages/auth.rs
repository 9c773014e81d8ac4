//! The sign-in page.

use crate::api::auth::Login;
use crate::components::{ErrorBox, PostForm};
use crate::i18n::{Msg, t};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn LoginPage() -> impl IntoView {
    let query = crate::live::page_query();
    view! {
        <Title text=crate::i18n::title(Msg::SignIn)/>
        <LoginForm query/>
    }
}

#[island(lazy)]
fn LoginForm(query: String) -> impl IntoView {
    let query = RwSignal::new(crate::live::query_map(&query));
    let next = move || query.read().get("next").unwrap_or_default();
    let action = ServerAction::<Login>::new();
    Effect::new(move |_| {
        if let Some(Ok(next)) = action.value().get() {
            let _ = window().location().assign(&next);
        }
    });
    let error = move || action.value().get().and_then(Result::err);
    let pending = action.pending();

    view! {
        <section class="auth-card">
            <h1>{t(Msg::SignInTitle)}</h1>
            <p class="muted">{t(Msg::AppTagline)}</p>
            <PostForm action class="form-stack" args=|f| Login { username: f("username"), password: f("password"), next: f("next") }>
                <input type="hidden" name="next" value=next/>
                <div class="field">
                    <label for="username">{t(Msg::Username)}</label>
                    <input id="username" name="username" type="text" autocomplete="username" required
                        autocapitalize="none" spellcheck="false"/>
                </div>
                <div class="field">
                    <label for="password">{t(Msg::Password)}</label>
                    <input id="password" name="password" type="password" autocomplete="current-password" required/>
                </div>
                {move || error().map(|err| view! { <ErrorBox err/> })}
                <button type="submit" class="btn btn-primary btn-block" disabled=pending>
                    {move || if pending.get() { t(Msg::SigningIn)() } else { t(Msg::SignIn)() }}
                </button>
            </PostForm>
        </section>
    }
}
