//! A task's execution log: stages, levels, and the events, whose texts are rendered in the
//! reader's language where they are shown.

#[cfg(feature = "ssr")]
#[cfg(feature = "ssr")]
use super::EventText;
use super::TaskStatus;
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
///
/// On the wire (server functions, live updates) an event's text goes rendered:
/// `{"zh": "…", "en": "…", "event": {"t": "provider_status", …}}`, `event` (the structure) only
/// for structured texts. The browser reads just `zh` and `en` (its `Said` is those two), so it
/// never carries the code that decodes and renders the ~40 kinds of event text: that was about a
/// sixth of the task page's wasm.
#[cfg(feature = "ssr")]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Said {
    Text(EventText),
    English(String),
}

/// What an event says, as the browser gets it: already rendered in both languages (see the
/// server's `Said`).
#[cfg(not(feature = "ssr"))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Said {
    zh: String,
    en: String,
}

#[cfg(not(feature = "ssr"))]
impl Localized for Said {
    fn fmt_in(&self, lang: Lang, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        })
    }
}

#[cfg(feature = "ssr")]
impl Localized for Said {
    fn fmt_in(&self, lang: Lang, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Said::Text(t) => t.fmt_in(lang, f),
            Said::English(s) => f.write_str(s),
        }
    }
}

/// The wire form of a [`Said`] (see there).
#[cfg(feature = "ssr")]
#[derive(Serialize, Deserialize)]
struct SaidWire<T> {
    zh: String,
    en: String,
    // Missing means `None` (serde's rule for `Option` fields): an old row's English text.
    #[serde(skip_serializing_if = "Option::is_none")]
    event: Option<T>,
}

#[cfg(feature = "ssr")]
impl Serialize for Said {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        SaidWire {
            zh: self.render(Lang::Zh),
            en: self.render(Lang::En),
            event: match self {
                Said::Text(t) => Some(t),
                Said::English(_) => None,
            },
        }
        .serialize(s)
    }
}

#[cfg(feature = "ssr")]
impl<'de> Deserialize<'de> for Said {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let w = SaidWire::<EventText>::deserialize(d)?;
        Ok(match w.event {
            Some(t) => Said::Text(t),
            None => Said::English(w.en),
        })
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

    #[cfg(feature = "ssr")]
    #[test]
    fn an_event_goes_out_rendered_in_both_languages_with_its_structure() {
        let structured = Said::Text(EventText::ProviderStatus {
            status: "RUNNING".into(),
        });
        let json = serde_json::to_string(&structured).expect("json");
        assert_eq!(
            json,
            r#"{"zh":"服务商状态：RUNNING","en":"Provider status: RUNNING","event":{"t":"provider_status","status":"RUNNING"}}"#
        );
        assert_eq!(
            serde_json::from_str::<Said>(&json).expect("read"),
            structured
        );
        assert_eq!(structured.render(Lang::Zh), "服务商状态：RUNNING");

        let old = Said::English("Provider status: RUNNING".into());
        let json = serde_json::to_string(&old).expect("json");
        assert_eq!(
            json,
            r#"{"zh":"Provider status: RUNNING","en":"Provider status: RUNNING"}"#
        );
        assert_eq!(serde_json::from_str::<Said>(&json).expect("read"), old);

        assert!(serde_json::from_str::<Said>("17").is_err());
        assert!(
            serde_json::from_str::<Said>(r#"{"zh":"x","en":"x","event":{"t":"no_such_event"}}"#)
                .is_err()
        );
    }
}
