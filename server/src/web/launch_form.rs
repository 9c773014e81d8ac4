//! The launch form as a plain HTML form post (`POST /tasks/launch`, multipart): what a browser
//! sends when the page's wasm has not arrived yet (a slow link) or does not run. It launches
//! exactly what the wasm form would (the same service call and checks) and answers with a
//! redirect: to the new task (or batch) on success; back to the form on an error, with the
//! error in the URL the way Leptos' own form fallback puts it (`__path`, `__err`), so the form's
//! action shows it beside the right field.

use super::guard;
use super::state::AppState;
use app::api::tasks::LaunchTasks;
use app::domain::{Actor, BlobRef, ConfigId, IMAGES_SENT_MAX, LaunchResult, TaskSpec};
use app::error::AppError;
use app::i18n::Msg;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use leptos::server_fn::ServerFn;
use leptos::server_fn::error::ServerFnUrlError;
use tower_sessions::Session;

/// The path the form posts to.
pub const PATH: &str = "/tasks/launch";

/// Local files one form post may carry: the images the provider takes (the wasm form uploads
/// each file on its own and has no such limit). The body limit follows from it (see
/// `guard::limit_body`).
pub const FILES_MAX: usize = IMAGES_SENT_MAX;

/// `POST /tasks/launch`: fields `config` (repeated), `prompt`, `resolution`, `aspect_ratio`,
/// `region`, `image_url` (repeated) and `file` (repeated, the local images). Answers 303.
pub async fn launch_form(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    form: Multipart,
) -> Response {
    let back = back_to(&headers);
    let Some(user) = guard::session_user(&state, &session).await else {
        let next: String = url::form_urlencoded::byte_serialize(back.as_bytes()).collect();
        return Redirect::to(&format!("/login?next={next}")).into_response();
    };
    let actor = Actor::User(user);
    match launch(&state, &actor, form).await {
        Ok(result) => Redirect::to(&result.page()).into_response(),
        Err(err) => {
            tracing::info!(error = ?err, "launch form refused");
            // The form's page again, its earlier error (if any) replaced by this one.
            let mut base = format!("http://console{back}");
            ServerFnUrlError::<AppError>::strip_error_info(&mut base);
            match ServerFnUrlError::new(LaunchTasks::PATH, err).to_url(&base) {
                Ok(url) => {
                    let query = url.query().map(|q| format!("?{q}")).unwrap_or_default();
                    Redirect::to(&format!("{}{query}", url.path())).into_response()
                }
                Err(_) => Redirect::to(&back).into_response(),
            }
        }
    }
}

async fn launch(
    state: &AppState,
    actor: &Actor,
    mut form: Multipart,
) -> Result<LaunchResult, AppError> {
    let backend = &state.backend.0;
    let mut configs = Vec::new();
    let mut spec = TaskSpec::default();
    let mut local_images: Vec<BlobRef> = Vec::new();
    let broken = |e: axum::extract::multipart::MultipartError| {
        tracing::info!(error = %e, "unreadable launch form");
        AppError::bad_request(Msg::ErrBadRequest)
    };
    while let Some(mut field) = form.next_field().await.map_err(broken)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            let file_name = field.file_name().unwrap_or_default().to_owned();
            let mut bytes = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(broken)? {
                if bytes.len() + chunk.len() > app::domain::IMAGE_BYTES_MAX {
                    return Err(AppError::field("local_images", Msg::ErrImageTooLarge));
                }
                bytes.extend_from_slice(&chunk);
            }
            // A file input left empty still sends a part, without a name or bytes.
            if file_name.is_empty() && bytes.is_empty() {
                continue;
            }
            if local_images.len() >= FILES_MAX {
                return Err(AppError::field("local_images", Msg::ErrFormFilesTooMany));
            }
            local_images.push(backend.store_upload(actor, file_name, bytes).await?);
            continue;
        }
        let value = field.text().await.map_err(broken)?;
        match name.as_str() {
            "config" => configs.push(
                value
                    .trim()
                    .parse::<ConfigId>()
                    .map_err(|_| AppError::field("configs", Msg::ErrNoConfigsSelected))?,
            ),
            "prompt" => spec.prompt = value,
            "resolution" => spec.resolution = value,
            "aspect_ratio" => spec.aspect_ratio = value,
            "region" => spec.region = value,
            "image_url" => spec.image_urls.push(value),
            _ => {}
        }
    }
    spec.local_images = local_images;
    if configs.is_empty() {
        return Err(AppError::field("configs", Msg::ErrNoConfigsSelected));
    }
    let tasks = backend.launch_tasks(actor, configs, spec, false).await?;
    let batch = match tasks.as_slice() {
        [first, _, ..] => backend.get_task(actor, *first).await?.batch_id,
        _ => None,
    };
    Ok(LaunchResult { tasks, batch })
}

/// The console page the form was on (path and query), from `Referer`; `/tasks/new` when it is
/// missing or names another site.
fn back_to(headers: &HeaderMap) -> String {
    headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| url::Url::parse(r).ok())
        .filter(|u| {
            let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
            host.is_some_and(|h| {
                u.host_str().map(|uh| match u.port() {
                    Some(p) => format!("{uh}:{p}"),
                    None => uh.to_owned(),
                }) == Some(h.to_owned())
            })
        })
        .map(|u| {
            let q = u.query().map(|q| format!("?{q}")).unwrap_or_default();
            format!("{}{q}", u.path())
        })
        .unwrap_or_else(|| "/tasks/new".to_owned())
}
