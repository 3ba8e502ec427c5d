//! `wuye admin backup` while `wuye up` serves writes, and `wuye admin restore` into a new
//! folder: every write answered before the backup began is in the restored folder, the
//! copy is consistent (every compound's change is in the feed), and the restored services
//! serve it, the search index rebuilt from the feeds.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use reqwest::Client;
use serde_json::Value;
use shared::auth::{Identity, KeyRing, Role, Scope, Signer};
use shared::client_addr::TrustedProxies;
use shared::db::sqlite_url;
use tokio::net::TcpListener;
use wuye::platform::{Platform, PlatformSettings, Running, ServiceName, Storage, Urls};
use wuye_e2e::fixtures::{JINGUANYI, compound_body};

/// What `wuye up` builds on a data folder (no demo), on a random loopback port.
async fn up(data: &std::path::Path) -> (Running, String, String) {
    let ring = Arc::new(KeyRing::create(&data.join("keys")).unwrap());
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let settings = PlatformSettings {
        services: ServiceName::ALL.to_vec(),
        storage: Storage::Folder(data.to_path_buf()),
        urls: Urls::one(&base),
        keys: ring.clone(),
        token_ttl_secs: 3600,
        limits: Default::default(),
        catalog_policy: Default::default(),
        tender_policy: Default::default(),
        matching_policy: Default::default(),
        throttle: Default::default(),
        trusted_proxies: TrustedProxies::default(),
        secure_cookies: false,
        metrics_networks: TrustedProxies::default(),
    };
    let running = Platform::build(settings).await.unwrap().start(listener);
    let token = ring
        .token_keys(Some(Signer::Catalog), 3600)
        .unwrap()
        .issue(&Identity {
            account_id: "test-association".into(),
            name: "测试账号".into(),
            role: Role::Association,
            scope: Scope::City,
            token_id: String::new(),
        })
        .unwrap();
    (running, base, token)
}

async fn compound_ids(data: &std::path::Path) -> Vec<String> {
    let db = shared::db::connect(&sqlite_url(&data.join("catalog.db")))
        .await
        .unwrap();
    let ids = sqlx::query_scalar("SELECT id FROM compound")
        .fetch_all(&db.pool)
        .await
        .unwrap();
    db.pool.close().await;
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_while_serving_writes_restores_every_row() {
    shared::telemetry::init_for_tests();
    let data = wuye_e2e::test_dir().unwrap();
    let (running, base, token) = up(&data).await;

    // A writer keeps creating compounds, keeping the ids the API answered 201 for.
    let acked = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (acked, stop, base, token) = (acked.clone(), stop.clone(), base.clone(), token.clone());
        tokio::spawn(async move {
            let client = Client::new();
            let mut i = 0;
            while !stop.load(Ordering::Acquire) {
                let res = client
                    .post(format!("{base}/catalog/compounds"))
                    .bearer_auth(&token)
                    .json(&compound_body(&format!("bk{i:04}"), JINGUANYI))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(res.status(), 201);
                let v: Value = res.json().await.unwrap();
                acked
                    .lock()
                    .unwrap()
                    .push(v["id"].as_str().unwrap().to_string());
                i += 1;
            }
        })
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while acked.lock().unwrap().len() < 5 {
        assert!(Instant::now() < deadline, "no writes answered");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // The backup, while the writer goes on.
    let before = acked.lock().unwrap().clone();
    let to = wuye_e2e::test_dir().unwrap().join("backup");
    let copied = wuye::backup::backup(&data, &to).await.unwrap();
    assert_eq!(copied.databases.len(), 3, "{copied:?}");
    assert_eq!(copied.key_files, 6, "three key pairs");
    let during = acked.lock().unwrap().len();
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.store(true, Ordering::Release);
    writer.await.unwrap();
    let all = acked.lock().unwrap().clone();
    assert!(
        all.len() > during,
        "the writer kept writing during and after the backup"
    );
    running.stop().await.unwrap();

    let restored = wuye_e2e::test_dir().unwrap().join("restored");
    wuye::backup::restore(&to, &restored).await.unwrap();
    // Into a folder that holds databases: refused.
    assert!(wuye::backup::restore(&to, &data).await.is_err());

    // Every write answered before the backup began is there; nothing else but writes the
    // API made (answered, or committed as the writer stopped).
    let copy = compound_ids(&restored).await;
    for id in &before {
        assert!(
            copy.contains(id),
            "{id} answered before the backup is missing"
        );
    }
    let live = compound_ids(&data).await;
    assert!(copy.iter().all(|id| live.contains(id)));
    // Consistent: each copied compound's change is in the copied feed, and the feed head is
    // its last change.
    let db = shared::db::connect(&sqlite_url(&restored.join("catalog.db")))
        .await
        .unwrap();
    let published: i64 =
        sqlx::query_scalar("SELECT COUNT(DISTINCT entity_id) FROM outbox WHERE topic = 'compound'")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(published as usize, copy.len());
    let (head, last): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT seq FROM feed_head WHERE id = 1), (SELECT MAX(seq) FROM outbox)",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(head, last);
    db.pool.close().await;

    // The restored folder serves it all; matching rebuilds its index from the feeds.
    let (running, base, _) = up(&restored).await;
    let client = Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let page: Value = client
            .get(format!(
                "{base}/match/search?kind=compound&street={JINGUANYI}&limit=1"
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if page["total"].as_u64() == Some(copy.len() as u64) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the restored index never held {} compounds: {page}",
            copy.len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    running.stop().await.unwrap();
}
