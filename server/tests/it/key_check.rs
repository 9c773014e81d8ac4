//! The key check (检测密钥, issue 15): balance, capacity, site and tier, from the sandbox's
//! account endpoints, for a saved config and for typed values.

use crate::common::*;
use rhconsole::sandbox::{OTHER_SITE_KEY_PREFIX, PERSONAL_KEY_PREFIX};
use serde_json::{Value, json};

/// The `configs/check_key` answer for `config`, checked to be a 200.
async fn check(app: &TestApp, admin: &reqwest::Client, config: i64) -> Value {
    let r = app
        .json(admin, "configs/check_key", json!({ "id": config }))
        .await;
    assert_eq!(r.status(), 200);
    body_json(r).await
}

fn key(prefix: &str) -> String {
    format!("{prefix}0123456789abcdef0123456789")
}

#[tokio::test]
async fn a_good_key_shows_balance_capacity_and_its_site_and_the_result_is_kept() {
    let (app, admin, sb, config) = app_with_sandbox("Checked").await;
    sb.state.set_concurrent_limit(3);
    let c = check(&app, &admin, config).await;
    assert_eq!(c["site"]["site"], "configured", "{c}");
    assert_eq!(c["site"]["host"], sb.base_url());
    // The fake sends its numbers as strings, and money as null: read as they came.
    assert_eq!(c["account"]["coins"], "177814");
    assert_eq!(c["account"]["money"], Value::Null);
    assert_eq!(c["account"]["running"], 0);
    assert_eq!(c["queue"]["limit"], 3);
    assert_eq!(c["queue"]["running"], 0);
    assert_eq!(c["tier_refused"], false);

    let kept = app
        .call(&admin, "configs/key_checks", json!({ "id": config }))
        .await;
    assert_eq!(kept.as_array().map(Vec::len), Some(1), "{kept}");
    assert_eq!(kept[0], c);
    // The list carries each config's latest check (its compact line).
    let list = app
        .call(&admin, "configs/list", json!({ "filter": {} }))
        .await;
    assert_eq!(list[0]["last_check"], c, "{list}");
    // And `/metrics` has the balance and the limit per config.
    let m = metrics(&app).await;
    assert!(
        m.lines()
            .any(|l| l.starts_with("rhconsole_account_coins{config=\"Checked\"} 177814")),
        "{m}"
    );
    assert!(
        m.lines()
            .any(|l| l == "rhconsole_key_concurrency_limit{config=\"Checked\"} 3"),
        "{m}"
    );
    // The queue status is asked with a GET (a POST gets 1009 from RunningHub).
    let seen = submits_and_more(&sb);
    assert!(
        seen.iter()
            .any(|r| r.path == "/openapi/v2/queue/status" && r.method == "GET"),
        "{seen:?}"
    );
}

/// Every request the sandbox saw.
fn submits_and_more(
    sb: &rhconsole::sandbox::SandboxHandle,
) -> Vec<rhconsole::sandbox::SeenRequest> {
    sb.state.seen.lock().map(|v| v.clone()).unwrap_or_default()
}

#[tokio::test]
async fn a_key_of_the_other_site_gets_that_host_proposed_and_nothing_changes() {
    let sb = sandbox().await;
    let (app, admin) = app_with_admin().await;
    let input = with_fields(
        rh_config("Other site", &sb.base_url()),
        json!({ "host_overseas": sb.other_site_url(), "api_key": key(OTHER_SITE_KEY_PREFIX) }),
    );
    let config = create_config(&app, &admin, input).await;
    let c = check(&app, &admin, config).await;
    assert_eq!(c["site"]["site"], "other", "{c}");
    assert_eq!(c["site"]["refused_by"], sb.base_url());
    assert_eq!(c["site"]["host"], sb.other_site_url());
    assert_eq!(
        c["account"]["coins"], "177814",
        "the account as the other site reports it"
    );
    // A proposal only: the config keeps its hosts.
    let view = app
        .call(&admin, "configs/get", json!({ "id": config }))
        .await;
    assert_eq!(view["fields"]["host_domestic"], sb.base_url());
}

#[tokio::test]
async fn a_key_of_the_wrong_tier_is_named_and_a_key_nobody_knows_is_refused() {
    let sb = sandbox().await;
    let (app, admin) = app_with_admin().await;
    let personal = with_fields(
        rh_config("Personal", &sb.base_url()),
        json!({ "api_key": key(PERSONAL_KEY_PREFIX) }),
    );
    let config = create_config(&app, &admin, personal).await;
    let c = check(&app, &admin, config).await;
    assert_eq!(c["site"]["site"], "configured", "{c}");
    assert_eq!(c["tier_refused"], true);

    let unknown = with_fields(
        rh_config("Unknown", &sb.base_url()),
        json!({ "host_overseas": sb.other_site_url(), "api_key": key("nobody-") }),
    );
    let config = create_config(&app, &admin, unknown).await;
    let c = check(&app, &admin, config).await;
    assert_eq!(c["site"]["site"], "refused", "{c}");
    assert_eq!(c["site"]["code"], "802");
    assert_eq!(c["account"], Value::Null);
}

#[tokio::test]
async fn typed_values_are_checked_without_storing_the_key_or_the_result() {
    let (app, admin, sb, config) = app_with_sandbox("Typed").await;
    let typed = with_fields(
        rh_config("Typed", &sb.base_url()),
        json!({ "api_key": key(PERSONAL_KEY_PREFIX) }),
    );
    let c = app
        .call(
            &admin,
            "configs/check_typed_key",
            json!({ "input": typed, "id": config }),
        )
        .await;
    assert_eq!(c["tier_refused"], true, "{c}");
    // The stored key is still the sandbox key, and nothing was kept.
    let kept = app
        .call(&admin, "configs/key_checks", json!({ "id": config }))
        .await;
    assert_eq!(kept, json!([]));
    let saved = check(&app, &admin, config).await;
    assert_eq!(saved["tier_refused"], false);

    // A blank key uses the stored one, but only where it already goes.
    let blank = with_fields(rh_config("Typed", &sb.base_url()), json!({ "api_key": "" }));
    let c = app
        .call(
            &admin,
            "configs/check_typed_key",
            json!({ "input": blank, "id": config }),
        )
        .await;
    assert_eq!(c["site"]["site"], "configured", "{c}");
    let elsewhere = with_fields(
        rh_config("Typed", &sb.other_site_url()),
        json!({ "api_key": "" }),
    );
    let r = app
        .json(
            &admin,
            "configs/check_typed_key",
            json!({ "input": elsewhere, "id": config }),
        )
        .await;
    assert_eq!(r.status(), 422, "the stored key is not sent to a new host");
}

#[tokio::test]
async fn operators_may_not_check_keys() {
    let (app, admin, _sb, config) = app_with_sandbox("Admins only").await;
    let r = app
        .add_user(&admin, "olivia", "olivia password 1", "operator")
        .await;
    assert_eq!(r.status(), 200);
    let op = app.signed_in("olivia", "olivia password 1").await;
    let r = app
        .json(&op, "configs/check_key", json!({ "id": config }))
        .await;
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn a_gateway_is_asked_for_its_model_list_and_has_no_balance() {
    let sb = sandbox().await;
    let (app, admin) = app_with_admin().await;
    let nano = |name: &str, model: &str| {
        with_fields(
            rh_config(name, &sb.base_url()),
            json!({
                "api_type": "nano-banana-edits",
                "draw_endpoint": "/v1/images/edits",
                "result_endpoint": "",
                "upload_endpoint": "",
                "model_name": model,
                "is_sync_api": true
            }),
        )
    };
    let listed = create_config(&app, &admin, nano("Gateway", "nano-banana")).await;
    let c = check(&app, &admin, listed).await;
    assert_eq!(c["site"]["site"], "configured", "{c}");
    assert_eq!(c["models"]["listed"], true);
    assert_eq!(c["models"]["count"], 2);
    assert_eq!(c["account"], Value::Null, "a gateway has no balance to ask");
    assert!(
        !submits_and_more(&sb)
            .iter()
            .any(|r| r.path.contains("accountStatus")),
        "no RunningHub account call to a gateway"
    );

    let missing = create_config(&app, &admin, nano("Gateway typo", "nano-bananna")).await;
    let c = check(&app, &admin, missing).await;
    assert_eq!(c["models"]["listed"], false, "{c}");
    assert_eq!(c["models"]["model"], "nano-bananna");
}
