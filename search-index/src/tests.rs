//! Tests of the index as a whole: segmentation through search, every hard filter, distance,
//! ranking on hand-made data, reasons, upserts, deletes, reopening, commit payloads, bundles,
//! and agreement with a brute-force reference on synthetic data.

use std::collections::BTreeSet;

use crate::geo::haversine_km;
use crate::synthetic::{self, Scale};
use crate::testdata::{DISTRICT, STREET, compound, firm, offset, tender};
use crate::*;

pub(crate) fn ram() -> IndexHandle {
    IndexHandle::open_with(
        IndexLocation::Ram,
        OpenOptions {
            writer_threads: 1,
            writer_memory_bytes: 15_000_000,
        },
    )
    .unwrap()
}

fn index_with(firms: &[FirmDoc], compounds: &[CompoundDoc], tenders: &[TenderDoc]) -> IndexHandle {
    let index = ram();
    for f in firms {
        index.upsert_firm(f).unwrap();
    }
    for c in compounds {
        index.upsert_compound(c).unwrap();
    }
    for t in tenders {
        index.upsert_tender(t).unwrap();
    }
    index.commit(None).unwrap();
    index
}

fn all_firms(index: &IndexHandle, q: &TenderQuery) -> Hits<FirmMatch> {
    index
        .match_firms(q, 10_000, 0, &Weights::default())
        .unwrap()
}

fn firm_ids(hits: &Hits<FirmMatch>) -> Vec<&str> {
    hits.items.iter().map(|m| m.firm_id.as_str()).collect()
}

fn part<'a>(m: &'a FirmMatch, name: &str) -> Option<&'a ScorePart> {
    m.parts.iter().find(|p| p.name == name)
}

fn search_ids(
    index: &IndexHandle,
    text: &str,
    filters: &SearchFilters,
    kind: DocKind,
) -> Vec<String> {
    index
        .search(text, filters, kind, 100, 0)
        .unwrap()
        .items
        .into_iter()
        .map(|h| h.id)
        .collect()
}

fn query_at(east_km: f64, north_km: f64) -> TenderQuery {
    let (lon, lat) = offset(east_km, north_km);
    TenderQuery::from(&tender("t", lon, lat))
}

// ---- segmentation ---------------------------------------------------------------------------

#[test]
fn chinese_queries_find_profiles_by_their_words() {
    let (lon, lat) = offset(0.0, 0.0);
    let mut lift = firm("lift", lon, lat);
    lift.profile = "专业电梯维保，二十四小时响应。".into();
    let mut waste = firm("waste", lon, lat);
    waste.profile = "负责垃圾分类投放点的日常管理与清运。".into();
    let mut green = firm("green", lon, lat);
    green.profile = "绿化养护和楼道保洁。".into();
    let index = index_with(&[lift, waste, green], &[], &[]);
    let none = SearchFilters::default();
    assert_eq!(
        search_ids(&index, "电梯", &none, DocKind::Firm),
        vec!["lift"]
    );
    assert_eq!(
        search_ids(&index, "垃圾分类", &none, DocKind::Firm),
        vec!["waste"]
    );
    assert_eq!(
        search_ids(&index, "保洁", &none, DocKind::Firm),
        vec!["green"]
    );
    // Punctuation-only and boilerplate-only queries match nothing.
    for q in ["，。！", "需要的和", "需要，和。的"] {
        let hits = index.search(q, &none, DocKind::Firm, 10, 0).unwrap();
        assert_eq!(hits.total, 0, "{q}");
    }
    // An empty query lists everything, by id.
    assert_eq!(
        search_ids(&index, "", &none, DocKind::Firm),
        vec!["green", "lift", "waste"]
    );
    // The same segmentation drives matching: needs about 电梯 score the lift firm's profile.
    let mut q = query_at(0.0, 0.0);
    q.needs = "需要电梯维保".into();
    let hits = all_firms(&index, &q);
    assert_eq!(hits.items[0].firm_id, "lift");
    assert_eq!(hits.items[0].matched_terms, vec!["电梯", "维保"]);
    // Needs made of punctuation and boilerplate add no text score to anyone.
    q.needs = "需要，和。".into();
    let hits = all_firms(&index, &q);
    assert_eq!(hits.total, 3);
    assert!(hits.items.iter().all(|m| m.matched_terms.is_empty()));
    assert!(
        hits.items
            .iter()
            .all(|m| part(m, "text").unwrap().value == 0.0)
    );
}

// ---- hard filters ---------------------------------------------------------------------------

#[test]
fn each_hard_filter_excludes_a_firm_on_its_own() {
    let (lon, lat) = offset(1.0, 0.0);
    let ok = firm("ok", lon, lat);
    let mut not_recommended = firm("not-recommended", lon, lat);
    not_recommended.recommended = false;
    let mut no_model = firm("no-model", lon, lat);
    no_model.service_models = vec!["trust".into()];
    let mut no_fee = firm("no-fee", lon, lat);
    no_fee.fee_models = vec!["commission".into()];
    let mut no_grade = firm("no-grade", lon, lat);
    no_grade.grades = vec![1, 3];
    let mut no_capacity = firm("no-capacity", lon, lat);
    no_capacity.capacity_left = 199;
    // Neither serves 锦江区 nor reaches 10 km east of it with a 5 km radius.
    let (far_lon, far_lat) = offset(11.0, 0.0);
    let mut out_of_reach = firm("out-of-reach", far_lon, far_lat);
    out_of_reach.district_code = "510108".into();
    out_of_reach.street_code = None;
    out_of_reach.districts_served = vec!["510108".into()];
    let index = index_with(
        &[
            ok,
            not_recommended,
            no_model,
            no_fee,
            no_grade,
            no_capacity,
            out_of_reach,
        ],
        &[],
        &[],
    );
    let q = query_at(0.0, 0.0);
    let hits = all_firms(&index, &q);
    assert_eq!(firm_ids(&hits), vec!["ok"]);
    assert_eq!(hits.total, 1);
    // Capacity exactly equal to the households passes.
    let mut q = query_at(0.0, 0.0);
    q.households = 199;
    let ids: BTreeSet<String> = all_firms(&index, &q)
        .items
        .into_iter()
        .map(|m| m.firm_id)
        .collect();
    assert_eq!(ids, BTreeSet::from(["no-capacity".into(), "ok".into()]));
}

#[test]
fn reach_is_a_served_district_or_the_service_radius() {
    let q = query_at(0.0, 0.0); // in 锦江区
    let elsewhere = |id: &str, east: f64, radius: f64, serves: &[&str]| {
        let (lon, lat) = offset(east, 0.0);
        let mut f = firm(id, lon, lat);
        f.district_code = "510108".into();
        f.street_code = None;
        f.districts_served = serves.iter().map(|s| s.to_string()).collect();
        f.service_radius_km = radius;
        f
    };
    let firms = [
        // 4 km away in another district, not serving 锦江区, radius 5 km: reached by radius.
        elsewhere("radius", 4.0, 5.0, &["510108"]),
        // 30 km away but serving 锦江区: reached by district.
        elsewhere("district", 30.0, 2.0, &["510108", DISTRICT]),
        // 6 km away, radius 5 km, not serving: out.
        elsewhere("short", 6.0, 5.0, &["510108"]),
        // 60 km away with an 80 km radius (coarse grid): reached by radius.
        elsewhere("wide", 60.0, 80.0, &["510108"]),
        // 60 km away with a 59 km radius: out by the exact check though its cells touch.
        elsewhere("almost", 60.0, 59.0, &["510108"]),
    ];
    let index = index_with(&firms, &[], &[]);
    let hits = all_firms(&index, &q);
    let ids: BTreeSet<&str> = firm_ids(&hits).into_iter().collect();
    assert_eq!(ids, BTreeSet::from(["radius", "district", "wide"]));
    let by_id = |id: &str| hits.items.iter().find(|m| m.firm_id == id).unwrap();
    assert_eq!(
        part(by_id("district"), "reach").unwrap().detail,
        "服务区域包含锦江区"
    );
    assert_eq!(
        part(by_id("radius"), "reach").unwrap().detail,
        "在服务半径 5.0 公里内（相距 4.0 公里）"
    );
    assert!((by_id("district").distance_km - 30.0).abs() < 0.05);
    assert!((by_id("wide").distance_km - 60.0).abs() < 0.1);
}

// ---- ranking and reasons --------------------------------------------------------------------

#[test]
fn ranking_on_hand_made_data_follows_distance_text_and_id() {
    let at = |id: &str, east: f64, profile: &str| {
        let (lon, lat) = offset(east, 0.0);
        let mut f = firm(id, lon, lat);
        f.profile = profile.into();
        f
    };
    let firms = [
        at("near", 1.0, "专业保洁绿化"),
        at("far", 4.0, "专业保洁绿化"),
        at("text", 4.0, "电梯维保、垃圾分类投放点"),
        at("b-twin", 2.0, "专业保洁绿化"),
        at("a-twin", 2.0, "专业保洁绿化"),
    ];
    let index = index_with(&firms, &[], &[]);
    let mut q = query_at(0.0, 0.0);
    q.needs = "需要电梯维保和垃圾分类".into();
    let hits = all_firms(&index, &q);
    // The profile covering all three needs (电梯, 维保, 垃圾分类: a compound word is one
    // need) outweighs 3 km of distance (≈ 1.1 points); then nearest first; identical firms by
    // id.
    assert_eq!(
        firm_ids(&hits),
        vec!["text", "near", "a-twin", "b-twin", "far"]
    );
    // Before issue 18 this listed 垃圾 and 分类 apart (each scored); the compound counts once.
    assert_eq!(
        hits.items[0].matched_terms,
        vec!["电梯", "维保", "垃圾分类"]
    );
    let text = part(&hits.items[0], "text").unwrap();
    assert_eq!(text.value, Weights::default().text, "{text:?}");
    assert_eq!(hits.items[2].score, hits.items[3].score);
    for m in &hits.items {
        let sum: f64 = m.parts.iter().map(|p| p.value).sum();
        assert!((sum - m.score).abs() < 1e-9, "{m:#?}");
    }
    for pair in hits.items.windows(2) {
        assert!(pair[0].score >= pair[1].score);
    }
    // Distances only differ in distance decay: near − far = 3·(e^(−1/5) − e^(−4/5)).
    let near = &hits.items[1];
    let far = &hits.items[4];
    let expected = 3.0 * ((-near.distance_km / 5.0).exp() - (-far.distance_km / 5.0).exp());
    assert!((near.score - far.score - expected).abs() < 1e-9);
}

#[test]
fn term_frequencies_above_255_count_once() {
    let (lon, lat) = offset(1.0, 0.0);
    let mut many = firm("many", lon, lat);
    many.profile = "电梯 ".repeat(300);
    let mut once = firm("once", lon, lat);
    once.profile = "电梯".into();
    let other = firm("other", lon, lat);
    let index = index_with(&[many, once, other], &[], &[]);
    let mut q = query_at(0.0, 0.0);
    q.needs = "电梯".into();
    let hits = all_firms(&index, &q);
    // Since issue 18 text is the share of the needs covered: 300 mentions count as one (the
    // order of the equal firms is by id).
    assert_eq!(firm_ids(&hits), vec!["many", "once", "other"]);
    let text = |i: usize| part(&hits.items[i], "text").unwrap().value;
    assert!(text(0) == text(1) && text(1) > 0.0 && text(2) == 0.0);
    assert_eq!(hits.items[0].matched_terms, vec!["电梯"]);
}

#[test]
fn reasons_carry_the_right_values() {
    let (lon, lat) = offset(1.0, 0.0);
    let mut plain = firm("plain", lon, lat);
    plain.satisfaction = None;
    let mut model = firm("model", lon, lat);
    model.service_models = vec!["professional".into(), "community".into()];
    model.whitelisted = true;
    model.soe = true;
    model.old_compound_experience = 4;
    model.credit_score = 95;
    model.street_code = Some("510104017".into());
    model.satisfaction = Some(0.9);
    let index = index_with(&[plain, model.clone()], &[], &[]);
    let q = query_at(0.0, 0.0);
    let hits = all_firms(&index, &q);
    let by_id = |id: &str| hits.items.iter().find(|m| m.firm_id == id).unwrap().clone();
    let p = by_id("plain");
    let d = p.distance_km;
    assert!((d - 1.0).abs() < 0.01);
    let expect = [
        ("distance", 3.0 * (-d / 5.0).exp(), "距离 1.0 公里"),
        ("reach", 0.0, "服务区域包含锦江区"),
        ("model", 0.0, "提供专业化物业服务"),
        ("fee_model", 0.0, "接受包干制"),
        ("grade", 0.0, "可提供二级服务"),
        ("same_district", 0.5, "企业位于同一区县（锦江区）"),
        ("same_street", 0.5, "企业位于同一街道（春熙路街道）"),
        (
            "capacity",
            0.5,
            "剩余服务能力 1000 户，承接本小区 200 户后仍余 800 户",
        ),
        ("credit", 0.8, "信用分 80"),
        ("satisfaction", 0.6, "暂无居民满意度评价，按默认 60% 计"),
        ("text", 0.0, "需求与企业简介无共同关键词"),
    ];
    assert_eq!(p.parts.len(), expect.len(), "{:#?}", p.parts);
    for (part, (name, value, detail)) in p.parts.iter().zip(expect) {
        assert_eq!(part.name, name);
        assert!((part.value - value).abs() < 1e-12, "{name}: {}", part.value);
        assert_eq!(part.detail, detail);
    }
    let m = by_id("model");
    assert!(part(&m, "same_street").is_none());
    assert_eq!(part(&m, "whitelist").unwrap().value, 0.5);
    assert_eq!(part(&m, "whitelist").unwrap().detail, "列入检查白名单");
    assert_eq!(part(&m, "experience").unwrap().value, 0.2);
    assert_eq!(
        part(&m, "experience").unwrap().detail,
        "已服务老旧小区 4 个"
    );
    assert!((part(&m, "credit").unwrap().value - 0.95).abs() < 1e-12);
    assert_eq!(
        part(&m, "satisfaction").unwrap().detail,
        "其他小区居民满意度 90%"
    );
    // SOE/low-profit counts only for the community model.
    assert!(part(&m, "public_interest").is_none());
    let mut q = query_at(0.0, 0.0);
    q.service_model = "community".into();
    let hits = all_firms(&index, &q);
    assert_eq!(firm_ids(&hits), vec!["model"]);
    let pi = part(&hits.items[0], "public_interest").unwrap();
    assert_eq!(pi.value, 1.0);
    assert_eq!(pi.detail, "国有企业，适合公益/保障型物业");
    assert_eq!(
        part(&hits.items[0], "model").unwrap().detail,
        "提供公益/保障型物业"
    );
    // Weights change the values (and are validated).
    let w = Weights {
        credit: 2.0,
        ..Weights::default()
    };
    let hits = index.match_firms(&q, 10, 0, &w).unwrap();
    assert!((part(&hits.items[0], "credit").unwrap().value - 1.9).abs() < 1e-12);
    let bad = Weights {
        text: f64::NAN,
        ..Weights::default()
    };
    assert!(matches!(
        index.match_firms(&q, 10, 0, &bad),
        Err(IndexError::InvalidQuery { field: "text", .. })
    ));
    let mut bad_q = query_at(0.0, 0.0);
    bad_q.grade = 9;
    assert!(matches!(
        index.match_firms(&bad_q, 10, 0, &Weights::default()),
        Err(IndexError::InvalidQuery { field: "grade", .. })
    ));
}

#[test]
fn pages_slice_the_full_ranking() {
    let firms: Vec<FirmDoc> = (0..25)
        .map(|i| {
            let (lon, lat) = offset(f64::from(i) * 0.1, 0.0);
            firm(&format!("f{i:02}"), lon, lat)
        })
        .collect();
    let index = index_with(&firms, &[], &[]);
    let q = query_at(0.0, 0.0);
    let full = all_firms(&index, &q);
    assert_eq!(full.total, 25);
    let w = Weights::default();
    let mut paged = Vec::new();
    for page in 0..3 {
        let hits = index.match_firms(&q, 10, page * 10, &w).unwrap();
        assert_eq!(hits.total, 25);
        paged.extend(hits.items);
    }
    assert_eq!(paged, full.items);
    assert!(index.match_firms(&q, 10, 30, &w).unwrap().items.is_empty());
    assert!(index.match_firms(&q, 0, 0, &w).unwrap().items.is_empty());
    assert_eq!(index.match_firms(&q, 0, 0, &w).unwrap().total, 25);
}

#[test]
fn issue_18_the_nearby_same_street_firm_in_other_words_ranks_first() {
    // The tender of issue 18; a firm 0.4 km away in the same street saying the same services
    // in other words, and one 7 km away in another street and district (serving this one)
    // using the tender's exact words; the same standing.
    let mut q = query_at(0.0, 0.0);
    q.needs = "需要电梯维保、消防设施巡检、垃圾分类投放点管理和停车秩序管理。".into();
    let (lon, lat) = offset(0.4, 0.0);
    let mut near = firm("near", lon, lat);
    near.profile = "【演示数据】电梯维护保养、消防安全检查、生活垃圾分类指导、车辆停放管理，\
                    24 小时响应，收支公开。"
        .into();
    let (lon, lat) = offset(0.0, 7.0);
    let mut far = firm("far", lon, lat);
    far.district_code = "510108".into();
    far.street_code = Some("510108002".into());
    far.districts_served = vec!["510108".into(), DISTRICT.into()];
    far.profile = "电梯维保、消防设施巡检、垃圾分类投放点管理、停车秩序管理。".into();
    let index = index_with(&[near, far], &[], &[]);
    let hits = all_firms(&index, &q);
    assert_eq!(firm_ids(&hits), vec!["near", "far"], "{hits:#?}");
    let (near, far) = (&hits.items[0], &hits.items[1]);
    // Text no longer dominates: the exact-word firm covers every need (text = the weight),
    // the other firm most of them in its own words, and both texts are within the weight.
    let w = Weights::default();
    let text = |m: &FirmMatch| part(m, "text").unwrap().value;
    assert!((text(far) - w.text).abs() < 1e-9, "{far:#?}");
    assert!(
        text(near) > 0.6 * w.text && text(near) < text(far),
        "{near:#?}"
    );
    // The reasons show the firm's own words and how much each part gave.
    assert_eq!(
        near.matched_terms,
        vec!["电梯", "维护保养", "消防", "检查", "垃圾分类", "车辆停放"]
    );
    let detail = &part(near, "text").unwrap().detail;
    assert!(
        detail.starts_with("企业简介覆盖招标需求 5.40/6 项："),
        "{detail}"
    );
    assert!(detail.ends_with("90% × 权重 4 = 3.60"), "{detail}");
    assert!(detail.contains("维保（同义：维护保养）"), "{detail}");
    assert!(detail.contains("停车秩序（同义：车辆停放）"), "{detail}");
    assert!(detail.contains("× 权重"), "{detail}");
    for m in &hits.items {
        let sum: f64 = m.parts.iter().map(|p| p.value).sum();
        assert!((sum - m.score).abs() < 1e-9);
    }
}

#[test]
fn names_in_a_tender_title_or_a_profile_are_no_needs() {
    let (lon, lat) = offset(0.0, 0.0);
    let mut t = tender("t", lon, lat);
    t.compound_name = "玉林北路2号院".into();
    t.needs = "玉林北路2号院物业服务招标 需要电梯维保。".into();
    let q = TenderQuery::from(&t);
    assert!(!q.needs.contains("玉林北路2号院"), "{}", q.needs);
    let words: Vec<String> = needs(&q.needs).into_iter().map(|n| n.word).collect();
    assert_eq!(words, vec!["电梯", "维保"]);
    // The same for a firm's name in its profile.
    let mut f = firm("f", lon, lat);
    f.name = "成都锦城物业服务有限公司".into();
    f.profile = "成都锦城物业服务有限公司成立于2009年，提供电梯维保。".into();
    let q = FirmQuery::from(&f);
    let words: Vec<String> = needs(&q.profile).into_iter().map(|n| n.word).collect();
    assert_eq!(words, vec!["电梯", "维保"]);
}

// ---- firm → tenders -------------------------------------------------------------------------

#[test]
fn a_firm_sees_the_open_tenders_it_qualifies_for_nearest_first() {
    let at = |id: &str, east: f64| {
        let (lon, lat) = offset(east, 0.0);
        tender(id, lon, lat)
    };
    let near = at("near", 0.5);
    let mut mid = at("mid", 2.0);
    mid.needs = "需要电梯维保".into();
    let far = at("far", 4.0);
    let mut closed = at("closed", 0.5);
    closed.open = false;
    let mut grade5 = at("grade5", 0.5);
    grade5.grade = 5;
    let mut big = at("big", 0.5);
    big.households = 5_000;
    let mut trust = at("trust", 0.5);
    trust.fee_model = "trust".into();
    let mut elsewhere = at("elsewhere", 8.0);
    elsewhere.district_code = "510108".into();
    elsewhere.street_code = "510108001".into();
    let mut served = at("served", 30.0);
    served.district_code = "510105".into();
    served.street_code = "510105001".into();
    let index = index_with(
        &[],
        &[],
        &[
            near, mid, far, closed, grade5, big, trust, elsewhere, served,
        ],
    );
    let (lon, lat) = offset(0.0, 0.0);
    let mut f = firm("f", lon, lat);
    f.districts_served.push("510105".into());
    f.profile = "电梯维保".into();
    let q = FirmQuery::from(&f);
    let w = Weights::default();
    let hits = index.match_tenders(&q, 100, 0, &w).unwrap();
    let ids: Vec<&str> = hits.items.iter().map(|m| m.tender_id.as_str()).collect();
    // mid's needs match the profile (电梯, 维保), which outweighs 1.5 km; `served` is reached
    // by a served district though 30 km away.
    assert_eq!(ids, vec!["mid", "near", "far", "served"], "{hits:#?}");
    let mid = &hits.items[0];
    assert_eq!(mid.compound_id, "c-mid");
    assert_eq!(mid.compound_name, "测试院落mid");
    assert_eq!(mid.matched_terms, vec!["电梯", "维保"]);
    let text = mid.parts.iter().find(|p| p.name == "text").unwrap();
    assert_eq!(
        text.detail,
        "招标需求用到企业服务 2.00/2 项：电梯、维保；100% × 权重 4 = 4.00"
    );
    let names: Vec<&str> = mid.parts.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        vec![
            "distance",
            "reach",
            "same_district",
            "same_street",
            "capacity",
            "text"
        ]
    );
    let served = hits.items.iter().find(|m| m.tender_id == "served").unwrap();
    assert_eq!(served.parts[1].detail, "服务区域包含青羊区");
    // A firm that is not recommended gets nothing.
    let mut off = q.clone();
    off.recommended = false;
    assert_eq!(index.match_tenders(&off, 100, 0, &w).unwrap().total, 0);
}

// ---- updates --------------------------------------------------------------------------------

#[test]
fn upserts_are_idempotent_and_replace_earlier_versions() {
    let (lon, lat) = offset(1.0, 0.0);
    let mut a = firm("a", lon, lat);
    a.profile = "电梯维保".into();
    let mut b = firm("b", lon, lat);
    b.profile = "绿化养护".into();
    let once = index_with(&[a.clone(), b.clone()], &[], &[]);
    let twice = ram();
    for _ in 0..3 {
        twice.upsert_firm(&a).unwrap();
        twice.upsert_firm(&b).unwrap();
        twice.commit(None).unwrap();
    }
    twice.upsert_firm(&a).unwrap();
    twice.commit(None).unwrap();
    let mut q = query_at(0.0, 0.0);
    q.needs = "电梯维保".into();
    // Same answers, scores included: statistics count live documents only.
    assert_eq!(all_firms(&once, &q), all_firms(&twice, &q));
    assert_eq!(twice.snapshot().count(DocKind::Firm), 2);
    assert_eq!(
        twice
            .search("电梯", &SearchFilters::default(), DocKind::Firm, 10, 0)
            .unwrap(),
        once.search("电梯", &SearchFilters::default(), DocKind::Firm, 10, 0)
            .unwrap()
    );
    // An update replaces: a firm suspended from the roster leaves matching.
    a.recommended = false;
    twice.upsert_firm(&a).unwrap();
    twice.commit(None).unwrap();
    assert_eq!(firm_ids(&all_firms(&twice, &q)), vec!["b"]);
    assert_eq!(twice.snapshot().firm("a").unwrap(), Some(a));
    // The same id in another kind is another document.
    let (lon, lat) = offset(0.0, 0.0);
    twice.upsert_compound(&compound("a", lon, lat)).unwrap();
    twice.commit(None).unwrap();
    assert!(twice.snapshot().firm("a").unwrap().is_some());
    assert!(twice.snapshot().compound("a").unwrap().is_some());
    // Invalid documents are refused before anything is queued.
    let mut bad = firm("bad", lon, lat);
    bad.grades = vec![0];
    assert!(matches!(
        twice.upsert_firm(&bad),
        Err(IndexError::InvalidDocument {
            field: "grades",
            ..
        })
    ));
}

#[test]
fn deletes_remove_from_matching_search_and_reads() {
    let (lon, lat) = offset(1.0, 0.0);
    let index = index_with(
        &[firm("a", lon, lat), firm("b", lon, lat)],
        &[compound("c", lon, lat)],
        &[tender("t", lon, lat)],
    );
    index.delete(DocKind::Firm, "a").unwrap();
    index.delete(DocKind::Tender, "t").unwrap();
    index.delete(DocKind::Firm, "never-indexed").unwrap();
    // Nothing changes before the commit.
    assert_eq!(all_firms(&index, &query_at(0.0, 0.0)).total, 2);
    index.commit(None).unwrap();
    assert_eq!(firm_ids(&all_firms(&index, &query_at(0.0, 0.0))), vec!["b"]);
    let snap = index.snapshot();
    assert_eq!(snap.firm("a").unwrap(), None);
    assert_eq!(snap.tender("t").unwrap(), None);
    assert!(snap.compound("c").unwrap().is_some());
    assert_eq!(snap.count(DocKind::Firm), 1);
    assert_eq!(snap.count(DocKind::Tender), 0);
    assert!(search_ids(&index, "", &SearchFilters::default(), DocKind::Tender).is_empty());
    // Clearing empties the index (the start of a rebuild).
    index.clear().unwrap();
    index.commit(None).unwrap();
    for kind in DocKind::ALL {
        assert_eq!(index.snapshot().count(kind), 0);
    }
}

#[test]
fn stored_documents_round_trip() {
    let (lon, lat) = offset(1.0, 0.0);
    let mut f = firm("f", lon, lat);
    f.profile = "电梯维保".into();
    f.satisfaction = None;
    f.street_code = None;
    let c = compound("c", lon, lat);
    let mut t = tender("t", lon, lat);
    t.needs = "需要保洁".into();
    let index = index_with(
        std::slice::from_ref(&f),
        std::slice::from_ref(&c),
        std::slice::from_ref(&t),
    );
    let snap = index.snapshot();
    assert_eq!(snap.firm("f").unwrap(), Some(f));
    assert_eq!(snap.compound("c").unwrap(), Some(c));
    assert_eq!(snap.tender("t").unwrap(), Some(t));
    assert_eq!(snap.firm("c").unwrap(), None);
}

// ---- persistence ----------------------------------------------------------------------------

#[test]
fn a_reopened_index_answers_identically_and_keeps_its_payload() {
    let dir = tempfile::tempdir().unwrap();
    let location = IndexLocation::Dir(dir.path().join("index"));
    let data = synthetic::generate(
        Scale {
            firms: 400,
            compounds: 300,
            tenders: 30,
        },
        11,
    );
    let q = TenderQuery::from(&data.tenders[0]);
    let fq = FirmQuery::from(&data.firms[0]);
    let w = Weights::default();
    let filters = SearchFilters {
        district: Some(data.firms[0].district_code.clone()),
        ..SearchFilters::default()
    };
    let answers = |index: &IndexHandle| {
        (
            index.match_firms(&q, 20, 0, &w).unwrap(),
            index.match_tenders(&fq, 20, 0, &w).unwrap(),
            index
                .search("电梯维保", &filters, DocKind::Firm, 20, 0)
                .unwrap(),
            index
                .search("号院", &SearchFilters::default(), DocKind::Compound, 20, 0)
                .unwrap(),
        )
    };
    let before = {
        let index = IndexHandle::open(location.clone()).unwrap();
        assert_eq!(index.last_commit_payload(), None);
        for (i, f) in data.firms.iter().enumerate() {
            index.upsert_firm(f).unwrap();
            if i == 200 {
                index.commit(Some("catalog=200")).unwrap();
                assert_eq!(index.last_commit_payload().as_deref(), Some("catalog=200"));
            }
        }
        data.compounds
            .iter()
            .for_each(|c| index.upsert_compound(c).unwrap());
        data.tenders
            .iter()
            .for_each(|t| index.upsert_tender(t).unwrap());
        index.commit(Some("catalog=700;tender=30")).unwrap();
        // A commit without a payload keeps the previous one.
        index.upsert_firm(&data.firms[1]).unwrap();
        index.commit(None).unwrap();
        assert_eq!(
            index.last_commit_payload().as_deref(),
            Some("catalog=700;tender=30")
        );
        // Uncommitted changes are lost on close.
        index.delete(DocKind::Firm, &data.firms[0].id).unwrap();
        let answers = answers(&index);
        assert!(answers.0.total > 0 && answers.1.total > 0 && answers.2.total > 0);
        assert!(answers.3.total > 0);
        answers
    };
    let index = IndexHandle::open(location.clone()).unwrap();
    assert_eq!(
        index.last_commit_payload().as_deref(),
        Some("catalog=700;tender=30")
    );
    assert!(index.snapshot().firm(&data.firms[0].id).unwrap().is_some());
    assert_eq!(answers(&index), before);
    // The analyser is registered again: new documents are segmented as before.
    let (lon, lat) = offset(0.0, 0.0);
    let mut f = firm("new", lon, lat);
    f.profile = "专注白蚁防治与化粪池清掏".into();
    index.upsert_firm(&f).unwrap();
    index.commit(None).unwrap();
    assert_eq!(
        search_ids(&index, "化粪池", &SearchFilters::default(), DocKind::Firm)
            .first()
            .map(String::as_str),
        Some("new")
    );
    drop(index);
    // An index of another schema is refused, so the caller rebuilds it.
    let other = dir.path().join("other");
    std::fs::create_dir_all(&other).unwrap();
    let mut b = tantivy::schema::Schema::builder();
    b.add_text_field("title", tantivy::schema::TEXT);
    tantivy::Index::create_in_dir(&other, b.build()).unwrap();
    assert!(matches!(
        IndexHandle::open(IndexLocation::Dir(other)),
        Err(IndexError::SchemaMismatch(_))
    ));
}

// ---- search filters -------------------------------------------------------------------------

#[test]
fn search_filters_apply_per_kind_and_bad_filters_are_refused() {
    let (lon, lat) = offset(0.0, 0.0);
    let mut f1 = firm("f1", lon, lat);
    f1.profile = "电梯维保".into();
    let mut f2 = firm("f2", lon, lat);
    f2.profile = "电梯维保".into();
    f2.district_code = "510105".into();
    f2.street_code = Some("510105001".into());
    f2.districts_served = vec!["510105".into()];
    f2.service_models = vec!["trust".into()];
    f2.fee_models = vec!["trust".into()];
    f2.grades = vec![4];
    f2.recommended = false;
    let mut c1 = compound("c1", lon, lat);
    c1.covered = true;
    let c2 = compound("c2", lon, lat);
    let mut c3 = compound("c3", lon, lat);
    c3.eligible = false;
    c3.street_code = "510104017".into();
    let mut t1 = tender("t1", lon, lat);
    t1.needs = "电梯维保".into();
    let mut t2 = tender("t2", lon, lat);
    t2.needs = "电梯维保".into();
    t2.grade = 3;
    t2.service_model = "trust".into();
    let mut t3 = tender("t3", lon, lat);
    t3.needs = "电梯维保".into();
    t3.open = false;
    let index = index_with(&[f1, f2], &[c1, c2, c3], &[t1, t2, t3]);
    let f = |district: Option<&str>| SearchFilters {
        district: district.map(str::to_string),
        ..SearchFilters::default()
    };
    let firms = |filters: SearchFilters| search_ids(&index, "电梯", &filters, DocKind::Firm);
    assert_eq!(firms(f(None)), vec!["f1", "f2"]);
    assert_eq!(firms(f(Some("510105"))), vec!["f2"]);
    assert_eq!(
        firms(SearchFilters {
            street: Some(STREET.into()),
            ..f(None)
        }),
        vec!["f1"]
    );
    assert_eq!(
        firms(SearchFilters {
            service_model: Some("trust".into()),
            fee_model: Some("trust".into()),
            grade: Some(4),
            ..f(None)
        }),
        vec!["f2"]
    );
    assert_eq!(
        firms(SearchFilters {
            recommended: Some(true),
            ..f(None)
        }),
        vec!["f1"]
    );
    let compounds = |filters: SearchFilters| search_ids(&index, "", &filters, DocKind::Compound);
    assert_eq!(
        compounds(SearchFilters {
            covered: Some(false),
            ..f(None)
        }),
        vec!["c2", "c3"]
    );
    assert_eq!(
        compounds(SearchFilters {
            eligible: Some(true),
            street: Some(STREET.into()),
            ..f(None)
        }),
        vec!["c1", "c2"]
    );
    assert_eq!(
        search_ids(&index, "春熙路", &f(Some(DISTRICT)), DocKind::Compound).len(),
        3
    );
    // Tenders: open ones only.
    let tenders = |filters: SearchFilters| search_ids(&index, "电梯", &filters, DocKind::Tender);
    assert_eq!(tenders(f(None)), vec!["t1", "t2"]);
    assert_eq!(
        tenders(SearchFilters {
            grade: Some(3),
            service_model: Some("trust".into()),
            ..f(None)
        }),
        vec!["t2"]
    );
    // Bad filters name their field.
    let err = |filters: SearchFilters, kind: DocKind| match index
        .search("电梯", &filters, kind, 10, 0)
    {
        Err(IndexError::InvalidQuery { field, .. }) => field,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        err(
            SearchFilters {
                covered: Some(true),
                ..f(None)
            },
            DocKind::Firm
        ),
        "covered"
    );
    assert_eq!(
        err(
            SearchFilters {
                grade: Some(2),
                ..f(None)
            },
            DocKind::Compound
        ),
        "grade"
    );
    assert_eq!(
        err(
            SearchFilters {
                recommended: Some(true),
                ..f(None)
            },
            DocKind::Tender
        ),
        "recommended"
    );
    assert_eq!(err(f(Some("锦江区")), DocKind::Firm), "district");
    assert_eq!(
        err(
            SearchFilters {
                grade: Some(7),
                ..f(None)
            },
            DocKind::Firm
        ),
        "grade"
    );
    assert_eq!(
        err(
            SearchFilters {
                service_model: Some("Pro fessional".into()),
                ..f(None)
            },
            DocKind::Firm
        ),
        "service_model"
    );
    // Pagination of search.
    let page = index
        .search("", &SearchFilters::default(), DocKind::Compound, 2, 1)
        .unwrap();
    assert_eq!(page.total, 3);
    assert_eq!(
        page.items.iter().map(|h| h.id.as_str()).collect::<Vec<_>>(),
        vec!["c2", "c3"]
    );
}

// ---- bundles from the index -----------------------------------------------------------------

#[test]
fn bundles_are_suggested_from_the_indexed_compounds_of_a_street() {
    let at = |id: &str, households: u32, east: f64| {
        let (lon, lat) = offset(east, 0.0);
        let mut c = compound(id, lon, lat);
        c.households = households;
        c
    };
    let mut covered = at("covered", 100, 0.2);
    covered.covered = true;
    let index = index_with(
        &[],
        &[
            at("a", 120, 0.0),
            at("b", 100, 0.3),
            at("c", 90, 0.6),
            covered,
        ],
        &[],
    );
    let bundles = index.suggest_bundles(STREET, 300, 1.0).unwrap();
    assert_eq!(bundles.len(), 1);
    assert_eq!(bundles[0].compound_ids, vec!["a", "b", "c"]);
    assert_eq!(bundles[0].total_households, 310);
    assert!(
        index
            .suggest_bundles("510104017", 300, 1.0)
            .unwrap()
            .is_empty()
    );
    assert!(matches!(
        index.suggest_bundles("春熙路", 300, 1.0),
        Err(IndexError::InvalidQuery {
            field: "street",
            ..
        })
    ));
}

// ---- agreement with a brute-force reference --------------------------------------------------

fn qualifies(f: &FirmDoc, t: &TenderDoc) -> bool {
    t.open
        && f.recommended
        && f.service_models.contains(&t.service_model)
        && f.fee_models.contains(&t.fee_model)
        && f.grades.contains(&t.grade)
        && f.capacity_left >= t.households
        && (f.districts_served.contains(&t.district_code)
            || haversine_km(f.lon, f.lat, t.lon, t.lat) <= f.service_radius_km)
}

#[test]
fn matching_agrees_with_a_brute_force_reference_across_segments_and_updates() {
    let mut data = synthetic::generate(
        Scale {
            firms: 2_500,
            compounds: 1_000,
            tenders: 120,
        },
        42,
    );
    // A few large radii exercise the coarse grid.
    for f in data.firms.iter_mut().step_by(97) {
        f.service_radius_km = 60.0;
    }
    let index = ram();
    // Several commits make several segments; then updates and deletes leave deleted docs.
    for chunk in data.firms.chunks(700) {
        chunk.iter().for_each(|f| index.upsert_firm(f).unwrap());
        index.commit(None).unwrap();
    }
    data.tenders
        .iter()
        .for_each(|t| index.upsert_tender(t).unwrap());
    index.commit(None).unwrap();
    for f in data.firms.iter_mut().step_by(13) {
        f.recommended = !f.recommended;
        f.capacity_left /= 2;
        index.upsert_firm(f).unwrap();
    }
    let removed: Vec<FirmDoc> = data.firms.drain(..50).collect();
    removed
        .iter()
        .for_each(|f| index.delete(DocKind::Firm, &f.id).unwrap());
    for t in data.tenders.iter_mut().step_by(10) {
        t.open = false;
        index.upsert_tender(t).unwrap();
    }
    index.commit(None).unwrap();
    assert!(index.snapshot().segment_count() >= 2);

    let w = Weights::default();
    let mut nonempty = 0;
    for t in data.tenders.iter().take(60) {
        let q = TenderQuery::from(t);
        let expected: BTreeSet<&str> = data
            .firms
            .iter()
            .filter(|f| {
                qualifies(
                    f,
                    &TenderDoc {
                        open: true,
                        ..t.clone()
                    },
                )
            })
            .map(|f| f.id.as_str())
            .collect();
        let full = index.match_firms(&q, 100_000, 0, &w).unwrap();
        let got: BTreeSet<&str> = firm_ids(&full).into_iter().collect();
        assert_eq!(got, expected, "tender {}", t.id);
        assert_eq!(full.total, expected.len());
        if !expected.is_empty() {
            nonempty += 1;
        }
        // Pruned pages equal the head of the full ranking, whatever the text weight (a
        // small one lets the bound prune most candidates before text scoring).
        for w in [
            w.clone(),
            Weights {
                text: 0.02,
                ..w.clone()
            },
        ] {
            let full = index.match_firms(&q, 100_000, 0, &w).unwrap();
            // Short pages of many candidates also take the probe (text-score the best bases
            // first) and the distance bounds.
            for (limit, offset) in [(7, 3), (2, 0), (1, 1)] {
                let top = index.match_firms(&q, limit, offset, &w).unwrap();
                let head: Vec<FirmMatch> = full
                    .items
                    .iter()
                    .skip(offset)
                    .take(limit)
                    .cloned()
                    .collect();
                assert_eq!(top.items, head, "tender {}", t.id);
                assert_eq!(top.total, full.total);
            }
        }
    }
    assert!(nonempty > 20, "{nonempty}");
    let mut nonempty = 0;
    for f in data.firms.iter().take(150) {
        let q = FirmQuery::from(f);
        let expected: BTreeSet<&str> = data
            .tenders
            .iter()
            .filter(|t| qualifies(f, t))
            .map(|t| t.id.as_str())
            .collect();
        let full = index.match_tenders(&q, 100_000, 0, &w).unwrap();
        let got: BTreeSet<&str> = full.items.iter().map(|m| m.tender_id.as_str()).collect();
        assert_eq!(got, expected, "firm {}", f.id);
        if !expected.is_empty() {
            nonempty += 1;
        }
        let top = index.match_tenders(&q, 5, 0, &w).unwrap();
        assert_eq!(
            top.items,
            full.items.iter().take(5).cloned().collect::<Vec<_>>()
        );
    }
    assert!(nonempty > 10, "{nonempty}");
}

/// The by-id matches (inputs read and analysed once, kept with the segment) answer exactly
/// what the straightforward path answers (stored document → query → match), before and after
/// updates that move a document to a new segment, and know nothing of deleted ids.
#[test]
fn by_id_matches_equal_the_reference_path_across_updates() {
    let mut data = synthetic::generate(
        Scale {
            firms: 1_500,
            compounds: 600,
            tenders: 80,
        },
        7,
    );
    let index = ram();
    for chunk in data.firms.chunks(500) {
        chunk.iter().for_each(|f| index.upsert_firm(f).unwrap());
        index.commit(None).unwrap();
    }
    data.tenders
        .iter()
        .for_each(|t| index.upsert_tender(t).unwrap());
    index.commit(None).unwrap();
    let w = Weights::default();
    let check = |index: &IndexHandle, tenders: &[TenderDoc], firms: &[FirmDoc]| {
        let snap = index.snapshot();
        let mut nonempty = 0;
        // The reference reads the stored document, as the by-id path does: serde_json (without
        // its `float_roundtrip` feature) may read a coordinate back one ulp off the written one,
        // which moves a distance by ~1e-12 km, so the generator's own document is not the
        // reference.
        for t in tenders {
            let stored = snap.tender(&t.id).unwrap().unwrap();
            let reference = snap
                .match_firms(&TenderQuery::from(&stored), 20, 0, &w)
                .unwrap();
            for _ in 0..2 {
                let (compound, hits) = snap.match_tender(&t.id, 20, 0, &w).unwrap().unwrap();
                assert_eq!(compound, t.compound_id);
                assert_eq!(hits, reference, "tender {}", t.id);
            }
            let page = snap.match_tender(&t.id, 5, 3, &w).unwrap().unwrap().1;
            assert_eq!(
                page.items,
                reference
                    .items
                    .iter()
                    .skip(3)
                    .take(5)
                    .cloned()
                    .collect::<Vec<_>>()
            );
            nonempty += usize::from(!reference.items.is_empty());
        }
        assert!(nonempty > tenders.len() / 4, "{nonempty}");
        for f in firms {
            let stored = snap.firm(&f.id).unwrap().unwrap();
            let reference = snap
                .match_tenders(&FirmQuery::from(&stored), 20, 0, &w)
                .unwrap();
            for _ in 0..2 {
                let hits = snap.match_firm(&f.id, 20, 0, &w).unwrap().unwrap();
                assert_eq!(hits, reference, "firm {}", f.id);
            }
        }
    };
    check(&index, &data.tenders, &data.firms[..200]);
    // New versions (other needs and profiles) land in a new segment; the old ones are deleted.
    for t in data.tenders.iter_mut().step_by(3) {
        t.needs = format!("{}，另需电梯维保和消防检测", t.needs);
        index.upsert_tender(t).unwrap();
    }
    for f in data.firms.iter_mut().take(200).step_by(3) {
        f.profile = format!("专注垃圾分类与绿化养护。{}", f.profile);
        index.upsert_firm(f).unwrap();
    }
    let gone = data.tenders.pop().unwrap();
    index.delete(DocKind::Tender, &gone.id).unwrap();
    index.commit(None).unwrap();
    check(&index, &data.tenders, &data.firms[..200]);
    let snap = index.snapshot();
    assert!(snap.match_tender(&gone.id, 20, 0, &w).unwrap().is_none());
    assert!(snap.tender(&gone.id).unwrap().is_none());
    // An id of another kind is not a tender, nor a firm.
    let firm_id = &data.firms[0].id;
    assert!(snap.match_tender(firm_id, 20, 0, &w).unwrap().is_none());
    assert!(
        snap.match_firm(&data.tenders[0].id, 20, 0, &w)
            .unwrap()
            .is_none()
    );
    assert_eq!(snap.firm(firm_id).unwrap().as_ref(), Some(&data.firms[0]));
}

#[test]
fn filtered_search_is_the_unfiltered_search_restricted_to_the_filter() {
    let data = synthetic::generate(
        Scale {
            firms: 1_500,
            compounds: 10,
            tenders: 10,
        },
        5,
    );
    let index = index_with(&data.firms, &[], &[]);
    let all = index
        .search(
            "化粪池",
            &SearchFilters::default(),
            DocKind::Firm,
            100_000,
            0,
        )
        .unwrap();
    assert!(all.total > 100, "{}", all.total);
    // A one-district filter passes fewer firms than the posting lists hold (the seek path);
    // no filter passes more (the posting walk). Both must give the same scores.
    for district in ["510104", "510182", "510121"] {
        let filters = SearchFilters {
            district: Some(district.into()),
            ..SearchFilters::default()
        };
        let some = index
            .search("化粪池", &filters, DocKind::Firm, 100_000, 0)
            .unwrap();
        let serves = |id: &str| {
            let f = data.firms.iter().find(|f| f.id == id).unwrap();
            f.district_code == district || f.districts_served.iter().any(|d| d == district)
        };
        let expected: Vec<&SearchHit> = all.items.iter().filter(|h| serves(&h.id)).collect();
        assert!(!expected.is_empty());
        assert_eq!(
            some.items.iter().collect::<Vec<_>>(),
            expected,
            "{district}"
        );
    }
}
