"""Execution layer: work that fans out (bootstrap re-fits, GE draws) in-process or on Dask.

One small interface, :meth:`Executor.map`, runs ``fn`` over a list of tasks and returns the results
in input order, wherever the tasks ran:

* **in-process** — tiny jobs, ``workers=0`` or ``mode="inprocess"``: a plain loop in this process;
* **a Dask** ``LocalCluster`` — for work large enough to pay for worker processes: ``workers``
  processes (default: the cores), one thread each, numba and BLAS single-threaded inside the workers
  (the workers already fill the cores), bound to 127.0.0.1, no dashboard; created on first use, reused
  by every later call in this process and closed at exit;
* **any Dask cluster** — a ``distributed.Client`` passed in, a scheduler address
  (``scheduler="tcp://host:8786"``), or the environment variable ``GRAVITY_SCHEDULER``
  (``gravity corridor ... --scheduler tcp://…`` sets it).

Large read-only inputs (``shared``: the estimation sample, the baseline) travel to each worker once
(``Client.scatter(..., broadcast=True)``), not once per task. Results never depend on the number of
workers: a task must take its random stream from its own index (e.g.
``numpy.random.default_rng([seed, d])``), never from worker state, and each task is computed the
same way wherever it runs.

Scripts are safe by default. Worker processes are *spawned*: each re-runs the main script (as
``__mp_main__``) before it can take a task, so a script that calls a fan-out function at top level,
not under ``if __name__ == "__main__":``, would start workers that start workers. Before starting a
LocalCluster the executor looks at what a spawned worker would re-run (:func:`spawn_hazard`): when that
code would reach the call again, ``mode="auto"`` runs the job in this process instead (said once, in
one log line) and ``mode="local"`` stops at once with one line saying what to do. A process that is
itself still being bootstrapped by ``multiprocessing`` never starts workers.

Examples
--------
>>> from gravity.execution import get_executor
>>> ex = get_executor(workers=0)                      # in-process
>>> ex.map(lambda d, s: s + d, [1, 2, 3], shared=10, progress=False)
[11, 12, 13]

This module imports nothing from the rest of ``gravity`` but :mod:`gravity.errors`; every layer may use it.
"""

from __future__ import annotations

import ast
import atexit
import logging
import operator
import os
import re
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any

from gravity._progress import progress_bar
from gravity.errors import GravityError

__all__ = [
    "ENV_SCHEDULER",
    "WORKER_ENV",
    "ExecutionError",
    "Executor",
    "Workers",
    "as_executor",
    "check_workers",
    "get_executor",
    "shutdown",
    "spawn_hazard",
]

log = logging.getLogger("gravity.execution")

ENV_SCHEDULER = "GRAVITY_SCHEDULER"
"""Environment variable naming a Dask scheduler address, e.g. ``tcp://10.0.0.5:8786``."""

WORKER_ENV = {"NUMBA_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
"""Environment of the LocalCluster's worker processes: one thread each for numba and BLAS."""

MODES = ("auto", "inprocess", "local", "cluster")
_GUARD = '`if __name__ == "__main__":`'

_LOCK = threading.Lock()
_LOCAL: dict[int, Any] = {}  # n_workers -> Client of the process's LocalCluster
_REMOTE: dict[str, Any] = {}  # scheduler address -> Client
_SAID: list[str] = []  # the in-process fallback is logged once per process


class ExecutionError(GravityError, ValueError):
    """The execution engine cannot be reached or configured (the message names the fix)."""


Workers = int | None
"""Local worker processes of a fan-out job: ``None`` (one per core), ``0`` (in this process) or more.
Every function that fans out names this option ``workers`` (:func:`check_workers`)."""


def check_workers(workers: Workers, name: str = "workers") -> Workers:
    """The one validator of a ``workers`` option: None or an int ≥ 0 (a bool or a negative count raises).

    Raises
    ------
    ExecutionError
        Naming ``name``, the value and what it may be.
    """
    if workers is None:
        return None
    try:
        n = operator.index(workers)  # int or a numpy integer; a float or str is refused
    except TypeError:
        n = -1
    if isinstance(workers, bool) or n < 0:
        raise ExecutionError(
            f"{name} must be 0 (in-process) or more worker processes, or None (one per core); got {workers!r}"
        )
    return n


class Executor:
    """Runs independent tasks in-process or on a Dask cluster (see :func:`get_executor`).

    Attributes
    ----------
    kind : str
        ``"inprocess"``, ``"local"`` (this process's LocalCluster) or ``"cluster"`` (a given client,
        address or ``GRAVITY_SCHEDULER``).
    auto : bool
        True when the kind was chosen by ``mode="auto"``: tiny jobs then run in-process.
    workers : int or None
        Workers of the LocalCluster (``None``: not local).
    """

    def __init__(self, kind: str, *, client=None, workers: int | None = None, auto: bool = False):
        self.kind, self.auto, self.workers = kind, auto, workers
        self._client = client

    @property
    def client(self):
        """The ``distributed.Client`` (the LocalCluster is started here, on first use); None in-process.

        Raises
        ------
        ExecutionError
            Starting worker processes here would re-run the calling script in each of them
            (:func:`spawn_hazard`); the message says how to fix it.
        """
        if self.kind == "inprocess":
            return None
        if self._client is None:
            hazard = spawn_hazard()
            if hazard:
                raise ExecutionError(f"cannot start Dask worker processes: {hazard}, or run in-process (workers=0)")
            self._client = _local_client(self.workers if self.workers is not None else max(1, os.cpu_count() or 1))
        return self._client

    def _in_process(self, tiny: bool, n_tasks: int) -> bool:
        """Whether a ``map`` of ``n_tasks`` runs in this process (see :meth:`map` and :func:`spawn_hazard`)."""
        if self.kind == "inprocess":
            return True
        if self.auto and (tiny or n_tasks < 2):
            return True
        if self.kind == "local" and self.auto and self._client is None:
            hazard = spawn_hazard()
            if hazard and not _bootstrapping():  # a bootstrapping worker stops (``client``)
                if not _SAID:
                    _SAID.append(hazard)
                    log.warning("running in this process, not on Dask worker processes: %s", hazard)
                return True
        return False

    def map(
        self,
        fn: Callable,
        items: Sequence,
        *,
        shared: Any = None,
        desc: str = "",
        progress: bool = True,
        sizes: Sequence[int] | None = None,
        unit: str = "task",
        tiny: bool = False,
    ) -> list:
        """``[fn(item, shared) for item in items]`` (``fn(item)`` when ``shared`` is None), in input order.

        Parameters
        ----------
        fn : callable
            A task. On a cluster it is pickled (cloudpickle: closures and lambdas work); it must not
            rely on state of the process that calls ``map``.
        items : sequence
            One entry per task (e.g. a draw index, or a chunk of draw indices).
        shared : object, optional
            Large read-only data passed to every task; scattered to each worker once.
        desc : str
            Progress-bar text: what the tasks are.
        progress : bool
            Show a tqdm bar that advances as tasks complete.
        sizes : sequence of int, optional
            What each task counts for on the bar (e.g. draws per chunk); default 1 per task.
        unit : str
            What the bar counts (``"draw"``, ``"re-fit"``).
        tiny : bool
            The caller's judgement that the job is too small to be worth shipping: with ``mode="auto"``
            it then runs in-process (an explicit cluster is always used). ``mode="auto"`` also runs
            in-process when worker processes would re-run the calling script (:func:`spawn_hazard`).

        Returns
        -------
        list
            The results, ``results[k]`` for ``items[k]``.

        Raises
        ------
        ExecutionError
            ``mode="local"`` from a script whose worker processes would re-run this call
            (:func:`spawn_hazard`).
        Exception
            Whatever a task raised (tasks that must not stop the job catch their own errors).
        """
        items = list(items)
        sizes = [1] * len(items) if sizes is None else [int(s) for s in sizes]
        if len(sizes) != len(items):
            raise ExecutionError(f"sizes has {len(sizes)} entries for {len(items)} tasks; give one per task")
        call = fn if shared is None else _WithShared(fn)
        here = self._in_process(tiny, len(items))
        bar = progress_bar(total=sum(sizes), desc=desc, unit=unit, disable=not progress)
        try:
            if here:
                out = []
                for item, s in zip(items, sizes):
                    out.append(fn(item) if shared is None else fn(item, shared))
                    bar.update(s)
                return out
            return self._map_dask(call, items, shared, sizes, bar, desc)
        finally:
            bar.close()

    def _map_dask(self, call, items, shared, sizes, bar, desc):
        from distributed import as_completed

        client = self.client
        args = []
        if shared is not None:
            [ref] = client.scatter([shared], broadcast=True, hash=False)
            args = [[ref] * len(items)]
        tag = f"gravity-{_slug(desc)}-{os.urandom(4).hex()}"
        futures = client.map(call, items, *args, pure=False, key=[f"{tag}-{k}" for k in range(len(items))])
        where = {f.key: k for k, f in enumerate(futures)}
        out: list = [None] * len(items)
        try:
            for fut in as_completed(futures, loop=client.loop):
                k = where[fut.key]
                out[k] = fut.result()
                bar.update(sizes[k])
        finally:
            client.cancel(futures)
        return out

    def _scheduler_address(self) -> str:
        info = getattr(self._client, "scheduler_info", None)
        got: dict[str, Any] = info() if callable(info) else {}
        return str(got.get("address", ""))

    def __repr__(self) -> str:
        where = {
            "inprocess": "in-process",
            "local": f"LocalCluster({self.workers} workers)",
            "cluster": f"cluster {self._scheduler_address()}",
        }
        return f"Executor({where[self.kind]}{', auto' if self.auto else ''})"


class _WithShared:
    """``fn(item, shared)`` as a picklable callable of two arguments (item, shared)."""

    def __init__(self, fn):
        self.fn = fn

    def __call__(self, item, shared):
        return self.fn(item, shared)


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-")[:40] or "task"


def get_executor(
    client=None, *, scheduler: str | None = None, workers: int | None = None, mode: str = "auto", timeout: float = 10.0
) -> Executor:
    """The executor for a fan-out job, in this order of precedence.

    1. ``client`` (a ``distributed.Client``): its cluster;
    2. ``scheduler``, else the environment variable ``GRAVITY_SCHEDULER``: the Dask scheduler at that
       address (ignored with ``mode="inprocess"`` or ``workers=0``);
    3. ``mode="inprocess"`` or ``workers=0``: this process;
    4. otherwise a LocalCluster of ``workers`` processes (default: the cores), one thread each,
       started on first use and reused; with ``mode="auto"`` tiny jobs and ``workers=1`` run in-process
       (one local worker would only add the cost of shipping the data), and so does a job called from
       code that the workers would re-run (:func:`spawn_hazard`, said once in a log line).

    Parameters
    ----------
    client : distributed.Client, optional
        A connected client.
    scheduler : str, optional
        A scheduler address, ``"tcp://host:8786"``.
    workers : int, optional
        Local worker processes; 0 = in-process.
    mode : {"auto", "inprocess", "local", "cluster"}
        ``"local"`` always uses the LocalCluster (also for tiny jobs and one worker); ``"cluster"``
        requires a client, an address or ``GRAVITY_SCHEDULER``.
    timeout : float
        Seconds to wait for a scheduler to answer.

    Returns
    -------
    Executor

    Raises
    ------
    ExecutionError
        Unknown mode, a negative ``workers``, ``mode="cluster"`` without an address, or a scheduler
        that cannot be reached (the message names the address and how to fix it).
    """
    if mode not in MODES:
        raise ExecutionError(f"mode must be one of {MODES}, got {mode!r}")
    workers = check_workers(workers)
    if client is not None:
        if not hasattr(client, "scatter") or not hasattr(client, "map"):
            raise ExecutionError(f"client must be a distributed.Client, got {type(client).__name__}")
        return Executor("cluster", client=client)
    if mode != "inprocess" and workers != 0:
        address = scheduler or os.environ.get(ENV_SCHEDULER) or None
        if address:
            return Executor("cluster", client=_remote_client(address, from_env=scheduler is None, timeout=timeout))
    if mode == "cluster":
        raise ExecutionError(
            f"mode='cluster' needs a Client, scheduler='tcp://host:port' or the environment variable {ENV_SCHEDULER}"
        )
    if mode == "inprocess" or workers == 0:
        return Executor("inprocess")
    if _in_dask_worker():
        return Executor("inprocess", auto=True)  # a task that fans out again runs its sub-tasks itself
    n = int(workers) if workers is not None else max(1, os.cpu_count() or 1)
    if mode == "auto" and n == 1:
        return Executor("inprocess", auto=True)
    return Executor("local", workers=n, auto=mode == "auto")


def as_executor(executor=None, *, workers: int | None = None) -> Executor:
    """An :class:`Executor` from what a user passed to a fan-out function.

    Parameters
    ----------
    executor : Executor, distributed.Client or str, optional
        An executor, a connected client, or a scheduler address; None: :func:`get_executor` with
        ``workers`` (which honours ``GRAVITY_SCHEDULER``).
    workers : int, optional
        Local worker processes when ``executor`` is None (0 or 1 = in-process; None = the cores).

    Returns
    -------
    Executor

    Raises
    ------
    ExecutionError
        As :func:`get_executor`.
    """
    if isinstance(executor, Executor):
        return executor
    if isinstance(executor, str):
        return get_executor(scheduler=executor)
    if executor is not None:
        return get_executor(executor)
    return get_executor(workers=workers)


def _in_dask_worker() -> bool:
    """True inside a task running on a Dask worker."""
    import sys

    if "distributed" not in sys.modules:
        return False
    from distributed import get_worker

    try:
        get_worker()
    except ValueError:
        return False
    return True


_ADDRESS = re.compile(r"^(?:(?:tcp|tls|inproc|ucx|ws|wss)://)?\[?[A-Za-z0-9_.:\-]+\]?:\d{1,5}$")


def check_address(address: str, *, from_env: bool = False) -> str:
    """``address`` if it reads as a Dask scheduler address (``tcp://host:8786``, ``host:8786``), else
    :class:`ExecutionError` naming where it came from and the form to use (before any connection attempt).
    """
    source = f"the environment variable {ENV_SCHEDULER}" if from_env else "the scheduler argument"
    if not isinstance(address, str) or not _ADDRESS.match(address.strip()):
        raise ExecutionError(
            f"{address!r} (from {source}) is not a Dask scheduler address. Fix: give it as "
            f"tcp://host:8786 (the address `dask scheduler` prints), or unset {ENV_SCHEDULER} / "
            "drop --scheduler to run on this machine"
        )
    return address.strip()


def spawn_hazard() -> str:
    """Why starting worker processes from here would go wrong, or ``""`` when it is safe.

    Dask starts LocalCluster workers with multiprocessing's *spawn* method: before taking a task, each
    worker re-runs the parent's main module as ``__mp_main__`` (``python file.py`` and ``ipython file.py``:
    the file; ``python -m pkg.mod``: that module; ``python - < file``: a file named ``<stdin>``, which does
    not exist). Unsafe when

    * this process is itself a spawned process still re-running its parent's main module;
    * the main module is a file that cannot be read back (standard input);
    * the main module's top-level code is now at a line outside every ``if __name__ == "__main__":``
      block: each worker re-running the file would reach the same line and start workers of its own.

    Interactive sessions, ``python -c``, Jupyter kernels (their launcher is guarded), the ``gravity``
    command and pytest re-run nothing that calls back: safe. So is any start method other than spawn
    (``distributed.worker.multiprocessing-method``).

    Returns
    -------
    str
        The reason and the fix in one line (the script and the line); empty when workers can be started.
    """
    import multiprocessing

    if _bootstrapping():
        return (
            f"this process is a worker still re-running its parent's main script: put that script's code under {_GUARD}"
        )
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    path = getattr(spec, "origin", None) if getattr(spec, "name", None) else getattr(main, "__file__", None)
    if main is None or not path:
        return ""
    import dask

    if dask.config.get("distributed.worker.multiprocessing-method", "spawn") != "spawn":
        return ""
    frame = _main_module_frame(vars(main))
    if frame is None:
        return ""
    path = os.path.join(getattr(multiprocessing.process, "ORIGINAL_DIR", None) or "", path)
    try:
        with open(path, "rb") as fh:
            tree = ast.parse(fh.read())
    except OSError:
        return (
            f"worker processes would re-run the main script {path!r}, which cannot be read back: save it as a "
            f"file with its code under {_GUARD} to use them"
        )
    except (SyntaxError, ValueError):
        return ""
    line = frame.f_lineno
    if any(
        node.body[0].lineno <= line <= node.body[-1].end_lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and _is_main_guard(node.test)
    ):
        return ""
    return (
        f"the script {path} makes this call at line {line}, outside {_GUARD}, and each worker process would "
        f"run that line again: put the script's code under that guard to use them"
    )


def _bootstrapping() -> bool:
    """True in a spawned process that is still re-running its parent's main module."""
    import multiprocessing

    return bool(getattr(multiprocessing.current_process(), "_inheriting", False))


def _main_module_frame(main_globals: dict):
    """The outermost frame running the main module's top-level code (this thread, else the main thread)."""
    frames: list[Any] = [sys._getframe()]
    ident = threading.main_thread().ident
    if threading.current_thread() is not threading.main_thread() and ident is not None:
        frames.append(sys._current_frames().get(ident))
    for f in frames:
        found = None
        while f is not None:
            if f.f_globals is main_globals and f.f_code.co_name == "<module>":
                found = f
            f = f.f_back
        if found is not None:
            return found
    return None


def _is_main_guard(test: ast.expr) -> bool:
    """``__name__ == "__main__"`` (either side)."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)):
        return False
    sides = [test.left, test.comparators[0]]
    names = [s.id for s in sides if isinstance(s, ast.Name)]
    consts = [s.value for s in sides if isinstance(s, ast.Constant)]
    return names == ["__name__"] and consts == ["__main__"]


def _remote_client(address: str, *, from_env: bool, timeout: float):
    """A client of the scheduler at ``address`` (one per address in this process)."""
    from distributed import Client

    address = check_address(address, from_env=from_env)

    with _LOCK:
        c = _REMOTE.get(address)
        if c is not None and c.status == "running":
            return c
        try:
            c = Client(address, timeout=f"{timeout}s", set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            source = f"the environment variable {ENV_SCHEDULER}" if from_env else "the scheduler argument"
            raise ExecutionError(
                f"cannot reach the Dask scheduler at {address!r} (from {source}): {type(exc).__name__}: {exc}. "
                f"Start one there (`dask scheduler`, then `dask worker {address}` on each machine), correct "
                f"the address, or unset {ENV_SCHEDULER} / drop --scheduler to run on this machine"
            ) from exc
        _REMOTE[address] = c
        return c


def _local_client(workers: int):
    """The process's LocalCluster of ``workers`` processes, started on first use."""
    from distributed import Client, LocalCluster

    with _LOCK:
        c = _LOCAL.get(workers)
        if c is not None and c.status == "running":
            return c
        log.info("starting a Dask LocalCluster: %d worker processes, 1 thread each", workers)
        try:
            cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                scheduler_port=0,
                env=dict(WORKER_ENV),
                silence_logs=logging.ERROR,
                scheduler_kwargs={"dashboard": False, "dashboard_address": "127.0.0.1:0"},
            )
        except RuntimeError as exc:
            raise ExecutionError(
                f"could not start a Dask LocalCluster of {workers} worker processes ({exc}). Worker processes "
                f"are spawned and re-import the main script: put a script's code under "
                f'`if __name__ == "__main__":`, or run in-process (workers=0 / jobs = 1)'
            ) from exc
        c = Client(cluster, set_as_default=False)
        _LOCAL[workers] = c
        return c


def shutdown() -> None:
    """Close this process's LocalClusters and scheduler connections (also run at exit)."""
    with _LOCK:
        if not (_LOCAL or _REMOTE):
            return
        quiet = logging.getLogger("distributed")
        level = quiet.level
        quiet.setLevel(logging.ERROR)  # the cluster's goodbyes are not news
        try:
            for c in list(_LOCAL.values()):
                cluster = c.cluster
                c.close()
                if cluster is not None:
                    cluster.close()
            for c in list(_REMOTE.values()):
                c.close()
        finally:
            quiet.setLevel(level)
            _LOCAL.clear()
            _REMOTE.clear()


atexit.register(shutdown)
