"""RNN, LSTM, GRU and their cells against torch: outputs, final states and the gradients of the input, the
initial states and every parameter, for each subset of them requiring grad; packed input; errors."""
import contextlib
import copy

import numpy as np
import pytest
from module_parity import copy_state
from parity import assert_same, assert_same_grad, check, grad_subsets, randn, torch

import ember
from ember.backend import compiled as backend_compiled
from ember.backend import lstm_kernels
from ember.ops import recurrent


def _tensors(out):
    """The tensors of a layer's result (nested tuples, PackedSequence fields), in order."""
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in _tensors(o)]
    return [] if out is None else [out]


def _pack(lib, x, packing):
    if packing is None:
        return x
    lengths, enforce_sorted = packing
    return lib.nn.utils.rnn.pack_padded_sequence(x, lengths, enforce_sorted=enforce_sorted)


def check_rnn(name, args, kwargs=None, x=None, states=(), packing=None, subsets=True, train=False):
    """Build nn.<name> in both libraries with torch's weights (float64) and compare repr, state_dict keys,
    the results of module(x, states) and the gradients of x, the states and every parameter, for each
    subset of them requiring grad (all, each alone, none; only all with subsets=False). `packing`
    = (lengths, enforce_sorted) packs x first."""
    kwargs = kwargs or {}
    t_ref = getattr(torch.nn, name)(*args, **kwargs)
    e_mod = getattr(ember.nn, name)(*args, **kwargs)
    assert repr(e_mod) == repr(t_ref)
    assert list(e_mod.state_dict()) == list(t_ref.state_dict())
    t_ref.double()
    members = [("input", i) for i in range(1 + len(states))] + [("parameter", k) for k, _ in t_ref.named_parameters()]
    for subset in grad_subsets(range(len(members))) if subsets else [tuple(range(len(members)))]:
        wanted = {members[i] for i in subset}
        try:
            _check_once(name, args, kwargs, [x] + list(states), packing, t_ref, wanted, train)
        except AssertionError as err:
            raise AssertionError(f"with {sorted(wanted)} requiring grad: {err}") from None


def _call(lib, module, inputs, packing, lstm):
    x = _pack(lib, inputs[0], packing)
    states = inputs[1:]
    if not states:
        return module(x)
    return module(x, tuple(states) if lstm or len(states) > 1 else states[0])


def _check_once(name, args, kwargs, arrays, packing, t_ref, wanted, train):
    t_mod = copy.deepcopy(t_ref)
    e_mod = getattr(ember.nn, name)(*args, **kwargs).double()
    copy_state(t_mod, e_mod)
    for mod in (t_mod, e_mod):
        mod.train(train)
        for k, p in mod.named_parameters():
            p.requires_grad_(("parameter", k) in wanted)
    t_in = [torch.tensor(a.copy(), requires_grad=("input", i) in wanted) for i, a in enumerate(arrays)]
    e_in = [ember.tensor(a.copy(), requires_grad=("input", i) in wanted) for i, a in enumerate(arrays)]
    lstm = name.startswith("LSTM")
    t_out = _tensors(_call(torch, t_mod, t_in, packing, lstm))
    e_out = _tensors(_call(ember, e_mod, e_in, packing, lstm))
    assert_same(e_out, t_out, check_grad_fn=False, atol=1e-12, rtol=1e-10)
    t_float = [t for t in t_out if t.requires_grad]
    if not t_float:
        return
    rng = np.random.default_rng(1)
    weights = [rng.standard_normal(tuple(t.shape)) for t in t_float]
    sum((t * torch.tensor(w)).sum() for t, w in zip(t_float, weights)).backward()
    sum((e * ember.tensor(w)).sum() for e, w in zip([e for e in e_out if e.requires_grad], weights)).backward()
    for i, (e, t) in enumerate(zip(e_in, t_in)):
        assert_same_grad(e.grad, t.grad, f"grad of input {i}", signed_zeros=True)
    for (k, tp), (_, ep) in zip(t_mod.named_parameters(), e_mod.named_parameters()):
        assert_same_grad(ep.grad, tp.grad, f"grad of {k}", signed_zeros=True)


T, B, IN, H = 5, 3, 4, 6
X = randn(T, B, IN)


def _states(name, layers, hidden=H, batch=B, proj=0):
    h = randn(layers, batch, proj or hidden, seed=1)
    return (h, randn(layers, batch, hidden, seed=2)) if name == "LSTM" else (h,)


@pytest.mark.parametrize("name,kwargs", [
    ("RNN", {}), ("RNN", {"nonlinearity": "relu"}), ("LSTM", {}), ("GRU", {}), ("LSTM", {"proj_size": 3}),
    ("RNN", {"bias": False}), ("GRU", {"bias": False}), ("LSTM", {"bias": False})])
@pytest.mark.parametrize("given", [False, True])
def test_single_layer(name, kwargs, given):
    states = _states(name, 1, proj=kwargs.get("proj_size", 0)) if given else ()
    check_rnn(name, (IN, H), kwargs, X, states)


@pytest.mark.parametrize("name,kwargs", [
    ("RNN", {"num_layers": 2, "bidirectional": True, "nonlinearity": "relu"}),
    ("LSTM", {"num_layers": 2, "bidirectional": True}),
    ("LSTM", {"num_layers": 2, "bidirectional": True, "proj_size": 2, "batch_first": True}),
    ("GRU", {"num_layers": 2, "bidirectional": True, "batch_first": True}),
    ("GRU", {"num_layers": 2}), ("RNN", {"bidirectional": True, "bias": False})])
def test_stacked_and_bidirectional(name, kwargs):
    layers = kwargs.get("num_layers", 1) * (2 if kwargs.get("bidirectional") else 1)
    x = X.transpose(1, 0, 2).copy() if kwargs.get("batch_first") else X
    states = _states(name, layers, proj=kwargs.get("proj_size", 0))
    check_rnn(name, (IN, H), kwargs, x, states, subsets=False)
    check_rnn(name, (IN, H), kwargs, x, subsets=False)


@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
def test_unbatched(name):
    check_rnn(name, (IN, H), {"bidirectional": True}, X[:, 0], [s[:, 0] for s in _states(name, 2)], subsets=False)
    check_rnn(name, (IN, H), {"num_layers": 2}, X[:, 0], subsets=False)


@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("lengths,enforce_sorted", [([5, 3, 2], True), ([2, 5, 3], False), ([3, 5, 3], False)])
def test_packed(name, lengths, enforce_sorted):
    packing = (lengths, enforce_sorted)
    kwargs = {"bidirectional": True, "num_layers": 2}
    check_rnn(name, (IN, H), kwargs, X, _states(name, 4), packing=packing, subsets=False)
    check_rnn(name, (IN, H), {}, X, packing=packing)


def test_packed_lstm_with_projection():
    check_rnn("LSTM", (IN, H), {"proj_size": 2, "bidirectional": True}, X, _states("LSTM", 2, proj=2),
              packing=([2, 5, 3], False), subsets=False)


@pytest.mark.parametrize("kwargs,packing", [
    ({}, None), ({"num_layers": 2, "bidirectional": True, "proj_size": 2}, None),
    ({"bidirectional": True}, ([2, 5, 3], False))])
@pytest.mark.parametrize("kernels", ["arrays", "compiled"])
def test_lstm_steps_as_array_calls_and_compiled_loops(monkeypatch, kwargs, packing, kernels):
    """NOTE [ Fused LSTM steps ]: the steps run as array calls (without numba, or early in a process: NOTE [ When to
    compile ]) or as compiled loops, with the same results."""
    if kernels == "arrays":
        monkeypatch.setattr(lstm_kernels, "_compiled", lambda: None)
    else:
        pytest.importorskip("numba")
        monkeypatch.setattr(backend_compiled, "WORK_BEFORE_COMPILING", 0)
    layers = kwargs.get("num_layers", 1) * (2 if kwargs.get("bidirectional") else 1)
    check_rnn("LSTM", (IN, H), kwargs, X, _states("LSTM", layers, proj=kwargs.get("proj_size", 0)), packing=packing,
              subsets=False)


def test_lstm_input_projection_in_chunks(monkeypatch):
    """The LSTM projects its input a few steps at a time (CHUNK_ROWS rows), in both directions and packed."""
    monkeypatch.setattr(recurrent, "CHUNK_ROWS", 4)
    check_rnn("LSTM", (IN, H), {"bidirectional": True}, X, _states("LSTM", 2), subsets=False)
    check_rnn("LSTM", (IN, H), {"bidirectional": True}, X, packing=([2, 5, 3], False), subsets=False)


def test_packed_output_feeds_pad_packed_sequence():
    lstm = ember.nn.LSTM(IN, H, bidirectional=True)
    packed = ember.nn.utils.rnn.pack_padded_sequence(ember.tensor(X, dtype=ember.float32), [2, 5, 3],
                                                     enforce_sorted=False)
    out, (h, c) = lstm(packed)
    assert isinstance(out, ember.nn.utils.rnn.PackedSequence) and out.data.shape == (10, 2 * H)
    padded, lengths = ember.nn.utils.rnn.pad_packed_sequence(out)
    assert padded.shape == (T, B, 2 * H) and lengths.tolist() == [2, 5, 3]
    assert (padded[2:, 0] == 0).all() and h.shape == c.shape == (2, B, H)
    # the forward direction's final state is the output at each sequence's last step
    np.testing.assert_allclose(h[0].detach().numpy(), padded[[1, 4, 2], [0, 1, 2], :H].detach().numpy())
    np.testing.assert_allclose(h[1].detach().numpy(), padded[0, :, H:].detach().numpy())


def test_dropout_eval_is_exact_and_train_drops():
    check_rnn("GRU", (IN, H), {"num_layers": 3, "dropout": 0.5}, X, subsets=False)
    ember.manual_seed(0)
    rnn = ember.nn.RNN(IN, 400, num_layers=2, dropout=0.5, nonlinearity="relu", bias=False)
    ember.nn.init.eye_(rnn.weight_ih_l1[:, :400])
    ember.nn.init.zeros_(rnn.weight_hh_l1)
    x = ember.randn(1, 2, IN)
    rnn.eval()
    out_eval = rnn(x)[0]
    assert ember.equal(out_eval, rnn(x)[0])
    rnn.train()
    out_train = rnn(x)[0]
    assert out_train.shape == out_eval.shape
    # layer 2 copies what reaches it: layer 1's output with about half of it zeroed and the rest doubled
    active = out_eval != 0
    kept = out_train[active]
    dropped = (kept == 0).float().mean().item()
    assert 0.4 < dropped < 0.6
    ember.testing.assert_close(kept[kept != 0], 2 * out_eval[active][kept != 0])


def test_dropout_warns_for_one_layer():
    with pytest.warns(UserWarning, match="num_layers greater than 1"):
        ember.nn.LSTM(3, 4, dropout=0.5)


CELLS = [("RNNCell", {}), ("RNNCell", {"nonlinearity": "relu", "bias": False}), ("LSTMCell", {}),
         ("LSTMCell", {"bias": False}), ("GRUCell", {}), ("GRUCell", {"bias": False})]


@pytest.mark.parametrize("name,kwargs", CELLS)
def test_cells(name, kwargs):
    """Outputs, grad_fn names and the gradients of the input and states: batched, without states, unbatched."""
    t_cell = getattr(torch.nn, name)(IN, H, **kwargs).double()
    e_cell = getattr(ember.nn, name)(IN, H, **kwargs).double()
    copy_state(t_cell, e_cell)

    def call(lib, x, *states):
        cell = t_cell if lib is torch else e_cell
        return cell(x, (tuple(states) if name == "LSTMCell" else states[0]) if states else None)
    states = (randn(B, H, seed=1), randn(B, H, seed=2))[:2 if name == "LSTMCell" else 1]
    check(call, X[0], *states)
    check(call, X[0])
    check(call, X[0, 0], *(s[0] for s in states))


@pytest.mark.parametrize("name,kwargs", CELLS)
def test_cell_parameter_gradients(name, kwargs):
    t_cell = getattr(torch.nn, name)(IN, H, **kwargs).double()
    e_cell = getattr(ember.nn, name)(IN, H, **kwargs).double()
    copy_state(t_cell, e_cell)
    for cell, lib in ((t_cell, torch), (e_cell, ember)):
        out = _tensors(cell(lib.tensor(X[0]), None))
        sum((o * lib.tensor(randn(*o.shape, seed=k))).sum() for k, o in enumerate(out)).backward()
    for (k, tp), (_, ep) in zip(t_cell.named_parameters(), e_cell.named_parameters()):
        assert_same_grad(ep.grad, tp.grad, f"{name} grad of {k}")


def test_repr_state_dict_and_weights():
    cases = [("LSTM", (10, 20), {"num_layers": 2, "batch_first": True}),
             ("LSTM", (3, 4), {"proj_size": 2, "num_layers": 2, "bias": False, "batch_first": True,
                               "dropout": 0.5, "bidirectional": True}),
             ("RNN", (3, 4, 2, "relu"), {}), ("GRU", (3, 4), {"dropout": 1}), ("RNNCell", (3, 4), {"bias": False}),
             ("RNNCell", (3, 4), {"nonlinearity": "relu"}), ("GRUCell", (3, 4), {}), ("LSTMCell", (3, 4), {})]
    for name, args, kwargs in cases:
        with pytest.warns(UserWarning) if kwargs.get("dropout") == 1 else contextlib.nullcontext():
            e, t = getattr(ember.nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
        assert repr(e) == repr(t)
        assert [(k, tuple(v.shape)) for k, v in e.state_dict().items()] == \
            [(k, tuple(v.shape)) for k, v in t.state_dict().items()]
        if not name.endswith("Cell"):
            assert e._flat_weights_names == t._flat_weights_names and e._all_weights == t._all_weights
            assert [[tuple(w.shape) for w in ws] for ws in e.all_weights] == \
                [[tuple(w.shape) for w in ws] for ws in t.all_weights]
            assert e.flatten_parameters() is None
            for attr in ("mode", "input_size", "hidden_size", "num_layers", "bias", "batch_first", "dropout",
                         "bidirectional", "proj_size"):
                assert getattr(e, attr) == getattr(t, attr)


def test_default_init_bounds():
    lstm = ember.nn.LSTM(3, 16, num_layers=2, bidirectional=True)
    for p in lstm.parameters():
        assert p.abs().max().item() <= 0.25 and p.std().item() > 0.1


def test_torch_checkpoint_loads(tmp_path):
    t_mod = torch.nn.LSTM(IN, H, num_layers=2, bidirectional=True, proj_size=2, batch_first=True)
    torch.save(t_mod.state_dict(), tmp_path / "lstm.pt")
    e_mod = ember.nn.LSTM(IN, H, num_layers=2, bidirectional=True, proj_size=2, batch_first=True)
    e_mod.load_state_dict(ember.load(tmp_path / "lstm.pt"))
    x = randn(B, T, IN, dtype=np.float32)
    t_out, (t_h, t_c) = t_mod(torch.tensor(x))
    e_out, (e_h, e_c) = e_mod(ember.tensor(x))
    for e, t in ((e_out, t_out), (e_h, t_h), (e_c, t_c)):
        np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_float32_and_grad_fn_names():
    lstm_t, lstm_e = torch.nn.LSTM(IN, H), ember.nn.LSTM(IN, H)
    copy_state(lstm_t, lstm_e)
    x = randn(T, B, IN, dtype=np.float32)
    t_out, (t_h, t_c) = lstm_t(torch.tensor(x))
    e_out, (e_h, e_c) = lstm_e(ember.tensor(x))
    assert_same([e_out, e_h, e_c], [t_out, t_h, t_c], atol=1e-6)  # MkldnnRnnLayerBackward0, StackBackward0
    gru_e = ember.nn.GRU(IN, H)
    out, h = gru_e(ember.tensor(x))
    assert out.grad_fn.name() == "MkldnnRnnLayerBackward0" and h.grad_fn.name() == "StackBackward0"
    assert out.dtype == ember.float32


INPLACE_CASES = {  # PyTorch's fused LSTM (padded float32 or bfloat16, no projections) saves its output; the rest don't
    "lstm": ("LSTM", {}, np.float32, False), "lstm batch_first": ("LSTM", {"batch_first": True}, np.float32, False),
    "lstm two layers": ("LSTM", {"num_layers": 2}, np.float32, False),
    "lstm bidirectional": ("LSTM", {"bidirectional": True}, np.float32, False),
    "lstm float64": ("LSTM", {}, np.float64, False), "lstm packed": ("LSTM", {}, np.float32, True),
    "lstm projections": ("LSTM", {"proj_size": 2}, np.float32, False), "rnn": ("RNN", {}, np.float32, False),
    "rnn relu packed": ("RNN", {"nonlinearity": "relu"}, np.float64, True), "gru": ("GRU", {}, np.float64, False)}


@pytest.mark.parametrize("case", INPLACE_CASES)
def test_output_changed_in_place_as_pytorch(case):
    """Changing the output in place before backward raises where PyTorch's layer saved it, and elsewhere keeps
    the gradients of the change."""
    name, kwargs, dtype, packed = INPLACE_CASES[case]
    t_layer, e_layer = (getattr(lib.nn, name)(2, 3, **kwargs).to(getattr(lib, np.dtype(dtype).name))
                        for lib in (torch, ember))
    copy_state(t_layer, e_layer)
    outcomes = []
    for lib, layer in ((torch, t_layer), (ember, e_layer)):
        x = lib.tensor(randn(4, 2, 2).astype(dtype), requires_grad=True)
        out = layer(lib.nn.utils.rnn.pack_padded_sequence(x, [4, 3]) if packed else x)[0]
        out = out.data if packed else out
        out.mul_(2)
        try:
            (out * out).sum().backward()
        except RuntimeError as error:
            assert "modified by an inplace operation" in str(error)
            outcomes.append(None)
        else:
            outcomes.append(x.grad.detach().numpy())
    if outcomes[0] is None or outcomes[1] is None:
        assert outcomes[0] is None and outcomes[1] is None
    else:
        np.testing.assert_allclose(outcomes[1], outcomes[0], rtol=1e-5, atol=1e-6)


def _raises_like_torch(fn):
    check(fn, grad=False)


@pytest.mark.parametrize("build", [
    lambda nn: nn.GRU(3, 4, proj_size=2), lambda nn: nn.RNN(3, 4, proj_size=2), lambda nn: nn.LSTM(3, 4, proj_size=4),
    lambda nn: nn.LSTM(3, 4, proj_size=-1), lambda nn: nn.LSTM(3, 4, dropout=1.5),
    lambda nn: nn.LSTM(3, 4, dropout=True),
    lambda nn: nn.LSTM(3, 4, num_layers=0), lambda nn: nn.LSTM(3, 0), lambda nn: nn.LSTM(3, 4.0),
    lambda nn: nn.LSTM(3, 4, num_layers=2.0), lambda nn: nn.RNN(3, 4, nonlinearity="sigmoid")])
def test_constructor_errors(build):
    _raises_like_torch(lambda lib: build(lib.nn))


def test_cell_nonlinearity_checked_in_forward():
    _raises_like_torch(lambda lib: lib.nn.RNNCell(3, 4, nonlinearity="x")(lib.zeros(2, 3)))


@pytest.mark.parametrize("call", [
    lambda lib, m: m(lib.randn(5, 2, 5)), lambda lib, m: m(lib.randn(5, 2, 3, 1)), lambda lib, m: m(lib.randn(5)),
    lambda lib, m: m(lib.randn(5, 2, 3), (lib.randn(1, 3, 4), lib.randn(1, 3, 4))),
    lambda lib, m: m(lib.randn(5, 2, 3), (lib.randn(1, 2, 4), lib.randn(1, 3, 4))),
    lambda lib, m: m(lib.randn(5, 2, 3), (lib.randn(2, 4), lib.randn(2, 4))),
    lambda lib, m: m(lib.randn(5, 3), (lib.randn(1, 1, 4), lib.randn(1, 1, 4))),
    lambda lib, m: m(lib.randn(5, 2, 3, dtype=lib.float64)),
    lambda lib, m: m(lib.randn(0, 2, 3)),
    lambda lib, m: m(lib.nn.utils.rnn.pack_sequence([lib.randn(3, 5), lib.randn(2, 5)])),
])
def test_forward_errors(call):
    _raises_like_torch(lambda lib: call(lib, lib.nn.LSTM(3, 4)))


@pytest.mark.parametrize("call", [
    lambda lib, m: m(lib.randn(5, 2, 3), lib.randn(1, 3, 4)), lambda lib, m: m(lib.randn(5, 3), lib.randn(1, 2, 4)),
    lambda lib, m: m(lib.randn(5, 2, 3), lib.randn(1, 2, 4, dtype=lib.float64)),
    lambda lib, m: m(lib.randn(5, 2, 3), lib.randn(2, 2, 4))])
def test_gru_forward_errors(call):
    _raises_like_torch(lambda lib: call(lib, lib.nn.GRU(3, 4)))


def test_empty_batch():
    check_rnn("GRU", (IN, H), {}, randn(T, 0, IN), subsets=False)


@pytest.mark.parametrize("name", ["LSTMCell", "GRUCell", "RNNCell"])
@pytest.mark.parametrize("call", [
    lambda lib, c, s: c(lib.randn(2, 5)), lambda lib, c, s: c(lib.randn(2, 2, 3)),
    lambda lib, c, s: c(lib.randn(2, 3), s(lib.randn(3, 4))), lambda lib, c, s: c(lib.randn(2, 3), s(lib.randn(2, 5))),
    lambda lib, c, s: c(lib.randn(3), s(lib.randn(2, 4))),
    lambda lib, c, s: c(lib.randn(2, 3, dtype=lib.float64))])
def test_cell_errors(name, call):
    def states(h):
        return (h, h) if name == "LSTMCell" else h
    _raises_like_torch(lambda lib: call(lib, getattr(lib.nn, name)(3, 4), states))


@pytest.mark.parametrize("name", ["LSTM", "GRU", "RNN"])
@pytest.mark.parametrize("batch", [1, 3])
def test_states_and_gradients_passed_in_stay_unchanged(name, batch):
    """The layer reads the initial states and the gradients it is given; it never writes into them (a batch of one
    makes their transposes contiguous too)."""
    layer = getattr(ember.nn, name)(2, 3, num_layers=2).double()
    x = ember.tensor(randn(4, batch, 2), requires_grad=True)
    states = [ember.tensor(randn(2, batch, 3, seed=s), requires_grad=True) for s in (1, 2)[:2 if name == "LSTM" else 1]]
    before = [s.detach().clone() for s in states]
    out, final = layer(x, tuple(states) if name == "LSTM" else states[0])
    finals = final if name == "LSTM" else (final,)
    grads = [ember.tensor(randn(*o.shape, seed=7 + k)) for k, o in enumerate((out,) + tuple(finals))]
    grads_before = [g.clone() for g in grads]
    ember.autograd.backward((out,) + tuple(finals), grads)
    for s, b in zip(states + grads, before + grads_before):
        np.testing.assert_array_equal(s.detach().numpy(), b.numpy())


DOUBLE_BACKWARD_CASES = {
    "lstm": ("LSTM", {}), "lstm two layers bidirectional": ("LSTM", {"num_layers": 2, "bidirectional": True}),
    "lstm projections": ("LSTM", {"proj_size": 2}), "gru": ("GRU", {"bias": False}),
    "gru bidirectional": ("GRU", {"bidirectional": True}), "rnn tanh": ("RNN", {}),
    "rnn relu two layers": ("RNN", {"nonlinearity": "relu", "num_layers": 2})}


@pytest.mark.parametrize("packed", [False, True])
@pytest.mark.parametrize("case", DOUBLE_BACKWARD_CASES)
def test_second_derivatives_match_torch(case, packed):
    """NOTE [ Recurrent double backward ]: a gradient penalty through the layer (create_graph), then backward to
    the input, the initial state and every weight."""
    name, kwargs = DOUBLE_BACKWARD_CASES[case]
    t_layer, e_layer = (getattr(lib.nn, name)(2, 3, **kwargs).double() for lib in (torch, ember))
    copy_state(t_layer, e_layer)
    results = []
    for lib, layer in ((torch, t_layer), (ember, e_layer)):
        x = lib.tensor(randn(4, 2, 2), requires_grad=True)
        h0 = lib.tensor(randn(t_layer.num_layers * (2 if t_layer.bidirectional else 1), 2,
                              t_layer.proj_size or 3, seed=1), requires_grad=True)
        state = (h0, lib.tensor(randn(h0.shape[0], 2, 3, seed=2))) if name == "LSTM" else h0
        inp = lib.nn.utils.rnn.pack_padded_sequence(x, [4, 3]) if packed else x
        out = layer(inp, state)[0]
        out = out.data if packed else out
        (g_x, g_h0) = lib.autograd.grad((out * out).sum(), (x, h0), create_graph=True)
        (g_x.pow(2).sum() + (g_h0 * g_h0).sum()).backward()
        results.append([g_x.detach().numpy(), x.grad.numpy(), h0.grad.numpy()] +
                       [p.grad.numpy() for p in layer.parameters()])
        layer.zero_grad()
    for e, t in zip(results[1], results[0]):
        np.testing.assert_allclose(e, t, rtol=1e-8, atol=1e-10)
