//! Seeded data generation: positive, negative and boundary values.

pub mod rng;
