//! Results that last: when a task succeeds, its result images are kept on the console with a
//! thumbnail, so its page still shows them after the provider's links expired; links that point
//! inside are refused, and the task stays succeeded with its link.

use crate::common::*;
use app::api::tasks::TasksApi;
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
    // Download saves it under a name that says what it is; a name that is not one is ignored.
    let r = app
        .get(&admin, &format!("{kept}?download=task-{}-1.png", id.0))
        .await;
    assert_eq!(
        r.headers()
            .get("content-disposition")
            .and_then(|v| v.to_str().ok()),
        Some(format!("attachment; filename=\"task-{}-1.png\"", id.0).as_str())
    );
    let r = app
        .get(&admin, &format!("{kept}?download=..%2Fevil%22.png"))
        .await;
    assert_eq!(r.status(), 200);
    assert!(r.headers().get("content-disposition").is_none());
    // Lists show the thumbnail, not the full image.
    let row = rhconsole::db::task::summary(&app.core.db.read, id)
        .await
        .expect("summary")
        .expect("row");
    assert_eq!(row.thumbnail.as_deref(), Some(thumb.as_str()));
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

/// A PNG of `side`² random pixels: it does not compress, so its size is about 3·side² bytes.
fn noise_png(side: u32, seed: u8) -> Vec<u8> {
    let mut state = u32::from(seed).wrapping_mul(2_654_435_761) | 1;
    let img = image::RgbImage::from_fn(side, side, |_, _| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let [a, b, c, _] = state.to_le_bytes();
        image::Rgb([a, b, c])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)
        .expect("png");
    out.into_inner()
}

#[tokio::test]
async fn retention_removes_images_nobody_used_for_a_while_but_never_one_a_task_needs() {
    let (app, admin, _sb, cfg) = app_with_sandbox("Retention").await;
    let (id, v) = run_task(&app, cfg, spec("old result"), 20).await;
    assert_eq!(v.status, TaskStatus::Succeeded, "{:?}", v.error_message);
    let kept = v.results[0].url.clone().expect("kept");
    let thumb = v.results[0].thumb_url.clone().expect("thumbnail");
    let blobs = app.core.engine.blobs();
    let input = blobs
        .put(&noise_png(64, 1), "input.png", None)
        .await
        .expect("upload");
    let before = blobs.usage().await.expect("usage");
    assert_eq!(before.0, 3, "result, thumbnail and input");
    assert!(metrics(&app).await.contains("rhconsole_kept_images 3"));

    // 91 days later (the default keeps 90), a task still needs the input: it is in flight.
    app.clock
        .advance(std::time::Duration::from_secs(91 * 86_400));
    let mut needs = spec("still running #polls=100000");
    needs.local_images = vec![input.clone()];
    let running = launch(&app, cfg, needs).await;
    let report = blobs.gc(false).await.expect("gc");
    assert_eq!(
        (report.removed, report.kept),
        (2, 1),
        "the result and its thumbnail go, the input a task needs stays: {report:?}"
    );
    assert_eq!(app.get(&admin, &kept).await.status(), 404);
    assert_eq!(app.get(&admin, &thumb).await.status(), 404);
    let input_path = format!("/files/{}", input.name);
    assert_eq!(app.get(&admin, &input_path).await.status(), 200);
    assert!(metrics(&app).await.contains("rhconsole_kept_images 1"));

    // The old task says its copy was removed and keeps the provider's link.
    let page = app.core.get_task(&Actor::Cli, id).await.expect("task");
    let r = &page.results[0];
    assert!(
        r.removed && r.url.is_none() && r.thumb_url.is_none(),
        "{r:?}"
    );
    assert!(r.provider_url.is_some());
    let html = text_of(admin.get(app.url(&format!("/tasks/{}", id.0)))).await;
    assert!(html.contains("result-removed"), "the gallery says so");
    app.core
        .engine
        .cancel(&Actor::Cli, running)
        .await
        .expect("cancel");
}

#[tokio::test]
async fn over_the_size_cap_the_least_recently_used_images_go_first() {
    let app = TestApp::spawn().await;
    let store = |megabytes| {
        rhconsole::blobs::BlobStore::new(
            rhconsole::startup::blobs_dir(app.data.path()),
            app.core.db.clone(),
            app.clock.clone(),
            rhconsole::blobs::Retention { days: 0, megabytes },
        )
        .expect("store")
    };
    let unlimited = store(0);
    let mut names = Vec::new();
    for seed in 0..3 {
        let png = noise_png(600, seed);
        assert!(png.len() > 1_000_000, "{} bytes", png.len());
        names.push(
            unlimited
                .put(&png, "big.png", None)
                .await
                .expect("put")
                .name,
        );
        app.clock.advance(std::time::Duration::from_secs(60));
    }
    // Using the oldest again makes it the most recent.
    let oldest = noise_png(600, 0);
    unlimited
        .put(&oldest, "again.png", None)
        .await
        .expect("put");
    let capped = store(3);
    let dry = capped.gc(true).await.expect("dry run");
    assert_eq!(dry.removed, 1, "{dry:?}");
    assert_eq!(
        capped.usage().await.expect("usage").0,
        3,
        "a dry run removes nothing"
    );
    let report = capped.gc(false).await.expect("gc");
    assert_eq!((report.removed, report.kept), (1, 2), "{report:?}");
    assert!(report.kept_bytes <= 3_000_000);
    let left = rhconsole::db::blob::existing(&app.core.db.read, &names)
        .await
        .expect("existing");
    assert!(
        !left.contains(&names[1]),
        "the least recently used went: {left:?}"
    );
    assert!(
        left.contains(&names[0]) && left.contains(&names[2]),
        "{left:?}"
    );
    assert!(
        !rhconsole::startup::blobs_dir(app.data.path())
            .join(&names[1])
            .exists(),
        "its file too"
    );
}
