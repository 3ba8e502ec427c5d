//! Errors of the search index (索引错误).

use std::io;

/// Everything that can go wrong while opening, writing or querying the index.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// A document handed to an upsert is malformed (e.g. a grade outside 1–5).
    #[error("文档字段 {field} 无效：{message}")]
    InvalidDocument {
        /// The offending field, named as in the document struct.
        field: &'static str,
        /// Chinese explanation.
        message: String,
    },
    /// A query or filter is malformed (e.g. a fee-model filter on compounds).
    #[error("查询参数 {field} 无效：{message}")]
    InvalidQuery {
        /// The offending field.
        field: &'static str,
        /// Chinese explanation.
        message: String,
    },
    /// The index on disk was built with another schema: rebuild it from the feeds.
    #[error("索引结构与当前版本不一致，需要从变更流重建：{0}")]
    SchemaMismatch(String),
    /// The writer task has stopped (it panicked or the index was closed).
    #[error("索引写入任务已停止")]
    WriterGone,
    /// An error reported by tantivy.
    #[error("索引错误：{0}")]
    Tantivy(#[from] tantivy::TantivyError),
    /// An I/O error.
    #[error("索引读写错误：{0}")]
    Io(#[from] io::Error),
    /// A stored document could not be decoded.
    #[error("索引中的文档无法解析：{0}")]
    Corrupt(String),
}

impl IndexError {
    pub(crate) fn doc(field: &'static str, message: impl Into<String>) -> Self {
        Self::InvalidDocument {
            field,
            message: message.into(),
        }
    }

    pub(crate) fn query(field: &'static str, message: impl Into<String>) -> Self {
        Self::InvalidQuery {
            field,
            message: message.into(),
        }
    }
}

impl From<tantivy::directory::error::OpenDirectoryError> for IndexError {
    fn from(e: tantivy::directory::error::OpenDirectoryError) -> Self {
        Self::Tantivy(e.into())
    }
}

/// Result alias of this crate.
pub type Result<T, E = IndexError> = std::result::Result<T, E>;
