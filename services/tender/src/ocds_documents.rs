//! The documents an OCDS release lists (`documents` of the tender and of the contract), as
//! they stand when the release is built:
//!
//! | attached to | where | `documentType` (code list `documentType`) | from |
//! | --- | --- | --- | --- |
//! | the tender (招标文件) | `tender.documents` | `biddingDocuments` | its release on |
//! | an opened bid (投标文件) | `tender.documents` | `submissionDocuments` | the opening's release on, never before: a sealed bid's documents are not even counted |
//! | the contract (物业服务合同) | `contracts[0].documents` | `contractSigned` | the contract's release on |
//!
//! Vouchers (凭证) are not public and are never listed; a document taken down before a
//! release is not in it. Each names its bytes by a path (`/tenders/documents/{id}/content`)
//! that [`absolute`] turns into a full URL when a package is served (the releases are
//! stored once, the host they are read through is the reader's); a bid's content stays
//! readable only by the bidder, the committee and the association, as its description says.

use serde_json::{Value, json};

use crate::bids::OpeningRecord;
use crate::clock::to_rfc3339;
use crate::documents::{Document, OwnerKind};

/// The path every listed document's `url` starts with until [`absolute`] prefixes it.
const CONTENT_PATH: &str = "/tenders/documents/";

fn entry(d: &Document, document_type: &str, published: String, description: &str) -> Value {
    json!({
        "id": d.id,
        "documentType": document_type,
        "title": d.title,
        "description": description,
        "url": format!("{CONTENT_PATH}{}/content", d.id),
        "datePublished": published,
        "format": d.media_type.mime(),
        "language": "zh",
    })
}

/// The tender's documents, and once opened the opened bids' (published at the opening).
pub fn of_tender(documents: &[Document], opening: Option<&OpeningRecord>) -> Vec<Value> {
    let mut out = Vec::new();
    for d in documents.iter().filter(|d| !d.removed) {
        match d.owner_kind {
            OwnerKind::Tender => out.push(entry(
                d,
                "biddingDocuments",
                to_rfc3339(d.uploaded_at),
                "招标文件",
            )),
            OwnerKind::Bid => {
                let Some(o) = opening else { continue };
                let Some(bid) = o.bids.iter().find(|b| b.bid_id == d.owner_id) else {
                    continue;
                };
                out.push(entry(
                    d,
                    "submissionDocuments",
                    o.opened_at.clone(),
                    &format!(
                        "投标文件（{}），开标后公开目录；文件内容仅投标人、招标人和协会可查阅。",
                        bid.firm_name
                    ),
                ));
            }
            _ => {}
        }
    }
    out
}

/// The signed contract's files.
pub fn of_contract(documents: &[Document], contract_id: &str) -> Vec<Value> {
    documents
        .iter()
        .filter(|d| !d.removed && d.owner_kind == OwnerKind::Contract && d.owner_id == contract_id)
        .map(|d| {
            entry(
                d,
                "contractSigned",
                to_rfc3339(d.uploaded_at),
                "物业服务合同文本",
            )
        })
        .collect()
}

/// Prefixes the `url` of every listed document of `release` with `origin`
/// (`https://host`), so a served package holds full URLs.
pub fn absolute(release: &mut Value, origin: &str) {
    let prefix = |list: Option<&mut Value>| {
        for d in list.and_then(Value::as_array_mut).into_iter().flatten() {
            if let Some(url) = d["url"].as_str().filter(|u| u.starts_with(CONTENT_PATH)) {
                d["url"] = json!(format!("{origin}{url}"));
            }
        }
    };
    prefix(release.pointer_mut("/tender/documents"));
    if let Some(contracts) = release.get_mut("contracts").and_then(Value::as_array_mut) {
        for c in contracts {
            prefix(c.get_mut("documents"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_urls_of_the_origin_only_once() {
        let mut r = json!({
            "tender": {"documents": [{"id": "d1", "url": "/tenders/documents/d1/content"},
                {"id": "c", "documentType": "cancellationDetails"}]},
            "contracts": [{"documents": [{"id": "d2", "url": "/tenders/documents/d2/content"}]}],
        });
        absolute(&mut r, "https://wuye.example.cn");
        assert_eq!(
            r["tender"]["documents"][0]["url"],
            "https://wuye.example.cn/tenders/documents/d1/content"
        );
        assert!(r["tender"]["documents"][1].get("url").is_none());
        assert_eq!(
            r["contracts"][0]["documents"][0]["url"],
            "https://wuye.example.cn/tenders/documents/d2/content"
        );
        let mut none = json!({"tender": {"id": "t"}});
        absolute(&mut none, "http://x");
        assert_eq!(none, json!({"tender": {"id": "t"}}));
    }
}
