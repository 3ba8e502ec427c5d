//! The change-feed building blocks: order under concurrent writers, long-polling, and a
//! consumer killed between applying a change and saving its cursor.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use futures::future::BoxFuture;
use shared::db::{self, Db};
use shared::feed::{Apply, Change, Consumer, Notifier, WriteTx};
use sqlx::AnyConnection;
use wuye_e2e::{Backend, both_backends, fresh_database, spawn_app};

both_backends!(
    concurrent_writers_are_read_in_commit_order,
    long_poll_wakes_on_a_new_change,
    consumer_killed_mid_change_neither_loses_nor_doubles,
    shutdown_lets_in_flight_long_polls_finish,
    many_changes_in_one_statement_keep_their_order_and_numbers,
);

/// The catalog's reference data (places, seeded service models) opens its feed.
const PLACES: i64 = wuye_e2e::REFERENCE_CHANGES;

async fn write_changes(db: &Db, writer: usize, n: usize) {
    let notifier = Notifier::default();
    for i in 0..n {
        let mut tx = WriteTx::begin(db, &notifier).await.expect("begin");
        tx.emit(
            "test",
            &format!("{writer}-{i}"),
            "upserted",
            &serde_json::json!({ "writer": writer, "i": i }),
        )
        .await
        .expect("emit");
        tx.commit().await.expect("commit");
    }
}

async fn concurrent_writers_are_read_in_commit_order(backend: Backend) {
    let app = spawn_app(backend).await;
    let db = db::connect(&app.catalog_db).await.unwrap();
    let (writers, each) = (8, 10);
    let total = (writers * each) as i64;

    // A reader follows the feed while the writers run; it must never skip a change that
    // commits later with a smaller number.
    let reader = {
        let feed_url = format!("{}/catalog/feed", app.catalog_url);
        let token = app.service_token();
        let client = app.client.clone();
        tokio::spawn(async move {
            let mut after = PLACES;
            let mut seen = Vec::new();
            while after < PLACES + total {
                let page: serde_json::Value = client
                    .get(&feed_url)
                    .bearer_auth(&token)
                    .query(&[
                        ("after", after.to_string()),
                        ("limit", "7".into()),
                        ("wait", "5".into()),
                    ])
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                for c in page["changes"].as_array().unwrap() {
                    seen.push(c["seq"].as_i64().unwrap());
                }
                after = page["next_after"].as_i64().unwrap();
            }
            seen
        })
    };
    let tasks: Vec<_> = (0..writers)
        .map(|w| {
            let db = db.clone();
            tokio::spawn(async move { write_changes(&db, w, each).await })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let seen = tokio::time::timeout(std::time::Duration::from_secs(60), reader)
        .await
        .expect("reader finished")
        .unwrap();
    let expected: Vec<i64> = (PLACES + 1..=PLACES + total).collect();
    assert_eq!(seen, expected, "the reader saw every change once, in order");

    // Every write is there exactly once.
    let page = app
        .feed(&app.catalog_url, "/catalog", PLACES, 1000, 0)
        .await
        .json();
    let mut ids: Vec<String> = page["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["entity_id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len() as i64, total);
    assert_eq!(page["head"], PLACES + total);
    app.stop().await;
}

/// `WriteTx::emit_many` (the ledger import, bulk loads) numbers its changes on from what the
/// transaction emitted before, in order and without gaps across its multi-row inserts, and
/// what the transaction emits after it (and the next transaction) follows on.
async fn many_changes_in_one_statement_keep_their_order_and_numbers(backend: Backend) {
    let app = spawn_app(backend).await;
    let db = db::connect(&app.catalog_db).await.unwrap();
    let notifier = Notifier::default();
    let n = 2 * shared::feed::OUTBOX_ROWS_PER_INSERT + 1;
    let ids: Vec<String> = (0..n).map(|i| format!("m{i}")).collect();
    let payloads: Vec<serde_json::Value> = (0..n).map(|i| serde_json::json!({ "i": i })).collect();
    let mut tx = WriteTx::begin(&db, &notifier).await.unwrap();
    tx.emit("test", "first", "one", &0).await.unwrap();
    tx.emit_many(
        "test",
        ids.iter()
            .zip(&payloads)
            .map(|(id, p)| (id.as_str(), "many", p)),
    )
    .await
    .unwrap();
    tx.emit("test", "last", "one", &0).await.unwrap();
    tx.commit().await.unwrap();
    write_changes(&db, 9, 1).await;

    let mut seen = Vec::new();
    let mut after = PLACES;
    loop {
        let page = app
            .feed(&app.catalog_url, "/catalog", after, 500, 0)
            .await
            .json();
        let changes = page["changes"].as_array().unwrap().clone();
        if changes.is_empty() {
            break;
        }
        for c in changes {
            seen.push((
                c["seq"].as_i64().unwrap(),
                c["entity_id"].as_str().unwrap().to_string(),
                c["payload"].clone(),
            ));
        }
        after = page["next_after"].as_i64().unwrap();
    }
    let total = n as i64 + 3;
    let seqs: Vec<i64> = seen.iter().map(|(s, _, _)| *s).collect();
    assert_eq!(seqs, (PLACES + 1..=PLACES + total).collect::<Vec<_>>());
    let mut expected = vec!["first".to_string()];
    expected.extend(ids.iter().cloned());
    expected.extend(["last".to_string(), "9-0".to_string()]);
    let entities: Vec<String> = seen.iter().map(|(_, e, _)| e.clone()).collect();
    assert_eq!(entities, expected);
    assert_eq!(seen[n].2, serde_json::json!({ "i": n - 1 }));
    app.stop().await;
}

async fn long_poll_wakes_on_a_new_change(backend: Backend) {
    let app = spawn_app(backend).await;
    let db = db::connect(&app.catalog_db).await.unwrap();
    let empty = app
        .feed(&app.catalog_url, "/catalog", PLACES, 10, 0)
        .await
        .json();
    assert_eq!(empty["changes"].as_array().unwrap().len(), 0);
    assert_eq!(empty["next_after"], PLACES);

    let waiting = {
        let client = app.client.clone();
        let url = format!(
            "{}/catalog/feed?after={PLACES}&limit=10&wait=20",
            app.catalog_url
        );
        let token = app.service_token();
        tokio::spawn(async move {
            let started = std::time::Instant::now();
            let v: serde_json::Value = client
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            (v, started.elapsed())
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    write_changes(&db, 99, 1).await;
    let (page, elapsed) = waiting.await.unwrap();
    let changes = page["changes"].as_array().unwrap();
    assert_eq!(
        changes.len(),
        1,
        "the long poll answered with the new change"
    );
    assert_eq!(changes[0]["entity_id"], "99-0");
    assert_eq!(changes[0]["payload"]["writer"], 99);
    // It answered when the change arrived, not when the 20 s wait ran out.
    assert!(elapsed < std::time::Duration::from_secs(20), "{elapsed:?}");
    app.stop().await;
}

/// Counts every application of a change; optionally "dies" right after applying one.
struct Counting {
    kill_at: Option<i64>,
    killed: Arc<AtomicBool>,
    applied_then_stuck: Arc<tokio::sync::Notify>,
}

impl Apply for Counting {
    fn apply<'a>(
        &'a self,
        conn: &'a mut AnyConnection,
        change: &'a Change,
    ) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            sqlx::query(
                "INSERT INTO applied (seq, n) VALUES ($1, 1) \
                 ON CONFLICT (seq) DO UPDATE SET n = applied.n + 1",
            )
            .bind(change.seq)
            .execute(&mut *conn)
            .await?;
            if Some(change.seq) == self.kill_at && !self.killed.swap(true, Ordering::SeqCst) {
                // Applied, cursor not yet saved: the process dies here.
                self.applied_then_stuck.notify_one();
                std::future::pending::<()>().await;
            }
            Ok(())
        })
    }
}

async fn consumer_killed_mid_change_neither_loses_nor_doubles(backend: Backend) {
    let app = spawn_app(backend.clone()).await;
    let target_url = fresh_database(&backend, "consumer").await.unwrap();
    let target = db::connect(&target_url).await.unwrap();
    target.migrate(&tender::MIGRATOR).await.unwrap();
    sqlx::query("CREATE TABLE applied (seq BIGINT PRIMARY KEY, n BIGINT NOT NULL)")
        .execute(&target.pool)
        .await
        .unwrap();
    let feed_url = format!("{}/catalog/feed", app.catalog_url);
    let kill_at = 150;

    let stuck = Arc::new(tokio::sync::Notify::new());
    let first = Consumer::new(
        "catalog",
        feed_url.clone(),
        target.clone(),
        app.service_token(),
        Counting {
            kill_at: Some(kill_at),
            killed: Arc::new(AtomicBool::new(false)),
            applied_then_stuck: stuck.clone(),
        },
    );
    let cancel = tokio_util::sync::CancellationToken::new();
    let running = tokio::spawn(first.run(cancel.clone()));
    tokio::time::timeout(std::time::Duration::from_secs(30), stuck.notified())
        .await
        .expect("the consumer reached the change it dies on");
    running.abort(); // killed between applying and saving the cursor
    let _ = running.await;

    let second = Consumer::new(
        "catalog",
        feed_url,
        target.clone(),
        app.service_token(),
        Counting {
            kill_at: None,
            killed: Arc::new(AtomicBool::new(false)),
            applied_then_stuck: Arc::new(tokio::sync::Notify::new()),
        },
    );
    // Changes are applied a group a transaction: the cursor stays at the end of the last
    // group committed before the killed change's.
    let cursor = second.cursor().await.unwrap();
    let group = shared::feed::APPLY_PER_TRANSACTION as i64;
    assert!(
        cursor < kill_at && cursor >= kill_at - group,
        "the cursor stayed before the killed change's group: {cursor}"
    );
    while second.cursor().await.unwrap() < PLACES {
        second.poll_once(1).await.unwrap();
    }
    let rows: Vec<(i64, i64)> = sqlx::query_as("SELECT seq, n FROM applied ORDER BY seq")
        .fetch_all(&target.pool)
        .await
        .unwrap();
    assert_eq!(rows.len() as i64, PLACES, "no change lost");
    assert!(rows.iter().all(|(_, n)| *n == 1), "no change applied twice");
    assert_eq!(rows.first().unwrap().0, 1);
    assert_eq!(rows.last().unwrap().0, PLACES);
    assert!(second.status.caught_up());
    app.stop().await;
}

async fn shutdown_lets_in_flight_long_polls_finish(backend: Backend) {
    let app = spawn_app(backend).await;
    let in_flight = {
        let client = app.client.clone();
        let url = format!(
            "{}/catalog/feed?after={PLACES}&limit=10&wait=30",
            app.catalog_url
        );
        let token = app.service_token();
        tokio::spawn(async move { client.get(url).bearer_auth(token).send().await })
    };
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    // Stopping must not wait out the 30 s long-poll, nor cut it off: it answers, empty.
    tokio::time::timeout(std::time::Duration::from_secs(15), app.stop())
        .await
        .expect("shutdown finished while a long-poll was in flight");
    let answer = in_flight
        .await
        .unwrap()
        .expect("the in-flight request got an answer");
    assert_eq!(answer.status(), 200);
    let page: serde_json::Value = answer.json().await.unwrap();
    assert_eq!(page["changes"].as_array().unwrap().len(), 0);
}
