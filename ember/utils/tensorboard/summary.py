"""The Summary protocol buffers that SummaryWriter writes, built as torch.utils.tensorboard.summary builds them: the
same tags, plugin names and plugin data, so that TensorBoard shows ember's runs as it shows PyTorch's. Values may be
ember tensors, NumPy arrays or Python numbers (make_np turns each into an array). One difference: videos are GIFs
encoded with Pillow, where PyTorch needs moviepy's `moviepy.editor` (gone in moviepy 2) and without it logs an empty
image."""
import io
import json
import logging
import wave

import numpy as np
from google.protobuf import struct_pb2
from tensorboard.compat.proto.summary_pb2 import HistogramProto, Summary, SummaryMetadata
from tensorboard.compat.proto.tensor_pb2 import TensorProto
from tensorboard.compat.proto.tensor_shape_pb2 import TensorShapeProto
from tensorboard.plugins.custom_scalar import layout_pb2
from tensorboard.plugins.pr_curve.plugin_data_pb2 import PrCurvePluginData
from tensorboard.plugins.text.plugin_data_pb2 import TextPluginData

from ... import _dtype
from ..._tensor import Tensor

__all__ = ["make_np", "hparams", "scalar", "histogram_raw", "histogram", "make_histogram", "image", "image_boxes",
           "draw_boxes", "make_image", "video", "make_video", "audio", "custom_scalars", "text", "tensor_proto",
           "pr_curve_raw", "pr_curve", "compute_curve", "mesh", "convert_to_HWC", "make_grid", "figure_to_image"]

logger = logging.getLogger(__name__)


# ---- values to arrays and images --------------------------------------------------------------------------------

def make_np(x) -> np.ndarray:
    """`x` (an ember tensor, a NumPy array or a number) as a NumPy array; a number becomes a one-element array."""
    if isinstance(x, np.ndarray):
        return x
    if np.isscalar(x):
        return np.array([x])
    if isinstance(x, Tensor):
        if x.dtype is _dtype.bfloat16:
            x = x.to(_dtype.float16)  # NumPy has no bfloat16: PyTorch logs such tensors as float16 too
        return x.detach().cpu().numpy()
    raise NotImplementedError(f"Got {type(x)}, but numpy array or ember tensor are expected.")


def _array(x) -> np.ndarray:
    """`x` as an array: ember tensors through make_np, anything else (lists, arrays) through np.asarray."""
    return make_np(x) if isinstance(x, Tensor) else np.asarray(x)


def make_grid(images: np.ndarray, ncols: int = 8) -> np.ndarray:
    """A (3, rows*H, cols*W) canvas of N images (N1HW or N3HW), `ncols` a row, the last row padded with zeros."""
    if not isinstance(images, np.ndarray):
        raise AssertionError("plugin error, should pass numpy array here")
    if images.shape[1] == 1:
        images = np.concatenate([images, images, images], 1)
    if images.ndim != 4 or images.shape[1] != 3:
        raise AssertionError("Input should be a 4D numpy array with 3 channels")
    n, _, height, width = images.shape
    ncols = min(n, ncols)
    nrows = -(-n // ncols)
    padded = np.zeros((nrows * ncols, 3, height, width), dtype=images.dtype)
    padded[:n] = images
    grid = padded.reshape(nrows, ncols, 3, height, width).transpose(2, 0, 3, 1, 4)
    return grid.reshape(3, nrows * height, ncols * width)


def convert_to_HWC(tensor: np.ndarray, input_format: str) -> np.ndarray:  # noqa: N802  (PyTorch's name)
    """An image array laid out as `input_format` (NCHW, CHW, HWC, HW, ... in any order) as one HWC image with 3 or 4
    channels: a batch becomes a grid, a single channel is repeated into RGB."""
    if len(set(input_format)) != len(input_format):
        raise AssertionError(f"You can not use the same dimension shorthand twice. input_format: {input_format}")
    if len(tensor.shape) != len(input_format):
        raise AssertionError(f"size of input tensor and input format are different. tensor shape: {tensor.shape}, "
                             f"input_format: {input_format}")
    input_format = input_format.upper()
    if len(input_format) == 4:
        nchw = tensor.transpose([input_format.find(c) for c in "NCHW"])
        return make_grid(nchw).transpose(1, 2, 0)
    if len(input_format) == 3:
        hwc = tensor.transpose([input_format.find(c) for c in "HWC"])
        return np.concatenate([hwc, hwc, hwc], 2) if hwc.shape[2] == 1 else hwc
    hw = tensor.transpose([input_format.find(c) for c in "HW"])
    return np.stack([hw, hw, hw], 2)


def _scale_factor(array: np.ndarray) -> int:
    """What brings the image's values to [0, 255]: uint8 images are there already, others are taken to be in [0, 1]."""
    return 1 if array.dtype == np.uint8 else 255


def figure_to_image(figures, close: bool = True) -> np.ndarray:
    """A matplotlib figure rendered as a CHW uint8 RGB array (a list of figures: NCHW); `close` closes them."""
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    def render(figure) -> np.ndarray:
        canvas = FigureCanvasAgg(figure)
        canvas.draw()
        width, height = figure.canvas.get_width_height()
        rgba = np.frombuffer(canvas.buffer_rgba(), dtype=np.uint8).reshape(height, width, 4)
        if close:
            plt.close(figure)
        return np.moveaxis(rgba[:, :, :3], 2, 0)

    if isinstance(figures, list):
        return np.stack([render(figure) for figure in figures])
    return render(figures)


# ---- scalars, tensors and histograms ----------------------------------------------------------------------------

def scalar(name: str, tensor, collections=None, new_style: bool = False, double_precision: bool = False) -> Summary:
    """A Summary of one scalar: a simple_value, or (new_style) a float or double tensor for the scalars plugin."""
    array = make_np(tensor).squeeze()
    if array.ndim != 0:
        raise AssertionError(f"Tensor should contain one element (0 dimensions). Was given size: {array.size} and "
                             f"{array.ndim} dimensions.")
    value = float(array)
    if not new_style:
        return Summary(value=[Summary.Value(tag=name, simple_value=value)])
    if double_precision:
        proto = TensorProto(double_val=[value], dtype="DT_DOUBLE")
    else:
        proto = TensorProto(float_val=[value], dtype="DT_FLOAT")
    metadata = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="scalars"))
    return Summary(value=[Summary.Value(tag=name, tensor=proto, metadata=metadata)])


def _float_bits(values: np.ndarray) -> list:
    """Half-precision values as PyTorch stores them in TensorProto.half_val: the bits of each value as a float32."""
    return values.astype(np.float32).reshape(-1).view(np.int32).tolist()


def _complex_parts(values: np.ndarray) -> list:
    """Complex values as (real, imaginary) pairs, flattened."""
    return np.stack([values.real, values.imag], -1).reshape(-1).tolist()


def _flat(values: np.ndarray) -> list:
    return values.reshape(-1).tolist()


# NumPy dtype name -> (TensorProto dtype, the TensorProto field, how values go there), as PyTorch maps its dtypes
_TENSOR_FIELDS = {
    "float16": ("DT_HALF", "half_val", _float_bits),
    "float32": ("DT_FLOAT", "float_val", _flat),
    "float64": ("DT_DOUBLE", "double_val", _flat),
    "int8": ("DT_INT8", "int_val", _flat),
    "uint8": ("DT_UINT8", "uint32_val", _flat),
    "int16": ("DT_INT16", "int_val", _flat),
    "int32": ("DT_INT32", "int_val", _flat),
    "int64": ("DT_INT64", "int64_val", _flat),
    "complex64": ("DT_COMPLEX64", "scomplex_val", _complex_parts),
    "complex128": ("DT_COMPLEX128", "dcomplex_val", _complex_parts),
    "bool": ("DT_BOOL", "bool_val", _flat),
}


def tensor_proto(tag: str, tensor) -> Summary:
    """A Summary holding the whole tensor (an ember tensor or a NumPy array) as a TensorProto, for the tensor
    plugin."""
    is_bfloat16 = isinstance(tensor, Tensor) and tensor.dtype is _dtype.bfloat16
    values = tensor.float().detach().cpu().numpy() if is_bfloat16 else _array(tensor)
    if values.size * values.itemsize >= (1 << 31):
        raise ValueError("tensor is bigger than protocol buffer's hard limit of 2GB in size")
    key = "bfloat16" if is_bfloat16 else values.dtype.name
    if key == "bfloat16":
        fields = ("DT_BFLOAT16", "half_val", _float_bits)
    elif key in _TENSOR_FIELDS:
        fields = _TENSOR_FIELDS[key]
    else:
        raise ValueError(f"{tag} has unsupported tensor dtype {getattr(tensor, 'dtype', values.dtype)}")
    dtype, field, convert = fields
    shape = TensorShapeProto(dim=[TensorShapeProto.Dim(size=d) for d in values.shape])
    proto = TensorProto(dtype=dtype, tensor_shape=shape, **{field: convert(values)})
    metadata = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="tensor"))
    return Summary(value=[Summary.Value(tag=tag, metadata=metadata, tensor=proto)])


def histogram_raw(name: str, min, max, num, sum, sum_squares, bucket_limits, bucket_counts) -> Summary:  # noqa: A002
    """A Summary of a histogram given by its statistics and buckets (each limit is its bucket's right edge)."""
    histo = HistogramProto(min=min, max=max, num=num, sum=sum, sum_squares=sum_squares,
                           bucket_limit=_array(bucket_limits).tolist(), bucket=_array(bucket_counts).tolist())
    return Summary(value=[Summary.Value(tag=name, histo=histo)])


def histogram(name: str, values, bins, max_bins: int | None = None) -> Summary:
    """A Summary of the histogram of `values` over `bins` (edges, a count, or a NumPy bin rule such as 'auto')."""
    return Summary(value=[Summary.Value(tag=name, histo=make_histogram(make_np(values).astype(float), bins,
                                                                       max_bins))])


def make_histogram(values: np.ndarray, bins, max_bins: int | None = None) -> HistogramProto:
    """The HistogramProto of `values`: NumPy's histogram, at most `max_bins` buckets (neighbours merged), trimmed to
    the occupied buckets plus one empty bucket on the left, since TensorBoard keeps only each bucket's right edge."""
    if values.size == 0:
        raise ValueError("The input has no element.")
    values = values.reshape(-1)
    counts, limits = np.histogram(values, bins=bins)
    if max_bins is not None and len(counts) > max_bins:
        group = len(counts) // max_bins
        counts = np.pad(counts, (0, -len(counts) % group)).reshape(-1, group).sum(axis=-1)
        limits = np.append(limits[:-1:group], limits[-1])
    occupied = np.cumsum(counts > 0)
    start = int(np.searchsorted(occupied, 0, side="right"))  # the first occupied bucket
    end = int(np.searchsorted(occupied, occupied[-1] - 1, side="right")) + 1  # one past the last
    counts = counts[start - 1:end] if start > 0 else np.concatenate([[0], counts[:end]])
    limits = limits[start:end + 1]
    if counts.size == 0 or limits.size == 0:
        raise ValueError("The histogram is empty, please file a bug report.")
    return HistogramProto(min=values.min(), max=values.max(), num=len(values), sum=values.sum(),
                          sum_squares=values.dot(values), bucket_limit=limits.tolist(), bucket=counts.tolist())


# ---- images, video and audio ------------------------------------------------------------------------------------

def _to_uint8(array: np.ndarray) -> np.ndarray:
    """Image values scaled to [0, 255] (floats are taken to be in [0, 1]), clipped, as uint8."""
    return (array.astype(np.float32) * _scale_factor(array)).clip(0, 255).astype(np.uint8)


def image(tag: str, tensor, rescale: float = 1, dataformats: str = "NCHW") -> Summary:
    """A Summary of an image (a batch of images becomes one grid) encoded as PNG."""
    hwc = convert_to_HWC(make_np(tensor), dataformats)
    return Summary(value=[Summary.Value(tag=tag, image=make_image(_to_uint8(hwc), rescale=rescale))])


def image_boxes(tag: str, tensor_image, tensor_boxes, rescale: float = 1, dataformats: str = "CHW",
                labels: list | None = None) -> Summary:
    """A Summary of an image with boxes (xmin, ymin, xmax, ymax rows) drawn on it in red, labelled if given."""
    hwc = convert_to_HWC(make_np(tensor_image), dataformats)
    encoded = make_image(_to_uint8(hwc), rescale=rescale, rois=make_np(tensor_boxes), labels=labels)
    return Summary(value=[Summary.Value(tag=tag, image=encoded)])


def draw_boxes(disp_image, boxes: np.ndarray, labels: list | None = None):
    """Draw each box (xmin, ymin, xmax, ymax) on the PIL image in red, with its label above its bottom edge."""
    from PIL import ImageDraw, ImageFont

    draw = ImageDraw.Draw(disp_image)
    font = ImageFont.load_default()
    for i, (left, top, right, bottom) in enumerate(boxes[:, :4]):
        draw.line([(left, top), (left, bottom), (right, bottom), (right, top), (left, top)], width=2, fill="Red")
        label = None if labels is None else labels[i]
        if label:
            x0, y0, x1, y1 = font.getbbox(label)
            text_width, text_height = x1 - x0, y1 - y0
            margin = np.ceil(0.05 * text_height)
            draw.rectangle([(left, bottom - text_height - 2 * margin), (left + text_width, bottom)], fill="Red")
            draw.text((left + margin, bottom - text_height - margin), label, fill="black", font=font)
    return disp_image


def make_image(tensor: np.ndarray, rescale: float = 1, rois: np.ndarray | None = None,
               labels: list | None = None) -> Summary.Image:
    """An HWC uint8 array as a Summary.Image: PNG-encoded (resized by `rescale`, boxes drawn if given)."""
    from PIL import Image

    height, width, channels = tensor.shape
    picture = Image.fromarray(tensor)
    if rois is not None:
        picture = draw_boxes(picture, rois, labels=labels)
    picture = picture.resize((int(width * rescale), int(height * rescale)), Image.Resampling.LANCZOS)
    with io.BytesIO() as out:
        picture.save(out, format="PNG")
        encoded = out.getvalue()
    return Summary.Image(height=height, width=width, colorspace=channels, encoded_image_string=encoded)


def _prepare_video(video: np.ndarray) -> np.ndarray:
    """A (N, T, C, H, W) batch of videos as (T, H', W', C) frames: the N videos side by side in a grid of
    2**k rows, N padded with blank videos to a power of two (PyTorch's layout)."""
    n, t, c, h, w = video.shape
    if video.dtype == np.uint8:
        video = np.float32(video) / 255.0
    if n & (n - 1):  # not a power of two
        blank = np.zeros((2 ** n.bit_length() - n, t, c, h, w))
        video = np.concatenate((video, blank), axis=0)
    rows = 2 ** ((n.bit_length() - 1) // 2)
    cols = video.shape[0] // rows
    frames = video.reshape(rows, cols, t, c, h, w).transpose(2, 0, 4, 1, 5, 3)
    return frames.reshape(t, rows * h, cols * w, c)


def make_video(tensor: np.ndarray, fps: float) -> Summary.Image:
    """(T, H, W, C) uint8 frames as a Summary.Image holding an animated GIF (encoded with Pillow, looping)."""
    from PIL import Image

    _, height, width, channels = tensor.shape
    frames = [Image.fromarray(frame[:, :, 0] if channels == 1 else frame) for frame in tensor]
    with io.BytesIO() as out:
        frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:], duration=1000 / fps, loop=0)
        encoded = out.getvalue()
    return Summary.Image(height=height, width=width, colorspace=channels, encoded_image_string=encoded)


def video(tag: str, tensor, fps: float = 4) -> Summary:
    """A Summary of a (N, T, C, H, W) batch of videos as one animated GIF, the videos side by side."""
    frames = _prepare_video(make_np(tensor))
    return Summary(value=[Summary.Value(tag=tag, image=make_video(_to_uint8(frames), fps))])


def audio(tag: str, tensor, sample_rate: int = 44100) -> Summary:
    """A Summary of a mono clip with values in [-1, 1] (others are clipped, with a warning), as 16-bit WAV."""
    array = make_np(tensor).squeeze()
    if abs(array).max() > 1:
        print("warning: audio amplitude out of range, auto clipped.")
        array = array.clip(-1, 1)
    if array.ndim != 1:
        raise AssertionError("input tensor should be 1 dimensional.")
    samples = (array * np.iinfo(np.int16).max).astype("<i2")
    with io.BytesIO() as out:
        with wave.open(out, "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(sample_rate)
            wav.writeframes(samples.data)
        encoded = out.getvalue()
    clip = Summary.Audio(sample_rate=sample_rate, num_channels=1, length_frames=samples.shape[-1],
                         encoded_audio_string=encoded, content_type="audio/wav")
    return Summary(value=[Summary.Value(tag=tag, audio=clip)])


# ---- plugins: text, custom scalars, PR curves, hparams, meshes --------------------------------------------------

def text(tag: str, text: str) -> Summary:
    """A Summary of a (Markdown) string for the text plugin, under the tag '<tag>/text_summary'."""
    plugin_data = SummaryMetadata.PluginData(plugin_name="text", content=TextPluginData(version=0).SerializeToString())
    proto = TensorProto(dtype="DT_STRING", string_val=[text.encode(encoding="utf_8")],
                        tensor_shape=TensorShapeProto(dim=[TensorShapeProto.Dim(size=1)]))
    return Summary(value=[Summary.Value(tag=tag + "/text_summary", metadata=SummaryMetadata(plugin_data=plugin_data),
                                        tensor=proto)])


def custom_scalars(layout: dict) -> Summary:
    """A Summary of the custom-scalars layout {category: {chart title: ['Multiline' | 'Margin', tags]}}."""
    categories = []
    for category, charts in layout.items():
        chart_protos = []
        for title, (kind, tags) in charts.items():
            if kind == "Margin":
                if len(tags) != 3:
                    raise AssertionError("len(tags) != 3")
                series = layout_pb2.MarginChartContent.Series(value=tags[0], lower=tags[1], upper=tags[2])
                margin = layout_pb2.MarginChartContent(series=[series])
                chart_protos.append(layout_pb2.Chart(title=title, margin=margin))
            else:
                chart_protos.append(layout_pb2.Chart(title=title, multiline=layout_pb2.MultilineChartContent(tag=tags)))
        categories.append(layout_pb2.Category(title=category, chart=chart_protos))
    proto = TensorProto(dtype="DT_STRING", string_val=[layout_pb2.Layout(category=categories).SerializeToString()],
                        tensor_shape=TensorShapeProto())
    metadata = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="custom_scalars"))
    return Summary(value=[Summary.Value(tag="custom_scalars__config__", tensor=proto, metadata=metadata)])


def _pr_curve_summary(tag: str, data: np.ndarray, num_thresholds: int) -> Summary:
    """A Summary of the (6, num_thresholds) PR-curve table (TP, FP, TN, FN, precision, recall) for the plugin."""
    content = PrCurvePluginData(version=0, num_thresholds=num_thresholds).SerializeToString()
    metadata = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="pr_curves", content=content))
    shape = TensorShapeProto(dim=[TensorShapeProto.Dim(size=data.shape[0]), TensorShapeProto.Dim(size=data.shape[1])])
    proto = TensorProto(dtype="DT_FLOAT", float_val=data.reshape(-1).tolist(), tensor_shape=shape)
    return Summary(value=[Summary.Value(tag=tag, metadata=metadata, tensor=proto)])


def pr_curve_raw(tag: str, tp, fp, tn, fn, precision, recall, num_thresholds: int = 127, weights=None) -> Summary:
    """A Summary of a precision-recall curve given by its counts, precisions and recalls per threshold."""
    data = np.stack([_array(x) for x in (tp, fp, tn, fn, precision, recall)])
    return _pr_curve_summary(tag, data, min(num_thresholds, 127))  # the plugin reads at most 127 thresholds


def pr_curve(tag: str, labels, predictions, num_thresholds: int = 127, weights=None) -> Summary:
    """A Summary of the precision-recall curve of binary `labels` against `predictions` in [0, 1]."""
    num_thresholds = min(num_thresholds, 127)
    data = compute_curve(make_np(labels), make_np(predictions), num_thresholds=num_thresholds, weights=weights)
    return _pr_curve_summary(tag, data, num_thresholds)


def compute_curve(labels: np.ndarray, predictions: np.ndarray, num_thresholds: int | None = None,
                  weights=None) -> np.ndarray:
    """The (6, num_thresholds) table TP, FP, TN, FN, precision, recall at thresholds i / (num_thresholds - 1)."""
    weights = 1.0 if weights is None else weights
    buckets = np.int32(np.floor(predictions * (num_thresholds - 1)))
    positive = labels.astype(np.float64)
    span = (0, num_thresholds - 1)
    tp_buckets, _ = np.histogram(buckets, bins=num_thresholds, range=span, weights=positive * weights)
    fp_buckets, _ = np.histogram(buckets, bins=num_thresholds, range=span, weights=(1.0 - positive) * weights)
    tp = np.cumsum(tp_buckets[::-1])[::-1]  # predictions at or above each threshold
    fp = np.cumsum(fp_buckets[::-1])[::-1]
    tn, fn = fp[0] - fp, tp[0] - tp
    precision = tp / np.maximum(1e-7, tp + fp)
    recall = tp / np.maximum(1e-7, tp + fn)
    return np.stack((tp, fp, tn, fn, precision, recall))


def _hparams_summary(tag: str, **content) -> Summary:
    """A Summary with no value, whose metadata carries HParamsPluginData(**content) for the hparams plugin."""
    from tensorboard.plugins.hparams.metadata import PLUGIN_DATA_VERSION, PLUGIN_NAME
    from tensorboard.plugins.hparams.plugin_data_pb2 import HParamsPluginData

    data = HParamsPluginData(version=PLUGIN_DATA_VERSION, **content).SerializeToString()
    metadata = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name=PLUGIN_NAME, content=data))
    return Summary(value=[Summary.Value(tag=tag, metadata=metadata)])


def hparams(hparam_dict: dict | None = None, metric_dict: dict | None = None,
            hparam_domain_discrete: dict | None = None) -> tuple:
    """The three Summaries of the hparams plugin, (experiment, session start info, session end info): the
    hyperparameters' names, types and discrete domains, their values, the metrics' tags, and a successful end."""
    from tensorboard.plugins.hparams.api_pb2 import DataType, Experiment, HParamInfo, MetricInfo, MetricName, Status
    from tensorboard.plugins.hparams.metadata import EXPERIMENT_TAG, SESSION_END_INFO_TAG, SESSION_START_INFO_TAG
    from tensorboard.plugins.hparams.plugin_data_pb2 import SessionEndInfo, SessionStartInfo

    for name, given in (("hparam_dict", hparam_dict), ("metric_dict", metric_dict)):
        if not isinstance(given, dict):
            logger.warning("parameter: %s should be a dictionary, nothing logged.", name)
            raise TypeError(f"parameter: {name} should be a dictionary, nothing logged.")
    domains = hparam_domain_discrete or {}
    if not isinstance(domains, dict):
        raise TypeError("parameter: hparam_domain_discrete should be a dictionary, nothing logged.")
    for k, v in domains.items():
        if k not in hparam_dict or not isinstance(v, list) or not all(isinstance(d, type(hparam_dict[k])) for d in v):
            raise TypeError(f"parameter: hparam_domain_discrete[{k}] should be a list of same type as "
                            f"hparam_dict[{k}].")

    start = SessionStartInfo()
    infos = []
    for k, v in hparam_dict.items():
        if v is None:
            continue
        # as in PyTorch, bools are ints here: they are logged as the numbers 0 and 1
        if isinstance(v, (int, float)):
            start.hparams[k].number_value = v
            kind, field = "DATA_TYPE_FLOAT64", "number_value"
        elif isinstance(v, str):
            start.hparams[k].string_value = v
            kind, field = "DATA_TYPE_STRING", "string_value"
        elif isinstance(v, Tensor):
            start.hparams[k].number_value = make_np(v).reshape(-1)[0]
            infos.append(HParamInfo(name=k, type=DataType.Value("DATA_TYPE_FLOAT64")))
            continue
        else:
            raise ValueError("value should be one of int, float, str, bool, or torch.Tensor")
        domain = None
        if k in domains:
            domain = struct_pb2.ListValue(values=[struct_pb2.Value(**{field: d}) for d in domains[k]])
        infos.append(HParamInfo(name=k, type=DataType.Value(kind), domain_discrete=domain))

    experiment = Experiment(hparam_infos=infos, metric_infos=[MetricInfo(name=MetricName(tag=k)) for k in metric_dict])
    return (_hparams_summary(EXPERIMENT_TAG, experiment=experiment),
            _hparams_summary(SESSION_START_INFO_TAG, session_start_info=start),
            _hparams_summary(SESSION_END_INFO_TAG,
                             session_end_info=SessionEndInfo(status=Status.Value("STATUS_SUCCESS"))))


def mesh(tag: str, vertices, colors, faces, config_dict: dict | None, display_name: str | None = None,
         description: str | None = None) -> Summary:
    """A Summary of a mesh or point cloud for the mesh plugin: one value each for the (B, N, 3) vertices, faces and
    colors given, with the Three.js `config_dict` as JSON."""
    from tensorboard.plugins.mesh import metadata
    from tensorboard.plugins.mesh.plugin_data_pb2 import MeshPluginData

    json_config = "{}" if config_dict is None else json.dumps(config_dict, sort_keys=True)
    parts = [(_array(x), kind) for x, kind in ((vertices, MeshPluginData.VERTEX), (faces, MeshPluginData.FACE),
                                                (colors, MeshPluginData.COLOR)) if x is not None]
    components = metadata.get_components_bitmask([kind for _, kind in parts])
    values = []
    for array, kind in parts:
        summary_metadata = metadata.create_summary_metadata(tag, display_name, kind, components, list(array.shape),
                                                            description, json_config=json_config)
        shape = TensorShapeProto(dim=[TensorShapeProto.Dim(size=d) for d in array.shape[:3]])
        proto = TensorProto(dtype="DT_FLOAT", float_val=array.reshape(-1).tolist(), tensor_shape=shape)
        values.append(Summary.Value(tag=metadata.get_instance_name(tag, kind), tensor=proto,
                                    metadata=summary_metadata))
    return Summary(value=values)
