//! Valid request bodies shared by the end-to-end tests.

use serde_json::{Value, json};
use shared::domain::check_char;

/// 锦江区, a district.
pub const JINJIANG: &str = "510104";
/// 锦官驿街道, a street of 锦江区.
pub const JINGUANYI: &str = "510104017";
/// 武侯区, another district.
pub const WUHOU: &str = "510107";

/// `base` with the keys of `overrides` replaced.
pub fn merged(mut base: Value, overrides: Value) -> Value {
    if let (Some(b), Value::Object(o)) = (base.as_object_mut(), overrides) {
        for (k, v) in o {
            b.insert(k, v);
        }
    }
    base
}

/// A valid credit code made from a number: `91510100MA` + 7 digits + check character.
pub fn credit_code(n: u32) -> String {
    let prefix = format!("91510100MA{n:07}");
    format!(
        "{prefix}{}",
        check_char(&prefix).expect("17 alphabet characters")
    )
}

/// A valid firm application (no account).
pub fn firm_body(name: &str, n: u32) -> Value {
    json!({
        "name": name,
        "credit_code": credit_code(n),
        "legal_representative": "王建国",
        "contact_phone": "13812345678",
        "ownership": "soe",
        "base_address": "成都市锦江区红星路三段 1 号",
        "location": {"lon": 104.081, "lat": 30.658},
        "districts_served": ["510104", "510105"],
        "service_radius_km": 15.0,
        "service_models": ["professional", "trust"],
        "fee_models": ["commission", "trust"],
        "grades": [2, 3],
        "capacity_households": 5000,
        "households_served": 1200,
        "staff_count": 80,
        "profile": "专注老旧小区物业服务十年，擅长电梯维保、消防设施管理和垃圾分类。",
        "low_profit_commitment": true
    })
}

/// A valid compound in `street` (9-digit code), identified by its ledger `code`.
pub fn compound_body(code: &str, street: &str) -> Value {
    json!({
        "code": code,
        "name": format!("{code}号院"),
        "address": format!("{code} 路 1 号"),
        "district": &street[..6],
        "street": street,
        "community": "水井坊社区",
        "location": {"lon": 104.083, "lat": 30.652},
        "year_built": 1995,
        "buildings": 6,
        "households": 480,
        "floor_area_m2": 42000,
        "management": "none",
        "facilities": {
            "fire_safety": true,
            "video_surveillance": false,
            "access_control": false,
            "garbage_sorting_points": 2,
            "parking_spaces": 40,
            "elevators": 0
        },
        "governance_body": "owners_committee",
        "governance_formed_on": "2021-06-18",
        "eligible_and_willing": true
    })
}

/// The smallest PDF the document store takes (typed by its `%PDF-` bytes).
pub const PDF: &[u8] = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n";

/// A `multipart/form-data` body of text `fields` and then, when given, the part `file`
/// (file name and declared type, which the server never believes, and the bytes): the
/// `Content-Type` header and the body.
pub fn multipart(fields: &[(&str, &str)], file: Option<(&str, &str, &[u8])>) -> (String, Vec<u8>) {
    let boundary = "----wuye-test-boundary";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    if let Some((name, content_type, bytes)) = file {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: {content_type}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}
