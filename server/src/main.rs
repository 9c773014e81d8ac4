//! `rhconsole`: parse the command line, then serve or run a subcommand.

use clap::Parser;
use rhconsole::cli::{Cli, Command};
use rhconsole::clock::SystemClock;
use rhconsole::settings::Settings;
use rhconsole::startup::{Application, shutdown_signal};
use std::process::ExitCode;
use std::sync::Arc;

// Thousands of followed tasks mean many small short-lived allocations per second (requests,
// answers, timers); mimalloc handles them with less CPU and less fragmentation than glibc's.
// Built without transparent huge pages (`no_thp`): with them, every new thread's arena was
// backed by 2 MiB pages at once, and 2,000 tasks ending together (keeping results on blocking
// threads) took peak RSS from 80 MB to 160 MB (`rhbench --only engine`).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    // Everything this process creates (the database, its journal, blobs, backups, exports) is
    // for its owner only: they hold live sessions, keys' ciphertexts and operators' images.
    rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
    let cli = Cli::parse();
    rhconsole::telemetry::init(&cli.global.log, cli.global.log_format);
    let serve = match cli.command {
        None => Some(cli.serve.clone()),
        Some(Command::Serve(args)) => Some(args),
        Some(other) => {
            return match rhconsole::cli::run(&cli.global, other).await {
                Ok(code) => ExitCode::from(code),
                Err(e) => {
                    eprintln!("error: {e:#}");
                    ExitCode::from(e.exit_code())
                }
            };
        }
    };
    let Some(serve) = serve else {
        return ExitCode::SUCCESS;
    };
    let settings = Settings {
        data_dir: cli.global.data_dir.clone(),
        serve,
    };
    match serve_app(settings).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve_app(settings: Settings) -> anyhow::Result<()> {
    let app = Application::build(settings, Arc::new(SystemClock)).await?;
    println!("RH Console listening on {}", app.base_url());
    if let Some(link) = app.setup_link() {
        println!();
        println!("  First start: create the first admin here (the link works once):");
        println!("  {link}");
        println!();
    }
    if let Some(sb) = &app.sandbox {
        println!(
            "Sandbox provider on {} (configuration \"Sandbox\")",
            sb.base_url()
        );
    }
    app.run_until_stopped(shutdown_signal()).await
}
