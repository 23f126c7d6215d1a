//! Tests of [`super::normalize`]: golden files, the whole corpus, and
//! targeted inputs.

mod corpus;
mod golden;
mod support;
mod targeted;
