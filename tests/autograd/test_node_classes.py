"""Each op family declares its node classes in one table and names them explicitly (`NODES.ExpBackward0`):
no module puts generated names into its globals, and each class reports the module that defines it."""
import importlib
import pathlib
import pkgutil

import ember.ops
from ember.autograd.graph import FunctionNode, NodeTable

OPS = pathlib.Path(ember.ops.__file__).parent


def families():
    """(module, its node table) for every module of ember.ops (and ember.special) that defines one."""
    names = [f"ember.ops.{m.name}" for m in pkgutil.iter_modules([str(OPS)])] + ["ember.special"]
    modules = [importlib.import_module(name) for name in names]
    return [(m, m.NODES) for m in modules if isinstance(getattr(m, "NODES", None), NodeTable)]


def test_no_op_family_writes_generated_names_into_its_globals():
    for path in sorted(OPS.glob("*.py")):
        assert "globals().update" not in path.read_text(), path.name


def test_node_classes_report_their_family_module_and_are_reached_by_name():
    found = families()
    assert len(found) >= 20
    for module, nodes in found:
        for name, cls in nodes.items():
            assert cls.__name__ == name and getattr(nodes, name) is cls
            if issubclass(cls, FunctionNode) and cls.formula is not None:
                assert cls.__module__ == module.__name__, (name, cls.__module__, module.__name__)
            assert not hasattr(module, name) or getattr(module, name) is not cls, (module.__name__, name)


def test_a_node_table_names_a_missing_class_clearly():
    nodes = ember.ops.elementwise.NODES
    try:
        nodes.NoSuchBackward0
    except AttributeError as err:
        assert "NoSuchBackward0" in str(err)
    else:
        raise AssertionError("a missing node class must raise AttributeError")
