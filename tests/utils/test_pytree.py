"""ember.utils._pytree against torch.utils._pytree: for nested tuples, lists, dicts (keys not sorted),
OrderedDict, defaultdict, namedtuples, deque, None, tensors, scalars, Size, result types and registered classes,
the leaves, the printed TreeSpec, its counts, the round trip, tree_map over several trees, is_leaf, key paths,
serialization, and the exception and warning types (and messages) for mismatched structures and registering twice.
Then ember._tree (the flatten ember's own transforms use): PyTorch's nodes plus unregistered dict/list/tuple
subclasses."""
import dataclasses
import os
import subprocess
import sys
import textwrap
import warnings
from collections import OrderedDict, defaultdict, deque, namedtuple

import pytest
from parity import torch

import ember
import ember.utils._pytree as ept
from ember import _tree

tpt = pytest.importorskip("torch.utils._pytree")

P = namedtuple("P", "x y")
Q = namedtuple("Q", "x y")


class Pair:
    """A custom node: two children and a string context."""

    def __init__(self, a, b, tag="t"):
        self.a, self.b, self.tag = a, b, tag

    def __eq__(self, other):
        return type(other) is Pair and (self.a, self.b, self.tag) == (other.a, other.b, other.tag)

    __hash__ = None

    def __repr__(self):
        return f"Pair({self.a!r}, {self.b!r}, {self.tag!r})"


def _pair_flatten(p):
    return [p.a, p.b], p.tag


def _pair_unflatten(values, tag):
    return Pair(*values, tag=tag)


def _pair_flatten_with_keys(pt):
    return lambda p: ([(pt.GetAttrKey("a"), p.a), (pt.GetAttrKey("b"), p.b)], p.tag)


class Output(OrderedDict):
    """Stands for Hugging Face's ModelOutput: an OrderedDict subclass that registers itself."""


class Unregistered(OrderedDict):
    """An OrderedDict subclass nobody registers: a leaf for PyTorch's pytree, a node for ember._tree."""


class Keyless:
    """A node registered without flatten_with_keys_fn."""

    def __init__(self, v):
        self.v = v


@dataclasses.dataclass
class Point:
    x: object
    y: object
    z: object = None


@pytest.fixture(scope="module", autouse=True)
def registered():
    """Pair, Output, Keyless and Point registered in both libraries for this module's tests, and removed after."""
    for pt, mod in ((ept, "ember"), (tpt, "torch")):
        pt.register_pytree_node(Pair, _pair_flatten, _pair_unflatten, serialized_type_name=f"{mod}.Pair",
                                flatten_with_keys_fn=_pair_flatten_with_keys(pt))
        pt.register_pytree_node(Output, lambda o: (list(o.values()), list(o.keys())),
                                lambda values, keys: Output(zip(keys, values)),
                                flatten_with_keys_fn=lambda o, pt=pt: ([(pt.MappingKey(k), v) for k, v in o.items()],
                                                                       list(o.keys())))
        pt.register_pytree_node(Keyless, lambda k: ([k.v], None), lambda values, _: Keyless(*values))
        pt.register_dataclass(Point)
    yield
    for cls in (Pair, Output, Keyless, Point):
        ept._deregister_pytree_node(cls)
        forget(tpt, cls)


def forget(pt, cls):
    """Unregister `cls` (PyTorch's _deregister_pytree_node raises KeyError once two types registered without a
    serialized_type_name were removed)."""
    pt.SUPPORTED_NODES.pop(cls, None)
    node_def = pt.SUPPORTED_SERIALIZED_TYPES.pop(cls, None)
    if node_def and pt.SERIALIZED_TYPE_TO_PYTHON_TYPE.get(node_def.serialized_type_name) is cls:
        del pt.SERIALIZED_TYPE_TO_PYTHON_TYPE[node_def.serialized_type_name]


def structures(lib):
    """Named trees built with `lib` (ember or torch): the same values in both."""
    t = lib.tensor([1.0, 2.0])
    return {
        "none": None,
        "int": 3,
        "float": 2.5,
        "str": "s",
        "tensor": t,
        "tuple": (1, 2),
        "empty_tuple": (),
        "empty_list": [],
        "empty_dict": {},
        "none_inside": (None, [None, 1]),
        "nested": [1, [2, (3, t)], {"k": [4]}],
        "dict_unsorted": {"b": 1, "a": (2, 3), 10: "x"},
        "ordered_dict": OrderedDict([("z", 1), ("a", [2, 3])]),
        "defaultdict": defaultdict(list, {"b": 1, "a": [2]}),
        "namedtuple": P(1, Q(t, (2, 3))),
        "deque": deque([1, (2, 3)], maxlen=5),
        "deque_unbounded": deque([1, 2]),
        "size": lib.Size([2, 3]),
        "result_type": lib.tensor([[1.0, 3.0], [2.0, 0.0]]).max(0),
        "custom": Pair(1, [2, t], tag="ctx"),
        "model_output": Output(loss=t, logits=(1, 2)),
        "unregistered_dict_subclass": Unregistered(a=1),
        "dataclass": Point(1, [2, 3]),
        "mixed": {"a": [P(1, 2), deque([3])], "b": Pair((4,), None), "c": OrderedDict(d=None)},
    }


NAMES = list(structures(ember))


def plain(x):
    """A comparable value: tensors (ember or torch) as ('tensor', values, dtype name), result types as tuples."""
    if isinstance(x, (ember.Tensor, torch.Tensor)):
        return "tensor", x.detach().cpu().numpy().tolist(), str(x.dtype).split(".")[-1]
    if isinstance(x, (ember.Size, torch.Size)):
        return "Size", tuple(x)
    if type(x).__module__ in ("torch.return_types", "ember.return_types"):
        return type(x).__name__, tuple(plain(v) for v in x)
    if isinstance(x, (list, tuple, deque)) and not ept.is_namedtuple(x):
        return type(x).__name__, [plain(v) for v in x]
    if ept.is_namedtuple(x):
        return type(x).__name__, [plain(v) for v in x]
    if isinstance(x, dict):
        return type(x).__name__, [(k, plain(v)) for k, v in x.items()]
    if isinstance(x, Pair):
        return "Pair", plain(x.a), plain(x.b), x.tag
    if isinstance(x, Point):
        return "Point", plain(x.x), plain(x.y), plain(x.z)
    return x


@pytest.mark.parametrize("name", NAMES)
def test_flatten_matches_pytorch(name):
    ours, theirs = structures(ember)[name], structures(torch)[name]
    leaves, spec = ept.tree_flatten(ours)
    t_leaves, t_spec = tpt.tree_flatten(theirs)
    assert [plain(v) for v in leaves] == [plain(v) for v in t_leaves]
    assert repr(spec) == repr(t_spec) and str(spec) == str(t_spec)
    assert (spec.num_leaves, spec.num_nodes, spec.num_children, spec.is_leaf()) == (
        t_spec.num_leaves, t_spec.num_nodes, t_spec.num_children, t_spec.is_leaf())
    assert [plain(v) for v in ept.tree_leaves(ours)] == [plain(v) for v in leaves]
    assert [plain(v) for v in ept.tree_iter(ours)] == [plain(v) for v in leaves]
    assert ept.tree_structure(ours) == spec and ept.tree_is_leaf(ours) == tpt.tree_is_leaf(theirs)
    assert ept.treespec_pprint(spec) == tpt.treespec_pprint(t_spec).replace("torch.", "ember.")
    rebuilt, t_rebuilt = ept.tree_unflatten(leaves, spec), tpt.tree_unflatten(t_leaves, t_spec)
    assert type(rebuilt).__name__ == type(t_rebuilt).__name__
    assert plain(rebuilt) == plain(t_rebuilt)
    assert spec.context == t_spec.context or name in ("result_type", "size")  # types differ by library
    assert [repr(c) for c in spec.children()] == [repr(c) for c in t_spec.children()]


@pytest.mark.parametrize("name", NAMES)
def test_key_paths_match_pytorch(name):
    ours, theirs = structures(ember)[name], structures(torch)[name]
    pairs, spec = ept.tree_flatten_with_path(ours)
    t_pairs, t_spec = tpt.tree_flatten_with_path(theirs)
    assert [(repr(path), plain(v)) for path, v in pairs] == [(repr(path), plain(v)) for path, v in t_pairs]
    assert [ept.keystr(p) for p, _ in pairs] == [tpt.keystr(p) for p, _ in t_pairs]
    assert repr(spec) == repr(t_spec)
    assert all(plain(ept.key_get(ours, p)) == plain(v) for p, v in pairs)
    mapped = ept.tree_map_with_path(lambda p, v: ept.keystr(p), ours)
    assert plain(mapped) == plain(tpt.tree_map_with_path(lambda p, v: tpt.keystr(p), theirs))


@pytest.mark.parametrize("name", NAMES)
def test_tree_map_matches_pytorch(name):
    def double(lib):
        return lambda x: x * 2 if isinstance(x, (int, float, lib.Tensor)) else x
    ours, theirs = structures(ember)[name], structures(torch)[name]
    assert plain(ept.tree_map(double(ember), ours)) == plain(tpt.tree_map(double(torch), theirs))
    pairs = ept.tree_map(lambda x, y: (plain(x), plain(y)), ours, structures(ember)[name])
    t_pairs = tpt.tree_map(lambda x, y: (plain(x), plain(y)), theirs, structures(torch)[name])
    assert plain(pairs) == plain(t_pairs)
    seen, t_seen = [], []
    assert ept.tree_map_(lambda x: seen.append(plain(x)), ours) is ours
    tpt.tree_map_(lambda x: t_seen.append(plain(x)), theirs)
    assert seen == t_seen


def test_none_is_a_leaf_and_dicts_keep_their_order():
    for pt in (ept, tpt):
        assert pt.tree_flatten(None)[0] == [None] and pt.tree_structure(None).is_leaf()
        assert pt.tree_is_leaf(None) and not pt.tree_is_leaf({"a": None})
        assert pt.tree_leaves({"b": 1, "a": 2, "c": None}) == [1, 2, None]
    assert repr(ept.tree_structure((1, 2))) == "TreeSpec(tuple, None, [*,\n  *])"


def test_tree_map_broadcasts_a_prefix_and_takes_is_leaf():
    for pt in (ept, tpt):
        assert pt.tree_map(lambda x, y: [x] + y, [5, 6], [[7, 9], [1, 2]]) == [[5, 7, 9], [6, 1, 2]]
        assert pt.tree_map(lambda x: x is None, {"x": 7, "y": (42, 64), "z": None}) == {
            "x": False, "y": (False, False), "z": True}
    tree = (1, [2, (3, 4)], {"a": (5, 6)})

    def pairs_are_leaves(x):
        return isinstance(x, tuple) and len(x) == 2
    for args in [(tree,), ([(1, 2), 3],)]:
        ours, spec = ept.tree_flatten(*args, is_leaf=pairs_are_leaves)
        theirs, t_spec = tpt.tree_flatten(*args, is_leaf=pairs_are_leaves)
        assert ours == theirs and repr(spec) == repr(t_spec)
        assert ept.tree_map(str, *args, is_leaf=pairs_are_leaves) == tpt.tree_map(str, *args,
                                                                                  is_leaf=pairs_are_leaves)
        assert ept.tree_is_leaf(args[0], is_leaf=pairs_are_leaves) == tpt.tree_is_leaf(args[0],
                                                                                      is_leaf=pairs_are_leaves)
    prefix = (0, 1, {"a": 2})
    assert ept._broadcast_to_and_flatten(prefix, ept.tree_structure(tree)) == tpt._broadcast_to_and_flatten(
        prefix, tpt.tree_structure(tree)) == [0, 1, 1, 1, 2, 2]
    assert ept._broadcast_to_and_flatten([0], ept.tree_structure(tree)) is None


def test_map_only_all_any():
    tree = [1, 2.5, "s", (3, None), {"k": -1}]
    for pt in (ept, tpt):
        assert pt.tree_map_only(int, lambda x: x * 10, tree) == [10, 2.5, "s", (30, None), {"k": -10}]
        assert pt.tree_map_only((int, float), lambda x: -x, tree) == [-1, -2.5, "s", (-3, None), {"k": 1}]
        assert pt.tree_map_only(lambda x: x == "s", str.upper, tree)[2] == "S"
        seen = []
        assert pt.tree_map_only_(str, seen.append, tree) is tree and seen == ["s"]
        assert pt.tree_all(lambda x: x is not False, tree) and not pt.tree_all(lambda x: x == 1, tree)
        assert pt.tree_any(lambda x: x is None, tree) and not pt.tree_any(lambda x: x == 99, tree)
        assert pt.tree_all_only(int, lambda x: x < 5, tree) and not pt.tree_all_only(int, lambda x: x > 0, tree)
        assert pt.tree_any_only((str, float), lambda x: x == 2.5, tree)
        assert not pt.tree_any_only(str, lambda x: x == 2.5, tree)
        assert pt.arg_tree_leaves(1, (2, 3), a=[4]) == [1, 2, 3, 4]


def raised(call):
    """(exception type name, message) of what `call()` raises."""
    with pytest.raises(Exception) as info:  # noqa: PT011 (the type is what is compared)
        call()
    return type(info.value).__name__, str(info.value)


MISMATCHES = [
    ((1, 2), (1,)),  # arity
    ([1, 2], (1, 2)),  # type
    ((1, 2), 3),  # a leaf where a node is expected
    ({"a": 1, "b": 2}, {"a": 1, "c": 2}),  # keys
    (P(1, 2), Q(1, 2)),  # namedtuple class
    (Pair(1, 2, "x"), Pair(1, 2, "y")),  # custom context
    (Pair(1, 2), (1, 2)),  # custom type
]


@pytest.mark.parametrize("first, second", MISMATCHES)
def test_mismatched_trees_raise_pytorchs_errors(first, second):
    ours = raised(lambda: ept.tree_map(lambda a, b: a, first, second))
    theirs = raised(lambda: tpt.tree_map(lambda a, b: a, first, second))
    assert ours[0] == theirs[0] == "ValueError"
    assert ours[1].split(" at 0x")[0] == theirs[1].split(" at 0x")[0]  # the namedtuple function's address differs


def test_compatible_dicts_and_deques_map_together():
    for pt in (ept, tpt):
        assert pt.tree_map(lambda a, b: a + b, {"a": 1, "b": 2}, OrderedDict(b=10, a=20)) == {"a": 21, "b": 12}
        assert pt.tree_map(lambda a, b: a + b, deque([1, 2], maxlen=2), deque([1, 2])) == deque([2, 4], maxlen=2)
        assert pt.tree_structure([1, (2, 3)]).flatten_up_to([[1, 2], (3, {"a": 4})]) == [[1, 2], 3, {"a": 4}]


def test_unflatten_errors():
    for call in (lambda pt: pt.tree_unflatten([1, 2, 3], pt.tree_structure((1, 2))),
                 lambda pt: pt.tree_unflatten([1, 2], [1, 2]),
                 lambda pt: pt.tree_structure((1, 2)).unflatten([1])):
        assert raised(lambda: call(ept)) == raised(lambda: call(tpt))
    for pt in (ept, tpt):  # the spec may come first
        assert pt.tree_unflatten(pt.tree_structure((1, 2)), [3, 4]) == (3, 4)
        assert pt.tree_structure([1]).unflatten(iter([5])) == [5]


def test_registering_twice():
    for pt in (ept, tpt):
        assert raised(lambda: pt.register_pytree_node(tuple, list, tuple)) == (
            "ValueError", "<class 'tuple'> is already registered as pytree node.")
        assert raised(lambda: pt.register_pytree_node(Pair, list, tuple))[0] == "ValueError"


@pytest.mark.parametrize("pt", [ept, tpt], ids=["ember", "torch"])
def test_private_register_warns(pt):
    class Box:
        def __init__(self, v):
            self.v = v
    flatten, unflatten = (lambda b: ([b.v], None)), (lambda values, _: Box(*values))
    try:
        with pytest.warns(FutureWarning, match="_register_pytree_node` is deprecated"):
            pt._register_pytree_node(Box, flatten, unflatten)
        assert pt.tree_leaves([Box(3)]) == [3]
        with pytest.warns(UserWarning, match="already registered as pytree node. Overwriting"), \
                warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            pt._register_pytree_node(Box, flatten, unflatten)
        with pytest.raises(ValueError, match="must be None or registered"):
            pt.register_pytree_node(type("Other", (), {}), flatten, unflatten, to_dumpable_context=str)
        assert Box in pt.SUPPORTED_NODES and pt.SUPPORTED_NODES[Box].flatten_fn is flatten
    finally:
        forget(pt, Box)
    assert Box not in pt.SUPPORTED_NODES and pt.tree_leaves([Box(3)])[0].v == 3


def test_treespec_equality_hash_and_accessors():
    for pt in (ept, tpt):
        a, b, c = pt.tree_structure((1, [2])), pt.tree_structure((3, [4])), pt.tree_structure((1, (2,)))
        assert a == b and hash(a) == hash(b) and a != c
        assert pt.tree_structure({"a": 1}) != pt.tree_structure(OrderedDict(a=1))
        assert pt.tree_structure({"a": 1}).context == ["a"] and a.child(1) == pt.tree_structure([0])
        assert len({pt.tree_structure({"a": 1, "b": (2,)}), pt.tree_structure({"a": 0, "b": (0,)})}) == 1
        assert pt.treespec_tuple([pt.treespec_leaf()] * 2) == a.child(1).__class__(tuple, None, [a.child(0)] * 2)
        assert pt.treespec_dict(a=pt.treespec_leaf()) == pt.tree_structure({"a": 1})
        assert raised(lambda: pt.treespec_tuple([1]))[0] == "ValueError"
        assert raised(lambda: pt.TreeSpec(None, 1, [])) == ("AssertionError", "leaf node should not have a context")
        with pytest.warns(FutureWarning, match="children_specs"):
            assert a.children_specs == a.children()
        with pytest.warns(FutureWarning, match="LeafSpec"):
            leaf = pt.LeafSpec()
        assert repr(leaf) == "*" and leaf == pt.treespec_leaf() and leaf.is_leaf() and leaf.num_leaves == 1
        assert isinstance(pt.tree_structure(1), pt.LeafSpec) and isinstance(pt.tree_structure(1), pt.PyTreeSpec)


SERIALIZED = [(1, [2, (3, 4)]), {"b": 1, "a": [2]}, OrderedDict(a=(1,), b=deque([1], maxlen=4)),
              defaultdict(list, a=1), Pair(1, 2, "tag"), 5]


@pytest.mark.parametrize("tree", SERIALIZED, ids=lambda t: type(t).__name__)
def test_treespec_dumps_loads(tree):
    ours, theirs = ept.treespec_dumps(ept.tree_structure(tree)), tpt.treespec_dumps(tpt.tree_structure(tree))
    assert ours == theirs.replace('"torch.Pair"', '"ember.Pair"')
    assert ept.treespec_loads(ours) == ept.tree_structure(tree)
    assert repr(ept.treespec_loads(ours)) == repr(tpt.treespec_loads(theirs))


def test_treespec_dumps_errors():
    for call in (lambda pt: pt.treespec_dumps(pt.tree_structure(P(1, 2))),  # a namedtuple needs a registered name
                 lambda pt: pt.treespec_dumps(pt.tree_structure([Output(a=1)])),  # registered without a name
                 lambda pt: pt.treespec_dumps(pt.tree_structure((1, 2)), protocol=3),
                 lambda pt: pt.treespec_loads('[1, {"type": "no.Such", "context": null, "children_spec": [1]}]')):
        assert raised(lambda: call(ept)) == raised(lambda: call(tpt))


def test_key_paths_need_flatten_with_keys():
    ours, theirs = raised(lambda: ept.tree_leaves_with_path([Keyless(1)])), raised(
        lambda: tpt.tree_leaves_with_path([Keyless(1)]))
    assert ours == theirs and ours[0] == "ValueError"
    assert ept.tree_leaves([Keyless(1)]) == [1]
    for pt in (ept, tpt):
        assert str(pt.SequenceKey(0)) == "[0]" and str(pt.MappingKey("a")) == "['a']"
        assert str(pt.GetAttrKey("x")) == ".x" and pt.keystr((pt.MappingKey(1), pt.GetAttrKey("y"))) == "[1].y"


def test_namedtuple_and_structseq_predicates():
    import os as os_module
    stat = os_module.stat(".")
    for pt in (ept, tpt):
        assert pt.is_namedtuple(P) and pt.is_namedtuple(P(1, 2)) and pt.is_namedtuple_instance(P(1, 2))
        assert not pt.is_namedtuple((1, 2)) and not pt.is_namedtuple_class(tuple)
        assert pt.is_structseq(stat) and pt.is_structseq_class(type(stat)) and pt.is_structseq_instance(stat)
        assert not pt.is_structseq(P(1, 2))


def test_dataclass_registration():
    for lib, pt in ((ember, ept), (torch, tpt)):
        point = Point(lib.tensor(1.0), 2)
        leaves, spec = pt.tree_flatten(point)
        assert len(leaves) == 2 and repr(spec) == "TreeSpec(Point, [['x', 'y'], ['z']], [*,\n  *])"
        assert pt.tree_unflatten(leaves, spec).z is None
    assert raised(lambda: ept.register_dataclass(Pair)) == raised(lambda: tpt.register_dataclass(Pair))


def test_all_names_exist():
    missing = [name for name in tpt.__all__ if not hasattr(ept, name)]
    assert missing == [] and set(ept.__all__) == set(tpt.__all__)


def test_public_functions_have_docstrings():
    for name in ept.__all__:
        value = getattr(ept, name)
        if callable(value) and getattr(value, "__module__", None) == ept.__name__:
            assert value.__doc__, name


# ---- ember._tree: PyTorch's nodes, plus unregistered dict/list/tuple subclasses --------------------------------------
class MyList(list):
    pass


def test_internal_tree_treats_subclasses_as_nodes():
    t = ember.ones(2)
    tree = {"a": Unregistered(x=t, y=[1, MyList([t, 2])]), "s": ember.Size([2, 3]), "d": deque([t]),
            "r": ember.tensor([[1.0, 3.0]]).max(0), "o": Output(v=t), "n": None, "p": P(t, 3)}
    leaves, spec = _tree.flatten(tree)
    assert len(leaves) == 13 and isinstance(spec, ept.TreeSpec)
    rebuilt = _tree.unflatten(list(leaves), spec)
    assert type(rebuilt["a"]) is Unregistered and type(rebuilt["a"]["y"][1]) is MyList
    assert type(rebuilt["s"]) is ember.Size and rebuilt["s"] == (2, 3)  # kept a Size, unlike tree_unflatten
    assert type(rebuilt["r"]).__name__ == "max" and type(rebuilt["o"]) is Output and type(rebuilt["p"]) is P
    assert plain(rebuilt) == plain(tree)
    assert len(_tree.tensors_in(tree)) == 7
    assert _tree.flatten(tree)[1] == spec and _tree.flatten({"a": 1})[1] != spec
    assert _tree.unflatten([1, 2, 3], _tree.flatten((0, 0))[1]) == (1, 2)  # extra leaves are ignored
    with pytest.raises(ValueError, match="leaves given"):
        _tree.unflatten([1], _tree.flatten((0, 0))[1])
    # where PyTorch's pytree has a node, the spec is tree_flatten's
    plain_tree = {"b": [1, (2, None)], "a": OrderedDict(c=3)}
    assert _tree.flatten(plain_tree) == ept.tree_flatten(plain_tree)


def test_ember_run_maps_torch_utils_pytree(tmp_path):
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent("""
        import torch
        import torch.utils._pytree as pytree
        from torch.utils._pytree import tree_flatten, tree_map

        leaves, spec = tree_flatten({"b": torch.ones(2), "a": (1, None)})
        print(pytree.__name__, len(leaves), spec.num_leaves, tree_map(lambda x: x, (1, [2])))
    """))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    result = subprocess.run([sys.executable, "-m", "ember", "run", str(script)], check=False, capture_output=True,
                            text=True, cwd=tmp_path, timeout=120, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["ember.utils._pytree", "3", "3", "(1,", "[2])"]


def test_specs_pickle_and_copy():
    import copy
    import pickle
    spec = ept.tree_structure({"a": [1, (2, None)], "b": OrderedDict(c=P(3, 4)), "d": deque([5], maxlen=2)})
    for clone in (pickle.loads(pickle.dumps(spec)), copy.deepcopy(spec), copy.copy(spec)):
        assert clone == spec and repr(clone) == repr(spec) and clone.num_leaves == 6
        assert clone.unflatten(range(6)) == {"a": [0, (1, 2)], "b": OrderedDict(c=P(3, 4)), "d": deque([5], maxlen=2)}
