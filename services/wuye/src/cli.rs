//! Command-line interface.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::launcher;
use crate::settings::Settings;

/// wuye（物业通）: property services for Chengdu's old residential compounds.
///
/// Every option can also come from a `WUYE_…` environment variable or a TOML file given
/// with --config (keys: listen, data, database, catalog_url, tender_url, token_secret,
/// token_ttl_secs, body_limit_bytes, request_timeout_secs). Flags win over the
/// environment, which wins over the file. Secrets are never printed.
#[derive(Debug, Parser)]
#[command(name = "wuye", version, about, long_about)]
pub struct Cli {
    /// TOML configuration file.
    #[arg(long, global = true, env = "WUYE_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run catalog, tender and matching in one process behind one port, on SQLite files in
    /// the data folder (created, and loaded with demo data, on first run).
    Up {
        /// Address to listen on [default: 127.0.0.1:8080].
        #[arg(long, value_name = "ADDR")]
        listen: Option<String>,
        /// Folder for the databases, the index and the token secret [default: ./data].
        #[arg(long, value_name = "DIR")]
        data: Option<PathBuf>,
        /// Load the synthetic demo data (default on the first run, when the folder is new).
        #[arg(long, conflicts_with = "no_demo")]
        demo: bool,
        /// Never load demo data, even on the first run.
        #[arg(long)]
        no_demo: bool,
    },
    /// Run one service alone, e.g. behind a reverse proxy that maps /catalog, /tenders and
    /// /match to separate processes.
    Serve {
        /// Which service.
        service: ServiceName,
        /// Address to listen on [default: 127.0.0.1:8080].
        #[arg(long, value_name = "ADDR")]
        listen: Option<String>,
        /// Database URL: sqlite://path/file.db or postgres://user@host/db.
        #[arg(long, value_name = "URL")]
        database: Option<String>,
        /// Base URL of the catalog service (tender and matching follow its feed).
        #[arg(long, value_name = "URL")]
        catalog_url: Option<String>,
        /// Base URL of the tender service (matching follows its feed).
        #[arg(long, value_name = "URL")]
        tender_url: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ServiceName {
    Catalog,
    Tender,
    Matching,
}

/// Parses the command line and runs it.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    shared::telemetry::init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("wuye: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("wuye: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let mut settings = Settings::load(cli.config.as_deref())?;
    match cli.command {
        Command::Up {
            listen,
            data,
            demo,
            no_demo,
        } => {
            settings.listen = listen.or(settings.listen);
            settings.data = data.or(settings.data);
            let demo = if demo {
                Some(true)
            } else if no_demo {
                Some(false)
            } else {
                None
            };
            launcher::up(settings, demo).await
        }
        Command::Serve {
            service,
            listen,
            database,
            catalog_url,
            tender_url,
        } => {
            settings.listen = listen.or(settings.listen);
            settings.database = database.or(settings.database);
            settings.catalog_url = catalog_url.or(settings.catalog_url);
            settings.tender_url = tender_url.or(settings.tender_url);
            launcher::serve(service, settings).await
        }
    }
}
