//! Cell text: what a header cell says, the formula escape of exported text, clipped text.

/// A header cell without a BOM and surrounding blanks.
pub fn clean_header(cell: &str) -> &str {
    cell.trim_start_matches('\u{feff}').trim()
}

/// The characters that make a spreadsheet read a cell as a formula when they begin it.
pub const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A text cell as exported to CSV: one that a spreadsheet would run as a formula
/// (`=HYPERLINK(…)`, `+1`, `@SUM(…)`) gets a leading `'`, so it shows as the text it is.
pub fn escape_cell(s: String) -> String {
    if s.starts_with(FORMULA_STARTS) {
        format!("'{s}")
    } else {
        s
    }
}

/// The inverse of [`escape_cell`] on import, so an exported file imports unchanged.
pub fn unescape_cell(s: &str) -> &str {
    match s.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_STARTS) => rest,
        _ => s,
    }
}

/// At most `chars` characters of `s`, with `…` when cut.
pub fn clip(s: &str, chars: usize) -> String {
    match s.char_indices().nth(chars) {
        Some((end, _)) => format!("{}…", &s[..end]),
        None => s.to_string(),
    }
}
