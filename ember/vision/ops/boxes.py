"""torchvision's box operations on (..., N, 4) tensors: format conversion, areas, the IoU family (differentiable),
clipping, filtering, non-maximum suppression and boxes around masks."""
import math

import numpy as np

import ember

from ..._tensor import Tensor

__all__ = ["batched_nms", "box_area", "box_convert", "box_iou", "clip_boxes_to_image", "complete_box_iou",
           "distance_box_iou", "generalized_box_iou", "masks_to_boxes", "nms", "remove_small_boxes"]

AXIS_ALIGNED_FORMATS = ("xyxy", "xywh", "cxcywh")
ROTATED_FORMATS = ("cxcywhr", "xywhr", "xyxyxyxy")


def _upcast(t: Tensor) -> Tensor:
    """`t` in a type whose products do not overflow: float32/float64 or int32/int64."""
    if t.is_floating_point():
        return t if t.dtype in (ember.float32, ember.float64) else t.float()
    return t if t.dtype in (ember.int32, ember.int64) else t.int()


def _to_xyxy(boxes: Tensor, fmt: str) -> Tensor:
    a, b, c, d = boxes.unbind(-1)
    if fmt == "xywh":
        return ember.stack([a, b, a + c, b + d], dim=-1)
    if fmt == "cxcywh":
        return ember.stack([a - 0.5 * c, b - 0.5 * d, a + 0.5 * c, b + 0.5 * d], dim=-1)
    return boxes


def _from_xyxy(boxes: Tensor, fmt: str) -> Tensor:
    x1, y1, x2, y2 = boxes.unbind(-1)
    if fmt == "xywh":
        return ember.stack([x1, y1, x2 - x1, y2 - y1], dim=-1)
    if fmt == "cxcywh":
        return ember.stack([(x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1], dim=-1)
    return boxes


def box_convert(boxes: Tensor, in_fmt: str, out_fmt: str) -> Tensor:
    """Boxes converted between 'xyxy' (corners), 'xywh' (corner and size) and 'cxcywh' (center and size).
    The rotated formats of torchvision ('xywhr', 'cxcywhr', 'xyxyxyxy') raise NotImplementedError in ember."""
    if in_fmt in ROTATED_FORMATS or out_fmt in ROTATED_FORMATS:
        raise NotImplementedError(f"Unsupported Bounding Box Conversions for given in_fmt {in_fmt} and out_fmt "
                                  f"{out_fmt}: ember has no rotated boxes")
    if in_fmt not in AXIS_ALIGNED_FORMATS or out_fmt not in AXIS_ALIGNED_FORMATS:
        raise ValueError(f"Unsupported Bounding Box Conversions for given in_fmt {in_fmt} and out_fmt {out_fmt}")
    if in_fmt == out_fmt:
        return boxes.clone()
    return _from_xyxy(_to_xyxy(boxes, in_fmt), out_fmt)


def box_area(boxes: Tensor, fmt: str = "xyxy") -> Tensor:
    """The area of each box of a (..., N, 4) tensor in format `fmt`."""
    if fmt not in AXIS_ALIGNED_FORMATS:
        raise ValueError(f"Unsupported Bounding Box area for given format {fmt}")
    boxes = _upcast(boxes)
    if fmt == "xyxy":
        return (boxes[..., 2] - boxes[..., 0]) * (boxes[..., 3] - boxes[..., 1])
    return boxes[..., 2] * boxes[..., 3]


def _pairwise(boxes1: Tensor, boxes2: Tensor) -> tuple[Tensor, Tensor]:
    """The (..., N, M, 4) broadcast views of (..., N, 4) and (..., M, 4) boxes."""
    return boxes1[..., :, None, :], boxes2[..., None, :, :]


def _inter_union(boxes1: Tensor, boxes2: Tensor) -> tuple[Tensor, Tensor]:
    """Pairwise intersection and union areas of xyxy boxes."""
    b1, b2 = _pairwise(boxes1, boxes2)
    wh = _upcast(ember.minimum(b1[..., 2:], b2[..., 2:]) - ember.maximum(b1[..., :2], b2[..., :2])).clamp(min=0)
    inter = wh[..., 0] * wh[..., 1]
    union = box_area(boxes1)[..., :, None] + box_area(boxes2)[..., None, :] - inter
    return inter, union


def box_iou(boxes1: Tensor, boxes2: Tensor, fmt: str = "xyxy") -> Tensor:
    """The (..., N, M) intersection over union of every pair of boxes in format `fmt`. Rotated formats raise
    NotImplementedError in ember."""
    if fmt in ROTATED_FORMATS:
        raise NotImplementedError(f"box_iou of rotated boxes (fmt={fmt!r}) is not implemented in ember")
    if fmt not in AXIS_ALIGNED_FORMATS:
        raise ValueError(f"Unsupported format '{fmt}'. Supported axis-aligned formats: {AXIS_ALIGNED_FORMATS}. "
                         f"Supported rotated formats: {ROTATED_FORMATS}.")
    inter, union = _inter_union(_to_xyxy(boxes1, fmt), _to_xyxy(boxes2, fmt))
    return inter / union


def _enclosing(boxes1: Tensor, boxes2: Tensor) -> Tensor:
    """The (..., N, M, 2) width and height of the smallest box enclosing each pair."""
    b1, b2 = _pairwise(boxes1, boxes2)
    return _upcast(ember.maximum(b1[..., 2:], b2[..., 2:]) - ember.minimum(b1[..., :2], b2[..., :2])).clamp(min=0)


def generalized_box_iou(boxes1: Tensor, boxes2: Tensor) -> Tensor:
    """The (N, M) generalized IoU of xyxy boxes: IoU minus the share of the enclosing box that the union leaves."""
    inter, union = _inter_union(boxes1, boxes2)
    wh = _enclosing(boxes1, boxes2)
    area = wh[..., 0] * wh[..., 1]
    return inter / union - (area - union) / area


def distance_box_iou(boxes1: Tensor, boxes2: Tensor, eps: float = 1e-7) -> Tensor:
    """The (N, M) distance IoU of xyxy boxes: IoU minus the squared distance of the centers over the squared
    diagonal of the enclosing box (plus `eps`)."""
    return _diou(boxes1, boxes2, eps)[0]


def _diou(boxes1: Tensor, boxes2: Tensor, eps: float) -> tuple[Tensor, Tensor]:
    """(distance IoU, IoU) of xyxy boxes."""
    inter, union = _inter_union(boxes1, boxes2)
    iou = inter / union
    wh = _enclosing(boxes1, boxes2)
    diagonal = wh[..., 0] ** 2 + wh[..., 1] ** 2 + eps
    b1, b2 = _pairwise(_upcast(boxes1), _upcast(boxes2))
    centers = (b1[..., :2] + b1[..., 2:]) / 2 - (b2[..., :2] + b2[..., 2:]) / 2
    return iou - (centers[..., 0] ** 2 + centers[..., 1] ** 2) / diagonal, iou


def complete_box_iou(boxes1: Tensor, boxes2: Tensor, eps: float = 1e-7) -> Tensor:
    """The (N, M) complete IoU of xyxy boxes: distance IoU minus a penalty on the difference of aspect ratios."""
    diou, iou = _diou(boxes1, boxes2, eps)
    b1, b2 = _pairwise(_upcast(boxes1), _upcast(boxes2))
    angle1 = ember.atan((b1[..., 2] - b1[..., 0]) / (b1[..., 3] - b1[..., 1]))
    angle2 = ember.atan((b2[..., 2] - b2[..., 0]) / (b2[..., 3] - b2[..., 1]))
    v = (4 / math.pi ** 2) * (angle2 - angle1) ** 2
    with ember.no_grad():
        alpha = v / (1 - iou + v + eps)
    return diou - alpha * v


def clip_boxes_to_image(boxes: Tensor, size: tuple[int, int]) -> Tensor:
    """xyxy boxes clipped to an image of `size` (height, width)."""
    height, width = size
    x = boxes[..., 0::2].clamp(min=0, max=width)
    y = boxes[..., 1::2].clamp(min=0, max=height)
    return ember.stack([x, y], dim=-1).reshape(boxes.shape)


def remove_small_boxes(boxes: Tensor, min_size: float) -> Tensor:
    """The indices of the xyxy boxes whose width and height are both at least `min_size`."""
    keep = ((boxes[:, 2] - boxes[:, 0]) >= min_size) & ((boxes[:, 3] - boxes[:, 1]) >= min_size)
    return ember.where(keep)[0]


def _check_nms_input(boxes: Tensor, scores: Tensor) -> None:
    if boxes.dim() != 2:
        raise RuntimeError(f"boxes should be a 2d tensor, got {boxes.dim()}D")
    if boxes.shape[1] != 4:
        raise RuntimeError(f"boxes should have 4 elements in dimension 1, got {boxes.shape[1]}")
    if scores.dim() != 1:
        raise RuntimeError(f"scores should be a 1d tensor, got {scores.dim()}D")
    if boxes.shape[0] != scores.shape[0]:
        raise RuntimeError(f"boxes and scores should have same number of elements in dimension 0, got "
                           f"{boxes.shape[0]} and {scores.shape[0]}")


def _greedy_nms(boxes: np.ndarray, scores: np.ndarray, iou_threshold: float) -> np.ndarray:
    """The indices kept by greedy suppression, by decreasing score: one vectorized IoU per kept box."""
    x1, y1, x2, y2 = boxes.T
    areas = (x2 - x1) * (y2 - y1)
    order = np.argsort(-scores, kind="stable")
    keep = []
    while order.size:
        i, rest = order[0], order[1:]
        keep.append(i)
        w = np.clip(np.minimum(x2[i], x2[rest]) - np.maximum(x1[i], x1[rest]), 0, None)
        h = np.clip(np.minimum(y2[i], y2[rest]) - np.maximum(y1[i], y1[rest]), 0, None)
        inter = w * h
        with np.errstate(divide="ignore", invalid="ignore"):
                order = rest[~(inter / (areas[i] + areas[rest] - inter) > iou_threshold)]  # a NaN IoU keeps, as there
    return np.array(keep, dtype=np.int64)


def nms(boxes: Tensor, scores: Tensor, iou_threshold: float) -> Tensor:
    """The int64 indices of the xyxy boxes kept by non-maximum suppression, by decreasing score: a box is dropped
    when its IoU with a kept box of higher score exceeds `iou_threshold`. Computed in NumPy on the CPU."""
    _check_nms_input(boxes, scores)
    keep = _greedy_nms(boxes.detach().cpu().numpy(), scores.detach().cpu().numpy(), iou_threshold)
    return ember.from_numpy(keep).to(boxes.device)


def batched_nms(boxes: Tensor, scores: Tensor, idxs: Tensor, iou_threshold: float) -> Tensor:
    """nms within each category of `idxs` (boxes of different categories never suppress each other); the kept
    indices by decreasing score."""
    _check_nms_input(boxes, scores)
    b, s, c = boxes.detach().cpu().numpy(), scores.detach().cpu().numpy(), idxs.detach().cpu().numpy()
    keep = [np.flatnonzero(c == k)[_greedy_nms(b[c == k], s[c == k], iou_threshold)] for k in np.unique(c)]
    keep = np.concatenate(keep) if keep else np.zeros(0, dtype=np.int64)
    keep = keep[np.argsort(-s[keep], kind="stable")]
    return ember.from_numpy(keep.astype(np.int64)).to(boxes.device)


def _span(present: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The first and last index where each row of a 2-D bool array is True (0 and 0 where it never is)."""
    first = present.argmax(axis=1)
    last = present.shape[1] - 1 - present[:, ::-1].argmax(axis=1)
    empty = ~present.any(axis=1)
    return np.where(empty, 0, first), np.where(empty, 0, last)


def masks_to_boxes(masks: Tensor) -> Tensor:
    """The float xyxy box around the nonzero pixels of each of the (N, H, W) masks; [0, 0, 0, 0] for an empty
    mask."""
    if masks.numel() == 0:
        return ember.zeros((0, 4), device=masks.device)
    m = masks.detach().cpu().numpy() != 0
    x1, x2 = _span(m.any(axis=1))
    y1, y2 = _span(m.any(axis=2))
    return ember.from_numpy(np.stack([x1, y1, x2, y2], axis=1).astype(np.float32)).to(masks.device)
