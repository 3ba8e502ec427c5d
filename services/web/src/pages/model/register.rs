//! What the tender API answers about a compound's owner register (业主名册), as the pages
//! read it, with the texts the templates print.

use serde::Deserialize;

use super::Page;
use crate::format::when;

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Owner {
    pub name: String,
    #[serde(default)]
    pub phone: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Totals {
    pub units: u32,
    pub owners: u32,
    pub area_centi: u64,
    pub developer_units: u32,
    pub multi_unit_owners: u32,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Unit {
    pub id: String,
    pub building: String,
    pub unit: String,
    pub room: String,
    pub label: String,
    pub area_m2: String,
    pub developer: bool,
    pub owners: Vec<Owner>,
    pub owner_units: u32,
    pub version: i64,
    pub removed: bool,
    pub updated_by: String,
    pub updated_at: String,
}

impl Unit {
    /// `张三、李四`, or 未售（开发建设单位）.
    pub fn owner_names(&self) -> String {
        if self.developer {
            "未售（开发建设单位）".into()
        } else {
            self.owners
                .iter()
                .map(|o| o.name.as_str())
                .collect::<Vec<_>>()
                .join("、")
        }
    }

    /// The phones in the owners' order (`—` for none).
    pub fn phones(&self) -> String {
        let phones: Vec<&str> = self
            .owners
            .iter()
            .filter_map(|o| o.phone.as_deref())
            .collect();
        if phones.is_empty() {
            "—".into()
        } else {
            phones.join("、")
        }
    }

    pub fn updated_text(&self) -> String {
        when(&self.updated_at)
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Register {
    pub compound_name: String,
    pub totals: Totals,
    pub area_m2: String,
    pub buildings: Vec<String>,
    pub masked: bool,
    pub may_keep: bool,
    pub units: Page<Unit>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct State {
    pub label: String,
    pub area_m2: String,
    pub developer: bool,
    pub owners: Vec<Owner>,
    pub removed: bool,
}

impl State {
    /// One line: `89.57 ㎡；张三（13800000001）、李四`.
    pub fn text(&self) -> String {
        let holder = if self.developer {
            "未售（开发建设单位）".to_string()
        } else {
            self.owners
                .iter()
                .map(|o| match &o.phone {
                    Some(p) => format!("{}（{p}）", o.name),
                    None => o.name.clone(),
                })
                .collect::<Vec<_>>()
                .join("、")
        };
        format!("{}：{} ㎡；{holder}", self.label, self.area_m2)
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Version {
    pub unit_id: String,
    pub version: i64,
    pub label: String,
    pub change: String,
    pub source: String,
    #[serde(default)]
    pub before: Option<State>,
    pub after: State,
    pub changed_by: String,
    pub changed_at: String,
}

impl Version {
    pub fn change_label(&self) -> &'static str {
        match self.change.as_str() {
            "created" => "新增",
            "changed" => "修改",
            "removed" => "移出名册",
            "restored" => "恢复",
            _ => "变更",
        }
    }

    pub fn source_label(&self) -> &'static str {
        match self.source.as_str() {
            "import" => "文件导入",
            "remove" => "逐户移出",
            _ => "逐户编辑",
        }
    }

    pub fn when_text(&self) -> String {
        when(&self.changed_at)
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Summary {
    pub totals: Totals,
    pub area_m2: String,
    #[serde(default)]
    pub updated_at: Option<String>,
}

impl Summary {
    /// When the register last changed, or 从未更新.
    pub fn updated_text(&self) -> String {
        self.updated_at.as_deref().map_or_else(|| "—".into(), when)
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct RowError {
    pub line: u32,
    pub column: String,
    pub value: String,
    pub message: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ImportReport {
    pub committed: bool,
    pub rows_total: usize,
    pub rows_valid: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub ignored_columns: Vec<String>,
    pub errors: Vec<RowError>,
    pub errors_total: usize,
    #[serde(default)]
    pub errors_not_listed: Option<String>,
    pub totals: Totals,
}

impl ImportReport {
    /// Rows with an error (the report may not list every error, so counted from the totals).
    pub fn bad_rows(&self) -> usize {
        self.rows_total.saturating_sub(self.rows_valid)
    }

    /// The totals after the import, in ㎡.
    pub fn area_m2(&self) -> String {
        let c = self.totals.area_centi;
        format!("{}.{:02}", c / 100, c % 100)
    }
}
