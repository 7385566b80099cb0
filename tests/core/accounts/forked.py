"""Run a function in a forked child: as another user (root dropping its privileges, with no need to
exec an interpreter that user may not be able to read), or to kill it in the middle of its work."""

from __future__ import annotations

import os
import pickle
import signal
import traceback


class ChildKilled(Exception):
    pass


def in_child(fn, *, uid: int | None = None, gid: int | None = None):
    """``fn()``'s result, computed in a forked child (as ``uid``/``gid`` when given). Everything the
    child needs must be imported already: a dropped user may not read the interpreter's files.
    Raises ChildKilled if the child died of a signal, RuntimeError with its traceback if it raised."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            if gid is not None:
                os.setgroups([])
                os.setgid(gid)
            if uid is not None:
                os.setuid(uid)
            payload = pickle.dumps(("ok", fn()))
        except BaseException:
            payload = pickle.dumps(("error", traceback.format_exc()))
        with os.fdopen(w, "wb") as fh:
            fh.write(payload)
        os._exit(0)
    os.close(w)
    with os.fdopen(r, "rb") as fh:
        data = fh.read()
    _pid, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        raise ChildKilled(signal.Signals(os.WTERMSIG(status)).name)
    what, value = pickle.loads(data)
    if what == "error":
        raise RuntimeError(f"the child failed:\n{value}")
    return value
