//! Price before launch: what the provider's price preview says a test would cost, per config
//! and for a batch.
//!
//! Provider facts (../shared/runninghub-api.md, "Account, capacity and price"): RunningHub's
//! `POST {host}/openapi/v2/price-preview/<model path>` takes exactly the body of the real submit
//! and answers bare: `estimatedPrice` (number), `currency` ("CNY"), `priceText` /
//! `priceTextEn` (e.g. "¥0.50/次"), `isFreeThisCall`; or `errorCode`/`errorMessage`. An
//! estimate of 0 is not proof the call is free. Gateways have no price preview.

use crate::domain::{ConfigId, Cost};
use crate::i18n::{Lang, Localized, Msg};
use serde::{Deserialize, Serialize};

/// The provider's estimate for one submit.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceEstimate {
    /// `estimatedPrice` as the provider wrote it (a decimal), in `currency`.
    pub price: Option<String>,
    pub currency: Option<String>,
    /// The provider's own price text (`priceText`, `priceTextEn`).
    pub text_zh: Option<String>,
    pub text_en: Option<String>,
    /// `isFreeThisCall`.
    pub free: bool,
}

/// One config's estimate, or why there is none ("unknown" never blocks a launch by itself).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigEstimate {
    pub config: ConfigId,
    pub name: String,
    pub estimate: Option<PriceEstimate>,
    /// Why the estimate is unknown, in the provider's or the console's words.
    pub unknown: Option<String>,
}

/// The estimates of a launch: one per config, and their total when every one is known in CNY.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchEstimate {
    pub configs: Vec<ConfigEstimate>,
    /// The sum in CNY, as a decimal (`None` when any estimate is unknown or in another currency).
    pub total: Option<String>,
    /// The configs this launch would take past their daily budget (the launch would be refused
    /// unless an admin runs it anyway), with the numbers.
    #[serde(default)]
    pub over_budget: Vec<crate::domain::BudgetExcess>,
}

impl ConfigEstimate {
    /// The estimate in the reader's language: the provider's own price text, else the price;
    /// "unknown" with the reason.
    pub fn describe(&self, lang: Lang) -> String {
        let Some(e) = &self.estimate else {
            let why = self.unknown.clone().unwrap_or_default();
            return format!("{}（{why}）", Msg::EstimateUnknown.text(lang));
        };
        let own = match lang {
            Lang::Zh => e.text_zh.as_ref().or(e.text_en.as_ref()),
            Lang::En => e.text_en.as_ref().or(e.text_zh.as_ref()),
        };
        let mut text = match (own, &e.price) {
            (Some(t), _) => t.clone(),
            (None, Some(p)) if e.currency.as_deref().is_none_or(|c| c == "CNY") => {
                Cost::Money(p.clone()).render(lang)
            }
            (None, Some(p)) => format!("{p} {}", e.currency.clone().unwrap_or_default()),
            (None, None) => Msg::EstimateUnknown.text(lang).to_owned(),
        };
        if e.free {
            text.push_str(&format!(" · {}", Msg::EstimateFree.text(lang)));
        }
        text
    }
}
