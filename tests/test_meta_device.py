"""The meta device: tensors with a shape and a dtype and no data (NOTE [ Meta tensors ] in ember/backend/meta.py).

Parity with PyTorch for its two recipes that use it: "Tips for loading an nn.Module from a checkpoint" (build on
meta, then load_state_dict(assign=True) or to_empty) and "Reasoning about shapes in PyTorch" (run a model on meta
inputs to learn its output shapes). The parity tests take `torch` from a fixture, so that they alone skip where
PyTorch is not installed.
"""
import tracemalloc
import warnings

import numpy as np
import pytest

import ember


@pytest.fixture
def torch():
    """PyTorch, the oracle (the test skips without it)."""
    from parity import torch
    return torch


def _described(t):
    """What a meta result shows: shape, dtype, device, is_meta (each tensor of a tuple)."""
    if isinstance(t, (tuple, list)):
        return tuple(_described(x) for x in t)
    return tuple(t.shape), str(t.dtype).split(".")[-1], t.device.type, t.is_meta


def _outcome(fn, lib):
    """fn(lib) described, or the type and message of what it raised (with PyTorch's name as ember's)."""
    try:
        return _described(fn(lib))
    except Exception as error:  # noqa: BLE001 (the exception is the result compared)
        return type(error).__name__, str(error).replace("torch", "ember")


# ---- devices and factories -------------------------------------------------------------------------------------
def test_meta_device_parses_and_prints_as_torch(torch):
    for lib in (torch, ember):
        d = lib.device("meta")
        assert (repr(d), str(d), d.type, d.index) == ("device(type='meta')", "meta", "meta", None)
        assert repr(lib.device("meta:0")) == "device(type='meta', index=0)"
        assert lib.device("meta") == lib.device("meta") and hash(lib.device("meta")) == hash(lib.device("meta"))
    with pytest.raises(RuntimeError, match="Expected one of cpu, cuda, meta"):
        ember.device("mcu")


FACTORIES = {
    "empty": lambda lib: lib.empty(2, 3, device="meta"),
    "empty_size": lambda lib: lib.empty((4,), device=lib.device("meta"), dtype=lib.float64),
    "zeros": lambda lib: lib.zeros(2, 3, device="meta"),
    "ones_int": lambda lib: lib.ones(3, dtype=lib.int8, device="meta"),
    "full": lambda lib: lib.full((2, 2), 7, device="meta"),
    "randn": lambda lib: lib.randn(2, 3, device="meta"),
    "rand": lambda lib: lib.rand(2, 3, 10, 10, device="meta"),
    "randint": lambda lib: lib.randint(0, 5, (3, 4), device="meta"),
    "randperm": lambda lib: lib.randperm(6, device="meta"),
    "arange": lambda lib: lib.arange(2, 10, 3, device="meta"),
    "arange_float": lambda lib: lib.arange(0, 1, 0.25, device="meta"),
    "linspace": lambda lib: lib.linspace(0, 1, 7, device="meta"),
    "eye": lambda lib: lib.eye(3, 4, device="meta"),
    "tensor": lambda lib: lib.tensor([[1, 2]], device="meta"),
    "empty_like": lambda lib: lib.empty_like(lib.empty(2, 5, device="meta")),
    "zeros_like_cpu": lambda lib: lib.zeros_like(lib.ones(2), device="meta"),
    "rand_like": lambda lib: lib.rand_like(lib.empty(3, device="meta", dtype=lib.float64)),
    "new_empty": lambda lib: lib.empty(3, device="meta").new_empty((2, 2)),
    "new_zeros": lambda lib: lib.empty(3, device="meta", dtype=lib.int32).new_zeros(4),
    "new_tensor": lambda lib: lib.empty(3, device="meta").new_tensor([1, 2]),
    "to_meta": lambda lib: lib.ones(2, 3).to("meta"),
    "to_meta_dtype": lambda lib: lib.ones(2).to("meta", lib.float16),
    "in_context": lambda lib: _in_meta_context(lib, lambda: lib.randn(4, 3)),
    "bfloat16": lambda lib: lib.empty(2, dtype=lib.bfloat16, device="meta"),
    "zero_size": lambda lib: lib.empty(0, 3, device="meta"),
    "scalar": lambda lib: lib.empty((), device="meta"),
}


def _in_meta_context(lib, make):
    with lib.device("meta"):
        return make()


@pytest.mark.parametrize("name", FACTORIES)
def test_factories_make_meta_tensors_as_torch(torch, name):
    assert _outcome(FACTORIES[name], ember) == _outcome(FACTORIES[name], torch)


def test_tensor_attributes_as_torch(torch):
    def attributes(lib):
        t = lib.empty(2, 3, device="meta")
        return (repr(t.device), t.is_meta, t.is_cpu, t.is_cuda, t.get_device(), t.data_ptr(), t.nbytes,
                t.element_size(), t.numel(), t.dim(), t.stride(), t.is_contiguous(), t.type(), len(t),
                lib.ones(2).is_meta, t.to("meta") is t, t.clone().is_meta, t.detach().is_meta)
    assert attributes(ember) == tuple(str(x).replace("torch", "ember") if isinstance(x, str) else x
                                      for x in attributes(torch))


def test_the_default_device_can_be_meta(torch):
    for lib in (torch, ember):
        with lib.device("meta"):
            assert lib.empty(2).is_meta and lib.tensor([1.0]).is_meta
        assert not lib.empty(2).is_meta
        lib.set_default_device("meta")
        try:
            assert lib.zeros(3).is_meta and lib.get_default_device() == lib.device("meta")
        finally:
            lib.set_default_device(None)
        assert not lib.zeros(3).is_meta


# ---- printing --------------------------------------------------------------------------------------------------
PRINTED = {
    "float": lambda lib: lib.empty(2, 3, device="meta"),
    "int64": lambda lib: lib.arange(5, device="meta"),
    "float64_grad": lambda lib: lib.empty(2, 3, device="meta", dtype=lib.float64, requires_grad=True),
    "scalar": lambda lib: lib.empty((), device="meta"),
    "zero_size": lambda lib: lib.empty(0, 3, device="meta"),
    "bfloat16": lambda lib: lib.empty(2, dtype=lib.bfloat16, device="meta"),
    "grad_fn": lambda lib: lib.nn.Conv2d(3, 5, 2, device="meta")(lib.rand(2, 3, 10, 10, device="meta")),
    "parameter": lambda lib: lib.nn.Linear(2, 3, device="meta").weight,
    "bias": lambda lib: lib.nn.Linear(2, 3, device="meta").bias,
    "long_line": lambda lib: lib.empty(20000, 30000, 4, device="meta", dtype=lib.float64, requires_grad=True),
    "f_string": lambda lib: f"{lib.empty((), device='meta')}",
}


@pytest.mark.parametrize("name", PRINTED)
def test_meta_tensors_print_as_torch(torch, name):
    assert str(PRINTED[name](ember)) == str(PRINTED[name](torch)).replace("torch.", "ember.")


# ---- what needs values raises as in PyTorch -----------------------------------------------------------------------
REFUSED = {
    "item": lambda lib: lib.empty(2, 3, device="meta").item(),
    "item_one": lambda lib: lib.empty((), device="meta").item(),
    "float": lambda lib: float(lib.empty((), device="meta")),
    "int": lambda lib: int(lib.empty((), device="meta", dtype=lib.int64)),
    "bool": lambda lib: bool(lib.empty((), device="meta")),
    "tolist": lambda lib: lib.empty(2, device="meta").tolist(),
    "numpy": lambda lib: lib.empty(2, device="meta").numpy(),
    "cpu": lambda lib: lib.empty(2, device="meta").cpu(),
    "to_cpu": lambda lib: lib.empty(2, device="meta").to("cpu"),
    "copy_out": lambda lib: lib.ones(2).copy_(lib.empty(2, device="meta")),
    "module_to_cpu": lambda lib: lib.nn.Linear(2, 3, device="meta").to("cpu"),
    "meta_plus_cpu": lambda lib: lib.empty(2, 3, device="meta") + lib.ones(2, 3),
    "meta_eq_cpu": lambda lib: lib.empty(2, 3, device="meta") == lib.ones(2, 3),
    "cat_meta_cpu": lambda lib: lib.cat([lib.empty(2, 3, device="meta"), lib.ones(2, 3)]),
    "cpu_layer_meta_input": lambda lib: lib.nn.Linear(3, 2)(lib.empty(4, 3, device="meta")),
    "nonzero": lambda lib: lib.empty(2, 3, device="meta").nonzero(),
    "mask": lambda lib: (lambda m: m[m > 0])(lib.empty(2, 3, device="meta")),
    "masked_select": lambda lib: (lambda m: m.masked_select(m > 0))(lib.empty(2, 3, device="meta")),
    "one_hot_inferred": lambda lib: lib.nn.functional.one_hot(lib.zeros(3, dtype=lib.int64, device="meta")),
    "repeat_interleave": lambda lib: lib.empty(3, device="meta").repeat_interleave(
        lib.ones(3, dtype=lib.int64, device="meta")),
    "allclose": lambda lib: lib.allclose(lib.empty(2, device="meta"), lib.empty(2, device="meta")),
}


@pytest.mark.parametrize("name", REFUSED)
def test_reading_values_raises_as_torch(torch, name):
    e_error, t_error = _outcome(REFUSED[name], ember), _outcome(REFUSED[name], torch)
    assert e_error[0] == t_error[0], (e_error, t_error)
    if name not in ("nonzero", "mask", "masked_select"):  # PyTorch's messages name its dispatcher
        assert e_error == t_error


ALLOWED = {
    "cpu_scalar": lambda lib: lib.empty(2, 3, device="meta") + lib.tensor(2.0),
    "scalar_first": lambda lib: lib.tensor(2, dtype=lib.int32) * lib.empty(2, device="meta", dtype=lib.int64),
    "copy_in": lambda lib: lib.empty(2, 3, device="meta").copy_(lib.ones(2, 3)),
    "index_meta": lambda lib: lib.empty(5, 3, device="meta")[lib.zeros(2, dtype=lib.int64, device="meta")],
    "index_cpu": lambda lib: lib.empty(5, 3, device="meta")[lib.tensor([0, 4])],
    "masked_fill": lambda lib: (lambda m: m.masked_fill(m > 0, 1.0))(lib.empty(2, 3, device="meta")),
    "repeat_interleave_sized": lambda lib: lib.empty(3, device="meta").repeat_interleave(
        lib.ones(3, dtype=lib.int64, device="meta"), output_size=5),
    "inplace": lambda lib: lib.empty(3, 4, device="meta").add_(1).relu_().mul_(lib.empty(4, device="meta")),
    "expand_inplace_target": lambda lib: lib.zeros(3, 1, device="meta").expand(3, 4) * 2,
    "view_as_complex": lambda lib: lib.view_as_complex(lib.empty(3, 2, device="meta")),
    "load_map_location": lambda lib: lib.ones(2, 3).to("meta", lib.float64),
}


@pytest.mark.parametrize("name", ALLOWED)
def test_allowed_mixtures_and_writes_as_torch(torch, name):
    assert _outcome(ALLOWED[name], ember) == _outcome(ALLOWED[name], torch)


# ---- ops give meta results of the right shape and dtype ------------------------------------------------------------
def _m(lib, *shape, dtype=None):
    return lib.empty(*shape, device="meta", dtype=dtype)


def _index(lib, *shape):
    return lib.zeros(*shape, dtype=lib.int64, device="meta")


OPS = {
    "add": lambda lib: _m(lib, 4, 1) + _m(lib, 5),
    "int_plus_float": lambda lib: _m(lib, 4, dtype=lib.int64) + 1.5,
    "int_true_divide": lambda lib: _m(lib, 3, dtype=lib.int32) / 2,
    "half_times_float_scalar": lambda lib: _m(lib, 3, dtype=lib.float16) * _m(lib, (), dtype=lib.float32),
    "comparison": lambda lib: _m(lib, 4, 5) > 0,
    "where": lambda lib: lib.where(_m(lib, 4, 5) > 0, _m(lib, 5), 0.0),
    "mm": lambda lib: _m(lib, 4, 5) @ _m(lib, 5, 6),
    "matmul_batched": lambda lib: _m(lib, 7, 2, 3, 4) @ _m(lib, 4, 5),
    "matvec": lambda lib: _m(lib, 3, 4) @ _m(lib, 4),
    "bmm": lambda lib: lib.bmm(_m(lib, 2, 3, 4), _m(lib, 2, 4, 5)),
    "einsum": lambda lib: lib.einsum("bij,bjk->bik", _m(lib, 2, 3, 4), _m(lib, 2, 4, 5)),
    "linear": lambda lib: lib.nn.functional.linear(_m(lib, 3, 5), _m(lib, 6, 5), _m(lib, 6)),
    "conv1d": lambda lib: lib.nn.functional.conv1d(_m(lib, 2, 3, 10), _m(lib, 4, 3, 3), padding=1),
    "conv2d_strided": lambda lib: lib.nn.functional.conv2d(_m(lib, 2, 3, 8, 8), _m(lib, 6, 3, 3, 3), stride=2,
                                                           padding=1),
    "conv2d_groups": lambda lib: lib.nn.functional.conv2d(_m(lib, 2, 4, 8, 8), _m(lib, 4, 1, 3, 3), groups=4),
    "conv3d": lambda lib: lib.nn.functional.conv3d(_m(lib, 1, 2, 5, 5, 5), _m(lib, 3, 2, 3, 3, 3)),
    "conv_transpose2d": lambda lib: lib.nn.functional.conv_transpose2d(_m(lib, 2, 3, 8, 8), _m(lib, 3, 4, 3, 3),
                                                                       stride=2),
    "max_pool2d": lambda lib: lib.nn.functional.max_pool2d(_m(lib, 2, 3, 8, 8), 2),
    "max_pool2d_indices": lambda lib: lib.nn.functional.max_pool2d(_m(lib, 2, 3, 8, 8), 3, 2, 1,
                                                                   return_indices=True),
    "avg_pool2d": lambda lib: lib.nn.functional.avg_pool2d(_m(lib, 2, 3, 8, 8), 3, 2, 1),
    "adaptive_avg_pool2d": lambda lib: lib.nn.functional.adaptive_avg_pool2d(_m(lib, 2, 3, 8, 8), (3, 5)),
    "reshape": lambda lib: _m(lib, 2, 3, 8, 8).reshape(2, -1),
    "view": lambda lib: _m(lib, 2, 3, 4).view(6, 4),
    "permute": lambda lib: _m(lib, 2, 3, 4, 5).permute(0, 2, 3, 1).contiguous(),
    "transpose": lambda lib: _m(lib, 2, 3, 4).transpose(1, 2),
    "flatten": lambda lib: lib.flatten(_m(lib, 2, 3, 4, 5), 1),
    "squeeze_unsqueeze": lambda lib: _m(lib, 2, 1, 3).squeeze().unsqueeze(0),
    "expand": lambda lib: _m(lib, 1, 3).expand(4, 3),
    "cat": lambda lib: lib.cat([_m(lib, 4, 5), _m(lib, 4, 2)], 1),
    "stack": lambda lib: lib.stack([_m(lib, 4, 5), _m(lib, 4, 5)]),
    "split": lambda lib: _m(lib, 5, 2).split(2),
    "chunk": lambda lib: _m(lib, 4, 6).chunk(3, 1),
    "slice": lambda lib: _m(lib, 4, 6)[1:, ::2],
    "index_list": lambda lib: _m(lib, 4, 6)[:, [0, 2]],
    "sum": lambda lib: _m(lib, 4, 5).sum(),
    "sum_int": lambda lib: _m(lib, 4, dtype=lib.int32).sum(),
    "sum_dim": lambda lib: _m(lib, 4, 5).sum(1, keepdim=True),
    "mean": lambda lib: _m(lib, 2, 3, 4, 4).mean((2, 3)),
    "max": lambda lib: _m(lib, 4, 5).max(1),
    "argmax": lambda lib: _m(lib, 4, 5).argmax(),
    "var": lambda lib: _m(lib, 4, 5).var(1),
    "norm": lambda lib: _m(lib, 4, 5).norm(),
    "logsumexp": lambda lib: _m(lib, 4, 5).logsumexp(1),
    "cumsum": lambda lib: _m(lib, 4, 5).cumsum(1),
    "all": lambda lib: (_m(lib, 4, 5) > 0).all(1),
    "softmax": lambda lib: lib.softmax(_m(lib, 4, 5), -1),
    "log_softmax": lambda lib: lib.nn.functional.log_softmax(_m(lib, 4, 5), 1),
    "layer_norm": lambda lib: lib.nn.functional.layer_norm(_m(lib, 4, 5), (5,)),
    "batch_norm_eval": lambda lib: lib.nn.functional.batch_norm(_m(lib, 2, 3, 4, 4), _m(lib, 3), _m(lib, 3),
                                                                _m(lib, 3), _m(lib, 3), training=False),
    "batch_norm_train": lambda lib: lib.nn.functional.batch_norm(_m(lib, 2, 3, 4, 4), _m(lib, 3), _m(lib, 3),
                                                                 training=True),
    "group_norm": lambda lib: lib.nn.functional.group_norm(_m(lib, 2, 4, 5), 2),
    "dropout": lambda lib: lib.nn.functional.dropout(_m(lib, 4, 5), 0.5),
    "embedding": lambda lib: lib.nn.functional.embedding(_index(lib, 4, 3), _m(lib, 10, 7)),
    "gather": lambda lib: _m(lib, 4, 5).gather(1, _index(lib, 4, 2)),
    "index_select": lambda lib: _m(lib, 4, 5).index_select(0, _index(lib, 3)),
    "scatter": lambda lib: _m(lib, 4, 5).scatter(1, _index(lib, 4, 2), 1.0),
    "topk": lambda lib: _m(lib, 4, 5).topk(2),
    "sort": lambda lib: _m(lib, 4, 5).sort(1),
    "interpolate": lambda lib: lib.nn.functional.interpolate(_m(lib, 2, 3, 4, 4), size=(5, 7), mode="bilinear"),
    "pad": lambda lib: lib.nn.functional.pad(_m(lib, 2, 3, 4, 4), (1, 2, 3, 4)),
    "unfold": lambda lib: lib.nn.functional.unfold(_m(lib, 2, 3, 8, 8), 3),
    "attention": lambda lib: lib.nn.functional.scaled_dot_product_attention(_m(lib, 2, 4, 6, 8), _m(lib, 2, 4, 6, 8),
                                                                            _m(lib, 2, 4, 6, 8), is_causal=True),
    "cross_entropy": lambda lib: lib.nn.functional.cross_entropy(_m(lib, 4, 10), _index(lib, 4)),
    "mse_loss": lambda lib: lib.nn.functional.mse_loss(_m(lib, 4, 5), _m(lib, 4, 5)),
    "one_hot": lambda lib: lib.nn.functional.one_hot(_index(lib, 3), 4),
    "tril": lambda lib: _m(lib, 4, 5).tril(),
    "roll_flip": lambda lib: _m(lib, 4, 5).roll(1, 0).flip(1),
    "repeat": lambda lib: _m(lib, 4, 5).repeat(2, 1),
    "to_half": lambda lib: _m(lib, 4, 5).half(),
    "multinomial": lambda lib: lib.multinomial(_m(lib, 3, 4), 2),
    "normal_": lambda lib: _m(lib, 3).normal_(),
    "bernoulli": lambda lib: lib.bernoulli(_m(lib, 3)),
}


@pytest.mark.parametrize("name", OPS)
def test_ops_give_meta_results_as_torch(torch, name):
    assert _outcome(OPS[name], ember) == _outcome(OPS[name], torch)


# ---- recipe: reasoning about shapes --------------------------------------------------------------------------------
def _cifar_net(lib):
    nn, F = lib.nn, lib.nn.functional

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 6, 5)
            self.pool = nn.MaxPool2d(2, 2)
            self.conv2 = nn.Conv2d(6, 16, 5)
            self.fc1 = nn.Linear(16 * 5 * 5, 120)
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)

        def forward(self, x):
            x = self.pool(F.relu(self.conv1(x)))
            x = self.pool(F.relu(self.conv2(x)))
            x = lib.flatten(x, 1)
            x = F.relu(self.fc1(x))
            x = F.relu(self.fc2(x))
            return self.fc3(x)
    return Net()


def _reasoning_about_shapes(lib):
    """The recipe's prints: a meta convolution, then a forward hook on each layer of a net built on meta."""
    printed = []
    t = lib.rand(2, 3, 10, 10, device="meta")
    conv = lib.nn.Conv2d(3, 5, 2, device="meta")
    printed.append(str(conv(t)))

    def fw_hook(module, input, output):
        printed.append(f"Shape of output to {module} is {output.shape}.")

    with lib.device("meta"):
        net = _cifar_net(lib)
        inp = lib.randn((1024, 3, 32, 32))
    for _, layer in net.named_modules():
        layer.register_forward_hook(fw_hook)
    out = net(inp)
    printed.append(str(out))
    return [line.replace("torch", "ember") for line in printed]


def test_reasoning_about_shapes_recipe_prints_as_torch(torch):
    assert _reasoning_about_shapes(ember) == _reasoning_about_shapes(torch)


def _small_cnn(lib):
    nn = lib.nn
    return nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(inplace=True), nn.MaxPool2d(2),
                         nn.Conv2d(8, 16, 3, stride=2), nn.BatchNorm2d(16), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
                         nn.Flatten(), nn.Dropout(0.5), nn.Linear(16, 10), nn.LogSoftmax(dim=1))


MODELS = {
    "cnn": (_small_cnn, lambda lib: lib.randn(4, 3, 16, 16)),
    "transformer_encoder_layer": (lambda lib: lib.nn.TransformerEncoderLayer(32, 4, 64, batch_first=True),
                                  lambda lib: lib.randn(3, 7, 32)),
    "transformer": (lambda lib: lib.nn.Transformer(16, 2, 1, 1, 32, batch_first=True),
                    lambda lib: (lib.randn(2, 5, 16), lib.randn(2, 4, 16))),
    "lstm": (lambda lib: lib.nn.LSTM(4, 6, 2, batch_first=True), lambda lib: lib.randn(2, 5, 4)),
    "embedding_mlp": (lambda lib: lib.nn.Sequential(lib.nn.Embedding(50, 16), lib.nn.LayerNorm(16), lib.nn.GELU(),
                                                    lib.nn.Linear(16, 5)),
                      lambda lib: lib.zeros(2, 9, dtype=lib.int64)),
}


def _meta_forward(lib, name, train):
    build, make_input = MODELS[name]
    with lib.device("meta"):
        model = build(lib).train(train)
        x = make_input(lib)
    out = model(*x) if isinstance(x, tuple) else model(x)
    out = out[0] if isinstance(out, tuple) else out
    result = [_described(out), out.grad_fn is not None]
    if train:
        out.float().sum().backward()
        result.append([(n, _described(p.grad)) for n, p in model.named_parameters()])
    return result


@pytest.mark.parametrize("train", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("name", MODELS)
def test_meta_forward_and_backward_of_models_as_torch(torch, name, train):
    assert _meta_forward(ember, name, train) == _meta_forward(torch, name, train)


# ---- recipe: loading a module from a checkpoint --------------------------------------------------------------------
def _some_module(lib, size=100):
    nn = lib.nn

    class SomeModule(nn.Module):
        def __init__(self, size):
            super().__init__()
            self.linears = nn.ModuleList([nn.Linear(size, size) for _ in range(3)])
            self.norm = nn.BatchNorm1d(size)

        def forward(self, x):
            for linear in self.linears:
                x = linear(x)
            return self.norm(x)
    return SomeModule(size)


def _load_with_assign(lib, path):
    """The recipe: save a state dict, load it with mmap, build the module on meta, load with assign=True."""
    m = _some_module(lib)
    m.linears[1].bias.requires_grad_(False)
    lib.save(m.state_dict(), path)
    state_dict = lib.load(path, mmap=True, weights_only=True)
    with lib.device("meta"):
        new_m = _some_module(lib)
    new_m.linears[1].bias.requires_grad_(False)
    before = [(n, _described(t)) for n, t in new_m.state_dict().items()]
    result = new_m.load_state_dict(state_dict, assign=True)
    loaded = new_m.state_dict()
    same = all(lib.equal(loaded[k], v) for k, v in m.state_dict().items())
    shared = all(p.data_ptr() == state_dict[n].data_ptr() for n, p in new_m.named_parameters())
    params = [(n, type(p).__name__, p.requires_grad, p.device.type) for n, p in new_m.named_parameters()]
    buffers = [(n, type(b).__name__, b.device.type) for n, b in new_m.named_buffers()]
    out = new_m(lib.ones(2, 100))
    return before, repr(result), same, shared, params, buffers, _described(out)


def test_load_state_dict_assign_onto_a_meta_module_as_torch(torch, tmp_path):
    e, t = _load_with_assign(ember, tmp_path / "e.pt"), _load_with_assign(torch, tmp_path / "t.pt")
    assert e == t
    assert e[2] and e[3]  # the checkpoint's values, in the loaded (mapped) tensors themselves


def _assign_keeps_parameters(lib):
    """assign=True with Parameters in the state dict (keep_vars=True): the objects themselves, with the module's
    requires_grad."""
    source = lib.nn.Linear(2, 3)
    source.weight.requires_grad_(False)
    state = source.state_dict(keep_vars=True)
    with lib.device("meta"):
        target = lib.nn.Linear(2, 3)
    target.load_state_dict(state, assign=True)
    return (target.weight is source.weight, target.weight.requires_grad, target.bias is source.bias,
            type(target.weight).__name__)


def test_assign_takes_the_state_dicts_parameters_as_torch(torch):
    assert _assign_keeps_parameters(ember) == _assign_keeps_parameters(torch)


def _to_empty_then_load(lib, path):
    m = _some_module(lib)
    lib.save(m.state_dict(), path)
    with lib.device("meta"):
        new_m = _some_module(lib)
    weight = new_m.linears[0].weight
    new_m.to_empty(device="cpu")
    moved = [(n, type(p).__name__, p.requires_grad, _described(p)) for n, p in new_m.named_parameters()]
    new_m.load_state_dict(lib.load(path, weights_only=True))
    same = all(lib.equal(new_m.state_dict()[k], v) for k, v in m.state_dict().items())
    return moved, same, new_m.linears[0].weight is weight


def test_to_empty_then_load_as_torch(torch, tmp_path):
    e, t = _to_empty_then_load(ember, tmp_path / "e.pt"), _to_empty_then_load(torch, tmp_path / "t.pt")
    assert e[:2] == t[:2] and e[1]
    assert e[2]  # ember keeps the Parameter objects (PyTorch makes new ones for a move off meta)


def _copy_into_meta_warns(lib):
    with lib.device("meta"):
        m = lib.nn.Linear(2, 3)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        m.load_state_dict(lib.nn.Linear(2, 3).state_dict())
    return [str(w.message) for w in caught], m.weight.is_meta


def test_loading_into_meta_without_assign_warns_as_torch(torch):
    assert _copy_into_meta_warns(ember) == _copy_into_meta_warns(torch)


def test_loading_a_checkpoint_onto_meta_as_torch(torch, tmp_path):
    def load(lib, path):
        lib.save(lib.nn.Linear(3, 2).state_dict(), path)
        return {k: _described(v) for k, v in lib.load(path, map_location="meta", weights_only=True).items()}
    assert load(ember, tmp_path / "e.pt") == load(torch, tmp_path / "t.pt")


INITS = ["uniform_", "normal_", "constant_", "ones_", "zeros_", "eye_", "dirac_", "xavier_uniform_", "xavier_normal_",
         "kaiming_uniform_", "kaiming_normal_", "trunc_normal_", "orthogonal_", "sparse_"]


@pytest.mark.parametrize("name", INITS)
def test_init_functions_do_nothing_to_meta_tensors_as_torch(torch, name):
    def run(lib):
        shape = (4, 2, 3) if name == "dirac_" else (4, 3)
        t = lib.empty(*shape, device="meta")
        args = {"constant_": (0.5,), "sparse_": (0.5,)}.get(name, ())
        r = getattr(lib.nn.init, name)(t, *args)
        return r is t, _described(t)
    assert run(ember) == run(torch)


def test_skip_init_and_lazy_modules_on_meta_as_torch(torch):
    def run(lib):
        skipped = lib.nn.utils.skip_init(lib.nn.Linear, 3, 4, device="meta")
        lazy = lib.nn.LazyLinear(3, device="meta")
        out = lazy(lib.empty(2, 5, device="meta"))
        return _described(skipped.weight), _described(lazy.weight), _described(out)
    assert run(ember) == run(torch)


# ---- ember's own promises ------------------------------------------------------------------------------------------
def test_a_huge_meta_linear_is_instant_and_allocates_nothing():
    """Instant because nothing is allocated, drawn or computed: a CPU Linear of this size would hold 10 GB and take
    minutes to initialize. (No wall-clock assertion: those fail on loaded machines; the memory says it.)"""
    tracemalloc.start()
    try:
        layer = ember.nn.Linear(50000, 50000, device="meta")
        with ember.device("meta"):
            second = ember.nn.Linear(50000, 50000)
            x = ember.randn(64, 50000)
        y = second(layer(x))
        y.sum().backward()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert tuple(y.shape) == (64, 50000) and y.is_meta and layer.weight.grad.is_meta
    assert peak < 1 << 20, f"{peak} bytes allocated for meta tensors of 2.5e9 elements"


def test_a_meta_forward_of_a_big_model_allocates_nothing():
    with ember.device("meta"):
        model = ember.nn.Sequential(ember.nn.Conv2d(3, 64, 7, 2, 3), ember.nn.BatchNorm2d(64), ember.nn.ReLU(True),
                                    ember.nn.MaxPool2d(3, 2, 1), ember.nn.Conv2d(64, 64, 3, padding=1),
                                    ember.nn.Dropout(), ember.nn.AdaptiveAvgPool2d(1), ember.nn.Flatten(),
                                    ember.nn.Linear(64, 1000))
        encoder = ember.nn.TransformerEncoderLayer(1024, 16, 4096, batch_first=True)
        images, tokens = ember.randn(256, 3, 224, 224), ember.randn(32, 1024, 1024)
    tracemalloc.start()
    try:
        (model(images).sum() + encoder(tokens).sum()).backward()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 << 20, f"{peak} bytes allocated by a meta forward and backward"


def test_meta_factories_draw_nothing_from_the_generator():
    ember.manual_seed(0)
    state = ember.get_rng_state()
    ember.randn(1000, 1000, device="meta")
    ember.rand(3, device="meta").uniform_().normal_()
    ember.nn.Linear(100, 100, device="meta")
    ember.nn.functional.dropout(ember.empty(100, device="meta"))
    assert ember.equal(ember.get_rng_state(), state)


def test_meta_tensors_deepcopy_and_pickle():
    import copy
    import pickle
    module = ember.nn.Linear(2, 3, device="meta")
    copied = copy.deepcopy(module)
    assert copied.weight.is_meta and copied.weight is not module.weight and copied.weight.shape == (3, 2)
    array = ember.empty(4, 5, device="meta")._data
    restored = pickle.loads(pickle.dumps(array))
    assert type(restored) is type(array) and restored.shape == (4, 5) and restored.dtype == np.float32


def test_saving_a_meta_tensor_says_there_is_no_data(tmp_path):
    with pytest.raises(NotImplementedError, match="Cannot copy out of meta tensor; no data!"):
        ember.save(ember.nn.Linear(2, 3, device="meta").state_dict(), tmp_path / "m.pt")
