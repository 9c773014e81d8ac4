//! `crash`: 200 tasks, each with its own `#id=` marker, are in flight when the console is
//! killed with SIGKILL; it is started again on the same data directory. Every task must reach
//! a final state and no marker may reach the provider twice (a double submit would cost the
//! operator twice). Tasks caught with a submit in the air end as `submit_uncertain` by design.
//!
//! Two rounds, each with fresh processes: (A) the kill 2 s after the first launch, when every
//! task is being polled; (B) the kill in the middle of the submit burst, when launches and
//! submits are still in the air — the case the "never resubmit" rule exists for.
//!
//! The config asks for callbacks and the console keeps its public address over the restart:
//! a task caught in mid submit that did reach the provider is healed by its callback (which
//! names its task id), never by a second submit.

use crate::http::{self, Api};
use crate::procs::{Console, ConsoleOpts, Ctx, Sandbox};
use crate::report::Outcome;
use anyhow::{Context, Result};
use futures::StreamExt;
use rhconsole::fixtures::DbWatch;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

const TASKS: usize = 200;
const POLL_MS: u64 = 300;
const TIMEOUT: Duration = Duration::from_secs(300);
/// How long each task runs at the provider before it ends and calls back: past the restart.
const RUN_MS: u64 = 5000;

#[derive(Clone, Copy)]
enum Kill {
    /// This long after the first launch, once every launch has answered.
    After(Duration),
    /// As soon as the provider has received this many submits (launches may still be running).
    AtSubmits(u64),
}

struct Round {
    launched_ok: usize,
    launch_errors: usize,
    killed_at: f64,
    before: BTreeMap<String, i64>,
    sent_before: u64,
    restart_secs: f64,
    counts: BTreeMap<String, i64>,
    wall: f64,
    doubles: Vec<(String, u64)>,
    markers_seen: usize,
    /// Per final status: tasks whose marker the provider saw never, once, more than once.
    seen_by_status: BTreeMap<String, [u64; 3]>,
    /// Tasks whose task id a callback attached (their submit's answer lost to the kill).
    healed: i64,
}

/// A port nobody listens on now: the console keeps it (and its public URL) over the restart.
fn free_port() -> Result<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(l.local_addr()?.port())
}

async fn round(ctx: &Ctx, name: &str, kill: Kill) -> Result<Round> {
    let tmp = crate::procs::tempdir(&format!("crash-{name}"))?;
    let data = tmp.path().join("data");
    let log = tmp.path().join("console.log");
    let sb = Sandbox::start(
        ctx,
        &tmp.path().join("sandbox.log"),
        crate::procs::UNLIMITED,
    )
    .await?;
    let opts = ConsoleOpts {
        poll_ms: POLL_MS,
        retry_unit_ms: 200,
        max_requests: 256,
        site_root: ctx.site.clone(),
        public_port: Some(free_port()?),
    };
    let mut console = Console::start(ctx, &data, &opts, true, &log).await?;
    let admin = Api::new(&console.base)?;
    admin
        .setup_admin(console.setup_token.as_deref().context("no setup token")?)
        .await?;
    admin.login().await?;
    let cfg = admin
        .create_callback_config("Crash bench", &sb.base)
        .await?;

    let t0 = Instant::now();
    let launches = tokio::spawn({
        let admin = admin.clone();
        let name = name.to_owned();
        async move {
            futures::stream::iter(0..TASKS)
                .map(|i| {
                    let admin = admin.clone();
                    let name = name.clone();
                    async move {
                        admin
                            .launch(
                                cfg,
                                &format!("crash bench #id=crash{name}-{i} #runms={RUN_MS}"),
                            )
                            .await
                    }
                })
                .buffer_unordered(16)
                .collect::<Vec<Result<i64>>>()
                .await
        }
    });
    match kill {
        Kill::After(d) => {
            while !launches.is_finished() {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            tokio::time::sleep(d.saturating_sub(t0.elapsed())).await;
        }
        Kill::AtSubmits(n) => loop {
            if admin.sandbox_stats(&sb.base).await?.submits >= n || launches.is_finished() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        },
    }
    let before = {
        let w = DbWatch::open(&console.db_path()).await?;
        let c = w.counts().await?;
        w.close().await;
        c
    };
    let sent_before = admin.sandbox_stats(&sb.base).await?.submits;
    console.proc.kill9().await?;
    let killed_at = t0.elapsed().as_secs_f64();
    drop(console);
    let results = launches.await?;
    let launched_ok = results.iter().filter(|r| r.is_ok()).count();

    let restart = Instant::now();
    let console = Console::start(ctx, &data, &opts, false, &log).await?;
    let restart_secs = restart.elapsed().as_secs_f64();
    let watch = DbWatch::open(&console.db_path()).await?;
    let counts = loop {
        let c = watch.counts().await?;
        if http::in_flight(&c) == 0 || t0.elapsed() > TIMEOUT {
            break c;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    let wall = t0.elapsed().as_secs_f64();
    let prompts = watch.prompts().await?;
    let healed = watch.attached_by_callback().await?;
    watch.close().await;
    let stats = admin.sandbox_stats(&sb.base).await?;
    let mut seen_by_status: BTreeMap<String, [u64; 3]> = BTreeMap::new();
    for (status, prompt) in &prompts {
        let marker = prompt
            .split_whitespace()
            .find_map(|w| w.strip_prefix("#id="))
            .unwrap_or_default();
        let n = stats.by_marker.get(marker).copied().unwrap_or(0);
        seen_by_status.entry(status.clone()).or_default()[n.min(2) as usize] += 1;
    }
    Ok(Round {
        launched_ok,
        launch_errors: results.len() - launched_ok,
        killed_at,
        before,
        sent_before,
        restart_secs,
        counts,
        wall,
        doubles: stats
            .by_marker
            .iter()
            .filter(|(_, n)| **n > 1)
            .map(|(m, n)| (m.clone(), *n))
            .collect(),
        markers_seen: stats.by_marker.len(),
        seen_by_status,
        healed,
    })
}

pub async fn run(ctx: &Ctx) -> Result<Outcome> {
    let mut o = Outcome::new("crash", "");
    o.setup = format!(
        "Each round: a fresh console (`--poll-interval-ms {POLL_MS}`, `--public-url` on a port it keeps over the \
         restart) and fake provider; one config asking for callbacks; {TASKS} tasks, each with a unique \
         `#id=` marker and `#runms={RUN_MS}` (they end {RUN_MS} ms after their submit and the fake calls back, \
         retrying a delivery nobody takes for 15 s), launched 16 at a time; the console gets SIGKILL \
         (`kill -9`) and is started again on the same data directory. The fake provider keeps running and counts \
         submits per marker. The run waits until every task in the database is final. Round A kills 2 s after the \
         first launch (every launch answered, tasks being polled); round B kills as soon as the provider has received \
         half of the submits, with launches and submits still in the air (launches cut off by the kill fail, which is \
         expected; every task that made it into the database is followed)."
    );
    let rounds = [
        ("A (kill at 2 s)", "a", Kill::After(Duration::from_secs(2))),
        ("B (kill mid-burst)", "b", Kill::AtSubmits(TASKS as u64 / 2)),
    ];
    for (label, name, kill) in rounds {
        let r = round(ctx, name, kill)
            .await
            .with_context(|| format!("round {label}"))?;
        let stuck = http::in_flight(&r.counts);
        let total = http::total(&r.counts);
        let uncertain = r.counts.get("submit_uncertain").copied().unwrap_or(0);
        o.metric(
            format!("{label}: launches"),
            format!(
                "{} answered, {} cut off by the kill; {total} tasks in the database",
                r.launched_ok, r.launch_errors
            ),
        );
        o.metric(
            format!("{label}: at the kill"),
            format!(
                "{:.2} s after the first launch; {}; {} submits at the provider",
                r.killed_at,
                http::fmt_counts(&r.before),
                r.sent_before
            ),
        );
        o.metric(
            format!("{label}: restart until listening"),
            format!("{:.2} s", r.restart_secs),
        );
        o.metric(
            format!("{label}: final states"),
            http::fmt_counts(&r.counts),
        );
        o.metric(
            format!("{label}: wall time, first launch to all final"),
            format!("{:.1} s", r.wall),
        );
        o.metric(
            format!("{label}: markers at the provider"),
            format!(
                "{} distinct, {} more than once",
                r.markers_seen,
                r.doubles.len()
            ),
        );
        for (status, [zero, one, more]) in &r.seen_by_status {
            o.metric(
                format!("{label}: {status} tasks reached the provider"),
                format!("never {zero}, once {one}, more than once {more}"),
            );
        }
        if let Some((m, n)) = r.doubles.first() {
            o.note(format!(
                "{label}: double submit: marker {m} reached the provider {n} times"
            ));
        }
        o.check(
            format!("{label}: every task final after the restart"),
            "0 in flight",
            format!("{} final, {stuck} in flight", total - stuck),
            stuck == 0 && total > 0,
        );
        o.check(
            format!("{label}: markers submitted more than once"),
            "0",
            r.doubles.len().to_string(),
            r.doubles.is_empty(),
        );
        let reached_but_undecided = r
            .seen_by_status
            .get("submit_uncertain")
            .map_or(0, |[_, once, more]| once + more);
        o.metric(
            format!("{label}: healed by callback"),
            format!(
                "{} tasks (their task id attached by the provider's callback)",
                r.healed
            ),
        );
        o.check(
            format!("{label}: undecided tasks the provider has (left for a person)"),
            "0 (callbacks resolve them)",
            format!("{reached_but_undecided} of {uncertain} undecided"),
            reached_but_undecided == 0,
        );
    }
    o.note(
        "`submit_uncertain` tasks are those whose submit was written as `sending` with no answer recorded when the process \
         died: the provider may or may not have them, and the console never resubmits them by itself. Those the provider \
         has are healed by its callback (their token was stored before the submit left); those left undecided never \
         reached the provider (the per-status rows show which did).",
    );
    Ok(o)
}
