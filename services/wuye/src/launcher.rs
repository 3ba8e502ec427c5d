//! The launcher's commands: all the services behind one port (`up`), or one alone
//! (`serve`), both built by the composition root ([`crate::platform`]); and the
//! administration tasks (`wuye admin …`).

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use axum::Router;
use secrecy::{ExposeSecret, SecretString};
use shared::client_addr::TrustedProxies;
use shared::db::sqlite_url;
use shared::http::serve as serve_http;
use shared::keys::{KeyRing, Signer};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::platform::{Platform, ServiceName, Storage, Urls};
use crate::settings::Settings;

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

/// `wuye up`.
pub async fn up(settings: Settings, demo: Option<bool>) -> anyhow::Result<()> {
    let data = settings
        .data
        .clone()
        .unwrap_or_else(|| PathBuf::from("./data"));
    std::fs::create_dir_all(&data).with_context(|| format!("creating {}", data.display()))?;
    let first_run = !data.join("catalog.db").exists();
    let demo = demo.unwrap_or(first_run);
    let ring = Arc::new(settings.key_ring_for_up(&data)?);
    // Settings that cannot be right are refused before anything is loaded.
    settings.secure_cookies()?;
    settings.trusted_proxies()?;
    settings
        .tender
        .validate()
        .map_err(|e| anyhow::anyhow!("the tender policy: {e}"))?;
    let listen = settings.listen.as_deref().unwrap_or(DEFAULT_LISTEN);
    let listener = TcpListener::bind(listen)
        .await
        .with_context(|| format!("listening on {listen}"))?;
    let addr = listener.local_addr()?;
    refuse_demo_on_network(addr, demo, &data).await?;
    let base = format!("http://{addr}");
    let demo_policy = crate::demo::demo_policy(&settings.tender);
    if demo {
        println!(
            "  loading the demo tenders' past stages under a demo policy (bid window {}, notice {})…",
            span(demo_policy.min_bid_window),
            span(demo_policy.notice_period)
        );
        prepare_demo(&settings, &data, ring.clone(), demo_policy.clone())
            .await
            .context("loading the demo data (past stages)")?;
    }

    // The pages call the APIs on this same port: the catalog believes their
    // X-Forwarded-For (the browser's address) from loopback and the listen address.
    let own_pages = if addr.ip().is_unspecified() {
        TrustedProxies::loopback()
    } else {
        TrustedProxies::loopback().and_addr(addr.ip())
    };
    let platform = settings.platform(
        ServiceName::ALL.to_vec(),
        Storage::Folder(data.clone()),
        Urls::one(&base),
        ring,
        &own_pages,
    )?;
    // The demo is loaded through the API with tokens the catalog's key signs.
    let demo_keys = platform.token_keys(Some(Signer::Catalog))?;
    let running = Platform::build(platform).await?.start(listener);
    running.stop_on_signal();
    let accounts = if demo {
        let loaded = async {
            let accounts = crate::demo::load(&base, &demo_keys).await?;
            crate::demo::load_live_tenders(
                &crate::demo::Bases::one(&base),
                &demo_keys,
                settings.tender.min_bid_window,
            )
            .await?;
            crate::demo::load_owners(&crate::demo::Bases::one(&base), &demo_keys).await?;
            anyhow::Ok(accounts)
        }
        .await;
        match loaded {
            Ok(accounts) => Some(accounts),
            Err(e) => {
                running.stop().await?;
                return Err(e.context("loading the demo data"));
            }
        }
    } else {
        None
    };

    println!();
    println!("  wuye 物业通 is running at {base}/");
    println!("  data folder: {}", data.display());
    println!(
        "  APIs: {base}/catalog/openapi.json  {base}/tenders/openapi.json  {base}/match/openapi.json"
    );
    if let Some(accounts) = accounts {
        println!();
        println!(
            "  demo data (synthetic, marked 【演示】) on the real 20 districts and 261 streets;"
        );
        println!(
            "  demo accounts (password: {}):",
            crate::demo::DEMO_PASSWORD
        );
        for a in accounts {
            println!("    {:<16} {}  {}", a.username, a.role_zh, a.scope_zh);
        }
        println!("  sign in: POST {base}/catalog/session {{\"username\", \"password\"}}");
        println!(
            "  demo tenders at every stage (open, evaluation, awarded in notice, contracted, cancelled,"
        );
        println!(
            "  unsuccessful): the past stages were run for real under a demo policy (bid window {},",
            span(demo_policy.min_bid_window)
        );
        println!(
            "  notice {}) before start-up; the service now runs with the configured policy",
            span(demo_policy.notice_period)
        );
        println!(
            "  (minimum bid window {}, notice {}). OCDS: {base}/tenders/ocds/releases",
            span(settings.tender.min_bid_window),
            span(settings.tender.notice_period)
        );
    }
    println!();
    println!("  press Ctrl-C to stop");
    println!();

    running.wait().await
}

/// Demo accounts share the password printed in the README: `wuye up` serves them on a
/// loopback address only. On any other address it refuses to start when it would load the
/// demo or the data folder's catalog still has an enabled demo account (from the records:
/// `catalog::demo`), and says how to start a real installation.
pub async fn refuse_demo_on_network(
    addr: std::net::SocketAddr,
    will_load_demo: bool,
    data: &std::path::Path,
) -> anyhow::Result<()> {
    if addr.ip().to_canonical().is_loopback() {
        return Ok(());
    }
    let catalog_db = data.join("catalog.db");
    let existing = if catalog_db.exists() {
        catalog::demo::demo_accounts_in(&sqlite_url(&catalog_db))
            .await
            .context("looking for demo accounts")?
    } else {
        0
    };
    demo_on_network(addr, will_load_demo, existing)
}

/// The decision of [`refuse_demo_on_network`] for a non-loopback `addr`.
pub fn demo_on_network(
    addr: std::net::SocketAddr,
    will_load_demo: bool,
    existing_demo_accounts: i64,
) -> anyhow::Result<()> {
    if addr.ip().to_canonical().is_loopback() || (!will_load_demo && existing_demo_accounts == 0) {
        return Ok(());
    }
    let why_zh = if will_load_demo {
        "将载入演示数据"
    } else {
        "数据目录中仍有启用的演示账号"
    };
    let why_en = if will_load_demo {
        "it would load the demo"
    } else {
        "the data folder still has enabled demo accounts"
    };
    anyhow::bail!(
        "拒绝在非本机地址 {addr} 上启动：{why_zh}，演示账号的密码已在 README 中公开。\n\
         正式安装：使用新的数据目录并加 --no-demo 启动（wuye up --no-demo --data DIR --listen {addr}），\n\
         再用 wuye admin create-association --username U --display-name N --data DIR 创建协会账号；\n\
         演示请只在本机地址（默认 127.0.0.1:8080）上运行，或先由协会停用全部 demo.… 账号。\n\
         refusing to listen on {addr} (not a loopback address): {why_en}, and the demo accounts' \
         password is published in the README. For a real installation start with a new data \
         folder and --no-demo (wuye up --no-demo --data DIR --listen {addr}), then create the \
         first account with `wuye admin create-association --username U --display-name N \
         --data DIR`; run the demo on a loopback address only (the default 127.0.0.1:8080), or \
         disable every demo.… account first."
    )
}

/// A duration for people: `20 days`, `5 hours`, `2 s`.
fn span(d: std::time::Duration) -> String {
    let secs = d.as_secs();
    match secs {
        s if s >= 86_400 && s % 86_400 == 0 => format!("{} days", s / 86_400),
        s if s >= 3600 && s % 3600 == 0 => format!("{} hours", s / 3600),
        s => format!("{s} s"),
    }
}

/// The demo's past (a year of three compounds, [`crate::demo::load_history`]) and its past
/// stages (tenders past their deadlines, an award out of its notice, a contract with its
/// accounts): catalog and tender on the data folder's databases, on a private port, with the
/// short demo tender policy, loaded through the API; then stopped, before the real services
/// start with the configured policy. The services and the loader run on a runtime of their
/// own whose clock the history moves ([`shared::clock::Travel`]); the rest of the process
/// keeps the real time.
async fn prepare_demo(
    settings: &Settings,
    data: &std::path::Path,
    ring: Arc<KeyRing>,
    policy: tender::TenderPolicy,
) -> anyhow::Result<()> {
    let (settings, data) = (settings.clone(), data.to_path_buf());
    let (done, answer) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("demo-past".into())
        .spawn(move || {
            let travel = shared::clock::Travel::new();
            let loaded = travel
                .run(2, prepare_demo_on(&settings, &data, ring, policy, &travel))
                .map_err(anyhow::Error::from)
                .and_then(|loaded| loaded);
            let _ = done.send(loaded);
        })?;
    answer.await.context("the demo loader's thread ended")?
}

async fn prepare_demo_on(
    settings: &Settings,
    data: &std::path::Path,
    ring: Arc<KeyRing>,
    policy: tender::TenderPolicy,
    travel: &shared::clock::Travel,
) -> anyhow::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let mut platform = settings.platform(
        vec![ServiceName::Catalog, ServiceName::Tender],
        Storage::Folder(data.to_path_buf()),
        Urls::one(&base),
        ring,
        &TrustedProxies::default(),
    )?;
    platform.tender_policy = policy;
    let keys = platform.token_keys(Some(Signer::Catalog))?;
    let running = Platform::build(platform).await?.start(listener);
    let bases = crate::demo::Bases::one(&base);
    let loaded = async {
        crate::demo::load_history(&bases, &keys, travel).await?;
        crate::demo::load(&base, &keys).await?;
        crate::demo::load_closed_tenders(&bases, &keys).await
    }
    .await;
    running.stop().await?;
    loaded
}

/// Where `wuye serve <service>` keeps its data: `--database` (and the index under
/// `--data`). Matching is a replica of the feeds that each process builds for itself (its
/// own cursors, tables and index), so without `--database` it keeps them embedded under
/// its `--data` folder (default `./data`): `matching.db` and `index/`. Two matching
/// processes must never share one database (each would consume only part of the feeds).
pub fn serve_storage(which: ServiceName, settings: &Settings) -> Storage {
    if which == ServiceName::Matching && settings.database.is_none() {
        let dir = settings
            .data
            .clone()
            .unwrap_or_else(|| PathBuf::from("./data"));
        return Storage::Databases {
            catalog: None,
            tender: None,
            matching: Some(sqlite_url(&dir.join("matching.db"))),
            index_dir: Some(dir.join("index")),
        };
    }
    Storage::Databases {
        catalog: settings.database.clone(),
        tender: settings.database.clone(),
        matching: settings.database.clone(),
        index_dir: settings.data.as_ref().map(|d| d.join("index")),
    }
}

/// `wuye serve <service>`.
pub async fn serve(which: ServiceName, settings: Settings) -> anyhow::Result<()> {
    let ring = Arc::new(settings.key_ring_for_serve(which.signer())?);
    let storage = serve_storage(which, &settings);
    let urls = Urls {
        catalog: settings.catalog_url.clone(),
        tender: settings.tender_url.clone(),
        matching: settings.matching_url.clone(),
    };
    let platform =
        settings.platform(vec![which], storage, urls, ring, &TrustedProxies::default())?;
    let listen = settings.listen.as_deref().unwrap_or(DEFAULT_LISTEN);
    let listener = TcpListener::bind(listen)
        .await
        .with_context(|| format!("listening on {listen}"))?;
    let addr = listener.local_addr()?;
    let platform = Platform::build(platform).await?;
    if let Some(service) = platform.services().first() {
        println!(
            "  wuye {} is running at http://{addr}{}/",
            service.name, service.prefix
        );
    }
    let running = platform.start(listener);
    running.stop_on_signal();
    running.wait().await
}

/// The catalog database of `wuye admin`: `--database`, else `--data`'s catalog.db, else
/// the configured database, else catalog.db in the configured data folder (./data).
pub fn admin_database_url(
    settings: &Settings,
    data: Option<PathBuf>,
    database: Option<String>,
) -> String {
    let in_folder = |dir: &std::path::Path| sqlite_url(&dir.join("catalog.db"));
    match (database, data) {
        (Some(url), _) => url,
        (None, Some(dir)) => in_folder(&dir),
        (None, None) => settings.database.clone().unwrap_or_else(|| {
            in_folder(
                settings
                    .data
                    .as_deref()
                    .unwrap_or(std::path::Path::new("./data")),
            )
        }),
    }
}

/// `wuye admin create-association`: the password from `WUYE_ADMIN_PASSWORD` or one line
/// of standard input; the work is `catalog::accounts::bootstrap_association`.
pub async fn create_association(
    database_url: &str,
    username: &str,
    display_name: &str,
) -> anyhow::Result<()> {
    let password = admin_password()?;
    let id = catalog::accounts::bootstrap_association(
        database_url,
        username,
        display_name,
        password.expose_secret(),
    )
    .await?;
    eprintln!("created the association account {username:?}; its id:");
    println!("{id}");
    Ok(())
}

fn admin_password() -> anyhow::Result<SecretString> {
    use std::io::{BufRead, IsTerminal};
    if let Ok(p) = std::env::var(ADMIN_PASSWORD_ENV)
        && !p.is_empty()
    {
        return Ok(SecretString::from(p));
    }
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("password for the new account (shown as you type; or set {ADMIN_PASSWORD_ENV}): ");
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    let password = line.trim_end_matches(['\r', '\n']).to_string();
    anyhow::ensure!(
        !password.is_empty(),
        "no password: set {ADMIN_PASSWORD_ENV} or give it as one line on standard input"
    );
    Ok(SecretString::from(password))
}

/// Where `wuye admin create-association` reads the password from first.
pub const ADMIN_PASSWORD_ENV: &str = "WUYE_ADMIN_PASSWORD";

/// Opens `<data>/index`, saying what to do when `wuye up` still holds it.
async fn open_data_index(dir: std::path::PathBuf) -> anyhow::Result<search_index::IndexHandle> {
    let location = search_index::IndexLocation::Dir(dir.clone());
    tokio::task::spawn_blocking(move || search_index::IndexHandle::open(location))
        .await?
        .with_context(|| {
            format!(
                "opening the index in {} (is wuye up still running?)",
                dir.display()
            )
        })
}

/// `wuye admin load-synthetic-index`: upserts the synthetic data set into the data folder's
/// index and commits it with the cursors the index already recorded.
pub async fn load_synthetic_index(
    data: &std::path::Path,
    scale: search_index::synthetic::Scale,
    seed: u64,
) -> anyhow::Result<()> {
    let index = open_data_index(data.join("index")).await?;
    let started = std::time::Instant::now();
    let total = u64::try_from(scale.firms + scale.compounds + scale.tenders)?;
    let bar = indicatif::ProgressBar::new(total);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} 载入合成数据 [{bar:40}] {pos}/{len} ({per_sec}, 剩余 {eta})",
        )?
        .progress_chars("=> "),
    );
    let handle = index.clone();
    let progress = bar.clone();
    tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
        let set = search_index::synthetic::generate(scale, seed);
        for f in &set.firms {
            handle.upsert_firm(f)?;
            progress.inc(1);
        }
        for c in &set.compounds {
            handle.upsert_compound(c)?;
            progress.inc(1);
        }
        for t in &set.tenders {
            handle.upsert_tender(t)?;
            progress.inc(1);
        }
        let cursors = handle.last_commit_payload();
        handle.commit(cursors.as_deref())?;
        Ok(())
    })
    .await??;
    bar.finish();
    println!(
        "已载入合成数据：{total} 条记录，用时 {:.1} 秒",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// `wuye admin rebuild-index`: from the feeds (default) or from matching's tables.
pub async fn rebuild_index(data: &std::path::Path, from_tables: bool) -> anyhow::Result<()> {
    if from_tables {
        rebuild_index_from_tables(data).await
    } else {
        rebuild_index_from_feeds(data).await
    }
}

/// Serves the catalog's and tender's feeds from the data folder's databases on a loopback
/// port, follows them from 0 into a new matching database and index (with a progress bar),
/// then swaps those in for `matching.db` and `index`.
async fn rebuild_index_from_feeds(data: &std::path::Path) -> anyhow::Result<()> {
    use shared::feed::{FeedState, Notifier, feed_url};
    // Holding the live index proves `wuye up` is not running (it locks the index).
    let live = open_data_index(data.join("index")).await?;
    for file in ["catalog.db", "tender.db"] {
        anyhow::ensure!(
            data.join(file).exists(),
            "{} has no {file}: is it the data folder of `wuye up`?",
            data.display()
        );
    }
    let catalog = shared::db::connect(&sqlite_url(&data.join("catalog.db"))).await?;
    let tender = shared::db::connect(&sqlite_url(&data.join("tender.db"))).await?;
    // The feeds are only served to this process, under one-off keys.
    let ring = KeyRing::generate()?;
    let keys = std::sync::Arc::new(ring.token_keys(None, 3600)?);
    let stop = CancellationToken::new();
    let state = |db: shared::db::Db| FeedState {
        db,
        notifier: Notifier::default(),
        // Only this process's own service token reads these feeds.
        auth: shared::auth::Auth::without_session_facts(keys.clone()),
        stop: stop.clone(),
    };
    let router: Router = Router::new()
        .nest("/catalog", shared::feed::router(state(catalog.clone())))
        .nest("/tenders", shared::feed::router(state(tender.clone())));
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let server = tokio::spawn(serve_http(listener, router, stop.clone()));

    let new_db = data.join("matching.rebuild.db");
    let new_index = data.join("index.rebuild");
    remove_sqlite(&new_db)?;
    if new_index.exists() {
        std::fs::remove_dir_all(&new_index)?;
    }
    std::fs::create_dir_all(&new_index)?;
    let db = shared::db::connect(&sqlite_url(&new_db)).await?;
    db.migrate(&matching::MIGRATOR).await?;
    let index = open_data_index(new_index.clone()).await?;
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} 从变更流重建 [{bar:40}] {pos}/{len} ({per_sec}, 剩余 {eta})",
        )?
        .progress_chars("=> "),
    );
    let started = std::time::Instant::now();
    let feeds = matching::rebuild::Feeds {
        catalog: feed_url(&base, "/catalog"),
        tender: feed_url(&base, "/tenders"),
        token: ring
            .token_keys(Some(Signer::Matching), 3600)?
            .service_token("matching")?,
    };
    let applied = matching::rebuild::from_feeds(&db, &index, &feeds, &mut |done, total| {
        bar.set_length(total);
        bar.set_position(done);
    })
    .await?;
    bar.finish();
    stop.cancel();
    let _ = server.await;
    // The notifications' own records (read marks, feed tokens, webhooks) are not the
    // feeds': carried across from the old database.
    let old_db = data.join("matching.db");
    if old_db.exists() {
        matching::notifications::carry::carry_over(&db, &old_db).await?;
    }
    db.pool.close().await;
    catalog.pool.close().await;
    tender.pool.close().await;
    drop(index);
    drop(live);
    // Swap: the old database and index go, the rebuilt ones take their names.
    remove_sqlite(&data.join("matching.db"))?;
    std::fs::rename(&new_db, data.join("matching.db"))?;
    std::fs::remove_dir_all(data.join("index"))?;
    std::fs::rename(&new_index, data.join("index"))?;
    println!(
        "已从变更流重建匹配数据和索引：{applied} 条变更，用时 {:.1} 秒（{}）",
        started.elapsed().as_secs_f64(),
        data.display()
    );
    Ok(())
}

/// Removes an SQLite database file with its `-wal` and `-shm` companions.
fn remove_sqlite(path: &std::path::Path) -> anyhow::Result<()> {
    for suffix in ["", "-wal", "-shm"] {
        let p = PathBuf::from(format!("{}{suffix}", path.display()));
        if p.exists() {
            std::fs::remove_file(&p).with_context(|| format!("removing {}", p.display()))?;
        }
    }
    Ok(())
}

async fn rebuild_index_from_tables(data: &std::path::Path) -> anyhow::Result<()> {
    let db = shared::db::connect(&sqlite_url(&data.join("matching.db"))).await?;
    db.migrate(&matching::MIGRATOR).await?;
    let dir = data.join("index");
    let index = open_data_index(dir.clone()).await?;
    let total = matching::index::rebuild_size(&db).await?;
    let bar = indicatif::ProgressBar::new(total);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} 重建索引 [{bar:40}] {pos}/{len} ({per_sec}, 剩余 {eta})",
        )?
        .progress_chars("=> "),
    );
    let started = std::time::Instant::now();
    matching::index::rebuild(&index, &db, &mut |n| bar.inc(n)).await?;
    bar.finish();
    println!(
        "索引已重建：{total} 条记录，用时 {:.1} 秒（{}）",
        started.elapsed().as_secs_f64(),
        dir.display()
    );
    db.pool.close().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(s: &str) -> std::net::SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn demo_accounts_stay_on_loopback() {
        // On loopback the demo is as easy as ever.
        for a in [
            "127.0.0.1:8080",
            "127.9.9.9:1",
            "[::1]:8080",
            "[::ffff:127.0.0.1]:8080",
        ] {
            assert!(demo_on_network(addr(a), true, 5).is_ok(), "{a}");
        }
        // Anywhere else: no demo to load and none left, or refused.
        for a in [
            "0.0.0.0:8080",
            "[::]:8080",
            "192.168.1.20:80",
            "[2001:db8::1]:443",
        ] {
            assert!(demo_on_network(addr(a), false, 0).is_ok(), "{a}");
            for (load, existing) in [(true, 0), (false, 1), (true, 5)] {
                let e = demo_on_network(addr(a), load, existing)
                    .unwrap_err()
                    .to_string();
                assert!(e.contains("--no-demo"), "{e}");
                assert!(e.contains("wuye admin create-association"), "{e}");
                assert!(e.contains("拒绝") && e.contains("refusing"), "{e}");
            }
        }
    }

    #[test]
    fn a_served_matching_keeps_its_own_embedded_replica_unless_given_a_database() {
        let data = PathBuf::from("/srv/wuye/matching-2");
        let settings = Settings {
            data: Some(data.clone()),
            ..Settings::default()
        };
        let Storage::Databases {
            matching,
            index_dir,
            ..
        } = serve_storage(ServiceName::Matching, &settings)
        else {
            panic!("databases");
        };
        assert_eq!(matching, Some(sqlite_url(&data.join("matching.db"))));
        assert_eq!(index_dir, Some(data.join("index")));
        // The other services share the configured database; so does matching when told to.
        let pg = "postgres://wuye@db/matching_2".to_string();
        let settings = Settings {
            database: Some(pg.clone()),
            ..Settings::default()
        };
        for which in [ServiceName::Catalog, ServiceName::Matching] {
            let Storage::Databases {
                catalog, matching, ..
            } = serve_storage(which, &settings)
            else {
                panic!("databases");
            };
            assert_eq!((catalog, matching), (Some(pg.clone()), Some(pg.clone())));
        }
    }

    #[tokio::test]
    async fn up_refuses_a_network_address_before_loading_the_demo() {
        let data = std::env::temp_dir().join(format!("wuye-up-{}", uuid::Uuid::new_v4()));
        let settings = Settings {
            listen: Some("0.0.0.0:0".into()),
            data: Some(data.clone()),
            ..Settings::default()
        };
        // A new data folder would get the demo: refused, and nothing was loaded.
        let e = up(settings, None).await.unwrap_err();
        assert!(format!("{e:#}").contains("--no-demo"), "{e:#}");
        assert!(!data.join("catalog.db").exists(), "nothing loaded");

        // A data folder whose catalog still has an enabled demo account: refused too.
        let url = sqlite_url(&data.join("catalog.db"));
        catalog::accounts::bootstrap_association(
            &url,
            "demo.xiehui",
            "【演示】协会",
            "wuye-demo-2026",
        )
        .await
        .unwrap();
        assert_eq!(catalog::demo::demo_accounts_in(&url).await.unwrap(), 1);
        let e = refuse_demo_on_network(addr("0.0.0.0:8080"), false, &data)
            .await
            .unwrap_err();
        assert!(format!("{e:#}").contains("wuye admin create-association"));
        assert!(
            refuse_demo_on_network(addr("127.0.0.1:8080"), false, &data)
                .await
                .is_ok()
        );

        // A real installation's first account is no demo account.
        let real = std::env::temp_dir().join(format!("wuye-up-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&real).unwrap();
        let url = sqlite_url(&real.join("catalog.db"));
        catalog::accounts::bootstrap_association(
            &url,
            "xiehui.admin",
            "协会管理员",
            "a-long-password-1",
        )
        .await
        .unwrap();
        assert!(
            refuse_demo_on_network(addr("0.0.0.0:8080"), false, &real)
                .await
                .is_ok()
        );
        let _ = std::fs::remove_dir_all(&data);
        let _ = std::fs::remove_dir_all(&real);
    }
}
