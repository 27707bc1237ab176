"""Moving and keeping results: buses, serde, sinks, the store."""
