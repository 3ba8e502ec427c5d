//! The register as the API answers it: units with their owners whole or masked (by the
//! reader's [`Sight`]), the totals derived from the units, the history of changes, and the
//! public summary.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use shared::domain::{Centi, Holder, OwnerKey, RegisterCount};
use shared::extract::Page;
use utoipa::ToSchema;

use super::access::Sight;
use super::store::{Source, Unit, Version};
use crate::clock::to_rfc3339;

/// An owner as the reader may see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OwnerView {
    /// 业主姓名: whole for the committee and the compound's street, else `张**`.
    pub name: String,
    /// 联系电话: whole for the committee and the compound's street, else `138****5678`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

/// A unit's recorded state (what a version holds).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UnitState {
    /// 楼栋.
    pub building: String,
    /// 单元 (may be empty).
    pub unit: String,
    /// 房号.
    pub room: String,
    /// As people write it: `3栋2单元501`.
    pub label: String,
    /// 专有部分面积 in 0.01 ㎡ (8957 is 89.57 ㎡).
    pub area_centi: u64,
    /// The same area in ㎡ with two decimals, as text: `89.57`.
    pub area_m2: String,
    /// 未售: held by the developer (unsold or undelivered); no owners then.
    pub developer: bool,
    /// The owners in the register's order (co-owners of one unit count as one owner).
    pub owners: Vec<OwnerView>,
    /// Taken out of the register (kept with its history; out of the totals).
    pub removed: bool,
}

/// A unit of the register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UnitView {
    pub id: String,
    pub building: String,
    pub unit: String,
    pub room: String,
    /// As people write it: `3栋2单元501`.
    pub label: String,
    /// 专有部分面积 in 0.01 ㎡.
    pub area_centi: u64,
    /// The same area in ㎡ with two decimals, as text.
    pub area_m2: String,
    /// 未售: held by the developer.
    pub developer: bool,
    pub owners: Vec<OwnerView>,
    /// How many units of the register (this one included) the same owner holds; art. 9
    /// counts them as one owner (all the developer's unsold units count as one too).
    pub owner_units: u32,
    /// 1 on creation, +1 on every change.
    pub version: i64,
    pub removed: bool,
    /// Who last changed it (name and role).
    pub updated_by: String,
    pub updated_at: String,
}

/// The totals every vote of the compound is measured against, derived from the units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Totals {
    /// Units (专有部分) in the register.
    pub units: u32,
    /// 业主人数 (SPC interpretation art. 9: one per unit, except one owner of several units
    /// and the developer's unsold units count as one).
    pub owners: u32,
    /// 专有部分总面积 in 0.01 ㎡ (art. 8: the sum of the registered exclusive areas).
    pub area_centi: u64,
    /// Units the developer still holds (they count as one owner together).
    pub developer_units: u32,
    /// Owners who hold more than one unit.
    pub multi_unit_owners: u32,
}

impl Totals {
    /// The totals of a register's units (removed ones left out).
    pub fn of(units: &[Unit]) -> Self {
        let live: Vec<&Unit> = units.iter().filter(|u| !u.removed).collect();
        let keys: Vec<(OwnerKey, shared::domain::ExclusiveArea)> =
            live.iter().map(|u| (u.owner_key(), u.area)).collect();
        let RegisterCount {
            units,
            owners,
            area_centi_m2,
        } = RegisterCount::of(keys.iter().map(|(k, a)| (k, *a)));
        let per_owner = units_per_owner(live.iter().copied());
        Self {
            units,
            owners,
            area_centi: area_centi_m2,
            developer_units: live
                .iter()
                .filter(|u| u.holder == Holder::Developer)
                .count() as u32,
            multi_unit_owners: per_owner
                .iter()
                .filter(|(k, n)| **n > 1 && k.as_str() != Holder::Developer.key().as_str())
                .count() as u32,
        }
    }

    /// The total area in ㎡ with two decimals.
    pub fn area_m2(&self) -> String {
        Centi(self.area_centi).to_string()
    }
}

/// How many live units each owner holds.
pub fn units_per_owner<'a>(units: impl Iterator<Item = &'a Unit>) -> HashMap<OwnerKey, u32> {
    let mut per = HashMap::new();
    for u in units.filter(|u| !u.removed) {
        *per.entry(u.owner_key()).or_insert(0) += 1;
    }
    per
}

fn owners(holder: &Holder, sight: Sight) -> (bool, Vec<OwnerView>) {
    match holder {
        Holder::Developer => (true, Vec::new()),
        Holder::Owners(list) => (
            false,
            list.iter()
                .map(|o| match sight {
                    Sight::Whole => OwnerView {
                        name: o.name().to_string(),
                        phone: o.phone().map(|p| p.as_str().to_string()),
                    },
                    Sight::Masked => OwnerView {
                        name: o.masked_name(),
                        phone: o.phone().map(|p| p.masked()),
                    },
                })
                .collect(),
        ),
    }
}

impl UnitState {
    pub fn of(u: &Unit, sight: Sight) -> Self {
        let (developer, owners) = owners(&u.holder, sight);
        Self {
            building: u.label.building().to_string(),
            unit: u.label.unit().to_string(),
            room: u.label.room().to_string(),
            label: u.label.to_string(),
            area_centi: u.area.centi(),
            area_m2: u.area.to_string(),
            developer,
            owners,
            removed: u.removed,
        }
    }
}

impl UnitView {
    /// A unit as `sight` shows it; `per_owner` from [`units_per_owner`] over the register.
    pub fn of(u: &Unit, sight: Sight, per_owner: &HashMap<OwnerKey, u32>) -> Self {
        let UnitState {
            building,
            unit,
            room,
            label,
            area_centi,
            area_m2,
            developer,
            owners,
            removed,
        } = UnitState::of(u, sight);
        Self {
            id: u.id.clone(),
            building,
            unit,
            room,
            label,
            area_centi,
            area_m2,
            developer,
            owners,
            owner_units: if u.removed {
                0
            } else {
                per_owner.get(&u.owner_key()).copied().unwrap_or(1)
            },
            version: u.version,
            removed,
            updated_by: u.updated_by.clone(),
            updated_at: to_rfc3339(u.updated_at),
        }
    }
}

/// A compound's register: its totals, the buildings it has, and one page of its units.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RegisterView {
    pub compound_id: String,
    pub compound_name: String,
    pub totals: Totals,
    /// The total area in ㎡ with two decimals, as text.
    pub area_m2: String,
    /// The buildings of the register (楼栋), for filtering.
    pub buildings: Vec<String>,
    /// Whether names and phones are masked for this reader.
    pub masked: bool,
    /// Whether this reader may import, edit and export.
    pub may_keep: bool,
    /// The units asked for (by building, unit and room).
    pub units: Page<UnitView>,
}

/// How a version came about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// 新增.
    Created,
    /// 修改.
    Changed,
    /// 移出名册.
    Removed,
    /// 恢复 (a removed unit entered again).
    Restored,
}

/// One version of a unit in the history.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct VersionView {
    pub unit_id: String,
    pub version: i64,
    pub label: String,
    pub change: ChangeKind,
    /// `edit` (one unit at a time), `remove`, or `import` (see `import_id`).
    pub source: String,
    /// The import that wrote it, for `source = import`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub import_id: Option<String>,
    /// The unit before (absent when this version created it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<UnitState>,
    pub after: UnitState,
    /// Who (name and role).
    pub changed_by: String,
    pub changed_at: String,
}

impl VersionView {
    pub fn of(v: &Version, sight: Sight) -> Self {
        let change = match (&v.before, v.after.removed) {
            (None, _) => ChangeKind::Created,
            (Some(_), true) => ChangeKind::Removed,
            (Some(b), false) if b.removed => ChangeKind::Restored,
            (Some(_), false) => ChangeKind::Changed,
        };
        let (source, import_id) = match &v.source {
            Source::Edit => ("edit", None),
            Source::Remove => ("remove", None),
            Source::Import(id) => ("import", Some(id.clone())),
        };
        Self {
            unit_id: v.unit_id.clone(),
            version: v.version,
            label: v.after.label.to_string(),
            change,
            source: source.into(),
            import_id,
            before: v.before.as_ref().map(|b| UnitState::of(b, sight)),
            after: UnitState::of(&v.after, sight),
            changed_by: v.changed_by.clone(),
            changed_at: to_rfc3339(v.changed_at),
        }
    }
}

/// What anyone may know of a compound's register: its derived totals.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RegisterSummary {
    pub compound_id: String,
    pub totals: Totals,
    /// The total area in ㎡ with two decimals, as text.
    pub area_m2: String,
    /// When the register last changed (absent: never kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::domain::{ExclusiveArea, Owner, PhoneNumber, UnitLabel};

    fn unit(room: &str, area: &str, holder: Holder) -> Unit {
        Unit {
            id: format!("u{room}"),
            compound_id: "c".into(),
            label: UnitLabel::parse("1", "1", room).unwrap(),
            area: ExclusiveArea::parse(area).unwrap(),
            holder,
            version: 1,
            removed: false,
            updated_by: "x".into(),
            updated_at: 0,
        }
    }

    fn owner(name: &str, phone: &str) -> Holder {
        Holder::owners(vec![
            Owner::new(name, Some(PhoneNumber::parse(phone).unwrap())).unwrap(),
        ])
        .unwrap()
    }

    #[test]
    fn totals_count_as_the_interpretation_says_and_masking_hides_owners() {
        let mut units = vec![
            unit("101", "89.57", owner("张三丰", "13800000001")),
            unit("102", "60", owner("张三丰", "13800000001")),
            unit("201", "75.5", owner("李四", "13800000002")),
            unit("301", "120", Holder::Developer),
            unit("302", "130", Holder::Developer),
            unit("401", "99", owner("王五", "13800000003")),
        ];
        units[5].removed = true;
        let t = Totals::of(&units);
        assert_eq!(
            (t.units, t.owners, t.developer_units, t.multi_unit_owners),
            (5, 3, 2, 1)
        );
        assert_eq!(t.area_m2(), "475.07");
        let per = units_per_owner(units.iter());
        let masked = UnitView::of(&units[0], Sight::Masked, &per);
        assert_eq!(masked.owners[0].name, "张**");
        assert_eq!(masked.owners[0].phone.as_deref(), Some("138****0001"));
        assert_eq!(masked.owner_units, 2);
        let whole = UnitView::of(&units[0], Sight::Whole, &per);
        assert_eq!(whole.owners[0].name, "张三丰");
        assert_eq!(UnitView::of(&units[3], Sight::Whole, &per).owner_units, 2);
        assert_eq!(UnitView::of(&units[5], Sight::Whole, &per).owner_units, 0);
    }
}
