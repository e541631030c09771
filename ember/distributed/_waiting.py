"""Waiting for a started operation with a deadline, and telling the ranks of a group about each other's
failures (NOTE [ Waiting with a deadline ])."""
import os
import pickle
import threading
import time
from datetime import timedelta

from .errors import DistBackendError

# NOTE [ Waiting with a deadline ]
# MPI has no timeouts: a blocking call whose peer died or went elsewhere waits forever. So a rank never makes
# one in the thread that called ember: a collective runs on the group's communication thread (NOTE
# [ Communication thread ] in _comm_thread.py) and a point-to-point operation is a nonblocking request. The
# calling thread waits for the thread's event without a timeout (a timed wait wakes some 100 us late, and a
# small all-reduce takes 3 us), or tests the requests in a loop (testing drives MPI's progress, so that loop
# spins while it is young and sleeps briefly once it is old). The deadline is kept by the world's watchdog
# thread: while a wait is on, it wakes every few milliseconds, and when the group's timeout has passed, or
# another rank has failed, it ends the wait with the error, which the waiting thread raises. The watchdog also
# reads the control communicator, a duplicate of the world's on which ranks send each other:
#   FAILED (a rank's script raised): the waiting rank raises DistBackendError naming that rank and its error,
#     at once, instead of waiting out the timeout; every later operation raises it too.
#   PING/PONG: when a rank's deadline passes, its watchdog pings the other ranks of the group and waits a
#     second for answers; the watchdog of a rank that is itself waiting answers with the operation it waits in.
#     The timeout's error then names the ranks that did not answer (exited, killed, or busy outside
#     ember.distributed) and those waiting in a different operation (a collective called in a different order
#     on different ranks).
# A rank outside any wait answers nothing; a ping it reads later is answered then, and its stale answer is
# dropped by its ping number.

FAILED, PING, PONG = 1, 2, 3
SPIN_SECONDS = 0.002  # spin this long before sleeping between tests
SLEEP_SECONDS = 0.0001
WATCH_SECONDS = 0.005  # how often the watchdog reads the control channel and the clock during a wait
PING_SECONDS = 1.0
STOP = ("stop",)  # Watchdog.current when the thread is to end


class Control:
    """The control communicator and what it has brought: the failures of other ranks, answers to pings."""

    def __init__(self, MPI, comm):
        self.MPI, self.comm = MPI, comm
        self.failures: dict[int, str] = {}
        self.pongs: dict[int, str] = {}
        self.ping_number = 0
        self.sending = []  # requests of control messages on their way

    def send(self, payload, dest: int, tag: int) -> None:
        """Send a small message to world rank `dest` without waiting for it to arrive."""
        self.sending = [r for r in self.sending if not r.Test()]
        self.sending.append(self.comm.isend(payload, dest=dest, tag=tag))

    def serve(self, waiting_in: str) -> None:
        """Read every control message that has arrived; answer pings with what this rank waits in."""
        status = self.MPI.Status()
        while self.comm.Iprobe(source=self.MPI.ANY_SOURCE, tag=self.MPI.ANY_TAG, status=status):
            source, tag = status.Get_source(), status.Get_tag()
            payload = self.comm.recv(source=source, tag=tag)
            if tag == FAILED:
                self.failures[source] = payload
            elif tag == PING:
                self.send((payload, waiting_in), dest=source, tag=PONG)
            elif tag == PONG and payload[0] == self.ping_number:
                self.pongs[source] = payload[1]

    def ping(self, ranks: list[int], waiting_in: str) -> dict[int, str]:
        """Ask `ranks` what they wait in; the answers that came within PING_SECONDS, by rank."""
        self.ping_number += 1
        self.pongs = {}
        for rank in ranks:
            self.send(self.ping_number, dest=rank, tag=PING)
        deadline = time.monotonic() + PING_SECONDS
        while len(self.pongs) < len(ranks) and time.monotonic() < deadline:
            self.serve(waiting_in)
            time.sleep(SLEEP_SECONDS)
        return dict(self.pongs)

    def tell_failure(self, world_size: int, me: int, error: BaseException) -> None:
        """Tell every other rank that this one failed with `error`; wait up to PING_SECONDS for the sends."""
        message = pickle.dumps(f"{type(error).__name__}: {error}")
        requests = [self.comm.Isend(message, dest=rank, tag=FAILED) for rank in range(world_size) if rank != me]
        deadline = time.monotonic() + PING_SECONDS
        while requests and not self.MPI.Request.Testall(requests) and time.monotonic() < deadline:
            time.sleep(SLEEP_SECONDS)


def failure_error(control: Control, what: str, me: int) -> DistBackendError:
    """The error raised on rank `me` waiting in `what` once other ranks reported failures."""
    failed = "; ".join(f"rank {rank} failed with {message}" for rank, message in sorted(control.failures.items()))
    return DistBackendError(f"{what} on rank {me} cannot complete: {failed}")


def timeout_error(group, what: str, seconds: float) -> DistBackendError:
    """The error of a wait in `what` that reached its deadline, naming the ranks that did not arrive."""
    control, me = group.world.control, group.world.rank
    others = [rank for rank in group.global_ranks if rank != me]
    answers = control.ping(others, what)
    silent = [rank for rank in others if rank not in answers]
    elsewhere = {rank: state for rank, state in answers.items() if state != what}
    parts = []
    if silent:
        parts.append(f"{_ranks(silent)} did not answer (exited, killed, or busy outside ember.distributed)")
    for rank, state in sorted(elsewhere.items()):
        parts.append(f"rank {rank} is waiting in {state}")
    if not parts:
        parts.append(f"every rank is waiting in {what}: the transport is stuck")
    return DistBackendError(f"{what} timed out after {seconds:g} s on rank {me}: {'; '.join(parts)}. "
                            f"Pass a larger timeout to init_process_group if the ranks are only slow.")


def _ranks(ranks: list[int]) -> str:
    return ("rank " if len(ranks) == 1 else "ranks ") + ", ".join(map(str, ranks))


def wait_until(operation, group, what: str, timeout: timedelta | None = None) -> None:
    """Return once `operation` (a Pending of the group's communication thread, or nonblocking requests) is
    done; raise DistBackendError at the deadline, when another rank failed, or when MPI raised.

    NOTE [ Waiting with a deadline ]."""
    if group.broken is not None:
        raise group.broken
    if not operation.done():
        seconds = (group.timeout if timeout is None else timeout).total_seconds()
        watchdog = group.world.watchdog
        watchdog.watch(operation, group, what, seconds)
        try:
            _wait(operation)
        except group.world.MPI.Exception as error:
            _raise_broken(group, what, error)
        finally:
            watchdog.unwatch(operation)
        if operation.interrupt is not None:
            group.broken = operation.interrupt
            raise group.broken
    if operation.error is not None:
        _raise_broken(group, what, operation.error)


def _wait(operation) -> None:
    """Block until `operation` is done or the watchdog has interrupted it."""
    if operation.event is not None:
        operation.event.wait()  # set by the communication thread, or by the watchdog
        return
    start = time.monotonic()
    polls = 0
    while not operation.done() and operation.interrupt is None:
        polls += 1
        if polls % 16 == 0 and time.monotonic() - start > SPIN_SECONDS:
            time.sleep(SLEEP_SECONDS)


def _raise_broken(group, what: str, error: BaseException):
    if not isinstance(error, group.world.MPI.Exception):
        raise error
    group.broken = DistBackendError(f"{what} on rank {group.world.rank} failed in MPI: {error}")
    raise group.broken from None


class Watchdog:
    """The thread that keeps the deadline of the wait in progress and reads the control channel meanwhile
    (NOTE [ Waiting with a deadline ])."""

    def __init__(self, control: Control, rank: int):
        self.control, self.rank = control, rank
        self.changed = threading.Condition()
        self.current = None  # (operation, group, what, deadline, seconds) of the wait in progress
        self.thread = threading.Thread(target=self._run, name="ember.distributed watchdog", daemon=True)
        self.thread.start()

    def watch(self, operation, group, what: str, seconds: float) -> None:
        """Keep the deadline of a wait for `operation` that begins now."""
        with self.changed:
            self.current = (operation, group, what, time.monotonic() + seconds, seconds)
            self.changed.notify()

    def unwatch(self, operation) -> None:
        """The wait for `operation` is over."""
        with self.changed:
            if self.current is not None and self.current[0] is operation:
                self.current = None

    def stop(self) -> None:
        """End the thread (the world is closing; no wait is on)."""
        with self.changed:
            self.current = STOP
            self.changed.notify()

    def _run(self) -> None:
        while True:
            with self.changed:
                while self.current is None:
                    self.changed.wait()
                watched = self.current
            if watched is STOP:
                return
            try:
                error = self._check(*watched)
            except BaseException as failure:  # noqa: BLE001  (a waiting thread must never be left waiting)
                error = failure
            if error is None:
                time.sleep(WATCH_SECONDS)
                continue
            with self.changed:
                if self.current is watched:
                    operation = watched[0]
                    operation.interrupt = error
                    if operation.event is not None:
                        operation.event.set()
                    self.current = None

    def _check(self, operation, group, what: str, deadline: float, seconds: float):
        """The error that ends the wait for `operation`, or None while it may go on."""
        if operation.done():
            return None
        try:
            self.control.serve(what)
            if self.control.failures:
                return failure_error(self.control, what, self.rank)
            if time.monotonic() > deadline:
                return timeout_error(group, what, seconds)
        except group.world.MPI.Exception as error:
            return DistBackendError(f"{what} on rank {self.rank}: the control channel failed in MPI: {error}")
        return None


class Requests:
    """Nonblocking MPI requests (point-to-point operations) as an operation to wait for."""
    __slots__ = ("requests", "statuses", "error", "interrupt")
    event = None

    def __init__(self, MPI, requests: list):
        self.requests, self.error, self.interrupt = requests, None, None
        self.statuses = [MPI.Status() for _ in requests]

    def done(self) -> bool:
        """True once every request has completed (testing them drives MPI's progress)."""
        return self.requests[0].Testall(self.requests, self.statuses)


class Work:
    """The handle of an operation started with `async_op=True`; `wait()` blocks until it is done."""

    def __init__(self, group, what: str, operation, finish=None, result=(), source=None):
        self._group, self._what, self._operation, self._finish, self._result = (
            group, what, operation, finish, result)
        self._source = source
        self._completed = False
        self._error = None

    def _complete(self) -> None:
        self._completed = True
        if self._finish is not None:
            self._finish()

    def is_completed(self) -> bool:
        """True once the operation is done (tests it without blocking)."""
        if not self._completed and self._error is None and self._operation.done():
            self.wait()
        return self._completed

    def wait(self, timeout: timedelta | None = None) -> bool:
        """Block until the operation is done (DistBackendError at the timeout or when a peer fails); True."""
        if self._error is not None:
            raise self._error
        if not self._completed:
            try:
                wait_until(self._operation, self._group, self._what, timeout)
            except Exception as error:
                self._error = error
                raise
            self._complete()
        return True

    synchronize = wait

    def is_success(self) -> bool:
        """True if the operation completed without error."""
        return self.is_completed() and self._error is None

    def exception(self):
        """The error the operation ended with, or None."""
        return self._error

    def result(self) -> list:
        """The operation's output tensors."""
        return list(self._result)

    def source_rank(self) -> int:
        """The (global) rank an `irecv` received from, once it is done."""
        if self._source is None:
            raise RuntimeError("source_rank() is known only for the work of an irecv")
        self.wait()
        return self._source()


def debug_level() -> str:
    """EMBER_DISTRIBUTED_DEBUG (or PyTorch's TORCH_DISTRIBUTED_DEBUG): OFF, INFO or DETAIL."""
    return os.environ.get("EMBER_DISTRIBUTED_DEBUG", os.environ.get("TORCH_DISTRIBUTED_DEBUG", "OFF")).upper()
