//! Price before launch: asks each config's price preview with the body its submit would send
//! (`providers::account::price_preview`), and sums the batch.

use super::Core;
use super::configs::key_check::stored_key;
use super::configs::versions::load;
use crate::providers::account::{price_preview, price_preview_path};
use crate::providers::{ImageInput, SubmitRequest, runninghub::submit_body};
use app::domain::*;
use app::error::AppError;
use rust_decimal::Decimal;
use std::str::FromStr;

/// Stands for each local image in the estimate's body: its real address is known only once
/// the submit uploads it, and the price depends on how many images there are, not where.
const LOCAL_IMAGE_STAND_IN: &str = "https://www.runninghub.cn/favicon.ico";

/// The estimates of launching `spec` on `configs` (each as the launch would send it). A
/// config without a price preview, without a key, or whose provider says no, is "unknown"
/// with the reason; nothing here fails the request but a missing config.
pub async fn estimate(
    core: &Core,
    _actor: &Actor,
    configs: Vec<ConfigId>,
    mut spec: TaskSpec,
) -> Result<BatchEstimate, AppError> {
    // The form may still be half filled: the price does not depend on the words.
    if spec.prompt.trim().is_empty() {
        spec.prompt = "price preview".to_owned();
    }
    let locals = spec.local_images.len();
    spec.local_images.clear();
    spec.image_urls.retain(|u| !u.trim().is_empty());
    spec.image_urls
        .extend(std::iter::repeat_n(LOCAL_IMAGE_STAND_IN.to_owned(), locals));
    if spec.image_urls.is_empty() {
        spec.image_urls.push(LOCAL_IMAGE_STAND_IN.to_owned());
    }
    let valid = spec.validate().ok();
    let mut out = BatchEstimate::default();
    for id in configs {
        let row = load(core, id).await?;
        let f = &row.view.fields;
        let mut one = ConfigEstimate {
            config: id,
            name: f.name.clone(),
            estimate: None,
            unknown: None,
        };
        let path = match f.api_type {
            ApiType::RunningHubRhartEdit => price_preview_path(&f.draw_endpoint),
            ApiType::NanoBananaEdits => None,
        };
        match (path, &valid, stored_key(core, &row)) {
            (None, _, _) => one.unknown = Some("no price preview for this API type".to_owned()),
            (_, None, _) => one.unknown = Some("the test case is not complete".to_owned()),
            (_, _, Err(_)) => one.unknown = Some("the configuration has no API key".to_owned()),
            (Some(path), Some(v), Ok(key)) => {
                let host = match v.region {
                    Region::Overseas => &f.host_overseas,
                    Region::Domestic => &f.host_domestic,
                };
                let req = SubmitRequest {
                    prompt: v.prompt.clone(),
                    resolution: v.resolution,
                    aspect_ratio: v.aspect_ratio,
                    images: v
                        .image_urls
                        .iter()
                        .take(IMAGES_SENT_MAX)
                        .cloned()
                        .map(ImageInput::Url)
                        .collect(),
                    webhook_url: None,
                };
                let http = &core.engine.0.providers.http;
                match price_preview(http, host, &path, f.allow_local, &key, submit_body(&req)).await
                {
                    Ok(e) => one.estimate = Some(e),
                    Err(e) => one.unknown = Some(e.to_string()),
                }
            }
        }
        out.configs.push(one);
    }
    out.total = total(&out.configs);
    Ok(out)
}

/// How long a launch waits for the price: a provider whose preview hangs must not hold up a
/// test (the estimate is then unknown, and never blocks by itself).
pub const LAUNCH_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// [`estimate`] for a launch, within [`LAUNCH_WAIT`].
pub async fn within(
    core: &Core,
    actor: &Actor,
    configs: &[ConfigId],
    spec: &TaskSpec,
) -> Result<BatchEstimate, AppError> {
    match tokio::time::timeout(
        LAUNCH_WAIT,
        estimate(core, actor, configs.to_vec(), spec.clone()),
    )
    .await
    {
        Ok(e) => e,
        Err(_) => {
            let mut out = BatchEstimate::default();
            for id in configs {
                let row = load(core, *id).await?;
                out.configs.push(ConfigEstimate {
                    config: *id,
                    name: row.view.fields.name.clone(),
                    estimate: None,
                    unknown: Some(format!(
                        "the price preview did not answer within {} s",
                        LAUNCH_WAIT.as_secs()
                    )),
                });
            }
            Ok(out)
        }
    }
}

/// The CNY sum, when every estimate is known and in CNY (or says no currency).
fn total(all: &[ConfigEstimate]) -> Option<String> {
    let mut sum = Decimal::ZERO;
    for c in all {
        let e = c.estimate.as_ref()?;
        if e.currency.as_deref().is_some_and(|cur| cur != "CNY") {
            return None;
        }
        sum += Decimal::from_str(e.price.as_deref()?).ok()?;
    }
    (!all.is_empty()).then(|| sum.normalize().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(price: Option<&str>, currency: Option<&str>) -> ConfigEstimate {
        ConfigEstimate {
            config: ConfigId(1),
            name: "x".into(),
            estimate: Some(PriceEstimate {
                price: price.map(str::to_owned),
                currency: currency.map(str::to_owned),
                ..Default::default()
            }),
            unknown: None,
        }
    }

    #[test]
    fn the_total_is_a_decimal_sum_or_unknown() {
        let all = [one(Some("0.14"), Some("CNY")), one(Some("0.5"), None)];
        assert_eq!(total(&all).as_deref(), Some("0.64"));
        assert_eq!(
            total(&[one(Some("0.1"), Some("CNY")), one(Some("0.2"), Some("CNY"))]).as_deref(),
            Some("0.3"),
            "no float error"
        );
        assert_eq!(total(&[one(Some("1"), Some("USD"))]), None);
        assert_eq!(total(&[one(None, Some("CNY"))]), None);
        assert_eq!(total(&[]), None);
    }
}
