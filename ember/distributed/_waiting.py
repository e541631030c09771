"""Waiting for a started operation with a deadline, and telling the ranks of a group about each other's
failures (NOTE [ Waiting with a deadline ])."""
import os
import pickle
import time
from datetime import timedelta

from .errors import DistBackendError

# NOTE [ Waiting with a deadline ]
# MPI has no timeouts: a blocking call whose peer died or went elsewhere waits forever. So ember starts every
# operation as a nonblocking request, and the calling thread waits for it by testing it in a loop until the
# group's timeout passes: testing drives MPI's progress, so the loop spins, yielding the core to other
# processes every few tests, and sleeps between tests only once the wait is long (a slow peer, not a fast
# transport). Open MPI runs nonblocking collectives with its libnbc schedules, whose default all-reduce is two
# to four times slower than the blocking one from a megabyte up; ember selects libnbc's Rabenseifner
# all-reduce before MPI starts, which matches the blocking call at every size (measured from 4 B to 64 MB across
# 2 ranks; the other collectives' defaults match too). Everything happens in the calling thread: a second
# thread calling MPI beside it (to run blocking collectives, or to keep the deadline) cost ~50-100 us per
# operation in lock contention, and crashed Open MPI's libnbc now and then. While it waits, a rank also reads
# the control communicator, a duplicate of the world's on which ranks send each other:
#   FAILED (a rank's script raised): the waiting rank raises DistBackendError naming that rank and its error,
#     at once, instead of waiting out the timeout; every later operation raises it too.
#   PING/PONG: when a rank's deadline passes, it pings the other ranks of the group and waits a second for
#     answers; a rank that is itself waiting answers with the operation it waits in. The timeout's error then
#     names the ranks that did not answer (exited, killed, or busy outside ember.distributed) and those
#     waiting in a different operation (a receive that never comes while the others run a collective, say;
#     different collectives at one point are outside what MPI defines: EMBER_DISTRIBUTED_DEBUG=DETAIL checks).
#     Deadlines of ranks waiting in different operations pass at about the same time: a rank that reaches its
#     deadline late may find the other already gone (it timed out, got its answer and exited), so a rank whose
#     failure arrived during the ping is named by that failure (its message names the operation it was in).
# A rank outside any wait answers nothing; a ping it reads later is answered then, and its stale answer is
# dropped by its ping number.

FAILED, PING, PONG = 1, 2, 3
CHECK_TESTS = 32  # after this many tests: read the control channel, look at the clock, yield the core
SPIN_SECONDS = 1.0  # spin (and yield) this long before sleeping between tests
SLEEP_SECONDS = 0.0005
PING_SECONDS = 1.0


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
        """Ask `ranks` what they wait in; the answers that came within PING_SECONDS, by rank (a rank that
        reports a failure meanwhile ends its part of the wait)."""
        self.ping_number += 1
        self.pongs = {}
        for rank in ranks:
            self.send(self.ping_number, dest=rank, tag=PING)
        deadline = time.monotonic() + PING_SECONDS
        while any(r not in self.pongs and r not in self.failures for r in ranks) and time.monotonic() < deadline:
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
    failed = {rank: control.failures[rank] for rank in others if rank not in answers and rank in control.failures}
    silent = [rank for rank in others if rank not in answers and rank not in failed]
    elsewhere = {rank: state for rank, state in answers.items() if state != what}
    parts = []
    if silent:
        parts.append(f"{_ranks(silent)} did not answer (exited, killed, or busy outside ember.distributed)")
    for rank, state in sorted(elsewhere.items()):
        parts.append(f"rank {rank} is waiting in {state}")
    for rank, message in sorted(failed.items()):
        parts.append(f"rank {rank} failed with {message}")
    if not parts:
        parts.append(f"every rank is waiting in {what}: the transport is stuck")
    return DistBackendError(f"{what} timed out after {seconds:g} s on rank {me}: {'; '.join(parts)}. "
                            f"Pass a larger timeout to init_process_group if the ranks are only slow.")


def _ranks(ranks: list[int]) -> str:
    return ("rank " if len(ranks) == 1 else "ranks ") + ", ".join(map(str, ranks))


def wait_until(operation, group, what: str, timeout: timedelta | None = None) -> None:
    """Return once `operation` (nonblocking requests) is done; raise DistBackendError at the deadline, when
    another rank failed, or when MPI raised.

    NOTE [ Waiting with a deadline ]."""
    if group.broken is not None:
        raise group.broken
    try:
        if not operation.done():
            _wait(operation, group, what, (group.timeout if timeout is None else timeout).total_seconds())
    except group.world.MPI.Exception as error:
        group.broken = DistBackendError(f"{what} on rank {group.world.rank} failed in MPI: {error}")
        raise group.broken from None
    except DistBackendError as error:
        group.broken = error
        raise


def _wait(operation, group, what: str, seconds: float) -> None:
    control = group.world.control
    start = time.monotonic()
    deadline = start + seconds
    polls = 0
    while not operation.done():
        polls += 1
        if polls % CHECK_TESTS:
            continue
        control.serve(what)
        if control.failures:
            raise failure_error(control, what, group.world.rank)
        now = time.monotonic()
        if now > deadline:
            raise timeout_error(group, what, seconds)
        if now - start > SPIN_SECONDS:
            time.sleep(SLEEP_SECONDS)
        else:
            os.sched_yield()


class Requests:
    """Nonblocking MPI requests as an operation to wait for."""
    __slots__ = ("requests", "statuses")

    def __init__(self, MPI, requests: list):
        self.requests = requests
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
