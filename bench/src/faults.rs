//! `faults`: 1,000 tasks while the fake provider fails 30 % of submits (HTML 502) and polls
//! (HTTP 500) at random. Every task must end in a final state, none may stay in flight, none
//! may be lost from the list.

use crate::http;
use crate::procs::{Ctx, Stage};
use crate::report::Outcome;
use anyhow::{Result, bail};
use rhconsole::fixtures::DbWatch;
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

const TASKS: usize = 1000;
const FAILURE_RATE: f64 = 0.3;
const POLL_MS: u64 = 200;
const RETRY_UNIT_MS: u64 = 50;
const TIMEOUT: Duration = Duration::from_secs(600);

pub async fn run(ctx: &Ctx) -> Result<Outcome> {
    let mut o = Outcome::new("faults", "");
    let Stage {
        sb,
        console,
        admin,
        tmp: _tmp,
    } = Stage::start(ctx, "faults", POLL_MS, RETRY_UNIT_MS).await?;
    let cfg = admin.create_config("Faults bench", &sb.base).await?;
    http::set_failure_rate(&sb.base, FAILURE_RATE).await?;
    let watch = DbWatch::open(&console.db_path()).await?;
    o.setup = format!(
        "A fresh console (`--poll-interval-ms {POLL_MS} --retry-unit-ms {RETRY_UNIT_MS}`) and fake provider with \
         `POST /__sandbox/faults {{\"failure_rate\":{FAILURE_RATE}}}`: 30 % of submits answer an HTML 502 page and 30 % of \
         polls an HTTP 500, at random. {TASKS} tasks with `#polls=3` are launched 16 at a time; then the run waits \
         (up to {} s) until none is in flight and checks the list (`POST /api/tasks/list`, every page). The retry \
         policy is the default one: 4 submit attempts, 5 failed polls in a row end a task, so a few failures are \
         expected by design (0.3⁴ ≈ 0.8 % of tasks lose all their submits).",
        TIMEOUT.as_secs()
    );

    let t0 = Instant::now();
    let results = http::launch_many(&admin, cfg, TASKS, 16, |i| {
        format!("faults bench {i} #polls=3")
    })
    .await;
    let mut ids = BTreeSet::new();
    let mut launch_errors = Vec::new();
    for r in results {
        match r {
            Ok(id) => {
                ids.insert(id);
            }
            Err(e) => launch_errors.push(format!("{e:#}")),
        }
    }
    if ids.is_empty() {
        bail!("no task could be launched: {:?}", launch_errors.first());
    }
    let counts = loop {
        let c = watch.counts().await?;
        if http::in_flight(&c) == 0 && http::total(&c) as usize >= ids.len() {
            break c;
        }
        if t0.elapsed() > TIMEOUT {
            break c;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    let wall = t0.elapsed().as_secs_f64();
    let failures = watch.failures().await?;
    watch.close().await;
    let stuck = http::in_flight(&counts);
    let listed = admin.list_all().await?;
    let listed_ids: BTreeSet<i64> = listed.iter().map(|(id, _)| *id).collect();
    let lost = ids.difference(&listed_ids).count();
    let mut by_status: BTreeMap<String, i64> = BTreeMap::new();
    for (_, s) in &listed {
        *by_status.entry(s.clone()).or_default() += 1;
    }
    let stats = admin.sandbox_stats(&sb.base).await?;

    o.metric(
        "launched",
        format!(
            "{} of {TASKS} ({} launch errors)",
            ids.len(),
            launch_errors.len()
        ),
    );
    o.metric("final states (from the list)", http::fmt_counts(&by_status));
    o.metric(
        "failed tasks by error code",
        format!(
            "{} (http_502: every submit attempt refused; http_500: 5 failed polls in a row)",
            http::fmt_counts(&failures)
        ),
    );
    o.metric(
        "wall time from the first launch until none in flight",
        format!("{wall:.1} s"),
    );
    o.metric(
        "provider calls",
        format!(
            "{} accepted submits, {} polls answered (faults not counted)",
            stats.submits, stats.polls
        ),
    );
    o.metric("tasks in the list", listed.len().to_string());
    if let Some(e) = launch_errors.first() {
        o.note(format!("first launch error: {e}"));
    }
    o.check(
        "tasks still in flight at the end",
        "0",
        format!("{stuck} (after {wall:.0} s)"),
        stuck == 0,
    );
    o.check(
        "launched tasks missing from the list",
        "0",
        lost.to_string(),
        lost == 0 && listed.len() == ids.len(),
    );
    o.check(
        "all launches accepted",
        format!("{TASKS}"),
        ids.len().to_string(),
        ids.len() == TASKS,
    );
    o.note(format!(
        "Failed tasks here are the retry policy giving up as designed (all 4 submits refused, or 5 failed polls in a row), not lost work: {} failed of {}.",
        by_status.get("failed").copied().unwrap_or(0),
        listed.len()
    ));
    drop(console);
    drop(sb);
    Ok(o)
}
