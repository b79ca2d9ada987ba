"""dondoc's domain: directives, their lifecycle, deadlines, storage and ingestion."""
