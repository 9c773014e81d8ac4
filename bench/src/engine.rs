//! `engine`: 2,000 tasks in flight at once at the real default poll interval (3 s), each
//! `#polls=10` at the fake provider. Measures that every task is followed to the end, how fast,
//! and what the console costs in CPU and memory while thousands of tasks wait between polls.

use crate::http;
use crate::procs::{Ctx, Stage};
use crate::report::Outcome;
use anyhow::{Result, bail};
use rhconsole::fixtures::DbWatch;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

const TASKS: usize = 2000;
const POLL_MS: u64 = 3000;
const LAUNCH_CONCURRENCY: usize = 16;
/// The CPU window: while every task is submitted and none can have finished yet.
const WINDOW: Duration = Duration::from_secs(12);

pub async fn run(ctx: &Ctx) -> Result<Outcome> {
    let mut o = Outcome::new("engine", "");
    let Stage {
        sb,
        console,
        admin,
        tmp: _tmp,
    } = Stage::start(ctx, "engine", POLL_MS, 1000).await?;
    let cfg = admin.create_config("Engine bench", &sb.base).await?;
    let watch = DbWatch::open(&console.db_path()).await?;
    o.setup = format!(
        "A fresh console (`--poll-interval-ms {POLL_MS}` — the default — `--retry-unit-ms 1000 --max-requests 256`) and fake \
         provider. {TASKS} tasks are launched through `POST /api/tasks/launch` ({LAUNCH_CONCURRENCY} at a time), each with \
         `#polls=10` (1 QUEUED poll, 10 RUNNING polls, then SUCCESS: 12 polls, about 36 s at the provider). The CPU \
         window is {} s, taken once every task has moved from QUEUED to RUNNING (a status change each: an event \
         and a database write) and before any can finish, so the console only follows waiting tasks: sleeping \
         timers plus their polls, whose answers change nothing. Progress is read from the database \
         read-only, not over HTTP, so watching adds nothing to the console's load.",
        WINDOW.as_secs()
    );

    // Sample the in-flight count in the background to know the peak.
    let peak = Arc::new(AtomicI64::new(0));
    let stop = tokio_util::sync::CancellationToken::new();
    let sampler = {
        let peak = peak.clone();
        let stop = stop.clone();
        let path = console.db_path();
        tokio::spawn(async move {
            let Ok(w) = DbWatch::open(&path).await else {
                return;
            };
            loop {
                if let Ok(c) = w.counts().await {
                    peak.fetch_max(http::in_flight(&c), Ordering::Relaxed);
                }
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_millis(500)) => {}
                    _ = stop.cancelled() => break,
                }
            }
            w.close().await;
        })
    };

    let cpu_start = console.proc.cpu_secs()?;
    let t0 = Instant::now();
    let results = http::launch_many(&admin, cfg, TASKS, LAUNCH_CONCURRENCY, |i| {
        format!("engine bench {i} #polls=10")
    })
    .await;
    let launch_secs = t0.elapsed().as_secs_f64();
    let launched = http::count_launched(&mut o, &results, TASKS)?;

    // Wait until the provider has every submit.
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        let s = admin.sandbox_stats(&sb.base).await?;
        if s.submits as usize >= launched {
            break;
        }
        if Instant::now() > deadline {
            bail!(
                "only {} of {launched} submits reached the provider within 180 s",
                s.submits
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let all_submitted = t0.elapsed().as_secs_f64();

    // Every task's first poll moves it from QUEUED to RUNNING (a status change: a database write
    // and an event). The waiting window starts once that is over for all of them.
    loop {
        let c = watch.counts().await?;
        if c.get("running").copied().unwrap_or(0) as usize >= launched {
            break;
        }
        if Instant::now() > deadline {
            bail!("not every task was RUNNING within 180 s: {c:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let all_running = t0.elapsed().as_secs_f64();

    // The waiting window.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (w_cpu0, w_polls0, w_t0) = (
        console.proc.cpu_secs()?,
        admin.sandbox_stats(&sb.base).await?.polls,
        Instant::now(),
    );
    let sb_cpu0 = sb.proc.cpu_secs()?;
    tokio::time::sleep(WINDOW).await;
    let (w_cpu1, w_polls1, w_secs) = (
        console.proc.cpu_secs()?,
        admin.sandbox_stats(&sb.base).await?.polls,
        w_t0.elapsed().as_secs_f64(),
    );
    let sb_cpu = sb.proc.cpu_secs()? - sb_cpu0;
    let at_window_end = watch.counts().await?;
    let finished_in_window = http::total(&at_window_end) - http::in_flight(&at_window_end);

    // Until every task is final.
    let (counts, done) = http::all_final(&watch, launched, Duration::from_secs(600)).await?;
    if !done {
        o.note(format!(
            "gave up waiting after 600 s: {}",
            http::fmt_counts(&counts)
        ));
    }
    let wall = t0.elapsed().as_secs_f64();
    stop.cancel();
    let _ = sampler.await;
    let cpu_total = console.proc.cpu_secs()? - cpu_start;
    let rss = console.proc.peak_rss_bytes()?;
    let stats = admin.sandbox_stats(&sb.base).await?;
    watch.close().await;

    let succeeded = counts.get("succeeded").copied().unwrap_or(0);
    let finals = http::total(&counts) - http::in_flight(&counts);
    let w_polls = w_polls1.saturating_sub(w_polls0) as f64;
    let w_cpu = w_cpu1 - w_cpu0;
    let w_pct = 100.0 * w_cpu / w_secs;
    let rss_mb = rss as f64 / 1e6;

    o.metric(
        "tasks launched",
        format!(
            "{launched} of {TASKS} in {launch_secs:.1} s ({:.0} launches/s)",
            launched as f64 / launch_secs
        ),
    );
    o.metric(
        "peak tasks in flight at once (sampled every 0.5 s)",
        peak.load(Ordering::Relaxed).to_string(),
    );
    o.metric(
        "all submits at the provider after",
        format!("{all_submitted:.1} s"),
    );
    o.metric(
        "every task RUNNING after (the waiting window starts then)",
        format!("{all_running:.1} s"),
    );
    o.metric("final states", http::fmt_counts(&counts));
    o.metric(
        "wall time, first launch to last task final",
        format!("{wall:.1} s"),
    );
    o.metric(
        "tasks completed per second (whole run)",
        format!("{:.1}", finals as f64 / wall),
    );
    o.metric(
        "polls at the provider (whole run)",
        format!("{} ({:.0}/s)", stats.polls, stats.polls as f64 / wall),
    );
    o.metric(
        "waiting window",
        format!("{w_secs:.1} s, {w_polls:.0} polls ({:.0}/s), {finished_in_window} task(s) final at its end", w_polls / w_secs),
    );
    o.metric(
        "console CPU in the waiting window",
        format!("{w_cpu:.2} s = {w_pct:.1} % of one core"),
    );
    o.metric(
        "fake provider CPU in the waiting window (for comparison)",
        format!(
            "{sb_cpu:.2} s = {:.1} % of one core",
            100.0 * sb_cpu / w_secs
        ),
    );
    o.metric(
        "console CPU per 1,000 polls (waiting window)",
        format!(
            "{:.3} s",
            if w_polls > 0.0 {
                w_cpu / w_polls * 1000.0
            } else {
                0.0
            }
        ),
    );
    o.metric(
        "console CPU, whole run (launch, submit, poll, finish)",
        format!(
            "{cpu_total:.1} s; {:.3} s per 1,000 polls",
            if stats.polls > 0 {
                cpu_total / stats.polls as f64 * 1000.0
            } else {
                0.0
            }
        ),
    );
    o.metric("console peak RSS (VmHWM)", format!("{rss_mb:.1} MB"));

    o.check(
        "all tasks followed to the end",
        format!("{TASKS} succeeded"),
        format!("{succeeded} succeeded of {launched}"),
        succeeded as usize == TASKS,
    );
    o.check(
        "peak RSS",
        "< 150 MB",
        format!("{rss_mb:.1} MB"),
        rss_mb < 150.0,
    );
    o.check(
        "CPU while waiting",
        "< 10 % of one core",
        format!("{w_pct:.1} %"),
        w_pct < 10.0,
    );
    if finished_in_window > 0 {
        o.note(format!("{finished_in_window} task(s) had finished by the end of the waiting window, so it also holds some finishing work."));
    }
    o.note(format!(
        "The waiting window is dominated by the polls themselves: {TASKS} tasks at one poll per {} s each is about {:.0} provider calls per second, each an HTTP request plus JSON parsing.",
        POLL_MS / 1000,
        TASKS as f64 * 1000.0 / POLL_MS as f64
    ));
    drop(console);
    drop(sb);
    Ok(o)
}
