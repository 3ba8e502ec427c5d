//! The index schema (索引结构): one tantivy index holds firms, compounds and open tenders.
//!
//! - `filter`: untokenised terms precomputed at index time, one posting list per filter value:
//!   the kind, the upsert key, and per kind the search filters (district, street, model, fee
//!   model, grade, flags) and the matching terms — a firm's accepted `key` combinations
//!   (model|fee model|grade, written only for recommended firms) and its `reach` (each served
//!   district and each grid cell its service circle touches); a tender's key (written only
//!   while open), district and cells. See [`term`].
//! - One Chinese text field per kind and role (so BM25 statistics never mix kinds).
//! - Fast fields (columnar) with every number and code matching reads per candidate; they are
//!   loaded once per segment into dense rows (see `snapshot`).
//! - `doc`: the original document as stored JSON, for reads by id.

use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, STORED, Schema, TextFieldIndexing, TextOptions,
};

use serde::{Deserialize, Serialize};

use crate::analyzer::ANALYZER;

/// The kind of an indexed document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocKind {
    /// A property-service firm.
    Firm,
    /// A residential compound.
    Compound,
    /// A tender (a compound's posted service need).
    Tender,
}

impl DocKind {
    /// Every kind.
    pub const ALL: [DocKind; 3] = [DocKind::Firm, DocKind::Compound, DocKind::Tender];

    /// The kind's name as used in terms and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            DocKind::Firm => "firm",
            DocKind::Compound => "compound",
            DocKind::Tender => "tender",
        }
    }

    pub(crate) fn code(self) -> u64 {
        self as u64
    }

    pub(crate) fn from_code(code: u64) -> Option<Self> {
        Self::ALL.get(usize::try_from(code).ok()?).copied()
    }
}

/// Field names.
pub mod names {
    /// Precomputed filter and key terms.
    pub const FILTER: &str = "filter";
    /// Firm name text.
    pub const FIRM_NAME: &str = "firm_name";
    /// Firm profile text (企业简介).
    pub const FIRM_PROFILE: &str = "firm_profile";
    /// Compound name text.
    pub const COMPOUND_NAME: &str = "compound_name";
    /// Compound address text.
    pub const COMPOUND_ADDRESS: &str = "compound_address";
    /// Tender title text (the compound's name).
    pub const TENDER_NAME: &str = "tender_name";
    /// Tender needs text (服务需求).
    pub const TENDER_NEEDS: &str = "tender_needs";
    /// Kind code (0 firm, 1 compound, 2 tender).
    pub const KIND: &str = "kind";
    /// Document id.
    pub const ID: &str = "id";
    /// Display name.
    pub const NAME: &str = "name";
    /// Related id (a tender's compound).
    pub const REF_ID: &str = "ref_id";
    /// District code as a number.
    pub const DISTRICT: &str = "district";
    /// Street code as a number.
    pub const STREET: &str = "street";
    /// Longitude.
    pub const LON: &str = "lon";
    /// Latitude.
    pub const LAT: &str = "lat";
    /// Firm service radius in km.
    pub const RADIUS: &str = "radius_km";
    /// Firm capacity left, or a compound's / tender's households.
    pub const CAPACITY: &str = "capacity";
    /// Firm credit score.
    pub const CREDIT: &str = "credit";
    /// Firm satisfaction 0–1 (absent when unknown).
    pub const SATISFACTION: &str = "satisfaction";
    /// Bit flags (see `flags`).
    pub const FLAGS: &str = "flags";
    /// Firm's number of old compounds served.
    pub const EXPERIENCE: &str = "experience";
    /// Floor area in m².
    pub const AREA: &str = "area";
    /// Stored JSON of the document.
    pub const DOC: &str = "doc";
}

/// Bits of the `flags` fast field.
pub mod flags {
    /// Firm is on the recommended roster.
    pub const RECOMMENDED: u32 = 1;
    /// Firm is whitelisted.
    pub const WHITELISTED: u32 = 1 << 1;
    /// Firm is state-owned.
    pub const SOE: u32 = 1 << 2;
    /// Firm committed to low-profit service.
    pub const LOW_PROFIT: u32 = 1 << 3;
    /// Compound has an active service arrangement.
    pub const COVERED: u32 = 1 << 4;
    /// Compound is eligible and its owners willing.
    pub const ELIGIBLE: u32 = 1 << 5;
    /// Tender is open for bids.
    pub const OPEN: u32 = 1 << 6;
}

/// Builds the schema. The same function is used to create an index and to check an existing
/// one (a mismatch means the index must be rebuilt).
pub fn schema() -> Schema {
    let mut b = Schema::builder();
    let filter = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer("raw")
            .set_index_option(IndexRecordOption::Basic)
            .set_fieldnorms(false),
    );
    b.add_text_field(names::FILTER, filter);
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(ANALYZER)
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    for name in TEXT_FIELDS {
        b.add_text_field(name, text.clone());
    }
    let fast_str = TextOptions::default().set_fast("raw");
    let fast = NumericOptions::default().set_fast();
    b.add_u64_field(names::KIND, fast.clone());
    b.add_text_field(names::ID, fast_str.clone());
    b.add_text_field(names::NAME, fast_str.clone());
    b.add_text_field(names::REF_ID, fast_str);
    b.add_u64_field(names::DISTRICT, fast.clone());
    b.add_u64_field(names::STREET, fast.clone());
    b.add_f64_field(names::LON, fast.clone());
    b.add_f64_field(names::LAT, fast.clone());
    b.add_f64_field(names::RADIUS, fast.clone());
    b.add_u64_field(names::CAPACITY, fast.clone());
    b.add_i64_field(names::CREDIT, fast.clone());
    b.add_f64_field(names::SATISFACTION, fast.clone());
    b.add_u64_field(names::FLAGS, fast.clone());
    b.add_u64_field(names::EXPERIENCE, fast.clone());
    b.add_f64_field(names::AREA, fast);
    b.add_text_field(names::DOC, STORED);
    b.build()
}

/// The Chinese text fields, in [`TextField`] order.
const TEXT_FIELDS: [&str; 6] = [
    names::FIRM_NAME,
    names::FIRM_PROFILE,
    names::COMPOUND_NAME,
    names::COMPOUND_ADDRESS,
    names::TENDER_NAME,
    names::TENDER_NEEDS,
];

/// One of the Chinese text fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum TextField {
    FirmName = 0,
    FirmProfile = 1,
    CompoundName = 2,
    CompoundAddress = 3,
    TenderName = 4,
    TenderNeeds = 5,
}

impl TextField {
    pub(crate) const ALL: [TextField; 6] = [
        TextField::FirmName,
        TextField::FirmProfile,
        TextField::CompoundName,
        TextField::CompoundAddress,
        TextField::TenderName,
        TextField::TenderNeeds,
    ];

    pub(crate) fn kind(self) -> DocKind {
        match self {
            TextField::FirmName | TextField::FirmProfile => DocKind::Firm,
            TextField::CompoundName | TextField::CompoundAddress => DocKind::Compound,
            TextField::TenderName | TextField::TenderNeeds => DocKind::Tender,
        }
    }
}

/// Resolved field handles.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields {
    pub filter: Field,
    pub text: [Field; 6],
    pub kind: Field,
    pub id: Field,
    pub name: Field,
    pub ref_id: Field,
    pub district: Field,
    pub street: Field,
    pub lon: Field,
    pub lat: Field,
    pub radius: Field,
    pub capacity: Field,
    pub credit: Field,
    pub satisfaction: Field,
    pub flags: Field,
    pub experience: Field,
    pub area: Field,
    pub doc: Field,
}

impl Fields {
    pub(crate) fn new(schema: &Schema) -> Self {
        let f = |name: &str| schema.get_field(name).expect("field of schema()");
        Self {
            filter: f(names::FILTER),
            text: TEXT_FIELDS.map(f),
            kind: f(names::KIND),
            id: f(names::ID),
            name: f(names::NAME),
            ref_id: f(names::REF_ID),
            district: f(names::DISTRICT),
            street: f(names::STREET),
            lon: f(names::LON),
            lat: f(names::LAT),
            radius: f(names::RADIUS),
            capacity: f(names::CAPACITY),
            credit: f(names::CREDIT),
            satisfaction: f(names::SATISFACTION),
            flags: f(names::FLAGS),
            experience: f(names::EXPERIENCE),
            area: f(names::AREA),
            doc: f(names::DOC),
        }
    }

    pub(crate) fn text(&self, field: TextField) -> Field {
        self.text[field as usize]
    }
}

/// The precomputed filter terms (all in the `filter` field).
pub mod term {
    use crate::DocKind;
    use crate::geo::Cell;

    /// Every document of a kind.
    pub fn kind(kind: DocKind) -> String {
        format!("kind:{}", kind.as_str())
    }
    /// The upsert/delete key of a document.
    pub fn uid(kind: DocKind, id: &str) -> String {
        format!("uid:{}:{id}", kind.as_str())
    }
    /// A recommended firm accepting this (model, fee model, grade).
    pub fn firm_key(model: &str, fee: &str, grade: u8) -> String {
        format!("f.key:{model}|{fee}|{grade}")
    }
    /// A firm serving this district.
    pub fn firm_reach_district(district: &str) -> String {
        format!("f.rd:{district}")
    }
    /// A firm whose service circle touches this fine cell.
    pub fn firm_reach_fine(cell: Cell) -> String {
        format!("f.rc:{}", cell.key())
    }
    /// A firm whose service circle touches this coarse cell.
    pub fn firm_reach_coarse(cell: Cell) -> String {
        format!("f.rC:{}", cell.key())
    }
    /// A firm located in or serving this district (search filter).
    pub fn firm_district(district: &str) -> String {
        format!("f.in:{district}")
    }
    /// A firm located in this street.
    pub fn firm_street(street: &str) -> String {
        format!("f.s:{street}")
    }
    /// A firm offering this service model.
    pub fn firm_model(model: &str) -> String {
        format!("f.m:{model}")
    }
    /// A firm accepting this fee model.
    pub fn firm_fee(fee: &str) -> String {
        format!("f.fee:{fee}")
    }
    /// A firm delivering this grade.
    pub fn firm_grade(grade: u8) -> String {
        format!("f.g:{grade}")
    }
    /// A firm's roster standing is (not) recommended.
    pub fn firm_recommended(yes: bool) -> String {
        format!("f.rec:{}", u8::from(yes))
    }
    /// A compound in this district.
    pub fn compound_district(district: &str) -> String {
        format!("c.d:{district}")
    }
    /// A compound in this street.
    pub fn compound_street(street: &str) -> String {
        format!("c.s:{street}")
    }
    /// A compound is (not) covered.
    pub fn compound_covered(yes: bool) -> String {
        format!("c.cov:{}", u8::from(yes))
    }
    /// A compound is (not) eligible and willing.
    pub fn compound_eligible(yes: bool) -> String {
        format!("c.elig:{}", u8::from(yes))
    }
    /// An open tender asking for this (model, fee model, grade).
    pub fn tender_key(model: &str, fee: &str, grade: u8) -> String {
        format!("t.key:{model}|{fee}|{grade}")
    }
    /// A tender in this district.
    pub fn tender_district(district: &str) -> String {
        format!("t.d:{district}")
    }
    /// A tender in this street.
    pub fn tender_street(street: &str) -> String {
        format!("t.s:{street}")
    }
    /// A tender in this fine cell.
    pub fn tender_fine(cell: Cell) -> String {
        format!("t.c:{}", cell.key())
    }
    /// A tender in this coarse cell.
    pub fn tender_coarse(cell: Cell) -> String {
        format!("t.C:{}", cell.key())
    }
    /// A tender asking for this model.
    pub fn tender_model(model: &str) -> String {
        format!("t.m:{model}")
    }
    /// A tender asking for this fee model.
    pub fn tender_fee(fee: &str) -> String {
        format!("t.fee:{fee}")
    }
    /// A tender asking for this grade.
    pub fn tender_grade(grade: u8) -> String {
        format!("t.g:{grade}")
    }
    /// A tender is (not) open.
    pub fn tender_open(yes: bool) -> String {
        format!("t.open:{}", u8::from(yes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_is_stable_and_complete() {
        assert_eq!(schema(), schema());
        let fields = Fields::new(&schema());
        assert_ne!(fields.text(TextField::FirmProfile), fields.filter);
        assert_eq!(TextField::ALL.len(), TEXT_FIELDS.len());
    }
}
