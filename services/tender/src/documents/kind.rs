//! What a document is (its kind) and what it is attached to (its owner's kind).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What a document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// 管理规约 (of a compound).
    ManagementCovenant,
    /// 业主大会议事规则 (of a compound).
    AssemblyRules,
    /// 自治组织工作规则 (of a compound).
    CommitteeRules,
    /// 表决公告 (of a ballot vote).
    VoteNotice,
    /// 表决结果/会议记录 (of a ballot vote).
    VoteMinutes,
    /// 招标文件 (of a tender).
    TenderDocument,
    /// 投标文件 (of a bid): sealed like the bid until the opening.
    BidDocument,
    /// 物业服务合同, as signed (of a contract).
    Contract,
    /// 凭证 behind published accounts (of a disclosure).
    Voucher,
}

/// What a document is attached to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OwnerKind {
    Compound,
    BallotVote,
    Tender,
    Bid,
    Contract,
    Disclosure,
}

impl DocumentKind {
    pub const ALL: [Self; 9] = [
        Self::ManagementCovenant,
        Self::AssemblyRules,
        Self::CommitteeRules,
        Self::VoteNotice,
        Self::VoteMinutes,
        Self::TenderDocument,
        Self::BidDocument,
        Self::Contract,
        Self::Voucher,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::ManagementCovenant => "management_covenant",
            Self::AssemblyRules => "assembly_rules",
            Self::CommitteeRules => "committee_rules",
            Self::VoteNotice => "vote_notice",
            Self::VoteMinutes => "vote_minutes",
            Self::TenderDocument => "tender_document",
            Self::BidDocument => "bid_document",
            Self::Contract => "contract",
            Self::Voucher => "voucher",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The kind in Chinese.
    pub fn label(self) -> &'static str {
        match self {
            Self::ManagementCovenant => "管理规约",
            Self::AssemblyRules => "业主大会议事规则",
            Self::CommitteeRules => "自治组织工作规则",
            Self::VoteNotice => "表决公告",
            Self::VoteMinutes => "表决结果/会议记录",
            Self::TenderDocument => "招标文件",
            Self::BidDocument => "投标文件",
            Self::Contract => "物业服务合同",
            Self::Voucher => "凭证",
        }
    }

    /// What a document of this kind is attached to.
    pub fn owner(self) -> OwnerKind {
        match self {
            Self::ManagementCovenant | Self::AssemblyRules | Self::CommitteeRules => {
                OwnerKind::Compound
            }
            Self::VoteNotice | Self::VoteMinutes => OwnerKind::BallotVote,
            Self::TenderDocument => OwnerKind::Tender,
            Self::BidDocument => OwnerKind::Bid,
            Self::Contract => OwnerKind::Contract,
            Self::Voucher => OwnerKind::Disclosure,
        }
    }
}

impl OwnerKind {
    pub const ALL: [Self; 6] = [
        Self::Compound,
        Self::BallotVote,
        Self::Tender,
        Self::Bid,
        Self::Contract,
        Self::Disclosure,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Compound => "compound",
            Self::BallotVote => "ballot_vote",
            Self::Tender => "tender",
            Self::Bid => "bid",
            Self::Contract => "contract",
            Self::Disclosure => "disclosure",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The kinds of document it takes.
    pub fn kinds(self) -> Vec<DocumentKind> {
        DocumentKind::ALL
            .into_iter()
            .filter(|k| k.owner() == self)
            .collect()
    }

    /// The kinds it takes, for a message: `管理规约（management_covenant）、…`.
    pub fn kinds_named(self) -> String {
        self.kinds()
            .iter()
            .map(|k| format!("{}（{}）", k.label(), k.as_str()))
            .collect::<Vec<_>>()
            .join("、")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_belongs_to_one_owner_and_reads_back() {
        for k in DocumentKind::ALL {
            assert_eq!(DocumentKind::parse(k.as_str()), Some(k));
            assert!(k.owner().kinds().contains(&k));
            assert_eq!(
                serde_json::to_value(k).unwrap(),
                serde_json::json!(k.as_str())
            );
        }
        for o in OwnerKind::ALL {
            assert_eq!(OwnerKind::parse(o.as_str()), Some(o));
            assert!(!o.kinds().is_empty());
        }
        assert_eq!(
            OwnerKind::Compound.kinds(),
            [
                DocumentKind::ManagementCovenant,
                DocumentKind::AssemblyRules,
                DocumentKind::CommitteeRules
            ]
        );
    }
}
