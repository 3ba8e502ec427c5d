//! Command-line interface.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::launcher;
use crate::platform::ServiceName;
use crate::settings::Settings;

/// wuye（物业通）: property services for Chengdu's old residential compounds.
///
/// Every option can also come from a `WUYE_…` environment variable or a TOML file given
/// with --config (keys: listen, data, database, catalog_url, tender_url, matching_url, keys_dir,
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
        /// Folder for the databases, the index and the token keys [default: ./data].
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
        /// Database URL: sqlite://path/file.db or postgres://user@host/db. Matching without
        /// one keeps its own embedded database and index under --data (each matching
        /// replica its own folder; never two matching processes on one database).
        #[arg(long, value_name = "URL")]
        database: Option<String>,
        /// Folder of matching's embedded database and search index [default: ./data].
        #[arg(long, value_name = "DIR")]
        data: Option<PathBuf>,
        /// Base URL of the catalog service (tender and matching follow its feed).
        #[arg(long, value_name = "URL")]
        catalog_url: Option<String>,
        /// Base URL of the tender service (matching follows its feed).
        #[arg(long, value_name = "URL")]
        tender_url: Option<String>,
        /// Base URL of the matching service (the pages use it).
        #[arg(long, value_name = "URL")]
        matching_url: Option<String>,
    },
    /// Administration tasks on the databases.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create an association (协会) account, e.g. the first one, which then creates every
    /// other account over the API (`POST /catalog/accounts`).
    ///
    /// The password is read from the environment variable WUYE_ADMIN_PASSWORD or, when
    /// that is unset, as one line from standard input; it must have at least 10
    /// characters and differ from the username. The catalog database is migrated first;
    /// an existing username is refused and nothing is changed. Prints the new account's
    /// id on standard output.
    ///
    /// With neither --data nor --database, the catalog database is WUYE_DATABASE when set,
    /// else catalog.db in the data folder (WUYE_DATA or ./data). Note: `wuye up` loads the
    /// demo data only into a new data folder; run it once before this command (or pass
    /// --demo to it later) if you want the demo data too.
    #[command(
        after_help = "Example:\n  WUYE_ADMIN_PASSWORD='…' wuye admin create-association --username admin --display-name '市物业管理协会 管理员' --data ./data"
    )]
    CreateAssociation {
        /// Sign-in name: 3–32 characters of a-z 0-9 _ . -
        #[arg(long, value_name = "NAME")]
        username: String,
        /// The name shown to people.
        #[arg(long, value_name = "TEXT")]
        display_name: String,
        /// Data folder of `wuye up`; the account goes into its catalog.db.
        #[arg(long, value_name = "DIR", conflicts_with = "database")]
        data: Option<PathBuf>,
        /// The catalog's database URL: sqlite://path/file.db or postgres://user@host/db.
        #[arg(long, value_name = "URL")]
        database: Option<String>,
    },
    /// Rebuild the matching service's data and search index (搜索索引) from scratch, from
    /// the catalog and tender change feeds, with a progress bar, then exit.
    ///
    /// Serves the feeds of `<data>/catalog.db` and `<data>/tender.db` to itself, follows
    /// them from the first change into a new matching database and index, then replaces
    /// `<data>/matching.db` and `<data>/index` with them. Stop `wuye up` first (the index
    /// is locked while the service runs). With --from-tables, only the index is rebuilt,
    /// from matching's own tables (quicker; the tables are the feeds' copy).
    RebuildIndex {
        /// Data folder of `wuye up` (default: WUYE_DATA or ./data).
        #[arg(long, value_name = "DIR")]
        data: Option<PathBuf>,
        /// Re-index from matching's tables instead of following the feeds from 0.
        #[arg(long)]
        from_tables: bool,
    },
    /// Copy a data folder's databases (catalog.db, tender.db, matching.db) and token keys
    /// into a new folder, consistently and while `wuye up` keeps serving (SQLite's `VACUUM
    /// INTO`: each database as of one instant). The search index is not copied: matching
    /// rebuilds it from the feeds when it starts on a restored folder. On PostgreSQL use
    /// pg_dump or pg_basebackup instead (docs/DEPLOYMENT.md).
    #[command(
        after_help = "Example:\n  wuye admin backup --data /srv/wuye --to /backups/wuye-2026-12-06"
    )]
    Backup {
        /// Data folder of `wuye up` (default: WUYE_DATA or ./data).
        #[arg(long, value_name = "DIR")]
        data: Option<PathBuf>,
        /// Where to write the copy: a new or empty folder.
        #[arg(long, value_name = "DIR")]
        to: PathBuf,
    },
    /// Put a backup made by `wuye admin backup` into a new data folder, then start `wuye
    /// up --data` on it (matching rebuilds the search index from the feeds at start-up).
    /// Refuses a folder that already holds a database.
    #[command(
        after_help = "Example:\n  wuye admin restore --from /backups/wuye-2026-12-06 --data /srv/wuye-restored"
    )]
    Restore {
        /// The backup folder.
        #[arg(long, value_name = "DIR")]
        from: PathBuf,
        /// The new data folder (default: WUYE_DATA or ./data).
        #[arg(long, value_name = "DIR")]
        data: Option<PathBuf>,
    },
    /// Make the services' token keys (Ed25519, PEM) in a folder, keeping any already there:
    /// `catalog.key`, `tender.key` and `matching.key` (private, mode 0600) and their
    /// `.pub` files. Give every service all three `.pub` files and each signing service
    /// only its own `.key` (the pages need none), then point WUYE_KEYS_DIR at that folder.
    /// Prints the files made.
    Keygen {
        /// The folder to write into (created if missing).
        #[arg(long, value_name = "DIR")]
        keys_dir: PathBuf,
    },
    /// Add the seeded synthetic benchmark data set (search_index::synthetic, names marked
    /// （示例）) to the search index of a data folder, for HTTP load runs of the match
    /// endpoints (`bench/http.sh`). Never use it on a real deployment's data folder: the
    /// synthetic firms, compounds and tenders would be matched like real ones until the next
    /// `rebuild-index`, which removes them.
    ///
    /// Stop `wuye up` first (the index is locked while the service runs). The index keeps
    /// its recorded feed cursors.
    LoadSyntheticIndex {
        /// Data folder of `wuye up` (default: WUYE_DATA or ./data).
        #[arg(long, value_name = "DIR")]
        data: Option<PathBuf>,
        /// Which size: chengdu (4,000 firms, 20,000 compounds, 1,500 open tenders) or
        /// national (100,000 / 200,000 / 20,000).
        #[arg(long, value_enum, default_value_t = SyntheticScale::Chengdu)]
        scale: SyntheticScale,
        /// The generator's seed (the benchmarks use 20260501).
        #[arg(long, default_value_t = 20_260_501)]
        seed: u64,
    },
    /// Load the seeded synthetic data set (names marked （示例）) into the catalog's and
    /// tender's databases, for load runs: compounds by the ledger import, firms as
    /// applications and recommendations, then (once tender's follower has copied the
    /// catalog) open tenders with sealed bids, all through each service's own checks, stores
    /// and change feed, a few thousand rows a transaction. Needs a tender service running on
    /// --tender-database and following this catalog. Never on a real deployment.
    ///
    /// Prints one JSON object with the counts and seconds of each part.
    #[command(
        after_help = "Example:\n  wuye admin load-synthetic --size national --catalog-database postgres://postgres@127.0.0.1/wuye_catalog --tender-database postgres://postgres@127.0.0.1/wuye_tender"
    )]
    LoadSynthetic {
        /// Which size: chengdu (4,000 firms, 20,000 compounds, 1,500 open tenders) or
        /// national (100,000 / 200,000 / 20,000).
        #[arg(long, value_enum, default_value_t = SyntheticScale::Chengdu)]
        size: SyntheticScale,
        /// The generator's seed (the benchmarks use 20260501).
        #[arg(long, default_value_t = 20_260_501)]
        seed: u64,
        /// The catalog's database URL.
        #[arg(long, value_name = "URL")]
        catalog_database: String,
        /// The tender service's database URL.
        #[arg(long, value_name = "URL")]
        tender_database: String,
        /// At most this many firms, compounds, tenders (default: the size's).
        #[arg(long)]
        firms: Option<usize>,
        #[arg(long)]
        compounds: Option<usize>,
        #[arg(long)]
        tenders: Option<usize>,
        /// One tender in this many gets sealed bids.
        #[arg(long, default_value_t = 4)]
        bids_every: usize,
        /// Days from now to each tender's bid deadline.
        #[arg(long, default_value_t = 30)]
        bid_window_days: i64,
        /// Seconds to wait for tender's follower to copy the catalog.
        #[arg(long, default_value_t = 3600)]
        follow_timeout_secs: u64,
    },
}

/// The synthetic data set's size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SyntheticScale {
    Chengdu,
    National,
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
            data,
            catalog_url,
            tender_url,
            matching_url,
        } => {
            settings.listen = listen.or(settings.listen);
            settings.database = database.or(settings.database);
            settings.data = data.or(settings.data);
            settings.catalog_url = catalog_url.or(settings.catalog_url);
            settings.tender_url = tender_url.or(settings.tender_url);
            settings.matching_url = matching_url.or(settings.matching_url);
            launcher::serve(service, settings).await
        }
        Command::Admin {
            command:
                AdminCommand::CreateAssociation {
                    username,
                    display_name,
                    data,
                    database,
                },
        } => {
            let database_url = launcher::admin_database_url(&settings, data, database);
            launcher::create_association(&database_url, &username, &display_name).await
        }
        Command::Admin {
            command: AdminCommand::Backup { data, to },
        } => {
            let data = data
                .or(settings.data)
                .unwrap_or_else(|| PathBuf::from("./data"));
            let copied = crate::backup::backup(&data, &to).await?;
            for db in &copied.databases {
                println!("  {}", db.display());
            }
            println!("  {} key files", copied.key_files);
            Ok(())
        }
        Command::Admin {
            command: AdminCommand::Restore { from, data },
        } => {
            let data = data
                .or(settings.data)
                .unwrap_or_else(|| PathBuf::from("./data"));
            let copied = crate::backup::restore(&from, &data).await?;
            for db in &copied.databases {
                println!("  {}", db.display());
            }
            println!(
                "  {} key files; the search index is rebuilt from the feeds when wuye up starts",
                copied.key_files
            );
            Ok(())
        }
        Command::Admin {
            command: AdminCommand::RebuildIndex { data, from_tables },
        } => {
            let data = data
                .or(settings.data)
                .unwrap_or_else(|| PathBuf::from("./data"));
            launcher::rebuild_index(&data, from_tables).await
        }
        Command::Admin {
            command: AdminCommand::Keygen { keys_dir },
        } => {
            shared::auth::KeyRing::create(&keys_dir)?;
            for signer in shared::auth::Signer::ALL {
                for ext in ["key", "pub"] {
                    println!(
                        "{}",
                        keys_dir
                            .join(format!("{}.{ext}", signer.as_str()))
                            .display()
                    );
                }
            }
            Ok(())
        }
        Command::Admin {
            command: AdminCommand::LoadSyntheticIndex { data, scale, seed },
        } => {
            let data = data
                .or(settings.data)
                .unwrap_or_else(|| PathBuf::from("./data"));
            let scale = match scale {
                SyntheticScale::Chengdu => search_index::synthetic::Scale::CHENGDU,
                SyntheticScale::National => search_index::synthetic::Scale::NATIONAL,
            };
            launcher::load_synthetic_index(&data, scale, seed).await
        }
        Command::Admin {
            command:
                AdminCommand::LoadSynthetic {
                    size,
                    seed,
                    catalog_database,
                    tender_database,
                    firms,
                    compounds,
                    tenders,
                    bids_every,
                    bid_window_days,
                    follow_timeout_secs,
                },
        } => {
            let full = match size {
                SyntheticScale::Chengdu => search_index::synthetic::Scale::CHENGDU,
                SyntheticScale::National => search_index::synthetic::Scale::NATIONAL,
            };
            let spec = crate::synthetic::Spec {
                scale: search_index::synthetic::Scale {
                    firms: firms.unwrap_or(full.firms).min(full.firms),
                    compounds: compounds.unwrap_or(full.compounds).min(full.compounds),
                    tenders: tenders.unwrap_or(full.tenders).min(full.tenders),
                },
                seed,
                catalog_database,
                tender_database,
                batches: Default::default(),
                bid_window_days,
                bids_every,
                follow_timeout: std::time::Duration::from_secs(follow_timeout_secs),
                catalog_policy: settings.catalog.clone(),
                tender_policy: settings.tender.clone(),
            };
            let report = crate::synthetic::load(&spec).await?;
            println!("{}", serde_json::to_string(&report)?);
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_rebuild_index_arguments() {
        let cli =
            Cli::try_parse_from(["wuye", "admin", "rebuild-index", "--data", "/tmp/d"]).unwrap();
        assert!(matches!(
            cli.command,
            Command::Admin {
                command: AdminCommand::RebuildIndex { ref data, from_tables: false }
            } if data.as_deref() == Some(std::path::Path::new("/tmp/d"))
        ));
    }

    #[test]
    fn admin_create_association_arguments() {
        let cli = Cli::try_parse_from([
            "wuye",
            "admin",
            "create-association",
            "--username",
            "admin",
            "--display-name",
            "协会管理员",
            "--data",
            "/tmp/d",
        ])
        .unwrap();
        assert!(matches!(
            cli.command,
            Command::Admin {
                command: AdminCommand::CreateAssociation { ref username, ref data, database: None, .. }
            } if username == "admin" && data.as_deref() == Some(std::path::Path::new("/tmp/d"))
        ));
        // One database at a time, and the username is required.
        assert!(
            Cli::try_parse_from([
                "wuye",
                "admin",
                "create-association",
                "--username",
                "a",
                "--display-name",
                "b",
                "--data",
                "d",
                "--database",
                "sqlite://x.db",
            ])
            .is_err()
        );
        assert!(
            Cli::try_parse_from(["wuye", "admin", "create-association", "--display-name", "b"])
                .is_err()
        );
    }
}
