//! A consistent view of the index between two commits (快照): the searcher plus everything that
//! is cached per segment so that queries read arrays instead of the index.
//!
//! - Per segment (immutable, kept across reloads while the segment lives): a dense [`Row`] per
//!   document loaded from the fast fields, and the document sets of filter terms, built lazily
//!   the first time a query asks for them (a bitset when dense, a sorted list when sparse).
//! - Per segment and delete generation: the live-document statistics BM25 needs (documents per
//!   kind, tokens per text field, document frequency per term). Counting only live documents
//!   makes scores independent of update history, so an index rebuilt from the feeds answers
//!   exactly like the live one.
//! - Per segment, filled on first use: what a by-id match needs of a tender or a firm (its
//!   stored document, decoded, and its analysed text), so a repeated query neither reads the
//!   doc store nor runs jieba (see [`Snapshot::prepared`]). Ids are located through the
//!   term dictionary, without a cache entry per id.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering as AtomicOrdering};
use std::sync::{Arc, OnceLock, RwLock};

use tantivy::columnar::{Column, HasAssociatedColumnType, StrColumn};
use tantivy::fastfield::FastFieldReaders;
use tantivy::index::SegmentId;
use tantivy::postings::{Postings, SegmentPostings};
use tantivy::schema::IndexRecordOption;
use tantivy::schema::Value;
use tantivy::{DocAddress, DocSet, Searcher, SegmentReader, TERMINATED, TantivyDocument, Term};

use crate::DocKind;
use crate::bits::DocList;
use crate::docs::{FirmDoc, TenderDoc};
use crate::error::{IndexError, Result};
use crate::needs::{Need, needs};
use crate::schema::{Fields, TextField, names, term};

/// Per-segment caches (filter-term sets, document frequencies) are dropped wholesale beyond
/// this many entries.
const TERM_CACHE_LIMIT: usize = 20_000;
/// A text term gets a dense term-frequency array once it is in one document in this many.
const DENSE_TF_RATIO: usize = 64;
/// Budget of the filter-term sets and dense term frequencies cached by all the segments of
/// every index of the process. Past it, a segment drops its filter-term sets and no new dense
/// frequencies are built (queries then seek the posting lists).
const CACHE_BUDGET_BYTES: usize = 256 << 20;
/// Bytes currently held under [`CACHE_BUDGET_BYTES`].
static CACHED_BYTES: AtomicUsize = AtomicUsize::new(0);
/// Budget of the [`Prepared`] inputs kept by all the segments of every index of the process
/// (a few hundred bytes to a few KB each). Past it, a by-id query prepares its inputs anew
/// each time instead of keeping them.
const PREPARED_BUDGET_BYTES: usize = 32 << 20;
/// Bytes currently held under [`PREPARED_BUDGET_BYTES`].
static PREPARED_BYTES: AtomicUsize = AtomicUsize::new(0);

/// Bytes held now by the caches of every index of the process: the filter-term sets and dense
/// term frequencies (under a 256 MiB budget), and the by-id inputs kept per document (under a
/// 32 MiB budget). For the service's gauges.
pub fn cached_bytes() -> (usize, usize) {
    (
        CACHED_BYTES.load(AtomicOrdering::Relaxed),
        PREPARED_BYTES.load(AtomicOrdering::Relaxed),
    )
}

/// The numbers matching reads about one document, loaded once per segment: one cache line per
/// document, so a candidate costs one memory access.
#[derive(Debug, Clone, Copy, Default)]
#[repr(align(64))]
pub(crate) struct Row {
    pub lon: f64,
    pub lat: f64,
    pub radius_km: f64,
    /// NaN when unknown.
    satisfaction: f64,
    pub credit: i64,
    pub district: u32,
    /// 0 when unknown.
    street: u32,
    /// A firm's capacity left; a compound's or tender's households.
    pub capacity: u32,
    pub experience: u32,
    pub flags: u32,
    pub kind: Option<DocKind>,
}

impl Row {
    #[inline]
    pub(crate) fn has(&self, flag: u32) -> bool {
        self.flags & flag != 0
    }

    pub(crate) fn satisfaction(&self) -> Option<f64> {
        (!self.satisfaction.is_nan()).then_some(self.satisfaction)
    }

    pub(crate) fn street(&self) -> Option<u32> {
        (self.street != 0).then_some(self.street)
    }
}

/// The strings of a document (read only for the returned page and for tie-breaks).
#[derive(Debug, Clone, Default)]
pub(crate) struct Names {
    pub id: Box<str>,
    pub name: Box<str>,
    pub ref_id: Box<str>,
}

/// The immutable per-segment cache.
pub(crate) struct SegmentData {
    id: SegmentId,
    pub rows: Vec<Row>,
    pub names: Vec<Names>,
    terms: RwLock<HashMap<String, Arc<DocList>>>,
    /// Dense term frequencies of common terms, per text field (see [`Snapshot::dense_tfs`]).
    tfs: [RwLock<HashMap<String, Arc<[u8]>>>; 6],
    /// Bytes of `terms` and `tfs`, counted in [`CACHED_BYTES`] until the segment is dropped.
    cached_bytes: AtomicUsize,
    /// Per document, what a by-id match needs (filled on first use).
    prepared: Vec<OnceLock<Arc<Prepared>>>,
    /// Bytes of `prepared`, counted in [`PREPARED_BYTES`] until the segment is dropped.
    prepared_bytes: AtomicUsize,
}

/// What a by-id match of a tender's firms or a firm's tenders needs, read and analysed once
/// per segment: the stored document without its long text, and that text's needs
/// ([`crate::needs::needs`] of the text a query of the document reads: the tender's needs
/// without its compound's name, the firm's profile without its own name).
#[derive(Debug)]
pub(crate) struct Prepared {
    pub doc: PreparedDoc,
    pub needs: Vec<Need>,
}

/// A tender (needs emptied) or a firm (profile emptied).
#[derive(Debug)]
pub(crate) enum PreparedDoc {
    Tender(TenderDoc),
    Firm(FirmDoc),
}

impl Prepared {
    fn of(json: &str, kind: DocKind) -> Result<Self> {
        let corrupt = |e: serde_json::Error| IndexError::Corrupt(e.to_string());
        Ok(match kind {
            DocKind::Tender => {
                let mut t: TenderDoc = serde_json::from_str(json).map_err(corrupt)?;
                let needs = needs(&t.needs_stated());
                t.needs = String::new();
                Self {
                    doc: PreparedDoc::Tender(t),
                    needs,
                }
            }
            DocKind::Firm => {
                let mut f: FirmDoc = serde_json::from_str(json).map_err(corrupt)?;
                let needs = needs(&f.services_stated());
                f.profile = String::new();
                Self {
                    doc: PreparedDoc::Firm(f),
                    needs,
                }
            }
            DocKind::Compound => {
                return Err(IndexError::Corrupt("小区没有匹配输入".into()));
            }
        })
    }

    /// Heap bytes, roughly (for the budget).
    fn bytes(&self, json_len: usize) -> usize {
        std::mem::size_of::<Self>()
            + json_len
            + self.needs.iter().map(Need::heap_bytes).sum::<usize>()
    }
}

impl SegmentData {
    fn account(&self, bytes: usize) {
        self.cached_bytes.fetch_add(bytes, AtomicOrdering::Relaxed);
        CACHED_BYTES.fetch_add(bytes, AtomicOrdering::Relaxed);
    }

    fn release(&self, bytes: usize) {
        self.cached_bytes.fetch_sub(bytes, AtomicOrdering::Relaxed);
        CACHED_BYTES.fetch_sub(bytes, AtomicOrdering::Relaxed);
    }
}

impl Drop for SegmentData {
    fn drop(&mut self) {
        CACHED_BYTES.fetch_sub(
            self.cached_bytes.load(AtomicOrdering::Relaxed),
            AtomicOrdering::Relaxed,
        );
        PREPARED_BYTES.fetch_sub(
            self.prepared_bytes.load(AtomicOrdering::Relaxed),
            AtomicOrdering::Relaxed,
        );
    }
}

/// Live-document statistics of a segment at one delete generation.
struct AliveStats {
    num_deleted: u32,
    kind_docs: [u64; 3],
    tokens: [u64; 6],
    df: RwLock<HashMap<(TextField, String), u32>>,
}

/// One segment as seen by a snapshot.
pub(crate) struct SegmentView {
    pub ord: u32,
    pub data: Arc<SegmentData>,
    alive: Arc<AliveStats>,
}

/// A consistent view of the index between two commits.
pub struct Snapshot {
    pub(crate) searcher: Searcher,
    pub(crate) fields: Fields,
    pub(crate) segments: Vec<SegmentView>,
    kind_docs: [u64; 3],
    /// BM25 length normalisation per text field and fieldnorm id.
    norms: [Arc<[f64; 256]>; 6],
    /// Live document frequency per text field and term, over all segments.
    df: [RwLock<HashMap<String, u64>>; 6],
}

impl Snapshot {
    /// Builds the view of `searcher`, reusing whatever `previous` cached for segments that
    /// are still alive.
    pub(crate) fn build(
        searcher: Searcher,
        fields: Fields,
        previous: Option<&Snapshot>,
    ) -> Result<Snapshot> {
        let mut segments = Vec::with_capacity(searcher.segment_readers().len());
        let mut kind_docs = [0u64; 3];
        let mut tokens = [0u64; 6];
        for (ord, reader) in searcher.segment_readers().iter().enumerate() {
            let old =
                previous.and_then(|p| p.segments.iter().find(|s| s.data.id == reader.segment_id()));
            let data = match old {
                Some(view) => view.data.clone(),
                None => Arc::new(SegmentData::load(reader)?),
            };
            let alive = match old {
                Some(view) if view.alive.num_deleted == reader.num_deleted_docs() => {
                    view.alive.clone()
                }
                _ => Arc::new(AliveStats::compute(reader, &fields, &data)?),
            };
            for (total, n) in kind_docs.iter_mut().zip(alive.kind_docs) {
                *total += n;
            }
            for (total, n) in tokens.iter_mut().zip(alive.tokens) {
                *total += n;
            }
            segments.push(SegmentView {
                ord: ord as u32,
                data,
                alive,
            });
        }
        let norms = TextField::ALL.map(|field| {
            let n = kind_docs[field.kind() as usize];
            let avg = if n == 0 {
                1.0
            } else {
                (tokens[field as usize] as f64 / n as f64).max(1.0)
            };
            let mut norms = [0.0; 256];
            for (id, norm) in norms.iter_mut().enumerate() {
                let dl = f64::from(tantivy::fieldnorm::FieldNormReader::id_to_fieldnorm(
                    id as u8,
                ));
                *norm = K1 * (1.0 - B + B * dl / avg);
            }
            Arc::new(norms)
        });
        Ok(Snapshot {
            searcher,
            fields,
            segments,
            kind_docs,
            norms,
            df: Default::default(),
        })
    }

    pub(crate) fn reader(&self, seg: &SegmentView) -> &SegmentReader {
        self.searcher.segment_reader(seg.ord)
    }

    /// Live documents of a kind.
    pub fn count(&self, kind: DocKind) -> u64 {
        self.kind_docs[kind as usize]
    }

    /// The index generation this snapshot reads (grows with every commit that changed it).
    pub fn generation(&self) -> u64 {
        self.searcher.generation().generation_id()
    }

    /// Number of segments (for diagnostics).
    pub fn segment_count(&self) -> usize {
        self.segments.len()
    }

    /// The segment (index into `segments`) and document of the live document of `kind` with
    /// `id`: one term-dictionary lookup per segment, nothing cached per id.
    pub(crate) fn locate(&self, kind: DocKind, id: &str) -> Result<Option<(usize, u32)>> {
        let uid = Term::from_field_text(self.fields.filter, &term::uid(kind, id));
        for (seg_idx, seg) in self.segments.iter().enumerate().rev() {
            let reader = self.reader(seg);
            let Some(mut postings) = reader
                .inverted_index(self.fields.filter)?
                .read_postings(&uid, IndexRecordOption::Basic)?
            else {
                continue;
            };
            let mut doc = postings.doc();
            while doc != TERMINATED {
                if !reader.is_deleted(doc) {
                    return Ok(Some((seg_idx, doc)));
                }
                doc = postings.advance();
            }
        }
        Ok(None)
    }

    /// The stored JSON of a document.
    pub(crate) fn stored_json(&self, seg_idx: usize, doc: u32) -> Result<String> {
        let address = DocAddress::new(self.segments[seg_idx].ord, doc);
        let stored: TantivyDocument = self.searcher.doc(address)?;
        stored
            .get_first(self.fields.doc)
            .and_then(|v| v.as_str())
            .map(str::to_string)
            .ok_or_else(|| IndexError::Corrupt("缺少存储的文档".into()))
    }

    /// The stored document, decoded.
    pub(crate) fn stored_at<T: serde::de::DeserializeOwned>(
        &self,
        seg_idx: usize,
        doc: u32,
    ) -> Result<T> {
        serde_json::from_str(&self.stored_json(seg_idx, doc)?)
            .map_err(|e| IndexError::Corrupt(e.to_string()))
    }

    /// What a by-id match needs of a tender or firm document: kept with the segment the first
    /// time (within [`PREPARED_BUDGET_BYTES`]), so later queries read no stored document and
    /// run no analyser.
    pub(crate) fn prepared(&self, seg_idx: usize, doc: u32) -> Result<Arc<Prepared>> {
        let data = &self.segments[seg_idx].data;
        let slot = &data.prepared[doc as usize];
        if let Some(hit) = slot.get() {
            return Ok(hit.clone());
        }
        let kind = data.rows[doc as usize]
            .kind
            .ok_or_else(|| IndexError::Corrupt("文档类型未知".into()))?;
        let json = self.stored_json(seg_idx, doc)?;
        let prepared = Arc::new(Prepared::of(&json, kind)?);
        let bytes = prepared.bytes(json.len());
        if PREPARED_BYTES.load(AtomicOrdering::Relaxed) + bytes <= PREPARED_BUDGET_BYTES
            && slot.set(prepared.clone()).is_ok()
        {
            data.prepared_bytes
                .fetch_add(bytes, AtomicOrdering::Relaxed);
            PREPARED_BYTES.fetch_add(bytes, AtomicOrdering::Relaxed);
        }
        Ok(prepared)
    }

    /// The documents of a filter term in a segment (cached).
    pub(crate) fn docs(&self, seg: &SegmentView, text: &str) -> Result<Arc<DocList>> {
        if let Some(hit) = seg.data.terms.read().expect("term cache").get(text) {
            return Ok(hit.clone());
        }
        let reader = self.reader(seg);
        let term = Term::from_field_text(self.fields.filter, text);
        let mut docs = Vec::new();
        if let Some(mut postings) = reader
            .inverted_index(self.fields.filter)?
            .read_postings(&term, IndexRecordOption::Basic)?
        {
            docs.reserve(postings.doc_freq() as usize);
            let mut doc = postings.doc();
            while doc != TERMINATED {
                docs.push(doc);
                doc = postings.advance();
            }
        }
        let set = Arc::new(DocList::from_sorted(docs, reader.max_doc()));
        let bytes = set.bytes();
        let mut cache = seg.data.terms.write().expect("term cache");
        if cache.len() >= TERM_CACHE_LIMIT
            || CACHED_BYTES.load(AtomicOrdering::Relaxed) + bytes > CACHE_BUDGET_BYTES
        {
            seg.data
                .release(cache.drain().map(|(_, set)| set.bytes()).sum());
        }
        if let Some(old) = cache.insert(text.to_string(), set.clone()) {
            seg.data.release(old.bytes());
        }
        seg.data.account(bytes);
        Ok(set)
    }

    /// The cached [`Snapshot::dense_tfs`] of a term, if built already.
    pub(crate) fn cached_tfs(
        &self,
        seg: &SegmentView,
        field: TextField,
        text: &str,
    ) -> Option<Arc<[u8]>> {
        seg.data.tfs[field as usize]
            .read()
            .expect("tf cache")
            .get(text)
            .cloned()
    }

    /// The term frequency of a common term for every document of a segment (0 = absent),
    /// built from its posting list on first use and cached with the segment. Scoring a
    /// candidate then costs one byte read instead of a posting-list seek, which decodes a block
    /// per candidate when candidates are sparse. `None` for a rare term (seeking its short
    /// list is cheap), a frequency above 255, or an exhausted budget.
    pub(crate) fn dense_tfs(
        &self,
        seg: &SegmentView,
        field: TextField,
        text: &str,
        postings: &SegmentPostings,
    ) -> Option<Arc<[u8]>> {
        let cache = &seg.data.tfs[field as usize];
        if let Some(hit) = cache.read().expect("tf cache").get(text) {
            return Some(hit.clone());
        }
        let max_doc = seg.data.rows.len();
        if (postings.doc_freq() as usize) * DENSE_TF_RATIO < max_doc
            || CACHED_BYTES.load(AtomicOrdering::Relaxed) + max_doc > CACHE_BUDGET_BYTES
        {
            return None;
        }
        let mut tfs = vec![0u8; max_doc];
        let mut list = postings.clone();
        let mut doc = list.doc();
        while doc != TERMINATED {
            tfs[doc as usize] = u8::try_from(list.term_freq()).ok()?;
            doc = list.advance();
        }
        let tfs: Arc<[u8]> = tfs.into();
        let mut cache = cache.write().expect("tf cache");
        if let Some(old) = cache.insert(text.to_string(), tfs.clone()) {
            seg.data.release(old.len());
        }
        seg.data.account(max_doc);
        Some(tfs)
    }

    /// Live documents of `field` containing `text`, over the whole snapshot.
    pub(crate) fn doc_freq(&self, field: TextField, text: &str) -> Result<u64> {
        let cache = &self.df[field as usize];
        if let Some(&n) = cache.read().expect("df cache").get(text) {
            return Ok(n);
        }
        let mut total = 0u64;
        let key = (field, text.to_string());
        for seg in &self.segments {
            if let Some(&n) = seg.alive.df.read().expect("df cache").get(&key) {
                total += u64::from(n);
                continue;
            }
            let reader = self.reader(seg);
            let term = Term::from_field_text(self.fields.text(field), text);
            let n = match reader
                .inverted_index(self.fields.text(field))?
                .read_postings(&term, IndexRecordOption::Basic)?
            {
                None => 0,
                Some(postings) => match reader.alive_bitset() {
                    Some(alive) => postings.doc_freq_given_deletes(alive),
                    None => postings.doc_freq(),
                },
            };
            let mut seg_cache = seg.alive.df.write().expect("df cache");
            if seg_cache.len() >= TERM_CACHE_LIMIT {
                seg_cache.clear();
            }
            seg_cache.insert(key.clone(), n);
            total += u64::from(n);
        }
        let mut cache = cache.write().expect("df cache");
        if cache.len() >= TERM_CACHE_LIMIT {
            cache.clear();
        }
        cache.insert(text.to_string(), total);
        Ok(total)
    }

    /// BM25 weight of a query term in a text field, or `None` if no live document has it.
    pub(crate) fn bm25(&self, field: TextField, text: &str) -> Result<Option<Bm25>> {
        let df = self.doc_freq(field, text)?;
        let n = self.kind_docs[field.kind() as usize];
        if df == 0 || n == 0 {
            return Ok(None);
        }
        let (df, n) = (df as f64, n as f64);
        Ok(Some(Bm25 {
            idf: (1.0 + (n - df + 0.5) / (df + 0.5)).ln(),
            norms: self.norms[field as usize].clone(),
        }))
    }
}

/// Okapi BM25 with tantivy's constants, computed in f64 over live-document statistics.
#[derive(Debug, Clone)]
pub(crate) struct Bm25 {
    idf: f64,
    /// `K1·(1 − B + B·dl/avgdl)` per fieldnorm id.
    norms: Arc<[f64; 256]>,
}

const K1: f64 = 1.2;
const B: f64 = 0.75;

impl Bm25 {
    /// Score of a document with this fieldnorm id and term frequency.
    #[inline]
    pub(crate) fn score(&self, fieldnorm_id: u8, tf: u32) -> f64 {
        let tf = f64::from(tf);
        self.idf * (K1 + 1.0) * tf / (tf + self.norms[fieldnorm_id as usize])
    }
}

impl SegmentData {
    fn load(reader: &SegmentReader) -> Result<SegmentData> {
        let ff = reader.fast_fields();
        let max_doc = reader.max_doc();
        let kind = col::<u64>(ff, names::KIND)?;
        let district = col::<u64>(ff, names::DISTRICT)?;
        let street = col::<u64>(ff, names::STREET)?;
        let lon = col::<f64>(ff, names::LON)?;
        let lat = col::<f64>(ff, names::LAT)?;
        let radius = col::<f64>(ff, names::RADIUS)?;
        let capacity = col::<u64>(ff, names::CAPACITY)?;
        let credit = col::<i64>(ff, names::CREDIT)?;
        let satisfaction = col::<f64>(ff, names::SATISFACTION)?;
        let flags = col::<u64>(ff, names::FLAGS)?;
        let experience = col::<u64>(ff, names::EXPERIENCE)?;
        let ids = StrValues::load(ff, names::ID)?;
        let display = StrValues::load(ff, names::NAME)?;
        let refs = StrValues::load(ff, names::REF_ID)?;
        let first = |c: &Option<Column<f64>>, doc| c.as_ref().and_then(|c| c.first(doc));
        let first_u = |c: &Option<Column<u64>>, doc| c.as_ref().and_then(|c| c.first(doc));
        let small = |v: Option<u64>| v.map_or(0, |v| u32::try_from(v).unwrap_or(u32::MAX));
        let rows = (0..max_doc)
            .map(|doc| Row {
                kind: first_u(&kind, doc).and_then(DocKind::from_code),
                district: small(first_u(&district, doc)),
                street: small(first_u(&street, doc)),
                lon: first(&lon, doc).unwrap_or(0.0),
                lat: first(&lat, doc).unwrap_or(0.0),
                radius_km: first(&radius, doc).unwrap_or(0.0),
                capacity: small(first_u(&capacity, doc)),
                credit: credit.as_ref().and_then(|c| c.first(doc)).unwrap_or(0),
                satisfaction: first(&satisfaction, doc).unwrap_or(f64::NAN),
                flags: small(first_u(&flags, doc)),
                experience: small(first_u(&experience, doc)),
            })
            .collect();
        let names = (0..max_doc)
            .map(|doc| Names {
                id: ids.get(doc),
                name: display.get(doc),
                ref_id: refs.get(doc),
            })
            .collect();
        Ok(SegmentData {
            id: reader.segment_id(),
            rows,
            names,
            terms: RwLock::new(HashMap::new()),
            tfs: Default::default(),
            cached_bytes: AtomicUsize::new(0),
            prepared: (0..max_doc).map(|_| OnceLock::new()).collect(),
            prepared_bytes: AtomicUsize::new(0),
        })
    }
}

impl AliveStats {
    fn compute(reader: &SegmentReader, fields: &Fields, data: &SegmentData) -> Result<AliveStats> {
        let mut kind_docs = [0u64; 3];
        let mut tokens = [0u64; 6];
        let norms = TextField::ALL
            .iter()
            .map(|&f| reader.get_fieldnorms_reader(fields.text(f)))
            .collect::<tantivy::Result<Vec<_>>>()?;
        for (doc, row) in data.rows.iter().enumerate() {
            let doc = doc as u32;
            let Some(kind) = row.kind else { continue };
            if reader.is_deleted(doc) {
                continue;
            }
            kind_docs[kind as usize] += 1;
            for (i, field) in TextField::ALL.iter().enumerate() {
                if field.kind() == kind {
                    tokens[i] += u64::from(norms[i].fieldnorm(doc));
                }
            }
        }
        Ok(AliveStats {
            num_deleted: reader.num_deleted_docs(),
            kind_docs,
            tokens,
            df: RwLock::new(HashMap::new()),
        })
    }
}

fn col<T>(ff: &FastFieldReaders, name: &str) -> Result<Option<Column<T>>>
where
    T: HasAssociatedColumnType,
    tantivy::columnar::DynamicColumn: Into<Option<Column<T>>>,
{
    Ok(ff.column_opt::<T>(name)?)
}

/// A string fast field decoded once: its dictionary and the per-document ordinal.
struct StrValues {
    column: Option<StrColumn>,
    values: Vec<Box<str>>,
}

impl StrValues {
    fn load(ff: &FastFieldReaders, name: &str) -> Result<Self> {
        let column = ff.str(name)?;
        let mut values = Vec::new();
        if let Some(column) = &column {
            values.reserve(column.num_terms());
            let mut stream = column.dictionary().stream()?;
            while stream.advance() {
                values.push(String::from_utf8_lossy(stream.key()).into());
            }
        }
        Ok(Self { column, values })
    }

    fn get(&self, doc: u32) -> Box<str> {
        self.column
            .as_ref()
            .and_then(|c| c.term_ords(doc).next())
            .and_then(|ord| self.values.get(ord as usize).cloned())
            .unwrap_or_default()
    }
}
