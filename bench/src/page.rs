//! `tasks-page`: the server-rendered task list (`GET /tasks`) with 100,000 tasks in the
//! database, under 16 concurrent signed-in clients; compared in the same run with a static file
//! of exactly the same size served by the same console to the same clients.

use crate::http::{self, Api};
use crate::procs::{self, Console, ConsoleOpts, Ctx};
use crate::report::Outcome;
use anyhow::{Context, Result, bail};
use app::domain::ConfigId;
use rhconsole::fixtures::{self, Fill};
use std::time::{Duration, Instant};

const TASKS: i64 = 100_000;
const CONFIGS: usize = 3;
const CLIENTS: usize = 16;
const PAGE_SECS: u64 = 20;
const STATIC_SECS: u64 = 10;
/// The tasks' creation times are spread over this many days before now.
const SPREAD_DAYS: i64 = 30;
const EVENTS_PER_TASK: i64 = 4;
// Not HTML: the console answers an HTML file without its page policy with a 500 (web/headers.rs).
/// The static baseline, served from the site root (text: an HTML file would need a page's
/// security policy).
const STATIC_PATH: &str = "/bench-static.txt";
const API_SECS: u64 = 5;

struct Phase {
    lat: Vec<f64>,
    errors: usize,
    first_error: Option<String>,
    secs: f64,
}

/// Every client sends the request `req` makes, back to back, for `secs` seconds.
async fn hammer<F>(clients: &[Api], secs: u64, req: F) -> Phase
where
    F: Fn(&Api) -> reqwest::RequestBuilder + Clone + Send + 'static,
{
    let t0 = Instant::now();
    let until = t0 + Duration::from_secs(secs);
    let handles: Vec<_> = clients
        .iter()
        .cloned()
        .map(|api| {
            let req = req.clone();
            tokio::spawn(async move {
                let (mut lat, mut errors, mut first_error) = (Vec::new(), 0usize, None::<String>);
                while Instant::now() < until {
                    let t = Instant::now();
                    let r = req(&api).timeout(Duration::from_secs(30)).send().await;
                    match r {
                        Ok(r) if r.status() == 200 => match r.bytes().await {
                            Ok(_) => lat.push(t.elapsed().as_secs_f64() * 1000.0),
                            Err(e) => {
                                errors += 1;
                                first_error.get_or_insert(e.to_string());
                            }
                        },
                        Ok(r) => {
                            errors += 1;
                            first_error.get_or_insert(format!("HTTP {}", r.status()));
                        }
                        Err(e) => {
                            errors += 1;
                            first_error.get_or_insert(e.to_string());
                        }
                    }
                }
                (lat, errors, first_error)
            })
        })
        .collect();
    let mut p = Phase {
        lat: Vec::new(),
        errors: 0,
        first_error: None,
        secs: 0.0,
    };
    for h in handles {
        if let Ok((l, e, f)) = h.await {
            p.lat.extend(l);
            p.errors += e;
            if p.first_error.is_none() {
                p.first_error = f;
            }
        }
    }
    p.secs = t0.elapsed().as_secs_f64();
    http::sort(&mut p.lat);
    p
}

/// One client, one request after the other on its kept-alive connection: latency without load.
async fn sequential(api: &Api, path: &str, n: usize) -> Result<Vec<f64>> {
    let mut lat = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let r = api.c.get(api.url(path)).send().await?;
        if r.status() != 200 {
            bail!("GET {path}: HTTP {}", r.status());
        }
        r.bytes().await?;
        lat.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    http::sort(&mut lat);
    Ok(lat)
}

pub async fn run(ctx: &Ctx) -> Result<Outcome> {
    let mut o = Outcome::new("tasks-page", "");
    let tmp = crate::procs::tempdir("page")?;
    let site = tmp.path().join("site");
    procs::copy_dir(&ctx.site, &site)?;
    let data = tmp.path().join("data");
    let log = tmp.path().join("console.log");
    let opts = ConsoleOpts {
        poll_ms: 3000,
        retry_unit_ms: 1000,
        max_requests: 256,
        site_root: site.clone(),
        public_port: None,
    };

    // First start: the admin and the configs, through the product; then stop it.
    let mut console = Console::start(ctx, &data, &opts, true, &log).await?;
    let admin = Api::new(&console.base)?;
    admin
        .setup_admin(console.setup_token.as_deref().context("no setup token")?)
        .await?;
    admin.login().await?;
    let mut configs = Vec::new();
    for n in 0..CONFIGS {
        // No task runs against these: the host is never called.
        configs.push(ConfigId(
            admin
                .create_config(&format!("Page bench {n}"), "http://127.0.0.1:9")
                .await?,
        ));
    }
    console.proc.terminate(Duration::from_secs(20)).await?;
    drop(console);

    let t = Instant::now();
    let fill = Fill {
        tasks: TASKS,
        events_per_task: EVENTS_PER_TASK,
        spread_days: SPREAD_DAYS,
        created_by: http::ADMIN,
    };
    fixtures::fill(&data.join(rhconsole::startup::DB_FILE), &configs, &fill).await?;
    let fill_secs = t.elapsed().as_secs_f64();
    let db_mb = std::fs::metadata(data.join(rhconsole::startup::DB_FILE))
        .map(|m| m.len())
        .unwrap_or(0) as f64
        / 1e6;

    let console = Console::start(ctx, &data, &opts, false, &log).await?;
    let mut clients = Vec::new();
    for _ in 0..CLIENTS {
        clients.push(Api::signed_in(&console.base).await?);
    }
    let first = clients[0].c.get(clients[0].url("/tasks")).send().await?;
    if first.status() != 200 {
        bail!("GET /tasks: HTTP {}", first.status());
    }
    let body = first.bytes().await?;
    let html = String::from_utf8_lossy(&body);
    if !html.contains(&format!("/tasks/{TASKS}")) {
        o.note("The first /tasks page did not link the newest task; check the page.");
    }
    std::fs::write(site.join(STATIC_PATH.trim_start_matches('/')), &body)?;
    let check = clients[0].c.get(clients[0].url(STATIC_PATH)).send().await?;
    if check.status() != 200 || check.bytes().await?.len() != body.len() {
        bail!("the static baseline file is not served as written");
    }
    o.setup = format!(
        "{TASKS} tasks over {CONFIGS} configs (80 % succeeded, 12 % failed, 3 % timed out, 3 % cancelled, 2 % submit \
         uncertain; created over the last {SPREAD_DAYS} days, so about {} in the last 24 h) and {EVENTS_PER_TASK} events \
         each, inserted with SQL by `rhconsole::fixtures::fill` in one transaction while the console was stopped. Then \
         {CLIENTS} signed-in clients request `GET /tasks` (the first page, 50 rows, rendered on the server) back to back \
         for {PAGE_SECS} s. Baseline in the same run: the same clients fetch a static file of exactly the same size \
         ({} bytes) from the same console's site root for {STATIC_SECS} s (it passes the same middleware, including \
         the session check, then the file handler). Then, {API_SECS} s each, the two server functions the page calls \
         while rendering: `POST /api/tasks/list` and `POST /api/configs/list`.",
        TASKS / SPREAD_DAYS,
        body.len()
    );

    // Without load first: one client, requests one after the other.
    let idle_page = sequential(&clients[0], "/tasks", 30).await?;
    let idle_static = sequential(&clients[0], STATIC_PATH, 30).await?;

    // Warm up, then measure.
    let get = |path: &'static str| move |a: &Api| a.c.get(a.url(path));
    let _ = hammer(&clients, 2, get("/tasks")).await;
    let cpu0 = console.proc.cpu_secs()?;
    let page = hammer(&clients, PAGE_SECS, get("/tasks")).await;
    let cpu_page = console.proc.cpu_secs()? - cpu0;
    let static_path = STATIC_PATH;
    let _ = hammer(&clients, 1, get(static_path)).await;
    let cpu0 = console.proc.cpu_secs()?;
    let stat = hammer(&clients, STATIC_SECS, get(static_path)).await;
    let cpu_static = console.proc.cpu_secs()? - cpu0;
    // The two server functions the page calls, alone (JSON, no rendering).
    let call = |endpoint: &'static str| {
        move |a: &Api| {
            a.c.post(a.url(endpoint))
                .json(&serde_json::json!({ "filter": {} }))
        }
    };
    let tasks_list = hammer(&clients, API_SECS, call("/api/tasks/list")).await;
    let configs_list = hammer(&clients, API_SECS, call("/api/configs/list")).await;
    let rss = console.proc.peak_rss_bytes()?;

    let (p50, p99) = (http::pct(&page.lat, 50.0), http::pct(&page.lat, 99.0));
    let (s50, s99) = (http::pct(&stat.lat, 50.0), http::pct(&stat.lat, 99.0));
    o.metric(
        "database",
        format!(
            "{TASKS} tasks, {} events, {db_mb:.0} MB; filled in {fill_secs:.1} s",
            TASKS * EVENTS_PER_TASK
        ),
    );
    o.metric("response size of /tasks", format!("{} bytes", body.len()));
    let (i50, i50s) = (http::pct(&idle_page, 50.0), http::pct(&idle_static, 50.0));
    o.metric(
        "one client, no load (30 sequential requests on one connection)",
        format!(
            "GET /tasks p50 {i50:.1} ms, p99 {:.1} ms; static file p50 {i50s:.1} ms, p99 {:.1} ms",
            http::pct(&idle_page, 99.0),
            http::pct(&idle_static, 99.0)
        ),
    );
    o.metric(
        "GET /tasks",
        format!(
            "p50 {p50:.1} ms, p99 {p99:.1} ms, {:.0} requests/s ({} requests, {} errors)",
            page.lat.len() as f64 / page.secs,
            page.lat.len(),
            page.errors
        ),
    );
    o.metric(
        "GET static file of the same size",
        format!(
            "p50 {s50:.1} ms, p99 {s99:.1} ms, {:.0} requests/s ({} requests, {} errors)",
            stat.lat.len() as f64 / stat.secs,
            stat.lat.len(),
            stat.errors
        ),
    );
    for (label, p) in [
        ("POST /api/tasks/list (the page's list, JSON)", &tasks_list),
        (
            "POST /api/configs/list (the page's config filter, JSON)",
            &configs_list,
        ),
    ] {
        o.metric(
            label,
            format!(
                "p50 {:.1} ms, p99 {:.1} ms, {:.0} requests/s ({} requests, {} errors)",
                http::pct(&p.lat, 50.0),
                http::pct(&p.lat, 99.0),
                p.lat.len() as f64 / p.secs,
                p.lat.len(),
                p.errors
            ),
        );
    }
    o.metric(
        "ratio page / static",
        format!(
            "p50 ×{:.1}, p99 ×{:.1}",
            p50 / s50.max(0.001),
            p99 / s99.max(0.001)
        ),
    );
    o.metric(
        "console CPU during the static phase",
        format!(
            "{cpu_static:.1} s in {:.0} s ({:.2} ms per static file)",
            stat.secs,
            cpu_static * 1000.0 / stat.lat.len().max(1) as f64
        ),
    );
    o.metric(
        "console CPU during the page phase",
        format!(
            "{cpu_page:.1} s in {:.0} s ({:.2} ms per page)",
            page.secs,
            cpu_page * 1000.0 / page.lat.len().max(1) as f64
        ),
    );
    o.metric(
        "console peak RSS (VmHWM)",
        format!("{:.1} MB", rss as f64 / 1e6),
    );
    if let Some(e) = page.first_error.as_ref().or(stat.first_error.as_ref()) {
        o.note(format!("first error: {e}"));
    }
    o.check(
        "GET /tasks p99 under 16 clients, no failed request",
        "< 50 ms, 0 failed",
        format!(
            "{p99:.1} ms (p50 {p50:.1} ms, {:.0} req/s), {} failed",
            page.lat.len() as f64 / page.secs,
            page.errors
        ),
        p99 < 50.0 && page.errors == 0 && !page.lat.is_empty(),
    );
    o.note(format!(
        "With {CLIENTS} clients on 2 cores the console is saturated, so a request's latency is mostly waiting for a core; \
         the cost of one render is {:.2} ms of console CPU. The two server functions measured alone (list of tasks, list \
         of configs with their statistics) show which part of the page costs what.",
        cpu_page * 1000.0 / page.lat.len().max(1) as f64
    ));
    if i50s > 30.0 && i50s > 5.0 * i50 {
        o.note(format!(
            "A static file takes {i50s:.0} ms on an idle console (the page {i50:.0} ms), and under load its console CPU \
             is only {:.2} ms per file: the time is spent waiting, not working. A stall of about 40 ms per response on a \
             kept-alive connection is the signature of Nagle's algorithm meeting delayed ACKs (TCP_NODELAY not set on \
             accepted connections). It affects every static asset (CSS, JS, wasm), so the page/static ratio here \
             compares against a stalled baseline.",
            cpu_static * 1000.0 / stat.lat.len().max(1) as f64
        ));
    }
    let panics = console.proc.panics();
    if panics > 0 {
        o.note(format!(
            "The console logged {panics} panic(s) (each one drops a connection without an answer: the failed requests \
             above); first: {}",
            console.proc.first_panic().unwrap_or_default()
        ));
    }
    drop(console);
    Ok(o)
}
