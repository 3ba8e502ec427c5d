//! Tracing set-up: one subscriber for the process, filtered by `WUYE_LOG` (or `RUST_LOG`),
//! human-readable by default and JSON lines with `WUYE_LOG_FORMAT=json`. Every request runs
//! in a span that carries its request id (see [`crate::http::with_middleware`]), so every
//! log line written while handling it names the request.

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::FmtSpan;

/// Installs the global subscriber; later calls are no-ops (tests call it many times).
pub fn init() {
    init_with_default("info,sqlx=warn,tantivy=warn");
}

/// For test processes: only warnings and errors unless `WUYE_LOG` asks for more.
pub fn init_for_tests() {
    init_with_default("warn,sqlx=error,tantivy=warn");
}

fn init_with_default(default_filter: &str) {
    let filter = EnvFilter::try_from_env("WUYE_LOG")
        .or_else(|_| EnvFilter::try_from_default_env())
        .unwrap_or_else(|_| EnvFilter::new(default_filter));
    let json = std::env::var("WUYE_LOG_FORMAT").is_ok_and(|v| v == "json");
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_span_events(FmtSpan::NONE)
        .with_target(false);
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}
