"""`spawn` and `start_processes`: run `fn(i, *args)` in `nprocs` processes; a child's failure is raised here."""
import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import tempfile
import traceback


class ProcessException(Exception):
    """A child process of `spawn` failed; `error_index` is its index, `error_pid` its pid."""

    def __init__(self, msg: str, error_index: int, error_pid: int):
        super().__init__(msg)
        self.msg, self.error_index, self.pid = msg, error_index, error_pid

    def __reduce__(self):
        return type(self), (self.msg, self.error_index, self.pid)


class ProcessRaisedException(ProcessException):
    """A child process raised an exception; the message holds its traceback."""


class ProcessExitedException(ProcessException):
    """A child process exited with a non-zero code or was killed by a signal."""

    def __init__(self, msg: str, error_index: int, error_pid: int, exit_code: int, signal_name: str | None = None):
        super().__init__(msg, error_index, error_pid)
        self.exit_code, self.signal_name = exit_code, signal_name

    def __reduce__(self):
        return type(self), (self.msg, self.error_index, self.pid, self.exit_code, self.signal_name)


def failure(i: int, pid: int, trace: str | None, exit_code: int) -> ProcessException:
    """The exception spawn raises for process `i`: what it raised (its traceback `trace`), else how it exited."""
    if trace:
        return ProcessRaisedException(f"\n\n-- Process {i} terminated with the following error:\n{trace}", i, pid)
    if exit_code < 0:
        name = signal.Signals(-exit_code).name
        return ProcessExitedException(f"process {i} terminated with signal {name}", i, pid, exit_code, name)
    return ProcessExitedException(f"process {i} terminated with exit code {exit_code}", i, pid, exit_code)


def _wrap(fn, i, args, error_file, on_error=None):
    """Run fn(i, *args); if it raises, write the traceback to `error_file`, call `on_error(error)`, exit 1."""
    try:
        fn(i, *args)
    except KeyboardInterrupt:
        pass  # the parent stopped us (SIGINT)
    except Exception as error:
        with open(error_file, "w") as f:
            f.write(traceback.format_exc())
        if on_error is not None:
            on_error(error)
        sys.exit(1)


class ProcessContext:
    """The processes started by `start_processes(join=False)`; `join()` waits and raises a child's failure."""

    def __init__(self, processes, error_files):
        self.processes, self.error_files = processes, error_files
        self.sentinels = {p.sentinel: i for i, p in enumerate(processes)}

    def pids(self) -> list:
        """The pids of the processes."""
        return [p.pid for p in self.processes]

    def join(self, timeout: float | None = None, grace_period: float | None = None) -> bool:
        """Wait up to `timeout` for the processes; True when all exited cleanly. On the first failure the
        others are terminated (after `grace_period` seconds, SIGKILL) and the failure is raised."""
        if not self.sentinels:
            self._remove_error_files()
            return True
        failed = None
        for sentinel in multiprocessing.connection.wait(list(self.sentinels), timeout=timeout):
            i = self.sentinels.pop(sentinel)
            self.processes[i].join()
            if self.processes[i].exitcode != 0:
                failed = i
                break
        if failed is None:
            if not self.sentinels:
                self._remove_error_files()
            return not self.sentinels
        self._stop_others(grace_period)
        raise self._failure(failed)

    def _stop_others(self, grace_period):
        alive = [p for p in self.processes if p.is_alive()]
        for p in alive:
            p.terminate()
        for p in alive:
            p.join(grace_period)
            if p.is_alive():
                p.kill()
                p.join()
        self.sentinels.clear()

    def _failure(self, i) -> ProcessException:
        p, path = self.processes[i], self.error_files[i]
        try:
            with open(path) as f:
                trace = f.read()
        except FileNotFoundError:
            trace = None
        self._remove_error_files()
        return failure(i, p.pid, trace, p.exitcode)

    def _remove_error_files(self):
        for path in self.error_files:
            if os.path.exists(path):
                os.unlink(path)
        folder = os.path.dirname(self.error_files[0]) if self.error_files else None
        if folder and os.path.isdir(folder) and not os.listdir(folder):
            os.rmdir(folder)


def start_processes(fn, args: tuple = (), nprocs: int = 1, join: bool = True, daemon: bool = False,
                    start_method: str = "spawn"):
    """Start `nprocs` processes running `fn(i, *args)`; with join, wait and raise the first child's failure.

    Differs from PyTorch: in a program whose main script imports ember.distributed, the processes start as one
    MPI job, so that they can form a process group (NOTE [ Spawned ranks ] in mpi_spawn.py)."""
    from . import mpi_spawn  # cycle: mpi_spawn raises this module's exceptions
    if mpi_spawn.wanted(nprocs, start_method):
        return mpi_spawn.start(fn, args, nprocs, join)
    ctx = multiprocessing.get_context(start_method)
    error_dir = tempfile.mkdtemp(prefix="ember-spawn-")
    error_files = [os.path.join(error_dir, f"{i}.err") for i in range(nprocs)]
    processes = []
    for i in range(nprocs):
        p = ctx.Process(target=_wrap, args=(fn, i, args, error_files[i]), daemon=daemon)
        p.start()
        processes.append(p)
    context = ProcessContext(processes, error_files)
    if not join:
        return context
    while not context.join():
        pass
    return None


def spawn(fn, args: tuple = (), nprocs: int = 1, join: bool = True, daemon: bool = False,
          start_method: str = "spawn"):
    """Run `fn(i, *args)` for i in range(nprocs) in new processes (start method 'spawn' by default)."""
    return start_processes(fn, args, nprocs, join, daemon, start_method)


SpawnContext = ProcessContext
