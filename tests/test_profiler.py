"""ember.profiler against torch.profiler (NOTE [ Profiling ops ]): PyTorch's profiling tutorial runs on both, with the
same labelled ranges, op names where ember's ops are PyTorch's, input shapes, memory columns, backward events, the
schedule's actions, on_trace_ready, Chrome traces, the legacy autograd.profiler, and the ops put back afterwards."""
import json

import numpy as np
import pytest
from parity import torch

import ember

LIBS = pytest.mark.parametrize("lib", [ember, torch], ids=["ember", "torch"])


def model_and_input(lib):
    lib.manual_seed(0)
    return lib.nn.Sequential(lib.nn.Linear(8, 4), lib.nn.ReLU()), lib.randn(3, 8)


@LIBS
def test_tutorial_profile_and_tables(lib):
    model, x = model_and_input(lib)
    P = lib.profiler
    with P.profile(activities=[P.ProfilerActivity.CPU], record_shapes=True) as prof:
        with P.record_function("model_inference"):
            model(x)
    averages = prof.key_averages()
    names = {e.key for e in averages}
    assert {"model_inference", "aten::linear", "aten::relu", "aten::addmm"} <= names
    outer = next(e for e in averages if e.key == "model_inference")
    assert outer.count == 1 and outer.cpu_time_total >= max(e.cpu_time_total for e in averages if e is not outer)
    table = averages.table(sort_by="cpu_time_total", row_limit=10).splitlines()
    assert table[1].split() == ["Name", "Self", "CPU", "%", "Self", "CPU", "CPU", "total", "%", "CPU", "total", "CPU",
                                "time", "avg", "#", "of", "Calls"]
    assert table[3].split()[0] == "model_inference" and table[-1].startswith("Self CPU time total:")
    shaped = prof.key_averages(group_by_input_shape=True)
    assert [e.input_shapes for e in shaped if e.key == "aten::linear"] == [[[3, 8], [4, 8], [4]]]
    assert "Input Shapes" in shaped.table(row_limit=3)


@LIBS
def test_memory_columns_and_backward_events(lib):
    model, x = model_and_input(lib)
    with lib.profiler.profile(profile_memory=True) as prof:
        model(x).sum().backward()
    averages = prof.key_averages()
    relu = next(e for e in averages if e.key == "aten::relu")
    assert relu.cpu_memory_usage == 3 * 4 * 4  # its float32 (3, 4) output
    assert "CPU Mem" in averages.table(sort_by="self_cpu_memory_usage", row_limit=3)
    assert "autograd::engine::evaluate_function: AddmmBackward0" in {e.key for e in averages}


@pytest.mark.parametrize("kwargs", [dict(wait=1, warmup=1, active=2), dict(wait=0, warmup=0, active=1, repeat=2),
                                    dict(wait=2, warmup=1, active=3, repeat=1, skip_first=2),
                                    dict(wait=2, warmup=0, active=2, skip_first_wait=1)])
@pytest.mark.filterwarnings("ignore:Profiler won't be using warmup")
def test_schedule_actions_are_pytorchs(kwargs):
    mine, theirs = ember.profiler.schedule(**kwargs), torch.profiler.schedule(**kwargs)
    assert [mine(i).name for i in range(14)] == [theirs(i).name for i in range(14)]


@LIBS
@pytest.mark.filterwarnings("ignore:.*Profiler clears events")
def test_steps_save_where_pytorch_saves(lib, tmp_path):
    model, x = model_and_input(lib)
    saved = []
    P = lib.profiler
    with P.profile(schedule=P.schedule(wait=1, warmup=1, active=2, repeat=2),
                   on_trace_ready=lambda p: saved.append((p.step_num, {e.key for e in p.events()}))) as prof:
        for _ in range(10):
            model(x)
            prof.step()
    assert [step for step, _ in saved] == [4, 8]
    assert all("aten::linear" in names for _, names in saved)
    with P.profile(on_trace_ready=P.tensorboard_trace_handler(str(tmp_path), worker_name="w")):
        model(x)
    (trace,) = tmp_path.iterdir()
    assert trace.name.startswith("w.") and trace.name.endswith(".pt.trace.json")
    assert any(e["name"] == "aten::linear" for e in json.loads(trace.read_text())["traceEvents"])


def test_ops_are_put_back_and_record_function_decorates():
    relu, conv2d, add = ember.nn.functional.relu, ember.nn.Conv2d.fn, ember.Tensor.__add__

    @ember.profiler.record_function("double")
    def double(t):
        return t + t
    with pytest.raises(ValueError), ember.profiler.profile() as prof:
        double(ember.ones(2))
        assert ember.nn.functional.relu is not relu
        raise ValueError
    assert (ember.nn.functional.relu, ember.nn.Conv2d.fn, ember.Tensor.__add__) == (relu, conv2d, add)
    events = prof.events()
    assert [e.key for e in events if e.key in ("double", "aten::add")] == ["double", "aten::add"]
    assert events[[e.key for e in events].index("aten::add")].cpu_parent.key == "double"
    np.testing.assert_array_equal(double(ember.ones(2)).numpy(), [2.0, 2.0])  # no profile: a plain call


@LIBS
def test_legacy_autograd_profiler(lib, tmp_path):
    model, x = model_and_input(lib)
    with lib.autograd.profiler.profile(record_shapes=True) as prof:
        model(x)
    assert "aten::linear" in {e.key for e in prof.key_averages()}
    assert prof.total_average().cpu_time_total > 0
    prof.export_chrome_trace(str(tmp_path / "trace.json"))
    assert json.loads((tmp_path / "trace.json").read_text())["traceEvents"]
    with lib.autograd.profiler.profile(enabled=False) as off:
        model(x)
    assert off is None


@LIBS
def test_schedule_warnings_and_errors(lib):
    with pytest.warns(UserWarning, match="won't be using warmup"):
        lib.profiler.schedule(wait=1, warmup=0, active=1)
    with pytest.raises(AssertionError, match="Invalid profiler schedule arguments"):
        lib.profiler.schedule(wait=1, warmup=1, active=0)
