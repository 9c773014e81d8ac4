//! The SQLite database: one file under the data directory, WAL mode, foreign keys on.
//! Writes go through a single-connection pool (SQLite has one writer; queueing in-process
//! avoids busy errors), reads through a small pool. The SQL for each table lives in its file.

pub mod audit;
pub mod blob;
pub mod budget;
pub mod callback;
pub mod config;
pub mod config_event;
pub mod engine;
pub mod key_check;
pub mod login_failure;
pub mod meta;
pub mod task;
pub mod task_event;
pub mod user;

use anyhow::Context;
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::path::Path;
use std::time::Duration;

/// A value read from a row that this code does not know (written by a newer version, or by
/// hand): reading it is an error naming the table, row and column, never a plausible default.
#[derive(Debug, thiserror::Error)]
#[error("unknown value {value:?} in {table}.{column} of {}", row.map_or("a grouped row".to_owned(), |r| format!("row {r}")))]
pub struct UnknownValue {
    pub table: &'static str,
    /// The row's id; `None` for a value read from a `GROUP BY` result.
    pub row: Option<i64>,
    pub column: &'static str,
    pub value: String,
}

/// Parses a column's text into its closed set (`TaskStatus`, `ApiType`, `Role`, `Region` …),
/// or fails with [`UnknownValue`] inside `sqlx::Error::Decode`.
pub fn decode<T: std::str::FromStr>(
    table: &'static str,
    row: impl Into<Option<i64>>,
    column: &'static str,
    value: &str,
) -> sqlx::Result<T> {
    let row = row.into();
    value.parse().map_err(|_| {
        sqlx::Error::Decode(Box::new(UnknownValue {
            table,
            row,
            column,
            value: value.to_owned(),
        }))
    })
}

/// A JSON column that does not read as its type: an error naming the table, row and column.
#[derive(Debug, thiserror::Error)]
#[error("unreadable JSON in {table}.{column} of row {row}: {source}")]
pub struct UnreadableJson {
    pub table: &'static str,
    pub row: i64,
    pub column: &'static str,
    pub source: serde_json::Error,
}

/// Reads a JSON column into its named type. Columns are written with `sqlx::types::Json`;
/// they are read back here rather than through `Json<T>` in the checked macros, whose decode
/// error names the column only by its position ("column 12") and neither table nor row.
pub fn json<T: serde::de::DeserializeOwned>(
    table: &'static str,
    row: i64,
    column: &'static str,
    text: &str,
) -> sqlx::Result<T> {
    serde_json::from_str(text).map_err(|source| {
        sqlx::Error::Decode(Box::new(UnreadableJson {
            table,
            row,
            column,
            source,
        }))
    })
}

/// Whether `e` is a UNIQUE constraint refusing a write (a name already taken).
pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

/// The two pools over one database file.
#[derive(Clone, Debug)]
pub struct Db {
    /// One connection: every write transaction queues here.
    pub write: SqlitePool,
    pub read: SqlitePool,
}

impl Db {
    /// Starts a write transaction; it waits for the one write connection.
    pub async fn begin(&self) -> anyhow::Result<sqlx::Transaction<'static, sqlx::Sqlite>> {
        use anyhow::Context;
        self.write
            .begin()
            .await
            .context("starting a write transaction")
    }

    /// Opens (creating if needed) and migrates the database at `path`.
    pub async fn open(path: &Path) -> anyhow::Result<Db> {
        let opts = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(15))
            .pragma("temp_store", "memory")
            .pragma("cache_size", "-16000");
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(opts.clone())
            .await
            .with_context(|| format!("cannot open the database {}", path.display()))?;
        MIGRATOR
            .run(&write)
            .await
            .with_context(|| format!("cannot migrate the database {}", path.display()))?;
        // Keeps the query planner's statistics fresh (SQLite's advice for long-lived processes).
        sqlx::query("PRAGMA optimize=0x10002")
            .execute(&write)
            .await
            .context("cannot optimize the database")?;
        let read = SqlitePoolOptions::new()
            .max_connections(6)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(opts.read_only(true))
            .await
            .context("cannot open read connections to the database")?;
        Ok(Db { write, read })
    }

    /// `SELECT 1` through both pools.
    pub async fn ping(&self) -> anyhow::Result<()> {
        sqlx::query("SELECT 1").execute(&self.read).await?;
        sqlx::query("SELECT 1").execute(&self.write).await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.read.close().await;
        self.write.close().await;
    }
}
