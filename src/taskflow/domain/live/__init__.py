"""Live changes: one read of the change feed per process, fanned out to each subscriber's view (decision 0034)."""
