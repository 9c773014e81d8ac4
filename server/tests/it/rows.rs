//! The database boundary: a value the code does not know is an error naming where it is,
//! never a plausible default; the task status set is checked by the database too; an event is
//! stored once, and rows from earlier versions still read.

use crate::common::*;
use app::domain::{ConfigId, EventText, Said, TaskId, TaskStatus};
use app::i18n::Lang;
use sqlx::SqlitePool;
use sqlx::migrate::Migrator;
use sqlx::sqlite::SqliteConnectOptions;

/// A fresh app whose sandbox config has run one task (`prompt`) to its end.
async fn app_with_finished_task(
    prompt: &str,
) -> (TestApp, rhconsole::sandbox::SandboxHandle, TaskId) {
    let (app, _admin, sb, cfg) = app_with_sandbox("Sandbox").await;
    let (task, _) = run_task(&app, cfg, spec(prompt), 30).await;
    (app, sb, task)
}

#[tokio::test]
async fn an_unknown_api_type_in_a_row_is_an_error_naming_table_row_and_column() {
    let (app, admin) = app_with_admin().await;
    let id = create_config(
        &app,
        &admin,
        rh_config("Future", "https://www.runninghub.cn"),
    )
    .await;
    sqlx::query("UPDATE config SET api_type = 'future-type' WHERE id = ?1")
        .bind(id)
        .execute(&app.core.db.write)
        .await
        .expect("update");
    let err = rhconsole::db::config::by_id(&app.core.db.read, ConfigId(id))
        .await
        .expect_err("an unknown api type is not read as RunningHub");
    let text = format!("{err}");
    assert!(
        text.contains("\"future-type\"")
            && text.contains("config.api_type")
            && text.contains(&format!("row {id}")),
        "{text}"
    );
}

#[tokio::test]
async fn the_database_refuses_a_task_status_nobody_knows() {
    let (app, _sb, task) = app_with_finished_task("known statuses only").await;
    let refused = sqlx::query("UPDATE task SET status = 'paused' WHERE id = ?1")
        .bind(task.0)
        .execute(&app.core.db.write)
        .await
        .expect_err("an unknown status is refused");
    assert!(
        format!("{refused}").contains("unknown task.status"),
        "{refused}"
    );
}

#[tokio::test]
async fn the_databases_status_set_and_in_flight_flags_match_the_code() {
    let app = TestApp::spawn().await;
    let rows: Vec<(String, i64)> =
        sqlx::query_as("SELECT name, in_flight FROM task_status_name ORDER BY name")
            .fetch_all(&app.core.db.read)
            .await
            .expect("read");
    let mut expected: Vec<(String, i64)> = <TaskStatus as strum::VariantArray>::VARIANTS
        .iter()
        .map(|s| (s.as_str().to_owned(), i64::from(!s.is_terminal())))
        .collect();
    expected.sort();
    assert_eq!(rows, expected);
    // The engine's in-flight queries use the same set.
    let in_flight_sql = rhconsole::db::task::IN_FLIGHT_SQL;
    for (name, flight) in &rows {
        assert_eq!(
            in_flight_sql.contains(&format!("'{name}'")),
            *flight == 1,
            "{name}"
        );
    }
}

#[tokio::test]
async fn an_event_is_stored_once_structured_and_the_table_refuses_a_second_copy() {
    let (app, _sb, task) = app_with_finished_task("stored once").await;
    let (events, english): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), COUNT(message) FROM task_event WHERE task_id = ?1 AND detail IS NOT NULL",
    )
    .bind(task.0)
    .fetch_one(&app.core.db.read)
    .await
    .expect("count");
    assert!(events >= 3, "the task logged its steps");
    assert_eq!(english, 0, "no English copy next to the structured text");
    let all = crate::common::events(&app, task).await;
    assert_eq!(all.len() as i64, events, "every event is structured");
    assert!(all.iter().all(|e| matches!(e.text, Said::Text(_))));

    for (message, detail) in [
        (Some("twice"), Some(r#"{"t":"no_results_yet"}"#)),
        (None, None),
    ] {
        let refused = sqlx::query(
            "INSERT INTO task_event (task_id, seq, level, stage, message, status, detail, created_at, updated_at)
             VALUES (?1, 1000, 'info', 'poll', ?2, 'succeeded', ?3, 0, 0)",
        )
        .bind(task.0)
        .bind(message)
        .bind(detail)
        .execute(&app.core.db.write)
        .await
        .expect_err("exactly one of message and detail");
        assert!(format!("{refused}").contains("CHECK"), "{refused}");
    }
}

/// The log as the versions before this one left it: the previous one wrote each event twice
/// (the English in `message`, the structure in `detail`), older ones the English only.
#[tokio::test]
async fn events_written_by_earlier_versions_still_read_after_the_migration() {
    const STORED_ONCE: i64 = 20261201000001;
    let dir = tempfile::tempdir().expect("tempdir");
    let before = dir.path().join("migrations");
    std::fs::create_dir(&before).expect("mkdir");
    let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations");
    for f in std::fs::read_dir(&source).expect("migrations") {
        let f = f.expect("entry");
        let name = f.file_name().into_string().expect("utf-8 name");
        let version: i64 = name
            .split('_')
            .next()
            .and_then(|v| v.parse().ok())
            .expect("version");
        if version < STORED_ONCE {
            std::fs::copy(f.path(), before.join(&name)).expect("copy");
        }
    }
    // Foreign keys off: the events need no task around them for this.
    let opts = SqliteConnectOptions::new()
        .filename(dir.path().join("db.sqlite"))
        .create_if_missing(true)
        .foreign_keys(false);
    let pool = SqlitePool::connect_with(opts).await.expect("open");
    Migrator::new(before.as_path())
        .await
        .expect("earlier migrations")
        .run(&pool)
        .await
        .expect("migrate to the previous schema");
    let accepted = r#"{"t":"accepted","task_id":"2013508786110730000","status":"QUEUED"}"#;
    sqlx::query(
        "INSERT INTO task_event (task_id, seq, level, stage, message, status, detail, created_at, updated_at) VALUES
         (7, 1, 'info', 'submit', 'Accepted: taskId 2013508786110730000, status QUEUED', 'queued', ?1, 0, 0),
         (7, 2, 'info', 'poll', 'Provider status: RUNNING', 'running', NULL, 0, 0)",
    )
    .bind(accepted)
    .execute(&pool)
    .await
    .expect("old rows");

    rhconsole::db::MIGRATOR.run(&pool).await.expect("migrate");

    let kept: Vec<(Option<String>, Option<String>)> =
        sqlx::query_as("SELECT message, detail FROM task_event ORDER BY seq")
            .fetch_all(&pool)
            .await
            .expect("rows");
    assert_eq!(
        kept,
        [
            (None, Some(accepted.to_owned())),
            (Some("Provider status: RUNNING".to_owned()), None)
        ]
    );
    let events = rhconsole::db::task_event::after(&pool, TaskId(7), 0)
        .await
        .expect("read");
    assert_eq!(
        events[0].text,
        Said::Text(EventText::Accepted {
            task_id: "2013508786110730000".into(),
            status: "QUEUED".into()
        })
    );
    assert_eq!(
        events[0].say(Lang::Zh),
        "已受理：taskId 2013508786110730000，状态 QUEUED"
    );
    assert_eq!(
        events[0].english(),
        "Accepted: taskId 2013508786110730000, status QUEUED"
    );
    assert_eq!(
        events[1].text,
        Said::English("Provider status: RUNNING".into())
    );
    assert_eq!(events[1].say(Lang::Zh), "Provider status: RUNNING");
    pool.close().await;
}

#[tokio::test]
async fn an_unreadable_json_column_is_an_error_naming_the_column_not_an_empty_value() {
    let (app, _sb, task) = app_with_finished_task("typed json columns").await;
    // Results and history read back typed (named structs, not loose JSON).
    let view = task_view(&app, task).await;
    assert!(!view.results.is_empty() && view.request_curl.is_some());
    sqlx::query("UPDATE task SET results = '{\"not\": \"a list\"}' WHERE id = ?1")
        .bind(task.0)
        .execute(&app.core.db.write)
        .await
        .expect("update");
    // The list row used to read such a value as "no results"; the page as a parse error.
    let err = rhconsole::db::task::summary(&app.core.db.read, task)
        .await
        .expect_err("a list row with unreadable results");
    assert!(format!("{err}").contains("results"), "{err}");
    let err = rhconsole::db::task::view(&app.core.db.read, task)
        .await
        .expect_err("a task with unreadable results");
    assert!(format!("{err:#}").contains("results"), "{err:#}");
}

/// The overview lists today's statuses in the order a task goes through them, and the latest
/// failures (failed and timed out, newest first) with their codes.
#[tokio::test]
async fn the_overview_orders_statuses_by_lifecycle_and_lists_recent_failures() {
    let (app, admin, _sb, config) = app_with_sandbox("Overview").await;
    let (failed, _) = run_task(&app, config, spec("no #fail"), 20).await;
    let (_ok, _) = run_task(&app, config, spec("fine"), 20).await;
    let (moderated, _) = run_task(&app, config, spec("no #moderation"), 20).await;
    let o: app::domain::Overview = serde_json::from_value(
        app.call(&admin, "tasks/overview", serde_json::json!({}))
            .await,
    )
    .expect("an overview");
    let order: Vec<_> = o.by_status.iter().map(|(s, _)| *s).collect();
    assert_eq!(
        order,
        vec![
            app::domain::TaskStatus::Succeeded,
            app::domain::TaskStatus::Failed
        ],
        "lifecycle order"
    );
    let ids: Vec<_> = o.recent_failures.iter().map(|t| t.id).collect();
    assert_eq!(ids, vec![moderated, failed], "newest failure first");
    assert_eq!(o.recent_failures[0].error_code.as_deref(), Some("1501"));
}

/// The task list pages both ways (keyset: `before` older, `after` newer) and says where a page
/// is among all matching tasks.
#[tokio::test]
async fn the_task_list_pages_back_and_forth_and_knows_its_position() {
    let (app, _admin, _sb, config) = app_with_sandbox("Pages").await;
    let mut ids = Vec::new();
    for n in 0..7 {
        ids.push(launch(&app, config, spec(&format!("page me {n}"))).await);
    }
    let db = &app.core.db.read;
    let page = |before: Option<TaskId>, after: Option<TaskId>| {
        let filter = app::domain::TaskFilter {
            before,
            after,
            q: "page me".to_owned(),
            ..Default::default()
        };
        async move {
            rhconsole::db::task::list(db, &filter, None, None, 3)
                .await
                .expect("page")
        }
    };
    let shown = |p: &app::domain::TaskPage| p.items.iter().map(|t| t.id).collect::<Vec<_>>();
    let first = page(None, None).await;
    assert_eq!(shown(&first), vec![ids[6], ids[5], ids[4]]);
    assert_eq!(
        (first.total, first.position(), first.prev_after),
        (7, (1, 3), None)
    );
    let second = page(first.next_before, None).await;
    assert_eq!(shown(&second), vec![ids[3], ids[2], ids[1]]);
    assert_eq!(second.position(), (2, 3));
    let third = page(second.next_before, None).await;
    assert_eq!(shown(&third), vec![ids[0]]);
    assert_eq!((third.position(), third.next_before), ((3, 3), None));
    // Back: the previous page is the second again, then the first.
    let back = page(None, third.prev_after).await;
    assert_eq!(shown(&back), shown(&second));
    assert_eq!(back.next_before, second.next_before);
    let front = page(None, back.prev_after).await;
    assert_eq!(shown(&front), shown(&first));
    assert_eq!((front.prev_after, front.position()), (None, (1, 3)));
}
