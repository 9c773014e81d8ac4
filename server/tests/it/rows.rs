//! The database boundary: a value the code does not know is an error naming where it is,
//! never a plausible default; the task status set is checked by the database too.

use crate::common::*;
use app::domain::{ConfigId, TaskStatus};

#[tokio::test]
async fn an_unknown_api_type_in_a_row_is_an_error_naming_table_row_and_column() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
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
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let sb = sandbox().await;
    let cfg = create_config(&app, &admin, rh_config("Sandbox", &sb.base_url())).await;
    let task = launch(&app, cfg, spec("known statuses only")).await;
    wait_final(&app, task, 30).await;
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
