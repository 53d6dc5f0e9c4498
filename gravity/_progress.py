"""Progress bars: drawn on a terminal and in Jupyter, plain lines in a log.

Every progress bar of the package comes from :func:`progress_bar`. A tqdm bar redraws itself with
carriage returns, which a terminal or a notebook shows as one moving line but a log file, a CI job or
``make run > log`` keeps as one ever-growing line. So when standard error is not a terminal (and this is
not a Jupyter kernel), the bar instead writes one complete line when it starts, at most every
:data:`LINE_SECONDS` seconds while it advances, and when it ends::

    fits by year: 0% (0/6 fit) [00:00<?, ?fit/s]
    fits by year: 100% (6/6 fit) [00:01<00:00, 4.36fit/s]

This module imports nothing from the rest of ``gravity``; every layer may use it.
"""

from __future__ import annotations

import sys

from tqdm.std import tqdm as _tqdm

__all__ = ["LINE_SECONDS", "progress_bar"]

LINE_SECONDS = 15.0
"""Least time between two lines of a bar written to a log (not a terminal)."""


def progress_bar(iterable=None, *, total=None, desc: str = "", unit: str = "it", disable: bool = False, **kwargs):
    """A tqdm progress bar suited to where the output goes.

    Parameters
    ----------
    iterable : iterable, optional
        Iterate over it with the bar (as ``tqdm(iterable)``).
    total : int, optional
        Expected number of steps (default ``len(iterable)`` when it has one).
    desc : str
        What is being counted, shown first.
    unit : str
        The name of one step (``"draw"``, ``"fit"``).
    disable : bool
        No bar at all.
    **kwargs
        Other ``tqdm`` arguments (``unit_scale=True`` for bytes, ...).

    Returns
    -------
    tqdm.tqdm
        In a Jupyter kernel, ``tqdm.auto`` (a widget when ipywidgets is installed); on a terminal, the
        classic bar; otherwise a bar that writes plain lines (module docstring).
    """
    kwargs.update(total=total, desc=desc, unit=unit, disable=disable)
    if disable:
        return _tqdm(iterable, **kwargs)
    if _in_notebook():
        try:
            import ipywidgets  # noqa: F401  (tqdm.auto's widget needs it; without it, the classic bar)
            from tqdm.auto import tqdm
        except ImportError:
            tqdm = _tqdm
        return tqdm(iterable, **kwargs)
    if _is_terminal(kwargs.get("file") or sys.stderr):
        return _tqdm(iterable, **kwargs)
    return _LineBar(iterable, **kwargs)


class _LineBar(_tqdm):
    """A tqdm bar that writes whole lines (start, at most every ``LINE_SECONDS`` s, end), never ``\\r``."""

    def __init__(self, iterable=None, **kwargs):
        head = "{desc}: " if kwargs.get("desc") else ""
        sep = "" if kwargs.get("unit_scale") else " "
        self._formats = (
            head + "{n_fmt}" + sep + "{unit} [{elapsed}, {rate_fmt}]",
            head + "{percentage:.0f}% ({n_fmt}/{total_fmt}" + sep + "{unit}) [{elapsed}<{remaining}, {rate_fmt}]",
        )
        self._shown = None  # the count of the last line written
        kwargs.update(
            mininterval=LINE_SECONDS,
            maxinterval=max(LINE_SECONDS, 10.0),
            miniters=1,
            bar_format=self._formats[1],
            dynamic_ncols=False,
            ncols=None,
            ascii=True,
        )
        kwargs["file"] = _NoRedraw(kwargs.get("file") or sys.stderr)
        super().__init__(iterable, **kwargs)

    def __str__(self):
        self.bar_format = self._formats[bool(self.total)]  # the total may be set after the start
        return super().__str__()

    def display(self, msg=None, pos=None):
        if msg == "" or (msg is None and self.n == self._shown):  # nothing to clear, nothing new
            return True
        if msg is None:
            self._shown = self.n
        self.fp.write((self.__str__() if msg is None else msg).rstrip() + "\n")
        self.fp.flush()
        return True


class _NoRedraw:
    """A stream wrapper that drops tqdm's bare redraw writes (``"\\r"``, ``"\\n"``, ``""``)."""

    def __init__(self, stream):
        self._stream = stream

    def write(self, s: str):
        if s.strip():
            return self._stream.write(s)
        return 0

    def flush(self):
        flush = getattr(self._stream, "flush", None)
        if flush is not None:
            flush()

    def __getattr__(self, name):
        return getattr(self._stream, name)


def _is_terminal(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


def _in_notebook() -> bool:
    """True inside a Jupyter kernel (IPython with an ``IPKernelApp``), as ``tqdm.autonotebook`` decides."""
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    try:
        shell = ipython.get_ipython()
    except Exception:  # noqa: BLE001 - any failure means: not a kernel we can draw in
        return False
    return shell is not None and "IPKernelApp" in getattr(shell, "config", {})
