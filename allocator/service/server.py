"""Running the service under uvicorn with every wait bounded.

uvicorn closes a keep-alive connection that stays idle (``timeout_keep_alive``)
but waits forever for the head of a request: a client that connects and sends
nothing, or one header byte a second, holds a connection and a file descriptor
for as long as it likes. :class:`BoundedH11Protocol` closes a connection whose
request head (request line and headers) is not complete within
``head_timeout_seconds`` of the connection opening or of the previous response;
the body's own deadline is :class:`allocator.service.security.BodyLimit`'s.
"""

from __future__ import annotations

import asyncio
import copy
from typing import Any

from uvicorn.config import LOGGING_CONFIG
from uvicorn.protocols.http.h11_impl import H11Protocol

from allocator.service.app import ServiceSettings


class BoundedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol plus a deadline for each request head."""

    head_timeout_seconds: float = 10.0

    def connection_made(self, transport) -> None:  # type: ignore[override]
        """Start the head deadline as the connection opens."""
        super().connection_made(transport)
        self._arm_head_deadline()

    def data_received(self, data: bytes) -> None:
        """Parse as uvicorn does; a complete head (a new cycle) stops the deadline."""
        super().data_received(data)
        if self.cycle is not self._cycle_awaited:
            self._disarm_head_deadline()

    def on_response_complete(self) -> None:
        """After a response the next head has its own deadline (beside the idle one).

        Armed before uvicorn starts the next cycle: a pipelined request already
        buffered starts it at once, and then needs no deadline.
        """
        if not self.transport.is_closing():
            self._arm_head_deadline()
        super().on_response_complete()
        if self.cycle is not self._cycle_awaited:
            self._disarm_head_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        """Forget the deadline with the connection."""
        self._disarm_head_deadline()
        super().connection_lost(exc)

    def _arm_head_deadline(self) -> None:
        self._disarm_head_deadline()
        self._cycle_awaited = self.cycle
        self._head_deadline: asyncio.TimerHandle | None = self.loop.call_later(
            self.head_timeout_seconds, self._head_too_slow)

    def _disarm_head_deadline(self) -> None:
        deadline = getattr(self, "_head_deadline", None)
        if deadline is not None:
            deadline.cancel()
        self._head_deadline = None

    def _head_too_slow(self) -> None:
        self._head_deadline = None
        if not self.transport.is_closing():
            self.transport.close()


def protocol_class(head_timeout_seconds: float) -> type[BoundedH11Protocol]:
    """The protocol class with its head deadline (uvicorn takes a class, not an instance)."""
    return type("BoundedH11Protocol", (BoundedH11Protocol,),
                {"head_timeout_seconds": head_timeout_seconds})


def uvicorn_options(settings: ServiceSettings) -> dict[str, Any]:
    """Keyword arguments for ``uvicorn.run`` / ``uvicorn.Config`` that bound every wait.

    Parameters
    ----------
    settings : ServiceSettings
        The service's timeouts (``keep_alive_seconds``, ``head_timeout_seconds``).

    Returns
    -------
    dict
        ``http`` (the bounded protocol), ``timeout_keep_alive``, ``access_log=False``
        (the service writes its own access log without personal data) and a cap on
        concurrent connections.
    """
    return {
        "http": protocol_class(settings.head_timeout_seconds),
        "timeout_keep_alive": max(1, round(settings.keep_alive_seconds)),
        "access_log": False,
        "limit_concurrency": settings.max_connections,
        "timeout_graceful_shutdown": 30,
        "log_config": logging_config(),
    }


def logging_config() -> dict[str, Any]:
    """uvicorn's logging plus the service's and the store's loggers (access log included)."""
    config = copy.deepcopy(LOGGING_CONFIG)
    for name in ("allocator.service", "allocator.store"):
        config["loggers"][name] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return config
