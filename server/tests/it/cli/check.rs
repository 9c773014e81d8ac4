//! `rhconsole config check NAME [--json]` against the sandbox's account endpoints.

use super::*;

#[tokio::test]
async fn config_check_reports_the_account_and_exits_by_whether_the_key_works() {
    let sb = sandbox().await;
    sb.state.set_concurrent_limit(7);
    let data = TempDir::new().expect("tmp");
    let mut tier = record("Tier", &sb.base_url());
    tier["api_key"] = json!(format!(
        "{}0123456789abcdef0123",
        rhconsole::sandbox::PERSONAL_KEY_PREFIX
    ));
    let o = import(&data, json!([record("Good", &sb.base_url()), tier]), &[]);
    assert_exit(&o, 0, "import");

    let o = run_async(data.path(), &["config", "check", "Good", "--json"]).await;
    assert_exit(&o, 0, "a good key");
    let c = stdout_json(&o);
    assert_eq!(c["site"]["site"], "configured", "{c}");
    assert_eq!(c["queue"]["limit"], 7);
    assert_eq!(c["account"]["coins"], "177814");

    let o = run_async(data.path(), &["config", "check", "Tier"]).await;
    assert_exit(&o, 1, "a key of the wrong tier");
    let said = text(&o);
    assert!(said.contains("177814 RH coins"), "{said}");
    assert!(said.contains("Enterprise-Shared"), "{said}");

    let o = run_async(data.path(), &["config", "check", "Nobody"]).await;
    assert_exit(&o, 2, "an unknown name");
}
