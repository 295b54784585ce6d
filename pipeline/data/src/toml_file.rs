//! Deserialising a TOML file so that an error can name the key path and the line of the first
//! mistake (shared by `datasets.toml` and the experiment files).

use serde::de::DeserializeOwned;

/// The first mistake in a TOML text: its line (1-based, when known), key path and message.
pub struct Mistake {
    pub line: Option<usize>,
    pub location: String,
    pub message: String,
}

/// Parses `text` into `T`, rejecting bad syntax and (with `deny_unknown_fields` on `T`) unknown keys.
pub fn parse<T: DeserializeOwned>(text: &str) -> Result<T, Mistake> {
    let line_of = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
    let de = toml::Deserializer::parse(text).map_err(|e| Mistake {
        line: e.span().map(|s| line_of(s.start)),
        location: "syntax".into(),
        message: e.message().to_string(),
    })?;
    serde_path_to_error::deserialize(de).map_err(|e| {
        let location = e.path().to_string();
        let inner = e.into_inner();
        Mistake {
            line: inner.span().map(|s| line_of(s.start)),
            location,
            message: inner.message().to_string(),
        }
    })
}
