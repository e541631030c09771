"""torchvision.models.feature_extraction: a model's intermediate outputs, by node name.

torchvision traces the model with torch.fx and cuts the graph after the requested nodes. ember has no fx: it runs
the model's own forward with forward hooks on the named submodules, and stops the forward once every requested
output is recorded. So a node is a submodule's name ('layer1', 'layer4.1.conv2', 'features.3', 'fc'), its
k-th call for a module called more than once ('layer1.0.relu_1', as torchvision numbers them), or the name of the
forward's first parameter ('x', the input); function calls inside forward ('flatten', 'layer1.0.add') are not nodes.
"""
import inspect
import re
from typing import Any

from ..._tensor import Tensor
from ...nn import Module

__all__ = ["create_feature_extractor", "get_graph_node_names"]


class _AllNodesRecorded(Exception):
    """Raised by the last hook needed, to stop the forward early."""


def _input_name(model: Module) -> str | None:
    """The name torchvision gives the input node: the forward's first parameter."""
    params = list(inspect.signature(model.forward).parameters.values())
    return params[0].name if params and params[0].kind in (params[0].POSITIONAL_ONLY,
                                                           params[0].POSITIONAL_OR_KEYWORD) else None


def get_graph_node_names(model: Module, tracer_kwargs: dict | None = None, suppress_diff_warning: bool = False,
                         concrete_args: dict | None = None) -> tuple[list[str], list[str]]:
    """(train nodes, eval nodes): the names create_feature_extractor accepts. Unlike torchvision's traced lists of
    leaf modules and function calls, ember's are the input's name and every submodule's name (containers too) in
    registration order, the same in both modes; the tracer arguments are ignored."""
    names = [name for name, _ in model.named_modules() if name]
    first = _input_name(model)
    names = ([first] if first is not None else []) + names
    return names, list(names)


def _resolve(model: Module, node: str) -> tuple[str, int] | None:
    """(submodule name, call index) of a node; ("", 0) for the input; None if the model has no such node."""
    modules = dict(model.named_modules())
    if node and node in modules:
        return node, 0
    numbered = re.fullmatch(r"(.+)_(\d+)", node)
    if numbered and numbered.group(1) in modules:
        return numbered.group(1), int(numbered.group(2))
    if node == _input_name(model):
        return "", 0
    return None


def _normalize(model: Module, return_nodes: list[str] | dict[str, str]) -> dict[str, str]:
    """{node: output name} with every node checked (ValueError, as torchvision's, for an unknown one)."""
    nodes = {str(n): str(n) for n in return_nodes} if isinstance(return_nodes, (list, tuple)) else \
        {str(k): str(v) for k, v in return_nodes.items()}
    for node in nodes:
        if _resolve(model, node) is None:
            raise ValueError(f"node: '{node}' is not present in model. Hint: use `get_graph_node_names` to make sure "
                             f"the `return_nodes` you specified are present. It may even be that you need to specify "
                             f"`train_return_nodes` and `eval_return_nodes` separately. (ember's nodes are submodule "
                             f"names and the input, not function calls.)")
    return nodes


class FeatureExtractor(Module):
    """`model` returning a dict of intermediate outputs instead of its own. It shares the model's submodules, and
    its state_dict keys are the model's (torchvision's keeps only the modules the truncated graph uses)."""

    def __init__(self, model: Module, train_return_nodes: dict[str, str], eval_return_nodes: dict[str, str]) -> None:
        super().__init__()
        for name, child in model.named_children():
            self.add_module(name, child)
        for name, param in model.named_parameters(recurse=False):
            self.register_parameter(name, param)
        for name, buffer in model.named_buffers(recurse=False):
            self.register_buffer(name, buffer, persistent=name not in model._non_persistent_buffers_set)
        self._model = (model,)  # a tuple: not registered as a submodule, so the keys stay the model's
        self.train_return_nodes = train_return_nodes
        self.eval_return_nodes = eval_return_nodes
        self.training = model.training

    def train(self, mode: bool = True) -> "FeatureExtractor":
        """Set training mode here and on the model; the nodes returned follow the mode."""
        self._model[0].train(mode)
        return super().train(mode)

    def forward(self, *args: Any, **kwargs: Any) -> dict[str, Tensor]:
        """{output name: tensor} for the return nodes of the current mode, in the order the forward computes them
        (torchvision's graph order)."""
        nodes = self.train_return_nodes if self.training else self.eval_return_nodes
        model = self._model[0]
        wanted = {node: _resolve(model, node) for node in nodes}
        first = args[0] if args else kwargs.get(_input_name(model))
        recorded = {node: first for node, where in wanted.items() if where == ("", 0)}
        calls: dict[str, int] = {}
        handles = [model.get_submodule(name).register_forward_hook(self._recorder(name, wanted, recorded, calls))
                   for name in {where[0] for where in wanted.values() if where[0]}]
        try:
            if len(recorded) < len(wanted):
                model(*args, **kwargs)
        except _AllNodesRecorded:
            pass
        finally:
            for handle in handles:
                handle.remove()
        missing = [node for node in wanted if node not in recorded]
        if missing:
            raise RuntimeError(f"The model's forward did not call the modules of nodes {missing}")
        return {nodes[node]: value for node, value in recorded.items()}

    @staticmethod
    def _recorder(name: str, wanted: dict, recorded: dict, calls: dict):
        """A forward hook of submodule `name` that records the outputs of the wanted calls."""
        def hook(module: Module, args: tuple, output: Any) -> None:
            index = calls.get(name, 0)
            calls[name] = index + 1
            for node, where in wanted.items():
                if where == (name, index):
                    recorded[node] = output
            if len(recorded) == len(wanted):
                raise _AllNodesRecorded
        return hook


def create_feature_extractor(model: Module, return_nodes: list[str] | dict[str, str] | None = None,
                             train_return_nodes: list[str] | dict[str, str] | None = None,
                             eval_return_nodes: list[str] | dict[str, str] | None = None,
                             tracer_kwargs: dict | None = None, suppress_diff_warning: bool = False,
                             concrete_args: dict | None = None) -> FeatureExtractor:
    """A module whose forward returns {name: output} for `return_nodes` (a list of node names, or a dict from node
    name to output name), or for `train_return_nodes` / `eval_return_nodes` by mode. Unlike torchvision (a traced,
    truncated torch.fx GraphModule), ember hooks the named submodules of `model` (see this module's docstring);
    the tracer arguments are ignored."""
    if return_nodes is None and train_return_nodes is None and eval_return_nodes is None:
        raise ValueError("Either `return_nodes` or `train_return_nodes` and `eval_return_nodes` together, should be "
                         "specified")
    if (train_return_nodes is None) != (eval_return_nodes is None):
        raise ValueError("If any of `train_return_nodes` and `eval_return_nodes` are specified, then both should be "
                         "specified")
    if return_nodes is not None and train_return_nodes is not None:
        raise ValueError("If `train_return_nodes` and `eval_return_nodes` are specified, then both should be "
                         "specified")
    if return_nodes is not None:
        train_return_nodes = eval_return_nodes = return_nodes
    return FeatureExtractor(model, _normalize(model, train_return_nodes), _normalize(model, eval_return_nodes))
