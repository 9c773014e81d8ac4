//! Daily test budgets: what a config may spend on tests per day (CNY), what it spent (the money
//! the provider reports in each task's usage: `thirdPartyConsumeMoney`, else `consumeMoney`;
//! RH coins are not money and are not counted), and what a launch over it is told. Days are
//! display days (UTC+8, see `DISPLAY_OFFSET_HOURS`).

use crate::domain::ConfigId;
use serde::{Deserialize, Serialize};

/// The largest daily budget one may set, in CNY.
pub const BUDGET_MAX_CNY: u32 = 1_000_000;

/// A config's budget and today's spend (the config page's 每日测试预算 card). Amounts are CNY
/// decimals as text.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BudgetStatus {
    /// The daily budget, when one is set.
    pub daily: Option<String>,
    /// Money the provider reported for today's tasks.
    pub spent: String,
    /// The launch estimates of today's tasks still in flight (not yet reported).
    pub pending: String,
}

/// One config a launch would take over its daily budget, with the numbers (CNY decimals).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BudgetExcess {
    pub config: ConfigId,
    pub name: String,
    pub daily: String,
    pub spent: String,
    pub pending: String,
    /// This launch's estimate on the config.
    pub launch: String,
}

/// Spend per config per day, for the overview's chart.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpendChart {
    /// The days, oldest first, as `YYYY-MM-DD` (display time); the last is today.
    pub days: Vec<String>,
    /// Configs that spent anything in those days.
    pub series: Vec<SpendSeries>,
}

/// One config's spend per day, in thousandths of a yuan (厘), in the order of
/// [`SpendChart::days`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpendSeries {
    pub config: ConfigId,
    pub name: String,
    pub milli_cny: Vec<i64>,
}

impl SpendChart {
    /// The most any day spent over all configs (thousandths of a yuan).
    pub fn day_max(&self) -> i64 {
        (0..self.days.len())
            .map(|d| {
                self.series
                    .iter()
                    .map(|s| s.milli_cny.get(d).copied().unwrap_or(0))
                    .sum::<i64>()
            })
            .max()
            .unwrap_or(0)
    }
}

/// `1234` thousandths → `"1.23"` (yuan, two decimals, rounded half up).
pub fn yuan_of_milli(milli: i64) -> String {
    let cents = (milli + 5).div_euclid(10);
    format!("{}.{:02}", cents.div_euclid(100), cents.rem_euclid(100))
}

/// Whether `s` is a budget one may set: a positive amount of yuan with at most two decimals,
/// at most [`BUDGET_MAX_CNY`]. Answers it trimmed.
pub fn valid_budget(s: &str) -> Option<String> {
    let s = s.trim();
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || !digits(frac) || frac.len() > 2 || whole.len() > 7 {
        return None;
    }
    let yuan: u32 = whole.parse().ok()?;
    let positive = yuan > 0 || frac.bytes().any(|b| b != b'0');
    (positive
        && (yuan < BUDGET_MAX_CNY || (yuan == BUDGET_MAX_CNY && frac.bytes().all(|b| b == b'0'))))
    .then(|| s.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_are_positive_yuan_with_two_decimals_at_most() {
        for ok in ["1", "0.5", "20.00", " 3.1 ", "1000000"] {
            assert!(valid_budget(ok).is_some(), "{ok}");
        }
        for bad in [
            "",
            "0",
            "0.00",
            "-1",
            "1.234",
            "abc",
            "1e3",
            ".5",
            "1000000.01",
            "1,5",
        ] {
            assert!(valid_budget(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn thousandths_of_a_yuan_read_as_yuan() {
        assert_eq!(yuan_of_milli(0), "0.00");
        assert_eq!(yuan_of_milli(140), "0.14");
        assert_eq!(yuan_of_milli(1235), "1.24");
        assert_eq!(yuan_of_milli(123_456), "123.46");
    }
}
