//! Tests of [`super::normalize`]: golden files, the whole corpus, and
//! targeted inputs; direct messages through [`super::normalize_item`].

mod corpus;
mod dm;
mod golden;
mod support;
mod targeted;
