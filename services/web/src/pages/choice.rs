//! A choice of a `<select>` (or a checkbox group), with whether it is the current one.

/// A select option.
#[derive(Debug, Clone)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

impl Choice {
    /// The options of `table` (value, label), `current` selected.
    pub fn list(table: &[(&str, &str)], current: &str) -> Vec<Choice> {
        table
            .iter()
            .map(|(v, l)| Choice {
                value: v.to_string(),
                label: l.to_string(),
                selected: *v == current,
            })
            .collect()
    }
}
