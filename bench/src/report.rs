//! What a benchmark reports, the machine it ran on, and the two renderings: a plain table on
//! stdout and BENCHMARKS.md.

use std::fmt::Write as _;

/// One target and whether it was met.
#[derive(Debug, Clone)]
pub struct Check {
    pub what: String,
    pub target: String,
    pub measured: String,
    pub pass: bool,
}

/// Everything one benchmark found.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub name: &'static str,
    pub title: &'static str,
    /// How it was run (parameters), one paragraph.
    pub setup: String,
    pub metrics: Vec<(String, String)>,
    pub checks: Vec<Check>,
    pub notes: Vec<String>,
    /// Set when the benchmark could not run to the end.
    pub error: Option<String>,
    pub seconds: f64,
}

impl Outcome {
    pub fn new(name: &'static str, title: &'static str) -> Outcome {
        Outcome {
            name,
            title,
            ..Default::default()
        }
    }

    pub fn metric(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.metrics.push((name.into(), value.into()));
    }

    pub fn check(
        &mut self,
        what: impl Into<String>,
        target: impl Into<String>,
        measured: impl Into<String>,
        pass: bool,
    ) {
        self.checks.push(Check {
            what: what.into(),
            target: target.into(),
            measured: measured.into(),
            pass,
        });
    }

    pub fn note(&mut self, n: impl Into<String>) {
        self.notes.push(n.into());
    }

    pub fn passed(&self) -> bool {
        self.error.is_none() && self.checks.iter().all(|c| c.pass)
    }
}

/// The machine, as the report shows it.
#[derive(Debug, Clone, Default)]
pub struct Machine {
    pub nproc: String,
    pub cpu: String,
    pub ram: String,
    pub os: String,
    pub kernel: String,
    pub load_at_start: String,
    pub date: String,
    pub commit: String,
    pub rustc: String,
}

fn read(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

fn run(cmd: &str, args: &[&str]) -> String {
    std::process::Command::new(cmd)
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

impl Machine {
    pub fn detect() -> Machine {
        let cpuinfo = read("/proc/cpuinfo");
        let cpu = cpuinfo
            .lines()
            .find(|l| l.starts_with("model name"))
            .and_then(|l| l.split_once(':'))
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_else(|| "unknown".into());
        let mem_kb: f64 = read("/proc/meminfo")
            .lines()
            .find(|l| l.starts_with("MemTotal:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0);
        let os = read("/etc/os-release")
            .lines()
            .find_map(|l| l.strip_prefix("PRETTY_NAME="))
            .map(|v| v.trim_matches('"').to_owned())
            .unwrap_or_else(|| "unknown".into());
        let nproc = run("nproc", &[]);
        let nproc = if nproc.is_empty() {
            std::thread::available_parallelism()
                .map(|n| n.get().to_string())
                .unwrap_or_default()
        } else {
            nproc
        };
        let date = time::OffsetDateTime::now_utc()
            .format(time::macros::format_description!(
                "[year]-[month]-[day] [hour]:[minute]:[second] UTC"
            ))
            .unwrap_or_default();
        let commit = {
            let c = run("git", &["rev-parse", "--short", "HEAD"]);
            let dirty = !run("git", &["status", "--porcelain", "--untracked-files=no"]).is_empty();
            match (c.is_empty(), dirty) {
                (true, _) => "unknown".into(),
                (false, true) => format!("{c} (with uncommitted changes)"),
                (false, false) => c,
            }
        };
        Machine {
            nproc,
            cpu,
            ram: format!("{:.1} GiB", mem_kb / 1024.0 / 1024.0),
            os,
            kernel: run("uname", &["-sr"]),
            load_at_start: read("/proc/loadavg")
                .split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" "),
            date,
            commit,
            rustc: run("rustc", &["--version"]),
        }
    }
}

fn verdict(o: &Outcome) -> &'static str {
    if o.error.is_some() {
        "ERROR"
    } else if o.passed() {
        "PASS"
    } else {
        "FAIL"
    }
}

/// The summary table for stdout.
pub fn summary_table(outcomes: &[Outcome]) -> String {
    let mut rows: Vec<[String; 5]> = vec![[
        "benchmark".into(),
        "check".into(),
        "measured".into(),
        "target".into(),
        "result".into(),
    ]];
    for o in outcomes {
        if let Some(e) = &o.error {
            rows.push([
                o.name.into(),
                "ran to the end".into(),
                e.chars().take(60).collect(),
                "no error".into(),
                "ERROR".into(),
            ]);
        }
        for c in &o.checks {
            rows.push([
                o.name.into(),
                c.what.clone(),
                c.measured.clone(),
                c.target.clone(),
                if c.pass { "PASS" } else { "FAIL" }.into(),
            ]);
        }
    }
    let widths: Vec<usize> = (0..5)
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for (n, r) in rows.iter().enumerate() {
        let cells: Vec<String> = r
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        let _ = writeln!(out, "{}", cells.join("  ").trim_end());
        if n == 0 {
            let _ = writeln!(
                out,
                "{}",
                widths
                    .iter()
                    .map(|w| "-".repeat(*w))
                    .collect::<Vec<_>>()
                    .join("  ")
            );
        }
    }
    out
}

fn md_escape(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// BENCHMARKS.md.
pub fn markdown(m: &Machine, outcomes: &[Outcome], total_secs: f64) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# Benchmarks\n");
    let _ = writeln!(
        s,
        "Written by `rhbench` (`bench/src/main.rs`) — do not edit by hand. To reproduce, from the repository root:\n\n```sh\nmake bench\n```\n"
    );
    let _ = writeln!(
        s,
        "`make bench` builds the release console and site (`cargo leptos build --release --split`), builds `rhbench` \
         (`cargo build --release -p bench --bin rhbench`) and runs \
         `./target/release/rhbench --bin target/release/rhconsole --site target/site --out BENCHMARKS.md`. \
         One benchmark alone: `./target/release/rhbench --only engine` (names below). Every benchmark starts its own \
         processes of the release binary `target/release/rhconsole` on 127.0.0.1 — the console and the in-repo fake \
         provider (`rhconsole sandbox`) — with temporary data directories; nothing reaches the internet.\n"
    );
    let _ = writeln!(s, "## Machine\n");
    let _ = writeln!(s, "| | |\n| --- | --- |");
    let _ = writeln!(s, "| date | {} |", m.date);
    let _ = writeln!(s, "| CPU | {} |", md_escape(&m.cpu));
    let _ = writeln!(s, "| cores (`nproc`) | {} |", m.nproc);
    let _ = writeln!(s, "| RAM | {} |", m.ram);
    let _ = writeln!(
        s,
        "| OS | {} ({}) |",
        md_escape(&m.os),
        md_escape(&m.kernel)
    );
    let _ = writeln!(s, "| load average at start | {} |", m.load_at_start);
    let _ = writeln!(s, "| commit | {} |", md_escape(&m.commit));
    let _ = writeln!(s, "| toolchain | {} |", md_escape(&m.rustc));
    let _ = writeln!(s, "| whole run | {:.0} s |", total_secs);
    let _ = writeln!(
        s,
        "\nThe load generator (`rhbench`), the fake provider and the console share these cores, so numbers \
         that depend on CPU are conservative for the console alone. CPU time is utime + stime from \
         `/proc/PID/stat` (ticks divided by `getconf CLK_TCK`); peak memory is `VmHWM` from `/proc/PID/status`.\n"
    );

    let _ = writeln!(s, "## Summary\n");
    let _ = writeln!(
        s,
        "| benchmark | check | measured | target | result |\n| --- | --- | --- | --- | --- |"
    );
    for o in outcomes {
        if let Some(e) = &o.error {
            let _ = writeln!(
                s,
                "| {} | ran to the end | {} | no error | **ERROR** |",
                o.name,
                md_escape(e)
            );
        }
        for c in &o.checks {
            let r = if c.pass { "PASS" } else { "**FAIL**" };
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {r} |",
                o.name,
                md_escape(&c.what),
                md_escape(&c.measured),
                md_escape(&c.target)
            );
        }
    }
    let _ = writeln!(s);

    for (i, o) in outcomes.iter().enumerate() {
        let _ = writeln!(
            s,
            "## {}. `{}` — {} ({})\n",
            i + 1,
            o.name,
            o.title,
            verdict(o)
        );
        if !o.setup.is_empty() {
            let _ = writeln!(s, "{}\n", o.setup);
        }
        if let Some(e) = &o.error {
            let _ = writeln!(
                s,
                "**The benchmark stopped with an error:** `{}`\n",
                md_escape(e)
            );
        }
        if !o.metrics.is_empty() {
            let _ = writeln!(s, "| measurement | value |\n| --- | --- |");
            for (k, v) in &o.metrics {
                let _ = writeln!(s, "| {} | {} |", md_escape(k), md_escape(v));
            }
            let _ = writeln!(s);
        }
        if !o.checks.is_empty() {
            let _ = writeln!(s, "| target | measured | result |\n| --- | --- | --- |");
            for c in &o.checks {
                let r = if c.pass { "PASS" } else { "**FAIL**" };
                let _ = writeln!(
                    s,
                    "| {}: {} | {} | {r} |",
                    md_escape(&c.what),
                    md_escape(&c.target),
                    md_escape(&c.measured)
                );
            }
            let _ = writeln!(s);
        }
        for n in &o.notes {
            let _ = writeln!(s, "- {n}");
        }
        if !o.notes.is_empty() {
            let _ = writeln!(s);
        }
        let _ = writeln!(s, "_Took {:.0} s._\n", o.seconds);
    }
    s
}
