//! Launching test tasks in tests and waiting, by condition, for what they do.

use super::*;

/// A plain test case with one image URL.
pub fn spec(prompt: &str) -> app::domain::TaskSpec {
    app::domain::TaskSpec {
        prompt: prompt.to_owned(),
        resolution: "1k".to_owned(),
        aspect_ratio: "auto".to_owned(),
        image_urls: vec!["https://example.com/cat.png".to_owned()],
        local_images: vec![],
        region: String::new(),
    }
}

/// Launches through the engine (as the CLI would) and returns the task id.
pub async fn launch(app: &TestApp, config: i64, s: app::domain::TaskSpec) -> app::domain::TaskId {
    let ids = app
        .core
        .engine
        .launch(
            &app::domain::Actor::Cli,
            vec![app::domain::ConfigId(config)],
            s,
        )
        .await
        .expect("launch");
    ids[0]
}

/// Launches `s` on `config` and waits (up to `secs`) until the task is final.
pub async fn run_task(
    app: &TestApp,
    config: i64,
    s: app::domain::TaskSpec,
    secs: u64,
) -> (app::domain::TaskId, app::domain::TaskView) {
    let id = launch(app, config, s).await;
    (id, wait_final(app, id, secs).await)
}

/// The task as the database holds it now.
pub async fn task_view(app: &TestApp, id: app::domain::TaskId) -> app::domain::TaskView {
    rhconsole::db::task::view(&app.core.db.read, id)
        .await
        .expect("view")
        .expect("task")
}

/// Reads the task every `every_ms` until `done` holds for it; panics after `secs` saying it is
/// not yet `wanted`.
async fn wait_task(
    app: &TestApp,
    id: app::domain::TaskId,
    secs: u64,
    every_ms: u64,
    wanted: &str,
    done: impl Fn(&app::domain::TaskView) -> bool,
) -> app::domain::TaskView {
    let deadline = std::time::Instant::now() + Duration::from_secs(secs);
    loop {
        let v = task_view(app, id).await;
        if done(&v) {
            return v;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "task {id} is {} not {wanted} after {secs}s",
            v.status
        );
        tokio::time::sleep(Duration::from_millis(every_ms)).await;
    }
}

/// Waits until `check` holds, asking again every 20 ms; panics after `secs` saying `what` did
/// not happen.
pub async fn wait_until<F, Fut>(secs: u64, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = std::time::Instant::now() + Duration::from_secs(secs);
    while !check().await {
        assert!(
            std::time::Instant::now() < deadline,
            "not after {secs}s: {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits until the task is final (or panics after `secs`).
pub async fn wait_final(
    app: &TestApp,
    id: app::domain::TaskId,
    secs: u64,
) -> app::domain::TaskView {
    wait_task(app, id, secs, 20, "final", |v| v.status.is_terminal()).await
}

/// Waits until the task reaches `status`.
pub async fn wait_status(
    app: &TestApp,
    id: app::domain::TaskId,
    status: app::domain::TaskStatus,
    secs: u64,
) {
    wait_task(app, id, secs, 10, &status.to_string(), |v| {
        v.status == status
    })
    .await;
}

/// The task's event log, from the first event.
pub async fn events(app: &TestApp, id: app::domain::TaskId) -> Vec<app::domain::TaskEvent> {
    rhconsole::db::task_event::after(&app.core.db.read, id, 0)
        .await
        .expect("events")
}

/// The submit requests the sandbox received.
pub fn submits(sb: &SandboxHandle) -> Vec<rhconsole::sandbox::SeenRequest> {
    sb.state
        .seen
        .lock()
        .map(|v| {
            v.iter()
                // The price preview's path ends like the submit's: it is not a submit.
                .filter(|r| !r.path.contains("/price-preview/"))
                .filter(|r| r.path.ends_with("/edit") || r.path.ends_with("/images/edits"))
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}

/// Stores a generated PNG (made from `seed`) under `name` in the app's blob store.
pub async fn stored_png(app: &TestApp, seed: &str, name: &str) -> app::domain::BlobRef {
    let png = rhconsole::sandbox::generate_png(seed);
    app.core
        .engine
        .blobs()
        .put(&png, name, None)
        .await
        .expect("stored")
}

/// A test case whose only image is the stored `blob`.
pub fn local_spec(prompt: &str, blob: app::domain::BlobRef) -> app::domain::TaskSpec {
    app::domain::TaskSpec {
        image_urls: vec![],
        local_images: vec![blob],
        ..spec(prompt)
    }
}

/// The changes that make a sandbox config a synchronous nano-banana (OpenAI images) one.
pub fn nano_sync_config() -> Value {
    json!({
        "api_type": "nano-banana-edits",
        "draw_endpoint": "/v1/images/edits",
        "result_endpoint": "",
        "upload_endpoint": "",
        "model_name": "nano-banana",
        "is_sync_api": true
    })
}

/// The structured texts of `events` (older English-only ones left out).
pub fn said(events: Vec<app::domain::TaskEvent>) -> Vec<app::domain::EventText> {
    events
        .into_iter()
        .filter_map(|e| match e.text {
            app::domain::Said::Text(t) => Some(t),
            _ => None,
        })
        .collect()
}
