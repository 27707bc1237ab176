"""Examples shipped with Sentinel: the demo target that ``make demo`` tests."""
