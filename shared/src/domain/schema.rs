//! Helpers for the hand-written OpenAPI schemas of the newtypes.
//!
//! The newtypes implement [`utoipa::PartialSchema`] by hand rather than through
//! `#[derive(ToSchema)]` so that the generated OpenAPI document carries their real
//! constraints (pattern, length, minimum, maximum), not just "string" or "integer".

use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
use utoipa::openapi::{RefOr, Schema};

/// Constraints of a string newtype.
pub(super) struct StringSchema<'a> {
    pub description: &'a str,
    pub pattern: Option<&'a str>,
    pub min_length: Option<usize>,
    pub max_length: Option<usize>,
    pub example: &'a str,
}

impl StringSchema<'_> {
    pub fn build(self) -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(self.description))
            .pattern(self.pattern)
            .min_length(self.min_length)
            .max_length(self.max_length)
            .examples([self.example])
            .into()
    }
}

/// Constraints of an integer newtype.
pub(super) struct IntegerSchema<'a> {
    pub description: &'a str,
    pub format: KnownFormat,
    pub minimum: Option<i64>,
    pub maximum: Option<i64>,
    pub example: i64,
}

impl IntegerSchema<'_> {
    pub fn build(self) -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .format(Some(SchemaFormat::KnownFormat(self.format)))
            .description(Some(self.description))
            .minimum(self.minimum)
            .maximum(self.maximum)
            .examples([self.example])
            .into()
    }
}
