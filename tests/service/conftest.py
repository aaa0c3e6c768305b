"""Service tests: the store fixtures of tests/store (SQLite always, PostgreSQL when configured)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "store"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from store_support import engine, sqlite_template, store_url  # noqa: E402,F401
