//! Import tests: built trees in temp directories, and the shared corpus.

mod corpus;
mod speed;
mod tree;
mod util;
