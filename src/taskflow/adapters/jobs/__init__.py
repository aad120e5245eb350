"""Background jobs on arq: the queue adapter and the job functions the worker runs."""
