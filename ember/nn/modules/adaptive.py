"""AdaptiveLogSoftmaxWithLoss: the softmax of a large vocabulary, split into a head (the frequent classes and one
entry per cluster of rare ones) and a smaller projection per cluster."""
from collections import namedtuple
from collections.abc import Sequence

from ..._tensor import Tensor
from ...ops.shape import cat
from .. import functional as F
from .container import ModuleList, Sequential
from .linear import Linear
from .module import Module

_ASMoutput = namedtuple("_ASMoutput", ["output", "loss"])


class AdaptiveLogSoftmaxWithLoss(Module):
    """Efficient softmax approximation (Grave et al.): class c < cutoffs[0] is scored by the head; a rarer class
    by the head's entry for its cluster plus its log-probability within the cluster."""

    def __init__(self, in_features: int, n_classes: int, cutoffs: Sequence[int], div_value: float = 4.0,
                 head_bias: bool = False, device=None, dtype=None):
        super().__init__()
        cutoffs = list(cutoffs)
        if (len(cutoffs) == 0 or cutoffs != sorted(cutoffs) or min(cutoffs) <= 0 or max(cutoffs) > n_classes - 1
                or len(set(cutoffs)) != len(cutoffs) or any(int(c) != c for c in cutoffs)):
            raise ValueError("cutoffs should be a sequence of unique, positive integers sorted in an increasing "
                             "order, where each value is between 1 and n_classes-1")
        self.in_features, self.n_classes, self.div_value, self.head_bias = in_features, n_classes, div_value, head_bias
        self.cutoffs = cutoffs + [n_classes]
        self.shortlist_size = self.cutoffs[0]
        self.n_clusters = len(self.cutoffs) - 1
        self.head_size = self.shortlist_size + self.n_clusters
        factory = {"device": device, "dtype": dtype}
        self.head = Linear(in_features, self.head_size, bias=head_bias, **factory)
        self.tail = ModuleList()
        for i in range(self.n_clusters):
            hidden = int(in_features // (div_value ** (i + 1)))
            size = self.cutoffs[i + 1] - self.cutoffs[i]
            self.tail.append(Sequential(Linear(in_features, hidden, bias=False, **factory),
                                        Linear(hidden, size, bias=False, **factory)))

    def reset_parameters(self) -> None:
        """Re-initialize the head and every cluster's projections."""
        self.head.reset_parameters()
        for cluster in self.tail:
            for layer in cluster:
                layer.reset_parameters()

    def forward(self, input: Tensor, target: Tensor) -> _ASMoutput:
        """(output, loss): each row's log-probability of its target, and their negative mean."""
        batched = input.dim() == 2
        if input.dim() not in (1, 2) or target.dim() != input.dim() - 1:
            raise RuntimeError("Input and target should have the same size in the batch dimension.")
        if not batched:
            input, target = input.unsqueeze(0), target.unsqueeze(0)
        if input.size(0) != target.size(0):
            raise RuntimeError("Input and target should have the same size in the batch dimension.")
        if target.dtype.is_floating_point:
            raise RuntimeError("gather(): Expected dtype int32/int64 for index")
        if target.numel() and (int(target.min()) < 0 or int(target.max()) >= self.n_classes):
            raise RuntimeError(f"Target values should be in [0, {self.n_classes - 1}], but values in range "
                               f"[{int(target.min())}, {int(target.max())}] were found. ")
        head_logprob = F.log_softmax(self.head(input), dim=1)
        cluster = (target.unsqueeze(1) >= target.new_tensor(self.cutoffs[:-1])).sum(1) - 1  # -1: the shortlist
        head_column = target.where(cluster < 0, self.shortlist_size + cluster)
        output = head_logprob.gather(1, head_column.unsqueeze(1)).squeeze(1)
        for i, projection in enumerate(self.tail):
            rows = (cluster == i).nonzero().flatten()
            if rows.numel() == 0:
                continue
            within = F.log_softmax(projection(input.index_select(0, rows)), dim=1)
            relative = target.index_select(0, rows) - self.cutoffs[i]
            output = output.index_add(0, rows, within.gather(1, relative.unsqueeze(1)).squeeze(1))
        loss = (-output).mean()
        return _ASMoutput(output if batched else output.squeeze(0), loss)

    def log_prob(self, input: Tensor) -> Tensor:
        """Log-probabilities of every class, (N, n_classes) (or (n_classes,) for one unbatched input)."""
        head_logprob = F.log_softmax(self.head(input), dim=-1)
        parts = [head_logprob[..., :self.shortlist_size]]
        for i, projection in enumerate(self.tail):
            cluster_entry = head_logprob[..., self.shortlist_size + i:self.shortlist_size + i + 1]
            parts.append(F.log_softmax(projection(input), dim=-1) + cluster_entry)
        return cat(parts, -1)

    def predict(self, input: Tensor) -> Tensor:
        """The most likely class of each row."""
        return self.log_prob(input).argmax(dim=-1)
