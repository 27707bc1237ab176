//! JSON Schema validation over the compiled IR.
