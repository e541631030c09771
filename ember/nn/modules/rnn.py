"""Recurrent layers: RNN, LSTM and GRU over whole sequences, and their single-step cells.

A layer runs each of its layers and directions as one fused op (ember/ops/recurrent.py) over packed rows:
a padded batch is the case of equal batch sizes, a PackedSequence is run as it is packed.
"""
import math
import numbers
import warnings

from ... import _creation
from ..._tensor import Tensor
from ...ops.recurrent import GATES, gru_cell, lstm_cell, rnn_layer, rnn_relu_cell, rnn_tanh_cell  # noqa: F401
from ...ops.shape import cat, stack
from .. import functional as F
from .. import init
from ..parameter import Parameter
from ..utils.rnn import PackedSequence
from .module import Module


def _uniform_hidden(module, hidden_size):
    """PyTorch's initialisation of recurrent weights and biases: all U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
    bound = 1 / math.sqrt(hidden_size) if hidden_size > 0 else 0
    for weight in module.parameters():
        init.uniform_(weight, -bound, bound)


class RNNBase(Module):
    """The base of RNN, LSTM and GRU: parameters per layer and direction, input checks and the layer loop."""

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, proj_size: int = 0,
                 device=None, dtype=None):
        super().__init__()
        if mode not in GATES:
            raise ValueError(f"Unrecognized RNN mode: {mode} (expected one of {', '.join(GATES)})")
        if isinstance(dropout, bool) or not isinstance(dropout, numbers.Number) or not 0 <= dropout <= 1:
            raise ValueError("dropout should be a number in range [0, 1] representing the probability of an "
                             f"element being zeroed, but got {dropout!r}")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so non-zero dropout "
                          f"expects num_layers greater than 1, but got dropout={dropout} and num_layers={num_layers}")
        for name, value in (("hidden_size", hidden_size), ("num_layers", num_layers), ("proj_size", proj_size)):
            if not isinstance(value, numbers.Integral) or isinstance(value, bool):
                raise TypeError(f"{name} should be of type int, got: {type(value).__name__}")
        if hidden_size <= 0:
            raise ValueError(f"hidden_size must be greater than zero, but got {hidden_size}")
        if num_layers <= 0:
            raise ValueError(f"num_layers must be greater than zero, but got {num_layers}")
        if proj_size < 0:
            raise ValueError(f"proj_size should be a positive integer or zero to disable projections, but got "
                             f"{proj_size}")
        if proj_size >= hidden_size:
            raise ValueError(f"proj_size has to be smaller than hidden_size, but got proj_size={proj_size} and "
                             f"hidden_size={hidden_size}")
        if proj_size and mode != "LSTM":
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        self.mode, self.input_size, self.hidden_size, self.num_layers = mode, input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        self.bidirectional, self.proj_size = bidirectional, proj_size
        gate_size = GATES[mode] * hidden_size
        out_size = proj_size or hidden_size
        directions = 2 if bidirectional else 1
        self._all_weights = []
        for layer in range(num_layers):
            for suffix in ("", "_reverse")[:directions]:
                shapes = [("weight_ih", (gate_size, input_size if layer == 0 else out_size * directions)),
                          ("weight_hh", (gate_size, out_size))]
                if bias:
                    shapes += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                if proj_size:
                    shapes.append(("weight_hr", (proj_size, hidden_size)))
                names = []
                for kind, shape in shapes:
                    names.append(f"{kind}_l{layer}{suffix}")
                    setattr(self, names[-1], Parameter(_creation.empty(shape, device=device, dtype=dtype)))
                self._all_weights.append(names)
        self._flat_weights_names = [name for names in self._all_weights for name in names]
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw every weight and bias from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), as PyTorch does."""
        _uniform_hidden(self, self.hidden_size)

    @property
    def _flat_weights(self) -> list:
        return [self._weight(name) for name in self._flat_weights_names]

    def _weight(self, name: str):
        """The weight or bias `name`: a parameter, or what stands in its place (a parametrization's tensor, a plain
        tensor attribute as AWD-LSTM's weight drop sets); None where absent."""
        found = self._parameters.get(name)
        return found if found is not None else getattr(self, name, None)

    @property
    def all_weights(self) -> list:
        """The parameters of each layer and direction, as lists."""
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    def flatten_parameters(self) -> None:
        """Does nothing: ember keeps no flattened copy of the weights (PyTorch's is for cuDNN)."""

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    def _layer_weights(self, k: int) -> tuple:
        """(weight_ih, weight_hh, bias_ih, bias_hh, weight_hr) of layer-direction k, None where absent."""
        layer, direction = divmod(k, 2 if self.bidirectional else 1)
        suffix = "_reverse" if direction else ""
        return tuple(self._weight(f"{kind}_l{layer}{suffix}")
                     for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr"))

    def forward(self, input, hx=None):
        """Run the layers over `input` ((T, B, input_size), (B, T, ...) with batch_first, (T, input_size)
        unbatched, or a PackedSequence): (output, h_n), with h_n a pair (h_n, c_n) for LSTM."""
        lstm = self.mode == "LSTM"
        packed = isinstance(input, PackedSequence)
        if packed:
            data, batch_sizes, sorted_indices, unsorted_indices = input
            self._check_input(data, 2)
            sizes = tuple(batch_sizes.tolist())
            batch, unbatched, rows = sizes[0], False, data
        else:
            if input.dim() not in (2, 3):
                raise ValueError(f"{self._get_name()}: Expected input to be 2D or 3D, got {input.dim()}D instead")
            unbatched = input.dim() == 2
            seq = input.unsqueeze(1) if unbatched else input.transpose(0, 1) if self.batch_first else input
            self._check_input(seq, 3)
            steps, batch = seq.shape[:2]
            if steps == 0:
                raise RuntimeError("Expected sequence length to be larger than 0 in RNN")
            rows, sizes = seq, (batch,) * steps
        h0, c0 = self._initial_states(hx, rows, batch, unbatched, lstm)
        if packed and sorted_indices is not None:
            h0 = h0.index_select(1, sorted_indices)
            c0 = None if c0 is None else c0.index_select(1, sorted_indices)
        out, h_n, c_n = self._run(rows, h0, c0, sizes)
        if packed:
            output = PackedSequence(out, batch_sizes, sorted_indices, unsorted_indices)
            if unsorted_indices is not None:
                h_n = h_n.index_select(1, unsorted_indices)
                c_n = None if c_n is None else c_n.index_select(1, unsorted_indices)
        else:
            output = out
            if unbatched:
                output, h_n = output.squeeze(1), h_n.squeeze(1)
                c_n = None if c_n is None else c_n.squeeze(1)
            elif self.batch_first:
                output = output.transpose(0, 1)
        return output, ((h_n, c_n) if lstm else h_n)

    def _check_input(self, input: Tensor, dims: int) -> None:
        if input.dim() != dims:
            raise RuntimeError(f"input must have {dims} dimensions, got {input.dim()}")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected {self.input_size}, got "
                               f"{input.shape[-1]}")
        weight = self.weight_ih_l0
        if input.dtype != weight.dtype:
            raise ValueError(f"{self._get_name()} input dtype ({input.dtype}) does not match weight dtype "
                             f"({weight.dtype}). Convert input: input.to({weight.dtype}), or convert model: "
                             f"model.to({input.dtype})")

    def _initial_states(self, hx, rows, batch, unbatched, lstm):
        """The initial (h0, c0) as (layers * directions, batch, size) tensors; zeros where not given."""
        layers = self.num_layers * (2 if self.bidirectional else 1)
        out_size = self.proj_size or self.hidden_size
        if hx is None:
            zeros = [_creation.zeros(layers, batch, size, dtype=rows.dtype, device=rows.device)
                     for size in (out_size, self.hidden_size)]
            return zeros[0], zeros[1] if lstm else None
        states = (hx[0], hx[1]) if lstm else (hx,)
        want = 2 if unbatched else 3
        if any(s.dim() != want for s in states):
            given = ", ".join(f"{s.dim()}-D" for s in states)
            which, noun = ("hx and cx", "tensors") if lstm else ("hx", "tensor")
            raise RuntimeError(f"For {'unbatched 2-D' if unbatched else 'batched 3-D'} input, {which} should also "
                               f"be {want}-D but got ({given}) {noun}")
        if unbatched:
            states = tuple(s.unsqueeze(1) for s in states)
        for k, (state, size) in enumerate(zip(states, (out_size, self.hidden_size))):
            expected = (layers, batch, size)
            if tuple(state.shape) != expected:
                name = f"hidden[{k}]" if lstm else "hidden"
                raise RuntimeError(f"Expected {name} size {expected}, got {list(state.shape)}")
        return states[0], states[1] if lstm else None

    def _run(self, rows, h0, c0, sizes):
        """Every layer and direction over the rows ((N, features) packed or (T, B, features)): (output, h_n,
        c_n or None)."""
        return run_stack(self.mode, rows, h0, c0, self._layer_weights, sizes, self.num_layers, self.bidirectional,
                         self.dropout if self.training else 0.0)


def run_stack(mode: str, rows: Tensor, h0: Tensor, c0: Tensor | None, layer_weights, sizes, num_layers: int,
              bidirectional: bool, dropout: float):
    """Every layer and direction of a recurrent stack over the rows ((N, features) packed or (T, B, features)),
    `layer_weights(k)` giving (weight_ih, weight_hh, bias_ih, bias_hh, weight_hr) of layer-direction k, with
    dropout between layers: (output, h_n, c_n or None)."""
    directions = 2 if bidirectional else 1
    h_n, c_n = [], []
    for layer in range(num_layers):
        outs = []
        for direction in range(directions):
            k = layer * directions + direction
            results = rnn_layer(mode, rows, h0[k], None if c0 is None else c0[k], *layer_weights(k), sizes,
                                reverse=direction == 1)
            outs.append(results[0])
            h_n.append(results[1])
            if c0 is not None:
                c_n.append(results[2])
        rows = outs[0] if directions == 1 else cat(outs, -1)
        if dropout and layer < num_layers - 1:
            rows = F.dropout(rows, dropout, True)
    return rows, stack(h_n), stack(c_n) if c_n else None


class RNN(RNNBase):
    """An Elman RNN: h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh) (or relu), stacked and optionally
    bidirectional."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, nonlinearity: str = "tanh",
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 device=None, dtype=None, *, proj_size: int | None = None):
        if proj_size is not None:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        modes = {"tanh": "RNN_TANH", "relu": "RNN_RELU"}
        if nonlinearity not in modes:
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        super().__init__(modes[nonlinearity], input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity


class LSTM(RNNBase):
    """Long short-term memory (gates i, f, g, o in PyTorch's order), stacked, optionally bidirectional and with
    projected hidden states (proj_size)."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, proj_size: int = 0,
                 device=None, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         proj_size, device, dtype)


class GRU(RNNBase):
    """Gated recurrent unit (gates r, z, n in PyTorch's order, n = tanh(W_in x + b_in + r * (W_hn h + b_hn))),
    stacked and optionally bidirectional."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, device=None,
                 dtype=None, *, proj_size: int | None = None):
        if proj_size is not None:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         device=device, dtype=dtype)


class RNNCellBase(Module):
    """The base of the cells: weight_ih, weight_hh, bias_ih, bias_hh for `num_chunks` gates, and input checks."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int, device=None, dtype=None):
        super().__init__()
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        shapes = [("weight_ih", (num_chunks * hidden_size, input_size)),
                  ("weight_hh", (num_chunks * hidden_size, hidden_size))]
        for name, shape in shapes:
            setattr(self, name, Parameter(_creation.empty(shape, device=device, dtype=dtype)))
        for name in ("bias_ih", "bias_hh"):
            if bias:
                setattr(self, name, Parameter(_creation.empty(num_chunks * hidden_size, device=device, dtype=dtype)))
            else:
                self.register_parameter(name, None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw every weight and bias from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), as PyTorch does."""
        _uniform_hidden(self, self.hidden_size)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s

    def _batched(self, input: Tensor, states) -> tuple:
        """Check the input and the states (None for zeros) and give them a batch dim: (input, states, unbatched)."""
        name = self._get_name()
        if input.dim() not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.dim()}D instead")
        want = input.dim()
        unbatched = want == 1
        if unbatched:
            input = input.unsqueeze(0)
        if input.shape[1] != self.input_size:
            raise RuntimeError(f"{name}: input has inconsistent input_size: got {input.shape[1]} expected "
                               f"{self.input_size}")
        batch = input.shape[0]
        result = []
        for k, state in enumerate(states):
            if state is None:
                result.append(_creation.zeros(batch, self.hidden_size, dtype=input.dtype, device=input.device))
                continue
            if state.dim() not in (1, 2):
                raise ValueError(f"{name}: Expected hidden{k} to be 1D or 2D, got {state.dim()}D instead")
            if state.dim() != want:
                raise RuntimeError(f"{name}: hidden{k} should be {want}-D like the input, but got a {state.dim()}-D "
                                   "tensor")
            if unbatched:
                state = state.unsqueeze(0)
            if state.shape[0] != batch:
                raise RuntimeError(f"{name}: Input batch size {batch} doesn't match hidden{k} batch size "
                                   f"{state.shape[0]}")
            if state.shape[1] != self.hidden_size:
                raise RuntimeError(f"{name}: hidden{k} has inconsistent hidden_size: got {state.shape[1]}, "
                                   f"expected {self.hidden_size}")
            result.append(state)
        return input, result, unbatched



class RNNCell(RNNCellBase):
    """One step of an Elman RNN: h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) (or relu)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh",
                 device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        """The next hidden state."""
        if self.nonlinearity not in ("tanh", "relu"):  # accepted by the constructor, as in PyTorch
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}. Select from 'tanh' or 'relu'.")
        input, (hx,), unbatched = self._batched(input, (hx,))
        cell = rnn_relu_cell if self.nonlinearity == "relu" else rnn_tanh_cell
        h = cell(input, hx, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return h.squeeze(0) if unbatched else h


class LSTMCell(RNNCellBase):
    """One step of an LSTM: (h', c') from input and (h, c) (zeros when not given)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input: Tensor, hx: tuple | None = None) -> tuple:
        """The next (hidden state, cell state)."""
        input, (h, c), unbatched = self._batched(input, (None, None) if hx is None else hx)
        h, c = lstm_cell(input, (h, c), self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return (h.squeeze(0), c.squeeze(0)) if unbatched else (h, c)


class GRUCell(RNNCellBase):
    """One step of a GRU: h' = n + z (h - n), n = tanh(W_in x + b_in + r (W_hn h + b_hn))."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        """The next hidden state."""
        input, (h,), unbatched = self._batched(input, (hx,))
        h = gru_cell(input, h, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return h.squeeze(0) if unbatched else h


# ---- the cells' steps and whole stacks as functions (torch.lstm_cell, torch.lstm, ...) ---------------------------
def _stack_function(mode: str, input: Tensor, hx, params, has_biases: bool, num_layers: int, dropout: float,
                    train: bool, bidirectional: bool, batch_first: bool):
    """A whole recurrent stack from a flat list of weights, per layer and direction: w_ih, w_hh[, b_ih, b_hh]."""
    per = 4 if has_biases else 2
    params = list(params)

    def layer_weights(k):
        group = params[k * per:(k + 1) * per]
        return (group[0], group[1], group[2] if has_biases else None, group[3] if has_biases else None, None)
    rows = input.transpose(0, 1) if batch_first else input
    h0, c0 = (hx[0], hx[1]) if mode == "LSTM" else (hx, None)
    out, h_n, c_n = run_stack(mode, rows, h0, c0, layer_weights, (rows.shape[1],) * rows.shape[0], num_layers,
                              bidirectional, dropout if train else 0.0)
    out = out.transpose(0, 1) if batch_first else out
    return (out, h_n, c_n) if mode == "LSTM" else (out, h_n)


def lstm(input: Tensor, hx, params, has_biases: bool, num_layers: int, dropout: float, train: bool,
         bidirectional: bool, batch_first: bool) -> tuple:
    """A whole LSTM stack from flat weights (torch.lstm): (output, h_n, c_n)."""
    return _stack_function("LSTM", input, hx, params, has_biases, num_layers, dropout, train, bidirectional,
                           batch_first)


def gru(input: Tensor, hx: Tensor, params, has_biases: bool, num_layers: int, dropout: float, train: bool,
        bidirectional: bool, batch_first: bool) -> tuple:
    """A whole GRU stack from flat weights (torch.gru): (output, h_n)."""
    return _stack_function("GRU", input, hx, params, has_biases, num_layers, dropout, train, bidirectional,
                           batch_first)


def rnn_tanh(input: Tensor, hx: Tensor, params, has_biases: bool, num_layers: int, dropout: float, train: bool,
             bidirectional: bool, batch_first: bool) -> tuple:
    """A whole tanh RNN stack from flat weights (torch.rnn_tanh): (output, h_n)."""
    return _stack_function("RNN_TANH", input, hx, params, has_biases, num_layers, dropout, train, bidirectional,
                           batch_first)


def rnn_relu(input: Tensor, hx: Tensor, params, has_biases: bool, num_layers: int, dropout: float, train: bool,
             bidirectional: bool, batch_first: bool) -> tuple:
    """A whole relu RNN stack from flat weights (torch.rnn_relu): (output, h_n)."""
    return _stack_function("RNN_RELU", input, hx, params, has_biases, num_layers, dropout, train, bidirectional,
                           batch_first)
