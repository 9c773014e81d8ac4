//! One engine per task across processes: `rhconsole task run` hands its task to a console
//! serving the same data directory (whose viewers then see it live), and a console started
//! while the command line follows its own task leaves that task alone.

use crate::common::*;
use app::domain::TaskId;
use serde_json::json;
use std::process::{Command, Stdio};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_rhconsole");

fn task_run(data: &std::path::Path, config: &str, prompt: &str) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(["--data-dir", data.to_str().expect("path"), "--log", "warn"])
        .args(["task", "run", "--config", config, "--prompt", prompt])
        .args(["--image", "https://example.com/a.png"])
        .args(["--poll-interval-ms", "50", "--retry-unit-ms", "10"])
        .env_remove("RHCONSOLE_MASTER_KEY")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

async fn follower_of(app: &TestApp, id: i64) -> Option<String> {
    sqlx::query_scalar("SELECT engine_id FROM task WHERE id = ?1")
        .bind(id)
        .fetch_one(&app.core.db.read)
        .await
        .expect("task")
}

#[tokio::test]
async fn a_task_run_from_the_command_line_is_followed_by_the_serving_console_and_shows_live() {
    let (app, _admin, sb, _config) = app_with_sandbox("Handed").await;
    // A viewer of the console's task list, subscribed before the command line starts.
    let mut changes = app.core.engine.hub().subscribe_changes();

    let data = app.data.path().to_owned();
    let out = tokio::task::spawn_blocking(move || {
        task_run(&data, "Handed", "handed over #polls=3")
            .output()
            .expect("run")
    })
    .await
    .expect("join");
    let text = output_text(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("follows it"), "handed to the console: {text}");
    assert!(text.contains("succeeded"), "{text}");

    let id: i64 = sqlx::query_scalar("SELECT MAX(id) FROM task")
        .fetch_one(&app.core.db.read)
        .await
        .expect("id");
    assert_eq!(
        follower_of(&app, id).await.as_deref(),
        Some(app.core.engine.lease_id()),
        "the console followed the task"
    );
    let mut seen = Vec::new();
    while let Ok(t) = changes.try_recv() {
        seen.push(t);
    }
    assert!(
        seen.contains(&TaskId(id)),
        "the console's viewers saw the task change live: {seen:?}"
    );
    assert_eq!(submits(&sb).len(), 1, "submitted once");
}

#[tokio::test]
async fn a_console_started_while_the_command_line_follows_its_task_leaves_it_alone() {
    // Configure with a console, then stop it: the command line runs alone.
    let (first, admin) = app_with_admin().await;
    let (sb, _config) = sandbox_config(&first, &admin, "Alone", json!({})).await;
    let (data, clock) = first.stop().await;

    let dir = data.path().to_owned();
    let cli = std::thread::spawn(move || {
        task_run(&dir, "Alone", "followed by the cli #polls=60")
            .output()
            .expect("run")
    });
    // Wait until the command line's task is at the provider.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while submits(&sb).is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "the cli never submitted"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let app = TestApp::spawn_with(data, clock, Options::default()).await;
    assert_eq!(
        app.core.engine.following(),
        0,
        "the console does not take a task a live process follows"
    );
    let out = tokio::task::spawn_blocking(move || cli.join().expect("cli thread"))
        .await
        .expect("join");
    assert_eq!(out.status.code(), Some(0), "{}", output_text(&out));
    assert_eq!(submits(&sb).len(), 1, "submitted once, by the cli only");
    assert_eq!(app.core.engine.following(), 0);
}
