//! `rhconsole blobs usage|gc`: what the kept images (uploads, kept results, thumbnails) use,
//! and the retention clean-up the server also runs hourly, on demand.

use super::{CliError, GlobalArgs, io::say};
use crate::blobs::{BlobStore, GcReport, Retention};
use app::domain::format_bytes;
use clap::Subcommand;
use std::sync::Arc;

#[derive(Debug, Subcommand)]
pub enum BlobsCmd {
    /// How many images are kept and the space they use.
    Usage {
        /// One JSON object: `{"files": n, "bytes": n}`.
        #[arg(long)]
        json: bool,
    },
    /// Remove images past the retention (last used more than --keep-days ago, then the least
    /// recently used over --keep-mb), and files nobody recorded. Images a task still needs
    /// stay. Safe while the console runs.
    Gc {
        #[command(flatten)]
        retention: Retention,
        /// Only report what would be removed.
        #[arg(long)]
        dry_run: bool,
        /// The report as one JSON object (bytes in bytes).
        #[arg(long)]
        json: bool,
    },
}

async fn store(global: &GlobalArgs, retention: Retention) -> Result<BlobStore, CliError> {
    let db = crate::db::Db::open(&global.data_dir.join(crate::startup::DB_FILE)).await?;
    Ok(BlobStore::new(
        crate::startup::blobs_dir(&global.data_dir),
        db,
        Arc::new(crate::clock::SystemClock),
        retention,
    )?)
}

pub async fn run(global: &GlobalArgs, cmd: BlobsCmd) -> Result<(), CliError> {
    match cmd {
        BlobsCmd::Usage { json } => {
            let (files, bytes) = store(global, Retention::FOREVER).await?.usage().await?;
            if json {
                say!("{}", serde_json::json!({ "files": files, "bytes": bytes }));
            } else {
                say!("{files} images kept, {}", format_bytes(bytes));
            }
        }
        BlobsCmd::Gc {
            retention,
            dry_run,
            json,
        } => {
            let report = store(global, retention).await?.gc(dry_run).await?;
            if json {
                let text = serde_json::to_string(&report).map_err(anyhow::Error::from)?;
                say!("{text}");
            } else {
                say!("{}", describe(&report, dry_run));
            }
        }
    }
    Ok(())
}

fn describe(r: &GcReport, dry_run: bool) -> String {
    let verb = if dry_run { "Would remove" } else { "Removed" };
    let mut text = format!(
        "{verb} {} images ({}); {} kept ({}).",
        r.removed,
        format_bytes(r.removed_bytes),
        r.kept,
        format_bytes(r.kept_bytes)
    );
    if r.stray_files > 0 {
        text.push_str(&format!(
            " Also removed {} files nobody recorded.",
            r.stray_files
        ));
    }
    text
}
