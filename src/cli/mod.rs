//! The `inbox` command line.
