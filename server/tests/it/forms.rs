//! Forms without wasm (issue 14, item 3): the launch form is a real multipart post that a
//! browser sends before the page's wasm has arrived, and it launches exactly what the wasm form
//! would; a refusal comes back to the form's page, shown beside the field.

use crate::common::*;
use serde_json::json;

/// The launch form's fields as the browser sends them, with `extra` parts added.
fn launch_form(configs: &[i64], prompt: &str) -> reqwest::multipart::Form {
    let mut form = reqwest::multipart::Form::new();
    for c in configs {
        form = form.text("config", c.to_string());
    }
    form.text("prompt", prompt.to_owned())
        .text("resolution", "2k")
        .text("aspect_ratio", "16:9")
        .text("region", "domestic")
        .text("image_url", "https://example.com/cat.png")
        // The second URL row left empty, and the file input with no file chosen.
        .text("image_url", "")
        .part(
            "file",
            reqwest::multipart::Part::bytes(Vec::new())
                .file_name("")
                .mime_str("application/octet-stream")
                .expect("mime"),
        )
}

async fn post_form(
    app: &TestApp,
    c: &reqwest::Client,
    from: &str,
    form: reqwest::multipart::Form,
) -> reqwest::Response {
    c.post(app.url("/tasks/launch"))
        .header("accept", "text/html")
        .header("referer", app.url(from))
        .multipart(form)
        .send()
        .await
        .expect("post")
}

fn location(r: &reqwest::Response) -> String {
    assert_eq!(r.status(), 303, "a redirect");
    r.headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .expect("a location")
        .to_owned()
}

#[tokio::test]
async fn the_launch_form_posted_without_wasm_launches_with_its_files_and_opens_the_task() {
    let (app, admin, _sb, config) = app_with_sandbox("Form").await;
    let png = rhconsole::sandbox::generate_png("form-file");
    let form = launch_form(&[config], "  a cat in the snow ").part(
        "file",
        reqwest::multipart::Part::bytes(png)
            .file_name("snow.png")
            .mime_str("image/png")
            .expect("mime"),
    );
    let r = post_form(&app, &admin, &format!("/tasks/new?config={config}"), form).await;
    let to = location(&r);
    let id: i64 = to
        .strip_prefix("/tasks/")
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("the task's page, not {to}"));
    let task = rhconsole::db::task::engine_task(&app.core.db.read, app::domain::TaskId(id))
        .await
        .expect("read")
        .expect("the task");
    let spec = task.stored.spec;
    assert_eq!(task.config_id.0, config);
    assert_eq!(spec.prompt, "a cat in the snow");
    assert_eq!(spec.resolution.as_str(), "2k");
    assert_eq!(spec.aspect_ratio.as_str(), "16:9");
    assert_eq!(spec.image_urls, vec!["https://example.com/cat.png"]);
    assert_eq!(
        spec.local_images.len(),
        1,
        "the chosen file, not the empty part"
    );
    assert_eq!(spec.local_images[0].original_name, "snow.png");
    // Its page shows both inputs in the order they are sent, the file as the console's copy.
    let inputs = task_view(&app, app::domain::TaskId(id)).await.inputs;
    let shown: Vec<_> = inputs
        .iter()
        .map(|i| (i.url.as_str(), i.name.as_deref(), i.sent))
        .collect();
    let file_url = format!("/files/{}", spec.local_images[0].name);
    assert_eq!(
        shown,
        vec![
            ("https://example.com/cat.png", None, true),
            (file_url.as_str(), Some("snow.png"), true)
        ]
    );
    wait_final(&app, app::domain::TaskId(id), 20).await;

    // Several configs are a batch: its comparison opens.
    let (_sb2, second) = sandbox_config(&app, &admin, "Form two", json!({})).await;
    let r = post_form(
        &app,
        &admin,
        "/tasks/new",
        launch_form(&[config, second], "two"),
    )
    .await;
    let to = location(&r);
    assert!(to.starts_with("/tasks?batch="), "{to}");
}

#[tokio::test]
async fn a_refused_form_post_comes_back_to_its_page_with_the_error_beside_the_field() {
    let (app, admin, _sb, config) = app_with_sandbox("Form refused").await;
    let page = format!("/tasks/new?config={config}");
    let r = post_form(&app, &admin, &page, launch_form(&[config], "   ")).await;
    let to = location(&r);
    assert!(
        to.starts_with(&format!("{page}&")),
        "back to the form's page: {to}"
    );
    assert!(to.contains("__err=") && to.contains("__path="), "{to}");
    let html = app.get(&admin, &to).await.text().await.expect("html");
    assert!(
        html.contains(r#"id="prompt-error""#),
        "the prompt's error is shown beside it: {to}"
    );
    let tasks = rhconsole::db::task::count_in_flight(&app.core.db.read)
        .await
        .expect("count");
    assert_eq!(tasks, 0, "nothing launched");

    // No config chosen (the launch page's picker left empty): said on the picker.
    let r = post_form(&app, &admin, "/tasks/new", launch_form(&[], "a cat")).await;
    let to = location(&r);
    assert!(to.starts_with("/tasks/new?"), "{to}");
    let html = app.get(&admin, &to).await.text().await.expect("html");
    assert!(
        html.contains(r#"id="configs-error""#),
        "the picker's error is shown"
    );

    // A Referer from elsewhere is not followed back.
    let r = admin
        .post(app.url("/tasks/launch"))
        .header("accept", "text/html")
        .header("referer", "https://elsewhere.example/x")
        .multipart(launch_form(&[config], ""))
        .send()
        .await
        .expect("post");
    assert!(location(&r).starts_with("/tasks/new?"));
}

#[tokio::test]
async fn a_form_post_signed_out_goes_to_sign_in_and_launches_nothing() {
    let (app, _admin, _sb, config) = app_with_sandbox("Form signed out").await;
    let stranger = app.client();
    let r = post_form(
        &app,
        &stranger,
        "/tasks/new",
        launch_form(&[config], "a cat"),
    )
    .await;
    assert!(location(&r).starts_with("/login?next="));
    let tasks = rhconsole::db::task::count_in_flight(&app.core.db.read)
        .await
        .expect("count");
    assert_eq!(tasks, 0);
}
