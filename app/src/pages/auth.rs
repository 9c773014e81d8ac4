//! Sign-in and sign-out, and who is signed in.

use crate::components::ErrorBox;
use crate::domain::UserInfo;
use crate::error::AppError;
use crate::i18n::{Msg, t};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// The signed-in user; 401 when signed out.
#[server(endpoint = "auth/me")]
pub async fn me() -> Result<Option<UserInfo>, AppError> {
    use crate::backend::*;
    respond(async { require_user().await.map(Some) }).await
}

/// Signs in and answers the local address to go to next.
#[server(endpoint = "auth/login")]
pub async fn login(username: String, password: String, next: String) -> Result<String, AppError> {
    use crate::backend::*;
    respond(async move {
        let ip = client_ip().await;
        let signed = backend()?.login(&username, &password, ip).await?;
        start_session(&signed).await?;
        let next = safe_next(&next);
        // A plain form post (no JavaScript) gets a real redirect.
        if accepts_html() {
            leptos_axum::redirect(&next);
        }
        Ok(next)
    })
    .await
}

/// Ends the session on the server.
#[server(endpoint = "auth/logout")]
pub async fn logout() -> Result<(), AppError> {
    use crate::backend::*;
    respond(async move {
        require_user().await?;
        end_session().await?;
        if accepts_html() {
            leptos_axum::redirect("/login");
        }
        Ok(())
    })
    .await
}

#[cfg(feature = "ssr")]
fn accepts_html() -> bool {
    use_context::<http::request::Parts>()
        .and_then(|p| {
            p.headers
                .get(http::header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .map(|v| v.contains("text/html"))
        })
        .unwrap_or(false)
}

/// Only local paths: `/configs/3`, never `//evil.example` or `https://…`.
pub fn safe_next(next: &str) -> String {
    let n = next.trim();
    if n.starts_with('/')
        && !n.starts_with("//")
        && !n.contains('\\')
        && !n.starts_with("/login")
        && n.len() < 2048
    {
        n.to_owned()
    } else {
        "/".to_owned()
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let query = use_query_map();
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
        <Title text=crate::i18n::title(Msg::SignIn)/>
        <section class="auth-card">
            <h1>{t(Msg::SignInTitle)}</h1>
            <p class="muted">{t(Msg::AppTagline)}</p>
            <ActionForm action=action attr:class="form-stack">
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
            </ActionForm>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(safe_next("/configs/3?x=1"), "/configs/3?x=1");
        assert_eq!(safe_next("//evil.example/x"), "/");
        assert_eq!(safe_next("https://evil.example"), "/");
        assert_eq!(safe_next("/\\evil"), "/");
        assert_eq!(safe_next(""), "/");
        assert_eq!(safe_next("/login?next=/x"), "/");
    }
}
