//! Signing in and out, who is signed in, and the first start's setup link.

use super::codec::StrJson;
use crate::domain::UserInfo;
use crate::error::AppError;
use leptos::prelude::*;
#[cfg(feature = "ssr")]
use {
    super::context::*,
    crate::domain::{NewUser, Password, Role, UserId},
    std::net::IpAddr,
};

/// A successful sign-in.
#[cfg(feature = "ssr")]
pub struct SignedIn {
    pub user: UserInfo,
    /// Bumped whenever the password, role or disabled flag changes: older sessions die.
    pub auth_version: i64,
}

/// The auth area's slice of the backend (implemented in `server/src/services/auth.rs`).
#[cfg(feature = "ssr")]
#[async_trait::async_trait]
pub trait AuthApi {
    /// The user behind a session, or `None` when the user is gone, disabled or changed since.
    async fn session_user(
        &self,
        id: UserId,
        auth_version: i64,
    ) -> Result<Option<UserInfo>, AppError>;
    /// Checks a password, counting failures per username and per address (429 when locked).
    async fn login(
        &self,
        username: &str,
        password: Password,
        ip: Option<IpAddr>,
    ) -> Result<SignedIn, AppError>;
    async fn setup_token_valid(&self, token: &str) -> Result<bool, AppError>;
    /// Creates the first admin, signed in; the token dies with it.
    async fn complete_setup(&self, token: &str, user: NewUser) -> Result<SignedIn, AppError>;
}

/// The signed-in user; 401 when signed out.
#[server(endpoint = "auth/me", output = StrJson)]
pub async fn me() -> Result<Option<UserInfo>, AppError> {
    respond(async { authenticate().await.map(|a| a.user().cloned()) }).await
}

/// Signs in and answers the local address to go to next.
#[server(endpoint = "auth/login", output = StrJson)]
pub async fn login(username: String, password: String, next: String) -> Result<String, AppError> {
    respond(async move {
        let ip = client_ip().await;
        let signed = backend()?
            .login(&username, Password::new(password), ip)
            .await?;
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
#[server(endpoint = "auth/logout", output = StrJson)]
pub async fn logout() -> Result<(), AppError> {
    respond(async move {
        authenticate().await?;
        session().await?.flush().await.map_err(session_err)?;
        if accepts_html() {
            leptos_axum::redirect("/login");
        }
        Ok(())
    })
    .await
}

/// Whether a setup token is still good. Needs no session: the token is the credential.
#[server(endpoint = "setup/check", output = StrJson)]
pub async fn setup_check(token: String) -> Result<bool, AppError> {
    respond(async move { backend()?.setup_token_valid(&token).await }).await
}

/// Creates the first admin with a valid setup token; the token dies with it. The new admin is
/// signed in at once (a plain form post is sent to the overview).
#[server(endpoint = "setup/complete", output = StrJson)]
pub async fn setup_complete(
    token: String,
    username: String,
    password: String,
    confirm: String,
) -> Result<(), AppError> {
    respond(async move {
        let user = NewUser::validate(&username, &password, Some(&confirm), Role::Admin.as_str())?;
        let signed = backend()?.complete_setup(&token, user).await?;
        start_session(&signed).await?;
        if accepts_html() {
            leptos_axum::redirect("/");
        }
        Ok(())
    })
    .await
}

/// Starts a fresh session for `signed` (a new id, so a planted id is worthless).
#[cfg(feature = "ssr")]
async fn start_session(signed: &SignedIn) -> Result<(), AppError> {
    let session = session().await?;
    session.cycle_id().await.map_err(session_err)?;
    session
        .insert(SESSION_USER, signed.user.id.0)
        .await
        .map_err(session_err)?;
    session
        .insert(SESSION_AUTH_VERSION, signed.auth_version)
        .await
        .map_err(session_err)?;
    Ok(())
}

/// Where to go after sign-in: `next` when, read as a URL relative to the console's own origin
/// (with the `url` crate, as a browser reads it), it stays on that origin; then its normalised
/// path and query, else `/`. A control character (browsers drop a tab, so `/\t/x` becomes
/// `//x`) or a backslash (read as `/`) anywhere refuses it, as does a path that would start
/// with `//` once normalised, and the sign-in page itself.
#[cfg(feature = "ssr")]
pub fn safe_next(next: &str) -> String {
    const HOME: &str = "/";
    let n = next.trim_matches(' ');
    if !n.starts_with('/') || n.len() >= 2048 || n.chars().any(|c| c.is_control() || c == '\\') {
        return HOME.to_owned();
    }
    let Ok(origin) = url::Url::parse("http://console.invalid/") else {
        return HOME.to_owned();
    };
    let Ok(to) = origin.join(n) else {
        return HOME.to_owned();
    };
    let path = to.path();
    if to.origin() != origin.origin() || path.starts_with("//") || path.starts_with("/login") {
        return HOME.to_owned();
    }
    match to.query() {
        Some(q) => format!("{path}?{q}"),
        None => path.to_owned(),
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::safe_next;

    #[test]
    fn only_paths_that_stay_on_the_console_are_followed_after_sign_in() {
        assert_eq!(safe_next("/configs/3?x=1"), "/configs/3?x=1");
        assert_eq!(safe_next("/tasks/new"), "/tasks/new");
        assert_eq!(safe_next("/a/../configs"), "/configs");
        // Encoded, a tab is an ordinary (odd) path on the console.
        assert_eq!(safe_next("/%09/elsewhere"), "/%09/elsewhere");
        for bad in [
            "//evil.example/x",
            "https://evil.example",
            "/\\evil",
            "\\/evil",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r//evil.example",
            "/.//evil.example",
            "/..//evil.example",
            "https:evil.example",
            "evil.example",
            "",
            "/login?next=/x",
            "/\u{7f}/evil.example",
        ] {
            assert_eq!(safe_next(bad), "/", "{bad:?}");
        }
    }
}
