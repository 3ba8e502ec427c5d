//! Geometry (地理计算): great-circle distance and the coarse grid cells used to precompute a
//! firm's reach at index time.
//!
//! A firm's service circle is written into the index as the set of grid cells it touches, so a
//! tender's reach filter is one term (its own cell) instead of a distance computation per firm;
//! the exact haversine check runs only on the candidates that pass. Small circles use a fine
//! grid ([`FINE_CELL_DEG`]), large ones a coarse grid ([`COARSE_CELL_DEG`]) so that no firm
//! writes thousands of terms.

/// Mean Earth radius in kilometres (IUGG).
pub const EARTH_RADIUS_KM: f64 = 6371.0088;
/// Side of a fine grid cell in degrees (≈ 5.5 km north–south).
pub const FINE_CELL_DEG: f64 = 0.05;
/// Side of a coarse grid cell in degrees (≈ 55 km north–south).
pub const COARSE_CELL_DEG: f64 = 0.5;
/// Service radii up to this many km are written as fine cells, larger ones as coarse cells.
pub const FINE_MAX_RADIUS_KM: f64 = 25.0;
/// Largest service radius accepted.
pub const MAX_RADIUS_KM: f64 = 500.0;

/// Great-circle distance between two points given as (longitude, latitude) in degrees.
pub fn haversine_km(lon1: f64, lat1: f64, lon2: f64, lat2: f64) -> f64 {
    let (phi1, phi2) = (lat1.to_radians(), lat2.to_radians());
    let dphi = (lat2 - lat1).to_radians();
    let dlambda = (lon2 - lon1).to_radians();
    let a = (dphi / 2.0).sin().powi(2) + phi1.cos() * phi2.cos() * (dlambda / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * a.sqrt().min(1.0).asin()
}

/// Bounds of [`haversine_km`] from one point to many, without trigonometry per point: for a
/// candidate whose distance only needs to be *about* right (clearly inside or outside a
/// radius, clearly off a result page), two square roots instead of four trigonometric calls
/// and an arcsine. Callers that need the distance itself still call [`haversine_km`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct DistanceBounds {
    lon: f64,
    lat: f64,
    cos_lat: f64,
    sin_lat: f64,
}

impl DistanceBounds {
    /// Bounds of distances from (`lon`, `lat`), in degrees.
    pub(crate) fn from(lon: f64, lat: f64) -> Self {
        let phi = lat.to_radians();
        Self {
            lon,
            lat,
            cos_lat: phi.cos(),
            sin_lat: phi.sin(),
        }
    }

    /// `(lower, upper)` with `lower ≤ haversine_km(self, (lon, lat)) ≤ upper` as computed,
    /// with a relative margin of 1e-9 (and 1e-9 km) over floating-point rounding. Within a few
    /// tens of km the two are about 1e-5 apart in relative terms.
    ///
    /// With δ = Δφ and λ = Δλ (radians, computed as [`haversine_km`] computes them) the
    /// haversine is h = sin²(δ/2) + cos φ₁ cos φ₂ sin²(λ/2) and the distance 2R·asin(√h):
    /// - sin²t ∈ [t² − t⁴/3, t²] for |t| ≤ 1 (from t − t³/6 ≤ sin t ≤ t), else [0, t²];
    /// - cos φ₂ = cos φ₁ cos δ − sin φ₁ sin δ lies within cos φ₁·δ²/2 + |sin φ₁|·|δ|³/6 of
    ///   cos φ₁ − sin φ₁·δ, and in [0, 1];
    /// - y ≤ asin y ≤ y/√(1 − y²).
    #[inline]
    pub(crate) fn bounds(&self, lon: f64, lat: f64) -> (f64, f64) {
        let dphi = (lat - self.lat).to_radians();
        let dlambda = (lon - self.lon).to_radians();
        let sin2 = |x: f64| {
            let t2 = 0.25 * x * x;
            let lo = if t2 <= 1.0 { t2 - t2 * t2 / 3.0 } else { 0.0 };
            (lo.max(0.0), t2.min(1.0))
        };
        let (p_lo, p_hi) = sin2(dphi);
        let (l_lo, l_hi) = sin2(dlambda);
        let d2 = dphi * dphi;
        let mid = self.cos_lat - self.sin_lat * dphi;
        let err = self.cos_lat * d2 * 0.5 + self.sin_lat.abs() * d2 * dphi.abs() / 6.0;
        let cos2_lo = (mid - err).max(0.0);
        let cos2_hi = (mid + err).min(1.0);
        let h_lo = p_lo + self.cos_lat * cos2_lo * l_lo;
        let h_hi = p_hi + self.cos_lat * cos2_hi * l_hi;
        let lo = 2.0 * EARTH_RADIUS_KM * h_lo.sqrt();
        let hi = if h_hi < 0.5 {
            2.0 * EARTH_RADIUS_KM * (h_hi / (1.0 - h_hi)).sqrt()
        } else {
            std::f64::consts::PI * EARTH_RADIUS_KM
        };
        (
            (lo * (1.0 - 1e-9) - 1e-9).max(0.0),
            hi * (1.0 + 1e-9) + 1e-9,
        )
    }
}

/// A grid cell: integer coordinates of its south-west corner in units of its side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cell {
    /// Column (longitude / side, floored).
    pub x: i32,
    /// Row (latitude / side, floored).
    pub y: i32,
}

impl Cell {
    /// The cell of a point on the grid of the given side.
    pub fn of(lon: f64, lat: f64, side_deg: f64) -> Self {
        Self {
            x: (lon / side_deg).floor() as i32,
            y: (lat / side_deg).floor() as i32,
        }
    }

    /// The term text of the cell (`x:y`).
    pub fn key(self) -> String {
        format!("{}:{}", self.x, self.y)
    }
}

/// Which grid a service radius is written on.
pub fn grid_for_radius(radius_km: f64) -> f64 {
    if radius_km <= FINE_MAX_RADIUS_KM {
        FINE_CELL_DEG
    } else {
        COARSE_CELL_DEG
    }
}

/// Every cell of the grid of side `side_deg` that a circle of `radius_km` around the point
/// touches (a superset: the circle is inflated by 1 % + 100 m before the test, so the exact
/// check on candidates never misses a point inside the circle).
pub fn cells_touched(lon: f64, lat: f64, radius_km: f64, side_deg: f64) -> Vec<Cell> {
    let r = radius_km * 1.01 + 0.1;
    let km_per_deg_lat = EARTH_RADIUS_KM.to_radians();
    let dlat = r / km_per_deg_lat;
    // Widest longitude span is at the latitude closest to a pole within the circle.
    let extreme_lat = (lat.abs() + dlat).min(89.0);
    let dlon = (r / (km_per_deg_lat * extreme_lat.to_radians().cos())).min(180.0);
    let lo = Cell::of(lon - dlon, lat - dlat, side_deg);
    let hi = Cell::of(lon + dlon, lat + dlat, side_deg);
    let mut out = Vec::new();
    for x in lo.x..=hi.x {
        for y in lo.y..=hi.y {
            // Nearest point of the cell to the centre.
            let (west, east) = (f64::from(x) * side_deg, f64::from(x + 1) * side_deg);
            let (south, north) = (f64::from(y) * side_deg, f64::from(y + 1) * side_deg);
            let near_lon = lon.clamp(west, east);
            let near_lat = lat.clamp(south, north);
            if haversine_km(lon, lat, near_lon, near_lat) <= r {
                out.push(Cell { x, y });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn haversine_matches_known_distances() {
        // 天府广场 to 春熙路 is about 1.6 km.
        let d = haversine_km(104.0657, 30.6570, 104.0816, 30.6554);
        assert!((d - 1.53).abs() < 0.1, "{d}");
        assert_eq!(haversine_km(104.0, 30.0, 104.0, 30.0), 0.0);
        // One degree of latitude ≈ 111.2 km.
        let d = haversine_km(104.0, 30.0, 104.0, 31.0);
        assert!((d - 111.19).abs() < 0.05, "{d}");
    }

    #[test]
    fn touched_cells_cover_every_point_in_the_circle() {
        let (lon, lat, r) = (104.06, 30.66, 7.5);
        let cells = cells_touched(lon, lat, r, FINE_CELL_DEG);
        assert!(cells.contains(&Cell::of(lon, lat, FINE_CELL_DEG)));
        // Sample points on a fine lattice: each inside the circle must be in a touched cell.
        let mut inside = 0;
        for i in -200..=200 {
            for j in -200..=200 {
                let (plon, plat) = (lon + f64::from(i) * 0.0005, lat + f64::from(j) * 0.0005);
                if haversine_km(lon, lat, plon, plat) <= r {
                    inside += 1;
                    assert!(cells.contains(&Cell::of(plon, plat, FINE_CELL_DEG)));
                }
            }
        }
        assert!(inside > 1000);
        // And the set is not wildly larger than the circle's area (≈ 177 km² vs ≈ 26 km² cells).
        assert!(cells.len() <= 20, "{}", cells.len());
    }

    #[test]
    fn distance_bounds_hold_and_are_tight_nearby() {
        // A fixed pseudo-random walk over Chengdu's surroundings and the whole globe.
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 11) as f64 / (1u64 << 53) as f64
        };
        for i in 0..200_000 {
            let (lon1, lat1, lon2, lat2) = if i % 4 == 0 {
                (
                    next() * 360.0 - 180.0,
                    next() * 180.0 - 90.0,
                    next() * 360.0 - 180.0,
                    next() * 180.0 - 90.0,
                )
            } else {
                let (lon, lat) = (103.0 + next() * 2.5, 30.0 + next() * 1.5);
                let spread = [0.001, 0.05, 0.5, 2.0][i % 4];
                (
                    lon,
                    lat,
                    lon + (next() - 0.5) * spread,
                    lat + (next() - 0.5) * spread,
                )
            };
            let d = haversine_km(lon1, lat1, lon2, lat2);
            let (lo, hi) = DistanceBounds::from(lon1, lat1).bounds(lon2, lat2);
            assert!(
                lo <= d && d <= hi,
                "{lon1} {lat1} {lon2} {lat2}: {lo} {d} {hi}"
            );
            // Within a service radius (≤ 25 km on the fine grid) the bounds are a few metres
            // apart at most; within 150 km, 0.1 %.
            if i % 4 != 0 && d < 150.0 {
                let rel = if d < 20.0 { 2e-5 } else { 1e-3 };
                assert!(hi - lo <= rel * d + 1e-8, "{lo} {d} {hi}");
            }
        }
        // The same point, a pole, the antipode.
        for (a, b, c, e) in [
            (104.0, 30.0, 104.0, 30.0),
            (0.0, 90.0, 50.0, 89.0),
            (0.0, 0.0, 180.0, 0.0),
            (10.0, -45.0, -170.0, 45.0),
        ] {
            let d = haversine_km(a, b, c, e);
            let (lo, hi) = DistanceBounds::from(a, b).bounds(c, e);
            assert!(lo <= d && d <= hi, "{lo} {d} {hi}");
        }
    }

    #[test]
    fn large_radii_use_the_coarse_grid() {
        assert_eq!(grid_for_radius(10.0), FINE_CELL_DEG);
        assert_eq!(grid_for_radius(80.0), COARSE_CELL_DEG);
        let cells = cells_touched(104.06, 30.66, 80.0, COARSE_CELL_DEG);
        assert!(cells.len() < 30, "{}", cells.len());
    }
}
