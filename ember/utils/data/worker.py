"""The DataLoader worker process: its loop, `get_worker_info()`, per-worker seeding and error wrapping."""
import functools
import pickle
import queue
import random
import signal
import sys
import threading
import traceback
from dataclasses import dataclass

import numpy as np

from ..._random import manual_seed
from ..._settings import set_num_threads
from . import shared
from .fetch import IterableFetcher, MapFetcher

RESUME = -1  # task number of the message that starts a new epoch on persistent workers


@dataclass(frozen=True, slots=True)
class WorkerInfo:
    """What a DataLoader worker process knows about itself: id, num_workers, seed and its copy of the dataset."""
    id: int
    num_workers: int
    seed: int
    dataset: object
    rng: object = None
    worker_method: str = "multiprocessing"


_worker_info = [None]


def get_worker_info() -> WorkerInfo | None:
    """In a DataLoader worker process, its WorkerInfo (use it to shard an IterableDataset); None elsewhere."""
    return _worker_info[0]


class IterationEnd:
    """A worker's answer once its IterableDataset is exhausted."""

    def __init__(self, worker_id: int):
        self.worker_id = worker_id


class KeyErrorMessage(str):
    """A str whose repr is itself, so a re-raised KeyError shows its traceback text readably."""

    def __repr__(self):
        return self


class ExceptionWrapper:
    """The exception being handled, as its type and traceback text, to re-raise in another process."""

    def __init__(self, where: str):
        exc_type, exc, tb = sys.exc_info()
        self.type_name = exc_type.__name__
        self.text = "".join(traceback.format_exception(exc_type, exc, tb))
        self.where = where
        try:
            pickle.dumps(exc_type)
            self.exc_type = exc_type
        except Exception:  # a class defined inside a function: the main process could not find it
            self.exc_type = None

    def reraise(self):
        """Raise the exception here, with the original traceback in its message (RuntimeError when the
        original type cannot be rebuilt)."""
        raise self._rebuilt()  # not kept in a local: the traceback would hold it and the loader in a cycle

    def _rebuilt(self) -> BaseException:
        msg = f"Caught {self.type_name} {self.where}.\nOriginal {self.text}"
        if self.exc_type is KeyError:
            msg = KeyErrorMessage(msg)
        try:
            return (self.exc_type or RuntimeError)(msg)
        except Exception:
            return RuntimeError(msg)


def seed_worker(base_seed: int, worker_id: int) -> int:
    """Seed ember, `random` and NumPy's global generator in a worker, as PyTorch does; returns ember's seed."""
    seed = base_seed + worker_id
    random.seed(seed)
    manual_seed(seed)
    np.random.seed(np.random.SeedSequence([worker_id, base_seed]).generate_state(4))
    return seed


def _read_tasks(sock, tasks):
    """Move the main process's tasks into `tasks`, then None when it closes the socket."""
    try:
        while True:
            tasks.put(shared.receive_plain(sock))
    except Exception:  # EOFError, or the socket closed under us
        tasks.put(None)


def worker_loop(sock, iterable: bool, dataset, auto_collation: bool, collate_fn, drop_last: bool,
                base_seed: int, init_fn, worker_id: int, num_workers: int) -> None:
    """Answer the main process's tasks with batches until it closes the socket (NOTE [ Worker shutdown ])."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the main process, which shuts us down
    set_num_threads(1)  # as PyTorch's workers: they and the training process would fight over the cores
    seed = seed_worker(base_seed, worker_id)
    _worker_info[0] = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed, dataset=dataset)
    where = f"in DataLoader worker process {worker_id}"
    tasks = queue.SimpleQueue()
    threading.Thread(target=_read_tasks, args=(sock, tasks), daemon=True).start()
    make_fetcher = functools.partial(IterableFetcher if iterable else MapFetcher, dataset, auto_collation,
                                     collate_fn, drop_last)
    try:
        if init_fn is not None:
            init_fn(worker_id)
        init_failure = None
    except Exception:
        init_failure = ExceptionWrapper(where)
    fetcher, failure = _new_fetcher(make_fetcher, where) if init_failure is None else (None, init_failure)
    pool = shared.BlockPool()
    while (task := tasks.get()) is not None:
        idx, index, released = task
        pool.release(released)
        arena = shared.Arena(pool)
        if idx == RESUME:  # a new epoch: an IterableDataset starts over
            if iterable and init_failure is None:
                fetcher, failure = _new_fetcher(make_fetcher, where)
            result = None
        else:
            result = failure if failure is not None else _fetch(fetcher, index, where, worker_id, arena)
        try:
            message = shared.pack((idx, result), arena)
        except Exception:  # the batch cannot be pickled
            message = shared.pack((idx, ExceptionWrapper(where + " while sending its batch")), shared.Arena(pool))
        del result, arena
        try:
            shared.send_packed(sock, message)
        except OSError:  # the main process has gone: NOTE [ Worker shutdown ]
            break
        del message
    sock.close()


def _new_fetcher(make_fetcher, where):
    """(a fetcher, None), or (None, what went wrong) when making it raised (IterableDataset.__iter__ may)."""
    try:
        return make_fetcher(), None
    except Exception:
        return None, ExceptionWrapper(where)


def _fetch(fetcher, index, where, worker_id, arena):
    """The batch for `index`, collated into `arena`, or what went wrong."""
    try:
        with shared.collating(arena):
            return fetcher.fetch(index)
    except Exception as e:
        if isinstance(e, StopIteration) and isinstance(fetcher, IterableFetcher):
            return IterationEnd(worker_id)
        return ExceptionWrapper(where)
