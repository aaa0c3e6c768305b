"""HTTP service for the admission portal (FastAPI): jobs, results, appeals."""
