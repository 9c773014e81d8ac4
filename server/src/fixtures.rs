//! Database access for benchmarks and tests, not used by the product: a read-only watch over a
//! running console's task table (progress without adding HTTP load), and bulk fixture data
//! written into the database of a stopped console. Every line of SQL the benchmark driver
//! (`bench/`, `rhbench`) runs is here, so the schema stays the server's own business. Also the
//! config form that points at the in-repo sandbox, which tests and benchmarks both launch on.

use crate::db::{self, Db, task::StoredSpec};
use anyhow::{Context, Result};
use app::domain::{AspectRatio, ConfigId, EventText, Region, Resolution, ValidSpec};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use sqlx::{QueryBuilder, Sqlite, SqlitePool};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

/// A read-only look at a console's database while the console runs.
pub struct DbWatch {
    pool: SqlitePool,
}

impl DbWatch {
    /// Opens the database file at `path` read-only (one connection, no migration).
    pub async fn open(path: &Path) -> Result<DbWatch> {
        let opts = SqliteConnectOptions::new()
            .filename(path)
            .read_only(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(opts)
            .await
            .with_context(|| format!("cannot open {} read-only", path.display()))?;
        Ok(DbWatch { pool })
    }

    /// Tasks by status.
    pub async fn counts(&self) -> Result<BTreeMap<String, i64>> {
        let rows: Vec<(String, i64)> =
            sqlx::query_as("SELECT status, COUNT(*) FROM task GROUP BY status")
                .fetch_all(&self.pool)
                .await
                .context("counting tasks by status")?;
        Ok(rows.into_iter().collect())
    }

    /// Failed tasks by error code (`none` for a failure without one).
    pub async fn failures(&self) -> Result<BTreeMap<String, i64>> {
        let rows: Vec<(Option<String>, i64)> = sqlx::query_as(
            "SELECT error_code, COUNT(*) FROM task WHERE status = 'failed' GROUP BY error_code",
        )
        .fetch_all(&self.pool)
        .await
        .context("counting failed tasks by error code")?;
        Ok(rows
            .into_iter()
            .map(|(c, n)| (c.unwrap_or_else(|| "none".into()), n))
            .collect())
    }

    /// `(status, prompt)` of every task, oldest first.
    /// Tasks whose provider task id a provider callback attached (after their submit's answer
    /// was lost, or a crash in mid submit).
    pub async fn attached_by_callback(&self) -> Result<i64> {
        sqlx::query_scalar(
            "SELECT COUNT(DISTINCT task_id) FROM task_event
             WHERE json_extract(detail, '$.t') = 'task_id_attached'
               AND json_extract(detail, '$.by') IS NULL",
        )
        .fetch_one(&self.pool)
        .await
        .context("counting tasks attached by a callback")
    }

    pub async fn prompts(&self) -> Result<Vec<(String, String)>> {
        sqlx::query_as("SELECT status, prompt FROM task ORDER BY id")
            .fetch_all(&self.pool)
            .await
            .context("reading every task's status and prompt")
    }

    pub async fn close(self) {
        self.pool.close().await;
    }
}

/// What [`fill`] writes.
#[derive(Debug, Clone, Copy)]
pub struct Fill<'a> {
    /// Tasks to insert, with ids `1..=tasks` (the task table must be empty).
    pub tasks: i64,
    /// Events per task (validate, submit, poll, then result events up to this number).
    pub events_per_task: i64,
    /// The tasks' creation times are spread evenly over this many days before now.
    pub spread_days: i64,
    /// The existing user recorded as every task's creator.
    pub created_by: &'a str,
}

/// `(status, error code, error message)` for task number `i`: 80 % succeeded, 12 % failed, 3 %
/// timed out, 3 % cancelled, 2 % "submit may have reached the provider". Only final statuses:
/// tasks in flight would be picked up and polled when the console starts.
fn status_of(i: i64) -> (&'static str, Option<&'static str>, Option<&'static str>) {
    match i % 100 {
        0..=79 => ("succeeded", None, None),
        80..=91 => ("failed", Some("1501"), Some("Content verification failed")),
        92..=94 => (
            "timed_out",
            Some("timeout"),
            Some("No final status within 15 min"),
        ),
        95..=97 => ("cancelled", Some("cancelled"), Some("Cancelled by admin")),
        _ => (
            "submit_uncertain",
            Some("submit_uncertain"),
            Some("The server stopped while a submit was in the air"),
        ),
    }
}

/// Fills the database at `db_path` of a stopped console with `spec.tasks` final tasks spread
/// round-robin over `configs` (which must exist), and their events, in one transaction.
pub async fn fill(db_path: &Path, configs: &[ConfigId], spec: &Fill<'_>) -> Result<()> {
    let db = Db::open(db_path).await?;
    let admin_id = db::user::by_username(&db.read, spec.created_by)
        .await
        .context("looking up the tasks' creator")?
        .with_context(|| format!("no user named {:?}", spec.created_by))?
        .info
        .id
        .0;
    let mut snapshots = Vec::new();
    for id in configs {
        let row = db::config::by_id(&db.read, *id)
            .await
            .with_context(|| format!("reading config {}", id.0))?
            .with_context(|| format!("no config {}", id.0))?;
        snapshots.push((row.view.id.0, row.view.version, row.view.fields.clone()));
    }
    anyhow::ensure!(!snapshots.is_empty(), "fill needs at least one config");
    let tasks = spec.tasks;
    let now = time::OffsetDateTime::now_utc().unix_timestamp() * 1000;
    let step = spec.spread_days * 24 * 3600 * 1000 / tasks.max(1);
    // What the events say, stored as the engine stores them (structured, once).
    let details = [
        EventText::Created {
            by: spec.created_by.to_owned(),
            config: "the config".to_owned(),
            version: 1,
            region: Region::Domestic,
            resolution: Resolution::R1k,
            aspect: AspectRatio::Auto,
            images: 1,
        },
        EventText::Accepted {
            task_id: "2013508786110730000".to_owned(),
            status: "QUEUED".to_owned(),
        },
        EventText::ProviderStatus {
            status: "RUNNING".to_owned(),
        },
        EventText::Answered {
            status: "SUCCESS".to_owned(),
        },
    ]
    .map(|t| serde_json::to_string(&t).context("encoding an event"))
    .into_iter()
    .collect::<Result<Vec<_>>>()?;
    let mut tx = db.write.begin().await.context("starting the fill")?;
    const CHUNK: i64 = 500;
    let mut first = 1;
    while first <= tasks {
        let last = (first + CHUNK - 1).min(tasks);
        let mut rows = Vec::new();
        for i in first..=last {
            let (cfg_id, version, snapshot) = &snapshots[(i as usize) % snapshots.len()];
            let prompt = format!(
                "benchmark task {i}: turn the cat into a watercolour painting, soft light, keep the pose #polls=3"
            );
            let stored = StoredSpec {
                spec: ValidSpec {
                    prompt: prompt.clone(),
                    resolution: Resolution::R1k,
                    aspect_ratio: AspectRatio::Auto,
                    image_urls: vec!["https://example.com/cat.png".into()],
                    local_images: vec![],
                    region: Region::Domestic,
                },
                config: snapshot.clone(),
                images_sent: 1,
            };
            let created = now - (tasks - i + 1) * step;
            let finished = created + 20_000 + (i % 40) * 1000;
            let (status, code, message) = status_of(i);
            let pid = format!("20135087861107{i:05}");
            let results = if status == "succeeded" {
                format!(
                    r#"[{{"url":"http://127.0.0.1:9/output/{pid}-0.png","output_type":"png","text":null}}]"#
                )
            } else {
                "[]".into()
            };
            let usage = (status == "succeeded")
                .then(|| r#"{"consume_money":null,"consume_coins":null,"third_party_consume_money":"0.14","task_cost_time":"21"}"#.to_owned());
            rows.push((
                i,
                *cfg_id,
                *version,
                prompt,
                serde_json::to_string(&stored).context("encoding a task's spec")?,
                pid,
                status,
                code,
                message,
                results,
                usage,
                created,
                finished,
            ));
        }
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO task (id, config_id, config_version, region, prompt, spec, provider_task_id, status, submit_state, \
             error_code, error_message, results, usage, attempts, last_seq, deadline_at, created_by, created_at, started_at, \
             finished_at, updated_at) ",
        );
        q.push_values(&rows, |mut b, r| {
            b.push_bind(r.0)
                .push_bind(r.1)
                .push_bind(r.2)
                .push_bind("domestic")
                .push_bind(&r.3)
                .push_bind(&r.4)
                .push_bind(&r.5)
                .push_bind(r.6)
                .push_bind(if r.6 == "submit_uncertain" {
                    "sending"
                } else {
                    "sent"
                })
                .push_bind(r.7)
                .push_bind(r.8)
                .push_bind(&r.9)
                .push_bind(&r.10)
                .push_bind(1i64)
                .push_bind(spec.events_per_task)
                .push_bind(r.11 + 900_000)
                .push_bind(admin_id)
                .push_bind(r.11)
                .push_bind(r.11 + 200)
                .push_bind(r.12)
                .push_bind(r.12);
        });
        q.build()
            .execute(&mut *tx)
            .await
            .with_context(|| format!("inserting tasks {first}..={last}"))?;

        let events: Vec<(i64, i64, i64, &str)> = rows
            .iter()
            .flat_map(|r| {
                (1..=spec.events_per_task).map(move |seq| (r.0, seq, r.11 + seq * 3000, r.6))
            })
            .collect();
        // SQLite binds at most 32,766 parameters per statement: 2,000 events (10 each) at a time.
        for chunk in events.chunks(2000) {
            let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
                "INSERT INTO task_event (task_id, seq, level, stage, detail, http_status, latency_ms, status, created_at, updated_at) ",
            );
            q.push_values(chunk, |mut b, (task, seq, at, final_status)| {
                let (stage, detail, status) = match seq {
                    1 => ("validate", &details[0], "pending"),
                    2 => ("submit", &details[1], "queued"),
                    3 => ("poll", &details[2], "running"),
                    _ => ("result", &details[3], *final_status),
                };
                b.push_bind(*task)
                    .push_bind(*seq)
                    .push_bind("info")
                    .push_bind(stage)
                    .push_bind(detail)
                    .push_bind(200i64)
                    .push_bind(12i64)
                    .push_bind(status)
                    .push_bind(*at)
                    .push_bind(*at);
            });
            q.build()
                .execute(&mut *tx)
                .await
                .with_context(|| format!("inserting the events of tasks {first}..={last}"))?;
        }
        first = last + 1;
    }
    tx.commit().await.context("committing the fill")?;
    db.close().await;
    Ok(())
}

/// A RunningHub config (the create form's JSON) named `name` that calls the sandbox at
/// `base` with its key; `timeout_secs` is the task deadline, `max_concurrency` the tasks at
/// the provider at once.
pub fn sandbox_config(
    name: &str,
    base: &str,
    timeout_secs: u32,
    max_concurrency: u32,
) -> serde_json::Value {
    serde_json::json!({
        "name": name,
        "api_type": "runninghub-rhart-edit",
        "host_domestic": base,
        "host_overseas": base,
        "api_key": crate::sandbox::SANDBOX_KEY,
        "draw_endpoint": "/openapi/v2/rhart-image-n-pro/edit",
        "result_endpoint": "/openapi/v2/query",
        "upload_endpoint": "/openapi/v2/media/upload/binary",
        "model_name": "rhart-image-n-pro",
        "is_sync_api": false,
        "enable_retry": true,
        "is_active": true,
        "timeout_secs": timeout_secs,
        "max_concurrency": max_concurrency,
        "allow_local": true
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::domain::{ApiType, ConfigSnapshot, Role};

    fn snapshot(name: &str) -> ConfigSnapshot {
        ConfigSnapshot {
            name: name.into(),
            api_type: ApiType::RunningHubRhartEdit,
            host_domestic: "http://127.0.0.1:9".into(),
            host_overseas: "http://127.0.0.1:9".into(),
            draw_endpoint: "/openapi/v2/rhart-image-n-pro/edit".into(),
            result_endpoint: "/openapi/v2/query".into(),
            upload_endpoint: "/openapi/v2/media/upload/binary".into(),
            model_name: "rhart-image-n-pro".into(),
            is_sync_api: false,
            enable_retry: true,
            is_active: true,
            timeout_secs: 3600,
            max_concurrency: 10,
            allow_local: true,
            sync_timeout_secs: 0,
            image_field: app::domain::ImageField::Auto,
            callbacks: false,
        }
    }

    #[tokio::test]
    async fn a_fill_writes_final_tasks_and_their_events_which_the_watch_counts() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("fill.db");
        let db = Db::open(&path).await.expect("open");
        db::user::insert(&db.write, "admin", "not a hash", Role::Admin, 0)
            .await
            .expect("admin");
        let mut configs = Vec::new();
        for name in ["one", "two"] {
            configs.push(
                db::config::insert(&db.write, &snapshot(name), None, 0)
                    .await
                    .expect("config"),
            );
        }
        db.close().await;

        // 7 events a task: one chunk's events (500 × 7 × 10 values) would be more parameters than
        // SQLite binds in one statement.
        let spec = Fill {
            tasks: 1000,
            events_per_task: 7,
            spread_days: 2,
            created_by: "admin",
        };
        fill(&path, &configs, &spec).await.expect("fill");

        let watch = DbWatch::open(&path).await.expect("watch");
        let counts = watch.counts().await.expect("counts");
        let expected = [
            ("cancelled", 30),
            ("failed", 120),
            ("submit_uncertain", 20),
            ("succeeded", 800),
            ("timed_out", 30),
        ];
        assert_eq!(counts, expected.map(|(s, n)| (s.to_owned(), n)).into());
        let failures = watch.failures().await.expect("failures");
        assert_eq!(failures, [("1501".to_owned(), 120)].into());
        assert_eq!(watch.prompts().await.expect("prompts").len(), 1000);
        watch.close().await;

        let db = Db::open(&path).await.expect("open");
        let (events,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM task_event")
            .fetch_one(&db.read)
            .await
            .expect("events");
        assert_eq!(events, 7000);
        db.close().await;
    }
}
