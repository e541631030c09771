"""The thread that runs a process group's collectives (NOTE [ Communication thread ])."""
import queue
import threading

# NOTE [ Communication thread ]
# Open MPI's nonblocking collectives (MPI_Iallreduce, ...) run a generic schedule that is two to four times
# slower than its blocking ones for messages of megabytes (measured: 100 MB all-reduce across 2 ranks, 98 ms
# against 45 ms), and MPI's blocking calls cannot be given a deadline. So each process group owns one thread
# that runs its collectives as blocking MPI calls, in the order they were submitted (the order every rank must
# issue them in), while the calling thread waits for each with the group's deadline (NOTE [ Waiting with a
# deadline ] in _waiting.py) or goes on (async_op=True). A collective that never completes leaves its thread
# blocked in MPI: the group is then broken, every later operation on it raises, and the daemon thread ends with
# the process. Point-to-point operations do not go through the thread: a receive would block the sends queued
# behind it; they are nonblocking MPI requests tested by the waiting thread.
# Handing a call to the thread and back costs some 50 us: a 1 MB all-reduce takes 0.21 ms against MPI's 0.11
# (running it as a nonblocking request in the calling thread instead was slower still, libnbc's schedule).


class Pending:
    """A call submitted to a communication thread: `event` is set once it has returned or raised (or once the
    watchdog has ended the wait for it: NOTE [ Waiting with a deadline ] in _waiting.py)."""
    __slots__ = ("call", "event", "finished", "error", "interrupt")

    def __init__(self, call):
        self.call, self.event, self.finished, self.error, self.interrupt = call, threading.Event(), False, None, None

    def done(self) -> bool:
        """True once the call has returned or raised."""
        return self.finished


class CommThread:
    """Runs the calls submitted to it, one after another, on a daemon thread."""

    def __init__(self, name: str):
        self.calls: queue.SimpleQueue = queue.SimpleQueue()
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)
        self.thread.start()

    def submit(self, call) -> Pending:
        """Queue `call` (no arguments); its Pending."""
        pending = Pending(call)
        self.calls.put(pending)
        return pending

    def stop(self) -> None:
        """Let the thread end once the calls queued so far have run (without waiting for it)."""
        self.calls.put(None)

    def _run(self) -> None:
        while (pending := self.calls.get()) is not None:
            try:
                pending.call()
            except BaseException as error:  # noqa: BLE001  (handed to the waiting thread, which raises it)
                pending.error = error
            pending.finished = True
            pending.event.set()
