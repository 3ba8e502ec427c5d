//! The file store: documents' bytes kept content-addressed (the key is the SHA-256 of the
//! bytes, so the same bytes are stored once) on the `object_store` crate, in a local folder
//! (`<data>/files/` for `wuye up`), an S3-compatible store, or memory (tests); and what a
//! file is, decided from its content (magic bytes), never from its name or the client's
//! type.
//!
//! | file | what |
//! | --- | --- |
//! | `store.rs` | [`FileStore`]: where the bytes go (`[tender] files`), put and get by digest |
//! | `media.rs` | [`MediaType`]: PDF, JPEG, PNG or XLSX, recognised from the bytes, an XLSX within the archive bounds of `shared::sheet::archive` |

mod media;
mod store;

pub use media::{MediaType, unsupported_type};
pub use store::{FileStore, Location, Stored, digest};
