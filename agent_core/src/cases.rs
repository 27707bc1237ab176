//! Whole request cases for one operation.
