//! What an uploaded file is, from its bytes: the four kinds the platform accepts (PDF,
//! JPEG, PNG, XLSX). The name and the client's `Content-Type` are never believed: a renamed
//! program or web page is refused. An XLSX is a zip archive, so it is checked within the
//! bounds every imported workbook is (`shared::sheet::archive`: parts, declared and
//! inflated sizes), then it must hold the parts of a workbook.

use std::io::Cursor;

use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use shared::error::Problem;
use shared::sheet::{FileKind, Limits};
use utoipa::ToSchema;

/// The kinds of file the platform keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum MediaType {
    #[serde(rename = "application/pdf")]
    Pdf,
    #[serde(rename = "image/jpeg")]
    Jpeg,
    #[serde(rename = "image/png")]
    Png,
    #[serde(rename = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")]
    Xlsx,
}

/// How an XLSX document's archive problems are named.
const WORKBOOK: FileKind = FileKind {
    noun: "文件",
    invalid_code: "unsupported_file_type",
    too_large_code: "file_too_large",
    header_key: "",
    limits: Limits::DEFAULT,
};

impl MediaType {
    pub const ALL: [Self; 4] = [Self::Pdf, Self::Jpeg, Self::Png, Self::Xlsx];

    /// The MIME type it is served with.
    pub fn mime(self) -> &'static str {
        match self {
            Self::Pdf => "application/pdf",
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Xlsx => shared::sheet::XLSX_MIME,
        }
    }

    /// The file name extension it is served with.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Pdf => "pdf",
            Self::Jpeg => "jpg",
            Self::Png => "png",
            Self::Xlsx => "xlsx",
        }
    }

    /// As stored (the MIME type).
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.mime() == s)
    }

    /// What `bytes` are, or the problem: 415 `unsupported_file_type` naming the kinds
    /// accepted; an XLSX over the archive bounds 413 `file_too_large`; an archive that is
    /// no workbook 415. CPU-bound for an XLSX (it is inflated, boundedly): call it off the
    /// async runtime.
    pub fn sniff(bytes: &[u8]) -> Result<Self, Problem> {
        if bytes.starts_with(b"%PDF-") {
            Ok(Self::Pdf)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Ok(Self::Jpeg)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Ok(Self::Png)
        } else if bytes.starts_with(b"PK\x03\x04") {
            workbook(bytes).map(|()| Self::Xlsx)
        } else {
            Err(unsupported_type())
        }
    }
}

/// An archive that is a workbook: within the bounds, with `[Content_Types].xml` and
/// `xl/workbook.xml`.
fn workbook(bytes: &[u8]) -> Result<(), Problem> {
    shared::sheet::archive::check(&WORKBOOK, bytes).map_err(|p| {
        if p.status == 413 {
            p
        } else {
            unsupported_type()
        }
    })?;
    let zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| unsupported_type())?;
    let has = |name: &str| zip.file_names_raw().any(|n| n == name.as_bytes());
    if has("[Content_Types].xml") && has("xl/workbook.xml") {
        Ok(())
    } else {
        Err(unsupported_type())
    }
}

/// The answer for a file that is none of the accepted kinds.
pub fn unsupported_type() -> Problem {
    let message = "只能上传 PDF 文件、JPEG 或 PNG 图片、Excel 工作簿（.xlsx）；系统按文件内容判断类型，改文件名无效。";
    Problem::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_file_type",
        "文件类型不受支持",
    )
    .with_detail(message)
    .with_errors(vec![shared::error::FieldError::new(
        "file",
        "unsupported_file_type",
        message,
    )])
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn zip_of(parts: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        {
            let mut w = zip::ZipWriter::new(&mut out);
            for (name, data) in parts {
                w.start_file(*name, zip::write::SimpleFileOptions::default())
                    .unwrap();
                w.write_all(data).unwrap();
            }
            w.finish().unwrap();
        }
        out.into_inner()
    }

    #[test]
    fn kinds_come_from_the_bytes() {
        assert_eq!(MediaType::sniff(b"%PDF-1.7\n...").unwrap(), MediaType::Pdf);
        assert_eq!(
            MediaType::sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]).unwrap(),
            MediaType::Jpeg
        );
        assert_eq!(
            MediaType::sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").unwrap(),
            MediaType::Png
        );
        let book = zip_of(&[
            ("[Content_Types].xml", b"<Types/>"),
            ("xl/workbook.xml", b"<workbook/>"),
        ]);
        assert_eq!(MediaType::sniff(&book).unwrap(), MediaType::Xlsx);
        for m in MediaType::ALL {
            assert_eq!(MediaType::parse(m.mime()), Some(m));
        }
    }

    #[test]
    fn other_content_is_refused_whatever_its_name() {
        for bytes in [
            &b"MZ\x90\0\x03\0\0\0"[..],
            b"<!DOCTYPE html><script>alert(1)</script>",
            b"",
            b" %PDF-1.7",
        ] {
            let p = MediaType::sniff(bytes).unwrap_err();
            assert_eq!((p.status, p.code.as_str()), (415, "unsupported_file_type"));
        }
        // A zip that is no workbook (a .docx, a plain archive).
        let docx = zip_of(&[
            ("[Content_Types].xml", b"<Types/>"),
            ("word/document.xml", b"<w/>"),
        ]);
        assert_eq!(MediaType::sniff(&docx).unwrap_err().status, 415);
        assert_eq!(
            MediaType::sniff(b"PK\x03\x04broken").unwrap_err().status,
            415
        );
    }

    #[test]
    fn a_zip_bomb_is_refused_before_it_is_inflated_whole() {
        let zeros = vec![0u8; 70 * 1024 * 1024];
        let bomb = zip_of(&[
            ("[Content_Types].xml", b"<Types/>"),
            ("xl/workbook.xml", b"<workbook/>"),
            ("xl/worksheets/sheet1.xml", &zeros),
        ]);
        assert!(bomb.len() < 1024 * 1024, "{}", bomb.len());
        let p = MediaType::sniff(&bomb).unwrap_err();
        assert_eq!((p.status, p.code.as_str()), (413, "file_too_large"));
    }
}
