//! Child processes of the release binary: the fake provider and the console. Every child is
//! killed when its guard is dropped (on success, on error, on Ctrl-C), so no run leaves a
//! process behind. CPU time and peak memory are read from `/proc`.

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, ChildStdout, Command};

/// What every benchmark needs to start processes.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// The release `rhconsole` binary.
    pub bin: PathBuf,
    /// The built site (`pkg/` with the wasm), as produced by `cargo leptos build --release --split`
    /// (a snapshot taken at start).
    pub site: PathBuf,
    /// Where that site was taken from (for the report).
    pub site_origin: PathBuf,
    /// Clock ticks per second for `/proc/PID/stat` (`getconf CLK_TCK`).
    pub clk_tck: f64,
}

static KEEP: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Keep the temporary directories (data, logs) instead of removing them (`--keep`).
pub fn set_keep(keep: bool) {
    KEEP.store(keep, std::sync::atomic::Ordering::Relaxed);
}

/// A temporary directory for one benchmark (data directories and process logs), removed at
/// the end unless `--keep` was given.
pub fn tempdir(name: &str) -> Result<tempfile::TempDir> {
    let mut dir = tempfile::Builder::new()
        .prefix(&format!("rhbench-{name}-"))
        .tempdir()?;
    if KEEP.load(std::sync::atomic::Ordering::Relaxed) {
        dir.disable_cleanup(true);
        println!("   keeping {}", dir.path().display());
    }
    Ok(dir)
}

/// `getconf CLK_TCK`, or 100 (the Linux value almost everywhere) when it cannot be asked.
pub fn clk_tck() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|v| *v > 0.0)
        .unwrap_or(100.0)
}

/// A child process that is killed (SIGKILL) when dropped.
pub struct Proc {
    child: Child,
    pub pid: u32,
    pub name: String,
    clk_tck: f64,
    log: PathBuf,
}

impl Drop for Proc {
    fn drop(&mut self) {
        // `kill_on_drop` also does this; being explicit keeps the guarantee visible here.
        let _ = self.child.start_kill();
    }
}

impl Proc {
    /// Starts `bin args…` with stdout piped (returned for the caller to read the banner) and
    /// stderr appended to `log`. `RHCONSOLE_*` variables of the caller's environment are removed
    /// so only the flags decide.
    fn spawn(ctx: &Ctx, name: &str, args: &[String], log: &Path) -> Result<(Proc, ChildStdout)> {
        let err = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .with_context(|| format!("cannot open the log file {}", log.display()))?;
        let mut cmd = Command::new(&ctx.bin);
        cmd.args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(err))
            .kill_on_drop(true);
        for (k, _) in std::env::vars_os() {
            if k.to_string_lossy().starts_with("RHCONSOLE_") {
                cmd.env_remove(&k);
            }
        }
        let mut child = cmd.spawn().with_context(|| {
            format!(
                "cannot start {} (is it built? `make build`)",
                ctx.bin.display()
            )
        })?;
        let pid = child.id().context("the child has no pid")?;
        let stdout = child.stdout.take().context("no stdout pipe")?;
        Ok((
            Proc {
                child,
                pid,
                name: name.to_owned(),
                clk_tck: ctx.clk_tck,
                log: log.to_path_buf(),
            },
            stdout,
        ))
    }

    /// User + system CPU seconds used so far (`/proc/PID/stat` fields 14 and 15).
    pub fn cpu_secs(&self) -> Result<f64> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid))
            .with_context(|| format!("{} is gone", self.name))?;
        // The command name (field 2) may hold spaces; the rest follows the last ')'.
        let rest = stat
            .rsplit_once(')')
            .map(|(_, r)| r)
            .context("unexpected /proc/PID/stat")?;
        let fields: Vec<&str> = rest.split_whitespace().collect();
        // `rest` starts at field 3 (state): utime is field 14, stime field 15.
        let utime: f64 = fields.get(11).context("no utime")?.parse()?;
        let stime: f64 = fields.get(12).context("no stime")?.parse()?;
        Ok((utime + stime) / self.clk_tck)
    }

    /// Peak resident memory in bytes (`VmHWM`).
    pub fn peak_rss_bytes(&self) -> Result<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid))
            .with_context(|| format!("{} is gone", self.name))?;
        let line = status
            .lines()
            .find(|l| l.starts_with("VmHWM:"))
            .context("no VmHWM line")?;
        let kb: u64 = line
            .split_whitespace()
            .nth(1)
            .context("VmHWM without a value")?
            .parse()?;
        Ok(kb * 1024)
    }

    /// SIGKILL, then waits for the process to be gone.
    pub async fn kill9(&mut self) -> Result<()> {
        self.child.start_kill().ok();
        tokio::time::timeout(Duration::from_secs(10), self.child.wait())
            .await
            .with_context(|| format!("{} did not die after SIGKILL", self.name))??;
        Ok(())
    }

    /// SIGTERM (graceful shutdown), then SIGKILL if it takes longer than `grace`.
    pub async fn terminate(&mut self, grace: Duration) -> Result<()> {
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &self.pid.to_string()])
            .status();
        match tokio::time::timeout(grace, self.child.wait()).await {
            Ok(r) => {
                r?;
                Ok(())
            }
            Err(_) => self.kill9().await,
        }
    }

    /// How many times the process reported a panic on stderr (a panicking request handler
    /// drops its connection without an answer).
    pub fn panics(&self) -> usize {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .matches("panicked at")
            .count()
    }

    /// The first panic message in the log, if any.
    pub fn first_panic(&self) -> Option<String> {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let mut lines = text.lines().skip_while(|l| !l.contains("panicked at"));
        let at = lines.next()?.trim().to_owned();
        let msg = lines.next().unwrap_or_default().trim().to_owned();
        Some(format!("{at} {msg}"))
    }

    /// The last lines of this process's stderr, for error messages.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(15)..].join("\n")
    }
}

/// Reads banner lines from `stdout` until `done` says so (60 s at most), then keeps draining
/// the pipe in the background so the child never blocks on a full pipe.
async fn read_banner(
    stdout: ChildStdout,
    what: &str,
    mut done: impl FnMut(&str) -> bool,
) -> Result<()> {
    let mut lines = BufReader::new(stdout).lines();
    let read = async {
        while let Some(line) = lines.next_line().await? {
            if done(&line) {
                return Ok::<bool, std::io::Error>(true);
            }
        }
        Ok(false)
    };
    let finished = tokio::time::timeout(Duration::from_secs(60), read)
        .await
        .with_context(|| format!("{what} printed no banner within 60 s"))??;
    if !finished {
        bail!("{what} exited before it was ready");
    }
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Ok(())
}

/// The fake RunningHub, as its own process (`rhconsole sandbox --any-key`).
pub struct Sandbox {
    pub proc: Proc,
    pub base: String,
}

impl Sandbox {
    /// The fake, whose account takes `limit` tasks at once (see [`UNLIMITED`]).
    pub async fn start(ctx: &Ctx, log: &Path, limit: u64) -> Result<Sandbox> {
        let limit = limit.to_string();
        let args: Vec<String> = [
            "sandbox",
            "--addr",
            "127.0.0.1:0",
            "--any-key",
            "--concurrent-limit",
            &limit,
            "--log",
            "warn",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let (proc, stdout) = Proc::spawn(ctx, "sandbox", &args, log)?;
        let mut base = String::new();
        read_banner(stdout, "the sandbox", |l| match first_url(l) {
            Some(u) if l.starts_with("Sandbox") => {
                base = u.to_owned();
                true
            }
            _ => false,
        })
        .await
        .with_context(|| proc.log_tail())?;
        Ok(Sandbox { proc, base })
    }
}

/// How a console is started.
#[derive(Debug, Clone)]
pub struct ConsoleOpts {
    pub poll_ms: u64,
    pub retry_unit_ms: u64,
    pub max_requests: u64,
    pub site_root: PathBuf,
    /// Listen on this port, and give `http://127.0.0.1:<port>` as `--public-url` (callbacks
    /// need it, and a restart must keep it); a free port without a public URL otherwise.
    pub public_port: Option<u16>,
}

/// `rhconsole serve` on a free port over a data directory.
pub struct Console {
    pub proc: Proc,
    pub base: String,
    /// The one-time setup token (first start only).
    pub setup_token: Option<String>,
    pub data_dir: PathBuf,
}

impl Console {
    /// Starts the console. On a first start (`first`) the banner also carries the setup link,
    /// which is waited for.
    pub async fn start(
        ctx: &Ctx,
        data_dir: &Path,
        opts: &ConsoleOpts,
        first: bool,
        log: &Path,
    ) -> Result<Console> {
        let path = |p: &Path| p.to_string_lossy().into_owned();
        let args: Vec<String> = vec![
            "serve".into(),
            "--addr".into(),
            format!("127.0.0.1:{}", opts.public_port.unwrap_or(0)),
            "--data-dir".into(),
            path(data_dir),
            "--poll-interval-ms".into(),
            opts.poll_ms.to_string(),
            "--retry-unit-ms".into(),
            opts.retry_unit_ms.to_string(),
            "--max-requests".into(),
            opts.max_requests.to_string(),
            "--site-root".into(),
            path(&opts.site_root),
            "--log".into(),
            "warn".into(),
        ];
        let mut args = args;
        if let Some(port) = opts.public_port {
            args.extend(["--public-url".into(), format!("http://127.0.0.1:{port}")]);
        }
        let (proc, stdout) = Proc::spawn(ctx, "console", &args, log)?;
        let mut base = String::new();
        let mut token: Option<String> = None;
        read_banner(stdout, "the console", |l| {
            if let Some(u) = l.trim().strip_prefix("RH Console listening on ") {
                base = u.trim().to_owned();
            }
            if let Some(t) = l.split("/setup?token=").nth(1) {
                token = Some(t.trim().to_owned());
            }
            !base.is_empty() && (!first || token.is_some())
        })
        .await
        .with_context(|| proc.log_tail())?;
        Ok(Console {
            proc,
            base,
            setup_token: token,
            data_dir: data_dir.to_path_buf(),
        })
    }

    pub fn db_path(&self) -> PathBuf {
        self.data_dir.join(rhconsole::startup::DB_FILE)
    }
}

/// Copies a directory tree (the built site) so a benchmark can add files to its copy.
pub fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in
        std::fs::read_dir(from).with_context(|| format!("cannot read {}", from.display()))?
    {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)
                .with_context(|| format!("cannot copy {}", entry.path().display()))?;
        }
    }
    Ok(())
}

/// How most benchmarks begin: a fresh fake provider and console (logs and data in a temporary
/// directory) with the first admin set up and signed in.
pub struct Stage {
    pub sb: Sandbox,
    pub console: Console,
    pub admin: crate::http::Api,
    /// Keep it alive until the processes are gone.
    pub tmp: tempfile::TempDir,
}

/// A fake account limit no benchmark reaches: the console's own limits are what is measured.
pub const UNLIMITED: u64 = 1_000_000;

impl Stage {
    pub async fn start(ctx: &Ctx, name: &str, poll_ms: u64, retry_unit_ms: u64) -> Result<Stage> {
        Stage::start_limited(ctx, name, poll_ms, retry_unit_ms, UNLIMITED).await
    }

    /// Like `start`, with the fake account's concurrency limit at `limit`.
    pub async fn start_limited(
        ctx: &Ctx,
        name: &str,
        poll_ms: u64,
        retry_unit_ms: u64,
        limit: u64,
    ) -> Result<Stage> {
        let tmp = tempdir(name)?;
        let sb = Sandbox::start(ctx, &tmp.path().join("sandbox.log"), limit).await?;
        let opts = ConsoleOpts {
            poll_ms,
            retry_unit_ms,
            max_requests: 256,
            site_root: ctx.site.clone(),
            public_port: None,
        };
        let console = Console::start(
            ctx,
            &tmp.path().join("data"),
            &opts,
            true,
            &tmp.path().join("console.log"),
        )
        .await?;
        let admin = crate::http::Api::new(&console.base)?;
        admin
            .setup_admin(console.setup_token.as_deref().context("no setup token")?)
            .await?;
        admin.login().await?;
        Ok(Stage {
            sb,
            console,
            admin,
            tmp,
        })
    }
}

/// The first address of the sandbox's banner, "Sandbox (fake RunningHub) on http://… (other
/// site: http://…)".
fn first_url(line: &str) -> Option<&str> {
    line.split(" on ").nth(1)?.split_whitespace().next()
}

#[cfg(test)]
mod banner_tests {
    #[test]
    fn the_sandbox_banner_gives_its_first_address() {
        let l = "Sandbox (fake RunningHub) on http://127.0.0.1:5 (other site: http://127.0.0.1:6)";
        assert_eq!(super::first_url(l), Some("http://127.0.0.1:5"));
        assert_eq!(
            super::first_url("Sandbox (fake RunningHub) on http://127.0.0.1:5"),
            Some("http://127.0.0.1:5")
        );
    }
}
