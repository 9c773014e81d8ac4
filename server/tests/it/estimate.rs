//! Price before launch (issue 15): the price preview asked with the body a submit sends, per
//! config and for a batch.

use crate::common::*;
use rhconsole::sandbox::PERSONAL_KEY_PREFIX;
use serde_json::{Value, json};

fn case(prompt: &str) -> Value {
    json!({
        "prompt": prompt, "resolution": "2k", "aspect_ratio": "3:4",
        "image_urls": ["https://example.com/cat.png", "https://example.com/dog.png"],
        "local_images": [], "region": ""
    })
}

#[tokio::test]
async fn a_batch_gets_each_configs_estimate_and_the_total_and_the_preview_gets_the_submits_body() {
    let (app, admin, sb, first) = app_with_sandbox("Priced A").await;
    let second = create_config(&app, &admin, rh_config("Priced B", &sb.base_url())).await;
    let e = app
        .call(
            &admin,
            "tasks/estimate",
            json!({ "configs": [first, second], "spec": case("a cat") }),
        )
        .await;
    assert_eq!(e["configs"][0]["name"], "Priced A", "{e}");
    assert_eq!(e["configs"][0]["estimate"]["price"], "0.14");
    assert_eq!(e["configs"][0]["estimate"]["text_zh"], "¥0.14/次");
    assert_eq!(e["configs"][1]["estimate"]["text_en"], "¥0.14/call");
    assert_eq!(e["total"], "0.28");

    // The preview was asked with exactly what the submit of the same case sends.
    let preview: Value = {
        let seen = sb.state.seen.lock().expect("seen").clone();
        let r = seen
            .iter()
            .find(|r| r.path.contains("price-preview"))
            .expect("a price preview");
        serde_json::from_str(&r.body).expect("json")
    };
    let r = app
        .json(
            &admin,
            "tasks/launch",
            json!({ "configs": [first], "spec": case("a cat") }),
        )
        .await;
    assert_eq!(r.status(), 200);
    let submit_body = || {
        let seen = sb.state.seen.lock().expect("seen").clone();
        seen.iter()
            .find(|r| r.path == "/openapi/v2/rhart-image-n-pro/edit")
            .map(|r| serde_json::from_str::<Value>(&r.body).expect("json"))
    };
    wait_until(20, "the submit", || async { submit_body().is_some() }).await;
    let submitted = submit_body().expect("the submit");
    assert_eq!(preview, submitted);
}

#[tokio::test]
async fn an_unknown_estimate_says_why_and_leaves_the_total_unknown() {
    let (app, admin, sb, good) = app_with_sandbox("Known").await;
    let personal = with_fields(
        rh_config("Personal", &sb.base_url()),
        json!({ "api_key": format!("{PERSONAL_KEY_PREFIX}0123456789abcdef0123") }),
    );
    let personal = create_config(&app, &admin, personal).await;
    let gateway = with_fields(
        rh_config("Gateway", &sb.base_url()),
        json!({ "api_type": "nano-banana-edits", "draw_endpoint": "/v1/images/edits",
                "result_endpoint": "", "upload_endpoint": "", "model_name": "nano-banana", "is_sync_api": true }),
    );
    let gateway = create_config(&app, &admin, gateway).await;
    // A half-filled form (no words, no image yet) is priced too.
    let blank = json!({ "prompt": "", "resolution": "1k", "aspect_ratio": "auto", "image_urls": [""], "local_images": [], "region": "" });
    let e = app
        .call(
            &admin,
            "tasks/estimate",
            json!({ "configs": [good, personal, gateway], "spec": blank }),
        )
        .await;
    assert_eq!(e["configs"][0]["estimate"]["price"], "0.14", "{e}");
    assert!(
        e["configs"][1]["unknown"]
            .as_str()
            .is_some_and(|w| w.contains("1014")),
        "{e}"
    );
    assert_eq!(
        e["configs"][2]["unknown"],
        "no price preview for this API type"
    );
    assert_eq!(e["total"], Value::Null);
}
