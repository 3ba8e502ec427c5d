//! The index handle (索引句柄): one writer thread owning the `IndexWriter`, one long-lived
//! `IndexReader` reloaded after each commit, and the current [`Snapshot`] searches read.
//!
//! Upserts and deletes only enqueue (they validate and build the document on the caller's
//! thread, then hand it to the writer thread); [`IndexHandle::commit`] blocks until the batch
//! is durable *and* visible to searches, so call it from `spawn_blocking` in async code. A
//! commit carries a payload string — the matching service stores its feed cursors there, so the
//! index and the cursors can never disagree after a crash. Searches are synchronous and cheap;
//! run them in `spawn_blocking` too.

use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex, RwLock};
use std::thread::JoinHandle;

use tantivy::directory::MmapDirectory;
use tantivy::tokenizer::TokenizerManager;
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, TantivyError, Term};

use crate::analyzer::{ANALYZER, analyzer};
use crate::bundles::Bundle;
use crate::docs::{CompoundDoc, FirmDoc, TenderDoc, check_id};
use crate::error::{IndexError, Result};
use crate::matching::{FirmMatch, FirmQuery, Hits, TenderMatch, TenderQuery};
use crate::rank::Weights;
use crate::schema::DocKind;
use crate::schema::{Fields, schema, term};
use crate::search::{SearchFilters, SearchHit};
use crate::snapshot::Snapshot;

/// Where the index lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexLocation {
    /// In memory (tests, benchmarks, throw-away indexes).
    Ram,
    /// In a directory, created if missing.
    Dir(PathBuf),
}

/// Writer settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenOptions {
    /// Indexing threads of the `IndexWriter` (1–8).
    pub writer_threads: usize,
    /// Memory budget of the writer in bytes, shared by its threads (≥ 15 MB per thread).
    pub writer_memory_bytes: usize,
}

impl Default for OpenOptions {
    fn default() -> Self {
        let threads = std::thread::available_parallelism()
            .map_or(1, usize::from)
            .clamp(1, 2);
        Self {
            writer_threads: threads,
            writer_memory_bytes: threads * 32_000_000,
        }
    }
}

enum Op {
    Upsert {
        key: Term,
        doc: Box<TantivyDocument>,
    },
    Delete(Term),
    Clear,
    Commit {
        payload: Option<String>,
        reply: Sender<Result<u64>>,
    },
    Shutdown,
}

struct Shared {
    fields: Fields,
    snapshot: RwLock<Arc<Snapshot>>,
    payload: RwLock<Option<String>>,
}

struct Inner {
    tx: Mutex<Sender<Op>>,
    thread: Mutex<Option<JoinHandle<()>>>,
    shared: Arc<Shared>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        if let Ok(tx) = self.tx.lock() {
            let _ = tx.send(Op::Shutdown);
        }
        if let Some(thread) = self.thread.lock().ok().and_then(|mut t| t.take()) {
            let _ = thread.join();
        }
    }
}

/// A handle on the index: cheap to clone, shared by every task of the matching service. The
/// writer thread stops (discarding uncommitted changes and waiting for merges) when the last
/// clone is dropped.
#[derive(Clone)]
pub struct IndexHandle {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for IndexHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IndexHandle")
            .field("payload", &self.last_commit_payload())
            .finish_non_exhaustive()
    }
}

impl IndexHandle {
    /// Opens (or creates) the index with default writer settings.
    pub fn open(location: IndexLocation) -> Result<Self> {
        Self::open_with(location, OpenOptions::default())
    }

    /// Opens (or creates) the index. The Chinese analyser is registered on every open. An
    /// index built with another schema is refused with [`IndexError::SchemaMismatch`]: delete
    /// the directory and rebuild from the feeds.
    pub fn open_with(location: IndexLocation, options: OpenOptions) -> Result<Self> {
        let tokenizers = TokenizerManager::default();
        tokenizers.register(ANALYZER, analyzer());
        let builder = Index::builder().schema(schema()).tokenizers(tokenizers);
        let index = match &location {
            IndexLocation::Ram => builder.create_in_ram()?,
            IndexLocation::Dir(path) => {
                std::fs::create_dir_all(path)?;
                let dir = MmapDirectory::open(path)?;
                builder.open_or_create(dir).map_err(|e| match e {
                    TantivyError::SchemaError(msg) => IndexError::SchemaMismatch(msg),
                    other => IndexError::Tantivy(other),
                })?
            }
        };
        crate::analyzer::register(&index);
        let fields = Fields::new(&index.schema());
        let threads = options.writer_threads.clamp(1, 8);
        let writer: IndexWriter<TantivyDocument> =
            index.writer_with_num_threads(threads, options.writer_memory_bytes)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let payload = index.load_metas()?.payload;
        let snapshot = Snapshot::build(reader.searcher(), fields, None)?;
        let shared = Arc::new(Shared {
            fields,
            snapshot: RwLock::new(Arc::new(snapshot)),
            payload: RwLock::new(payload.clone()),
        });
        let (tx, rx) = mpsc::channel();
        let thread_shared = shared.clone();
        let thread = std::thread::Builder::new()
            .name("wuye-index-writer".into())
            .spawn(move || writer_loop(writer, reader, thread_shared, rx, payload))?;
        Ok(Self {
            inner: Arc::new(Inner {
                tx: Mutex::new(tx),
                thread: Mutex::new(Some(thread)),
                shared,
            }),
        })
    }

    fn send(&self, op: Op) -> Result<()> {
        self.inner
            .tx
            .lock()
            .map_err(|_| IndexError::WriterGone)?
            .send(op)
            .map_err(|_| IndexError::WriterGone)
    }

    fn upsert(&self, kind: DocKind, id: &str, doc: TantivyDocument) -> Result<()> {
        let key = Term::from_field_text(self.inner.shared.fields.filter, &term::uid(kind, id));
        self.send(Op::Upsert {
            key,
            doc: Box::new(doc),
        })
    }

    /// Enqueues a firm (replacing any earlier version with the same id).
    pub fn upsert_firm(&self, firm: &FirmDoc) -> Result<()> {
        let doc = firm.to_document(&self.inner.shared.fields)?;
        self.upsert(DocKind::Firm, &firm.id, doc)
    }

    /// Enqueues a compound (replacing any earlier version with the same id).
    pub fn upsert_compound(&self, compound: &CompoundDoc) -> Result<()> {
        let doc = compound.to_document(&self.inner.shared.fields)?;
        self.upsert(DocKind::Compound, &compound.id, doc)
    }

    /// Enqueues a tender (replacing any earlier version with the same id). Closed tenders may
    /// be upserted with `open: false` (kept for reads, out of matching) or deleted.
    pub fn upsert_tender(&self, tender: &TenderDoc) -> Result<()> {
        let doc = tender.to_document(&self.inner.shared.fields)?;
        self.upsert(DocKind::Tender, &tender.id, doc)
    }

    /// Enqueues the removal of a document (a no-op if it is not indexed).
    pub fn delete(&self, kind: DocKind, id: &str) -> Result<()> {
        check_id("id", id)?;
        let key = Term::from_field_text(self.inner.shared.fields.filter, &term::uid(kind, id));
        self.send(Op::Delete(key))
    }

    /// Enqueues the removal of every document (the start of a rebuild from the feeds).
    pub fn clear(&self) -> Result<()> {
        self.send(Op::Clear)
    }

    /// Commits everything enqueued so far and makes it visible to searches; blocks until done.
    /// `Some(payload)` is stored with the commit (e.g. the feed cursors); `None` keeps the
    /// previous payload. Returns the commit's opstamp.
    pub fn commit(&self, payload: Option<&str>) -> Result<u64> {
        let (reply, answer) = mpsc::channel();
        self.send(Op::Commit {
            payload: payload.map(str::to_string),
            reply,
        })?;
        answer.recv().map_err(|_| IndexError::WriterGone)?
    }

    /// The payload of the last commit (read from disk on open).
    pub fn last_commit_payload(&self) -> Option<String> {
        self.inner
            .shared
            .payload
            .read()
            .map(|p| p.clone())
            .unwrap_or_default()
    }

    /// [`Snapshot::match_firms`] on the current snapshot.
    pub fn match_firms(
        &self,
        query: &TenderQuery,
        limit: usize,
        offset: usize,
        weights: &Weights,
    ) -> Result<Hits<FirmMatch>> {
        self.snapshot().match_firms(query, limit, offset, weights)
    }

    /// [`Snapshot::match_tenders`] on the current snapshot.
    pub fn match_tenders(
        &self,
        query: &FirmQuery,
        limit: usize,
        offset: usize,
        weights: &Weights,
    ) -> Result<Hits<TenderMatch>> {
        self.snapshot().match_tenders(query, limit, offset, weights)
    }

    /// [`Snapshot::search`] on the current snapshot.
    pub fn search(
        &self,
        text: &str,
        filters: &SearchFilters,
        kind: DocKind,
        limit: usize,
        offset: usize,
    ) -> Result<Hits<SearchHit>> {
        self.snapshot().search(text, filters, kind, limit, offset)
    }

    /// [`Snapshot::suggest_bundles`] on the current snapshot.
    pub fn suggest_bundles(
        &self,
        street: &str,
        viable_households: u32,
        max_distance_km: f64,
    ) -> Result<Vec<Bundle>> {
        self.snapshot()
            .suggest_bundles(street, viable_households, max_distance_km)
    }

    /// The current snapshot: every search on it sees the same commit.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.inner
            .shared
            .snapshot
            .read()
            .expect("snapshot lock")
            .clone()
    }
}

fn writer_loop(
    mut writer: IndexWriter<TantivyDocument>,
    reader: IndexReader,
    shared: Arc<Shared>,
    rx: Receiver<Op>,
    mut payload: Option<String>,
) {
    // The first failure of a queued operation since the last commit fails that commit.
    let mut failure: Option<TantivyError> = None;
    for op in rx {
        match op {
            Op::Upsert { key, doc } => {
                writer.delete_term(key);
                if let Err(e) = writer.add_document(*doc) {
                    failure.get_or_insert(e);
                }
            }
            Op::Delete(key) => {
                writer.delete_term(key);
            }
            Op::Clear => {
                if let Err(e) = writer.delete_all_documents() {
                    failure.get_or_insert(e);
                }
            }
            Op::Commit {
                payload: new_payload,
                reply,
            } => {
                let wanted = new_payload.or_else(|| payload.clone());
                let result = match failure.take() {
                    Some(e) => {
                        let _ = writer.rollback();
                        Err(IndexError::Tantivy(e))
                    }
                    None => commit(&mut writer, &reader, &shared, wanted.as_deref()),
                };
                if result.is_ok() {
                    payload = wanted;
                }
                let _ = reply.send(result);
            }
            Op::Shutdown => break,
        }
    }
    // Uncommitted changes are discarded; merges in flight finish so the directory is clean.
    drop(reader);
    let _ = writer.wait_merging_threads();
}

fn commit(
    writer: &mut IndexWriter<TantivyDocument>,
    reader: &IndexReader,
    shared: &Shared,
    payload: Option<&str>,
) -> Result<u64> {
    let mut prepared = writer.prepare_commit()?;
    if let Some(p) = payload {
        prepared.set_payload(p);
    }
    let opstamp = prepared.commit()?;
    reader.reload()?;
    let previous = shared.snapshot.read().expect("snapshot lock").clone();
    let next = Snapshot::build(reader.searcher(), shared.fields, Some(&previous))?;
    *shared.snapshot.write().expect("snapshot lock") = Arc::new(next);
    *shared.payload.write().expect("payload lock") = payload.map(str::to_string);
    Ok(opstamp)
}
