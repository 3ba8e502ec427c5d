//! Free-text search (全文检索) over firms, compounds or tenders with the same filters as
//! matching, and reads of stored documents by id.
//!
//! Filters become terms of the `filter` field whose per-segment document sets are intersected;
//! the query text is analysed like the documents and scored with BM25 on the kind's name
//! (boosted) and body fields. An empty query lists every document passing the filters, by id;
//! a query made only of punctuation or boilerplate matches nothing.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use tantivy::postings::Postings;
use tantivy::schema::IndexRecordOption;
use tantivy::{DocSet, TERMINATED, Term};

use crate::analyzer;
use crate::bits::Bits;
use crate::bundles::{Bundle, suggest_bundles};
use crate::docs::{
    CompoundDoc, FirmDoc, TenderDoc, check_code_word, check_grade, parse_district, parse_street,
};
use crate::error::{IndexError, Result};
use crate::matching::{Hits, MAX_QUERY_TERMS, as_query};
use crate::schema::{DocKind, TextField, term};
use crate::snapshot::Snapshot;

/// Filters of a free-text search. A filter that does not apply to the searched kind is an
/// error (e.g. `covered` on firms).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SearchFilters {
    /// District code: a firm located in or serving it; a compound or tender in it.
    pub district: Option<String>,
    /// Street code: a firm, compound or tender located in it.
    pub street: Option<String>,
    /// Service model offered (firms) or wanted (tenders).
    pub service_model: Option<String>,
    /// Fee model accepted (firms) or wanted (tenders).
    pub fee_model: Option<String>,
    /// Grade deliverable (firms) or wanted (tenders).
    pub grade: Option<u8>,
    /// Firms: on the recommended roster or not.
    pub recommended: Option<bool>,
    /// Compounds: covered or not.
    pub covered: Option<bool>,
    /// Compounds: eligible and willing or not.
    pub eligible: Option<bool>,
}

/// One search result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchHit {
    /// Kind of the document.
    pub kind: DocKind,
    /// Its id.
    pub id: String,
    /// Its display name (a tender's is its compound's name).
    pub name: String,
    /// BM25 relevance (0 for a listing without query text).
    pub score: f64,
    /// Query terms found in the document.
    pub matched_terms: Vec<String>,
}

fn not_for(field: &'static str, kind: DocKind) -> IndexError {
    let what = match kind {
        DocKind::Firm => "企业",
        DocKind::Compound => "小区",
        DocKind::Tender => "招标",
    };
    IndexError::query(field, format!("该筛选条件不适用于{what}检索"))
}

impl SearchFilters {
    /// The filter terms for a kind (every one must hold), or the error naming a bad filter.
    fn terms(&self, kind: DocKind) -> Result<Vec<String>> {
        let mut out = vec![term::kind(kind)];
        if let Some(d) = &self.district {
            parse_district("district", d).map_err(as_query)?;
            out.push(match kind {
                DocKind::Firm => term::firm_district(d),
                DocKind::Compound => term::compound_district(d),
                DocKind::Tender => term::tender_district(d),
            });
        }
        if let Some(s) = &self.street {
            parse_street("street", s).map_err(as_query)?;
            out.push(match kind {
                DocKind::Firm => term::firm_street(s),
                DocKind::Compound => term::compound_street(s),
                DocKind::Tender => term::tender_street(s),
            });
        }
        if let Some(m) = &self.service_model {
            check_code_word("service_model", m).map_err(as_query)?;
            out.push(match kind {
                DocKind::Firm => term::firm_model(m),
                DocKind::Tender => term::tender_model(m),
                DocKind::Compound => return Err(not_for("service_model", kind)),
            });
        }
        if let Some(f) = &self.fee_model {
            check_code_word("fee_model", f).map_err(as_query)?;
            out.push(match kind {
                DocKind::Firm => term::firm_fee(f),
                DocKind::Tender => term::tender_fee(f),
                DocKind::Compound => return Err(not_for("fee_model", kind)),
            });
        }
        if let Some(g) = self.grade {
            check_grade("grade", g).map_err(as_query)?;
            out.push(match kind {
                DocKind::Firm => term::firm_grade(g),
                DocKind::Tender => term::tender_grade(g),
                DocKind::Compound => return Err(not_for("grade", kind)),
            });
        }
        if let Some(r) = self.recommended {
            if kind != DocKind::Firm {
                return Err(not_for("recommended", kind));
            }
            out.push(term::firm_recommended(r));
        }
        if let Some(c) = self.covered {
            if kind != DocKind::Compound {
                return Err(not_for("covered", kind));
            }
            out.push(term::compound_covered(c));
        }
        if let Some(e) = self.eligible {
            if kind != DocKind::Compound {
                return Err(not_for("eligible", kind));
            }
            out.push(term::compound_eligible(e));
        }
        if kind == DocKind::Tender {
            out.push(term::tender_open(true));
        }
        Ok(out)
    }
}

/// The text fields searched for a kind, with their boosts.
fn text_fields(kind: DocKind) -> [(TextField, f64); 2] {
    match kind {
        DocKind::Firm => [(TextField::FirmName, 2.0), (TextField::FirmProfile, 1.0)],
        DocKind::Compound => [
            (TextField::CompoundName, 2.0),
            (TextField::CompoundAddress, 1.0),
        ],
        DocKind::Tender => [(TextField::TenderName, 2.0), (TextField::TenderNeeds, 1.0)],
    }
}

impl Snapshot {
    /// Free-text search over one kind with filters, best first (ties by id). Tenders are
    /// searched among open ones only.
    pub fn search(
        &self,
        text: &str,
        filters: &SearchFilters,
        kind: DocKind,
        limit: usize,
        offset: usize,
    ) -> Result<Hits<SearchHit>> {
        let filter_terms = filters.terms(kind)?;
        let listing = text.trim().is_empty();
        let words: Vec<String> = analyzer::terms(text)
            .into_iter()
            .take(MAX_QUERY_TERMS)
            .collect();
        if !listing && words.is_empty() {
            return Ok(Hits {
                total: 0,
                items: Vec::new(),
            });
        }
        let mut weighted = Vec::new();
        for (field, boost) in text_fields(kind) {
            for (ti, w) in words.iter().enumerate() {
                if let Some(bm25) = self.bm25(field, w)? {
                    weighted.push((field, boost, ti, w, bm25));
                }
            }
        }
        // (segment, doc, score, matched-term mask)
        let mut hits: Vec<(usize, u32, f64, u64)> = Vec::new();
        for (seg_idx, seg) in self.segments.iter().enumerate() {
            let reader = self.reader(seg);
            let mut allowed = Bits::new(reader.max_doc());
            let mut first = true;
            for t in &filter_terms {
                let set = self.docs(seg, t)?;
                if first {
                    allowed.union_with(&set);
                    first = false;
                } else {
                    allowed.intersect_with(&set);
                }
            }
            if listing {
                hits.extend(
                    allowed
                        .iter()
                        .filter(|&d| !reader.is_deleted(d))
                        .map(|d| (seg_idx, d, 0.0, 0)),
                );
                continue;
            }
            // Per (field, term): its posting list and fieldnorms in this segment.
            let mut lists = Vec::with_capacity(weighted.len());
            let mut postings_len = 0usize;
            for (field, boost, ti, w, bm25) in &weighted {
                let f = self.fields.text(*field);
                if let Some(postings) = reader
                    .inverted_index(f)?
                    .read_postings(&Term::from_field_text(f, w), IndexRecordOption::WithFreqs)?
                {
                    postings_len += postings.doc_freq() as usize;
                    let norms = reader.get_fieldnorms_reader(f)?;
                    lists.push((*boost, *ti, bm25, postings, norms));
                }
            }
            if lists.is_empty() {
                continue;
            }
            if allowed.count() <= postings_len {
                // Few documents pass the filters: seek each list to them.
                let docs: Vec<u32> = allowed.iter().filter(|&d| !reader.is_deleted(d)).collect();
                let mut scores = vec![(0.0, 0u64); docs.len()];
                for (boost, ti, bm25, postings, norms) in &mut lists {
                    for (i, &d) in docs.iter().enumerate() {
                        let mut doc = postings.doc();
                        if doc < d {
                            doc = postings.seek(d);
                        }
                        if doc == TERMINATED {
                            break;
                        }
                        if doc == d {
                            scores[i].0 +=
                                *boost * bm25.score(norms.fieldnorm_id(d), postings.term_freq());
                            scores[i].1 |= 1 << *ti;
                        }
                    }
                }
                hits.extend(
                    docs.iter()
                        .zip(scores)
                        .filter(|(_, (_, mask))| *mask != 0)
                        .map(|(&d, (s, m))| (seg_idx, d, s, m)),
                );
                continue;
            }
            // Many pass: walk the posting lists and keep the documents that pass.
            let mut acc: HashMap<u32, (f64, u64)> = HashMap::new();
            for (boost, ti, bm25, postings, norms) in &mut lists {
                let mut doc = postings.doc();
                while doc != TERMINATED {
                    if allowed.contains(doc) && !reader.is_deleted(doc) {
                        let e = acc.entry(doc).or_insert((0.0, 0));
                        e.0 += *boost * bm25.score(norms.fieldnorm_id(doc), postings.term_freq());
                        e.1 |= 1 << *ti;
                    }
                    doc = postings.advance();
                }
            }
            hits.extend(acc.into_iter().map(|(d, (s, m))| (seg_idx, d, s, m)));
        }
        let row = |h: &(usize, u32, f64, u64)| &self.segments[h.0].data.names[h.1 as usize];
        let order = |a: &(usize, u32, f64, u64), b: &(usize, u32, f64, u64)| {
            b.2.total_cmp(&a.2).then_with(|| row(a).id.cmp(&row(b).id))
        };
        let total = hits.len();
        let wanted = offset.saturating_add(limit);
        if wanted == 0 {
            hits.clear();
        } else if wanted < hits.len() {
            hits.select_nth_unstable_by(wanted - 1, order);
            hits.truncate(wanted);
        }
        hits.sort_by(order);
        let items = hits
            .iter()
            .skip(offset)
            .take(limit)
            .map(|h| {
                let r = row(h);
                SearchHit {
                    kind,
                    id: r.id.to_string(),
                    name: r.name.to_string(),
                    score: h.2,
                    matched_terms: words
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| h.3 & (1 << i) != 0)
                        .map(|(_, w)| w.clone())
                        .collect(),
                }
            })
            .collect();
        Ok(Hits { total, items })
    }

    /// Stored JSON of the live documents of a filter term, in id order.
    fn stored<T: serde::de::DeserializeOwned>(&self, filter_term: &str) -> Result<Vec<T>> {
        let mut found: Vec<(Box<str>, (usize, u32))> = Vec::new();
        for (seg_idx, seg) in self.segments.iter().enumerate() {
            let reader = self.reader(seg);
            let set = self.docs(seg, filter_term)?;
            let mut all = Bits::new(reader.max_doc());
            all.union_with(&set);
            for doc in all.iter().filter(|&d| !reader.is_deleted(d)) {
                found.push((seg.data.names[doc as usize].id.clone(), (seg_idx, doc)));
            }
        }
        found.sort();
        found
            .into_iter()
            .map(|(_, (seg, doc))| self.stored_at(seg, doc))
            .collect()
    }

    /// The stored document of `kind` with `id` (located without a cache entry per id).
    fn by_id<T: serde::de::DeserializeOwned>(&self, kind: DocKind, id: &str) -> Result<Option<T>> {
        self.locate(kind, id)?
            .map(|(seg, doc)| self.stored_at(seg, doc))
            .transpose()
    }

    /// A firm by id.
    pub fn firm(&self, id: &str) -> Result<Option<FirmDoc>> {
        self.by_id(DocKind::Firm, id)
    }

    /// A compound by id.
    pub fn compound(&self, id: &str) -> Result<Option<CompoundDoc>> {
        self.by_id(DocKind::Compound, id)
    }

    /// A tender by id (open or not).
    pub fn tender(&self, id: &str) -> Result<Option<TenderDoc>> {
        self.by_id(DocKind::Tender, id)
    }

    /// Every compound of a street, in id order.
    pub fn compounds_in_street(&self, street: &str) -> Result<Vec<CompoundDoc>> {
        parse_street("street", street).map_err(as_query)?;
        self.stored(&term::compound_street(street))
    }

    /// Bundle suggestions (片区化) for a street from the indexed compounds; see
    /// [`suggest_bundles`].
    pub fn suggest_bundles(
        &self,
        street: &str,
        viable_households: u32,
        max_distance_km: f64,
    ) -> Result<Vec<Bundle>> {
        let compounds = self.compounds_in_street(street)?;
        Ok(suggest_bundles(
            &compounds,
            street,
            viable_households,
            max_distance_km,
        ))
    }
}
