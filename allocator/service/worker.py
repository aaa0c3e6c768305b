"""A bounded job queue with one background worker thread.

Jobs run one at a time (the engine is CPU-bound and the store serialises writes
anyway); the queue holds at most ``size`` waiting jobs and refuses more, so a
burst of submissions cannot exhaust memory. Statuses are kept in memory while the
app runs; a completed job is also found in the store after a restart.
"""

from __future__ import annotations

import logging
import queue
import threading
from dataclasses import dataclass

from sqlalchemy import Engine

from allocator.model.problems import InputError
from allocator.service.schemas import JobStatus
from allocator.store.errors import StoreFailure
from allocator.store.jobs import JobConflict, JobFailed, JobRequest, find_run, run_job
from allocator.store.scenario_export import UnknownScenario

log = logging.getLogger("allocator.service")

_STOP = None


class QueueFull(RuntimeError):
    """The queue holds its maximum of waiting jobs."""


class KeyInUse(RuntimeError):
    """The job key is queued or running with other options."""


@dataclass
class _Entry:
    request: JobRequest
    actor: str
    status: JobStatus


class JobQueue:
    """Bounded queue plus worker; :meth:`start` and :meth:`stop` follow the app's lifespan."""

    def __init__(self, engine: Engine, size: int):
        self._engine = engine
        self._queue: queue.Queue[_Entry | None] = queue.Queue(maxsize=size)
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the worker thread."""
        self._thread = threading.Thread(target=self._work, name="allocator-jobs", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Let the running job finish, drop the waiting ones, stop the worker."""
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break
        self._queue.put(_STOP)
        if self._thread is not None:
            self._thread.join(timeout)

    def submit(self, request: JobRequest, actor: str) -> JobStatus:
        """Queue ``request`` unless the same key is already queued or running.

        Raises
        ------
        KeyInUse
            The key is queued or running with other options.
        QueueFull
            No room for another waiting job.
        """
        with self._lock:
            entry = self._entries.get(request.job_key)
            if entry is not None and entry.status.state in ("queued", "running"):
                if entry.request != request:
                    raise KeyInUse(f"job key '{request.job_key}' is {entry.status.state} with "
                                   "other options")
                return entry.status.model_copy()
            entry = _Entry(request, actor, JobStatus(job_key=request.job_key, state="queued"))
            try:
                self._queue.put_nowait(entry)
            except queue.Full:
                raise QueueFull("the job queue is full; retry later") from None
            self._entries[request.job_key] = entry
            return entry.status.model_copy()

    def status(self, job_key: str) -> JobStatus | None:
        """The job's status: from memory, else a completed run in the store, else None."""
        with self._lock:
            entry = self._entries.get(job_key)
            if entry is not None:
                return entry.status.model_copy()
        return self._stored_status(job_key)

    def _refused(self, entry: _Entry, message: str) -> None:
        """A re-submission refused: the key's stored run stays what the status shows."""
        stored = self._stored_status(entry.request.job_key)
        if stored is None:
            self._set(entry, state="refused", message=message)
            return
        self._set(entry, **stored.model_dump(exclude={"job_key", "message"}),
                  message=f"the re-submission was refused, the stored run stands: {message}")

    def _stored_status(self, job_key: str) -> JobStatus | None:
        with self._engine.connect() as connection:
            run = find_run(connection, job_key)
        if run is None:
            return None
        return JobStatus(job_key=job_key, state="completed", run_id=run.id, created=None,
                         message="", problems=[],
                         counts={"applicants": run.applicants, "placed": run.placed})

    def _set(self, entry: _Entry, **changes) -> None:
        with self._lock:
            entry.status = entry.status.model_copy(update=changes)

    def _work(self) -> None:
        while True:
            entry = self._queue.get()
            if entry is _STOP:
                return
            self._set(entry, state="running")
            self._run(entry)

    def _run(self, entry: _Entry) -> None:
        try:
            outcome = run_job(self._engine, entry.request, actor=entry.actor)
        except InputError as error:
            self._set(entry, state="invalid", message="the stored roster is not valid",
                      problems=[str(problem) for problem in error.problems])
        except JobConflict as error:
            self._refused(entry, str(error))
        except (JobFailed, UnknownScenario, StoreFailure) as error:  # messages without data
            log.warning("job %s failed: %s", entry.request.job_key, type(error).__name__)
            self._set(entry, state="failed", message=str(error))
        except Exception as error:  # noqa: BLE001 - a job's failure is its status
            # The text of an arbitrary error may hold SQL or roster values: only its kind.
            log.warning("job %s failed: %s", entry.request.job_key, type(error).__name__)
            self._set(entry, state="failed", message=f"{type(error).__name__} (details are "
                      "withheld: they may hold roster data)")
        else:
            counts = {key: value for key, value in outcome.summary["counts"].items()
                      if isinstance(value, int)}
            self._set(entry, state="completed", run_id=outcome.run_id,
                      created=outcome.created, counts=counts)
