"""Background jobs below every domain: the queue (in-process or RQ), progress, result files (``services``),
the job rows (``models``) and their reads (``queries``). Reports and notifications enqueue through it."""
