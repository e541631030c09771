"""SummaryWriter and FileWriter, as torch.utils.tensorboard.writer: TensorBoard event files written through the
tensorboard package's EventFileWriter, in PyTorch's directory layout (runs/<date>_<host><comment> by default, one
sub-directory per add_scalars series, one sub-run per add_hparams call, the projector's files for add_embedding)."""
from __future__ import annotations

import io
import math
import os
import socket
import time
from datetime import datetime

import numpy as np
from tensorboard.compat import tf
from tensorboard.compat.proto import event_pb2
from tensorboard.compat.proto.event_pb2 import Event, SessionLog
from tensorboard.summary.writer.event_file_writer import EventFileWriter

from . import summary as S

__all__ = ["FileWriter", "SummaryWriter"]


def _default_bins() -> list:
    """TensorBoard's default histogram edges: +-1e-12 growing by 10% a step up to 1e20, and 0."""
    v, positive = 1e-12, []
    while v < 1e20:
        positive.append(v)
        v *= 1.1  # repeated multiplication, as TensorFlow does, so that the edges are TensorFlow's to the last bit
    return [-b for b in reversed(positive)] + [0] + positive


DEFAULT_BINS = _default_bins()


class FileWriter:
    """Writes Event protocol buffers to one event file in `log_dir` (the tensorboard package's EventFileWriter,
    which writes from a queue of `max_queue` events at least every `flush_secs` seconds)."""

    def __init__(self, log_dir, max_queue: int = 10, flush_secs: int = 120, filename_suffix: str = ""):
        self.event_writer = EventFileWriter(str(log_dir), max_queue, flush_secs, filename_suffix)

    def get_logdir(self) -> str:
        """The directory of the event file."""
        return self.event_writer.get_logdir()

    def add_event(self, event: Event, step: int | None = None, walltime: float | None = None) -> None:
        """Write `event` stamped with `walltime` (default: now) and `step` (if given)."""
        event.wall_time = time.time() if walltime is None else walltime
        if step is not None:
            event.step = int(step)  # a NumPy or ember integer becomes a Python int, which protobuf takes
        self.event_writer.add_event(event)

    def add_summary(self, summary, global_step: int | None = None, walltime: float | None = None) -> None:
        """Write a Summary protocol buffer as an event at `global_step`."""
        self.add_event(event_pb2.Event(summary=summary), global_step, walltime)

    def add_graph(self, graph_profile, walltime: float | None = None) -> None:
        """Write a (GraphDef, RunStepStats) pair: the graph, and its run metadata tagged 'step1'."""
        graph, stepstats = graph_profile
        self.add_event(event_pb2.Event(graph_def=graph.SerializeToString()), None, walltime)
        metadata = event_pb2.TaggedRunMetadata(tag="step1", run_metadata=stepstats.SerializeToString())
        self.add_event(event_pb2.Event(tagged_run_metadata=metadata), None, walltime)

    def add_onnx_graph(self, graph, walltime: float | None = None) -> None:
        """Write a GraphDef converted from an ONNX model."""
        self.add_event(event_pb2.Event(graph_def=graph.SerializeToString()), None, walltime)

    def flush(self) -> None:
        """Write the queued events to disk."""
        self.event_writer.flush()

    def close(self) -> None:
        """Flush and close the event file."""
        self.event_writer.close()


def load_onnx_graph(path: str):
    """The GraphDef TensorBoard's graph view shows for the ONNX model saved at `path`: its inputs and outputs as
    variables, each node named after its first output, with its attributes as text."""
    import onnx
    from tensorboard.compat.proto.attr_value_pb2 import AttrValue
    from tensorboard.compat.proto.graph_pb2 import GraphDef
    from tensorboard.compat.proto.node_def_pb2 import NodeDef
    from tensorboard.compat.proto.tensor_shape_pb2 import TensorShapeProto
    from tensorboard.compat.proto.versions_pb2 import VersionDef

    graph = onnx.load(path).graph
    nodes = []
    for value in [*graph.input, *graph.output]:
        tensor_type = value.type.tensor_type
        shape = TensorShapeProto(dim=[TensorShapeProto.Dim(size=d.dim_value) for d in tensor_type.shape.dim])
        nodes.append(NodeDef(name=value.name, op="Variable", input=[],
                             attr={"dtype": AttrValue(type=tensor_type.elem_type), "shape": AttrValue(shape=shape)}))
    for node in graph.node:
        attributes = ", ".join(" = ".join(str(field[1]) for field in a.ListFields()) for a in node.attribute)
        nodes.append(NodeDef(name=node.output[0], op=node.op_type, input=node.input,
                             attr={"parameters": AttrValue(s=attributes.encode("utf_8"))}))
    return GraphDef(node=nodes, versions=VersionDef(producer=22))


def _join(a: str, b: str) -> str:
    """`a`/`b` as the file system of `a` joins paths (local, or a remote one that tensorboard's gfile knows)."""
    gfile = tf.io.gfile
    return gfile.join(a, b) if hasattr(gfile, "join") else gfile.get_filesystem(a).join(a, b)


def _write_file(path: str, text: str) -> None:
    """Write `text` (UTF-8) to `path` through tensorboard's gfile."""
    with tf.io.gfile.GFile(path, "wb") as f:
        f.write(text.encode("utf_8"))


class SummaryWriter:
    """Writes scalars, histograms, images, text, hyperparameters, ... to TensorBoard event files under `log_dir`,
    as torch.utils.tensorboard.SummaryWriter."""

    def __init__(self, log_dir=None, comment: str = "", purge_step: int | None = None, max_queue: int = 10,
                 flush_secs: int = 120, filename_suffix: str = ""):
        if not log_dir:
            stamp = datetime.now().strftime("%b%d_%H-%M-%S")
            log_dir = os.path.join("runs", stamp + "_" + socket.gethostname() + comment)
        self.log_dir = log_dir
        self.purge_step = purge_step
        self.max_queue = max_queue
        self.flush_secs = flush_secs
        self.filename_suffix = filename_suffix
        self.default_bins = DEFAULT_BINS
        self.file_writer = self.all_writers = None  # opened now, and again by the first write after close()
        self._get_file_writer()

    def _get_file_writer(self) -> FileWriter:
        """The writer of the main event file, opened if closed; a pending purge_step is written first, which makes
        TensorBoard drop the events of an earlier run at or after that step."""
        if self.all_writers is None or self.file_writer is None:
            self.file_writer = FileWriter(self.log_dir, self.max_queue, self.flush_secs, self.filename_suffix)
            self.all_writers = {self.file_writer.get_logdir(): self.file_writer}
            if self.purge_step is not None:
                step, self.purge_step = self.purge_step, None
                self.file_writer.add_event(Event(step=step, file_version="brain.Event:2"))
                self.file_writer.add_event(Event(step=step, session_log=SessionLog(status=SessionLog.START)))
        return self.file_writer

    def get_logdir(self):
        """The directory the events are written to."""
        return self.log_dir

    def add_hparams(self, hparam_dict: dict, metric_dict: dict, hparam_domain_discrete: dict | None = None,
                    run_name: str | None = None, global_step: int | None = None) -> None:
        """Log a run's hyperparameters and final metrics for the hparams plugin, in the sub-run
        `<log_dir>/<run_name>` (default: the current time)."""
        if type(hparam_dict) is not dict or type(metric_dict) is not dict:
            raise TypeError("hparam_dict and metric_dict should be dictionary.")
        summaries = S.hparams(hparam_dict, metric_dict, hparam_domain_discrete)
        logdir = os.path.join(self._get_file_writer().get_logdir(), run_name or str(time.time()))
        with SummaryWriter(log_dir=logdir) as run:
            for summary in summaries:
                run.file_writer.add_summary(summary, global_step)
            for tag, value in metric_dict.items():
                run.add_scalar(tag, value, global_step)

    def add_scalar(self, tag: str, scalar_value, global_step: int | None = None, walltime: float | None = None,
                   new_style: bool = False, double_precision: bool = False) -> None:
        """Log one number (a Python number, or a one-element tensor or array) under `tag` at `global_step`."""
        summary = S.scalar(tag, scalar_value, new_style=new_style, double_precision=double_precision)
        self._get_file_writer().add_summary(summary, global_step, walltime)

    def add_scalars(self, main_tag: str, tag_scalar_dict: dict, global_step: int | None = None,
                    walltime: float | None = None) -> None:
        """Log several numbers as one chart `main_tag`: each key's series is written under `main_tag` to its own
        run, the sub-directory `<log_dir>/<main_tag with / as _>_<key>`."""
        walltime = time.time() if walltime is None else walltime
        logdir = self._get_file_writer().get_logdir()
        for tag, value in tag_scalar_dict.items():
            path = logdir + "/" + main_tag.replace("/", "_") + "_" + tag
            if path not in self.all_writers:
                self.all_writers[path] = FileWriter(path, self.max_queue, self.flush_secs, self.filename_suffix)
            self.all_writers[path].add_summary(S.scalar(main_tag, value), global_step, walltime)

    def add_tensor(self, tag: str, tensor, global_step: int | None = None, walltime: float | None = None) -> None:
        """Log a whole tensor (its dtype, shape and values) for the tensor plugin."""
        self._get_file_writer().add_summary(S.tensor_proto(tag, tensor), global_step, walltime)

    def add_histogram(self, tag: str, values, global_step: int | None = None, bins="tensorflow",
                      walltime: float | None = None, max_bins: int | None = None) -> None:
        """Log the histogram of `values`; `bins` is 'tensorflow' (TensorBoard's default edges), a NumPy bin rule
        ('auto', 'fd', ...), a count or the edges."""
        if isinstance(bins, str) and bins == "tensorflow":
            bins = self.default_bins
        self._get_file_writer().add_summary(S.histogram(tag, values, bins, max_bins=max_bins), global_step, walltime)

    def add_histogram_raw(self, tag: str, min, max, num, sum, sum_squares, bucket_limits,  # noqa: A002
                          bucket_counts, global_step: int | None = None, walltime: float | None = None) -> None:
        """Log a histogram computed elsewhere: its statistics, and each bucket's right edge and count."""
        if len(bucket_limits) != len(bucket_counts):
            raise ValueError("len(bucket_limits) != len(bucket_counts), see the document.")
        summary = S.histogram_raw(tag, min, max, num, sum, sum_squares, bucket_limits, bucket_counts)
        self._get_file_writer().add_summary(summary, global_step, walltime)

    def add_image(self, tag: str, img_tensor, global_step: int | None = None, walltime: float | None = None,
                  dataformats: str = "CHW") -> None:
        """Log an image laid out as `dataformats` (CHW, HWC, HW, ...); floats in [0, 1], uint8 in [0, 255]."""
        summary = S.image(tag, img_tensor, dataformats=dataformats)
        self._get_file_writer().add_summary(summary, global_step, walltime)

    def add_images(self, tag: str, img_tensor, global_step: int | None = None, walltime: float | None = None,
                   dataformats: str = "NCHW") -> None:
        """Log a batch of images (NCHW, NHWC, ...) as one grid image, 8 a row."""
        summary = S.image(tag, img_tensor, dataformats=dataformats)
        self._get_file_writer().add_summary(summary, global_step, walltime)

    def add_image_with_boxes(self, tag: str, img_tensor, box_tensor, global_step: int | None = None,
                             walltime: float | None = None, rescale: float = 1, dataformats: str = "CHW",
                             labels: list | str | None = None) -> None:
        """Log an image with boxes (rows of xmin, ymin, xmax, ymax) drawn on it, labelled when there is one label a
        box."""
        if labels is not None:
            labels = [labels] if isinstance(labels, str) else labels
            if len(labels) != box_tensor.shape[0]:
                labels = None
        summary = S.image_boxes(tag, img_tensor, box_tensor, rescale=rescale, dataformats=dataformats, labels=labels)
        self._get_file_writer().add_summary(summary, global_step, walltime)

    def add_figure(self, tag: str, figure, global_step: int | None = None, close: bool = True,
                   walltime: float | None = None) -> None:
        """Log a matplotlib figure (or a list of them, as one grid) rendered as an image; `close` closes it."""
        images = S.figure_to_image(figure, close)
        self.add_image(tag, images, global_step, walltime, dataformats="NCHW" if isinstance(figure, list) else "CHW")

    def add_video(self, tag: str, vid_tensor, global_step: int | None = None, fps: float = 4,
                  walltime: float | None = None) -> None:
        """Log a (N, T, C, H, W) batch of videos as one animated GIF (encoded with Pillow; PyTorch uses moviepy)."""
        self._get_file_writer().add_summary(S.video(tag, vid_tensor, fps), global_step, walltime)

    def add_audio(self, tag: str, snd_tensor, global_step: int | None = None, sample_rate: int = 44100,
                  walltime: float | None = None) -> None:
        """Log a mono clip (values in [-1, 1]) as 16-bit WAV."""
        summary = S.audio(tag, snd_tensor, sample_rate=sample_rate)
        self._get_file_writer().add_summary(summary, global_step, walltime)

    def add_text(self, tag: str, text_string: str, global_step: int | None = None,
                 walltime: float | None = None) -> None:
        """Log a (Markdown) string for the text plugin."""
        self._get_file_writer().add_summary(S.text(tag, text_string), global_step, walltime)

    def add_onnx_graph(self, prototxt: str) -> None:
        """Log the graph of the ONNX model saved at `prototxt` (for example by ember.onnx.export) for the graph
        view."""
        self._get_file_writer().add_onnx_graph(load_onnx_graph(prototxt))

    def add_graph(self, model, input_to_model=None, verbose: bool = False, use_strict_trace: bool = True) -> None:
        """Not available: PyTorch traces the model with TorchScript (torch.jit.trace), which ember does not have."""
        raise NotImplementedError(
            "SummaryWriter.add_graph is not implemented in ember: PyTorch builds the graph by tracing the model with "
            "TorchScript (torch.jit.trace), and ember has no TorchScript tracer. Export the model with "
            "torch.onnx.export(model, example_input, 'model.onnx') and log it with "
            "writer.add_onnx_graph('model.onnx') instead.")

    @staticmethod
    def _encode(rawstr: str) -> str:
        """`rawstr` with %, / and \\ percent-encoded, as an embedding's tag becomes a directory name."""
        return rawstr.replace("%", "%25").replace("/", "%2f").replace("\\", "%5c")

    def add_embedding(self, mat, metadata: list | None = None, label_img=None, global_step: int | None = None,
                      tag: str = "default", metadata_header: list | None = None) -> None:
        """Save a (N, D) embedding for TensorBoard's projector: its values, labels (`metadata`) and thumbnails
        (`label_img`, NCHW) in `<log_dir>/<step, 5 digits>/<tag>`, listed in `<log_dir>/projector_config.pbtxt`."""
        from google.protobuf import text_format
        from tensorboard.plugins.projector.projector_config_pb2 import EmbeddingInfo, ProjectorConfig

        mat = S.make_np(mat)
        images = None if label_img is None else S.make_np(label_img)
        global_step = 0 if global_step is None else global_step
        step = str(global_step).zfill(5)
        subdir = f"{step}/{self._encode(tag)}"
        logdir = self._get_file_writer().get_logdir()
        save_path = os.path.join(logdir, subdir)
        gfile = tf.io.gfile
        if not gfile.exists(save_path):
            gfile.makedirs(save_path)
        elif gfile.isdir(save_path):
            print("warning: Embedding dir exists, did you set global_step for add_embedding()?")
        else:
            raise NotADirectoryError(f"Path: `{save_path}` exists, but is a file. Cannot proceed.")

        info = EmbeddingInfo(tensor_name=f"{tag}:{step}", tensor_path=_join(subdir, "tensors.tsv"))
        if metadata is not None:
            if mat.shape[0] != len(metadata):
                raise AssertionError("#labels should equal with #data points")
            if metadata_header:
                if len(metadata_header) != len(metadata[0]):
                    raise AssertionError("len of header must be equal to the number of columns in metadata")
                lines = ["\t".join(str(e) for e in row) for row in [metadata_header] + list(metadata)]
            else:
                lines = [str(x) for x in metadata]
            _write_file(_join(save_path, "metadata.tsv"), "\n".join(lines) + "\n")
            info.metadata_path = _join(subdir, "metadata.tsv")
        if images is not None:
            if mat.shape[0] != images.shape[0]:
                raise AssertionError("#images should equal with #data points")
            self._write_sprite(images, save_path)
            info.sprite.image_path = _join(subdir, "sprite.png")
            info.sprite.single_image_dim.extend([images.shape[3], images.shape[2]])
        if mat.ndim != 2:
            raise AssertionError("mat should be 2D, where mat.size(0) is the number of data points")
        _write_file(_join(save_path, "tensors.tsv"), "".join("\t".join(map(str, row)) + "\n" for row in mat.tolist()))

        if not hasattr(self, "_projector_config"):
            self._projector_config = ProjectorConfig()
        self._projector_config.embeddings.extend([info])
        _write_file(_join(logdir, "projector_config.pbtxt"), text_format.MessageToString(self._projector_config))

    @staticmethod
    def _write_sprite(images, save_path: str) -> None:
        """The projector's sprite.png: the NCHW thumbnails in a square grid, ceil(sqrt(N)) a row."""
        from PIL import Image

        grid = S.make_grid(images, ncols=math.ceil(images.shape[0] ** 0.5)).transpose(1, 2, 0)
        square = np.zeros((grid.shape[1], grid.shape[1], 3))
        square[:grid.shape[0]] = grid
        picture = Image.fromarray(np.uint8((square * 255).clip(0, 255)))
        with tf.io.gfile.GFile(_join(save_path, "sprite.png"), "wb") as f:
            with io.BytesIO() as out:
                picture.save(out, format="PNG")
                f.write(out.getvalue())

    def add_pr_curve(self, tag: str, labels, predictions, global_step: int | None = None, num_thresholds: int = 127,
                     weights=None, walltime: float | None = None) -> None:
        """Log the precision-recall curve of binary `labels` against `predictions` in [0, 1]."""
        summary = S.pr_curve(tag, labels, predictions, num_thresholds, weights)
        self._get_file_writer().add_summary(summary, global_step, walltime)

    def add_pr_curve_raw(self, tag: str, true_positive_counts, false_positive_counts, true_negative_counts,
                         false_negative_counts, precision, recall, global_step: int | None = None,
                         num_thresholds: int = 127, weights=None, walltime: float | None = None) -> None:
        """Log a precision-recall curve computed elsewhere: the counts, precisions and recalls per threshold."""
        summary = S.pr_curve_raw(tag, true_positive_counts, false_positive_counts, true_negative_counts,
                                 false_negative_counts, precision, recall, num_thresholds, weights)
        self._get_file_writer().add_summary(summary, global_step, walltime)

    def add_custom_scalars_multilinechart(self, tags: list, category: str = "default", title: str = "untitled") -> None:
        """Lay out one custom-scalars chart with the series `tags` on common axes."""
        self._get_file_writer().add_summary(S.custom_scalars({category: {title: ["Multiline", tags]}}))

    def add_custom_scalars_marginchart(self, tags: list, category: str = "default", title: str = "untitled") -> None:
        """Lay out one custom-scalars chart of a value with its lower and upper bounds (three tags)."""
        if len(tags) != 3:
            raise AssertionError(f"Expected 3 tags, got {len(tags)}.")
        self._get_file_writer().add_summary(S.custom_scalars({category: {title: ["Margin", tags]}}))

    def add_custom_scalars(self, layout: dict) -> None:
        """Lay out the custom-scalars dashboard: {category: {title: ['Multiline' | 'Margin', tags]}}."""
        self._get_file_writer().add_summary(S.custom_scalars(layout))

    def add_mesh(self, tag: str, vertices, colors=None, faces=None, config_dict: dict | None = None,
                 global_step: int | None = None, walltime: float | None = None) -> None:
        """Log a (B, N, 3) point cloud or mesh (with faces and colors if given) for the mesh plugin."""
        summary = S.mesh(tag, vertices, colors, faces, config_dict)
        self._get_file_writer().add_summary(summary, global_step, walltime)

    def flush(self) -> None:
        """Write every pending event of this writer (and of its add_scalars series) to disk."""
        for writer in (self.all_writers or {}).values():
            writer.flush()

    def close(self) -> None:
        """Flush and close every event file; a later write opens a new one. Closing twice does nothing."""
        if self.all_writers is None:
            return
        for writer in self.all_writers.values():
            writer.flush()
            writer.close()
        self.file_writer = self.all_writers = None

    def __enter__(self) -> SummaryWriter:
        return self

    def __exit__(self, exc_type, exc_val, exc_tb) -> None:
        self.close()
