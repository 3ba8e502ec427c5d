//! The city's coverage [`History`] kept in memory and brought up to date from the tables on
//! each read, instead of read whole each time: `GET /match/coverage` (the home page's
//! figure) read every version of every compound, 200,000 rows at national size, for every
//! page view.
//!
//! Exact, not a cache with an age: compound versions are only ever appended, each with its
//! catalog change's `seq`, by the one follower of this process's own database, in `seq`
//! order and in the transaction that moves its cursor; so the versions with a `seq` above
//! the highest already read are exactly the ones added since. Contracts are upserted with
//! the `seq` of their latest tender change, so the same holds for them, by id. Nothing
//! deletes either table while the service runs. A history read this way tallies exactly as
//! [`crate::coverage::load`]'s for any area and day (a tally reads each compound as it stood
//! on the day and only within the area, and each contract only within its dates).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use shared::db::Db;
use shared::domain::roster::{Date, parse_date};
use sqlx::Row;
use tokio::sync::Mutex;

use crate::coverage::{Area, CompoundState, ContractSpan, History, Tally};

/// A tally by `(district code, street code)`, as [`History::tally`] answers it.
pub type StreetTallies = BTreeMap<(String, String), Tally>;

/// At most this many `(area, day)` tallies are kept; one more empties the memo.
const MEMO_ENTRIES: usize = 64;

/// More compounds than this touched by one catch-up empty the memo instead of amending
/// each tally compound by compound (the first read after a bulk import).
const MEMO_AMEND_LIMIT: usize = 2_000;

/// The live history; clones share it.
#[derive(Clone, Default)]
pub struct LiveHistory(Arc<Mutex<Held>>);

#[derive(Default)]
struct Held {
    history: History,
    /// The highest version `seq` read.
    versions_after: i64,
    /// The highest contract `seq` read.
    contracts_after: i64,
    /// Every contract read, by id: its compound and span.
    contracts: HashMap<String, (String, ContractSpan)>,
    /// Tallies already answered, by area and day, kept exact as rows arrive: the home
    /// page's figure at national size tallied 220,000 compounds on every view.
    memo: HashMap<(Area, Date), Arc<StreetTallies>>,
}

/// What one catch-up read: new compound versions and changed contracts.
#[derive(Default)]
struct Arrived {
    versions: Vec<(String, Date, i64, CompoundState)>,
    /// By contract id: its compound and span, or none when it no longer has both dates.
    contracts: Vec<(String, Option<(String, ContractSpan)>)>,
}

impl LiveHistory {
    /// Brings the history up to date with the tables, then answers `f` of it.
    pub async fn read<T>(&self, db: &Db, f: impl FnOnce(&History) -> T) -> Result<T, sqlx::Error> {
        let mut held = self.0.lock().await;
        held.catch_up(db).await?;
        Ok(f(&held.history))
    }

    /// Brings the history up to date, then answers [`History::tally`] of `area` on `day`,
    /// from the memo when it was asked before (exactly what a fresh tally answers: the
    /// memo's tallies are amended compound by compound as versions and contracts arrive).
    pub async fn tally(
        &self,
        db: &Db,
        area: Area,
        day: Date,
    ) -> Result<Arc<StreetTallies>, sqlx::Error> {
        let mut held = self.0.lock().await;
        held.catch_up(db).await?;
        Ok(held.tally(area, day))
    }
}

impl Held {
    fn tally(&mut self, area: Area, day: Date) -> Arc<StreetTallies> {
        if let Some(t) = self.memo.get(&(area, day)) {
            return t.clone();
        }
        let t = Arc::new(self.history.tally(&area, day));
        if self.memo.len() >= MEMO_ENTRIES {
            self.memo.clear();
        }
        self.memo.insert((area, day), t.clone());
        t
    }

    async fn catch_up(&mut self, db: &Db) -> Result<(), sqlx::Error> {
        let arrived = self.fetch(db).await?;
        self.absorb(arrived);
        Ok(())
    }

    /// Reads the rows added since the last catch-up (and moves the `seq` marks).
    async fn fetch(&mut self, db: &Db) -> Result<Arrived, sqlx::Error> {
        let mut arrived = Arrived::default();
        let flag = |c: &str| format!("CAST(CASE WHEN {c} THEN 1 ELSE 0 END AS BIGINT) AS {c}");
        let versions = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT compound_id, seq, effective_on, district_code, street_code, management, \
             governance_body, {}, {}, {} FROM catalog_compound_version WHERE seq > $1 ORDER BY seq",
            flag("eligible_and_willing"),
            flag("is_old"),
            flag("removed"),
        )))
        .bind(self.versions_after)
        .fetch_all(&db.pool)
        .await?;
        for r in &versions {
            let seq: i64 = r.try_get("seq")?;
            self.versions_after = self.versions_after.max(seq);
            let Ok(effective_on) = parse_date(&r.try_get::<String, _>("effective_on")?) else {
                continue;
            };
            arrived.versions.push((
                r.try_get("compound_id")?,
                effective_on,
                seq,
                CompoundState {
                    district: r.try_get("district_code")?,
                    street: r.try_get("street_code")?,
                    management: r.try_get("management")?,
                    governance_body: r.try_get("governance_body")?,
                    eligible_and_willing: r.try_get::<i64, _>("eligible_and_willing")? != 0,
                    is_old: r.try_get::<i64, _>("is_old")? != 0,
                    removed: r.try_get::<i64, _>("removed")? != 0,
                },
            ));
        }

        let contracts = sqlx::query(
            "SELECT id, compound_id, seq, start_date, end_date, status, terminated_on \
             FROM tender_contract WHERE seq > $1",
        )
        .bind(self.contracts_after)
        .fetch_all(&db.pool)
        .await?;
        for r in &contracts {
            let seq: i64 = r.try_get("seq")?;
            self.contracts_after = self.contracts_after.max(seq);
            let id: String = r.try_get("id")?;
            let date = |k: &str| -> Result<Option<_>, sqlx::Error> {
                Ok(r.try_get::<Option<String>, _>(k)?
                    .and_then(|s| parse_date(&s).ok()))
            };
            let span = match (date("start_date")?, date("end_date")?) {
                (Some(start), Some(end)) => {
                    let status: String = r.try_get("status")?;
                    Some((
                        r.try_get("compound_id")?,
                        ContractSpan {
                            start,
                            end,
                            terminated: status == "terminated",
                            terminated_on: date("terminated_on")?,
                        },
                    ))
                }
                _ => None,
            };
            arrived.contracts.push((id, span));
        }
        Ok(arrived)
    }

    /// Adds what arrived to the history, amending every memoised tally: each touched
    /// compound's part is taken out as it stood before and put back as it stands after.
    fn absorb(&mut self, arrived: Arrived) {
        if arrived.versions.is_empty() && arrived.contracts.is_empty() {
            return;
        }
        let mut touched: HashSet<String> = HashSet::new();
        touched.extend(arrived.versions.iter().map(|(c, ..)| c.clone()));
        for (id, now) in &arrived.contracts {
            if let Some((compound, _)) = self.contracts.get(id) {
                touched.insert(compound.clone());
            }
            if let Some((compound, _)) = now {
                touched.insert(compound.clone());
            }
        }
        let amend = touched.len() <= MEMO_AMEND_LIMIT;
        if !amend {
            self.memo.clear();
        }
        self.amend_memo(&touched, Tally::sub);

        for (compound, effective_on, seq, state) in arrived.versions {
            self.history
                .add_version(&compound, effective_on, seq, state);
        }
        if !arrived.contracts.is_empty() {
            for (id, now) in arrived.contracts {
                match now {
                    Some(c) => self.contracts.insert(id, c),
                    None => self.contracts.remove(&id),
                };
            }
            self.history.replace_contracts(
                self.contracts
                    .values()
                    .map(|(compound, span)| (compound.as_str(), *span)),
            );
        }
        self.amend_memo(&touched, Tally::add);
    }

    /// Applies `op` (add or take away) with each touched compound's part to every memoised
    /// tally; a street left without old compounds leaves the tally, as in a fresh one.
    fn amend_memo(&mut self, touched: &HashSet<String>, op: fn(&mut Tally, Tally)) {
        for ((area, day), tallies) in self.memo.iter_mut() {
            let tallies = Arc::make_mut(tallies);
            for compound in touched {
                let Some((street, part)) = self.history.contribution(compound, area, *day) else {
                    continue;
                };
                let entry = tallies.entry(street.clone()).or_default();
                op(entry, part);
                if entry.old == 0 {
                    tallies.remove(&street);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use shared::domain::{DistrictCode, StreetCode};
    use time::macros::date;

    use super::*;

    /// A small deterministic generator (xorshift), so a failure repeats.
    struct Dice(u64);

    impl Dice {
        fn roll(&mut self, sides: u64) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0 % sides
        }
    }

    const STREETS: [&str; 3] = ["510104017", "510104018", "510105002"];

    fn version(dice: &mut Dice, seq: i64) -> (String, Date, i64, CompoundState) {
        let street = STREETS[dice.roll(3) as usize];
        let managements = ["none", "self_managed", "property_firm"];
        let bodies = ["none", "owners_committee"];
        (
            format!("c{}", dice.roll(40)),
            date!(2025 - 01 - 01)
                .checked_add(time::Duration::days(dice.roll(120) as i64))
                .unwrap(),
            seq,
            CompoundState {
                district: street[..6].to_string(),
                street: street.to_string(),
                management: managements[dice.roll(3) as usize].into(),
                governance_body: bodies[dice.roll(2) as usize].into(),
                eligible_and_willing: dice.roll(4) != 0,
                is_old: dice.roll(5) != 0,
                removed: dice.roll(9) == 0,
            },
        )
    }

    fn contract(dice: &mut Dice) -> (String, Option<(String, ContractSpan)>) {
        let id = format!("k{}", dice.roll(12));
        if dice.roll(8) == 0 {
            return (id, None);
        }
        let start = date!(2025 - 01 - 01)
            .checked_add(time::Duration::days(dice.roll(100) as i64))
            .unwrap();
        let end = start
            .checked_add(time::Duration::days(dice.roll(100) as i64))
            .unwrap();
        let terminated = dice.roll(4) == 0;
        let span = ContractSpan {
            start,
            end,
            terminated,
            terminated_on: (terminated && dice.roll(3) != 0)
                .then(|| start.checked_add(time::Duration::days(10)).unwrap()),
        };
        (id, Some((format!("c{}", dice.roll(40)), span)))
    }

    #[test]
    fn memoised_tallies_amended_as_rows_arrive_equal_fresh_tallies() {
        let areas = [
            Area::City,
            Area::District(DistrictCode::parse("510104").unwrap()),
            Area::Street(StreetCode::parse(STREETS[2]).unwrap()),
        ];
        let days = [
            date!(2025 - 01 - 15),
            date!(2025 - 03 - 01),
            date!(2025 - 05 - 20),
        ];
        for seed in 1..=20u64 {
            let mut dice = Dice(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
            let mut held = Held::default();
            let mut seq = 0;
            for round in 0..30 {
                let mut arrived = Arrived::default();
                for _ in 0..dice.roll(6) {
                    seq += 1;
                    arrived.versions.push(version(&mut dice, seq));
                }
                for _ in 0..dice.roll(3) {
                    arrived.contracts.push(contract(&mut dice));
                }
                held.absorb(arrived);
                // Ask for some tallies now, so later rounds must amend them.
                let area = areas[dice.roll(3) as usize];
                let day = days[dice.roll(3) as usize];
                let memo = held.tally(area, day);
                assert_eq!(
                    *memo,
                    held.history.tally(&area, day),
                    "seed {seed} round {round} {area:?} {day}"
                );
                for ((area, day), memo) in &held.memo {
                    assert_eq!(
                        **memo,
                        held.history.tally(area, *day),
                        "seed {seed} round {round} {area:?} {day} (amended)"
                    );
                }
            }
            assert!(!held.memo.is_empty());
        }
    }
}
