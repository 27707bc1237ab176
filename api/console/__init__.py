"""Terminal output: progress and summaries (rich)."""
