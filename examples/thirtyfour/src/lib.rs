//! Nothing to build: the suite lives in `tests/`, against a server already running.
