//! Versions of a configuration (snapshots), what changed between them, and its history.

use super::*;

/// Every field of a configuration except its key: what a version stores and what diffs compare.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigSnapshot {
    pub name: String,
    pub api_type: ApiType,
    pub host_domestic: String,
    pub host_overseas: String,
    pub draw_endpoint: String,
    pub result_endpoint: String,
    pub upload_endpoint: String,
    pub model_name: String,
    pub is_sync_api: bool,
    pub enable_retry: bool,
    pub is_active: bool,
    pub timeout_secs: u32,
    pub max_concurrency: u32,
    pub allow_local: bool,
    /// Seconds; 0 is the server's default. Absent in snapshots older than the field.
    #[serde(default)]
    pub sync_timeout_secs: u32,
    /// Absent in snapshots older than the field (they sent `auto`'s names).
    #[serde(default)]
    pub image_field: ImageField,
    /// Absent in snapshots older than the field (no callbacks then).
    #[serde(default)]
    pub callbacks: bool,
}

impl ConfigSnapshot {
    /// `(field, value)` pairs in form order, values as shown in history.
    pub fn fields(&self) -> Vec<(&'static str, String)> {
        vec![
            ("name", self.name.clone()),
            ("api_type", self.api_type.as_str().to_owned()),
            ("host_domestic", self.host_domestic.clone()),
            ("host_overseas", self.host_overseas.clone()),
            ("draw_endpoint", self.draw_endpoint.clone()),
            ("result_endpoint", self.result_endpoint.clone()),
            ("upload_endpoint", self.upload_endpoint.clone()),
            ("model_name", self.model_name.clone()),
            ("is_sync_api", self.is_sync_api.to_string()),
            ("enable_retry", self.enable_retry.to_string()),
            ("is_active", self.is_active.to_string()),
            ("timeout_secs", self.timeout_secs.to_string()),
            ("max_concurrency", self.max_concurrency.to_string()),
            ("allow_local", self.allow_local.to_string()),
            ("sync_timeout_secs", self.sync_timeout_secs.to_string()),
            ("image_field", self.image_field.as_str().to_owned()),
            ("callbacks", self.callbacks.to_string()),
        ]
    }

    /// Field-level differences from `before` to `self`.
    pub fn diff_from(&self, before: Option<&ConfigSnapshot>) -> Vec<FieldChange> {
        let old = before.map(ConfigSnapshot::fields);
        self.fields()
            .into_iter()
            .enumerate()
            .filter_map(|(i, (field, after))| {
                let prev = old.as_ref().map(|o| o[i].1.clone());
                (prev.as_deref() != Some(after.as_str())).then(|| FieldChange {
                    field: field.to_owned(),
                    before: prev,
                    after: Some(after),
                })
            })
            .collect()
    }

    /// Whether `after` would send the stored key somewhere else than `self` does (see
    /// [`ConfigInput::key_destination`]). Such a change needs the key typed again or the
    /// user's password (as revealing the key does).
    pub fn key_goes_elsewhere(&self, after: &ConfigSnapshot) -> bool {
        self.to_input().key_destination() != after.to_input().key_destination()
    }

    /// The form pre-filled from this snapshot, key left blank.
    pub fn to_input(&self) -> ConfigInput {
        ConfigInput {
            name: self.name.clone(),
            api_type: self.api_type.as_str().to_owned(),
            host_domestic: self.host_domestic.clone(),
            host_overseas: self.host_overseas.clone(),
            api_key: String::new(),
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
            image_field: self.image_field.as_str().to_owned(),
            callbacks: self.callbacks,
        }
    }
}

/// One changed field. For the key, both sides are `None`: the history says only "changed".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

impl FieldChange {
    pub fn key_changed() -> Self {
        FieldChange {
            field: "api_key".to_owned(),
            before: None,
            after: None,
        }
    }

    /// The line of a restore that says which version it brought back (`v3`).
    pub fn restored_from(version: i64) -> Self {
        FieldChange {
            field: "restored_from".to_owned(),
            before: None,
            after: Some(format!("v{version}")),
        }
    }
}

closed_set! {
    /// What happened to a configuration, for its history.
    #[serde(rename_all = "snake_case")]
    #[strum(serialize_all = "snake_case")]
    pub enum HistoryAction {
        Created,
        Updated,
        Activated,
        Deactivated,
        Archived,
        Unarchived,
        Reverted,
        KeyRevealed,
        Imported,
    }
}

crate::domain::names::from_name!(HistoryAction, Msg::ErrBadRequest);

impl HistoryAction {
    pub fn parse(s: &str) -> Option<Self> {
        crate::domain::parse_name(s)
    }

    pub fn label(self) -> Msg {
        match self {
            HistoryAction::Created => Msg::HistCreated,
            HistoryAction::Updated => Msg::HistUpdated,
            HistoryAction::Activated => Msg::HistActivated,
            HistoryAction::Deactivated => Msg::HistDeactivated,
            HistoryAction::Archived => Msg::HistArchived,
            HistoryAction::Unarchived => Msg::HistUnarchived,
            HistoryAction::Reverted => Msg::HistReverted,
            HistoryAction::KeyRevealed => Msg::HistKeyRevealed,
            HistoryAction::Imported => Msg::HistImported,
        }
    }
}

/// One line of a configuration's history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub id: i64,
    /// The version this action produced (unchanged for a key reveal).
    pub version: i64,
    pub action: HistoryAction,
    pub actor: String,
    pub at: Timestamp,
    pub changes: Vec<FieldChange>,
    /// Whether this entry's version can be restored (it stored a snapshot).
    pub restorable: bool,
}

/// The label of a config field in history and forms.
pub fn field_label(field: &str) -> Msg {
    match field {
        "name" => Msg::FieldName,
        "api_type" => Msg::FieldApiType,
        "host_domestic" => Msg::FieldHostDomestic,
        "host_overseas" => Msg::FieldHostOverseas,
        "api_key" => Msg::FieldApiKey,
        "draw_endpoint" => Msg::FieldDrawEndpoint,
        "result_endpoint" => Msg::FieldResultEndpoint,
        "upload_endpoint" => Msg::FieldUploadEndpoint,
        "model_name" => Msg::FieldModelName,
        "is_sync_api" => Msg::FieldIsSync,
        "enable_retry" => Msg::FieldEnableRetry,
        "is_active" => Msg::FieldIsActive,
        "timeout_secs" => Msg::FieldTimeout,
        "max_concurrency" => Msg::FieldMaxConcurrency,
        "allow_local" => Msg::FieldAllowLocal,
        "callbacks" => Msg::FieldCallbacks,
        "sync_timeout_secs" => Msg::FieldSyncTimeout,
        "image_field" => Msg::FieldImageField,
        "restored_from" => Msg::HistRestoredFrom,
        _ => Msg::FieldUnknown,
    }
}

#[cfg(test)]
mod tests {
    use crate::domain::config::input::tests::valid;

    #[test]
    fn diffs_list_only_changed_fields() {
        let a = valid().validate(false).expect("valid").fields;
        let mut b = a.clone();
        b.model_name = "other".to_owned();
        b.is_active = false;
        let d = b.diff_from(Some(&a));
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].field, "model_name");
        assert_eq!(d[0].before.as_deref(), Some("rhart-image-n-pro"));
        assert_eq!(d[1].after.as_deref(), Some("false"));
        assert_eq!(a.diff_from(None).len(), a.fields().len());
    }
}
