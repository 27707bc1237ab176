//! Seeded data generation: positive, negative and boundary values.
