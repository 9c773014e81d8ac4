//! First start: the one-time link creates the first admin.

use crate::api::auth::{SetupComplete, setup_check};
use crate::components::{ErrorBox, PlainField, PostForm, field_errors_of};
use crate::error::AppError;
use crate::i18n::{Msg, t};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn SetupPage() -> impl IntoView {
    let query = crate::live::page_query();
    view! {
        <Title text=crate::i18n::title(Msg::SetupTitle)/>
        <SetupForm query/>
    }
}

#[island(lazy)]
fn SetupForm(query: String) -> impl IntoView {
    let query = RwSignal::new(crate::live::query_map(&query));
    let token = move || query.read().get("token").unwrap_or_default();
    let valid = Resource::new(token, setup_check);
    let action = ServerAction::<SetupComplete>::new();
    let done = move || matches!(action.value().get(), Some(Ok(())));
    // Signed in by the setup itself: straight on to the console.
    Effect::new(move |_| {
        if done() {
            let _ = window().location().assign("/");
        }
    });
    let errors =
        Signal::derive(move || field_errors_of(action.value().get().and_then(Result::err)));
    let other_error = move || match action.value().get() {
        Some(Err(AppError::Invalid(_))) | None | Some(Ok(())) => None,
        Some(Err(e)) => Some(e),
    };

    view! {
        <section class="auth-card">
            <h1>{t(Msg::SetupTitle)}</h1>
            <Transition fallback=move || view! { <p>{t(Msg::Loading)}</p> }>
                {move || Suspend::new(async move {
                    match valid.await {
                        _ if done() => view! {
                            <p class="alert alert-ok" role="status">{t(Msg::SetupDone)}</p>
                            <a href="/" class="btn btn-primary btn-block">{t(Msg::NavHome)}</a>
                        }.into_any(),
                        Ok(true) => view! {
                            <p class="muted">{t(Msg::SetupIntro)}</p>
                            <PostForm action class="form-stack"
                                args=|f| SetupComplete { token: f("token"), username: f("username"), password: f("password"), confirm: f("confirm") }>
                                <input type="hidden" name="token" value=token/>
                                <PlainField name="username" label=Msg::Username autocomplete="username" errors/>
                                <PlainField name="password" label=Msg::Password kind="password" autocomplete="new-password" errors/>
                                <PlainField name="confirm" label=Msg::PasswordConfirm kind="password" autocomplete="new-password" errors/>
                                {move || other_error().map(|err| view! { <ErrorBox err/> })}
                                <button type="submit" class="btn btn-primary btn-block" disabled=action.pending()>
                                    {t(Msg::SetupCreate)}
                                </button>
                            </PostForm>
                        }.into_any(),
                        Ok(false) => view! {
                            <p class="alert alert-error" role="alert">{t(Msg::SetupInvalid)}</p>
                            <a href="/login" class="btn btn-block">{t(Msg::SignIn)}</a>
                        }.into_any(),
                        Err(err) => view! { <ErrorBox err/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
