//! Tests of [`super::normalize`]: golden files, the whole corpus, and
//! targeted and dense inputs; direct messages through [`super::normalize_item`].

mod bound;
mod corpus;
mod dm;
mod golden;
mod support;
mod targeted;
