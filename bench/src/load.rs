//! `load`: 50 signed-in clients for 60 s, browsing the pages (home, configs, tasks, one task,
//! one config) and launching tasks (one request in ten) against a normal fake provider.
//! Closed loop without think time: each client sends its next request when the last answered,
//! so this is the most the console serves on this machine, not a typical day.

use crate::http::{self, Api};
use crate::procs::{Ctx, Stage};
use crate::report::Outcome;
use anyhow::Result;
use futures::StreamExt;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

const CLIENTS: usize = 50;
const SECS: u64 = 60;
const CONFIGS: usize = 3;
const SEED_TASKS: usize = 20;

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Kind {
    Home,
    Configs,
    Tasks,
    Task,
    Config,
    Launch,
}

impl Kind {
    fn label(self) -> &'static str {
        match self {
            Kind::Home => "GET /",
            Kind::Configs => "GET /configs",
            Kind::Tasks => "GET /tasks",
            Kind::Task => "GET /tasks/{id}",
            Kind::Config => "GET /configs/{id}",
            Kind::Launch => "POST /api/tasks/launch",
        }
    }

    /// One in ten requests launches; the rest are spread evenly over the five pages.
    fn pick(rng: &mut StdRng) -> Kind {
        if rng.gen_range(0..10) == 0 {
            return Kind::Launch;
        }
        [
            Kind::Home,
            Kind::Configs,
            Kind::Tasks,
            Kind::Task,
            Kind::Config,
        ][rng.gen_range(0..5)]
    }
}

#[derive(Default)]
struct Tally {
    lat: BTreeMap<Kind, Vec<f64>>,
    by_status: BTreeMap<String, u64>,
    server_errors: u64,
    other_errors: u64,
    errors_by_kind: BTreeMap<Kind, u64>,
    first_error: Option<String>,
}

async fn client(
    api: Api,
    i: usize,
    configs: Arc<Vec<i64>>,
    tasks: Arc<RwLock<Vec<i64>>>,
    until: Instant,
) -> Tally {
    let mut rng = StdRng::seed_from_u64(i as u64);
    let mut t = Tally::default();
    while Instant::now() < until {
        let kind = Kind::pick(&mut rng);
        let config = configs[rng.gen_range(0..configs.len())];
        let task = {
            let ids = tasks.read().unwrap_or_else(|p| p.into_inner());
            ids[rng.gen_range(0..ids.len())]
        };
        let start = Instant::now();
        let result: Result<(u16, Option<i64>)> = async {
            match kind {
                Kind::Launch => {
                    let r = api
                        .c
                        .post(api.url("/api/tasks/launch"))
                        .json(&http::launch_body(
                            config,
                            &format!("load test from client {i}"),
                        ))
                        .timeout(Duration::from_secs(60))
                        .send()
                        .await?;
                    let status = r.status().as_u16();
                    let body: serde_json::Value =
                        serde_json::from_slice(&r.bytes().await?).unwrap_or_default();
                    if status != 200 {
                        anyhow::bail!("HTTP {status}: {body}");
                    }
                    Ok((status, body["tasks"][0].as_i64()))
                }
                _ => {
                    let path = match kind {
                        Kind::Home => "/".to_owned(),
                        Kind::Configs => "/configs".to_owned(),
                        Kind::Tasks => "/tasks".to_owned(),
                        Kind::Task => format!("/tasks/{task}"),
                        _ => format!("/configs/{config}"),
                    };
                    let r = api
                        .c
                        .get(api.url(&path))
                        .timeout(Duration::from_secs(60))
                        .send()
                        .await?;
                    let status = r.status().as_u16();
                    r.bytes().await?;
                    Ok((status, None))
                }
            }
        }
        .await;
        let ms = start.elapsed().as_secs_f64() * 1000.0;
        match result {
            Ok((status, new_task)) => {
                *t.by_status.entry(status.to_string()).or_default() += 1;
                if status == 200 {
                    t.lat.entry(kind).or_default().push(ms);
                } else {
                    if status >= 500 {
                        t.server_errors += 1;
                    } else {
                        t.other_errors += 1;
                    }
                    *t.errors_by_kind.entry(kind).or_default() += 1;
                    t.first_error
                        .get_or_insert(format!("{}: HTTP {status}", kind.label()));
                }
                if let Some(id) = new_task {
                    tasks.write().unwrap_or_else(|p| p.into_inner()).push(id);
                }
            }
            Err(e) => {
                let text = format!("{e:#}");
                let status = text
                    .strip_prefix("HTTP ")
                    .and_then(|r| r.get(..3))
                    .map(str::to_owned);
                match status {
                    Some(code) => {
                        if code.starts_with('5') {
                            t.server_errors += 1;
                        } else {
                            t.other_errors += 1;
                        }
                        *t.by_status.entry(code).or_default() += 1;
                    }
                    None => {
                        t.other_errors += 1;
                        *t.by_status.entry("transport error".into()).or_default() += 1;
                    }
                }
                *t.errors_by_kind.entry(kind).or_default() += 1;
                t.first_error
                    .get_or_insert(format!("{}: {text}", kind.label()));
            }
        }
    }
    t
}

pub async fn run(ctx: &Ctx) -> Result<Outcome> {
    let mut o = Outcome::new("load", "");
    let Stage {
        sb,
        console,
        admin,
        tmp: _tmp,
    } = Stage::start(ctx, "load", 3000, 1000).await?;
    let mut configs = Vec::new();
    for n in 0..CONFIGS {
        configs.push(admin.create_config(&format!("Load {n}"), &sb.base).await?);
    }
    let mut seed = Vec::new();
    for n in 0..SEED_TASKS {
        seed.push(admin.launch(configs[n % CONFIGS], "load test seed").await?);
    }
    // Sign the clients in (argon2 is deliberately slow: a few at a time).
    let clients: Vec<Api> = futures::stream::iter(0..CLIENTS)
        .map(|_| Api::signed_in(&console.base))
        .buffer_unordered(4)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<_>>()?;
    o.setup = format!(
        "A fresh console (default poll interval 3 s) and fake provider, {CONFIGS} configs, {SEED_TASKS} tasks launched \
         beforehand. {CLIENTS} clients, each signed in with its own session, send requests back to back for {SECS} s \
         (closed loop, no think time): one in ten launches a task (default scenario: about 4 polls, so tasks run and \
         finish throughout), the rest are spread evenly over `GET /`, `/configs`, `/tasks`, `/tasks/{{id}}` (a random \
         task launched so far) and `/configs/{{id}}`. Pages are read to the last byte."
    );

    let configs = Arc::new(configs);
    let tasks = Arc::new(RwLock::new(seed));
    let cpu0 = console.proc.cpu_secs()?;
    let t0 = Instant::now();
    let until = t0 + Duration::from_secs(SECS);
    let handles: Vec<_> = clients
        .into_iter()
        .enumerate()
        .map(|(i, api)| tokio::spawn(client(api, i, configs.clone(), tasks.clone(), until)))
        .collect();
    let mut all = Tally::default();
    for h in handles {
        let t = h.await?;
        for (k, v) in t.lat {
            all.lat.entry(k).or_default().extend(v);
        }
        for (k, v) in t.by_status {
            *all.by_status.entry(k).or_default() += v;
        }
        for (k, v) in t.errors_by_kind {
            *all.errors_by_kind.entry(k).or_default() += v;
        }
        all.server_errors += t.server_errors;
        all.other_errors += t.other_errors;
        if all.first_error.is_none() {
            all.first_error = t.first_error;
        }
    }
    let secs = t0.elapsed().as_secs_f64();
    let cpu = console.proc.cpu_secs()? - cpu0;
    let rss = console.proc.peak_rss_bytes()?;
    let total: u64 = all.by_status.values().sum();
    let launched = tasks
        .read()
        .map(|t| t.len())
        .unwrap_or(0)
        .saturating_sub(SEED_TASKS);

    o.metric(
        "requests",
        format!(
            "{total} in {secs:.1} s = {:.0} requests/s; {} server errors (5xx), {} other failures",
            total as f64 / secs,
            all.server_errors,
            all.other_errors
        ),
    );
    o.metric(
        "answers by status",
        all.by_status
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect::<Vec<_>>()
            .join(", "),
    );
    for (kind, mut v) in std::mem::take(&mut all.lat) {
        http::sort(&mut v);
        o.metric(
            format!("{} latency", kind.label()),
            format!(
                "p50 {:.1} ms, p99 {:.1} ms ({} requests)",
                http::pct(&v, 50.0),
                http::pct(&v, 99.0),
                v.len()
            ),
        );
    }
    o.metric("tasks launched during the run", launched.to_string());
    o.metric(
        "console CPU",
        format!(
            "{cpu:.1} s in {secs:.0} s = {:.0} % of one core",
            100.0 * cpu / secs
        ),
    );
    o.metric(
        "console peak RSS (VmHWM)",
        format!("{:.1} MB", rss as f64 / 1e6),
    );
    if !all.errors_by_kind.is_empty() {
        o.metric(
            "failures by request kind",
            all.errors_by_kind
                .iter()
                .map(|(k, v)| format!("{}: {v}", k.label()))
                .collect::<Vec<_>>()
                .join(", "),
        );
    }
    if let Some(e) = &all.first_error {
        o.note(format!("first failure: {e}"));
    }
    let panics = console.proc.panics();
    o.metric("panics in the console's log", panics.to_string());
    if let Some(p) = console.proc.first_panic() {
        o.note(format!(
            "The console's request handlers panicked {panics} times (a panicking handler closes the connection without \
             any answer, which the client sees as a transport error, not a 5xx). First: {p}"
        ));
    }
    o.check(
        "server errors (HTTP 5xx answers)",
        "0",
        all.server_errors.to_string(),
        all.server_errors == 0,
    );
    o.check(
        "requests without a good answer (transport errors, 4xx)",
        "0",
        format!("{} of {total}", all.other_errors),
        all.other_errors == 0,
    );
    drop(console);
    drop(sb);
    Ok(o)
}
