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

use std::collections::HashMap;
use std::sync::Arc;

use shared::db::Db;
use shared::domain::roster::parse_date;
use sqlx::Row;
use tokio::sync::Mutex;

use crate::coverage::{CompoundState, ContractSpan, History};

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
}

impl LiveHistory {
    /// Brings the history up to date with the tables, then answers `f` of it.
    pub async fn read<T>(&self, db: &Db, f: impl FnOnce(&History) -> T) -> Result<T, sqlx::Error> {
        let mut held = self.0.lock().await;
        held.catch_up(db).await?;
        Ok(f(&held.history))
    }
}

impl Held {
    async fn catch_up(&mut self, db: &Db) -> Result<(), sqlx::Error> {
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
            self.history.add_version(
                &r.try_get::<String, _>("compound_id")?,
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
            );
        }

        let contracts = sqlx::query(
            "SELECT id, compound_id, seq, start_date, end_date, status, terminated_on \
             FROM tender_contract WHERE seq > $1",
        )
        .bind(self.contracts_after)
        .fetch_all(&db.pool)
        .await?;
        if contracts.is_empty() {
            return Ok(());
        }
        for r in &contracts {
            let seq: i64 = r.try_get("seq")?;
            self.contracts_after = self.contracts_after.max(seq);
            let id: String = r.try_get("id")?;
            let date = |k: &str| -> Result<Option<_>, sqlx::Error> {
                Ok(r.try_get::<Option<String>, _>(k)?
                    .and_then(|s| parse_date(&s).ok()))
            };
            let (Some(start), Some(end)) = (date("start_date")?, date("end_date")?) else {
                self.contracts.remove(&id);
                continue;
            };
            let status: String = r.try_get("status")?;
            let span = ContractSpan {
                start,
                end,
                terminated: status == "terminated",
                terminated_on: date("terminated_on")?,
            };
            self.contracts.insert(id, (r.try_get("compound_id")?, span));
        }
        self.history.replace_contracts(
            self.contracts
                .values()
                .map(|(compound, span)| (compound.as_str(), *span)),
        );
        Ok(())
    }
}
