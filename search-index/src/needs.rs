//! Needs (需求项): what a text asks for (a tender's needs) or offers (a firm's profile), as
//! distinct needs, each with the words that meet it.
//!
//! Matching scores text as the *share of the query's needs a document covers*, so a long
//! profile cannot win by repeating words, and a compound word and its parts count once:
//!
//! 1. The text is segmented (jieba search mode, [`analyzer::spans`]); words of the
//!    property-service thesaurus (同义词表, `data/thesaurus.tsv`) found in the text on word
//!    boundaries are added (车辆停放, 分类投放 …). Boilerplate ([`analyzer::stop_words`]),
//!    numbers and single characters are not needs.
//! 2. Longest match wins: a word inside a longer word (消防 in 消防设施) is not a need of its
//!    own; a word overlapping a thesaurus word is read as part of it.
//! 3. Words of one thesaurus group are one need (垃圾分类 and 投放点 in 垃圾分类投放点).
//! 4. A need is met by its own word (weight 1), by another word of its group
//!    ([`SYNONYM_WEIGHT`]), or, for a word of several parts, partly by some of its parts
//!    ([`PART_WEIGHT`] × the share of the parts found). A word is found in a document when all
//!    of its smallest parts (its *leaves*: 维护保养 → 维护, 保养) are among the document's terms;
//!    the index keeps every part, so leaves meet a profile whatever the longer words around
//!    them.
//!
//! [`Coverage`] turns a query's needs into the terms to look up and scores a document from the
//! set of those terms it contains.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use crate::analyzer::{self, Span};

/// The thesaurus (同义词表): one group of words naming the same service per line, tab
/// separated, `#` comments.
pub const THESAURUS_FILE: &str = include_str!("../data/thesaurus.tsv");

/// A need met by another word of its thesaurus group scores this much (the same word: 1).
pub const SYNONYM_WEIGHT: f64 = 0.85;

/// A need met by only some parts of its word scores this much times the share of the parts.
pub const PART_WEIGHT: f64 = 0.5;

/// At most this many needs are read from a text (the rest of a long text is ignored).
pub const MAX_NEEDS: usize = 32;

/// At most this many characters of a text are read for needs (a profile may have 5,000; its
/// services come first), which bounds the work per query.
pub const MAX_TEXT_CHARS: usize = 1_000;

/// At most this many distinct terms are looked up for a query (one bit each in a `u64`).
pub const MAX_TERMS: usize = 64;

/// The loaded thesaurus.
#[derive(Debug)]
pub struct Thesaurus {
    groups: Vec<Vec<&'static str>>,
    group_of: HashMap<&'static str, usize>,
    leaves: HashMap<&'static str, Vec<String>>,
}

/// The thesaurus of [`THESAURUS_FILE`] (loaded once).
pub fn thesaurus() -> &'static Thesaurus {
    static THESAURUS: OnceLock<Thesaurus> = OnceLock::new();
    THESAURUS.get_or_init(|| Thesaurus::parse(THESAURUS_FILE))
}

impl Thesaurus {
    /// Parses a thesaurus file (words are lower-cased by the caller's data; a word listed twice
    /// belongs to its first group).
    fn parse(file: &'static str) -> Self {
        let groups: Vec<Vec<&'static str>> = analyzer::data_lines(file)
            .map(|line| {
                line.split('\t')
                    .map(str::trim)
                    .filter(|w| !w.is_empty())
                    .collect()
            })
            .collect();
        let mut group_of = HashMap::new();
        let mut leaves = HashMap::new();
        for (i, group) in groups.iter().enumerate() {
            for &word in group {
                group_of.entry(word).or_insert(i);
                let spans = analyzer::spans(word);
                leaves.insert(word, leaves_within(&spans, 0, word.len()));
            }
        }
        Self {
            groups,
            group_of,
            leaves,
        }
    }

    /// The groups, in file order.
    pub fn groups(&self) -> &[Vec<&'static str>] {
        &self.groups
    }

    /// The group of a (lower-cased) word.
    pub fn group(&self, word: &str) -> Option<&[&'static str]> {
        self.group_of.get(word).map(|&i| self.groups[i].as_slice())
    }

    /// The smallest meaningful parts of a thesaurus word (the terms a document must have).
    pub fn leaves(&self, word: &str) -> Option<&[String]> {
        self.leaves.get(word).map(Vec::as_slice)
    }
}

/// Whether a span can be a need or a part of one: meaningful and not a lone ideograph.
fn worthy(s: &Span) -> bool {
    s.meaningful && (s.text.chars().count() >= 2 || s.text.is_ascii())
}

/// The worthy spans inside `[from, to)` that contain no other worthy span (distinct, in order).
/// When a word has no such span (清掏 is segmented 清 / 掏), its meaningful single characters.
fn leaves_within(spans: &[Span], from: usize, to: usize) -> Vec<String> {
    let within = |s: &&Span| s.from >= from && s.to <= to;
    let mut inside: Vec<&Span> = spans.iter().filter(within).filter(|s| worthy(s)).collect();
    if inside.is_empty() {
        inside = spans
            .iter()
            .filter(within)
            .filter(|s| s.meaningful)
            .collect();
    }
    let mut out: Vec<String> = Vec::new();
    for s in &inside {
        let has_part = inside
            .iter()
            .any(|o| o.from >= s.from && o.to <= s.to && (o.to - o.from) < (s.to - s.from));
        if !has_part && !out.contains(&s.text) {
            out.push(s.text.clone());
        }
    }
    out
}

/// How a need was met.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchKind {
    /// The same word.
    Exact,
    /// Another word of its thesaurus group.
    Synonym,
    /// Some parts of its word.
    Part,
}

/// A word that meets a need.
#[derive(Debug, Clone, PartialEq)]
pub struct Alternative {
    /// The word as a document would say it.
    pub word: String,
    /// Its leaves: a document has the word when it has all of them.
    pub terms: Vec<String>,
    /// Score of a need met by this word.
    pub weight: f64,
    /// The query's own word (partial matches count only for it).
    pub exact: bool,
}

/// One need of a text.
#[derive(Debug, Clone, PartialEq)]
pub struct Need {
    /// The need as the text says it (its first word).
    pub word: String,
    /// The words that meet it, the text's own first.
    pub alternatives: Vec<Alternative>,
}

impl Need {
    /// Heap bytes it holds, roughly (for a cache's budget).
    pub fn heap_bytes(&self) -> usize {
        let text = |s: &String| s.len() + std::mem::size_of::<String>();
        text(&self.word)
            + self
                .alternatives
                .iter()
                .map(|a| {
                    std::mem::size_of::<Alternative>()
                        + text(&a.word)
                        + a.terms.iter().map(text).sum::<usize>()
                })
                .sum::<usize>()
    }
}

/// A word with its leaves.
type Worded = (String, Vec<String>);

/// A word of the text that may state a need.
#[derive(Debug)]
struct Unit {
    word: String,
    from: usize,
    to: usize,
    group: Option<usize>,
}

/// The needs of a text, in order of first appearance (at most [`MAX_NEEDS`]).
pub fn needs(text: &str) -> Vec<Need> {
    let end = text
        .char_indices()
        .nth(MAX_TEXT_CHARS)
        .map_or(text.len(), |(i, _)| i);
    let text = text[..end].to_lowercase();
    let spans = analyzer::spans(&text);
    let th = thesaurus();
    let mut units: Vec<Unit> = spans
        .iter()
        .filter(|s| worthy(s))
        .map(|s| Unit {
            word: s.text.clone(),
            from: s.from,
            to: s.to,
            group: th.group_of.get(s.text.as_str()).copied(),
        })
        .collect();
    // Thesaurus words on word boundaries (so 保安 is not read inside 确保安全).
    let starts: HashSet<usize> = spans.iter().map(|s| s.from).collect();
    let ends: HashSet<usize> = spans.iter().map(|s| s.to).collect();
    let mut seen: HashSet<(usize, usize)> = units.iter().map(|u| (u.from, u.to)).collect();
    for (&word, &group) in &th.group_of {
        for (from, _) in text.match_indices(word) {
            let to = from + word.len();
            if starts.contains(&from) && ends.contains(&to) && seen.insert((from, to)) {
                units.push(Unit {
                    word: word.to_string(),
                    from,
                    to,
                    group: Some(group),
                });
            }
        }
    }
    // Longest match wins, thesaurus words first: a word inside a kept word is a part of it; a
    // plain word overlapping a kept word is read as part of it; of two overlapping thesaurus
    // words of different groups the first kept (longer, then earlier) wins; overlapping words
    // of one group are one need.
    units.sort_by(|a, b| {
        (b.group.is_some(), b.to - b.from, a.from).cmp(&(a.group.is_some(), a.to - a.from, b.from))
    });
    // The group of the kept word covering each byte (`Some(None)`: a plain word).
    let mut owner: Vec<Option<Option<usize>>> = vec![None; text.len()];
    let mut kept: Vec<&Unit> = Vec::new();
    for u in &units {
        let span = &owner[u.from..u.to];
        let other = span
            .iter()
            .any(|o| o.is_some_and(|g| u.group.is_none() || g != u.group));
        if other || span.iter().all(Option::is_some) {
            continue;
        }
        owner[u.from..u.to].fill(Some(u.group));
        kept.push(u);
    }
    kept.sort_by_key(|u| u.from);
    // Per need: its thesaurus group and its words with their leaves.
    let mut out: Vec<(Option<usize>, Vec<Worded>)> = Vec::new();
    for u in kept {
        let leaves = match u.group {
            Some(_) => th.leaves(&u.word).map(<[String]>::to_vec),
            None => None,
        }
        .unwrap_or_else(|| leaves_within(&spans, u.from, u.to));
        if leaves.is_empty() {
            continue;
        }
        let slot = out.iter().position(|(g, words)| match (u.group, g) {
            (Some(a), Some(b)) => a == *b,
            (None, None) => words[0].0 == u.word,
            _ => false,
        });
        match slot {
            Some(i) => {
                let words = &mut out[i].1;
                if !words.iter().any(|(w, _)| *w == u.word) {
                    words.push((u.word.clone(), leaves));
                }
            }
            None if out.len() < MAX_NEEDS => out.push((u.group, vec![(u.word.clone(), leaves)])),
            None => {}
        }
    }
    out.into_iter()
        .map(|(group, words)| {
            let mut alternatives: Vec<Alternative> = words
                .iter()
                .map(|(word, terms)| Alternative {
                    word: word.clone(),
                    terms: terms.clone(),
                    weight: 1.0,
                    exact: true,
                })
                .collect();
            for &word in group.map_or(&[][..], |g| th.groups[g].as_slice()) {
                let terms = th.leaves(word).unwrap_or_default();
                if terms.is_empty() || alternatives.iter().any(|a| a.terms == terms) {
                    continue;
                }
                alternatives.push(Alternative {
                    word: word.to_string(),
                    terms: terms.to_vec(),
                    weight: SYNONYM_WEIGHT,
                    exact: false,
                });
            }
            Need {
                word: words[0].0.clone(),
                alternatives,
            }
        })
        .collect()
}

/// One alternative with its terms as bits of a document's term mask.
#[derive(Debug)]
struct AltPlan {
    word: String,
    weight: f64,
    exact: bool,
    /// Bits of its terms that are looked up.
    mask: u64,
    /// Number of its terms (looked up or not).
    parts: u32,
    /// Whether every term is looked up (else it can only ever be met in part).
    complete: bool,
}

/// A need's alternatives as bit masks.
#[derive(Debug)]
struct NeedPlan {
    word: String,
    alts: Vec<AltPlan>,
}

/// A query's needs as term lookups: bit `i` of a document's mask says it has `terms()[i]`;
/// [`Coverage::relevance`] turns a mask into the share of the needs the document covers.
#[derive(Debug)]
pub struct Coverage {
    terms: Vec<String>,
    needs: Vec<NeedPlan>,
}

/// How one need was met in one document.
#[derive(Debug, Clone, PartialEq)]
pub struct NeedHit {
    /// The need as the query says it.
    pub need: String,
    /// The word the document used (for a partial match, the parts found).
    pub word: String,
    /// How it was met.
    pub kind: MatchKind,
    /// Its share of the score (0–1).
    pub value: f64,
}

/// What a document covers of a query's needs (the text reason).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TextReport {
    /// Needs met, in the query's order.
    pub hits: Vec<NeedHit>,
    /// Needs not met.
    pub missing: Vec<String>,
    /// Number of needs of the query.
    pub needs: usize,
    /// Sum of the hits' values.
    pub covered: f64,
}

impl TextReport {
    /// The words the document used, in the query's order.
    pub fn matched_words(&self) -> Vec<String> {
        self.hits.iter().map(|h| h.word.clone()).collect()
    }
}

impl Coverage {
    /// Plans the lookups of `text`'s needs; `exists` says whether any live document has a
    /// term (terms nobody has are not looked up). Each need's own words get their terms
    /// first, then synonyms while fewer than [`MAX_TERMS`] terms are planned.
    pub fn new<E>(text: &str, exists: impl FnMut(&str) -> Result<bool, E>) -> Result<Self, E> {
        Self::from_needs(&needs(text), exists)
    }

    /// [`Coverage::new`] from needs already read (a caller may keep a document's [`needs`]).
    pub fn from_needs<E>(
        needs: &[Need],
        mut exists: impl FnMut(&str) -> Result<bool, E>,
    ) -> Result<Self, E> {
        let mut terms: Vec<String> = Vec::new();
        let mut plans: Vec<NeedPlan> = needs
            .iter()
            .map(|n| NeedPlan {
                word: n.word.clone(),
                alts: Vec::new(),
            })
            .collect();
        for pass_exact in [true, false] {
            for (need, plan) in needs.iter().zip(plans.iter_mut()) {
                for alt in need.alternatives.iter().filter(|a| a.exact == pass_exact) {
                    let (mut mask, mut complete) = (0u64, true);
                    for t in &alt.terms {
                        if let Some(i) = terms.iter().position(|x| x == t) {
                            mask |= 1 << i;
                        } else if terms.len() < MAX_TERMS && exists(t)? {
                            mask |= 1 << terms.len();
                            terms.push(t.clone());
                        } else {
                            complete = false;
                        }
                    }
                    if mask != 0 && (complete || alt.exact) {
                        plan.alts.push(AltPlan {
                            word: alt.word.clone(),
                            weight: alt.weight,
                            exact: alt.exact,
                            mask,
                            parts: alt.terms.len() as u32,
                            complete,
                        });
                    }
                }
            }
        }
        Ok(Self {
            terms,
            needs: plans,
        })
    }

    /// The terms to look up, in bit order.
    pub fn terms(&self) -> &[String] {
        &self.terms
    }

    /// Number of needs (the denominator of [`Coverage::relevance`]).
    pub fn need_count(&self) -> usize {
        self.needs.len()
    }

    /// The best way `plan` is met by a document with `mask`: (value, alternative, kind).
    fn best(plan: &NeedPlan, mask: u64) -> Option<(f64, &AltPlan, MatchKind)> {
        let mut best: Option<(f64, &AltPlan, MatchKind)> = None;
        for alt in &plan.alts {
            let found = mask & alt.mask;
            let (value, kind) = if alt.complete && found == alt.mask {
                let kind = if alt.exact {
                    MatchKind::Exact
                } else {
                    MatchKind::Synonym
                };
                (alt.weight, kind)
            } else if alt.exact && alt.parts >= 2 && found != 0 {
                let share = f64::from(found.count_ones()) / f64::from(alt.parts);
                (PART_WEIGHT * alt.weight * share, MatchKind::Part)
            } else {
                continue;
            };
            if best.is_none_or(|(v, _, _)| value > v) {
                best = Some((value, alt, kind));
            }
        }
        best
    }

    /// Share of the needs a document whose terms are `mask` covers, in [0, 1].
    pub fn relevance(&self, mask: u64) -> f64 {
        if self.needs.is_empty() || mask == 0 {
            return 0.0;
        }
        let covered: f64 = self
            .needs
            .iter()
            .filter_map(|n| Self::best(n, mask).map(|(v, _, _)| v))
            .sum();
        covered / self.needs.len() as f64
    }

    /// The highest relevance any document can reach.
    pub fn max_relevance(&self) -> f64 {
        self.relevance(u64::MAX)
    }

    /// The reason: which needs a document with `mask` meets, with which words.
    pub fn report(&self, mask: u64) -> TextReport {
        let mut report = TextReport {
            needs: self.needs.len(),
            ..TextReport::default()
        };
        for n in &self.needs {
            match Self::best(n, mask) {
                Some((value, alt, kind)) => {
                    let word = match kind {
                        MatchKind::Part => self
                            .terms
                            .iter()
                            .enumerate()
                            .filter(|(i, _)| alt.mask & mask & (1 << i) != 0)
                            .map(|(_, t)| t.as_str())
                            .collect::<Vec<_>>()
                            .join(""),
                        _ => alt.word.clone(),
                    };
                    report.covered += value;
                    report.hits.push(NeedHit {
                        need: n.word.clone(),
                        word,
                        kind,
                        value,
                    });
                }
                None => report.missing.push(n.word.clone()),
            }
        }
        report
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    /// The tender and its two firms (same services, other words; the same words).
    const NEEDS: &str = "需要电梯维保、消防设施巡检、垃圾分类投放点管理和停车秩序管理。";
    const NEAR: &str = "电梯维护保养、消防安全检查、生活垃圾分类指导、车辆停放管理。";
    const FAR: &str = "电梯维保、消防设施巡检、垃圾分类投放点管理、停车秩序管理。";

    fn words(text: &str) -> Vec<String> {
        needs(text).into_iter().map(|n| n.word).collect()
    }

    /// A document's term mask for a query, as the index would find it.
    fn relevance(query: &str, doc: &str) -> (f64, TextReport) {
        let cover = Coverage::new(query, |_| Ok::<_, ()>(true)).unwrap();
        let have: HashSet<String> = analyzer::terms(doc).into_iter().collect();
        let mask = cover
            .terms()
            .iter()
            .enumerate()
            .filter(|(_, t)| have.contains(*t))
            .fold(0u64, |m, (i, _)| m | 1 << i);
        (cover.relevance(mask), cover.report(mask))
    }

    #[test]
    fn thesaurus_file_is_well_formed() {
        let th = thesaurus();
        assert!(th.groups().len() >= 30);
        let mut seen = HashSet::new();
        for group in th.groups() {
            assert!(group.len() >= 2, "{group:?}");
            for &word in group {
                assert!(word.chars().count() >= 2, "{word}");
                assert_eq!(word, word.to_lowercase());
                assert!(seen.insert(word), "{word} is in two groups");
                assert!(
                    !analyzer::stop_words().contains(word),
                    "{word} is a stop word"
                );
                let leaves = th.leaves(word).unwrap();
                assert!(!leaves.is_empty(), "{word} has no meaningful part");
            }
        }
        // The groups.
        for (a, b) in [
            ("维保", "维护保养"),
            ("停车", "车辆停放"),
            ("巡检", "巡查"),
            ("巡检", "检查"),
            ("保洁", "清扫"),
            ("绿化", "园林养护"),
            ("安保", "门岗"),
            ("二次供水", "水箱清洗"),
            ("化粪池", "污水"),
            ("垃圾分类", "分类投放"),
        ] {
            assert_eq!(th.group(a), th.group(b), "{a} ↔ {b}");
            assert!(th.group(a).is_some());
        }
    }

    #[test]
    fn stop_list_file_loads_and_numbers_are_dropped() {
        let stop = analyzer::stop_words();
        for w in [
            "需要",
            "希望",
            "提供",
            "演示数据",
            "数据",
            "收支",
            "公开",
            "小时",
        ] {
            assert!(stop.contains(w), "{w}");
        }
        let lines: Vec<&str> = analyzer::data_lines(analyzer::STOP_WORDS_FILE).collect();
        let distinct: HashSet<&&str> = lines.iter().collect();
        assert_eq!(lines.len(), distinct.len(), "a word is listed twice");
        assert!(!analyzer::is_meaningful("24"));
        assert!(!analyzer::is_meaningful("2003"));
        assert!(analyzer::is_meaningful("wifi6"));
    }

    #[test]
    fn a_compound_word_and_its_parts_are_one_need() {
        assert_eq!(
            words(NEEDS),
            vec!["电梯", "维保", "消防设施", "巡检", "垃圾分类", "停车秩序"]
        );
        // 消防 and 设施 are parts of 消防设施, not needs of their own; 投放点 is read with
        // 垃圾分类 (one thesaurus group), 秩序 with 停车秩序.
        let n = needs("消防设施维护");
        assert!(
            n.iter().all(|n| n.word != "消防" && n.word != "设施"),
            "{n:?}"
        );
        let fire = &n[0];
        assert_eq!(fire.word, "消防设施");
        assert_eq!(fire.alternatives[0].terms, vec!["消防", "设施"]);
    }

    #[test]
    fn boilerplate_and_template_phrases_state_no_need() {
        for text in [
            "【演示数据】需要提供24小时服务，每季度公开收支。",
            "希望物业服务企业响应及时、收支透明。",
            "本院落无物业管理，小区建于1992年，共8栋200户。",
        ] {
            assert!(needs(text).is_empty(), "{text}: {:?}", needs(text));
        }
        // A real-looking demo profile: the services remain, the boilerplate goes.
        let profile = "【演示数据】本企业深耕成都老旧小区物业服务 5 年，擅长电梯维保和绿化养护，\
                       提供 24 小时报修响应，坚持收支公开、酬金制透明管理。";
        let w = words(profile);
        for need in ["电梯", "维保", "绿化养护"] {
            assert!(w.iter().any(|x| x == need), "{need} in {w:?}");
        }
        let all_terms: Vec<String> = needs(profile)
            .iter()
            .flat_map(|n| n.alternatives.iter().flat_map(|a| a.terms.clone()))
            .collect();
        for noise in [
            "演示",
            "数据",
            "24",
            "小时",
            "收支",
            "公开",
            "成都",
            "老旧",
            "酬金制",
            "透明",
            "5",
        ] {
            assert!(
                !all_terms.iter().any(|t| t == noise),
                "{noise} in {all_terms:?}"
            );
        }
    }

    #[test]
    fn synonyms_meet_needs_a_little_below_the_same_words() {
        let (far, far_report) = relevance(NEEDS, FAR);
        assert_eq!(far, 1.0, "{far_report:?}");
        assert!(far_report.missing.is_empty());
        let (near, report) = relevance(NEEDS, NEAR);
        assert!(near > 0.6 && near < far, "{near} {report:#?}");
        // The reasons show the firm's own words.
        let used: Vec<(&str, &str, MatchKind)> = report
            .hits
            .iter()
            .map(|h| (h.need.as_str(), h.word.as_str(), h.kind))
            .collect();
        for expected in [
            ("电梯", "电梯", MatchKind::Exact),
            ("维保", "维护保养", MatchKind::Synonym),
            ("巡检", "检查", MatchKind::Synonym),
            ("停车秩序", "车辆停放", MatchKind::Synonym),
        ] {
            assert!(used.contains(&expected), "{expected:?} in {used:?}");
        }
        // Word overlap alone (电梯, 消防, 垃圾, 分类) would have given the near firm far less.
        let near_words = analyzer::terms(NEAR);
        let overlap = analyzer::terms(NEEDS)
            .iter()
            .filter(|t| near_words.contains(t))
            .count();
        assert!(overlap <= 5, "{overlap}");
    }

    #[test]
    fn repetition_and_length_do_not_raise_relevance() {
        let (once, _) = relevance(NEEDS, "电梯维保");
        let (many, _) = relevance(NEEDS, &"电梯维保，电梯维保专家，".repeat(40));
        assert_eq!(once, many);
        assert!((once - 2.0 / 6.0).abs() < 1e-12, "{once}");
        let (padded, _) = relevance(
            NEEDS,
            &format!("{FAR}另有白蚁防治、屋面防水、外墙维修、适老化改造、智慧门禁。"),
        );
        assert_eq!(padded, 1.0);
    }

    #[test]
    fn only_the_beginning_of_a_long_text_is_read() {
        let long = format!("{}电梯维保", "绿化养护。".repeat(300));
        let w = words(&long);
        assert_eq!(w, vec!["绿化养护"]);
        // Exactly at the bound a need is still read.
        let pad = "绿化养护。".repeat((MAX_TEXT_CHARS - 4) / 5);
        let at = format!(
            "{pad}{}电梯",
            "。".repeat(MAX_TEXT_CHARS - 2 - pad.chars().count())
        );
        assert_eq!(at.chars().count(), MAX_TEXT_CHARS);
        assert_eq!(words(&at), vec!["绿化养护", "电梯"]);
    }

    #[test]
    fn parts_of_a_compound_need_count_in_part() {
        let (value, report) = relevance("消防设施维护保养", "消防器材");
        // 消防器材 is a word of 消防设施's group: a synonym; 维护保养 is not met.
        assert_eq!(report.hits[0].kind, MatchKind::Synonym, "{report:?}");
        assert!((value - SYNONYM_WEIGHT / 2.0).abs() < 1e-12, "{value}");
        let (value, report) = relevance("化粪池清掏和水电维修", "电路维修");
        assert!(value > 0.0, "{report:?}");
    }
}
