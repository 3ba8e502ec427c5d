//! 片区化建议: the matching service's bundle suggestions for a street, drawn on a map-like
//! plot of the street's compounds (longitude/latitude to scale), each bundle coloured and
//! circled, with its households, span and reasoning listed beside it.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use serde::Deserialize;

use crate::charts::{self, MapPoint};
use crate::chrome::Chrome;
use crate::error::PageError;
use crate::pages::choice::Choice;
use crate::pages::model::Page;
use crate::pages::model::catalog::Compound;
use crate::pages::model::matching::BundleView;
use crate::roles::{Area, OfficialUser};
use crate::state::WebState;

/// A bundle as the page lists it.
pub struct BundleRow {
    pub number: usize,
    pub colour: &'static str,
    pub members: Vec<(String, i64)>,
    pub total_households: u32,
    pub span: String,
    pub reason: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct BundlesQuery {
    #[serde(default)]
    street: String,
    #[serde(default)]
    viable_households: String,
    #[serde(default)]
    max_distance_km: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "official_bundles.html")]
pub struct BundlesPage {
    chrome: Chrome,
    area_name: String,
    is_district: bool,
    street_name: String,
    street_choices: Vec<Choice>,
    viable_households: String,
    max_distance_km: String,
    error: Option<String>,
    map_svg: String,
    bundles: Vec<BundleRow>,
    compounds_total: usize,
    unplaced: usize,
}

/// The compounds of a street (every page of the list, up to 2000).
async fn street_compounds(
    app: &WebState,
    token: &str,
    street: &str,
) -> Result<Vec<Compound>, crate::api::ApiError> {
    let mut out = Vec::new();
    let mut offset = 0;
    loop {
        let page: Page<Compound> = app
            .api
            .catalog_get(
                &format!(
                    "/catalog/compounds?{}",
                    crate::api::query(&[
                        ("street", street),
                        ("limit", "200"),
                        ("offset", &offset.to_string())
                    ])
                ),
                Some(token),
            )
            .await?;
        let n = page.items.len() as i64;
        out.extend(page.items);
        offset += n;
        if n == 0 || offset >= page.total || offset >= 2000 {
            return Ok(out);
        }
    }
}

pub async fn page(
    State(app): State<WebState>,
    OfficialUser { token, area, .. }: OfficialUser,
    chrome: Chrome,
    Query(q): Query<BundlesQuery>,
) -> Result<BundlesPage, PageError> {
    let streets = area.streets();
    let street = streets
        .iter()
        .find(|s| s.as_str() == q.street)
        .or(streets.first())
        .copied();
    let street = street.ok_or_else(|| PageError::not_found("辖区内没有街道（镇）。"))?;
    let mut params: Vec<(&str, String)> = vec![("street", street.as_str().to_string())];
    for (k, v) in [
        ("viable_households", &q.viable_households),
        ("max_distance_km", &q.max_distance_km),
    ] {
        if !v.trim().is_empty() {
            params.push((k, v.trim().to_string()));
        }
    }
    let url = format!(
        "{}/match/bundles?{}",
        app.api.matching,
        serde_urlencoded::to_string(&params).unwrap_or_default()
    );
    let (bundles, compounds) = tokio::join!(
        app.api.get::<Vec<BundleView>>(&url, Some(&token)),
        street_compounds(&app, &token, street.as_str()),
    );
    let compounds = compounds?;
    let (bundles, error) = match bundles {
        Ok(b) => (b, None),
        Err(e) if e.status().is_some_and(|s| s.as_u16() == 422) => (vec![], Some(e.message())),
        Err(e) if e.status().is_some_and(|s| s.is_client_error()) => {
            return Err(e.into());
        }
        Err(e) => {
            tracing::warn!(error = ?e, "bundles not shown");
            (
                vec![],
                Some("片区化建议暂时无法获取，请稍后刷新。".to_string()),
            )
        }
    };
    let by_id: HashMap<&str, &Compound> = compounds.iter().map(|c| (c.id.as_str(), c)).collect();
    let group_of: HashMap<&str, usize> = bundles
        .iter()
        .enumerate()
        .flat_map(|(g, b)| b.compound_ids.iter().map(move |id| (id.as_str(), g)))
        .collect();
    let points: Vec<MapPoint> = compounds
        .iter()
        .map(|c| MapPoint {
            name: c.name.clone(),
            label: format!("{}（{} 户）", c.name, c.households),
            lon: c.location.lon,
            lat: c.location.lat,
            group: group_of.get(c.id.as_str()).copied(),
        })
        .collect();
    let unplaced = bundles
        .iter()
        .flat_map(|b| &b.compound_ids)
        .filter(|id| !by_id.contains_key(id.as_str()))
        .count();
    let street_name = street.name().to_string();
    let map_svg = charts::scatter_map(
        "bundle-map",
        &format!("{street_name}小区分布与片区化建议"),
        &format!(
            "{street_name}共 {} 个小区，按经纬度绘制，北在上；{} 个建议片区以彩色圆圈标出，灰色为不在建议片区中的小区。",
            compounds.len(),
            bundles.len()
        ),
        &points,
        bundles.len(),
    );
    let rows = bundles
        .into_iter()
        .enumerate()
        .map(|(g, b)| BundleRow {
            number: g + 1,
            colour: charts::group_colour(g),
            members: b
                .compound_ids
                .iter()
                .map(|id| match by_id.get(id.as_str()) {
                    Some(c) => (c.name.clone(), c.households),
                    None => (id.clone(), 0),
                })
                .collect(),
            total_households: b.total_households,
            span: format!("{:.0} 米", b.max_pair_distance_km * 1000.0),
            reason: b.reason,
        })
        .collect();
    Ok(BundlesPage {
        area_name: area.name(),
        is_district: matches!(area, Area::District(_)),
        street_choices: streets
            .iter()
            .map(|s| Choice {
                value: s.as_str().to_string(),
                label: s.name().to_string(),
                selected: *s == street,
            })
            .collect(),
        street_name,
        viable_households: q.viable_households.clone(),
        max_distance_km: q.max_distance_km.clone(),
        error,
        map_svg,
        bundles: rows,
        compounds_total: compounds.len(),
        unplaced,
        chrome,
    })
}
