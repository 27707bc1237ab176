"""Analytics views over stored results (Polars)."""
