//! Results that last: when a task succeeds, its result images are kept on the console with a
//! thumbnail, so its page still shows them after the provider's links expired; links that point
//! inside are refused, and the task stays succeeded with its link.

use crate::common::*;
use app::domain::*;
use app::i18n::Localized;

#[tokio::test]
async fn results_are_still_served_by_the_console_after_the_provider_link_expired() {
    let (app, admin, _sb, cfg) = app_with_sandbox("Keep").await;
    let (id, v) = run_task(&app, cfg, spec("keep me #expire=2 #results=2"), 20).await;
    assert_eq!(v.status, TaskStatus::Succeeded, "{:?}", v.error_message);
    assert_eq!(v.results.len(), 2);
    let r = &v.results[0];
    let kept = r.url.clone().expect("kept");
    assert!(
        kept.starts_with("/files/") && kept.ends_with(".png"),
        "{kept}"
    );
    let link = r
        .provider_url
        .clone()
        .expect("the provider's link stays visible");
    assert!(link.contains("/output/"), "{link}");
    let thumb = r.thumb_url.clone().expect("a thumbnail");
    // The provider's link stops working…
    let anyone = reqwest::Client::new();
    wait_until(10, "the provider's link expired", || {
        let (anyone, link) = (anyone.clone(), link.clone());
        async move {
            anyone
                .get(&link)
                .send()
                .await
                .is_ok_and(|r| r.status() == 403)
        }
    })
    .await;
    // …and the console still serves the image and its thumbnail.
    for (path, mime) in [(&kept, "image/png"), (&thumb, "image/jpeg")] {
        let r = app.get(&admin, path).await;
        assert_eq!(r.status(), 200, "{path}");
        let bytes = r.bytes().await.expect("bytes");
        assert_eq!(
            rhconsole::blobs::sniff_image(&bytes).map(|(m, _)| m),
            Some(mime),
            "{path}"
        );
    }
    // The task page shows the thumbnail and names the provider's link with its expiry.
    let html = app
        .get(&admin, &format!("/tasks/{}", id.0))
        .await
        .text()
        .await
        .expect("html");
    assert!(
        html.contains(&thumb),
        "the gallery shows the kept thumbnail"
    );
    assert!(html.contains("provider-link"), "the provider link is named");
    assert!(
        !html.contains(&format!("src=\"{link}\"")),
        "the expiring link is not the image"
    );
}

#[tokio::test]
async fn result_links_that_point_inside_are_refused_and_the_task_stays_succeeded() {
    let (app, _admin, _sb, cfg) = app_with_sandbox("Inside").await;
    for tag in ["#privateresult", "#redirectresult"] {
        let (id, v) = run_task(&app, cfg, spec(&format!("inside {tag}")), 20).await;
        assert_eq!(
            v.status,
            TaskStatus::Succeeded,
            "{tag}: {:?}",
            v.error_message
        );
        let r = &v.results[0];
        let url = r.url.clone().unwrap_or_default();
        assert!(
            url.starts_with("http"),
            "{tag}: the link stays, not kept: {url}"
        );
        assert!(r.provider_url.is_none() && r.thumb_url.is_none(), "{tag}");
        let warnings: Vec<String> = events(&app, id)
            .await
            .into_iter()
            .filter(|e| matches!(e.text, Said::Text(EventText::ResultNotKept { .. })))
            .map(|e| e.text.render(app::i18n::Lang::En))
            .collect();
        assert_eq!(warnings.len(), 1, "{tag}: {warnings:?}");
        assert!(
            warnings[0].contains("local or private address"),
            "{tag}: {}",
            warnings[0]
        );
    }
}
