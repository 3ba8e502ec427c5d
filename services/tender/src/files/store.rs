//! Where documents' bytes are kept: an `object_store` (a local folder, an S3-compatible
//! bucket, or memory), keyed by the SHA-256 of the bytes (`sha256/ab/abcd…`), so the same
//! bytes are stored once however often they are attached. A document's row is written
//! after its bytes, in the write transaction: an object without a row is harmless garbage,
//! a row without its object never happens.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use axum::body::Bytes;
use futures::stream::BoxStream;
use futures::{StreamExt, TryStreamExt};
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::memory::InMemory;
use object_store::path::Path;
use object_store::prefix::PrefixStore;
use object_store::{GetOptions, ObjectStore, PutOptions, PutPayload};
use sha2::{Digest, Sha256};

/// Where the store is, as configured (`[tender] files`, else the data folder).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// In this process's memory (tests; lost at exit).
    Memory,
    /// A local folder (`<data>/files/` for `wuye up`).
    Folder(PathBuf),
    /// An S3-compatible bucket and a key prefix (`s3://bucket/prefix`); credentials,
    /// region and endpoint from the `AWS_*` environment.
    S3 { bucket: String, prefix: String },
}

impl Location {
    /// The configured place: `setting` (`memory`, `s3://bucket/prefix`, or a folder), else
    /// `data_files` (the data folder's `files/`), else memory.
    pub fn of(setting: Option<&str>, data_files: Option<&std::path::Path>) -> Self {
        match setting.map(str::trim).filter(|s| !s.is_empty()) {
            Some("memory") => Self::Memory,
            Some(url) if url.starts_with("s3://") => {
                let rest = &url["s3://".len()..];
                let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
                Self::S3 {
                    bucket: bucket.to_string(),
                    prefix: prefix.trim_matches('/').to_string(),
                }
            }
            Some(folder) => Self::Folder(PathBuf::from(folder)),
            None => data_files.map_or(Self::Memory, |d| Self::Folder(d.to_path_buf())),
        }
    }
}

/// A stored file: its digest (lower-case hex SHA-256, the key) and size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub sha256: String,
    pub size: u64,
    /// False when the same bytes were already there.
    pub new: bool,
}

/// The lower-case hex SHA-256 of `bytes`.
pub fn digest(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The file store, cheap to clone.
#[derive(Debug, Clone)]
pub struct FileStore {
    inner: Arc<dyn ObjectStore>,
}

fn key(sha256: &str) -> Path {
    Path::from(format!(
        "sha256/{}/{sha256}",
        &sha256[..2.min(sha256.len())]
    ))
}

impl FileStore {
    /// Opens the store at `location` (creating a local folder).
    pub fn open(location: &Location) -> anyhow::Result<Self> {
        let inner: Arc<dyn ObjectStore> = match location {
            Location::Memory => Arc::new(InMemory::new()),
            Location::Folder(dir) => {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("creating the file store {}", dir.display()))?;
                Arc::new(
                    LocalFileSystem::new_with_prefix(dir)
                        .with_context(|| format!("opening the file store {}", dir.display()))?,
                )
            }
            Location::S3 { bucket, prefix } => {
                let s3 = AmazonS3Builder::from_env()
                    .with_bucket_name(bucket)
                    .build()
                    .context("configuring the S3 file store (AWS_* environment)")?;
                if prefix.is_empty() {
                    Arc::new(s3)
                } else {
                    Arc::new(PrefixStore::new(s3, prefix.as_str()))
                }
            }
        };
        Ok(Self { inner })
    }

    /// A store in memory.
    pub fn memory() -> Self {
        Self {
            inner: Arc::new(InMemory::new()),
        }
    }

    /// Stores `bytes` under their digest `sha256` (computed by the caller with [`digest`]),
    /// unless the same bytes are already there.
    pub async fn put(&self, sha256: &str, bytes: Bytes) -> anyhow::Result<Stored> {
        let path = key(sha256);
        let size = bytes.len() as u64;
        let head = GetOptions {
            head: true,
            ..GetOptions::default()
        };
        match self.inner.get_opts(&path, head).await.map(|got| got.meta) {
            Ok(meta) if meta.size == size => {
                return Ok(Stored {
                    sha256: sha256.to_string(),
                    size,
                    new: false,
                });
            }
            Ok(_) | Err(object_store::Error::NotFound { .. }) => {}
            Err(e) => return Err(anyhow::Error::new(e).context("looking up a stored file")),
        }
        self.inner
            .put_opts(&path, PutPayload::from(bytes), PutOptions::default())
            .await
            .context("storing a file")?;
        Ok(Stored {
            sha256: sha256.to_string(),
            size,
            new: true,
        })
    }

    /// The bytes stored under `sha256`, as a stream.
    pub async fn get(
        &self,
        sha256: &str,
    ) -> anyhow::Result<BoxStream<'static, Result<Bytes, std::io::Error>>> {
        let got = self
            .inner
            .get_opts(&key(sha256), GetOptions::default())
            .await
            .with_context(|| format!("reading stored file {sha256}"))?;
        Ok(got.into_stream().map_err(std::io::Error::other).boxed())
    }

    /// How many files the store holds (tests: the same bytes are stored once).
    pub async fn count(&self) -> anyhow::Result<usize> {
        let all: Vec<_> = self.inner.list(None).try_collect().await?;
        Ok(all.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_come_from_the_setting_then_the_data_folder() {
        let data = std::path::Path::new("/data/files");
        assert_eq!(Location::of(None, None), Location::Memory);
        assert_eq!(
            Location::of(None, Some(data)),
            Location::Folder(data.to_path_buf())
        );
        assert_eq!(Location::of(Some("memory"), Some(data)), Location::Memory);
        assert_eq!(
            Location::of(Some("s3://wuye-files/prod/docs/"), None),
            Location::S3 {
                bucket: "wuye-files".into(),
                prefix: "prod/docs".into()
            }
        );
        assert_eq!(
            Location::of(Some("/srv/files"), Some(data)),
            Location::Folder("/srv/files".into())
        );
    }

    #[tokio::test]
    async fn the_same_bytes_are_stored_once_in_a_folder() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::open(&Location::Folder(dir.path().join("files"))).unwrap();
        let bytes = Bytes::from_static(b"%PDF-1.7 the covenant");
        let sha = digest(&bytes);
        assert_eq!(sha.len(), 64);
        assert!(store.put(&sha, bytes.clone()).await.unwrap().new);
        assert!(!store.put(&sha, bytes.clone()).await.unwrap().new);
        let other = Bytes::from_static(b"%PDF-1.7 the rules");
        store.put(&digest(&other), other).await.unwrap();
        assert_eq!(store.count().await.unwrap(), 2);
        let read: Vec<Bytes> = store.get(&sha).await.unwrap().try_collect().await.unwrap();
        assert_eq!(read.concat(), bytes.to_vec());
        assert!(store.get(&digest(b"absent")).await.is_err());
    }
}
