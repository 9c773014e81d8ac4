//! The export file (`rhconsole-configs/1`), `config export` and `config import`.

use super::*;

/// One configuration in an export file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ConfigRecord {
    pub name: String,
    pub api_type: String,
    pub host_domestic: String,
    pub host_overseas: String,
    pub draw_endpoint: String,
    #[serde(default)]
    pub result_endpoint: String,
    #[serde(default)]
    pub upload_endpoint: String,
    #[serde(default)]
    pub model_name: String,
    pub is_sync_api: bool,
    pub enable_retry: bool,
    pub is_active: bool,
    #[serde(default = "default_timeout")]
    pub timeout_secs: u32,
    #[serde(default = "default_concurrency")]
    pub max_concurrency: u32,
    #[serde(default)]
    pub allow_local: bool,
    /// 0 is the server's default.
    #[serde(default)]
    pub sync_timeout_secs: u32,
    /// `auto`, `image` or `image[]`; absent means `auto`.
    #[serde(default)]
    pub image_field: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key: Option<String>,
}

fn default_timeout() -> u32 {
    DEFAULT_TIMEOUT_SECS
}
fn default_concurrency() -> u32 {
    DEFAULT_MAX_CONCURRENCY
}

impl ConfigRecord {
    fn from_snapshot(s: &ConfigSnapshot, api_key: Option<String>) -> Self {
        ConfigRecord {
            name: s.name.clone(),
            api_type: s.api_type.as_str().to_owned(),
            host_domestic: s.host_domestic.clone(),
            host_overseas: s.host_overseas.clone(),
            draw_endpoint: s.draw_endpoint.clone(),
            result_endpoint: s.result_endpoint.clone(),
            upload_endpoint: s.upload_endpoint.clone(),
            model_name: s.model_name.clone(),
            is_sync_api: s.is_sync_api,
            enable_retry: s.enable_retry,
            is_active: s.is_active,
            timeout_secs: s.timeout_secs,
            max_concurrency: s.max_concurrency,
            allow_local: s.allow_local,
            sync_timeout_secs: s.sync_timeout_secs,
            image_field: s.image_field.as_str().to_owned(),
            api_key,
        }
    }

    fn to_input(&self) -> ConfigInput {
        ConfigInput {
            name: self.name.clone(),
            api_type: self.api_type.clone(),
            host_domestic: self.host_domestic.clone(),
            host_overseas: self.host_overseas.clone(),
            api_key: self.api_key.clone().unwrap_or_default(),
            draw_endpoint: self.draw_endpoint.clone(),
            result_endpoint: self.result_endpoint.clone(),
            upload_endpoint: self.upload_endpoint.clone(),
            model_name: self.model_name.clone(),
            is_sync_api: self.is_sync_api,
            enable_retry: self.enable_retry,
            is_active: self.is_active,
            timeout_secs: self.timeout_secs,
            max_concurrency: self.max_concurrency,
            allow_local: self.allow_local,
            sync_timeout_secs: self.sync_timeout_secs,
            image_field: self.image_field.clone(),
        }
    }
}

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
            records.push(ConfigRecord::from_snapshot(&row.view.fields, key));
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
            eprintln!(
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
        None => println!("{text}"),
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
        eprintln!("  warning: {w}");
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
        let input = rec.to_input();
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
        if let Err(errs) = input.validate(has_key) {
            let what: Vec<String> = errs
                .0
                .iter()
                .map(|e| format!("{}: {}", e.field, e.msg.en()))
                .collect();
            problems.push(format!("{label}: {}", what.join("; ")));
            continue;
        }
        plans.push(match existing {
            Some(id) if update => Plan::Update(id, input),
            Some(_) => Plan::Keep(rec.name.clone()),
            None => Plan::Create(input),
        });
    }
    for p in &problems {
        eprintln!("  {p}");
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
                core.update_config(&Actor::Cli, id, input)
                    .await
                    .map_err(from_app)?;
                updated += 1;
            }
            Plan::Keep(name) => {
                println!("Kept existing {name:?} (use --update to overwrite)");
                kept += 1;
            }
        }
    }
    println!(
        "Imported: {created} created, {updated} updated, {kept} kept as they were, {} skipped",
        problems.len()
    );
    Ok(())
}
