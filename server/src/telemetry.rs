//! Logging: plain or JSON lines, filtered by `--log`.

use crate::settings::LogFormat;
use tracing_subscriber::EnvFilter;

/// Logs to stderr. Colours only when stderr is a terminal: a log file or a journal gets plain
/// text, not ANSI escape codes.
pub fn init(filter: &str, format: LogFormat) {
    use std::io::IsTerminal;
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Plain => builder.with_target(false).try_init(),
        LogFormat::Json => builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
    };
}
