"""Reading an uploaded file in a child process that may die without taking anyone with it.

A spreadsheet reader is native code: a hostile file can make it abort (SIGABRT, which Python cannot catch)
or allocate without end. So the reading runs in a child process forked from a ``forkserver`` (a clean
single-threaded process started once per parent, with Django already loaded, so a child costs a fork, not
an interpreter start), with its address space capped by ``resource.setrlimit(RLIMIT_AS)`` and a time limit.
The child sends back the rows, or the refusal's message, and its peak memory; a child that dies, runs out
of memory or of time is reported as a refused file. The web process and the worker's pool process only
ever wait on a pipe.
"""

from __future__ import annotations

import dataclasses
import io
import logging
import multiprocessing
import os
import pickle
import threading
from dataclasses import dataclass
from multiprocessing import context, forkserver, popen_forkserver, reduction, spawn, util

from django.utils.translation import gettext as _

from halls.errors import ApplicationError
from surveys.imports.inspection import Limits
from surveys.imports.reading import Sheet
from surveys.reader_boot import read_in_child

logger = logging.getLogger(__name__)

_context_lock = threading.Lock()
_context = None


@dataclass(frozen=True)
class Isolation:
    """The child's address-space limit (bytes) and the seconds it may take."""

    memory_bytes: int
    seconds: float


class ReadRefused(ApplicationError):
    """The file was refused by the reader (``peak_rss_bytes`` its peak memory), or the reader died (None)."""

    def __init__(self, message: str, *, peak_rss_bytes: int | None = None):
        super().__init__(message)
        self.peak_rss_bytes = peak_rss_bytes


@dataclass
class IsolatedRead:
    sheet: Sheet
    peak_rss_bytes: int  # the child's peak resident memory


class _Popen(popen_forkserver.Popen):
    """The fork server's Popen, without the re-import of the parent's ``__main__`` in the child.

    multiprocessing re-runs the main script (or module) in each child, which for ``manage.py``, a bench
    script or a test runner is at best wasted time; the child only needs the function it runs.
    """

    def _launch(self, process_obj):
        prep_data = spawn.get_preparation_data(process_obj._name)
        prep_data.pop("init_main_from_path", None)
        prep_data.pop("init_main_from_name", None)
        # In a Celery pool process the inherited key is billiard's, which refuses multiprocessing's pickler.
        prep_data["authkey"] = bytes(process_obj.authkey)
        buffer = io.BytesIO()
        context.set_spawning_popen(self)
        try:
            reduction.dump(prep_data, buffer)
            reduction.dump(process_obj, buffer)
        finally:
            context.set_spawning_popen(None)
        self.sentinel, writer = forkserver.connect_to_new_process(self._fds)
        parent_writer = os.dup(writer)
        self.finalizer = util.Finalize(self, util.close_fds, (parent_writer, self.sentinel))
        with open(writer, "wb", closefd=True) as stream:
            stream.write(buffer.getbuffer())
        self.pid = forkserver.read_signed(self.sentinel)


class _Process(context.ForkServerProcess):
    @staticmethod
    def _Popen(process_obj):
        return _Popen(process_obj)


def _start(process: multiprocessing.Process) -> None:
    """Start ``process`` even from a daemonic one (a Celery pool process is one).

    multiprocessing refuses children to a daemonic process so that none is orphaned when it exits; this
    child is the fork server's, not ours, and it is always waited for or killed before we return.
    """
    config = multiprocessing.current_process()._config
    daemon = config.pop("daemon", None)
    try:
        process.start()
    finally:
        if daemon is not None:
            config["daemon"] = daemon


def _forkserver():
    global _context
    with _context_lock:
        if _context is None:
            forkserver_context = multiprocessing.get_context("forkserver")
            # Django is set up once in the fork server, so each child starts ready to translate.
            forkserver_context.set_forkserver_preload(["surveys.reader_boot"])
            _context = forkserver_context
        return _context


def _refused_crash() -> ReadRefused:
    return ReadRefused(
        _("读取文件时读取程序异常退出，文件可能已损坏或经过特殊构造，已拒绝；请用 Excel 重新保存后再导入")
    )


def _refused_memory(isolation: Isolation) -> ReadRefused:
    return ReadRefused(
        _("读取文件所需内存超过上限（%(limit)s MB），已拒绝；请减少行数或拆分文件")
        % {"limit": isolation.memory_bytes // (1024 * 1024)}
    )


def _refused_time(isolation: Isolation) -> ReadRefused:
    return ReadRefused(
        _("读取文件超过 %(seconds)s 秒仍未完成，已拒绝；请减少行数或拆分文件") % {"seconds": f"{isolation.seconds:.0f}"}
    )


def sheet_read_isolated(
    *, name: str, data: bytes, sheet_name: str, limits: Limits, isolation: Isolation, language: str
) -> IsolatedRead:
    """Read the file in a capped child process; a refusal, and every failure of the child, is a ReadRefused."""
    receiver, sender = _forkserver().Pipe(duplex=False)
    process = _Process(
        target=read_in_child,
        args=(sender,),
        # Plain values only: they are unpickled before the child has set Django up.
        kwargs={
            "name": name,
            "data": data,
            "sheet_name": sheet_name,
            "limits": dataclasses.asdict(limits),
            "language": language,
            "memory": isolation.memory_bytes,
        },
        daemon=True,
    )
    process.authkey = os.urandom(32)  # the child's own: it talks to no manager, only through the pipe
    _start(process)
    sender.close()
    try:
        if not receiver.poll(isolation.seconds):
            logger.warning("import_read_timeout pid=%s alive=%s", process.pid, process.is_alive())
            if process.is_alive():
                raise _refused_time(isolation)
            raise _refused_crash()
        try:
            status, payload, peak = receiver.recv()
        except (EOFError, OSError, pickle.UnpicklingError) as exc:
            # The child died before (or while) it answered: an abort, a segfault, the kernel's OOM killer.
            process.join(5)
            logger.warning("import_read_child_died exitcode=%s", process.exitcode)
            raise _refused_crash() from exc
    finally:
        receiver.close()
        if process.is_alive():
            process.kill()
        process.join(5)
    if status == "refused":
        raise ReadRefused(payload, peak_rss_bytes=peak)
    if status == "memory":
        raise _refused_memory(isolation)
    return IsolatedRead(sheet=payload, peak_rss_bytes=peak)
