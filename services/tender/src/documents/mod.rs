//! Documents (文件): files attached where the plan and practice expect them — a compound's
//! 管理规约, 业主大会议事规则 and 自治组织工作规则; a ballot vote's notice and minutes; a
//! tender's documents; each bid's documents (sealed exactly like the bid); the signed
//! contract; the vouchers (凭证) behind published accounts. The bytes are in the file store
//! ([`crate::files`]), content-addressed; each attachment is a row (`document`), removal
//! keeps it. Served with the rules of the thing they belong to ([`access`]).
//!
//! | file | what |
//! | --- | --- |
//! | `kind.rs` | [`DocumentKind`] and [`OwnerKind`]: what a document is, what it is attached to |
//! | `owner.rs` | the thing attached to, loaded, with where its compound lies |
//! | `access.rs` | who attaches, who reads (the table), and the one 404 |
//! | `upload.rs` | the multipart upload read within bounds, then checked (kind, title, type by content) |
//! | `store.rs` | the rows |
//! | `steps.rs` | attach, remove, read one, list |
//! | `view.rs` | [`DocumentView`], the API's answer |

pub mod access;
mod kind;
mod owner;
mod steps;
mod store;
mod upload;
mod view;

pub use kind::{DocumentKind, OwnerKind};
pub use owner::{Owner, Place};
pub use steps::{
    attach, bid_of_tender, of_compound, of_owner, of_tender, precheck, readable, remove,
};
pub use store::{Document, load as row, of_compound_among, of_tender as rows_of_tender};
pub use upload::{Checked, Upload, UploadForm, read, too_large};
pub use view::DocumentView;
