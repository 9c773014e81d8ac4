//! `rhbench`: the benchmark driver behind `make bench`.
//!
//! It measures the real release build: every benchmark starts child processes of
//! `target/release/rhconsole` — the console (`serve`) and the in-repo fake RunningHub
//! (`sandbox`) — on 127.0.0.1 with temporary data directories, drives them over HTTP like a
//! browser or a script would, and reads CPU time and peak memory of the console from `/proc`.
//! Nothing needs the internet. Children are killed when their guards drop (also on errors and
//! Ctrl-C), so a run never leaves processes behind.
//!
//! ```text
//! rhbench [--bin target/release/rhconsole] [--site target/site] [--only NAME[,NAME…]] [--out BENCHMARKS.md] [--keep]
//! ```
//!
//! Benchmarks: `engine` (2,000 tasks in flight), `capacity` (2,000 tasks against an account
//! limit of 50), `stream-latency` (live event delivery),
//! `tasks-page` (the task list over 100,000 tasks), `wasm` (download size), `load` (50 clients
//! browsing and launching), `faults` (30 % provider failures), `crash` (SIGKILL mid-flight).
//! A summary table goes to stdout; with `--out`, the whole report is written as Markdown.

mod capacity;
mod crash;
mod engine;
mod faults;
mod http;
mod load;
mod page;
mod procs;
mod report;
mod stream;
mod wasm;

use anyhow::{Context, Result, bail};
use procs::Ctx;
use report::{Machine, Outcome};
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::time::Instant;

type BenchFn = fn(&Ctx) -> Pin<Box<dyn Future<Output = Result<Outcome>> + '_>>;

/// Every benchmark, in the order they run.
const BENCHES: &[(&str, &str, BenchFn)] = &[
    (
        "engine",
        "2,000 tasks in flight at the default poll interval",
        |c| Box::pin(engine::run(c)),
    ),
    (
        "capacity",
        "2,000 tasks against an account limit of 50",
        |c| Box::pin(capacity::run(c)),
    ),
    (
        "stream-latency",
        "live event delivery to many viewers",
        |c| Box::pin(stream::run(c)),
    ),
    ("tasks-page", "the task list page over 100,000 tasks", |c| {
        Box::pin(page::run(c))
    }),
    ("wasm", "size of the browser bundle", |c| {
        Box::pin(wasm::run(c))
    }),
    ("load", "50 signed-in clients browsing and launching", |c| {
        Box::pin(load::run(c))
    }),
    (
        "faults",
        "1,000 tasks against a provider failing 30 % of calls",
        |c| Box::pin(faults::run(c)),
    ),
    (
        "crash",
        "SIGKILL with 200 tasks in flight, then restart",
        |c| Box::pin(crash::run(c)),
    ),
];

/// The benchmark driver behind `make bench`: measures the release build and writes BENCHMARKS.md.
#[derive(clap::Parser)]
#[command(name = "rhbench", after_help = bench_list())]
struct Args {
    /// The console binary to measure (a release build).
    #[arg(long, default_value = "target/release/rhconsole")]
    bin: PathBuf,
    /// The built site (hydration script, wasm, CSS) it serves.
    #[arg(long, default_value = "target/site")]
    site: PathBuf,
    /// Run only these benchmarks (comma-separated names, see below).
    #[arg(long, value_delimiter = ',', value_parser = bench_name)]
    only: Vec<String>,
    /// Write the whole report as Markdown to this file.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Keep the temporary data directories and process logs (for inspection).
    #[arg(long)]
    keep: bool,
}

fn bench_list() -> String {
    let mut s = String::from("Benchmarks:\n");
    for (name, title, _) in BENCHES {
        s.push_str(&format!("  {name:<15} {title}\n"));
    }
    s
}

fn bench_name(name: &str) -> Result<String, String> {
    let name = name.trim();
    if BENCHES.iter().any(|(n, _, _)| *n == name) {
        Ok(name.to_owned())
    } else {
        let names: Vec<&str> = BENCHES.iter().map(|(n, _, _)| *n).collect();
        Err(format!(
            "no benchmark named {name:?}; there are: {}",
            names.join(", ")
        ))
    }
}

async fn run_all(args: Args) -> Result<bool> {
    let bin = std::path::absolute(&args.bin)?;
    if !bin.is_file() {
        bail!(
            "{} does not exist: build it first (`make build`, or `make bench` which does everything)",
            bin.display()
        );
    }
    let site = std::path::absolute(&args.site)?;
    if !site.join("pkg").is_dir() {
        bail!(
            "{} has no pkg/: build the site first (`make build`)",
            site.display()
        );
    }
    procs::set_keep(args.keep);
    // Run every benchmark on a snapshot of the binary and the site, so a build started
    // elsewhere during the run cannot swap them halfway.
    let snapshot = procs::tempdir("build")?;
    let bin_copy = snapshot.path().join("rhconsole");
    std::fs::copy(&bin, &bin_copy).with_context(|| format!("cannot copy {}", bin.display()))?;
    procs::copy_dir(&site, &snapshot.path().join("site"))?;
    println!(
        "rhbench: measuring {} and {}",
        bin.display(),
        site.display()
    );
    let ctx = Ctx {
        bin: bin_copy,
        site: snapshot.path().join("site"),
        site_origin: site.clone(),
        clk_tck: procs::clk_tck(),
    };
    let machine = Machine::detect();
    println!(
        "rhbench: {} · {} cores · {} · {} · load {}",
        machine.cpu, machine.nproc, machine.ram, machine.os, machine.load_at_start
    );
    let started = Instant::now();
    let mut outcomes = Vec::new();
    for (name, title, f) in BENCHES {
        if !args.only.is_empty() && !args.only.iter().any(|o| o == name) {
            continue;
        }
        println!("\n== {name}: {title}");
        let t = Instant::now();
        let mut o = match f(&ctx).await {
            Ok(o) => o,
            Err(e) => {
                let mut o = Outcome::new(name, title);
                o.error = Some(format!("{e:#}"));
                o
            }
        };
        o.name = name;
        o.title = title;
        o.seconds = t.elapsed().as_secs_f64();
        for (k, v) in &o.metrics {
            println!("   {k}: {v}");
        }
        for n in &o.notes {
            println!("   note: {n}");
        }
        if let Some(e) = &o.error {
            println!("   ERROR: {e}");
        }
        outcomes.push(o);
    }
    let total = started.elapsed().as_secs_f64();
    println!("\n{}", report::summary_table(&outcomes));
    println!("whole run: {total:.0} s");
    if let Some(out) = &args.out {
        std::fs::write(out, report::markdown(&machine, &outcomes, total))
            .with_context(|| format!("cannot write {}", out.display()))?;
        println!("wrote {}", out.display());
    }
    Ok(outcomes.iter().all(Outcome::passed))
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = <Args as clap::Parser>::parse();
    // On Ctrl-C the run future is dropped, which drops (and kills) every child process.
    let result = tokio::select! {
        r = run_all(args) => r,
        _ = tokio::signal::ctrl_c() => Err(anyhow::anyhow!("interrupted")),
    };
    match result {
        // A missed target is reported, not an error of the tool: `make bench` still succeeds.
        Ok(_) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
