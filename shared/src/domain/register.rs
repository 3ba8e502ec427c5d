//! 业主名册 (owner register): a compound's units (专有部分) with the exclusive area registered
//! for each (不动产登记簿) and its owners, and how owners and area are counted for the owners'
//! common decisions.
//!
//! Counting follows the Supreme People's Court's interpretation on building division
//! ownership (《最高人民法院关于审理建筑物区分所有权纠纷案件适用法律若干问题的解释》):
//! art. 8, the area is the exclusive area as registered, and the total is the sum over the
//! units; art. 9, owners are counted one per unit (一个专有部分按一人计算), except that the
//! developer's unsold or undelivered units count as one, and one owner of several units
//! counts as one. Areas are integer hundredths of a square metre, never floats.

use std::collections::HashSet;
use std::fmt;

use serde::{Deserialize, Serialize, Serializer};
use utoipa::openapi::schema::KnownFormat;
use utoipa::openapi::{RefOr, Schema};

use super::schema::IntegerSchema;
use super::{DomainError, PhoneNumber, quoted};

/// 专有部分面积: a unit's exclusive area as registered, in hundredths of a square metre
/// (0.01 ㎡), from 0.01 to 100,000.00 ㎡.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(try_from = "i64")]
pub struct ExclusiveArea(u64);

impl ExclusiveArea {
    /// The largest accepted area, in hundredths of a square metre (100,000 ㎡).
    pub const MAX_CENTI: u64 = 10_000_000;

    /// An area of `centi` hundredths of a square metre.
    pub fn from_centi(centi: u64) -> Result<Self, DomainError> {
        if centi == 0 {
            Err(DomainError::new(
                "invalid_exclusive_area",
                "专有部分面积必须大于 0",
            ))
        } else if centi > Self::MAX_CENTI {
            Err(DomainError::new(
                "invalid_exclusive_area",
                "专有部分面积不能超过 100000 平方米",
            ))
        } else {
            Ok(Self(centi))
        }
    }

    /// Reads an area written in square metres with at most two decimals (`89.57`, `120`,
    /// `1,204.5`), as a register or a spreadsheet cell shows it; exactly, never through a
    /// float.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let bad = || {
            DomainError::new(
                "invalid_exclusive_area",
                format!(
                    "专有部分面积“{}”应为平方米数，最多两位小数，例如 89.57",
                    quoted(input)
                ),
            )
        };
        let s: String = input
            .trim()
            .trim_end_matches("平方米")
            .trim_end_matches('㎡')
            .trim()
            .chars()
            .filter(|c| *c != ',')
            .collect();
        let (whole, fraction) = s.split_once('.').unwrap_or((&s, "0"));
        if whole.is_empty()
            || fraction.is_empty()
            || whole.len() > 7
            || fraction.len() > 2
            || !whole.bytes().all(|b| b.is_ascii_digit())
            || !fraction.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(bad());
        }
        let whole: u64 = whole.parse().map_err(|_| bad())?;
        let fraction: u64 = match fraction.len() {
            0 => 0,
            1 => fraction.parse::<u64>().map_err(|_| bad())? * 10,
            _ => fraction.parse().map_err(|_| bad())?,
        };
        Self::from_centi(whole * 100 + fraction)
    }

    /// The area in hundredths of a square metre.
    pub fn centi(self) -> u64 {
        self.0
    }
}

impl fmt::Display for ExclusiveArea {
    /// Square metres with two decimals: `89.57`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", Centi(self.0))
    }
}

impl TryFrom<i64> for ExclusiveArea {
    type Error = DomainError;

    fn try_from(value: i64) -> Result<Self, Self::Error> {
        Self::from_centi(u64::try_from(value).unwrap_or(0))
    }
}

impl Serialize for ExclusiveArea {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u64(self.0)
    }
}

impl utoipa::PartialSchema for ExclusiveArea {
    fn schema() -> RefOr<Schema> {
        IntegerSchema {
            format: KnownFormat::Int64,
            minimum: Some(1),
            maximum: Some(Self::MAX_CENTI as i64),
            description: "专有部分面积，单位 0.01 平方米（8957 即 89.57 平方米）",
            example: 8957,
        }
        .build()
    }
}

impl utoipa::ToSchema for ExclusiveArea {}

/// A total of hundredths of a square metre, shown as square metres with two decimals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Centi(pub u64);

impl fmt::Display for Centi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}", self.0 / 100, self.0 % 100)
    }
}

/// Text of a register field: trimmed, full-width letters and digits made half-width, inner
/// white space removed, no control characters, 1 to `max` characters.
fn register_text(
    input: &str,
    max: usize,
    code: &'static str,
    label: &str,
    required: bool,
) -> Result<String, DomainError> {
    let mut out = String::new();
    for c in input.trim().chars() {
        let c = match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            c => c,
        };
        if c.is_control() {
            return Err(DomainError::new(code, format!("{label}不能包含控制字符")));
        }
        if !c.is_whitespace() {
            out.push(c);
        }
        if out.chars().count() > max {
            return Err(DomainError::new(
                code,
                format!("{label}不能超过 {max} 个字符"),
            ));
        }
    }
    if required && out.is_empty() {
        return Err(DomainError::new(code, format!("{label}必填")));
    }
    Ok(out)
}

/// Where a unit is: 楼栋 (building), 单元 (stairway, may be empty) and 房号 (room), as the
/// register writes them. Two labels are the same unit when their normalised texts are equal
/// (full-width digits and spaces do not make a new unit).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct UnitLabel {
    building: String,
    unit: String,
    room: String,
}

impl UnitLabel {
    /// Checks the three parts; every problem is named with its field (`building`, `unit`,
    /// `room`).
    pub fn parse(
        building: &str,
        unit: &str,
        room: &str,
    ) -> Result<Self, Vec<(&'static str, DomainError)>> {
        let mut errors = Vec::new();
        let mut part = |field, value: &str, label, required| {
            register_text(value, 20, "invalid_unit_label", label, required)
                .map_err(|e| errors.push((field, e)))
                .ok()
        };
        let building = part("building", building, "楼栋", true);
        let unit = part("unit", unit, "单元", false);
        let room = part("room", room, "房号", true);
        match (building, unit, room) {
            (Some(building), Some(unit), Some(room)) if errors.is_empty() => Ok(Self {
                building,
                unit,
                room,
            }),
            _ => Err(errors),
        }
    }

    pub fn building(&self) -> &str {
        &self.building
    }

    pub fn unit(&self) -> &str {
        &self.unit
    }

    pub fn room(&self) -> &str {
        &self.room
    }
}

impl fmt::Display for UnitLabel {
    /// `3栋2单元501` (the parts as written, with 栋/单元 added where the register left them
    /// out).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let suffix = |s: &str, with: &str| {
            if s.is_empty() || s.ends_with(with) || !s.chars().all(|c| c.is_ascii_digit()) {
                String::new()
            } else {
                with.to_owned()
            }
        };
        write!(f, "{}{}", self.building, suffix(&self.building, "栋"))?;
        if !self.unit.is_empty() {
            write!(f, "{}{}", self.unit, suffix(&self.unit, "单元"))?;
        }
        write!(f, "{}", self.room)
    }
}

/// An owner as the register names them: a name (1–30 characters) and, optionally, a phone
/// number.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Owner {
    name: String,
    phone: Option<PhoneNumber>,
}

impl Owner {
    pub fn new(name: &str, phone: Option<PhoneNumber>) -> Result<Self, DomainError> {
        let name = register_text(name, 30, "invalid_owner_name", "业主姓名", true)?;
        Ok(Self { name, phone })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn phone(&self) -> Option<&PhoneNumber> {
        self.phone.as_ref()
    }

    /// The name with all but its first character masked (`张**`), for everyone but the
    /// committee and the compound's street.
    pub fn masked_name(&self) -> String {
        let mut chars = self.name.chars();
        let first = chars.next().unwrap_or('*');
        std::iter::once(first)
            .chain(chars.map(|_| '*'))
            .collect::<String>()
    }
}

/// Who holds a unit for counting: its registered owners, or the developer (开发建设单位)
/// while it is unsold or undelivered.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "owners", rename_all = "snake_case")]
pub enum Holder {
    /// One or more co-owners (共有人), in the register's order.
    Owners(Vec<Owner>),
    /// 建设单位未出售或者尚未交付的专有部分.
    Developer,
}

impl Holder {
    /// The owners of a unit; at least one, at most 10 co-owners.
    pub fn owners(owners: Vec<Owner>) -> Result<Self, DomainError> {
        if owners.is_empty() {
            return Err(DomainError::new(
                "owner_required",
                "请填写业主姓名；开发建设单位未出售的房屋请标记为“未售”",
            ));
        }
        if owners.len() > 10 {
            return Err(DomainError::new(
                "too_many_owners",
                "一套房屋最多登记 10 名共有人",
            ));
        }
        Ok(Self::Owners(owners))
    }

    /// Whom the count treats as one owner (art. 9): every unsold unit is the developer's;
    /// otherwise the unit's owners, so that units with the same owners (same names, and the
    /// same phones where given) count once. Co-owners of one unit are one owner of it.
    pub fn key(&self) -> OwnerKey {
        match self {
            Holder::Developer => OwnerKey("developer".into()),
            Holder::Owners(owners) => {
                let mut parts: Vec<String> = owners
                    .iter()
                    .map(|o| {
                        format!(
                            "{}|{}",
                            o.name,
                            o.phone.as_ref().map(PhoneNumber::as_str).unwrap_or("")
                        )
                    })
                    .collect();
                parts.sort();
                parts.dedup();
                OwnerKey(format!("owners:{}", parts.join(";")))
            }
        }
    }
}

/// The identity an owner is counted by (see [`Holder::key`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct OwnerKey(String);

impl OwnerKey {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A key as stored (from [`OwnerKey::as_str`]).
    pub fn from_stored(s: String) -> Self {
        Self(s)
    }
}

/// The register's totals, derived from its units, never typed: what every vote of the
/// compound is measured against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RegisterCount {
    /// Units (专有部分) in the register.
    pub units: u32,
    /// 业主人数 as art. 9 counts them.
    pub owners: u32,
    /// 专有部分总面积, in 0.01 ㎡.
    pub area_centi_m2: u64,
}

impl RegisterCount {
    /// Counts units given as (who holds it, its area).
    pub fn of<'a>(units: impl IntoIterator<Item = (&'a OwnerKey, ExclusiveArea)>) -> Self {
        let mut owners = HashSet::new();
        let mut count = Self::default();
        for (key, area) in units {
            count.units += 1;
            count.area_centi_m2 += area.centi();
            owners.insert(key);
        }
        count.owners = owners.len() as u32;
        count
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn owner(name: &str, phone: Option<&str>) -> Owner {
        Owner::new(name, phone.map(|p| PhoneNumber::parse(p).unwrap())).unwrap()
    }

    #[test]
    fn areas_are_exact_hundredths() {
        assert_eq!(ExclusiveArea::parse("89.57").unwrap().centi(), 8957);
        assert_eq!(ExclusiveArea::parse("120").unwrap().centi(), 12_000);
        assert_eq!(ExclusiveArea::parse("1,204.5").unwrap().centi(), 120_450);
        assert_eq!(ExclusiveArea::parse(" 76.05平方米 ").unwrap().centi(), 7605);
        assert_eq!(ExclusiveArea::parse("0.01").unwrap().to_string(), "0.01");
        assert_eq!(ExclusiveArea::parse("100000").unwrap().centi(), 10_000_000);
        for bad in [
            "",
            "0",
            "0.00",
            "89.571",
            "-3",
            "abc",
            "1e3",
            "100000.01",
            ".5",
            "89.",
            "８９",
        ] {
            let e = ExclusiveArea::parse(bad);
            assert!(e.is_err(), "{bad:?} gave {e:?}");
        }
        let e = ExclusiveArea::parse("89.571").unwrap_err();
        assert!(e.message.contains("最多两位小数"), "{e}");
    }

    #[test]
    fn unit_labels_normalise_and_name_each_bad_part() {
        let a = UnitLabel::parse("３栋", " 2单元 ", "5 01").unwrap();
        let b = UnitLabel::parse("3栋", "2单元", "501").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.to_string(), "3栋2单元501");
        assert_eq!(
            UnitLabel::parse("3", "", "501").unwrap().to_string(),
            "3栋501"
        );
        let errors = UnitLabel::parse("", "x\u{7}", "").unwrap_err();
        let fields: Vec<_> = errors.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, ["building", "unit", "room"]);
        assert!(UnitLabel::parse(&"栋".repeat(21), "", "1").is_err());
    }

    #[test]
    fn owners_are_masked_for_the_public() {
        assert_eq!(owner("张三丰", None).masked_name(), "张**");
        assert_eq!(owner("李", None).masked_name(), "李");
    }

    /// The counting rules on a hand-checked register of six units.
    #[test]
    fn one_owner_of_several_units_and_the_developers_unsold_units_count_as_one() {
        let zhang = Holder::owners(vec![owner("张三", Some("13800000001"))]).unwrap();
        let zhang_again = Holder::owners(vec![owner("张三", Some("138 0000 0001"))]).unwrap();
        // A namesake with another phone is another owner.
        let other_zhang = Holder::owners(vec![owner("张三", Some("13800000009"))]).unwrap();
        // Co-owners of one unit are one owner of it, in any order.
        let couple = Holder::owners(vec![owner("李四", None), owner("王五", None)]).unwrap();
        let couple_swapped =
            Holder::owners(vec![owner("王五", None), owner("李四", None)]).unwrap();
        let units = [
            (zhang.key(), ExclusiveArea::parse("89.57").unwrap()),
            (zhang_again.key(), ExclusiveArea::parse("60.00").unwrap()),
            (other_zhang.key(), ExclusiveArea::parse("75.5").unwrap()),
            (couple.key(), ExclusiveArea::parse("100").unwrap()),
            (couple_swapped.key(), ExclusiveArea::parse("0.43").unwrap()),
            (
                Holder::Developer.key(),
                ExclusiveArea::parse("120").unwrap(),
            ),
            (
                Holder::Developer.key(),
                ExclusiveArea::parse("130").unwrap(),
            ),
        ];
        let count = RegisterCount::of(units.iter().map(|(k, a)| (k, *a)));
        assert_eq!(count.units, 7);
        // 张三 (2 units), the other 张三, 李四+王五 (2 units), the developer (2 units).
        assert_eq!(count.owners, 4);
        assert_eq!(
            count.area_centi_m2,
            8957 + 6000 + 7550 + 10_000 + 43 + 12_000 + 13_000
        );
        assert_eq!(Centi(count.area_centi_m2).to_string(), "575.50");
    }

    #[test]
    fn a_unit_needs_an_owner_or_the_developer() {
        assert!(Holder::owners(vec![]).is_err());
        assert!(Holder::owners(vec![owner("甲", None); 11]).is_err());
    }

    proptest! {
        #[test]
        fn area_parsing_never_panics_and_round_trips(s in ".{0,40}", centi in 1u64..=10_000_000) {
            let _ = ExclusiveArea::parse(&s);
            let area = ExclusiveArea::from_centi(centi).unwrap();
            prop_assert_eq!(ExclusiveArea::parse(&area.to_string()).unwrap(), area);
        }

        #[test]
        fn labels_and_names_never_panic(a in ".{0,30}", b in ".{0,30}", c in ".{0,30}") {
            let _ = UnitLabel::parse(&a, &b, &c);
            let _ = Owner::new(&a, None);
        }
    }
}
