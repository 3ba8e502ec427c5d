//! `wuye admin backup` and `wuye admin restore`: a consistent online copy of a data
//! folder's embedded databases, and putting one back.
//!
//! **Backup.** Each SQLite database (`catalog.db`, `tender.db`, `matching.db`) is copied
//! with `VACUUM INTO`: one read transaction, so the copy is the database as of one instant
//! (a write committing meanwhile is in it entirely or not at all) while `wuye up` keeps
//! serving (WAL mode: readers never block the writer). The token keys (`keys/`) are copied
//! too, private files mode 0600. The search index is not copied: it is derived from the
//! feeds, and matching rebuilds it at start-up when it finds none (an index without
//! recorded cursors replays both feeds from the first change; see `matching::index`). The
//! databases are copied one after another, catalog first, so a follower's copy may lag its
//! source's, never lead it: after a restore the followers catch up from their cursors.
//!
//! **Restore** copies a backup into a new data folder (it refuses one that holds any of
//! the databases: stop `wuye up` and move the old folder away first).

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use shared::db::sqlite_url;

/// The databases of a data folder, sources before followers.
pub const DATABASES: [&str; 3] = ["catalog.db", "tender.db", "matching.db"];
/// The folder of the token keys in a data folder and in a backup.
const KEYS: &str = "keys";

/// What a backup or a restore copied.
#[derive(Debug, Default)]
pub struct Copied {
    pub databases: Vec<PathBuf>,
    pub key_files: usize,
}

/// Copies `data`'s databases and keys into `to`, a new or empty folder.
pub async fn backup(data: &Path, to: &Path) -> anyhow::Result<Copied> {
    if !data.join("catalog.db").is_file() {
        bail!("{} holds no catalog.db: not a data folder", data.display());
    }
    empty_folder(to)?;
    let mut copied = Copied::default();
    for name in DATABASES {
        let source = data.join(name);
        if !source.is_file() {
            continue;
        }
        let target = to.join(name);
        let db = shared::db::connect(&sqlite_url(&source)).await?;
        let target_text = target
            .to_str()
            .with_context(|| format!("{} is not UTF-8", target.display()))?
            .to_string();
        sqlx::query("VACUUM INTO $1")
            .bind(target_text)
            .execute(&db.pool)
            .await
            .with_context(|| format!("copying {}", source.display()))?;
        db.pool.close().await;
        copied.databases.push(target);
    }
    copied.key_files = copy_keys(&data.join(KEYS), &to.join(KEYS))?;
    Ok(copied)
}

/// Copies a backup (`from`) into `data`, which must not hold any database yet.
pub async fn restore(from: &Path, data: &Path) -> anyhow::Result<Copied> {
    if !from.join("catalog.db").is_file() {
        bail!("{} holds no catalog.db: not a backup", from.display());
    }
    std::fs::create_dir_all(data).with_context(|| format!("creating {}", data.display()))?;
    for name in DATABASES {
        if data.join(name).exists() {
            bail!(
                "{} already holds {name}: restore into a new folder (stop wuye up and move the old one away first)",
                data.display()
            );
        }
    }
    let mut copied = Copied::default();
    for name in DATABASES {
        let source = from.join(name);
        if !source.is_file() {
            continue;
        }
        let target = data.join(name);
        std::fs::copy(&source, &target)
            .with_context(|| format!("copying {} to {}", source.display(), target.display()))?;
        // Opening it checks that it is a database, and puts it back in WAL mode.
        let db = shared::db::connect(&sqlite_url(&target)).await?;
        db.ping().await?;
        db.pool.close().await;
        copied.databases.push(target);
    }
    // A stale index would hide the restored state: matching rebuilds it from the feeds.
    let index = data.join("index");
    if index.exists() {
        std::fs::remove_dir_all(&index)
            .with_context(|| format!("removing the old index {}", index.display()))?;
    }
    copied.key_files = copy_keys(&from.join(KEYS), &data.join(KEYS))?;
    Ok(copied)
}

fn empty_folder(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    if std::fs::read_dir(dir)?.next().is_some() {
        bail!("{} is not empty: back up into a new folder", dir.display());
    }
    Ok(())
}

/// Copies the key files (`*.key` private, mode 0600; `*.pub`); returns how many.
fn copy_keys(from: &Path, to: &Path) -> anyhow::Result<usize> {
    if !from.is_dir() {
        return Ok(0);
    }
    std::fs::create_dir_all(to).with_context(|| format!("creating {}", to.display()))?;
    let mut n = 0;
    for entry in std::fs::read_dir(from)? {
        let path = entry?.path();
        let Some(name) = path.file_name() else {
            continue;
        };
        let private = path.extension().is_some_and(|e| e == "key");
        if !(private || path.extension().is_some_and(|e| e == "pub")) {
            continue;
        }
        let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        let target = to.join(name);
        if private {
            use std::io::Write;
            shared::keys::create_private(&target)
                .and_then(|mut f| f.write_all(&bytes))
                .with_context(|| format!("writing {}", target.display()))?;
        } else {
            std::fs::write(&target, bytes)
                .with_context(|| format!("writing {}", target.display()))?;
        }
        n += 1;
    }
    Ok(n)
}
