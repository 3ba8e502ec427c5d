//! Search index for matching; built out by the matching issue.
