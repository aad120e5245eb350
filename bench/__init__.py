"""Load benchmark: `make bench` (python -m bench)."""
