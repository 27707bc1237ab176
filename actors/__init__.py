"""Running tests: runtimes, the executor (the only HTTP I/O), identities for targets."""
