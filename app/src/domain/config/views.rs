//! Configurations as pages and server functions see them: the key only as a mask.

use super::*;

/// A configuration as pages and server functions return it: the key only as a mask.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigView {
    pub id: ConfigId,
    pub fields: ConfigSnapshot,
    pub key_mask: Option<String>,
    pub version: i64,
    pub archived_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub created_by: String,
    pub updated_at: Timestamp,
    pub updated_by: String,
}

/// The last test task of a configuration, for the list and overview.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastTest {
    pub task_id: crate::domain::TaskId,
    pub status: TaskStatus,
    pub at: Timestamp,
    pub duration_ms: Option<i64>,
}

/// A row of the configuration list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigListItem {
    pub config: ConfigView,
    pub last_test: Option<LastTest>,
    /// Succeeded and finished tasks in the last 24 h.
    pub succeeded_24h: i64,
    pub finished_24h: i64,
    /// The latest key check, if any (`None` with `skip_stats`).
    #[serde(default)]
    pub last_check: Option<super::KeyCheck>,
}

/// Which configurations the list shows and in which order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConfigFilter {
    pub q: String,
    pub api_type: Option<ApiType>,
    pub active: Option<bool>,
    pub archived: bool,
    pub sort: ConfigSort,
    /// Leave out the last test and 24-hour rates (for pickers that only need names).
    pub skip_stats: bool,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConfigSort {
    #[default]
    Name,
    Updated,
    LastTest,
}

impl ConfigSort {
    pub fn as_str(self) -> &'static str {
        match self {
            ConfigSort::Name => "name",
            ConfigSort::Updated => "updated",
            ConfigSort::LastTest => "last_test",
        }
    }

    pub fn parse(s: &str) -> Self {
        match s {
            "updated" => ConfigSort::Updated,
            "last_test" => ConfigSort::LastTest,
            _ => ConfigSort::Name,
        }
    }
}

/// Whether a deleted configuration was erased or, having tasks, archived.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DeleteOutcome {
    Deleted,
    Archived,
}
