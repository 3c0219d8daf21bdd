"""Where parallel work runs: this machine's process pool, a Dask cluster on it, or an existing Dask scheduler.

``--scheduler`` (``zhenxing reports``, ``zhenxing simulate``) takes

* ``processes`` (the default): the local pool, needs nothing else;
* ``dask``: a :class:`distributed.LocalCluster` of worker processes on this
  machine, on the loopback address only (``127.0.0.1``, any free ports);
* the address of a running Dask scheduler, ``tcp://host:8786`` (also
  ``tls://``, ``ws://``, ``wss://``, ``ucx://``; a bare ``host:port`` means ``tcp://``).

:func:`parse_scheduler` checks the text (an :class:`~zhenxing.errors.InputError`
naming ``--scheduler`` otherwise) and :func:`dask_client` opens the client and
closes it (and the local cluster) after. ``distributed`` is imported only there,
so the default path never imports it.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager

from .errors import InputError, Problem

PROCESSES = "processes"
DASK = "dask"
#: Seconds to wait for an existing scheduler to answer (``--connect-timeout``).
CONNECT_TIMEOUT = 10.0
#: A task whose worker process dies is tried on another worker this many more times, like the local pool's restarts.
WORKER_DEATHS_RETRIED = 2
PROTOCOLS = ("tcp", "tls", "ws", "wss", "ucx")
#: Dask's nanny sets MALLOC_TRIM_THRESHOLD_=65536 in its workers, which fixes glibc's mmap threshold at 128 KiB:
#: every large numpy temporary is then a fresh mmap, faulted in page by page (the Monte Carlo ran 2.5-4 times
#: slower per draw in a worker than here). Unset for the LocalCluster; see the README for a cluster's workers.
WORKER_ENVIRON = {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}

_ADDRESS = re.compile(r"^(?:(?P<proto>[a-z]+)://)?(?P<host>\[[0-9a-fA-F:]+\]|[A-Za-z0-9_.\-]+):(?P<port>[0-9]{1,5})/?$")


def parse_scheduler(text: str | None, where: str = "--scheduler") -> str:
    """``"processes"``, ``"dask"`` or a scheduler address such as ``"tcp://10.0.0.5:8786"``.

    ``None`` or an empty text is the default, ``processes``. A bare
    ``host:port`` is read as ``tcp://host:port``. Anything else is an
    :class:`InputError` naming ``where``.
    """
    value = (text or PROCESSES).strip()
    if value.lower() in (PROCESSES, DASK):
        return value.lower()
    m = _ADDRESS.match(value)
    expected = ("expected processes (this machine's process pool), dask (a Dask cluster on this machine) "
                "or the address of a Dask scheduler such as tcp://10.0.0.5:8786")
    if m is None:
        raise InputError([Problem(where, f"unknown scheduler {value!r} ({expected})")], "invalid option")
    proto = (m.group("proto") or "tcp").lower()
    port = int(m.group("port"))
    if proto not in PROTOCOLS:
        raise InputError([Problem(where, f"unknown protocol {proto!r} in {value!r} (expected one of {', '.join(PROTOCOLS)})")], "invalid option")
    if not 1 <= port <= 65535:
        raise InputError([Problem(where, f"port {port} out of range in {value!r} (expected 1-65535)")], "invalid option")
    return f"{proto}://{m.group('host')}:{port}"


def is_dask(spec: str) -> bool:
    """True when ``spec`` (from :func:`parse_scheduler`) runs on Dask."""
    return spec != PROCESSES


@contextmanager
def dask_client(spec: str, n_workers: int | None = None, threads_per_worker: int = 1,
                timeout: float = CONNECT_TIMEOUT, where: str = "--scheduler") -> Iterator:
    """A :class:`distributed.Client` for ``spec`` (``dask`` or an address), closed on exit.

    ``dask`` starts a :class:`distributed.LocalCluster` of ``n_workers``
    worker processes (default: the number of CPUs), ``threads_per_worker``
    threads each, on ``127.0.0.1`` (its HTTP endpoints on a free port of the loopback address); a task whose worker
    dies is retried on another :data:`WORKER_DEATHS_RETRIED` times, then fails
    with ``KilledWorker``. An address connects to that scheduler, waiting at
    most ``timeout`` seconds; a scheduler that does not answer is an
    :class:`InputError` naming the address and the timeout.
    """
    import dask
    from distributed import Client, LocalCluster

    if spec == DASK:
        with dask.config.set({"distributed.scheduler.allowed-failures": WORKER_DEATHS_RETRIED, **WORKER_ENVIRON}):
            cluster = LocalCluster(n_workers=max(1, n_workers or os.cpu_count() or 1), threads_per_worker=threads_per_worker,
                                   processes=True, host="127.0.0.1", dashboard_address=":0",
                                   silence_logs=logging.CRITICAL)  # a dying worker is reported as a failed report, not a log line
        try:
            client = Client(cluster)
            try:
                yield client
            finally:
                client.close()
        finally:
            cluster.close()
        return
    if spec == PROCESSES:
        raise ValueError("dask_client needs 'dask' or a scheduler address, not 'processes'")
    try:
        client = Client(spec, timeout=f"{timeout}s", set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise InputError([Problem(where, f"no Dask scheduler answered at {spec} within {timeout:g} s "
                                  f"(start one with 'dask scheduler' and workers with 'dask worker {spec}'; {type(exc).__name__})")],
                         "cannot reach the Dask scheduler") from None
    try:
        yield client
    finally:
        client.close()


def workers_info(client) -> dict[str, dict]:
    """The scheduler's record of every worker, by address (all of them, not the first five)."""
    import inspect

    takes_n = "n_workers" in inspect.signature(client.scheduler_info).parameters
    info = client.scheduler_info(n_workers=-1) if takes_n else client.scheduler_info()
    return dict(info.get("workers", {}))


def worker_count(client) -> int:
    """Worker threads the cluster has now (at least 1)."""
    return max(1, sum(int(w.get("nthreads", 1)) for w in workers_info(client).values()))
