"""DistributedDataParallel: one replica of a module per rank of an ember.distributed job, kept equal by averaging
the gradients over the ranks in bucketed all-reduces that start while backward still runs (NOTE [ DDP ])."""
import warnings
import weakref
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

from ..._device import device
from ..._tensor import Tensor, wrap
from ..._tree import flatten, tensors_in, unflatten
from ...autograd.function import Function
from ...autograd.grad_mode import is_grad_enabled, no_grad
from ...autograd.graph import AccumulateGrad
from ...backend import array_module
from ..modules.module import Module
from ..parameter import UninitializedParameter

# NOTE [ DDP ]
# At construction rank 0's parameters and buffers are broadcast to every rank, one flat message per dtype. The
# parameters that need a gradient are split into buckets: in reverse order (the last layers' gradients come first
# in backward), by dtype and device, the first bucket closed at 1 MiB and the others at bucket_cap_mb (25 MiB).
# Each bucket is one flat buffer. A post-accumulate-grad hook on every parameter copies its gradient, divided by
# the world size, into its bucket's buffer and marks it ready; a bucket whose parameters are all ready starts an
# asynchronous all-reduce (SUM), and buckets start strictly in order, so every rank runs the same collectives in
# the same order. The hook that starts the last bucket waits for all of them and copies the averages back into
# each `param.grad` (with gradient_as_bucket_view, `param.grad` becomes a view of the buffer instead).
#
# A forward with grad enabled (outside no_sync) arms the hooks for one backward. A parameter that gets no
# gradient leaves its bucket unfinished: the next forward raises PyTorch's "Expected to have finished reduction"
# error naming it. With find_unused_parameters=True the forward's outputs pass through a _DDPSink node; its
# backward runs before any parameter's, sees which outputs the loss reached, walks the graph from them, and marks
# every parameter it does not reach as ready with its current gradient (zeros if None). After the reduction a
# used-parameter map is all-reduced too: a parameter no rank used keeps its `.grad` untouched (None stays None),
# and one that another rank used gets the average. Usage also counts in no_sync passes, as in PyTorch.

_MB = 1024 * 1024
_DEFAULT_BUCKET_CAP_MB = 25
_DEFAULT_FIRST_BUCKET_BYTES = 1024 * 1024
_BROADCAST_BUCKET_BYTES = 250 * _MB

_UNFINISHED = (
    "Expected to have finished reduction in the prior iteration before starting a new one. This error indicates "
    "that your module has parameters that were not used in producing loss. ")
_UNFINISHED_HINT = (
    "You can enable unused parameter detection by passing the keyword argument `find_unused_parameters=True` to "
    "`ember.nn.parallel.DistributedDataParallel`, and by \nmaking sure all `forward` function outputs participate "
    "in calculating loss. \n")
_UNFINISHED_HINT_FIND_UNUSED = (
    "Since `find_unused_parameters=True` is enabled, this likely  means that not all `forward` outputs participate "
    "in computing loss. You can fix this by making sure all `forward` function outputs participate in calculating "
    "loss. \n")
_UNFINISHED_TAIL = (
    "If you already have done the above, then the distributed data parallel module wasn't able to locate the "
    "output tensors in the return value of your module's `forward` function. Please include the loss function and "
    "the structure of the return value of `forward` of your module when reporting this issue (e.g. list, dict, "
    "iterable).\n")


def _dist():
    from ... import distributed  # layer: the distributed edge, imported on use
    return distributed


# ---- the outputs of forward --------------------------------------------------------------------------------
def _replace_tensors(obj, replacement: dict):
    """`obj` (nested lists, tuples, namedtuples and dicts) with each tensor whose id is in `replacement`
    replaced by its value there."""
    leaves, spec = flatten(obj)
    return unflatten([replacement.get(id(leaf), leaf) if isinstance(leaf, Tensor) else leaf for leaf in leaves], spec)


def _to_device(obj, device):
    """`obj` with every tensor moved to `device`."""
    tensors = tensors_in(obj)
    return _replace_tensors(obj, {id(t): t.to(device) for t in tensors}) if tensors else obj


class _DDPSink(Function):
    """Identity over the forward's outputs; its backward, the first step of backward, tells the reducer which
    outputs the loss reached so that it can mark the parameters they do not lead to (find_unused_parameters)."""

    @staticmethod
    def forward(ctx, reducer_ref, *outputs):
        ctx.set_materialize_grads(False)
        ctx.reducer_ref = reducer_ref
        return outputs

    @staticmethod
    def backward(ctx, *grads):
        reducer = ctx.reducer_ref()
        if reducer is not None:
            reducer.mark_unused([edge for edge, g in zip(ctx.next_functions, grads) if g is not None])
        return (None, *grads)


# ---- flat messages -----------------------------------------------------------------------------------------
def _coalesced_groups(tensors: list, limit: int) -> list[list]:
    """`tensors` split into runs of one dtype and device, each run at most `limit` bytes (or one tensor)."""
    by_kind: dict = {}
    for t in tensors:
        by_kind.setdefault((t._data.dtype, t.device), []).append(t)
    runs = []
    for group in by_kind.values():
        run, size = [], 0
        for t in group:
            if run and size + t._data.nbytes > limit:
                runs.append(run)
                run, size = [], 0
            run.append(t)
            size += t._data.nbytes
        runs.append(run)
    return runs


def _broadcast_coalesced(tensors: list, process_group, src: int = 0, count_change: bool = True) -> None:
    """Copy group rank `src`'s `tensors` to every rank, one flat broadcast per dtype (and per 250 MiB);
    `count_change=False` leaves the tensors' version counters as they are (PyTorch's buffer sync)."""
    dist = _dist()
    me = dist.get_rank(process_group)
    for run in _coalesced_groups([t for t in tensors if t._data.size], _BROADCAST_BUCKET_BYTES):
        xp = array_module(run[0]._data)
        if me == src:
            flat = xp.concatenate([t._data.reshape(-1) for t in run])
        else:
            flat = xp.empty(sum(t._data.size for t in run), run[0]._data.dtype)
        dist.broadcast(wrap(flat), group=process_group, group_src=src)
        if me == src:
            continue
        offset = 0
        for t in run:
            n = t._data.size
            t._data[...] = flat[offset:offset + n].reshape(t._data.shape)
            offset += n
            if count_change:
                t._vc[0] += 1


def _verify_param_shapes(process_group, params: list) -> None:
    """Raise unless every rank holds parameters of the same number, shapes and dtypes."""
    dist = _dist()
    mine = [(tuple(p.shape), str(p.dtype)) for p in params]
    everyone = [None] * dist.get_world_size(process_group)
    dist.all_gather_object(everyone, mine, group=process_group)
    for rank, theirs in enumerate(everyone):
        if len(theirs) != len(mine):
            raise RuntimeError(f"DDP expects same model across all ranks, but Rank {dist.get_rank(process_group)} "
                               f"has {len(mine)} params, while rank {rank} has inconsistent {len(theirs)} params.")
        for i, (a, b) in enumerate(zip(mine, theirs)):
            if a != b:
                raise RuntimeError(f"DDP expects same model across all ranks, but parameter {i} has shape "
                                   f"{list(a[0])} and dtype {a[1]} on rank {dist.get_rank(process_group)} and "
                                   f"shape {list(b[0])} and dtype {b[1]} on rank {rank}.")


# ---- buckets -----------------------------------------------------------------------------------------------
def _bucket_assignment(params: list, limits: list[int]) -> list[list[int]]:
    """The parameter indices of each bucket: parameters in reverse order, one open bucket per dtype and device,
    closed once it holds `limits[k]` bytes (its k-th bucket; the last limit for the rest)."""
    open_buckets: dict = {}
    buckets = []
    for i in reversed(range(len(params))):
        p = params[i]
        key = (p._data.dtype, p.device)
        indices, size, k = open_buckets.get(key, ([], 0, 0))
        indices.append(i)
        size += p._data.nbytes
        if size >= limits[min(k, len(limits) - 1)]:
            buckets.append(indices)
            open_buckets[key] = ([], 0, k + 1)
        else:
            open_buckets[key] = (indices, size, k)
    buckets.extend(indices for indices, _, _ in open_buckets.values() if indices)
    buckets.sort(key=lambda indices: -indices[0])  # in the order their first gradient arrives
    return buckets


class _Bucket:
    """Parameters whose gradients are all-reduced together through one flat buffer."""

    def __init__(self, params: list, indices: list[int]):
        self.indices = indices
        first = params[indices[0]]._data
        xp = array_module(first)
        self.buffer = wrap(xp.zeros(sum(params[i]._data.size for i in indices), first.dtype))
        self.views = {}  # parameter index -> the parameter-shaped view of its part of the buffer
        offset = 0
        for i in indices:
            a = params[i]._data
            self.views[i] = self.buffer._data[offset:offset + a.size].reshape(a.shape)
            offset += a.size
        self.pending = len(indices)
        self.work = None


def _hook(reducer_ref, index: int):
    def ready(param):
        reducer = reducer_ref()
        if reducer is not None:
            reducer.autograd_hook(index)
    return ready


class Reducer:
    """Bucketed gradient averaging for DistributedDataParallel (NOTE [ DDP ])."""

    def __init__(self, params: list, names: list[str], bucket_indices: list[list[int]], process_group,
                 find_unused_parameters: bool, gradient_as_bucket_view: bool):
        dist = _dist()
        self.params, self.names, self.process_group = params, names, process_group
        self.rank = dist.get_rank(process_group)
        self.world_size = dist.get_world_size(process_group)
        self.find_unused_parameters = find_unused_parameters
        self.gradient_as_bucket_view = gradient_as_bucket_view
        self.buckets = [_Bucket(params, indices) for indices in bucket_indices]
        self.bucket_of = [0] * len(params)
        for b, bucket in enumerate(self.buckets):
            for i in bucket.indices:
                self.bucket_of[i] = b
        self.grad_views = {}  # gradient_as_bucket_view: parameter index -> its grad Tensor over the buffer
        self.expect_hooks = False  # armed by a forward that will be followed by a synchronised backward
        self.require_finalize = False  # a parameter was marked ready and the reduction has not finished yet
        self.marked_unused = False
        self.ready = [False] * len(params)
        self.next_bucket = 0
        self.local_used = np.zeros(len(params), np.int32) if find_unused_parameters else None  # host: flags
        ref = weakref.ref(self)
        self.handles = [p.register_post_accumulate_grad_hook(_hook(ref, i)) for i, p in enumerate(params)]

    def remove_hooks(self) -> None:
        """Detach the reducer from the parameters."""
        for handle in self.handles:
            handle.remove()
        self.handles = []

    # -- one iteration ---------------------------------------------------------------------------------------
    def ensure_prior_reduction_finished(self) -> None:
        """Raise PyTorch's RuntimeError if the previous backward left some parameter without a gradient."""
        if not self.require_finalize:
            return
        missing = [i for i, done in enumerate(self.ready) if not done]
        hint = _UNFINISHED_HINT_FIND_UNUSED if self.find_unused_parameters else _UNFINISHED_HINT
        raise RuntimeError(
            _UNFINISHED + hint + _UNFINISHED_TAIL
            + f"Parameter indices which did not receive grad for rank {self.rank}: {' '.join(map(str, missing))}\n"
            + f"Parameters which did not receive grad for rank {self.rank}: "
            + ", ".join(self.names[i] for i in missing))

    def prepare_for_backward(self) -> None:
        """Arm the hooks for the backward of the forward that just ran."""
        self.expect_hooks = True
        self.require_finalize = False
        self.marked_unused = False
        self.ready = [False] * len(self.params)
        self.next_bucket = 0
        for bucket in self.buckets:
            bucket.pending = len(bucket.indices)
            bucket.work = None

    def autograd_hook(self, index: int) -> None:
        """Parameter `index` has its gradient for this backward."""
        if self.local_used is not None:
            self.local_used[index] = 1
        if self.expect_hooks:
            self.mark_ready(index)

    def mark_unused(self, edges: list) -> None:
        """Mark ready every parameter that the graph behind `edges` (the outputs the loss reached) does not lead to."""
        if not self.expect_hooks or self.marked_unused:
            return
        self.marked_unused = True
        reached = set()
        seen = set()
        stack = [node for node, _ in edges if node is not None]
        while stack:
            node = stack.pop()
            if node in seen:
                continue
            seen.add(node)
            if node.__class__ is AccumulateGrad:
                reached.add(id(node.variable))
                continue
            stack.extend(nxt for nxt, _ in node.next_functions if nxt is not None)
        for i, p in enumerate(self.params):
            if not self.ready[i] and id(p) not in reached and self.expect_hooks:
                self.mark_ready(i)

    def mark_ready(self, index: int) -> None:
        """Copy parameter `index`'s gradient (divided by the world size) into its bucket; start the buckets that
        are complete, in order; finish the reduction after the last one."""
        if self.ready[index]:
            raise RuntimeError(
                "Expected to mark a variable ready only once. This error is caused by one of the following reasons: "
                "1) Use of a module parameter outside the `forward` function. Please make sure model parameters are "
                "not shared across multiple concurrent forward-backward passes. 2) Reused parameters in multiple "
                "reentrant backward passes, or several backward passes through one forward's graph before the "
                f"reduction finished.\nParameter at index {index} ({self.names[index]}) has been marked as ready "
                "twice. This means that multiple autograd engine hooks have fired for this particular parameter "
                "during this iteration.")
        self.ready[index] = True
        self.require_finalize = True
        bucket = self.buckets[self.bucket_of[index]]
        view = bucket.views[index]
        grad = self.params[index]._grad
        xp = array_module(view)
        scale = 1.0 / self.world_size
        if grad is None:
            view.fill(0)
        elif grad is self.grad_views.get(index):
            xp.multiply(view, scale, out=view)
        else:
            xp.multiply(grad._data, scale, out=view)
        bucket.pending -= 1
        if bucket.pending == 0:
            self.launch_ready_buckets()

    def launch_ready_buckets(self) -> None:
        """Start the all-reduce of each complete bucket after the last one started; finish after the last."""
        dist = _dist()
        while self.next_bucket < len(self.buckets) and self.buckets[self.next_bucket].pending == 0:
            bucket = self.buckets[self.next_bucket]
            bucket.work = dist.all_reduce(bucket.buffer, group=self.process_group, async_op=True)
            self.next_bucket += 1
        for bucket in self.buckets[:self.next_bucket]:
            bucket.work.is_completed()  # testing drives MPI's progress while backward goes on
        if self.next_bucket == len(self.buckets):
            self.finalize()

    def finalize(self) -> None:
        """Wait for every bucket and write the averaged gradients back into `param.grad`."""
        dist = _dist()
        used = None
        if self.local_used is not None:  # on the parameters' device: an NCCL group reduces only CUDA tensors
            flags = wrap(array_module(self.buckets[0].buffer._data).array(self.local_used))  # a copy
            dist.all_reduce(flags, op=dist.ReduceOp.MAX, group=self.process_group)
            used = flags._data.get() if flags._data.__class__ is not np.ndarray else flags._data
            self.local_used.fill(0)
        self.expect_hooks = False
        for bucket in self.buckets:
            bucket.work.wait()
            bucket.work = None
            for i in bucket.indices:
                if used is not None and not used[i]:
                    continue  # no rank used it: its grad stays as it is, as in PyTorch
                self._write_back(i, bucket.views[i])
        self.require_finalize = False

    def _write_back(self, index: int, view) -> None:
        p = self.params[index]
        grad = p._grad
        if self.gradient_as_bucket_view:
            mine = self.grad_views.get(index)
            if mine is None:
                mine = self.grad_views[index] = wrap(view)
            if grad is not mine:
                p._grad = mine
            mine._vc[0] += 1
        elif grad is None:
            p._grad = wrap(view.copy())
        else:
            grad._data[...] = view
            grad._vc[0] += 1


class DistributedDataParallel(Module):
    """Data parallelism over the ranks of an ember.distributed process group: wraps `module` as `.module`,
    broadcasts rank 0's parameters and buffers at construction and averages the gradients over the ranks in
    bucketed all-reduces during backward (NOTE [ DDP ] in ember/nn/parallel/distributed.py).

    Differs from PyTorch: buckets keep the reverse parameter order (PyTorch rebuilds them in the order the first
    backward produced gradients); static_graph=True works as find_unused_parameters=True; join(),
    register_comm_hook(), mixed_precision, device_mesh and delayed all-reduces are not supported."""

    def __init__(self, module: Module, device_ids=None, output_device=None, dim: int = 0,
                 broadcast_buffers: bool | None = None, init_sync: bool = True, process_group=None,
                 bucket_cap_mb: float | None = None, find_unused_parameters: bool = False,
                 check_reduction: bool = False, gradient_as_bucket_view: bool = False, static_graph: bool = False,
                 delay_all_reduce_named_params=None, param_to_hook_all_reduce=None, mixed_precision=None,
                 device_mesh=None, skip_all_reduce_unused_params: bool = False,
                 bucket_cap_mb_list: list[int] | None = None, batched_grad_copy: bool = False,
                 forward_sync_buffers: bool | None = None):
        super().__init__()
        dist = _dist()
        for name, value in (("delay_all_reduce_named_params", delay_all_reduce_named_params),
                            ("param_to_hook_all_reduce", param_to_hook_all_reduce),
                            ("mixed_precision", mixed_precision), ("device_mesh", device_mesh)):
            if value is not None:
                raise NotImplementedError(f"DistributedDataParallel: ember does not support {name}")
        self.process_group = dist.group.WORLD if process_group is None else process_group
        if self.process_group is None:
            dist.get_world_size()  # raises PyTorch's error: the default group is not initialized
        self.parameters_to_ignore = set(getattr(module, "_ddp_params_and_buffers_to_ignore", ()))
        self._module_parameters = [p for n, p in module.named_parameters() if n not in self.parameters_to_ignore]
        if not any(p.requires_grad for p in self._module_parameters):
            raise RuntimeError("DistributedDataParallel is not needed when a module doesn't have any parameter "
                               "that requires a gradient.")
        if device_ids is not None and len(device_ids) > 1:
            raise ValueError("device_ids can only be None or contain a single element.")
        devices = {p.device for p in self._module_parameters}
        device_types = {d.type for d in devices}
        if len(device_types) != 1:
            raise ValueError("DistributedDataParallel's input module must be on the same type of devices, but "
                             f"input module parameters locate in {device_types}.")
        self.device_type = next(iter(device_types))
        self.is_multi_device_module = len(devices) > 1
        if not device_ids or self.device_type == "cpu" or self.is_multi_device_module:
            if device_ids or output_device:
                raise ValueError(
                    "DistributedDataParallel device_ids and output_device arguments only work with "
                    "single-device/multiple-device GPU modules or CPU modules, but got device_ids "
                    f"{device_ids}, output_device {output_device}, and module parameters {devices}.")
            self.device_ids = None
            self.output_device = None
        else:
            self.device_ids = [_device_index(d) for d in device_ids]
            self.output_device = _device_index(device_ids[0] if output_device is None else output_device)
        self.static_graph = False
        self.dim = dim
        self.module = module
        self.device = next(iter(self._module_parameters)).device
        if broadcast_buffers is not None:
            warnings.warn(
                "Both `broadcast_buffers` and `forward_sync_buffers` were specified. `broadcast_buffers` is "
                "deprecated and its value is ignored when `forward_sync_buffers` is provided."
                if forward_sync_buffers is not None else
                "`broadcast_buffers` is deprecated. Use `forward_sync_buffers` instead. IMPORTANT: unlike "
                "`broadcast_buffers=False`, `forward_sync_buffers=False` still syncs buffers at init. If you rely "
                "on buffers NOT being synced at init (e.g. rank-local buffers), keep using "
                "`broadcast_buffers=False` until `init_sync_buffers` is available.", FutureWarning, stacklevel=2)
        if forward_sync_buffers is not None:
            self.forward_sync_buffers = forward_sync_buffers
            init_sync_buffers = True
        else:
            self.forward_sync_buffers = init_sync_buffers = True if broadcast_buffers is None else broadcast_buffers
        self.find_unused_parameters = find_unused_parameters
        self.require_backward_grad_sync = True
        self.require_forward_param_sync = True
        self.gradient_as_bucket_view = gradient_as_bucket_view
        self.batched_grad_copy = batched_grad_copy
        self.skip_all_reduce_unused_params = skip_all_reduce_unused_params
        self.mixed_precision = None
        if check_reduction:
            warnings.warn("The `check_reduction` argument in `DistributedDataParallel` module is deprecated. "
                          "Please avoid using it.", FutureWarning, stacklevel=2)
        if any(isinstance(p, UninitializedParameter) for p in self._module_parameters):
            raise RuntimeError("Modules with uninitialized parameters can't be used with `DistributedDataParallel`. "
                               "Run a dummy forward pass to correctly initialize the modules")
        self.broadcast_bucket_size = _BROADCAST_BUCKET_BYTES
        cap_mb = _DEFAULT_BUCKET_CAP_MB if bucket_cap_mb is None else bucket_cap_mb
        if bucket_cap_mb_list:
            limits = [int(mb * _MB) for mb in bucket_cap_mb_list]
            cap_mb = max(bucket_cap_mb_list)
        else:
            limits = [int(cap_mb * _MB)]
            if bucket_cap_mb is None:
                limits.insert(0, _DEFAULT_FIRST_BUCKET_BYTES)
        self.bucket_bytes_cap = int(cap_mb * _MB)

        self._bucket_limits = limits
        if init_sync:
            _verify_param_shapes(self.process_group, self._build_params_for_reducer()[1])
            self._sync_module_states(init_sync_buffers)
        self.reducer = self._make_reducer()
        if static_graph:
            self._set_static_graph()

    def _make_reducer(self) -> Reducer:
        names, params = self._build_params_for_reducer()
        return Reducer(params, names, _bucket_assignment(params, self._bucket_limits), self.process_group,
                       self.find_unused_parameters or self.static_graph, self.gradient_as_bucket_view)

    def __getstate__(self) -> dict:
        """The state to pickle or deep-copy: everything but the process group and the reducer, as in PyTorch."""
        state = dict(self.__dict__)
        state.pop("process_group", None)
        state.pop("reducer", None)
        return state

    def __setstate__(self, state: dict) -> None:
        """Restore a pickled or copied DDP on the default process group, with a fresh reducer (no broadcast)."""
        super().__setstate__(state)
        self.process_group = _dist().group.WORLD
        self.reducer = self._make_reducer()

    def _build_params_for_reducer(self) -> tuple[list[str], list]:
        """The names and parameters that need a gradient, each shared parameter once."""
        names, params, seen = [], [], set()
        for name, p in self.module.named_parameters(remove_duplicate=False):
            if p.requires_grad and name not in self.parameters_to_ignore and id(p) not in seen:
                seen.add(id(p))
                names.append(name)
                params.append(p)
        return names, params

    def _module_buffers(self) -> list:
        return [b for name, b in self.module.named_buffers() if name not in self.parameters_to_ignore]

    def _sync_module_states(self, buffers: bool) -> None:
        """Broadcast rank 0's parameters (and buffers) to every rank."""
        tensors = list(self._module_parameters)
        if buffers:
            tensors += self._module_buffers()
        with no_grad():
            _broadcast_coalesced(tensors, self.process_group)

    def _set_static_graph(self) -> None:
        """Declare the graph the same in every iteration (ember then finds unused parameters in every one)."""
        self.static_graph = True
        if self.reducer.local_used is None:
            self.reducer.find_unused_parameters = True
            self.reducer.local_used = np.zeros(len(self.reducer.params), np.int32)  # host: flags

    @property
    def broadcast_buffers(self) -> bool:
        """Whether buffers are broadcast from rank 0 at every forward (the deprecated name of forward_sync_buffers)."""
        return self.forward_sync_buffers

    @broadcast_buffers.setter
    def broadcast_buffers(self, value: bool) -> None:
        self.forward_sync_buffers = value

    @property
    def modules_buffers(self) -> list:
        """The buffers synchronised at each forward."""
        return self._module_buffers()

    def will_sync_module_buffers(self) -> bool:
        """Whether the next forward broadcasts the buffers from rank 0."""
        return self.require_forward_param_sync and self.forward_sync_buffers and len(self._module_buffers()) > 0

    @contextmanager
    def no_sync(self) -> Iterator[None]:
        """Within this context backward accumulates gradients locally, without communication; the first
        synchronised backward after it averages the accumulated gradients. The forward must run inside it."""
        old = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = old

    def forward(self, *inputs, **kwargs):
        """Run the module, synchronising buffers before and arming the gradient reduction after."""
        grad_enabled = is_grad_enabled()
        if grad_enabled:
            self.reducer.ensure_prior_reduction_finished()
        if self.will_sync_module_buffers():
            with no_grad():
                _broadcast_coalesced(self._module_buffers(), self.process_group, count_change=False)
        if self.device_ids:
            target = device(self.device_type, self.device_ids[0])
            inputs, kwargs = _to_device(inputs, target), _to_device(kwargs, target)
        output = self.module(*inputs, **kwargs)
        if grad_enabled and self.require_backward_grad_sync:
            self.require_forward_param_sync = True
            self.reducer.prepare_for_backward()
        else:
            self.require_forward_param_sync = False
        if self.reducer.find_unused_parameters:
            output = self._through_sink(output)
        return output

    def _through_sink(self, output):
        tensors = [t for t in tensors_in(output) if t.requires_grad]
        if not tensors:
            return output
        sunk = _DDPSink.apply(weakref.ref(self.reducer), *tensors)
        return _replace_tensors(output, {id(t): s for t, s in zip(tensors, sunk)})

    def join(self, divide_by_initial_world_size: bool = True, enable: bool = True,
             throw_on_early_termination: bool = False) -> None:
        """Not supported: ember's DDP needs the same number of inputs on every rank."""
        raise NotImplementedError("DistributedDataParallel.join (uneven inputs) is not supported by ember: give every "
                                  "rank the same number of batches (DistributedSampler(drop_last=True) does)")

    def register_comm_hook(self, state: object, hook) -> None:
        """Not supported: ember's DDP always averages gradients with all_reduce."""
        raise NotImplementedError("DistributedDataParallel.register_comm_hook is not supported by ember: gradients "
                                  "are always averaged with all_reduce")


def _device_index(d) -> int:
    """The index of a CUDA device given as an int, a string or a device."""
    if isinstance(d, int):
        return d
    index = device(d).index
    return 0 if index is None else index
