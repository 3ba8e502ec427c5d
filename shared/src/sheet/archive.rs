//! The bounds on an XLSX archive, checked before calamine opens it.
//!
//! An XLSX file is a zip archive; calamine inflates its parts (the workbook, the shared
//! strings, the styles, the sheets) as it reads them. A part that inflates to gigabytes
//! (a sheet of whitespace compresses about 1000:1) would cost that much time and memory
//! before any cell is seen. So every part is checked first, by its declared size and
//! then by the size it actually inflates to (read through a bounded reader that stops one
//! byte past the limit), and the archive as a whole too. The reading costs at most
//! [`MAX_INFLATED_BYTES`] of inflation, whatever the file.

use std::io::{self, Cursor, Read};

use super::cell::clip;
use super::kind::{FileKind, MIB};
use crate::error::Problem;

/// At most this many parts (files) in a workbook archive.
pub const MAX_PARTS: u64 = 1_000;

/// At most this many bytes in one part once inflated.
pub const MAX_PART_BYTES: u64 = 64 * MIB as u64;

/// At most this many bytes in all parts together once inflated.
pub const MAX_INFLATED_BYTES: u64 = 128 * MIB as u64;

fn part_too_large(kind: &FileKind, name: &str) -> Problem {
    kind.too_large(format!(
        "工作簿中的“{}”解压后超过 {} MB，无法导入",
        clip(name, 60),
        MAX_PART_BYTES / MIB as u64
    ))
}

fn archive_too_large(kind: &FileKind) -> Problem {
    kind.too_large(format!(
        "工作簿解压后超过 {} MB，无法导入，请分批导入",
        MAX_INFLATED_BYTES / MIB as u64
    ))
}

/// Refuses an archive over [`MAX_PARTS`], [`MAX_PART_BYTES`] or [`MAX_INFLATED_BYTES`]
/// (413), or one that cannot be read as a zip archive (422).
pub fn check(kind: &FileKind, bytes: &[u8]) -> Result<(), Problem> {
    let unreadable = |e: zip::result::ZipError| kind.unreadable_workbook(e);
    let unreadable_io = |e: io::Error| kind.unreadable_workbook(e);
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(unreadable)?;
    let parts = zip.len() as u64;
    if parts > MAX_PARTS {
        return Err(kind.too_large(format!(
            "工作簿中有 {parts} 个部件，超过 {MAX_PARTS} 个，无法导入"
        )));
    }
    // Declared sizes first: refusing costs nothing.
    let mut declared: u64 = 0;
    for i in 0..zip.len() {
        let part = zip.by_index_data(i).map_err(unreadable)?;
        if part.size() > MAX_PART_BYTES {
            return Err(part_too_large(
                kind,
                &String::from_utf8_lossy(part.name_raw()),
            ));
        }
        declared = declared.saturating_add(part.size());
    }
    if declared > MAX_INFLATED_BYTES {
        return Err(archive_too_large(kind));
    }
    // Then what the parts really inflate to, which a crafted archive may understate.
    let mut left = MAX_INFLATED_BYTES;
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).map_err(unreadable)?;
        let name = String::from_utf8_lossy(part.name_raw()).into_owned();
        let limit = MAX_PART_BYTES.min(left);
        let read =
            io::copy(&mut (&mut part).take(limit + 1), &mut io::sink()).map_err(unreadable_io)?;
        if read > limit {
            return Err(if limit == MAX_PART_BYTES {
                part_too_large(kind, &name)
            } else {
                archive_too_large(kind)
            });
        }
        left -= read;
    }
    Ok(())
}
