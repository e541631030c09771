"""ember.utils.tensorboard against torch.utils.tensorboard: the same calls on ember's and PyTorch's SummaryWriter, each
into its own directory, read back with tensorboard's event reader, give the same events (tags, steps, values,
histogram buckets, PNG encodings, plugin data) in the same directory layout (add_scalars series, add_hparams sub-runs,
the projector's files) and file names; without the tensorboard package both raise the same ModuleNotFoundError; and
`ember run` runs a script that logs through `from torch.utils.tensorboard import SummaryWriter`."""
import io
import os
import re
import socket
import subprocess
import sys
import textwrap
import time
import wave

import numpy as np
import pytest

import ember

pytest.importorskip("tensorboard")
torch = pytest.importorskip("torch")
torch_tb = pytest.importorskip("torch.utils.tensorboard")

from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa: E402
from tensorboard.backend.event_processing.event_file_loader import LegacyEventFileLoader  # noqa: E402
from tensorboard.plugins.hparams.plugin_data_pb2 import HParamsPluginData  # noqa: E402

from ember.utils.tensorboard import SummaryWriter  # noqa: E402
from ember.utils.tensorboard import summary as ember_summary  # noqa: E402

WRITERS = {"ember": SummaryWriter, "torch": torch_tb.SummaryWriter}
LIBS = {"ember": ember, "torch": torch}
EVENT_FILE = re.compile(r"events\.out\.tfevents\.(\d{10})\.(.+)\.(\d+)\.(\d+)(.*)$")


def file_order(name: str) -> tuple:
    """An event file's place among others: by its time stamp, then by the number of its writer."""
    match = EVENT_FILE.match(name)
    return int(match.group(1)), int(match.group(4))


def event_files(directory) -> dict:
    """{directory relative to `directory`: [event file names, oldest first]} for every event file below it."""
    found = {}
    for root, _, files in os.walk(directory):
        names = sorted((f for f in files if EVENT_FILE.match(f)), key=file_order)
        if names:
            found[os.path.relpath(root, directory)] = names
    return found


def read_events(directory) -> dict:
    """{relative directory: [Event, ...]} of every event file below `directory`, files in name order."""
    return {sub: [event for name in names for event in LegacyEventFileLoader(os.path.join(directory, sub, name)).Load()]
            for sub, names in event_files(directory).items()}


def log_both(tmp_path, log, **writer_kwargs) -> tuple:
    """Run log(writer, lib, name) with ember's and PyTorch's SummaryWriter (each in tmp_path/<name>); the events each
    wrote, as read_events gives them."""
    results = []
    for name, Writer in WRITERS.items():
        with Writer(str(tmp_path / name), **writer_kwargs) as writer:
            log(writer, LIBS[name], name)
        results.append(read_events(tmp_path / name))
    return tuple(results)


def assert_same_events(mine: dict, theirs: dict) -> None:
    """The same directories, and in each the same events but for their wall times, which both set."""
    assert sorted(mine) == sorted(theirs)
    for sub in mine:
        assert len(mine[sub]) == len(theirs[sub]), sub
        for a, b in zip(mine[sub], theirs[sub], strict=True):
            assert a.wall_time > 1e9 and b.wall_time > 1e9
            a.ClearField("wall_time")
            b.ClearField("wall_time")
            assert a == b, f"{sub}:\n{a}\n!=\n{b}"


def summaries(events: list) -> list:
    """The Summary.Values of the events that carry one, in order."""
    return [value for event in events if event.HasField("summary") for value in event.summary.value]


def test_scalars_old_and_new_style(tmp_path):
    def log(w, lib, _):
        w.add_scalar("loss", 0.1, 0)
        w.add_scalar("loss", 2, np.int64(1))
        w.add_scalar("loss", np.float64(1 / 3), 2)
        w.add_scalar("loss", lib.tensor(0.25, requires_grad=True) * 2, 3)
        w.add_scalar("loss", lib.tensor([[1.5]]), 4)
        w.add_scalar("acc", np.array([0.75], dtype=np.float32), 5, walltime=1234567890.5)
        w.add_scalar("new", 1 / 3, 6, new_style=True)
        w.add_scalar("new", 1 / 3, 7, new_style=True, double_precision=True)
    mine, theirs = log_both(tmp_path, log)
    values = summaries(mine["."])
    assert [v.simple_value for v in values[:6]] == pytest.approx([0.1, 2, 1 / 3, 0.5, 1.5, 0.75], rel=1e-7)
    assert [e.step for e in mine["."][1:]] == list(range(8))
    assert mine["."][6].wall_time == 1234567890.5
    assert values[6].tensor.dtype == 1 and values[6].tensor.float_val[0] == np.float32(1 / 3)  # DT_FLOAT
    assert values[7].tensor.double_val == [1 / 3] and values[7].metadata.plugin_data.plugin_name == "scalars"
    assert mine["."][0].file_version == "brain.Event:2"
    assert_same_events(mine, theirs)


def test_scalar_errors_are_pytorchs(tmp_path):
    for name, Writer in WRITERS.items():
        lib = LIBS[name]
        with Writer(str(tmp_path / name)) as w:
            with pytest.raises(AssertionError, match="Tensor should contain one element"):
                w.add_scalar("x", lib.ones(3))
            with pytest.raises(NotImplementedError, match="Got <class 'list'>"):
                w.add_scalar("x", [1.0])


def test_add_scalars_writes_one_run_per_series(tmp_path):
    def log(w, lib, _):
        for step in range(3):
            w.add_scalars("loss/all", {"train": 1.0 / (step + 1), "val": lib.tensor(2.0 - step)}, step)
        w.add_scalars("acc", {"val": 0.5}, 3, walltime=1600000000.0)
        w.add_scalar("plain", 1.0, 0)
    mine, theirs = log_both(tmp_path, log)
    assert sorted(mine) == [".", "acc_val", "loss_all_train", "loss_all_val"]
    assert [v.tag for v in summaries(mine["loss_all_val"])] == ["loss/all"] * 3
    assert [v.simple_value for v in summaries(mine["loss_all_val"])] == [2.0, 1.0, 0.0]
    assert mine["acc_val"][1].wall_time == 1600000000.0
    assert_same_events(mine, theirs)


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16", "int8", "uint8", "int16", "int32",
                                   "int64", "bool", "complex64", "complex128"])
def test_add_tensor_every_dtype(tmp_path, dtype):
    rng = np.random.default_rng(0)
    values = rng.standard_normal((2, 3)) * 4
    array = (values > 0) if dtype == "bool" else (values + 1j * values[::-1] if dtype.startswith("complex") else values)

    def log(w, lib, _):
        w.add_tensor("t", lib.tensor(array).to(getattr(lib, dtype)), 3)
    mine, theirs = log_both(tmp_path, log)
    (value,) = summaries(mine["."])
    assert [d.size for d in value.tensor.tensor_shape.dim] == [2, 3]
    assert value.metadata.plugin_data.plugin_name == "tensor"
    assert_same_events(mine, theirs)


def test_add_tensor_of_an_array_and_unsupported_dtypes(tmp_path):
    with SummaryWriter(str(tmp_path / "e")) as w:
        w.add_tensor("a", np.arange(6, dtype=np.int64).reshape(2, 3))
        for name, Writer in WRITERS.items():
            with Writer(str(tmp_path / name)) as other, pytest.raises(ValueError, match="unsupported tensor dtype"):
                other.add_tensor("u", LIBS[name].zeros(2, dtype=LIBS[name].uint16))
    (value,) = summaries(read_events(tmp_path / "e")["."])
    assert list(value.tensor.int64_val) == list(range(6))


@pytest.mark.parametrize("bins,max_bins", [("tensorflow", None), ("auto", None), ("fd", None), ("doane", None),
                                           (10, None), ([-5.0, -1.0, 0.0, 0.5, 5.0], None), (64, 5), (60, 7)])
def test_histograms(tmp_path, bins, max_bins):
    rng = np.random.default_rng(0)
    values = rng.standard_normal(500).astype(np.float32)

    def log(w, lib, _):
        w.add_histogram("h", lib.tensor(values), 0, bins=bins, max_bins=max_bins)
        w.add_histogram("h", values * 3 + 1, 1, bins=bins, max_bins=max_bins)
        w.add_histogram("ints", lib.arange(10), 2, bins=bins, max_bins=max_bins)
    mine, theirs = log_both(tmp_path, log)
    first = summaries(mine["."])[0].histo
    assert first.num == 500 and first.min == values.min() and first.max == values.max()
    assert sum(first.bucket) == 500 and len(first.bucket) == len(first.bucket_limit)
    if max_bins is not None:  # neighbours merged in groups of bins // max_bins: 6 or 7 groups here, not 60
        assert len(first.bucket) <= -(-bins // (bins // max_bins)) + 1
    assert_same_events(mine, theirs)


def test_histogram_raw_and_errors(tmp_path):
    def log(w, lib, _):
        w.add_histogram_raw("raw", min=-1.0, max=3.0, num=6, sum=5.0, sum_squares=15.0,
                            bucket_limits=[0.0, 1.0, 3.0], bucket_counts=[1, 2, 3], global_step=4)
        with pytest.raises(ValueError, match="len\\(bucket_limits\\) != len\\(bucket_counts\\)"):
            w.add_histogram_raw("raw", -1.0, 3.0, 6, 5.0, 15.0, [0.0, 1.0], [1, 2, 3])
        with pytest.raises(ValueError, match="The input has no element"):
            w.add_histogram("empty", lib.zeros(0))
    mine, theirs = log_both(tmp_path, log)
    (value,) = summaries(mine["."])
    assert list(value.histo.bucket) == [1, 2, 3] and list(value.histo.bucket_limit) == [0.0, 1.0, 3.0]
    assert_same_events(mine, theirs)


def decode(image) -> np.ndarray:
    """The pixels of a Summary.Image's PNG, HWC."""
    from PIL import Image
    return np.asarray(Image.open(io.BytesIO(image.encoded_image_string)))


def test_images_in_every_layout(tmp_path):
    rng = np.random.default_rng(0)
    pytest.importorskip("PIL")
    chw = rng.random((3, 5, 7)).astype(np.float32)
    batch = rng.random((10, 1, 4, 6)).astype(np.float32)
    rgba = rng.random((5, 7, 4))

    def log(w, lib, _):
        w.add_image("chw", lib.tensor(chw), 0)
        w.add_image("hwc_uint8", (chw.transpose(1, 2, 0) * 255).astype(np.uint8), 1, dataformats="HWC")
        w.add_image("hw", lib.tensor(chw[0]), 2, dataformats="HW")
        w.add_image("gray", lib.tensor(chw[:1]), 3)
        w.add_image("rgba", rgba, 4, dataformats="HWC")
        w.add_image("wh", chw[0].T * 2 - 0.5, 5, dataformats="WH")
        w.add_images("nchw", lib.tensor(batch), 6)
        w.add_images("nhwc", batch.transpose(0, 2, 3, 1), 7, dataformats="NHWC")
        with pytest.raises(AssertionError, match="size of input tensor and input format are different"):
            w.add_image("bad", lib.tensor(chw), dataformats="HW")
        with pytest.raises(AssertionError, match="same dimension shorthand twice"):
            w.add_image("bad", lib.tensor(chw), dataformats="CHH")
    mine, theirs = log_both(tmp_path, log)
    images = {v.tag: v.image for v in summaries(mine["."])}
    assert (images["chw"].height, images["chw"].width, images["chw"].colorspace) == (5, 7, 3)
    np.testing.assert_array_equal(decode(images["chw"]), (chw.transpose(1, 2, 0) * 255).astype(np.uint8))
    np.testing.assert_array_equal(decode(images["gray"]), decode(images["hw"]))
    assert images["rgba"].colorspace == 4 and decode(images["rgba"]).shape == (5, 7, 4)
    grid = decode(images["nchw"])  # 10 images, 8 a row: 2 rows, the last 6 cells black
    assert grid.shape == (8, 48, 3)
    np.testing.assert_array_equal(grid[4:, 6:12, 0], (batch[9, 0] * 255).astype(np.uint8))
    assert not grid[4:, 12:].any()
    np.testing.assert_array_equal(grid, decode(images["nhwc"]))
    assert_same_events(mine, theirs)


def test_image_with_boxes(tmp_path):
    rng = np.random.default_rng(0)
    pytest.importorskip("PIL")
    picture = rng.random((3, 32, 40)).astype(np.float32)
    boxes = np.array([[2, 3, 20, 25], [10, 5, 38, 30]], dtype=np.float32)

    def log(w, lib, _):
        w.add_image_with_boxes("boxes", lib.tensor(picture), lib.tensor(boxes), 0, labels=["cat", "dog"])
        w.add_image_with_boxes("wrong_labels", lib.tensor(picture), lib.tensor(boxes), 1, labels="one")
        w.add_image_with_boxes("rescaled", lib.tensor(picture), lib.tensor(boxes), 2, rescale=2)
    mine, theirs = log_both(tmp_path, log)
    images = {v.tag: v.image for v in summaries(mine["."])}
    assert decode(images["rescaled"]).shape == (64, 80, 3)
    assert (decode(images["boxes"])[3, 2:21] == [255, 0, 0]).all()  # the top edge of the first box, in red
    assert_same_events(mine, theirs)


def test_add_figure(tmp_path):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    def figure(k):
        fig = plt.figure(figsize=(2, 1.5), dpi=50)
        plt.plot([0, 1, 2], [0, k, 1])
        return fig

    def log(w, lib, _):
        kept = figure(1)
        w.add_figure("one", kept, 0, close=False)
        assert plt.fignum_exists(kept.number)
        plt.close(kept)
        w.add_figure("many", [figure(1), figure(2)], 1)
        assert plt.get_fignums() == []
    mine, theirs = log_both(tmp_path, log)
    images = {v.tag: v.image for v in summaries(mine["."])}
    assert decode(images["one"]).shape == (75, 100, 3) and decode(images["many"]).shape == (75, 200, 3)
    assert_same_events(mine, theirs)


def test_text(tmp_path):
    def log(w, lib, _):
        w.add_text("notes", "**bold** and ünïcode", 0)
        w.add_text("notes", "second", 1)
    mine, theirs = log_both(tmp_path, log)
    values = summaries(mine["."])
    assert [v.tag for v in values] == ["notes/text_summary"] * 2
    assert values[0].tensor.string_val[0].decode() == "**bold** and ünïcode"
    assert values[0].metadata.plugin_data.plugin_name == "text"
    assert_same_events(mine, theirs)


def hparams_data(events: list) -> list:
    """The HParamsPluginData of each hparams summary, decoded."""
    return [HParamsPluginData.FromString(v.metadata.plugin_data.content) for v in summaries(events)
            if v.metadata.plugin_data.plugin_name == "hparams"]


def test_hparams_sub_run_and_plugin_data(tmp_path):
    def log(w, lib, _):
        w.add_scalar("loss", 1.0, 0)
        w.add_hparams({"lr": 0.1, "bsize": 32, "opt": "adam", "flag": True, "none": None, "t": lib.tensor([0.5])},
                      {"hparam/accuracy": 0.9, "hparam/loss": lib.tensor(0.25)}, run_name="trial1")
        w.add_hparams({"lr": 0.01, "opt": "sgd"}, {"hparam/accuracy": 0.8},
                      hparam_domain_discrete={"opt": ["adam", "sgd"], "lr": [0.1, 0.01]}, run_name="trial2",
                      global_step=5)
    mine, theirs = log_both(tmp_path, log)
    assert sorted(mine) == [".", "trial1", "trial2"]
    experiment, start, end = hparams_data(mine["trial1"])
    assert [(h.name, h.type) for h in experiment.experiment.hparam_infos] == [
        ("lr", 3), ("bsize", 3), ("opt", 1), ("flag", 3), ("t", 3)]  # 3: FLOAT64, 1: STRING; bools are numbers
    assert [m.name.tag for m in experiment.experiment.metric_infos] == ["hparam/accuracy", "hparam/loss"]
    assert dict(start.session_start_info.hparams)["opt"].string_value == "adam"
    assert start.session_start_info.hparams["t"].number_value == 0.5 and end.session_end_info.status == 1
    assert [(v.tag, v.simple_value) for v in summaries(mine["trial1"]) if v.HasField("simple_value")] == [
        ("hparam/accuracy", pytest.approx(0.9)), ("hparam/loss", 0.25)]
    domains = {h.name: h.domain_discrete for h in hparams_data(mine["trial2"])[0].experiment.hparam_infos}
    assert [v.string_value for v in domains["opt"].values] == ["adam", "sgd"]
    assert [v.number_value for v in domains["lr"].values] == [0.1, 0.01]
    assert all(e.step == 5 for e in mine["trial2"][1:])
    for sub in mine:  # the plugin data, decoded (map order in the serialized bytes is not fixed)
        assert hparams_data(mine[sub]) == hparams_data(theirs[sub])
        assert [v.tag for v in summaries(mine[sub])] == [v.tag for v in summaries(theirs[sub])]
        assert [e.step for e in mine[sub]] == [e.step for e in theirs[sub]]


def test_hparams_default_run_name_and_errors(tmp_path):
    for name, Writer in WRITERS.items():
        with Writer(str(tmp_path / name)) as w:
            w.add_hparams({"lr": 0.1}, {"m": 1.0})
            with pytest.raises(TypeError, match="hparam_dict and metric_dict should be dictionary"):
                w.add_hparams([("lr", 0.1)], {"m": 1.0})
            with pytest.raises(ValueError, match="value should be one of int, float, str, bool, or torch.Tensor"):
                w.add_hparams({"lr": [0.1]}, {"m": 1.0})
            with pytest.raises(TypeError, match=re.escape("hparam_domain_discrete[lr] should be a list")):
                w.add_hparams({"lr": 0.1}, {"m": 1.0}, hparam_domain_discrete={"lr": ["a"]})
        runs = sorted(event_files(tmp_path / name))
        assert runs[0] == "." and len(runs) == 2 and float(runs[1]) == pytest.approx(time.time(), abs=60)
    with pytest.raises(IndexError):  # PyTorch indexes a 0-d tensor hparam; ember takes it
        torch_tb.SummaryWriter(str(tmp_path / "t0")).add_hparams({"t": torch.tensor(0.5)}, {"m": 1.0})
    with SummaryWriter(str(tmp_path / "e0")) as w:
        w.add_hparams({"t": ember.tensor(0.5)}, {"m": 1.0}, run_name="r")
    (_, start, _) = hparams_data(read_events(tmp_path / "e0")["r"])
    assert start.session_start_info.hparams["t"].number_value == 0.5


def test_pr_curves(tmp_path):
    rng = np.random.default_rng(0)
    labels = rng.random(100) > 0.5
    predictions = np.clip(labels * 0.3 + rng.random(100) * 0.7, 0, 1).astype(np.float32)
    weights = rng.random(100)
    raw = [rng.integers(0, 50, 5).astype(np.float64) for _ in range(4)] + [rng.random(5), rng.random(5)]

    def log(w, lib, _):
        w.add_pr_curve("pr", lib.tensor(labels), lib.tensor(predictions), 0)
        w.add_pr_curve("pr", labels, predictions, 1, num_thresholds=10, weights=weights)
        w.add_pr_curve("pr", lib.tensor(labels.astype(np.int64)), predictions, 2, num_thresholds=500)
        w.add_pr_curve_raw("raw", *[lib.tensor(x) for x in raw], global_step=3, num_thresholds=5)
        w.add_pr_curve_raw("raw", *raw, global_step=4, num_thresholds=300)
    mine, theirs = log_both(tmp_path, log)
    values = summaries(mine["."])
    shapes = [[d.size for d in v.tensor.tensor_shape.dim] for v in values]
    assert shapes == [[6, 127], [6, 10], [6, 127], [6, 5], [6, 5]]
    table = np.array(values[0].tensor.float_val).reshape(6, 127)
    assert table[0, 0] == labels.sum() and table[1, 0] == (~labels).sum()  # every prediction is >= threshold 0
    assert values[0].metadata.plugin_data.plugin_name == "pr_curves"
    assert_same_events(mine, theirs)


def test_custom_scalars(tmp_path):
    def log(w, lib, _):
        w.add_custom_scalars({"Taiwan": {"twse": ["Multiline", ["twse/0050", "twse/2330"]]},
                              "USA": {"dow": ["Margin", ["dow/aaa", "dow/bbb", "dow/ccc"]],
                                      "nasdaq": ["Margin", ["nasdaq/aaa", "nasdaq/bbb", "nasdaq/ccc"]]}})
        w.add_custom_scalars_multilinechart(["loss/train", "loss/val"], title="losses")
        w.add_custom_scalars_marginchart(["acc", "acc_low", "acc_high"], category="c")
        with pytest.raises(AssertionError, match="Expected 3 tags, got 2"):
            w.add_custom_scalars_marginchart(["a", "b"])
    mine, theirs = log_both(tmp_path, log)
    assert [v.tag for v in summaries(mine["."])] == ["custom_scalars__config__"] * 3
    assert_same_events(mine, theirs)


def tree(directory) -> dict:
    """{relative path: bytes} of every file below `directory` but the event files."""
    return {os.path.relpath(os.path.join(root, f), directory): open(os.path.join(root, f), "rb").read()
            for root, _, files in os.walk(directory) for f in files if not f.startswith("events.out")}


def test_embedding_projector_files(tmp_path, capsys):
    rng = np.random.default_rng(0)
    pytest.importorskip("PIL")
    mat = rng.standard_normal((10, 4)).astype(np.float32)
    images = rng.random((10, 3, 6, 6)).astype(np.float32)

    def log(w, lib, _):
        w.add_embedding(lib.tensor(mat), metadata=[f"p{i}" for i in range(10)], label_img=lib.tensor(images))
        w.add_embedding(mat[:4].astype(np.float64), metadata=[[i, "ab"[i % 2]] for i in range(4)],
                        metadata_header=["index", "kind"], global_step=12, tag="a/b%c")
        w.add_embedding(lib.tensor(mat[:3]), label_img=lib.tensor(images[:3, :1]), global_step=12, tag="gray")
        with pytest.raises(AssertionError, match="#labels should equal with #data points"):
            w.add_embedding(lib.tensor(mat), metadata=["x"], global_step=99)
    for name, Writer in WRITERS.items():
        with Writer(str(tmp_path / name)) as w:
            log(w, LIBS[name], name)
            w.add_embedding(LIBS[name].tensor(mat), global_step=12, tag="gray")  # the same directory again
        assert "warning: Embedding dir exists" in capsys.readouterr().out
    mine, theirs = tree(tmp_path / "ember"), tree(tmp_path / "torch")
    assert sorted(mine) == sorted(theirs) == [
        "00000/default/metadata.tsv", "00000/default/sprite.png", "00000/default/tensors.tsv",
        "00012/a%2fb%25c/metadata.tsv", "00012/a%2fb%25c/tensors.tsv", "00012/gray/sprite.png",
        "00012/gray/tensors.tsv", "projector_config.pbtxt"]
    assert mine == theirs
    assert mine["00012/a%2fb%25c/metadata.tsv"] == b"index\tkind\n0\ta\n1\tb\n2\ta\n3\tb\n"
    rows = np.loadtxt(io.BytesIO(mine["00000/default/tensors.tsv"]), dtype=np.float32)
    np.testing.assert_array_equal(rows, mat)
    assert b'tensor_name: "a/b%c:00012"' in mine["projector_config.pbtxt"]


def test_mesh(tmp_path):
    rng = np.random.default_rng(0)
    vertices = rng.random((1, 4, 3)).astype(np.float32)
    colors = rng.integers(0, 255, (1, 4, 3)).astype(np.uint8)
    faces = np.array([[[0, 1, 2], [1, 2, 3]]], dtype=np.int32)

    def log(w, lib, _):
        w.add_mesh("m", lib.tensor(vertices), colors=lib.tensor(colors), faces=lib.tensor(faces), global_step=1,
                   config_dict={"camera": {"cls": "PerspectiveCamera", "fov": 75}})
        w.add_mesh("points", lib.tensor(vertices), global_step=2)
    mine, theirs = log_both(tmp_path, log)
    assert [v.tag for v in summaries(mine["."])] == ["m_VERTEX", "m_FACE", "m_COLOR", "points_VERTEX"]
    assert_same_events(mine, theirs)


def test_audio(tmp_path, capsys):
    clip = np.sin(np.linspace(0, 20, 800)).astype(np.float32)

    def log(w, lib, _):
        w.add_audio("sine", lib.tensor(clip)[None], 0, sample_rate=8000)
        w.add_audio("loud", lib.tensor(clip * 2), 1)
        with pytest.raises(AssertionError, match="input tensor should be 1 dimensional"):
            w.add_audio("stereo", lib.tensor(np.stack([clip, clip])))
    mine, theirs = log_both(tmp_path, log)
    assert capsys.readouterr().out.count("warning: audio amplitude out of range, auto clipped.") == 2
    sine, loud = (v.audio for v in summaries(mine["."]))
    assert (sine.sample_rate, sine.num_channels, sine.length_frames, sine.content_type) == (8000, 1, 800, "audio/wav")
    with wave.open(io.BytesIO(sine.encoded_audio_string)) as wav:
        samples = np.frombuffer(wav.readframes(800), dtype="<i2")
        assert wav.getframerate() == 8000
    np.testing.assert_array_equal(samples, (clip * 32767).astype(np.int16))
    assert np.abs(np.frombuffer(loud.encoded_audio_string[44:], dtype="<i2")).max() == 32767
    assert_same_events(mine, theirs)


@pytest.mark.parametrize("n", [1, 3, 4, 6])
def test_video_frames_and_gif(tmp_path, n):
    rng = np.random.default_rng(0)
    from PIL import Image
    from torch.utils.tensorboard._utils import _prepare_video
    videos = rng.random((n, 5, 3, 4, 6)).astype(np.float32)
    np.testing.assert_array_equal(ember_summary._prepare_video(videos), _prepare_video(videos))
    np.testing.assert_array_equal(ember_summary._prepare_video((videos * 255).astype(np.uint8)),
                                  _prepare_video((videos * 255).astype(np.uint8)))
    with SummaryWriter(str(tmp_path)) as w:
        w.add_video("v", ember.tensor(videos), 3, fps=10)
        w.add_video("gray", np.zeros((3, 2, 1, 4, 4), dtype=np.uint8) + 200, 4)  # a 1x4 grid, the last blank
    video, gray = (v.image for v in summaries(read_events(tmp_path)["."]))
    frames = _prepare_video(videos)
    assert (video.height, video.width, video.colorspace) == frames.shape[1:]
    gif = Image.open(io.BytesIO(video.encoded_image_string))
    assert gif.format == "GIF" and gif.n_frames == 5 and gif.size == (frames.shape[2], frames.shape[1])
    assert gif.info["duration"] == 100
    still = Image.open(io.BytesIO(gray.encoded_image_string))
    pixels = np.asarray(still.convert("L"))
    assert pixels.shape == (4, 16) and pixels[:, :12].min() == 200 and not pixels[:, 12:].any()


def test_onnx_graph_and_add_graph(tmp_path, capsys):
    pytest.importorskip("onnx")
    model = ember.nn.Sequential(ember.nn.Linear(4, 3), ember.nn.ReLU(), ember.nn.Linear(3, 2))
    ember.onnx.export(model, (ember.randn(1, 4),), str(tmp_path / "model.onnx"), input_names=["x"],
                      output_names=["y"])

    def log(w, lib, _):
        w.add_onnx_graph(str(tmp_path / "model.onnx"))
    mine, theirs = log_both(tmp_path / "runs", log)
    graph_events = [e for e in mine["."] if e.graph_def]
    assert len(graph_events) == 1
    assert_same_events(mine, theirs)
    with SummaryWriter(str(tmp_path / "g")) as w, pytest.raises(NotImplementedError, match="TorchScript"):
        w.add_graph(model, ember.randn(1, 4))


def test_purge_step(tmp_path):
    def log(w, lib, _):
        w.add_scalar("x", 1.0, 10)
    mine, theirs = log_both(tmp_path, log, purge_step=7)
    events = mine["."]
    assert events[1].step == 7 and events[1].file_version == "brain.Event:2"
    assert events[2].step == 7 and events[2].session_log.status == 1  # START
    assert events[3].step == 10
    assert_same_events(mine, theirs)


def test_event_file_names_and_writer_settings(tmp_path):
    names = {}
    for name, Writer in WRITERS.items():
        w = Writer(tmp_path / name, filename_suffix=".v2", max_queue=3, flush_secs=7)
        w.add_scalars("a", {"b": 1.0})
        async_writer = w.file_writer.event_writer._async_writer
        names[name] = (async_writer._byte_queue.maxsize, async_writer._worker._flush_secs, event_files(tmp_path / name))
        assert w.get_logdir() == tmp_path / name
        w.close()
    assert names["ember"][:2] == names["torch"][:2] == (3, 7)
    for name, (_, _, files) in names.items():
        assert sorted(files) == [".", "a_b"]
        for sub, (file,) in files.items():
            stamp, host, pid, _, suffix = EVENT_FILE.match(file).groups()
            assert (host, int(pid), suffix) == (socket.gethostname(), os.getpid(), ".v2")
            assert abs(int(stamp) - time.time()) < 60


def test_default_log_dir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    pattern = re.compile(r"runs/[A-Z][a-z]{2}\d{2}_\d{2}-\d{2}-\d{2}_" + re.escape(socket.gethostname()) + "_lr0.1$")
    for Writer in WRITERS.values():
        with Writer(comment="_lr0.1") as w:
            assert pattern.match(w.get_logdir()), w.get_logdir()
        assert event_files(tmp_path / w.get_logdir())
    with SummaryWriter(log_dir="") as w:  # an empty log_dir is the default too
        assert w.get_logdir().startswith("runs" + os.sep)


def test_flush_close_and_reopen(tmp_path):
    counts = {}
    for name, Writer in WRITERS.items():
        d = tmp_path / name
        w = Writer(str(d), flush_secs=1000)
        w.add_scalar("x", 1.0, 0)
        w.flush()
        assert [v.simple_value for v in summaries(read_events(d)["."])] == [1.0]  # readable while open
        w.close()
        w.close()  # a second close does nothing
        w.flush()
        w.add_scalar("x", 2.0, 1)  # after close: a new event file
        w.close()
        counts[name] = [len(names) for names in event_files(d).values()]
        assert [v.simple_value for v in summaries(read_events(d)["."])] == [1.0, 2.0]
    assert counts["ember"] == counts["torch"] == [2]


def test_tensorboard_reads_a_run(tmp_path):
    """TensorBoard's own accumulator sees the scalars, histograms, images and text of a run by their tags."""
    with SummaryWriter(str(tmp_path)) as w:
        for step in range(3):
            w.add_scalar("loss", 1.0 / (step + 1), step)
            w.add_histogram("weights", ember.randn(100) + step, step)
        w.add_image("img", ember.rand(3, 8, 8), 0)
        w.add_text("note", "hello", 0)
    acc = EventAccumulator(str(tmp_path), size_guidance={"histograms": 0})  # 0: keep every event
    acc.Reload()
    assert [(s.step, s.value) for s in acc.Scalars("loss")] == [(0, 1.0), (1, 0.5), (2, pytest.approx(1 / 3))]
    assert [h.histogram_value.num for h in acc.Histograms("weights")] == [100, 100, 100]
    assert acc.Images("img")[0].width == 8 and acc.Tags()["tensors"] == ["note/text_summary"]


MISSING = """
import sys
sys.modules["tensorboard"] = None  # as if the tensorboard package were not installed
try:
    from torch.utils.tensorboard import SummaryWriter
except ModuleNotFoundError as error:
    print(type(error).__name__, error.name, error)
"""


def test_without_tensorboard_the_error_is_pytorchs(tmp_path):
    script = tmp_path / "missing.py"
    script.write_text(MISSING)
    outputs = [subprocess.run([sys.executable, *command, str(script)], capture_output=True, text=True, timeout=120,
                              check=True).stdout for command in ([], ["-m", "ember", "run"])]
    expected = "ModuleNotFoundError tensorboard import of tensorboard halted; None in sys.modules\n"
    assert outputs[0] == outputs[1] == expected
    script.write_text(MISSING.replace("try:\n    from", "from").split("\nexcept")[0])
    failed = subprocess.run([sys.executable, "-m", "ember", "run", str(script)], capture_output=True, text=True,
                            timeout=120)
    assert failed.returncode == 1 and "ModuleNotFoundError: import of tensorboard halted" in failed.stderr


def test_ember_run_script_logs_through_torch_utils_tensorboard(tmp_path):
    script = tmp_path / "train.py"
    script.write_text(textwrap.dedent("""
        import torch
        from torch.utils.tensorboard import SummaryWriter
        from torch.utils.tensorboard.summary import hparams

        torch.manual_seed(0)
        model = torch.nn.Linear(3, 1)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        x, y = torch.randn(32, 3), torch.randn(32, 1)
        with SummaryWriter("logs/exp") as writer:
            for step in range(4):
                optimizer.zero_grad()
                loss = torch.nn.functional.mse_loss(model(x), y)
                loss.backward()
                optimizer.step()
                writer.add_scalar("train/loss", loss.item(), step)
            writer.add_histogram("weight", model.weight, 3)
            for summary in hparams({"lr": 0.1}, {"loss": loss.item()}):
                writer.file_writer.add_summary(summary)
        print(type(writer).__module__)
    """))
    result = subprocess.run([sys.executable, "-m", "ember", "run", str(script)], capture_output=True, text=True,
                            cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ember.utils.tensorboard.writer"
    acc = EventAccumulator(str(tmp_path / "logs" / "exp"))
    acc.Reload()
    losses = [s.value for s in acc.Scalars("train/loss")]
    assert [s.step for s in acc.Scalars("train/loss")] == [0, 1, 2, 3] and losses[-1] < losses[0]
    assert acc.Histograms("weight")[0].histogram_value.num == 3
    assert {"_hparams_/experiment", "_hparams_/session_start_info"} <= set(acc.PluginTagToContent("hparams"))
