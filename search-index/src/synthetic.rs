//! Seeded synthetic data (合成数据) for benchmarks and demos: firms, compounds and open
//! tenders with realistic Chinese text, Chengdu's real district and street codes, and
//! coordinates spread around each district's seat. Synthetic records are marked as such in
//! their names (“（示例）”) and must never be presented as real ones.
//!
//! Deterministic: the same seed and scale give the same data on every machine (xorshift64*,
//! no external randomness).

use crate::docs::{CompoundDoc, FirmDoc, TenderDoc};
use crate::places::{self, DistrictSeat, StreetPlace};

/// How many of each document to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scale {
    /// Firms.
    pub firms: usize,
    /// Compounds (about 55 % of them old).
    pub compounds: usize,
    /// Open tenders (drawn from old, uncovered, eligible compounds).
    pub tenders: usize,
}

impl Scale {
    /// One city: 4,000 firms, 20,000 compounds (≈ 11,000 old), 1,500 open tenders.
    pub const CHENGDU: Scale = Scale {
        firms: 4_000,
        compounds: 20_000,
        tenders: 1_500,
    };
    /// All of China, squeezed around Chengdu's seats: 100,000 firms, 200,000 compounds,
    /// 20,000 open tenders.
    pub const NATIONAL: Scale = Scale {
        firms: 100_000,
        compounds: 200_000,
        tenders: 20_000,
    };
}

/// A generated data set.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// Firms.
    pub firms: Vec<FirmDoc>,
    /// Compounds.
    pub compounds: Vec<CompoundDoc>,
    /// Open tenders.
    pub tenders: Vec<TenderDoc>,
}

/// Generates a whole data set.
pub fn generate(scale: Scale, seed: u64) -> Dataset {
    let mut g = Generator::new(seed);
    let firms = (0..scale.firms).map(|i| g.firm(i)).collect();
    let compounds: Vec<CompoundDoc> = (0..scale.compounds).map(|i| g.compound(i)).collect();
    let candidates: Vec<&CompoundDoc> = compounds
        .iter()
        .filter(|c| c.eligible && !c.covered)
        .collect();
    let tenders = if candidates.is_empty() {
        Vec::new()
    } else {
        (0..scale.tenders)
            .map(|i| {
                let c = candidates[g.below(candidates.len())];
                g.tender(i, c)
            })
            .collect()
    };
    Dataset {
        firms,
        compounds,
        tenders,
    }
}

/// xorshift64* — small, fast, deterministic; not for anything secret.
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        // splitmix64 of the seed so that nearby seeds diverge and 0 is fine.
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Self((z ^ (z >> 31)) | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Standard normal (Box–Muller).
    fn normal(&mut self) -> f64 {
        let u1 = self.unit().max(f64::MIN_POSITIVE);
        let u2 = self.unit();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }
}

/// A deterministic generator of single documents.
#[derive(Debug, Clone)]
pub struct Generator {
    rng: Rng,
    streets: Vec<Vec<&'static StreetPlace>>,
}

const SERVICES: &[&str] = &[
    "电梯维保",
    "垃圾分类投放点管理",
    "消防设施维护",
    "二次供水水箱清洗",
    "绿化养护",
    "楼道保洁",
    "秩序维护",
    "停车管理",
    "化粪池清掏",
    "外墙维修",
    "屋面防水",
    "雨污管网疏通",
    "智慧门禁",
    "安防监控",
    "适老化改造",
    "电动车充电桩管理",
    "楼道照明维修",
    "水电维修",
    "白蚁防治",
    "公共设施设备巡检",
    "物业费线上缴纳",
    "老旧管线改造配合",
];

const FIRM_TRAITS: &[&str] = &[
    "专注老旧小区物业服务多年",
    "在院落自治和信托制物业方面经验丰富",
    "实行酬金制，收支每月公开",
    "设有24小时报修热线",
    "项目经理持证上岗",
    "与社区党组织共建“红色物业”",
    "承接过多个片区化打包项目",
    "提供“物业+养老”上门服务",
    "配备专业工程维修团队",
    "建立业主满意度回访制度",
];

const NEEDS_OPENERS: &[&str] = &[
    "本院落无物业管理，",
    "原物业已撤场，",
    "小区自管多年，",
    "老旧小区改造完成后，",
    "业委会经业主共同决定，",
];

const BRANDS: &[&str] = &[
    "锦城", "蓉安", "天府", "和美", "安居", "宜家", "锦华", "川信", "蜀都", "青城", "芙蓉", "金沙",
    "望江", "玉林", "浣花", "龙泉", "温江", "邻里", "嘉和", "同心",
];

const ROADS: &[&str] = &[
    "人民南路",
    "玉林北路",
    "红星路",
    "府青路",
    "抚琴路",
    "双楠路",
    "沙湾路",
    "九里堤",
    "水碾河路",
    "望平街",
    "东风路",
    "光华大道",
    "营门口路",
    "草堂路",
    "新华大道",
    "建设路",
];

const MODELS: &[&str] = &["professional", "trust", "community", "self_managed"];
const FEES: &[&str] = &["lump_sum", "commission", "trust"];

impl Generator {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        let streets = places::districts()
            .iter()
            .map(|d| {
                places::streets()
                    .iter()
                    .filter(|s| s.district_code == d.code)
                    .collect()
            })
            .collect();
        Self {
            rng: Rng::new(seed),
            streets,
        }
    }

    fn below(&mut self, n: usize) -> usize {
        (self.rng.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn chance(&mut self, p: f64) -> bool {
        self.rng.unit() < p
    }

    fn range(&mut self, lo: u32, hi: u32) -> u32 {
        lo + self.below((hi - lo + 1) as usize) as u32
    }

    /// A district (urban districts more often), a street of it, and a point around its seat.
    fn place(&mut self) -> (&'static DistrictSeat, &'static str, f64, f64) {
        let districts = places::districts();
        // The first 12 rows are the central districts: give them two thirds of the documents.
        let i = if self.chance(0.66) {
            self.below(12.min(districts.len()))
        } else {
            self.below(districts.len())
        };
        let d = &districts[i];
        let street = match self.streets[i].len() {
            0 => "",
            n => {
                let k = self.below(n);
                self.streets[i][k].code
            }
        };
        let lat = d.lat + self.rng.normal() * 0.035;
        let lon = d.lon + self.rng.normal() * 0.04;
        (d, street, lon, lat)
    }

    fn services(&mut self, n: usize) -> Vec<&'static str> {
        let mut out: Vec<&'static str> = Vec::with_capacity(n);
        while out.len() < n {
            let s = *self.pick(SERVICES);
            if !out.contains(&s) {
                out.push(s);
            }
        }
        out
    }

    /// The `i`-th firm.
    pub fn firm(&mut self, i: usize) -> FirmDoc {
        let (d, street, lon, lat) = self.place();
        let brand = *self.pick(BRANDS);
        let name = format!("成都{brand}物业服务有限公司{i:06}（示例）");
        let n_services = self.range(3, 6) as usize;
        let services = self.services(n_services);
        let traits = [*self.pick(FIRM_TRAITS), *self.pick(FIRM_TRAITS)];
        let staff = self.range(20, 600);
        let profile = format!(
            "{name}成立于{}年，{}，提供{}等服务。公司现有员工{staff}人，{}。",
            self.range(1995, 2022),
            traits[0],
            services.join("、"),
            traits[1],
        );
        let mut served = vec![d.code.to_string()];
        for _ in 0..self.below(3) {
            let other = self.pick(places::districts()).code.to_string();
            if !served.contains(&other) {
                served.push(other);
            }
        }
        let mut models = Vec::new();
        for (m, p) in MODELS.iter().zip([0.85, 0.3, 0.15, 0.05]) {
            if self.chance(p) {
                models.push(m.to_string());
            }
        }
        if models.is_empty() {
            models.push("professional".into());
        }
        let mut fees = Vec::new();
        for (f, p) in FEES.iter().zip([0.75, 0.5, 0.2]) {
            if self.chance(p) {
                fees.push(f.to_string());
            }
        }
        if fees.is_empty() {
            fees.push("lump_sum".into());
        }
        let lo = self.range(1, 3) as u8;
        let hi = (lo + self.range(0, 2) as u8).min(5);
        let soe = self.chance(0.05);
        FirmDoc {
            id: format!("syn-firm-{i:06}"),
            name,
            profile,
            district_code: d.code.to_string(),
            street_code: (!street.is_empty()).then(|| street.to_string()),
            lon,
            lat,
            districts_served: served,
            service_radius_km: f64::from(self.range(3, 15)),
            service_models: models,
            fee_models: fees,
            grades: (lo..=hi).collect(),
            recommended: self.chance(0.75),
            capacity_left: self.range(0, 5_000),
            credit_score: i64::from(self.range(55, 100)),
            satisfaction: self
                .chance(0.8)
                .then(|| f64::from(self.range(60, 98)) / 100.0),
            whitelisted: self.chance(0.1),
            soe,
            low_profit: soe || self.chance(0.1),
            old_compound_experience: self.range(0, 30),
        }
    }

    /// The `i`-th compound (about 55 % old; old ones mostly eligible, some covered).
    pub fn compound(&mut self, i: usize) -> CompoundDoc {
        let (d, street, lon, lat) = self.place();
        let road = *self.pick(ROADS);
        let number = self.range(1, 300);
        let old = self.chance(0.55);
        let name = if self.chance(0.5) {
            format!("{road}{number}号院（示例）")
        } else {
            format!(
                "{}{}小区（示例）",
                self.pick(BRANDS),
                self.pick(&["苑", "园", "里", "新村"])
            )
        };
        let households = if old {
            self.range(40, 400)
        } else {
            self.range(200, 2_500)
        };
        let eligible = old && self.chance(0.9);
        let covered = !old || (eligible && self.chance(0.4));
        CompoundDoc {
            id: format!("syn-compound-{i:06}"),
            name,
            address: format!("{}{road}{number}号", d.name),
            district_code: d.code.to_string(),
            street_code: street.to_string(),
            lon,
            lat,
            households,
            floor_area_m2: f64::from(households) * f64::from(self.range(55, 95)),
            management: if covered { "professional" } else { "none" }.into(),
            covered,
            eligible,
        }
    }

    /// The `i`-th open tender, for `compound`.
    pub fn tender(&mut self, i: usize, compound: &CompoundDoc) -> TenderDoc {
        let n_services = self.range(2, 4) as usize;
        let services = self.services(n_services);
        let needs = format!(
            "{}小区建于{}年，共{}栋{}户，需要{}，希望物业服务企业{}。",
            self.pick(NEEDS_OPENERS),
            self.range(1980, 2003),
            self.range(2, 20),
            compound.households,
            services.join("、"),
            self.pick(&[
                "收支公开透明",
                "响应及时",
                "有老旧小区服务经验",
                "提供上门维修",
                "配合社区开展志愿服务",
            ]),
        );
        let model = *self.pick(&[
            "professional",
            "professional",
            "professional",
            "trust",
            "trust",
            "community",
            "self_managed",
        ]);
        let fee = match model {
            "trust" => "trust",
            _ => *self.pick(&["lump_sum", "lump_sum", "commission"]),
        };
        TenderDoc {
            id: format!("syn-tender-{i:06}"),
            compound_id: compound.id.clone(),
            compound_name: compound.name.clone(),
            needs,
            district_code: compound.district_code.clone(),
            street_code: compound.street_code.clone(),
            lon: compound.lon,
            lat: compound.lat,
            households: compound.households,
            floor_area_m2: compound.floor_area_m2,
            service_model: model.into(),
            fee_model: fee.into(),
            grade: self.range(1, 3) as u8,
            budget_fen_per_m2_month: i64::from(self.range(50, 250)),
            open: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_is_seeded_valid_and_plausible() {
        let scale = Scale {
            firms: 300,
            compounds: 600,
            tenders: 50,
        };
        let a = generate(scale, 7);
        assert_eq!(a, generate(scale, 7));
        assert_ne!(a.firms, generate(scale, 8).firms);
        assert_eq!(a.firms.len(), 300);
        assert_eq!(a.compounds.len(), 600);
        assert_eq!(a.tenders.len(), 50);
        for f in &a.firms {
            f.validate().unwrap();
            assert!(f.name.contains("示例"));
            assert!(places::place_name(&f.district_code).is_some());
        }
        for c in &a.compounds {
            c.validate().unwrap();
            assert_eq!(
                places::streets()
                    .iter()
                    .find(|s| s.code == c.street_code)
                    .map(|s| s.district_code),
                Some(c.district_code.as_str())
            );
        }
        for t in &a.tenders {
            t.validate().unwrap();
            assert!(t.needs.contains("需要"));
        }
        let old = a.compounds.iter().filter(|c| c.eligible).count();
        assert!((250..=400).contains(&old), "{old}");
        // Points stay near Chengdu.
        assert!(
            a.compounds
                .iter()
                .all(|c| (102.5..105.5).contains(&c.lon) && (29.5..32.0).contains(&c.lat))
        );
    }
}
