//! The tantivy index: derived from the store, rebuildable.
