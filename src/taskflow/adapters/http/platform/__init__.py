"""What operators and their tools read: health probes and metrics."""
