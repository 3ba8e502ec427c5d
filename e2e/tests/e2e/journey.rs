//! The whole journey of issue 6 across every role, in one browser session per backend.
