"""The portal's store: scenario tables, runs, lottery draws, appeals and the audit trail.

SQLAlchemy 2 over SQLite (embedded default) or PostgreSQL (psycopg 3); the schema is
migrated by alembic (``migrations/``). Entry points:

- :func:`allocator.store.database.open_store` - open and migrate a store by URL;
- :func:`allocator.store.scenario_io.import_scenario` - a scenario folder into the store;
- :func:`allocator.store.scenario_export.scenario_files` - a stored scenario back out;
- :func:`allocator.store.jobs.run_job` - the idempotent, single-transaction batch job;
- :func:`allocator.store.run_records.export_run` - a stored run as a run folder;
- :func:`allocator.store.audit_verify.verify_run` - the notary's re-run and comparison;
- :func:`allocator.store.appeals.decide_appeal` - appeals and plan adjustments.
"""
