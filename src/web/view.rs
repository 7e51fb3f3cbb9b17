//! Small view-model pieces several pages share.

/// One `<option>`.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

impl Choice {
    pub fn new(value: &str, label: &str, selected: bool) -> Self {
        Self {
            value: value.to_owned(),
            label: label.to_owned(),
            selected,
        }
    }
}
