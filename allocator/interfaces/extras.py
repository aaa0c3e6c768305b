"""Optional stacks: which extra of the package provides a module a command needs.

The default install is the engine and the CLI; the portal (store and service), the Dask
cluster and Parquet support are extras (``pip install 'allocator[portal]'`` and so on), and
their imports happen inside the commands that need them. A command run without its extra
fails with a line naming the extra to install instead of a bare ``ModuleNotFoundError``.
"""

from __future__ import annotations

#: Top-level module -> the extra that installs it.
EXTRA_OF_MODULE: dict[str, str] = {
    "sqlalchemy": "portal", "alembic": "portal", "psycopg": "portal", "fastapi": "portal",
    "starlette": "portal", "uvicorn": "portal",
    "dask": "cluster", "distributed": "cluster",
    "pyarrow": "parquet",
}


def missing_extra_message(error: ModuleNotFoundError) -> str | None:
    """The line telling which extra provides the missing module, or None if none does.

    Parameters
    ----------
    error
        The error raised by an import.

    Returns
    -------
    str or None
        ``"this command needs the optional 'portal' stack (sqlalchemy is not installed): ..."``
        when the module belongs to an extra, else None.
    """
    module = (error.name or "").split(".")[0]
    extra = EXTRA_OF_MODULE.get(module)
    if extra is None:
        return None
    return (f"this command needs the optional '{extra}' stack ({module} is not installed): "
            f"pip install 'allocator[{extra}]' (or 'allocator[all]' for everything)")
