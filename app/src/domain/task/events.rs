//! A task's execution log: stages, levels, and the events, whose texts are rendered in the
//! reader's language where they are shown.

use super::{EventText, TaskStatus};
use crate::domain::names::closed_set;
use crate::domain::{TaskId, Timestamp};
use crate::i18n::{Lang, Localized, Msg};
use serde::{Deserialize, Serialize};

closed_set! {
    /// The step of a task an event belongs to. Stored as its snake_case name (`strum` and
    /// serde spell it the same way).
    #[derive(strum::EnumString)]
    #[serde(rename_all = "snake_case")]
    #[strum(serialize_all = "snake_case")]
    pub enum Stage {
        Validate,
        Upload,
        Submit,
        Poll,
        Retry,
        Result,
        Cancel,
        Resume,
    }
}

impl Stage {
    pub fn label(self) -> Msg {
        match self {
            Stage::Validate => Msg::StageValidate,
            Stage::Upload => Msg::StageUpload,
            Stage::Submit => Msg::StageSubmit,
            Stage::Poll => Msg::StagePoll,
            Stage::Retry => Msg::StageRetry,
            Stage::Result => Msg::StageResult,
            Stage::Cancel => Msg::StageCancel,
            Stage::Resume => Msg::StageResume,
        }
    }
}

closed_set! {
    /// How much an event matters. Stored as its lowercase name (`strum` and serde agree).
    #[derive(strum::EnumString)]
    #[serde(rename_all = "lowercase")]
    #[strum(serialize_all = "lowercase")]
    pub enum Level {
        Info,
        Warn,
        Error,
    }
}

/// One line of a task's execution log. `seq` starts at 1 and has no gaps.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskEvent {
    pub task_id: TaskId,
    pub seq: i64,
    pub at: Timestamp,
    pub level: Level,
    pub stage: Stage,
    /// What happened, rendered in the reader's language where it is shown.
    pub text: Said,
    pub http_status: Option<i64>,
    pub latency_ms: Option<i64>,
    /// The status the task had after this event.
    pub status: TaskStatus,
}

impl TaskEvent {
    /// The event in `lang`.
    pub fn say(&self, lang: Lang) -> String {
        self.text.render(lang)
    }

    /// The event in English, for the CLI and logs.
    pub fn english(&self) -> String {
        self.text.render(Lang::En)
    }
}

/// What an event says: structured, as every event is stored now, or only the English text that
/// rows written before events were stored structured kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Said {
    Text(EventText),
    English(String),
}

impl Localized for Said {
    fn fmt_in(&self, lang: Lang, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Said::Text(t) => t.fmt_in(lang, f),
            Said::English(s) => f.write_str(s),
        }
    }
}

// In JSON the structured text is its object and the old English text a string. Written by hand
// because serde's `untagged` would buffer every event and costs code in the browser bundle.
impl Serialize for Said {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Said::Text(t) => t.serialize(s),
            Said::English(e) => s.serialize_str(e),
        }
    }
}

impl<'de> Deserialize<'de> for Said {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Said;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an event text (object) or its English (string)")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Said, E> {
                Ok(Said::English(v.to_owned()))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Said, E> {
                Ok(Said::English(v))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Said, A::Error> {
                EventText::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(Said::Text)
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strum::VariantArray;

    #[test]
    fn stages_and_levels_are_spelled_the_same_by_strum_and_serde() {
        for s in Stage::VARIANTS {
            let json = serde_json::to_string(s).expect("json");
            assert_eq!(json, format!("\"{}\"", s.as_str()));
            assert_eq!(s.as_str().parse::<Stage>(), Ok(*s));
        }
        for l in Level::VARIANTS {
            let json = serde_json::to_string(l).expect("json");
            assert_eq!(json, format!("\"{}\"", l.as_str()));
            assert_eq!(l.as_str().parse::<Level>(), Ok(*l));
        }
        assert!(
            "shout".parse::<Level>().is_err(),
            "unknown names are errors"
        );
    }

    #[test]
    fn an_event_says_its_structure_or_the_english_of_an_older_row() {
        let structured = Said::Text(EventText::ProviderStatus {
            status: "RUNNING".into(),
        });
        let json = serde_json::to_string(&structured).expect("json");
        assert_eq!(json, r#"{"t":"provider_status","status":"RUNNING"}"#);
        assert_eq!(
            serde_json::from_str::<Said>(&json).expect("read"),
            structured
        );
        assert_eq!(structured.render(Lang::Zh), "服务商状态：RUNNING");

        let old = Said::English("Provider status: RUNNING".into());
        let json = serde_json::to_string(&old).expect("json");
        assert_eq!(json, r#""Provider status: RUNNING""#);
        assert_eq!(serde_json::from_str::<Said>(&json).expect("read"), old);
        assert_eq!(old.render(Lang::Zh), "Provider status: RUNNING");

        assert!(serde_json::from_str::<Said>("17").is_err());
        assert!(serde_json::from_str::<Said>(r#"{"t":"no_such_event"}"#).is_err());
    }
}
