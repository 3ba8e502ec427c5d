//! The demo's owners: the demo committee's compound gets an owner register of as many units
//! as its ledger row has households, imported by the committee as a CSV file the way a real
//! committee would, through the tender API. Some owners hold two units and the developer
//! still holds a few unsold ones, so the register's totals show the counting rules of the
//! Supreme People's Court interpretation (arts. 8–9) at work.

use anyhow::Context;
use reqwest::{Client, Method};
use serde_json::Value;

/// Who loads the owners' demo: the tender service's base URL and the tokens of the
/// compound's committee and of its street official.
pub struct OwnersDemo {
    pub http: Client,
    /// Base URL of the tender service (its API is under `/tenders`).
    pub tender: String,
    pub committee: String,
    /// The street official of the compound's street: it prints the notices with the codes.
    pub street: String,
    pub compound_id: String,
    pub households: u32,
}

/// How long the demo waits for the tender service to know the compound.
const PATIENCE: std::time::Duration = std::time::Duration::from_secs(90);

const SURNAMES: [&str; 16] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
];
const GIVEN: [&str; 12] = [
    "建国", "秀英", "志强", "丽华", "德明", "淑芬", "国庆", "桂兰", "永红", "春梅", "海涛", "玉珍",
];

impl OwnersDemo {
    async fn call(&self, method: Method, path: &str) -> anyhow::Result<(u16, Value)> {
        let url = format!("{}/tenders{path}", self.tender);
        let res = self
            .http
            .request(method, &url)
            .bearer_auth(&self.committee)
            .send()
            .await
            .with_context(|| format!("calling {url}"))?;
        let status = res.status().as_u16();
        let text = res.text().await.unwrap_or_default();
        Ok((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
    }

    /// The register's summary once the tender service knows the compound.
    async fn summary(&self) -> anyhow::Result<Value> {
        let path = format!("/compounds/{}/register/summary", self.compound_id);
        let started = std::time::Instant::now();
        loop {
            let (status, v) = self.call(Method::GET, &path).await?;
            if status == 200 {
                return Ok(v);
            }
            anyhow::ensure!(
                status == 404 && started.elapsed() < PATIENCE,
                "{path} answered {status}: {v}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
    }

    /// Imports the register unless the compound has one already.
    pub async fn load_register(&self) -> anyhow::Result<()> {
        let summary = self.summary().await?;
        if summary["totals"]["units"].as_u64().unwrap_or(0) > 0 {
            return Ok(());
        }
        let url = format!(
            "{}/tenders/compounds/{}/register/import?format=csv&mode=strict",
            self.tender, self.compound_id
        );
        let res = self
            .http
            .post(&url)
            .bearer_auth(&self.committee)
            .header(reqwest::header::CONTENT_TYPE, "text/csv")
            .body(register_csv(self.households.max(12)))
            .send()
            .await?;
        let status = res.status();
        anyhow::ensure!(
            status.is_success(),
            "the demo register was refused ({status}): {}",
            res.text().await.unwrap_or_default()
        );
        Ok(())
    }
}

/// The register file: buildings of six floors, two entrances of two flats per floor; every
/// 25th unit shares its owner with the unit before it (one owner of two units) and every
/// 40th is still the developer's (未售). Areas are in ㎡ with two decimals, as the 不动产登记簿
/// writes them.
fn register_csv(units: u32) -> String {
    let mut out = String::from("楼栋,单元,房号,专有部分面积(㎡),业主姓名,联系电话,状态\n");
    let mut owner = (String::new(), String::new());
    for i in 0..units {
        let building = i / 24 + 1;
        let entrance = (i % 24) / 12 + 1;
        let floor = (i % 12) / 2 + 1;
        let room = floor * 100 + i % 2 + 1;
        let area = 5_500 + (i * 7_919) % 4_000;
        let area = format!("{}.{:02}", area / 100, area % 100);
        if i % 40 == 39 {
            out.push_str(&format!(
                "{building}栋,{entrance}单元,{room},{area},,,未售\n"
            ));
            continue;
        }
        if i % 25 != 24 || owner.0.is_empty() {
            let n = i as usize;
            owner = (
                format!(
                    "{}{}",
                    SURNAMES[n % SURNAMES.len()],
                    GIVEN[(n / SURNAMES.len() + n) % GIVEN.len()]
                ),
                format!("139{:08}", 20_000_000 + i),
            );
        }
        out.push_str(&format!(
            "{building}栋,{entrance}单元,{room},{area},{},{},\n",
            owner.0, owner.1
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::register_csv;

    #[test]
    fn the_register_file_has_a_row_per_unit_with_shared_owners_and_unsold_units() {
        let csv = register_csv(100);
        let rows: Vec<&str> = csv.lines().skip(1).collect();
        assert_eq!(rows.len(), 100);
        assert_eq!(rows.iter().filter(|r| r.ends_with("未售")).count(), 2);
        // Row 25 (index 24) repeats the owner of row 24.
        let owner = |r: &str| r.split(',').nth(4).unwrap().to_string();
        assert_eq!(owner(rows[24]), owner(rows[23]));
        assert_ne!(owner(rows[23]), owner(rows[22]));
        let mut labels: Vec<String> = rows
            .iter()
            .map(|r| r.split(',').take(3).collect::<Vec<_>>().join("|"))
            .collect();
        labels.sort();
        labels.dedup();
        assert_eq!(labels.len(), 100, "every unit label is distinct");
    }
}
