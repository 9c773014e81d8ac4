//! The export file (`rhconsole-configs/1`), `config export` and `config import`.

use super::*;
use crate::cli::io::say_err;

/// One configuration in an export file: the form's fields ([`ConfigInput`] says which may be
/// left out); the key only with `--with-keys`.
pub type ConfigRecord = ConfigInput;

#[derive(Debug, Serialize, Deserialize)]
pub struct ExportFile {
    pub format: String,
    pub exported_at: String,
    pub configs: Vec<ConfigRecord>,
}

pub const EXPORT_FORMAT: &str = "rhconsole-configs/1";

pub(super) async fn export(
    core: &Core,
    with_keys: bool,
    output: Option<PathBuf>,
) -> Result<(), CliError> {
    let mut records = Vec::new();
    for archived in [false, true] {
        let rows = db::config::list(&core.db.read, "", None, None, archived)
            .await
            .map_err(anyhow::Error::from)?;
        for row in rows {
            let key = match (&row.sealed, with_keys) {
                (Some(s), true) => Some(
                    secrecy::ExposeSecret::expose_secret(&core.secrets.open(row.view.id.0, s)?)
                        .to_owned(),
                ),
                _ => None,
            };
            records.push(ConfigRecord {
                api_key: key.unwrap_or_default(),
                ..row.view.fields.to_input()
            });
        }
    }
    let file = ExportFile {
        format: EXPORT_FORMAT.to_owned(),
        exported_at: Timestamp(core.clock.now_ms()).rfc3339(),
        configs: records,
    };
    let text = serde_json::to_string_pretty(&file).map_err(anyhow::Error::from)?;
    match output {
        Some(path) => {
            write_private(&path, &text)?;
            say_err!(
                "Exported {} configuration(s) to {}{}",
                file.configs.len(),
                path.display(),
                if with_keys {
                    " (with keys: keep it safe)"
                } else {
                    ""
                }
            );
        }
        None => say!("{text}"),
    }
    Ok(())
}

fn write_private(path: &std::path::Path, text: &str) -> Result<(), CliError> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(path)
        .map_err(|e| bad(format!("cannot write {}: {e}", path.display())))?;
    f.write_all(text.as_bytes()).map_err(anyhow::Error::from)?;
    Ok(())
}

/// What an import will do with each record.
enum Plan {
    Create(ConfigInput),
    Update(ConfigId, ConfigInput),
    Keep(String),
}

/// The fields a record may have; any other is reported and ignored.
const RECORD_FIELDS: &[&str] = &[
    "name",
    "api_type",
    "host_domestic",
    "host_overseas",
    "draw_endpoint",
    "result_endpoint",
    "upload_endpoint",
    "model_name",
    "is_sync_api",
    "enable_retry",
    "is_active",
    "timeout_secs",
    "max_concurrency",
    "allow_local",
    "sync_timeout_secs",
    "image_field",
    "callbacks",
    "api_key",
];

/// A record of the file, named by position and name, or what is wrong with it.
type Labelled = (String, Result<ConfigRecord, String>);

/// Reads an export file (a UTF-8 byte-order mark is fine; only `configs` is required, and
/// `format`, when present, must be ours): each record, or the problem with it, named by its
/// position and name. Problems never quote the record's key.
fn read_records(path: &std::path::Path) -> Result<(Vec<Labelled>, Vec<String>), CliError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| bad(format!("cannot read {}: {e}", path.display())))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let doc: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| bad(format!("{} is not JSON: {e}", path.display())))?;
    if let Some(format) = doc.get("format")
        && format.as_str() != Some(EXPORT_FORMAT)
    {
        return Err(bad(format!(
            "unsupported format {format} (expected {EXPORT_FORMAT:?})"
        )));
    }
    let Some(items) = doc.get("configs").and_then(serde_json::Value::as_array) else {
        return Err(bad(format!(
            "{} has no \"configs\" list: not a configuration export",
            path.display()
        )));
    };
    let mut warnings = Vec::new();
    let records = items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let name = item.get("name").and_then(|n| n.as_str()).unwrap_or("?");
            let label = format!("record {} ({name:?})", i + 1);
            if let Some(fields) = item.as_object() {
                for unknown in fields
                    .keys()
                    .filter(|k| !RECORD_FIELDS.contains(&k.as_str()))
                {
                    warnings.push(format!("{label}: unknown field {unknown:?} ignored"));
                }
            }
            let key = item.get("api_key").and_then(|k| k.as_str()).unwrap_or("");
            let record = serde_json::from_value::<ConfigRecord>(item.clone())
                .map_err(|e| app::domain::redact_key(&e.to_string(), key));
            (label, record)
        })
        .collect();
    Ok((records, warnings))
}

pub(super) async fn import(
    core: &Core,
    path: &std::path::Path,
    update: bool,
    partial: bool,
) -> Result<(), CliError> {
    let (records, warnings) = read_records(path)?;
    for w in &warnings {
        say_err!("  warning: {w}");
    }
    let mut problems = Vec::new();
    let mut plans = Vec::new();
    let mut names = HashSet::new();
    for (label, rec) in &records {
        let rec = match rec {
            Ok(rec) => rec,
            Err(e) => {
                problems.push(format!("{label}: {e}"));
                continue;
            }
        };
        if !names.insert(db::config::name_key(&rec.name)) {
            problems.push(format!("{label}: the name appears twice in the file"));
            continue;
        }
        let existing = db::config::id_by_name(&core.db.read, &rec.name)
            .await
            .map_err(anyhow::Error::from)?;
        let has_key = match existing {
            Some(id) => db::config::by_id(&core.db.read, id)
                .await
                .map_err(anyhow::Error::from)?
                .is_some_and(|r| r.has_key()),
            None => false,
        };
        if let Err(errs) = rec.validate(has_key) {
            let what: Vec<String> = errs
                .0
                .iter()
                .map(|e| format!("{}: {}", e.field, e.msg.en()))
                .collect();
            problems.push(format!("{label}: {}", what.join("; ")));
            continue;
        }
        plans.push(match existing {
            Some(id) if update => Plan::Update(id, rec.clone()),
            Some(_) => Plan::Keep(rec.name.clone()),
            None => Plan::Create(rec.clone()),
        });
    }
    for p in &problems {
        say_err!("  {p}");
    }
    if !problems.is_empty() && !partial {
        return Err(bad(format!(
            "{} bad record(s) in {}: nothing was imported (--partial imports the good ones)",
            problems.len(),
            path.display()
        )));
    }
    let (mut created, mut updated, mut kept) = (0, 0, 0);
    for plan in plans {
        match plan {
            Plan::Create(input) => {
                configs::create(core, &Actor::Cli, input, HistoryAction::Imported)
                    .await
                    .map_err(from_app)?;
                created += 1;
            }
            Plan::Update(id, input) => {
                core.update_config(&Actor::Cli, id, input, None)
                    .await
                    .map_err(from_app)?;
                updated += 1;
            }
            Plan::Keep(name) => {
                say!("Kept existing {name:?} (use --update to overwrite)");
                kept += 1;
            }
        }
    }
    say!(
        "Imported: {created} created, {updated} updated, {kept} kept as they were, {} skipped",
        problems.len()
    );
    Ok(())
}
