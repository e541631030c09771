"""ember.utils.benchmark against torch.utils.benchmark: Measurements of the same times print, summarise, merge and
compare (Compare's tables, trimmed, coloured, with warnings) character for character as PyTorch's; Timer times
statements with its globals and thread count, and rejects bad input with PyTorch's exception types; a Fuzzer draws
PyTorch's parameters for the same seed."""
import itertools
import pickle
import re
import subprocess
import sys
import textwrap
import timeit

import numpy as np
import pytest

import ember
import ember.utils.benchmark as eb

torch = pytest.importorskip("torch")
import torch.utils.benchmark as tb  # noqa: E402 (after the skip)

LIBS = pytest.mark.parametrize("b", [eb, tb], ids=["ember", "torch"])
OBJECT_LINE = re.compile(r"<([\w.]+)\.Measurement object at 0x[0-9a-f]+>")


def normalised(text: str) -> str:
    """The printed form with the object line's module and address left out."""
    return OBJECT_LINE.sub("<Measurement>", text)


SPECS = [dict(stmt="x + 1", setup="pass"),
         dict(stmt="y = x\ny += 1", setup="x = 1\ny = 2", sub_label="sub"),
         dict(stmt="f(x)", setup="import f", label="L", sub_label="s", description="d", num_threads=4),
         dict(stmt="f(x)", setup="", label="L", sub_label="", description="", env="E", num_threads=2)]


def time_cases():
    """(number_per_run, raw_times, spec) over every unit, 1 to 50 runs, and spreads with and without warnings."""
    rs = np.random.RandomState(0)
    cases = []
    for i, (scale, n, spread) in enumerate(itertools.product(
            [3e-10, 1e-9, 5e-9, 1e-7, 1e-6, 9.99e-7, 2.5e-5, 1e-3, 0.3, 1.0, 20.0], [1, 2, 3, 4, 7, 50],
            [0.0, 0.01, 0.15, 0.6])):
        times = [scale * abs(1 + spread * rs.randn()) for _ in range(n)]
        cases.append(([1, 10, 1000][i % 3], times, SPECS[i % len(SPECS)]))
    return cases


def summary(m):
    return (normalised(repr(m)), m.median, m.iqr, m.significant_figures, m.has_warnings, m.title, m.env, m.times,
            m.stmt, m.label, m.num_threads, m.as_row_name, m.meets_confidence(0.2))


def test_measurement_prints_and_summarises_as_pytorchs():
    for number, times, spec in time_cases():
        mine = eb.Measurement(number, list(times), eb.TaskSpec(**spec))
        theirs = tb.Measurement(number, list(times), tb.TaskSpec(**spec))
        assert summary(mine) == summary(theirs), (number, times, spec)
        assert mine.mean == pytest.approx(theirs.mean, rel=1e-12)


def test_measurement_repr_names_embers_module_and_pytorchs_layout():
    m = eb.Measurement(1000, [12.0e-3, 12.34e-3, 12.56e-3, 13.0e-3], eb.TaskSpec(
        "torch.add(x, 1)", "pass", label="label", sub_label="sub_label", description="description"))
    first, *rest = repr(m).splitlines()
    assert OBJECT_LINE.fullmatch(first).group(1) == "ember.utils.benchmark.utils.common"
    assert rest == ["label: sub_label", "description", "  Median: 12.45 us", "  IQR:    0.41 us (12.26 to 12.67)",
                    "  4 measurements, 1000 runs per measurement, 1 thread"]
    noisy = eb.Measurement(1, [1.0, 1.2, 1.4, 2.0], eb.TaskSpec("f()", "pass"))
    assert repr(noisy).splitlines()[-2:] == [
        "  WARNING: Interquartile range is 30.8% of the median measurement.",
        "           This suggests significant environmental influence."]


@pytest.mark.parametrize("t", [1e-12, 5e-10, 1e-9, 9.99999e-7, 1e-6, 1.000001e-6, 3e-3, 1e-3, 0.5, 1.0, 999.0, 1e5])
def test_select_unit(t):
    assert eb.select_unit(t) == tb.select_unit(t)
    assert eb.unit_to_english(eb.select_unit(t)[0]) == tb.unit_to_english(tb.select_unit(t)[0])


def test_trim_sigfig_and_ordered_unique():
    for x, n in itertools.product([3.14159, 12.345, 0.0012345, 99.95, 1234.5, 2.5, 0.5, 1.2345e-7], [1, 2, 3, 4]):
        assert eb.trim_sigfig(x, n) == tb.trim_sigfig(x, n), (x, n)
    for b in (eb, tb):
        with pytest.raises(AssertionError):
            b.trim_sigfig(1.0, 1.5)
    assert eb.ordered_unique([3, 1, 3, 2, 1]) == tb.ordered_unique([3, 1, 3, 2, 1]) == [3, 1, 2]


@LIBS
def test_merge_pickle_and_taskspec(b):
    spec = b.TaskSpec("f()", "pass", label="L", description="d")
    other = b.TaskSpec("g()", "pass", label="L", description="d")
    merged = b.Measurement.merge([b.Measurement(10, [1.0, 2.0], spec, metadata={"k": 1}),
                                  b.Measurement(2, [0.5], other), b.Measurement(100, [3.0], spec)])
    assert [(m.task_spec, m.number_per_run, m.raw_times, m.metadata) for m in merged] == [
        (spec, 1, [0.1, 0.2, 0.03], None), (other, 1, [0.25], None)]
    copy = pickle.loads(pickle.dumps(merged[0]))
    assert (copy.task_spec, copy.median, copy.label) == (spec, merged[0].median, "L")
    assert hash(spec) == hash(b.TaskSpec("f()", "pass", label="L", description="d"))
    assert spec.summarize() == "L\nd"


def compare_inputs(b, envs):
    """Measurements over three labels (one None), two thread counts, envs, three sub_labels and descriptions, with a
    missing cell, replicates to merge, and spreads from quiet to noisy."""
    rs = np.random.RandomState(0)
    out = []
    for label, base in [("add", 2e-6), ("matmul", 3e-4), (None, 7e-7)]:
        for threads, env, sub in itertools.product((1, 4), envs, ("float", "int", "a much longer sub label")):
            for k, desc in enumerate(("n=1", "n=64", "n=4096")):
                if (sub, desc) == ("int", "n=64"):
                    continue
                spread = [0.01, 0.15, 0.5][(k + len(sub)) % 3]
                scale = base * (k + 1) ** 1.5 / threads * (2.5 if sub == "int" else 1)
                for _ in range(2 if sub == "float" else 1):
                    times = [scale * abs(1 + spread * rs.randn()) for _ in range(rs.randint(1, 12))]
                    out.append(b.Measurement(100, times, b.TaskSpec("f(x)", "pass", label=label, sub_label=sub,
                                                                    description=desc, num_threads=threads, env=env)))
    return out


@pytest.mark.parametrize("envs", [(None,), ("A", "Bee")], ids=["one-env", "two-envs"])
@pytest.mark.parametrize("trim,colour,warnings", list(itertools.product([False, True], [None, False, True],
                                                                         [False, True])))
def test_compare_tables_are_pytorchs(envs, trim, colour, warnings, capsys):
    texts = []
    for b in (eb, tb):
        compare = b.Compare(compare_inputs(b, envs))
        if trim:
            compare.trim_significant_figures()
        if colour is not None:
            compare.colorize(rowwise=colour)
        if warnings:
            compare.highlight_warnings()
        compare.print()
        texts.append(capsys.readouterr().out)
        assert texts[-1] == str(compare) + "\n"
    assert texts[0] == texts[1]


def test_compare_layout():
    times = {("relu", "float", "n=1", 1): 10e-6, ("relu", "float", "n=8", 1): 20e-6, ("relu", "int", "n=1", 1): 15e-6,
             ("relu", "float", "n=1", 2): 6e-6}
    results = [eb.Measurement(1, [t] * 4, eb.TaskSpec("f()", "pass", label=lab, sub_label=sub, description=desc,
                                                      num_threads=threads))
               for (lab, sub, desc, threads), t in times.items()]
    assert str(eb.Compare(results)).splitlines() == [
        "[----------- relu ----------]",
        "             |  n=1   |  n=8 ",
        "1 threads: ------------------",
        "      float  |  10.0  |  20.0",
        "      int    |  15.0  |      ",
        "2 threads: ------------------",
        "      float  |   6.0  |      ",
        "",
        "Times are in microseconds (us)."]
    with pytest.raises(ValueError, match="Expected an instance of `Measurement`"):
        eb.Compare([1.0])


def test_compare_prints_where_pytorchs_raises():
    unset_env = [eb.Measurement(1, [1e-3], eb.TaskSpec("f()", "pass", label="L", description="d", env=env))
                 for env in (None, "A")]
    assert "(None)" in str(eb.Compare(unset_env)) and "(A)" in str(eb.Compare(unset_env))
    no_description = [eb.Measurement(1, [t], eb.TaskSpec("f()", "pass", label="L", sub_label=s))
                      for s, t in [("a", 1e-3), ("b", 2e-3)]]
    assert str(eb.Compare(no_description)).splitlines() == [
        "[----- L -----]", "         |     ", "1 threads: ----", "      a  |  1.0", "      b  |  2.0", "",
        "Times are in milliseconds (ms)."]
    for broken in (unset_env, no_description):
        with pytest.raises(TypeError):
            str(tb.Compare([tb.Measurement(m.number_per_run, m.raw_times, tb.TaskSpec(**vars(m.task_spec)))
                            for m in broken]))


@LIBS
def test_timer_timeit_and_globals(b):
    calls = []
    timer = b.Timer("record(x)", setup="x = base * 2", globals={"record": calls.append, "base": 21})
    m = timer.timeit(number=50)
    assert isinstance(m, b.Measurement) and m.number_per_run == 50 and len(m.raw_times) == 1
    assert calls == [42] * 52  # a warmup of max(50 // 100, 2) runs, then 50
    assert m.raw_times[0] > 0 and m.stmt == "record(x)" and m.setup == "x = base * 2"
    names = {}
    b.Timer("names['torch'] = torch", globals={"names": names}).timeit(2)
    assert names["torch"] is (ember if b is eb else torch)  # `torch` is there unless the globals name it
    mine = {"v": 1}
    b.Timer("v + 1", globals=mine).timeit(1)
    assert mine == {"v": 1}  # the caller's dict is copied, not filled


@LIBS
def test_timer_strips_block_strings(b):
    timer = b.Timer("""
        y = x + 1
        y = y * 2
    """, setup="""
        x = 3
    """)
    assert timer.timeit(3).task_spec.stmt == "y = x + 1\ny = y * 2"
    assert timer._task_spec.setup == "x = 3"


def test_timer_blocked_and_adaptive_autorange():
    seen = []
    m = eb.Timer("sum(range(50))", label="sum", sub_label="range", description="50").blocked_autorange(
        callback=lambda number, t: seen.append((number, t)), min_run_time=0.05)
    assert sum(m.raw_times) >= 0.05 and m.raw_times == [t for _, t in seen]
    assert {number for number, _ in seen} == {m.number_per_run} and m.number_per_run >= 1
    assert 0.1e-6 < m.median < 1e-3 and m.title == "sum: range" and m.description == "50"
    adaptive = eb.Timer("sum(range(50))").adaptive_autorange(threshold=0.5, max_run_time=0.5)
    assert len(adaptive.raw_times) > 3 or sum(adaptive.raw_times) > 0.5
    assert sum(adaptive.raw_times) >= 0.01


def test_timer_uses_and_restores_the_thread_count():
    prior = ember.get_num_threads()
    try:
        ember.set_num_threads(2)
        if ember.get_num_threads() != 2:
            pytest.skip("BLAS cannot run 2 threads here")
        counts = []
        eb.Timer("seen.append(torch.get_num_threads())", globals={"seen": counts}, num_threads=1).timeit(2)
        assert counts and set(counts) == {1} and ember.get_num_threads() == 2
        with pytest.raises(ZeroDivisionError):
            eb.Timer("1 / 0", num_threads=1).timeit(1)
        assert ember.get_num_threads() == 2
        with eb.set_torch_threads(1):
            assert ember.get_num_threads() == 1
        assert ember.get_num_threads() == 2
        m = eb.Timer("seen.append(torch.get_num_threads())", globals={"seen": counts}, num_threads=2).timeit(1)
        assert counts[-1] == 2 and "2 threads" in repr(m)
    finally:
        ember.set_num_threads(prior)


@LIBS
def test_timer_bad_input_raises_pytorchs_exceptions(b):
    with pytest.raises(ValueError, match="only a `str` stmt"):
        b.Timer(lambda: 0)
    with pytest.raises(SyntaxError):
        b.Timer("x +")
    with pytest.raises(SyntaxError):
        b.Timer("pass", setup="def")
    with pytest.raises(ValueError, match="global_setup is C\\+\\+ only"):
        b.Timer("pass", global_setup="#include <vector>")
    with pytest.raises(ValueError, match="Invalid language"):
        b.Timer("pass", language="fortran")
    with pytest.raises(NameError):
        b.Timer("undefined_name + 1").timeit(1)
    timer = b.Timer("pass")
    with pytest.raises(NotImplementedError, match="blocked_autorange"):
        timer.repeat(3, 10)
    with pytest.raises(NotImplementedError, match="blocked_autorange"):
        timer.autorange()
    with pytest.raises(ValueError, match="repeats"):
        timer.collect_callgrind(10, repeats=0)
    with pytest.raises(NameError):
        b.Timer("undefined_name").collect_callgrind(10)
    assert b.timer() == pytest.approx(timeit.default_timer(), abs=1.0)
    assert b.Language.PYTHON.value == 0 and b.Language.CPP.value == 1


def test_embers_differences_cpp_and_callgrind():
    with pytest.raises(NotImplementedError, match="C\\+\\+"):
        eb.Timer("auto x = 1;", language="cpp")
    with pytest.raises(OSError, match="Valgrind is not supported"):
        eb.Timer("pass").collect_callgrind(10)
    wrapped = eb.CopyIfCallgrind(ember.nn.Linear(2, 2))
    assert eb.CopyIfCallgrind.unwrap_all({"m": wrapped, "n": 3}) == {"m": wrapped.value, "n": 3}
    assert eb.Timer("m(torch.ones(2))", globals={"m": wrapped}).timeit(2).number_per_run == 2
    with pytest.raises(ValueError, match="Unsupported type"):
        eb.CopyIfCallgrind([1, 2])


def test_function_counts_as_pytorchs():
    data = [(500, "Python/ceval.c:_PyEval_EvalFrameDefault [/usr/bin/python]"), (-30, "dictobject.c:lookdict_unicode"),
            (7, "build/../aten/src/ATen/native/Foo.cpp:at::native::foo()")]
    mine = eb.FunctionCounts(tuple(eb.FunctionCount(*d) for d in data), inclusive=False, _linewidth=60)
    theirs = tb.FunctionCounts(tuple(tb.FunctionCount(*d) for d in data), inclusive=False, _linewidth=60)
    for f in (lambda c: c, lambda c: c + c, lambda c: c - c[:1], lambda c: c * 3, lambda c: c.denoise(),
              lambda c: c.transform(lambda fn: fn.split(":")[0]), lambda c: c.filter(lambda fn: "Python" in fn)):
        assert repr(f(mine)).split("\n", 1)[1] == repr(f(theirs)).split("\n", 1)[1]
    assert mine.sum() == theirs.sum() == 477 and len(mine) == len(theirs) == 3
    assert mine[0] == eb.FunctionCount(500, data[0][1]) and list(mine[1:]) == list(theirs[1:])
    stats = eb.CallgrindStats(eb.TaskSpec("f()", "pass"), 10, False, mine, mine, mine + mine, mine + mine, None)
    assert stats.counts() == 954 and stats.counts(denoise=True) == 1014 and stats.delta(stats).sum() == 0
    assert [f for _, f in stats.as_standardized().stats()] == [
        "Python/ceval.c:_PyEval_EvalFrameDefault", "build/../aten/src/ATen/native/Foo.cpp:at::native::foo()",
        "dictobject.c:lookdict_unicode"]
    assert "Instructions:" in repr(stats) and "10 runs per measurement, 1 thread" in repr(stats)


def fuzzer(b, seed):
    params = [b.FuzzedParameter("k0", 1, 64, distribution="loguniform"),
              b.FuzzedParameter("k1", 2, 9, distribution="uniform", strict=True),
              b.FuzzedParameter("scale", 0.5, 2.0, distribution="uniform"),
              [b.FuzzedParameter("step", 1, 3, distribution="uniform"),
               b.FuzzedParameter("dim", 1, 3, distribution="uniform")]]
    tensors = [b.FuzzedTensor("x", size=("k0", "k1", 4), steps=("step", 1, 1), dim_parameter="dim",
                              probability_contiguous=0.4, max_elements=300),
               b.FuzzedTensor("y", size=("k1", "k0"), dtype=b is eb and ember.int64 or torch.int64)]
    return b.Fuzzer(params, tensors, constraints=[lambda p: p["k0"] != 5], seed=seed)


def test_fuzzer_draws_pytorchs_cases():
    mine, theirs = fuzzer(eb, 123), fuzzer(tb, 123)
    for (m_tensors, m_props, m_params), (t_tensors, t_props, t_params) in zip(mine.take(12), theirs.take(12),
                                                                              strict=True):
        assert m_params == t_params
        for name in ("x", "y"):
            assert tuple(m_tensors[name].shape) == tuple(t_tensors[name].shape)
            assert m_tensors[name].stride() == t_tensors[name].stride()
            mp, tp = dict(m_props[name]), dict(t_props[name])
            assert list(mp.pop("order")) == list(tp.pop("order"))
            assert mp.pop("dtype").replace("ember", "torch") == tp.pop("dtype") and mp == tp
        assert m_tensors["y"].dtype == ember.int64 and 1 <= int(m_tensors["y"].min()) <= int(m_tensors["y"].max()) < 127
        assert 0 <= float(m_tensors["x"].min()) and float(m_tensors["x"].max()) < 1
    assert mine.rejection_rate == theirs.rejection_rate > 0


@LIBS
def test_fuzzer_errors(b):
    with pytest.raises(AssertionError, match="Unknown distribution"):
        b.FuzzedParameter("a", 1, 2, distribution="normal")
    with pytest.raises(ValueError, match="Duplicate names"):
        b.Fuzzer([b.FuzzedParameter("a", 1, 2, distribution="uniform")], [b.FuzzedTensor("a", size=(1,))])
    with pytest.raises(ValueError, match="Failed to generate"):
        next(b.Fuzzer([b.FuzzedParameter("a", 1, 2, distribution="uniform")], [], constraints=[lambda p: False],
                      seed=0).take(1))
    with pytest.raises(ValueError, match="cycle"):
        b.Fuzzer._resolve_aliases({"a": b.ParameterAlias("b"), "b": b.ParameterAlias("a")})


def test_fuzzer_custom_distribution_and_alias():
    with pytest.raises(AssertionError, match="not normalized"):
        eb.FuzzedParameter("a", distribution={1: 0.5, 2: 0.4})
    sizes = eb.Fuzzer([eb.FuzzedParameter("n", 4, 8, distribution="uniform"),
                       eb.FuzzedParameter("m", distribution={1: 0.5, eb.ParameterAlias("n"): 0.5})],
                      [], seed=0)
    drawn = [params for _, _, params in sizes.take(40)]
    assert {p["m"] == 1 for p in drawn} == {True, False} and all(p["m"] in (1, p["n"]) for p in drawn)


def test_op_fuzzers_draw_pytorchs_parameters(monkeypatch):
    from torch.utils.benchmark.op_fuzzers import binary, spectral, unary

    from ember.utils.benchmark.op_fuzzers import binary as e_binary
    from ember.utils.benchmark.op_fuzzers import spectral as e_spectral
    from ember.utils.benchmark.op_fuzzers import unary as e_unary

    with pytest.raises(AssertionError, match="not normalized"):  # PyTorch 2.13's inverted check; ember's runs
        unary.UnaryOpFuzzer(seed=0)
    # PyTorch's fuzzers with the check the right way round draw the same parameters as ember's
    check = tb.FuzzedParameter._check_distribution
    monkeypatch.setattr(tb.FuzzedParameter, "_check_distribution",
                        lambda self, d: d if isinstance(d, dict) else check(self, d))
    assert e_spectral.REGULAR_SIZES == spectral.REGULAR_SIZES
    for mine, theirs in [(e_binary.BinaryOpFuzzer(seed=0), binary.BinaryOpFuzzer(seed=0)),
                         (e_unary.UnaryOpFuzzer(seed=1, dtype=ember.float64), unary.UnaryOpFuzzer(seed=1)),
                         (e_spectral.SpectralOpFuzzer(seed=2, probability_regular=0.5),
                          spectral.SpectralOpFuzzer(seed=2, probability_regular=0.5))]:
        m_state, t_state = np.random.RandomState(5), np.random.RandomState(5)
        for _ in range(20):
            assert mine._generate(m_state) == theirs._generate(t_state)
        assert mine.rejection_rate == theirs.rejection_rate
    for tensors, properties, params in e_unary.UnaryOpFuzzer(seed=0).take(3):
        x = tensors["x"]
        assert x.dim() == params["dim"] and x.numel() == properties["x"]["numel"] >= 4 * 1024


def test_tutorial_script_under_ember_run(tmp_path):
    script = tmp_path / "bench.py"
    script.write_text(textwrap.dedent("""
        import torch
        import torch.utils.benchmark as benchmark

        def batched_dot_mul_sum(a, b):
            return a.mul(b).sum(-1)

        x = torch.randn(100, 64)
        results = []
        for num_threads in [1, 2]:
            for stmt, sub in [("batched_dot_mul_sum(x, x)", "mul/sum"),
                              ("torch.bmm(x.unsqueeze(-1).mT, x.unsqueeze(-1))", "bmm")]:
                t = benchmark.Timer(stmt=stmt, setup="from __main__ import batched_dot_mul_sum",
                                    globals={"x": x}, num_threads=num_threads, label="Batched dot",
                                    sub_label=sub, description="100x64")
                results.append(t.blocked_autorange(min_run_time=0.02))
        print(results[0])
        compare = benchmark.Compare(results)
        compare.trim_significant_figures()
        compare.colorize()
        compare.print()
    """))
    out = subprocess.run([sys.executable, "-m", "ember", "run", str(script)], capture_output=True, text=True,
                         check=False, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "<ember.utils.benchmark.utils.common.Measurement object at 0x" in out.stdout
    assert "Batched dot" in out.stdout and "1 threads: " in out.stdout and "2 threads: " in out.stdout
    assert "Times are in " in out.stdout and "mul/sum" in out.stdout and "bmm" in out.stdout
