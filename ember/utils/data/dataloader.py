"""DataLoader: batches from a dataset, loaded in the main process or in worker processes.

NOTE [ Worker shutdown ]
Each worker talks to the main process through one Unix socket pair (see NOTE [ Batch transport ]
in shared.py); closing the main process's end is the only stop signal there is:
1. `_shutdown_workers` (run once, by a `weakref.finalize` on the iterator: at the end of an epoch,
   on an error, when the iterator is deleted or garbage collected, on KeyboardInterrupt as the loop
   unwinds, or at interpreter exit) closes the main ends of the sockets.
2. A worker's reader thread sees end-of-file and queues None; the worker's loop returns and the
   process exits. A worker busy in `__getitem__` finishes it, fails to send (the socket is closed)
   and exits the same way; one still busy after a grace period is terminated, then killed.
3. Batches still in flight die with the sockets: the kernel closes the descriptors queued in a
   closed socket, and their blocks, never named in /dev/shm, are freed (NOTE [ Shared memory
   ownership ]).
The reverse direction needs no protocol: a worker whose main process dies (even by SIGKILL) reads
end-of-file and exits. Forked processes must not keep a main end open, or a worker would never see
end-of-file: `_close_main_ends` closes every main end in a forked child. A worker that dies is
noticed through its process sentinel while the main process waits for data (never a hang), and
raises RuntimeError naming its pid and exit code. Workers ignore SIGINT: Ctrl-C reaches the main
process, whose KeyboardInterrupt unwinds the loop and shuts the workers down as above.
"""
import itertools
import math
import multiprocessing
import multiprocessing.connection
import multiprocessing.context
import os
import pickle
import signal
import socket
import time
import warnings
import weakref
from multiprocessing.reduction import ForkingPickler

import numpy as np

from ... import cuda
from ..._random import rng
from . import shared  # imports ember.multiprocessing, which registers the tensor reducers
from .collate import default_collate, default_convert
from .dataset import IterableDataset
from .fetch import IterableFetcher, MapFetcher
from .sampler import BatchSampler, RandomSampler, SequentialSampler, _InfiniteConstantSampler
from .worker import RESUME, ExceptionWrapper, IterationEnd, worker_loop

_SHUTDOWN_GRACE = 1.0  # seconds a busy worker gets to notice the shutdown before SIGTERM
_FROZEN = ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset", "persistent_workers")
_main_ends = weakref.WeakSet()  # main-process ends of every worker socket: NOTE [ Worker shutdown ]


def _close_main_ends():
    """In a forked child: close the copies of the main ends (NOTE [ Worker shutdown ])."""
    for sock in list(_main_ends):
        sock.close()


os.register_at_fork(after_in_child=_close_main_ends)


class DataLoader:
    """Batches (or samples) from a dataset, in order or shuffled, loaded by `num_workers` worker processes
    (0: in the main process). Differs from PyTorch: pin_memory is accepted and does nothing."""
    _initialized = False

    def __init__(self, dataset, batch_size: int | None = 1, shuffle: bool | None = None, sampler=None,
                 batch_sampler=None, num_workers: int = 0, collate_fn=None, pin_memory: bool = False,
                 drop_last: bool = False, timeout: float = 0, worker_init_fn=None, multiprocessing_context=None,
                 generator=None, *, prefetch_factor: int | None = None, persistent_workers: bool = False,
                 pin_memory_device: str = "", in_order: bool = True):
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to disable "
                             "multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in multiprocessing.let num_workers > 0 "
                             "to enable multiprocessing, otherwise set prefetch_factor to None.")
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        elif prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
        self.dataset, self.num_workers, self.prefetch_factor = dataset, num_workers, prefetch_factor
        self.pin_memory, self.pin_memory_device, self.timeout = pin_memory, pin_memory_device, timeout
        self.worker_init_fn, self.in_order, self.generator = worker_init_fn, in_order, generator
        self.multiprocessing_context = multiprocessing_context
        sampler, batch_sampler, batch_size, drop_last = _samplers(dataset, batch_size, shuffle, sampler,
                                                                   batch_sampler, drop_last, generator)
        self.sampler, self.batch_sampler = sampler, batch_sampler
        self.batch_size, self.drop_last = batch_size, drop_last
        self.collate_fn = collate_fn or (default_collate if batch_sampler is not None else default_convert)
        self.persistent_workers = persistent_workers
        self._IterableDataset_len_called = None
        self._iterator = None
        self._initialized = True
        self.check_worker_number_rationality()

    @property
    def multiprocessing_context(self):
        """The multiprocessing context workers start in (None: multiprocessing's default)."""
        return self._multiprocessing_context

    @multiprocessing_context.setter
    def multiprocessing_context(self, context):
        if context is not None:
            if self.num_workers == 0:
                raise ValueError(f"multiprocessing_context can only be used with multi-process loading "
                                 f"(num_workers > 0), but got num_workers={self.num_workers}")
            if isinstance(context, str):
                methods = multiprocessing.get_all_start_methods()
                if context not in methods:
                    raise ValueError(f"multiprocessing_context option should specify a valid start method in "
                                     f"{methods!r}, but got multiprocessing_context={context!r}")
                context = multiprocessing.get_context(context)
            if not isinstance(context, multiprocessing.context.BaseContext):
                raise TypeError(f"multiprocessing_context option should be a valid context object or a string "
                                f"specifying the start method, but got multiprocessing_context={context}")
        self._multiprocessing_context = context

    def __setattr__(self, attr, value):
        if self._initialized and attr in _FROZEN:
            raise ValueError(f"{attr} attribute should not be set after {type(self).__name__} is initialized")
        super().__setattr__(attr, value)

    def __iter__(self):
        if self.persistent_workers and self.num_workers > 0:
            if self._iterator is None or self._iterator._closed:
                self._iterator = self._get_iterator()
            else:
                self._iterator._reset(self)
            return self._iterator
        return self._get_iterator()

    def _get_iterator(self):
        if self.num_workers == 0:
            return _SingleProcessIter(self)
        return _MultiProcessIter(self)

    @property
    def _auto_collation(self) -> bool:
        return self.batch_sampler is not None

    @property
    def _index_sampler(self):
        return self.batch_sampler if self._auto_collation else self.sampler

    def __len__(self) -> int:
        if not isinstance(self.dataset, IterableDataset):
            return len(self._index_sampler)
        n = self._IterableDataset_len_called = len(self.dataset)
        if self.batch_size is not None:
            n = n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)
        return n

    def check_worker_number_rationality(self) -> None:
        """Warn when there are more workers than CPUs this process may use."""
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        if cpus and self.num_workers > cpus:
            warnings.warn(f"This DataLoader will create {self.num_workers} worker processes in total, but this "
                          f"system has {cpus} CPUs for this process: lower num_workers to avoid slowness.",
                          UserWarning, stacklevel=3)


def _samplers(dataset, batch_size, shuffle, sampler, batch_sampler, drop_last, generator):
    """(sampler, batch_sampler, batch_size, drop_last) from DataLoader's arguments, checked as PyTorch does."""
    if isinstance(dataset, IterableDataset):
        if shuffle not in (False, None):
            raise ValueError(f"DataLoader with IterableDataset: expected unspecified shuffle option, but got "
                             f"shuffle={shuffle}")
        if sampler is not None:
            raise ValueError(f"DataLoader with IterableDataset: expected unspecified sampler option, but got "
                             f"sampler={sampler}")
        if batch_sampler is not None:
            raise ValueError(f"DataLoader with IterableDataset: expected unspecified batch_sampler option, but "
                             f"got batch_sampler={batch_sampler}")
    shuffle = bool(shuffle)
    if sampler is not None and shuffle:
        raise ValueError("sampler option is mutually exclusive with shuffle")
    if batch_sampler is not None:
        if batch_size != 1 or shuffle or sampler is not None or drop_last:
            raise ValueError("batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and "
                             "drop_last")
        batch_size, drop_last = None, False
    elif batch_size is None and drop_last:
        raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive with drop_last")
    if sampler is None:
        if isinstance(dataset, IterableDataset):
            sampler = _InfiniteConstantSampler()
        else:
            sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
    if batch_size is not None and batch_sampler is None:
        batch_sampler = BatchSampler(sampler, batch_size, drop_last)
    return sampler, batch_sampler, batch_size, drop_last


class _BaseIter:
    """What both iterators share: the index stream, the base seed, and the IterableDataset length check."""

    def __init__(self, loader: DataLoader):
        self._dataset = loader.dataset
        self._iterable = isinstance(loader.dataset, IterableDataset)
        self._index_sampler = loader._index_sampler
        self._auto_collation, self._collate_fn = loader._auto_collation, loader.collate_fn
        self._drop_last, self._timeout, self._num_workers = loader.drop_last, loader.timeout, loader.num_workers
        self._base_seed = int(rng(loader.generator).integers(0, 2**63, dtype=np.int64))
        if loader.pin_memory:
            if not cuda.is_available():
                warnings.warn("'pin_memory' argument is set as true but no accelerator is found, then device "
                              "pinned memory won't be used.", stacklevel=3)
        self._closed = False
        self._reset(loader)

    def _reset(self, loader):
        self._sampler_iter = iter(self._index_sampler)
        self._num_yielded = 0
        self._len_called = loader._IterableDataset_len_called

    def _fetcher(self):
        kind = IterableFetcher if self._iterable else MapFetcher
        return kind(self._dataset, self._auto_collation, self._collate_fn, self._drop_last)

    def __iter__(self):
        return self

    def __len__(self) -> int:
        return len(self._index_sampler)

    def __next__(self):
        data = self._next_data()
        self._num_yielded += 1
        if self._iterable and self._len_called is not None and self._num_yielded > self._len_called:
            msg = (f"Length of IterableDataset {self._dataset} was reported to be {self._len_called} (when accessing "
                   f"len(dataloader)), but {self._num_yielded} samples have been fetched. ")
            if self._num_workers > 0:
                msg += ("For multiprocessing data-loading, this could be caused by not properly configuring the "
                        "IterableDataset replica at each worker: shard it with get_worker_info().")
            warnings.warn(msg, stacklevel=2)
        return data

    def __getstate__(self):
        raise NotImplementedError(f"{type(self).__name__} cannot be pickled")


class _SingleProcessIter(_BaseIter):
    """Fetch each batch in the main process."""

    def __init__(self, loader):
        super().__init__(loader)
        self._fetch = self._fetcher().fetch

    def _next_data(self):
        return self._fetch(next(self._sampler_iter))


class _SpawnRehearsal:
    """Stands in for the Popen of a process being started, so that pickling behaves as when a worker is
    started with 'spawn' or 'forkserver', minus passing descriptors."""

    def duplicate_for_child(self, fd):
        return fd

    def DupFd(self, fd):
        return None


class _Sink:
    def write(self, data):
        return len(data)


def _check_picklable(method: str, objects: dict) -> None:
    """Raise, naming the object and the fix, when a worker argument cannot be pickled for `method`."""
    multiprocessing.context.set_spawning_popen(_SpawnRehearsal())
    try:
        for name, obj in objects.items():
            try:
                ForkingPickler(_Sink(), pickle.HIGHEST_PROTOCOL).dump(obj)
            except Exception as e:
                msg = (f"DataLoader with multiprocessing_context={method!r} pickles its {name} to send it to each "
                       f"worker process, but {obj!r} cannot be pickled ({type(e).__name__}: {e}). Define it at "
                       f"module level (not as a lambda, a nested function or a class defined inside a function), "
                       f"or use multiprocessing_context='fork'.")
                try:
                    error = type(e)(msg)
                except Exception:
                    error = pickle.PicklingError(msg)
                raise error from e
    finally:
        multiprocessing.context.set_spawning_popen(None)


class _MultiProcessIter(_BaseIter):
    """Batches from worker processes: `prefetch_factor * num_workers` tasks in flight, yielded in order
    (or as they come with in_order=False)."""

    def __init__(self, loader):
        self._prefetch, self._in_order = loader.prefetch_factor, loader.in_order
        self._persistent = loader.persistent_workers
        context = loader.multiprocessing_context or multiprocessing.get_context()
        method = context.get_start_method()
        if method != "fork":
            extra = {"worker_init_fn": loader.worker_init_fn} if loader.worker_init_fn is not None else {}
            _check_picklable(method, {"dataset": loader.dataset, "collate_fn": loader.collate_fn, **extra})
        self._workers, self._socks, self._receivers = [], [], []
        self._finalizer = weakref.finalize(self, _shutdown_workers, self._workers, self._socks, os.getpid())
        self._owner, self._done = {}, {}
        super().__init__(loader)
        for i in range(self._num_workers):
            main_end, worker_end = socket.socketpair()
            _main_ends.add(main_end)
            self._socks.append(main_end)
            self._receivers.append(shared.BatchReceiver())
            process = context.Process(
                target=worker_loop, daemon=True,
                args=(worker_end, self._iterable, self._dataset, self._auto_collation, self._collate_fn,
                      self._drop_last, self._base_seed, loader.worker_init_fn, i, self._num_workers))
            try:
                process.start()
            finally:
                worker_end.close()
            self._workers.append(process)
        self._start_epoch(first=True)

    def _reset(self, loader):
        super()._reset(loader)
        if self._workers:
            self._start_epoch(first=False)

    def _start_epoch(self, first: bool):
        if not first:  # persistent workers: restart their iterators, drop what the last epoch left in flight
            for w in range(self._num_workers):
                self._send(w, RESUME, None)
            waiting = self._num_workers
            while waiting:
                waiting -= self._receive()[1][0] == RESUME
        self._owner.clear()  # task number -> worker, for tasks sent and not yet yielded, in task order
        self._done.clear()  # task number -> result received ahead of its turn
        self._next_task = 0
        self._active = [True] * self._num_workers
        self._load = [0] * self._num_workers
        self._cycle = itertools.cycle(range(self._num_workers))
        self._sampler_done = False
        for _ in range(self._prefetch * self._num_workers):
            self._put_task()

    def _put_task(self):
        """Send the next index to the next active worker in turn (with in_order=False, one with room)."""
        if self._sampler_done or not any(self._active):
            return
        room = self._prefetch * self._num_workers // sum(self._active)
        for _ in range(self._num_workers):
            w = next(self._cycle)
            if self._active[w] and (self._in_order or self._load[w] < room):
                break
        else:
            return
        try:
            index = next(self._sampler_iter)
        except StopIteration:
            self._sampler_done = True
            return
        self._send(w, self._next_task, index)
        self._owner[self._next_task] = w
        self._load[w] += 1
        self._next_task += 1

    def _next_data(self):
        while True:
            if not self._owner:
                if not self._persistent:
                    self._shutdown()
                raise StopIteration
            if self._in_order:
                first = next(iter(self._owner))
                if first in self._done:
                    return self._deliver(first)
            elif self._done:
                return self._deliver(next(iter(self._done)))
            w, (idx, data) = self._receive()
            if isinstance(data, IterationEnd):
                self._active[w] = False
                del self._owner[idx]
                self._load[w] -= 1
            else:
                self._done[idx] = data

    def _deliver(self, idx):
        data = self._done.pop(idx)
        self._load[self._owner.pop(idx)] -= 1
        self._put_task()
        if isinstance(data, ExceptionWrapper):
            data.reraise()
        return data

    def _send(self, w, task, index):
        """Send a task to worker w, handing back the blocks of its batches that are gone."""
        try:
            shared.send_plain(self._socks[w], (task, index, self._receivers[w].take_released()))
        except OSError:
            self._raise_dead(w)
        except BaseException:  # e.g. KeyboardInterrupt in the middle of a message
            self._shutdown()
            raise

    def _receive(self):
        """(worker, message) of the next message from any worker; RuntimeError when a worker died or
        `timeout` passed."""
        sentinels = {p.sentinel: w for w, p in enumerate(self._workers)}
        try:
            while True:
                ready = multiprocessing.connection.wait(list(self._socks) + list(sentinels),
                                                        timeout=self._timeout or None)
                if not ready:
                    self._shutdown()
                    raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds")
                for obj in ready:  # data first: a worker may have sent batches before it died
                    if isinstance(obj, socket.socket):
                        w = self._socks.index(obj)
                        try:
                            return w, self._receivers[w].receive(obj)
                        except (EOFError, ConnectionError):  # the worker's end closed: it died
                            self._raise_dead(w)
                for obj in ready:
                    self._raise_dead(sentinels[obj])
        except BaseException:  # a KeyboardInterrupt may have cut a message: this iterator cannot go on
            self._shutdown()
            raise

    def _raise_dead(self, w):
        process = self._workers[w]
        process.join(5)
        code = process.exitcode
        self._shutdown()
        if code is not None and code < 0:
            name = signal.Signals(-code).name
            hint = _SIGNAL_HINTS.get(name, "")
            raise RuntimeError(f"DataLoader worker {w} (pid {process.pid}) exited unexpectedly: killed by signal "
                               f"{name} (exit code {code}){hint}")
        raise RuntimeError(f"DataLoader worker {w} (pid {process.pid}) exited unexpectedly with exit code {code}")

    def _shutdown(self):
        self._closed = True
        self._owner.clear()
        self._done.clear()
        self._finalizer()


_SIGNAL_HINTS = {
    "SIGKILL": ". The out-of-memory killer sends SIGKILL: check how much memory the dataset and the batches "
               "you keep use.",
    "SIGSEGV": ". The worker crashed in native code (a C extension used by the dataset or its transforms).",
    "SIGBUS": ". The worker touched memory that is gone, often a memory-mapped file that shrank.",
}


def _shutdown_workers(workers: list, socks: list, owner_pid: int) -> None:
    """Stop the workers of one iterator: NOTE [ Worker shutdown ]."""
    if os.getpid() != owner_pid:  # a forked copy of the iterator: these are not our children
        return
    for sock in socks:
        sock.close()
    deadline = time.monotonic() + _SHUTDOWN_GRACE
    for p in workers:
        p.join(max(0.0, deadline - time.monotonic()))
    for p in workers:
        if p.is_alive():
            p.terminate()
    for p in workers:
        p.join(1.0)
        if p.is_alive():
            p.kill()
            p.join()
