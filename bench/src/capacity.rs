//! `capacity`: 2,000 tasks against a fake account that takes 50 at once (its queue status says
//! `concurrentLimit: 50`, and it refuses a 51st with 421). Measures that at most 50 are ever at
//! the provider, that the console learned the limit instead of collecting refusals, and what
//! 1,950 tasks waiting in line cost in console CPU, against the engine benchmark's budget for
//! tasks waiting between polls.

use crate::http;
use crate::procs::{Ctx, Stage};
use crate::report::Outcome;
use anyhow::{Result, bail};
use rhconsole::fixtures::DbWatch;
use std::time::{Duration, Instant};

const TASKS: usize = 2000;
const LIMIT: u64 = 50;
const POLL_MS: u64 = 1000;
const LAUNCH_CONCURRENCY: usize = 16;
/// The CPU window: every task launched, 50 at the provider (frozen there), the rest in line.
const WINDOW: Duration = Duration::from_secs(12);
/// The engine benchmark's budget for CPU while tasks wait.
const CPU_BUDGET_PCT: f64 = 10.0;

pub async fn run(ctx: &Ctx) -> Result<Outcome> {
    let mut o = Outcome::new("capacity", "");
    let Stage {
        sb,
        console,
        admin,
        tmp: _tmp,
    } = Stage::start_limited(ctx, "capacity", POLL_MS, 1000, LIMIT).await?;
    let cfg = admin.create_config("Capacity bench", &sb.base).await?;
    let watch = DbWatch::open(&console.db_path()).await?;
    o.setup = format!(
        "A fresh console (`--poll-interval-ms {POLL_MS}`) and a fake provider whose account takes {LIMIT} tasks at \
         once (`rhconsole sandbox --concurrent-limit {LIMIT}`: its queue status reports it, and a submit over it is \
         refused with 421). The config's own cap is 5,000, so the limit the console keeps to is the one it learns. \
         The fake is frozen (polls do not advance its tasks) while {TASKS} tasks are launched ({LAUNCH_CONCURRENCY} \
         at a time, each `#polls=0`) and during a {} s CPU window with {LIMIT} tasks at the provider and the rest \
         waiting in line; then it is thawed and every task runs to the end.",
        WINDOW.as_secs()
    );
    http::set_frozen(&sb.base, true).await?;

    let cpu_start = console.proc.cpu_secs()?;
    let t0 = Instant::now();
    let results = http::launch_many(&admin, cfg, TASKS, LAUNCH_CONCURRENCY, |i| {
        format!("capacity bench {i} #polls=0")
    })
    .await;
    let launch_secs = t0.elapsed().as_secs_f64();
    let launched = http::count_launched(&mut o, &results, TASKS)?;

    // Until the line is formed: the limit at the provider, everyone else waiting.
    let deadline = Instant::now() + Duration::from_secs(180);
    let formed = loop {
        let c = watch.counts().await?;
        let waiting = c.get("waiting").copied().unwrap_or(0) as usize;
        let at_provider =
            c.get("queued").copied().unwrap_or(0) + c.get("running").copied().unwrap_or(0);
        if waiting + at_provider as usize >= launched && waiting > 0 {
            break c;
        }
        if Instant::now() > deadline {
            bail!("the line did not form within 180 s: {c:?}");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (w_cpu0, w_t0) = (console.proc.cpu_secs()?, Instant::now());
    tokio::time::sleep(WINDOW).await;
    let (w_cpu1, w_secs) = (console.proc.cpu_secs()?, w_t0.elapsed().as_secs_f64());
    let in_window = watch.counts().await?;
    http::set_frozen(&sb.base, false).await?;

    let (counts, done) = http::all_final(&watch, launched, Duration::from_secs(900)).await?;
    if !done {
        o.note(format!(
            "gave up waiting after 900 s: {}",
            http::fmt_counts(&counts)
        ));
    }
    let wall = t0.elapsed().as_secs_f64();
    let cpu_total = console.proc.cpu_secs()? - cpu_start;
    let stats = admin.sandbox_stats(&sb.base).await?;
    watch.close().await;

    let succeeded = counts.get("succeeded").copied().unwrap_or(0);
    let w_pct = 100.0 * (w_cpu1 - w_cpu0) / w_secs;
    o.metric(
        "tasks launched",
        format!("{launched} of {TASKS} in {launch_secs:.1} s"),
    );
    o.metric(
        "the line once formed (waiting · at the provider)",
        format!(
            "{} · {}",
            formed.get("waiting").copied().unwrap_or(0),
            formed.get("queued").copied().unwrap_or(0)
                + formed.get("running").copied().unwrap_or(0)
        ),
    );
    o.metric("at the end of the CPU window", http::fmt_counts(&in_window));
    o.metric("final states", http::fmt_counts(&counts));
    o.metric(
        "most tasks at the provider at once (the fake's own count)",
        stats.peak_running.to_string(),
    );
    o.metric(
        "submits refused as queue-full (421)",
        stats.queue_full.to_string(),
    );
    o.metric(
        "wall time, first launch to last task final",
        format!("{wall:.1} s ({:.1} tasks/s)", succeeded as f64 / wall),
    );
    o.metric(
        "console CPU in the window",
        format!("{:.2} s = {w_pct:.1} % of one core", w_cpu1 - w_cpu0),
    );
    o.metric("console CPU, whole run", format!("{cpu_total:.1} s"));

    o.check(
        "all tasks followed to the end",
        format!("{TASKS} succeeded"),
        format!("{succeeded} succeeded of {launched}"),
        succeeded as usize == TASKS,
    );
    o.check(
        "at the provider at once",
        format!("≤ {LIMIT}"),
        stats.peak_running.to_string(),
        stats.peak_running <= LIMIT,
    );
    o.check(
        "CPU while 1,950 wait in line",
        format!("< {CPU_BUDGET_PCT:.0} % of one core (the engine benchmark's budget)"),
        format!("{w_pct:.1} %"),
        w_pct < CPU_BUDGET_PCT,
    );
    drop(console);
    drop(sb);
    Ok(o)
}
