//! A cell's text as the ledger reads and writes it: formula escaping (CSV injection),
//! yes/no, and text cut for error messages.

/// The characters that make a spreadsheet read a cell as a formula when they begin it.
pub(super) const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A text cell as exported to CSV: one that a spreadsheet would run as a formula
/// (`=HYPERLINK(…)`, `+1`, `@SUM(…)`) gets a leading `'`, so it shows as the text it is.
pub(super) fn escape_cell(s: String) -> String {
    if s.starts_with(FORMULA_STARTS) {
        format!("'{s}")
    } else {
        s
    }
}

/// The inverse of [`escape_cell`] on import, so an exported file imports unchanged.
pub(super) fn unescape_cell(s: &str) -> &str {
    match s.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_STARTS) => rest,
        _ => s,
    }
}

/// At most `chars` characters of `s`, with `…` when cut.
pub(super) fn clip(s: &str, chars: usize) -> String {
    match s.char_indices().nth(chars) {
        Some((end, _)) => format!("{}…", &s[..end]),
        None => s.to_string(),
    }
}

pub(super) fn yes_no(b: bool) -> &'static str {
    if b { "是" } else { "否" }
}
