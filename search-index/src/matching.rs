//! Two-way matching (双向匹配): a tender's firms and a firm's open tenders.
//!
//! Hard filters (DESIGN §5) come from terms precomputed at index time: a tender asks for one
//! key term (`model|fee model|grade`, written only for recommended firms) AND (its district's
//! reach term OR its grid cell's reach term). The intersection is read from cached per-segment
//! document sets; capacity and the exact haversine distance (for firms reached by radius, not
//! by a served district) are checked per candidate on dense one-cache-line rows. Every survivor
//! gets its static score (distance decay, place match, capacity fit, credit, satisfaction,
//! whitelist, public interest, experience) and then its text relevance — the share of the
//! tender's needs the profile covers (synonyms and compound words per [`crate::needs`]), from
//! the needs' terms looked up term at a time over the survivors only, reading a cached byte
//! per candidate for common terms and seeking the posting list for rare ones. No query tree is
//! built per request.

use std::cell::RefCell;
use std::cmp::Ordering;
use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use tantivy::schema::IndexRecordOption;
use tantivy::{DocSet, TERMINATED, Term};

use crate::bits::Bits;
use crate::docs::{
    FirmDoc, TenderDoc, check_code_word, check_grade, check_point, parse_district, parse_street,
};
use crate::error::{IndexError, Result};
use crate::geo::{self, Cell, DistanceBounds, haversine_km};
use crate::needs::{Coverage, Need, needs};
use crate::rank::{self, ScorePart, Weights};
use crate::schema::{DocKind, TextField, flags, term};
use crate::snapshot::{Names, PreparedDoc, Row, Snapshot};

/// Kilometres per degree of latitude (on the mean sphere).
const KM_PER_DEG_LAT: f64 = geo::EARTH_RADIUS_KM * std::f64::consts::PI / 180.0;

/// At most this many distinct query terms are scored (the rest of a long text is ignored).
pub const MAX_QUERY_TERMS: usize = crate::needs::MAX_TERMS;

/// A query with more than `PROBE² × wanted` candidates text-scores its `PROBE × wanted` best
/// bases first, to prune the rest (see `rank`).
const PROBE: usize = 4;

/// The `k`-th largest of `values` (1-based, `k ≤ values.len()`); reorders them.
fn kth_largest(values: &mut [f64], k: usize) -> f64 {
    let (_, kth, _) = values.select_nth_unstable_by(k - 1, |a, b| b.total_cmp(a));
    *kth
}

/// Up to this many looked-up terms, a query memoises the relevance of each term mask.
const MEMO_TERMS: usize = 12;

/// A page of ranked results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hits<T> {
    /// Number of results passing the filters (all pages).
    pub total: usize,
    /// The requested page.
    pub items: Vec<T>,
}

/// What a tender asks for (招标需求), the input of [`Snapshot::match_firms`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TenderQuery {
    /// Needs text matched against firm profiles.
    pub needs: String,
    /// The compound's district code.
    pub district_code: String,
    /// The compound's street code.
    pub street_code: Option<String>,
    /// The compound's longitude.
    pub lon: f64,
    /// The compound's latitude.
    pub lat: f64,
    /// Households to serve.
    pub households: u32,
    /// Wanted service model.
    pub service_model: String,
    /// Wanted fee model.
    pub fee_model: String,
    /// Wanted grade (1–5).
    pub grade: u8,
}

impl From<&TenderDoc> for TenderQuery {
    /// The compound's name is taken out of the needs (the default title “〈compound〉物业服务招标”
    /// is part of the indexed needs): a name states no need.
    fn from(t: &TenderDoc) -> Self {
        Self {
            needs: t.needs_stated(),
            district_code: t.district_code.clone(),
            street_code: Some(t.street_code.clone()),
            lon: t.lon,
            lat: t.lat,
            households: t.households,
            service_model: t.service_model.clone(),
            fee_model: t.fee_model.clone(),
            grade: t.grade,
        }
    }
}

/// What a firm offers, the input of [`Snapshot::match_tenders`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FirmQuery {
    /// Profile text matched against tender needs.
    pub profile: String,
    /// Office district.
    pub district_code: String,
    /// Office street.
    pub street_code: Option<String>,
    /// Office longitude.
    pub lon: f64,
    /// Office latitude.
    pub lat: f64,
    /// Districts served.
    pub districts_served: Vec<String>,
    /// Service radius in km.
    pub service_radius_km: f64,
    /// Models offered.
    pub service_models: Vec<String>,
    /// Fee models accepted.
    pub fee_models: Vec<String>,
    /// Grades deliverable.
    pub grades: Vec<u8>,
    /// Households the firm can still take on.
    pub capacity_left: u32,
    /// Only recommended firms may bid: a firm that is not gets no tenders.
    pub recommended: bool,
}

impl From<&FirmDoc> for FirmQuery {
    /// The firm's own name is taken out of its profile (“成都某某物业服务有限公司成立于…”): a name
    /// offers no service.
    fn from(f: &FirmDoc) -> Self {
        Self {
            profile: f.services_stated(),
            district_code: f.district_code.clone(),
            street_code: f.street_code.clone(),
            lon: f.lon,
            lat: f.lat,
            districts_served: f.districts_served.clone(),
            service_radius_km: f.service_radius_km,
            service_models: f.service_models.clone(),
            fee_models: f.fee_models.clone(),
            grades: f.grades.clone(),
            capacity_left: f.capacity_left,
            recommended: f.recommended,
        }
    }
}

/// A firm matched to a tender, with the reasons.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FirmMatch {
    /// Firm id.
    pub firm_id: String,
    /// Firm name.
    pub name: String,
    /// Total score (sum of the parts).
    pub score: f64,
    /// Distance from the firm's office to the compound.
    pub distance_km: f64,
    /// Score parts with Chinese explanations.
    pub parts: Vec<ScorePart>,
    /// For each need of the tender the profile meets, the profile's word for it (维护保养 for
    /// 维保), in the needs' order.
    pub matched_terms: Vec<String>,
}

/// An open tender matched to a firm, with the reasons.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TenderMatch {
    /// Tender id.
    pub tender_id: String,
    /// The compound's id.
    pub compound_id: String,
    /// The compound's name.
    pub compound_name: String,
    /// Total score (sum of the parts).
    pub score: f64,
    /// Distance from the firm's office to the compound.
    pub distance_km: f64,
    /// Score parts with Chinese explanations.
    pub parts: Vec<ScorePart>,
    /// For each service of the profile the tender's needs mention, the tender's word for it,
    /// in the profile's order.
    pub matched_terms: Vec<String>,
}

/// A survivor of the hard filters.
#[derive(Clone)]
struct Candidate {
    seg: usize,
    doc: u32,
    /// The distance when `exact`, else a lower bound.
    distance_km: f64,
    by_district: bool,
    /// The score without text when `exact`, else an upper bound of it.
    base: f64,
    /// `base − slack` is a lower bound of the score without text (0 when `exact`).
    slack: f64,
    /// Whether `distance_km` and `base` are the exact values (computed as in the answer).
    exact: bool,
    text: f64,
    mask: u64,
}

impl Candidate {
    fn score(&self, w: &Weights) -> f64 {
        self.base + w.text * self.text
    }
}

/// Buffers reused by the queries of one thread (searches run on a pool of blocking threads),
/// so a query allocates little beyond its answer.
#[derive(Default)]
struct Scratch {
    words: Vec<u64>,
    picked: Vec<u32>,
    cands: Vec<Candidate>,
    bases: Vec<f64>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::default();
}

fn with_scratch<R>(f: impl FnOnce(&mut Scratch) -> R) -> R {
    let mut scratch = SCRATCH.with(RefCell::take);
    // An earlier query may have stopped half-way on an error.
    scratch.cands.clear();
    scratch.picked.clear();
    let result = f(&mut scratch);
    SCRATCH.with(|cell| *cell.borrow_mut() = scratch);
    result
}

/// The query text's needs (see [`needs`]): the terms to look up (terms no live document has
/// are dropped) and how a candidate's set of found terms becomes its text relevance — the
/// share of the needs it covers, in [0, 1], each need counted once whatever the repetitions.
struct TextQuery {
    cover: Coverage,
}

impl TextQuery {
    fn new(snap: &Snapshot, field: TextField, needs: &[Need]) -> Result<Self> {
        let cover =
            Coverage::from_needs(needs, |t| Ok::<_, IndexError>(snap.doc_freq(field, t)? > 0))?;
        Ok(Self { cover })
    }

    fn terms(&self) -> &[String] {
        self.cover.terms()
    }

    fn max_score(&self) -> f64 {
        self.cover.max_relevance()
    }
}

impl Snapshot {
    /// Scores `cands` (sorted by segment, then document) on a text field.
    fn score_text(
        &self,
        field: TextField,
        query: &TextQuery,
        cands: &mut [Candidate],
    ) -> Result<()> {
        if query.terms().is_empty() {
            return Ok(());
        }
        let mut start = 0;
        while start < cands.len() {
            let seg_idx = cands[start].seg;
            let end = start
                + cands[start..]
                    .iter()
                    .position(|c| c.seg != seg_idx)
                    .unwrap_or(cands.len() - start);
            let group = &mut cands[start..end];
            let seg = &self.segments[seg_idx];
            let reader = self.reader(seg);
            let tantivy_field = self.fields.text(field);
            let mut inverted = None;
            for (ti, text) in query.terms().iter().enumerate() {
                // A common term's frequencies already cached need no term lookup at all.
                if let Some(tfs) = self.cached_tfs(seg, field, text) {
                    for cand in group.iter_mut() {
                        let has = tfs[cand.doc as usize] != 0;
                        cand.mask |= u64::from(has) << ti;
                    }
                    continue;
                }
                let inverted = match &inverted {
                    Some(inv) => inv,
                    None => inverted.insert(reader.inverted_index(tantivy_field)?),
                };
                let term = Term::from_field_text(tantivy_field, text);
                let Some(mut postings) =
                    inverted.read_postings(&term, IndexRecordOption::WithFreqs)?
                else {
                    continue;
                };
                if let Some(tfs) = self.dense_tfs(seg, field, text, &postings) {
                    // Branch-free: whether a candidate has a common term is close to a coin
                    // toss, which a branch mispredicts about half the time.
                    for cand in group.iter_mut() {
                        let has = tfs[cand.doc as usize] != 0;
                        cand.mask |= u64::from(has) << ti;
                    }
                    continue;
                }
                for cand in group.iter_mut() {
                    let mut doc = postings.doc();
                    if doc < cand.doc {
                        doc = postings.seek(cand.doc);
                    }
                    if doc == TERMINATED {
                        break;
                    }
                    if doc == cand.doc {
                        cand.mask |= 1 << ti;
                    }
                }
            }
            start = end;
        }
        // The one place term hits become a text score (needs covered, see `needs`). Many
        // candidates share a mask: with few terms, each mask's relevance is computed once.
        let bits = query.terms().len();
        if bits <= MEMO_TERMS && cands.len() >= 4 << bits.min(8) {
            let mut memo = vec![f64::NAN; 1 << bits];
            for cand in cands.iter_mut() {
                let slot = &mut memo[cand.mask as usize];
                if slot.is_nan() {
                    *slot = query.cover.relevance(cand.mask);
                }
                cand.text = *slot;
            }
        } else {
            for cand in cands.iter_mut() {
                cand.text = query.cover.relevance(cand.mask);
            }
        }
        Ok(())
    }

    /// Keeps the best `offset + limit` candidates in rank order (score desc, id asc), text
    /// scored only where it can change the page: text adds at most the text weight times the
    /// highest relevance the query's needs allow, so a candidate whose base plus that bound stays below the `wanted`-th best
    /// base can never reach the page. (With the default weights text dominates and this rarely
    /// prunes; a candidate-at-a-time max-score loop was measured slower than scoring every
    /// survivor term-at-a-time, which reads each posting list once in order.)
    ///
    /// Candidates whose base is only bounded (not `exact`) are ranked on their bounds; after
    /// text, the ones whose upper bound still reaches the `wanted`-th best lower bound are made
    /// exact by `exact` (the others are strictly below `wanted` candidates whatever their exact
    /// value), and the final order is taken on exact scores only.
    #[allow(clippy::too_many_arguments)]
    fn rank(
        &self,
        cands: &mut Vec<Candidate>,
        field: TextField,
        query: &TextQuery,
        w: &Weights,
        wanted: usize,
        bases: &mut Vec<f64>,
        mut exact: impl FnMut(&mut Candidate),
    ) -> Result<()> {
        if wanted == 0 || cands.is_empty() {
            cands.clear();
            return Ok(());
        }
        let text_max = w.text * query.max_score();
        if text_max > 0.0 {
            if wanted < cands.len() {
                bases.clear();
                bases.extend(cands.iter().map(|c| c.base - c.slack));
                let mut threshold = kth_largest(bases, wanted);
                // Many candidates: text-score the `PROBE × wanted` best bases first; the
                // `wanted`-th best score among them is a floor the page will reach, so a
                // candidate whose base plus the most text can give stays below it is out
                // without looking up its terms.
                let probe_n = wanted.saturating_mul(PROBE);
                if cands.len() > PROBE * probe_n {
                    bases.clear();
                    bases.extend(cands.iter().map(|c| c.base));
                    let cut = kth_largest(bases, probe_n);
                    let mut probe: Vec<Candidate> =
                        cands.iter().filter(|c| c.base >= cut).cloned().collect();
                    self.score_text(field, query, &mut probe)?;
                    if probe.len() >= wanted {
                        bases.clear();
                        bases.extend(probe.iter().map(|c| (c.base - c.slack) + w.text * c.text));
                        threshold = threshold.max(kth_largest(bases, wanted));
                    }
                }
                cands.retain(|c| c.base + text_max >= threshold);
            }
            self.score_text(field, query, cands)?;
        }
        if cands.iter().any(|c| !c.exact) {
            if wanted < cands.len() {
                bases.clear();
                bases.extend(cands.iter().map(|c| (c.base - c.slack) + w.text * c.text));
                let threshold = kth_largest(bases, wanted);
                cands.retain(|c| c.base + w.text * c.text >= threshold);
            }
            for c in cands.iter_mut().filter(|c| !c.exact) {
                exact(c);
                debug_assert!(c.exact && c.slack == 0.0);
            }
        }
        self.top(cands, w, wanted);
        Ok(())
    }

    /// Keeps the best `wanted` of fully scored candidates, in rank order.
    fn top(&self, cands: &mut Vec<Candidate>, w: &Weights, wanted: usize) {
        let order = |a: &Candidate, b: &Candidate| -> Ordering {
            b.score(w)
                .total_cmp(&a.score(w))
                .then_with(|| self.names(a).id.cmp(&self.names(b).id))
        };
        if wanted < cands.len() {
            cands.select_nth_unstable_by(wanted - 1, order);
            cands.truncate(wanted);
        }
        cands.sort_by(order);
    }

    fn row(&self, c: &Candidate) -> &Row {
        &self.segments[c.seg].data.rows[c.doc as usize]
    }

    fn names(&self, c: &Candidate) -> &Names {
        &self.segments[c.seg].data.names[c.doc as usize]
    }

    /// The firms a tender may be matched with, best first (hard filters of DESIGN §5, then the
    /// score parts of [`Weights`]). `total` counts every firm passing the filters.
    pub fn match_firms(
        &self,
        q: &TenderQuery,
        limit: usize,
        offset: usize,
        w: &Weights,
    ) -> Result<Hits<FirmMatch>> {
        self.match_firms_with(q, &needs(&q.needs), limit, offset, w)
    }

    /// [`Snapshot::match_firms`] of the indexed tender `id` (open or not): its compound's id
    /// and its matched firms, or `None` if no such tender is indexed. The tender's query
    /// inputs are read and analysed once and kept with the snapshot's segment.
    pub fn match_tender(
        &self,
        id: &str,
        limit: usize,
        offset: usize,
        w: &Weights,
    ) -> Result<Option<(String, Hits<FirmMatch>)>> {
        let Some((seg, doc)) = self.locate(DocKind::Tender, id)? else {
            return Ok(None);
        };
        let prepared = self.prepared(seg, doc)?;
        let PreparedDoc::Tender(tender) = &prepared.doc else {
            return Err(IndexError::Corrupt("不是招标文档".into()));
        };
        let hits = self.match_firms_with(&tender.into(), &prepared.needs, limit, offset, w)?;
        Ok(Some((tender.compound_id.clone(), hits)))
    }

    /// [`Snapshot::match_tenders`] of the indexed firm `id`, or `None` if no such firm is
    /// indexed (inputs kept like [`Snapshot::match_tender`]'s).
    pub fn match_firm(
        &self,
        id: &str,
        limit: usize,
        offset: usize,
        w: &Weights,
    ) -> Result<Option<Hits<TenderMatch>>> {
        let Some((seg, doc)) = self.locate(DocKind::Firm, id)? else {
            return Ok(None);
        };
        let prepared = self.prepared(seg, doc)?;
        let PreparedDoc::Firm(firm) = &prepared.doc else {
            return Err(IndexError::Corrupt("不是企业文档".into()));
        };
        self.match_tenders_with(&firm.into(), &prepared.needs, limit, offset, w)
            .map(Some)
    }

    /// [`Snapshot::match_firms`] with the tender's needs already read.
    fn match_firms_with(
        &self,
        q: &TenderQuery,
        needs: &[Need],
        limit: usize,
        offset: usize,
        w: &Weights,
    ) -> Result<Hits<FirmMatch>> {
        w.validate()?;
        q.validate()?;
        let district = parse_district("district_code", &q.district_code)?;
        let street = q
            .street_code
            .as_deref()
            .map(|s| parse_street("street_code", s))
            .transpose()?;
        let ctx = TenderCtx {
            q,
            district,
            street,
            community: q.service_model == "community",
        };
        let key = term::firm_key(&q.service_model, &q.fee_model, q.grade);
        let by_district_term = term::firm_reach_district(&q.district_code);
        let fine = term::firm_reach_fine(Cell::of(q.lon, q.lat, geo::FINE_CELL_DEG));
        let coarse = term::firm_reach_coarse(Cell::of(q.lon, q.lat, geo::COARSE_CELL_DEG));
        let bounds = DistanceBounds::from(q.lon, q.lat);
        // The exact distance and base of a candidate, as the answer reports them.
        let make_exact = |c: &mut Candidate, row: &Row, distance_km: f64| {
            let mut base = Sum(0.0);
            firm_parts(&mut base, w, &ctx, row, distance_km, c.by_district);
            c.distance_km = distance_km;
            c.base = base.0;
            c.slack = 0.0;
            c.exact = true;
        };

        with_scratch(|scratch| {
            let Scratch {
                words,
                picked,
                cands,
                bases,
                ..
            } = scratch;
            for (seg_idx, seg) in self.segments.iter().enumerate() {
                let keyed = self.docs(seg, &key)?;
                if keyed.is_empty() {
                    continue;
                }
                let served = self.docs(seg, &by_district_term)?;
                let reader = self.reader(seg);
                let rows = &seg.data.rows;
                let mut reach = Bits::from_buffer(std::mem::take(words), reader.max_doc());
                reach.union_with(&served);
                reach.union_with(&*self.docs(seg, &fine)?);
                reach.union_with(&*self.docs(seg, &coarse)?);
                // A tight first pass (one row read per document, no arithmetic) lets the CPU keep
                // many row loads in flight; the second pass finds the rows in cache.
                picked.clear();
                keyed.for_each_in(&reach, |doc| {
                    let row = &rows[doc as usize];
                    if row.capacity >= q.households
                        && row.has(flags::RECOMMENDED)
                        && row.kind == Some(DocKind::Firm)
                    {
                        picked.push(doc);
                    }
                });
                *words = reach.into_buffer();
                for &doc in picked.iter() {
                    if reader.is_deleted(doc) {
                        continue;
                    }
                    let row = &rows[doc as usize];
                    let by_district = served.contains(doc);
                    // Great-circle distance is never below the latitude difference: a cheap
                    // rejection before the trigonometry.
                    if !by_district && (row.lat - q.lat).abs() * KM_PER_DEG_LAT > row.radius_km {
                        continue;
                    }
                    // Bounds of the distance first; the exact distance only where the bounds
                    // straddle the firm's radius (here) or the candidate can still reach the
                    // page (`rank`).
                    let (near, far) = bounds.bounds(row.lon, row.lat);
                    let mut cand = Candidate {
                        seg: seg_idx,
                        doc,
                        distance_km: near,
                        by_district,
                        base: 0.0,
                        slack: 0.0,
                        exact: false,
                        text: 0.0,
                        mask: 0,
                    };
                    if !by_district && far > row.radius_km {
                        if near > row.radius_km {
                            continue;
                        }
                        let distance_km = haversine_km(q.lon, q.lat, row.lon, row.lat);
                        if distance_km > row.radius_km {
                            continue;
                        }
                        make_exact(&mut cand, row, distance_km);
                    } else {
                        // Distance decay is decreasing and `w.distance / scale`-Lipschitz:
                        // the base at `near` bounds it from above, and it is at most that
                        // much lower at `far`.
                        let mut base = Sum(0.0);
                        firm_parts(&mut base, w, &ctx, row, near, by_district);
                        cand.base = base.0 + 1e-9;
                        cand.slack = w.distance * (far - near) / w.distance_scale_km + 2e-9;
                    }
                    cands.push(cand);
                }
            }
            let total = cands.len();
            let query = TextQuery::new(self, TextField::FirmProfile, needs)?;
            self.rank(
                cands,
                TextField::FirmProfile,
                &query,
                w,
                offset.saturating_add(limit),
                bases,
                |c| {
                    let row = self.row(c);
                    make_exact(c, row, haversine_km(q.lon, q.lat, row.lon, row.lat));
                },
            )?;
            let items = cands
                .iter()
                .skip(offset)
                .map(|c| {
                    let (row, names) = (self.row(c), self.names(c));
                    let mut parts = Vec::with_capacity(16);
                    firm_parts(&mut parts, w, &ctx, row, c.distance_km, c.by_district);
                    let report = query.cover.report(c.mask);
                    parts.push(rank::text_part(
                        w.text * c.text,
                        w.text,
                        &report,
                        "需求与企业简介",
                        "企业简介覆盖招标需求",
                    ));
                    let matched = report.matched_words();
                    FirmMatch {
                        firm_id: names.id.to_string(),
                        name: names.name.to_string(),
                        score: c.score(w),
                        distance_km: c.distance_km,
                        parts,
                        matched_terms: matched,
                    }
                })
                .collect();
            cands.clear();
            Ok(Hits { total, items })
        })
    }

    /// The open tenders a firm qualifies for, nearest and best-fitting first. A firm that is
    /// not recommended gets none.
    pub fn match_tenders(
        &self,
        q: &FirmQuery,
        limit: usize,
        offset: usize,
        w: &Weights,
    ) -> Result<Hits<TenderMatch>> {
        self.match_tenders_with(q, &needs(&q.profile), limit, offset, w)
    }

    /// [`Snapshot::match_tenders`] with the profile's needs already read.
    fn match_tenders_with(
        &self,
        q: &FirmQuery,
        needs: &[Need],
        limit: usize,
        offset: usize,
        w: &Weights,
    ) -> Result<Hits<TenderMatch>> {
        w.validate()?;
        q.validate()?;
        if !q.recommended {
            return Ok(Hits {
                total: 0,
                items: Vec::new(),
            });
        }
        let district = parse_district("district_code", &q.district_code)?;
        let street = q
            .street_code
            .as_deref()
            .map(|s| parse_street("street_code", s))
            .transpose()?;
        let served: HashSet<u32> = q
            .districts_served
            .iter()
            .map(|d| parse_district("districts_served", d))
            .collect::<Result<_>>()?;
        let ctx = FirmCtx {
            q,
            district,
            street,
        };
        let mut key_terms = Vec::new();
        for m in dedup(&q.service_models) {
            for f in dedup(&q.fee_models) {
                for g in dedup(&q.grades) {
                    key_terms.push(term::tender_key(m, f, *g));
                }
            }
        }
        let mut reach_terms: Vec<String> = dedup(&q.districts_served)
            .into_iter()
            .map(|d| term::tender_district(d))
            .collect();
        let side = geo::grid_for_radius(q.service_radius_km);
        for cell in geo::cells_touched(q.lon, q.lat, q.service_radius_km, side) {
            reach_terms.push(if side == geo::FINE_CELL_DEG {
                term::tender_fine(cell)
            } else {
                term::tender_coarse(cell)
            });
        }

        let mut cands = Vec::new();
        for (seg_idx, seg) in self.segments.iter().enumerate() {
            let reader = self.reader(seg);
            let mut keyed = Bits::new(reader.max_doc());
            let mut any = false;
            for t in &key_terms {
                let set = self.docs(seg, t)?;
                if !set.is_empty() {
                    keyed.union_with(&set);
                    any = true;
                }
            }
            if !any {
                continue;
            }
            let mut reach = Bits::new(reader.max_doc());
            for t in &reach_terms {
                reach.union_with(&*self.docs(seg, t)?);
            }
            reach.intersect_with(&crate::bits::DocList::Bits(keyed));
            for doc in reach.iter() {
                if reader.is_deleted(doc) {
                    continue;
                }
                let row = &seg.data.rows[doc as usize];
                if row.kind != Some(DocKind::Tender)
                    || !row.has(flags::OPEN)
                    || row.capacity > q.capacity_left
                {
                    continue;
                }
                let distance_km = haversine_km(q.lon, q.lat, row.lon, row.lat);
                let by_district = served.contains(&row.district);
                if !by_district && distance_km > q.service_radius_km {
                    continue;
                }
                let mut base = Sum(0.0);
                tender_parts(&mut base, w, &ctx, row, distance_km, by_district);
                let base = base.0;
                cands.push(Candidate {
                    seg: seg_idx,
                    doc,
                    distance_km,
                    by_district,
                    base,
                    slack: 0.0,
                    exact: true,
                    text: 0.0,
                    mask: 0,
                });
            }
        }
        let total = cands.len();
        let query = TextQuery::new(self, TextField::TenderNeeds, needs)?;
        self.rank(
            &mut cands,
            TextField::TenderNeeds,
            &query,
            w,
            offset.saturating_add(limit),
            &mut Vec::new(),
            |_| {},
        )?;
        let items = cands
            .iter()
            .skip(offset)
            .map(|c| {
                let (row, names) = (self.row(c), self.names(c));
                let mut parts = Vec::with_capacity(16);
                tender_parts(&mut parts, w, &ctx, row, c.distance_km, c.by_district);
                let report = query.cover.report(c.mask);
                parts.push(rank::text_part(
                    w.text * c.text,
                    w.text,
                    &report,
                    "企业简介与需求",
                    "招标需求用到企业服务",
                ));
                let matched = report.matched_words();
                TenderMatch {
                    tender_id: names.id.to_string(),
                    compound_id: names.ref_id.to_string(),
                    compound_name: names.name.to_string(),
                    score: c.score(w),
                    distance_km: c.distance_km,
                    parts,
                    matched_terms: matched,
                }
            })
            .collect();
        Ok(Hits { total, items })
    }
}

fn dedup<T: Ord>(items: &[T]) -> Vec<&T> {
    let mut v: Vec<&T> = items.iter().collect();
    v.sort();
    v.dedup();
    v
}

/// Receives score parts: either sums them (per candidate, no allocation) or records them with
/// their explanations (for the returned page). One function per direction feeds both, so the
/// ranking score and the returned parts cannot drift apart.
trait Sink {
    fn part(&mut self, name: &str, value: f64, detail: impl FnOnce() -> String);
}

/// Sums part values.
struct Sum(f64);

impl Sink for Sum {
    #[inline]
    fn part(&mut self, _: &str, value: f64, _: impl FnOnce() -> String) {
        self.0 += value;
    }
}

impl Sink for Vec<ScorePart> {
    fn part(&mut self, name: &str, value: f64, detail: impl FnOnce() -> String) {
        self.push(ScorePart::new(name, value, detail()));
    }
}

fn reach_part(
    sink: &mut impl Sink,
    by_district: bool,
    district: u32,
    radius_km: f64,
    distance_km: f64,
) {
    sink.part("reach", 0.0, || {
        if by_district {
            format!("服务区域包含{}", rank::code_label(district))
        } else {
            format!("在服务半径 {radius_km:.1} 公里内（相距 {distance_km:.1} 公里）")
        }
    });
}

/// A tender query with its codes parsed.
struct TenderCtx<'a> {
    q: &'a TenderQuery,
    district: u32,
    street: Option<u32>,
    community: bool,
}

/// The parts of a firm's score for a tender, text excluded (it is appended last).
fn firm_parts(
    sink: &mut impl Sink,
    w: &Weights,
    t: &TenderCtx<'_>,
    row: &Row,
    distance_km: f64,
    by_district: bool,
) {
    let q = t.q;
    sink.part("distance", rank::distance_value(w, distance_km), || {
        format!("距离 {distance_km:.1} 公里")
    });
    reach_part(sink, by_district, t.district, row.radius_km, distance_km);
    sink.part("model", 0.0, || {
        format!("提供{}", rank::model_label(&q.service_model))
    });
    sink.part("fee_model", 0.0, || {
        format!("接受{}", rank::fee_label(&q.fee_model))
    });
    sink.part("grade", 0.0, || {
        format!("可提供{}服务", rank::grade_label(q.grade))
    });
    if row.district == t.district {
        sink.part("same_district", w.same_district, || {
            format!("企业位于同一区县（{}）", rank::code_label(t.district))
        });
    }
    if let Some(street) = t.street
        && row.street() == Some(street)
    {
        sink.part("same_street", w.same_street, || {
            format!("企业位于同一街道（{}）", rank::code_label(street))
        });
    }
    capacity_part(sink, w, row.capacity, q.households);
    sink.part("credit", rank::credit_value(w, row.credit), || {
        format!("信用分 {}", row.credit)
    });
    sink.part(
        "satisfaction",
        rank::satisfaction_value(w, row.satisfaction()),
        || rank::satisfaction_detail(w, row.satisfaction()),
    );
    if row.has(flags::WHITELISTED) {
        sink.part("whitelist", w.whitelist, || "列入检查白名单".into());
    }
    let (soe, low_profit) = (row.has(flags::SOE), row.has(flags::LOW_PROFIT));
    if t.community && (soe || low_profit) {
        sink.part("public_interest", w.public_interest, || {
            let who = match (soe, low_profit) {
                (true, true) => "国有企业，承诺微利/公益服务",
                (true, false) => "国有企业",
                _ => "承诺微利/公益服务",
            };
            format!("{who}，适合公益/保障型物业")
        });
    }
    if row.experience > 0 {
        sink.part(
            "experience",
            rank::experience_value(w, row.experience),
            || format!("已服务老旧小区 {} 个", row.experience),
        );
    }
}

fn capacity_part(sink: &mut impl Sink, w: &Weights, capacity_left: u32, households: u32) {
    sink.part(
        "capacity",
        w.capacity * rank::capacity_fit(capacity_left, households),
        || {
            let spare = capacity_left.saturating_sub(households);
            format!("剩余服务能力 {capacity_left} 户，承接本小区 {households} 户后仍余 {spare} 户")
        },
    );
}

/// A firm query with its codes parsed.
struct FirmCtx<'a> {
    q: &'a FirmQuery,
    district: u32,
    street: Option<u32>,
}

/// The parts of a tender's score for a firm, text excluded (it is appended last).
fn tender_parts(
    sink: &mut impl Sink,
    w: &Weights,
    f: &FirmCtx<'_>,
    row: &Row,
    distance_km: f64,
    by_district: bool,
) {
    sink.part("distance", rank::distance_value(w, distance_km), || {
        format!("距离 {distance_km:.1} 公里")
    });
    reach_part(
        sink,
        by_district,
        row.district,
        f.q.service_radius_km,
        distance_km,
    );
    if row.district == f.district {
        sink.part("same_district", w.same_district, || {
            format!("小区位于企业所在区县（{}）", rank::code_label(f.district))
        });
    }
    if let Some(street) = f.street
        && row.street() == Some(street)
    {
        sink.part("same_street", w.same_street, || {
            format!("小区位于企业所在街道（{}）", rank::code_label(street))
        });
    }
    capacity_part(sink, w, f.q.capacity_left, row.capacity);
}

impl TenderQuery {
    /// Checks the query's fields.
    pub fn validate(&self) -> Result<()> {
        parse_district("district_code", &self.district_code).map_err(as_query)?;
        if let Some(s) = &self.street_code {
            parse_street("street_code", s).map_err(as_query)?;
        }
        check_point(self.lon, self.lat).map_err(as_query)?;
        check_code_word("service_model", &self.service_model).map_err(as_query)?;
        check_code_word("fee_model", &self.fee_model).map_err(as_query)?;
        check_grade("grade", self.grade).map_err(as_query)
    }
}

impl FirmQuery {
    /// Checks the query's fields.
    pub fn validate(&self) -> Result<()> {
        parse_district("district_code", &self.district_code).map_err(as_query)?;
        if let Some(s) = &self.street_code {
            parse_street("street_code", s).map_err(as_query)?;
        }
        check_point(self.lon, self.lat).map_err(as_query)?;
        for d in &self.districts_served {
            parse_district("districts_served", d).map_err(as_query)?;
        }
        if !self.service_radius_km.is_finite()
            || !(0.0..=geo::MAX_RADIUS_KM).contains(&self.service_radius_km)
        {
            return Err(IndexError::query(
                "service_radius_km",
                format!("服务半径须在 0–{} 公里之间", geo::MAX_RADIUS_KM),
            ));
        }
        for m in &self.service_models {
            check_code_word("service_models", m).map_err(as_query)?;
        }
        for m in &self.fee_models {
            check_code_word("fee_models", m).map_err(as_query)?;
        }
        for g in &self.grades {
            check_grade("grades", *g).map_err(as_query)?;
        }
        if self.service_models.len() * self.fee_models.len() * self.grades.len() > 2_000 {
            return Err(IndexError::query(
                "service_models",
                "服务方式 × 收费方式 × 等级的组合过多",
            ));
        }
        Ok(())
    }
}

/// Re-labels a document validation error as a query error.
pub(crate) fn as_query(e: IndexError) -> IndexError {
    match e {
        IndexError::InvalidDocument { field, message } => {
            IndexError::InvalidQuery { field, message }
        }
        other => other,
    }
}
