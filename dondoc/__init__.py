"""dondoc: drivers (CLI, embedded runner) and the composition root."""
