//! Runs connectors through normalize, store and index.
