//! How a [`Msg`] travels (by name in JSON) and prints where no language was chosen (both).

use super::Msg;
use crate::i18n::Lang;
use serde::{Deserialize, Serialize};

// By name, as serde's derive would, but without its per-format visitor code: a few hundred
// variants made that a noticeable share of the browser bundle.
impl Serialize for Msg {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Msg {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Msg::ALL
            .iter()
            .copied()
            .find(|m| m.name() == name)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown message {name:?}")))
    }
}

impl Msg {
    pub fn en(self) -> &'static str {
        self.text(Lang::En)
    }
    pub fn zh(self) -> &'static str {
        self.text(Lang::Zh)
    }
}

impl std::fmt::Display for Msg {
    /// Both languages, for places with no language choice (CLI, logs).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} / {}", self.zh(), self.en())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_has_text_in_both_languages() {
        for m in Msg::ALL {
            assert!(!m.zh().is_empty(), "{m:?} has no Chinese text");
            assert!(!m.en().is_empty(), "{m:?} has no English text");
        }
    }

    #[test]
    fn messages_travel_in_json_by_name_and_come_back() {
        for &m in Msg::ALL {
            let json = serde_json::to_string(&m).expect("serialize");
            assert_eq!(json, format!("\"{m:?}\""));
            let back: Msg = serde_json::from_str(&json).expect("deserialize");
            assert_eq!(back, m);
        }
        let err = serde_json::from_str::<Msg>("\"NoSuchMessage\"").expect_err("unknown name");
        assert!(err.to_string().contains("NoSuchMessage"), "{err}");
        assert!(serde_json::from_str::<Msg>("17").is_err());
    }
}
