//! Helpers shared by the sync's integration tests.
#![allow(dead_code)]

pub mod dispatch;
pub mod field_shift;
pub mod sim;
pub mod stations;
