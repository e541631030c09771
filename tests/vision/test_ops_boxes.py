"""vision.ops' box operations: values and gradients recorded from torchvision 0.28, and NMS against the greedy
definition (torchvision's nms is a compiled kernel)."""
import time

import numpy as np
import pytest

import ember
from ember.vision import ops

B1 = [[0., 0, 10, 10], [5, 5, 15, 15], [2, 3, 4, 9]]
B2 = [[1., 1, 11, 12], [20, 20, 25, 30]]

# torchvision 0.28: f(B1, B2), and the gradients of f(B1, B2).sum() with respect to B1 and B2
IOU_FAMILY = {
    "box_iou": ([[0.627907, 0.0], [0.25, 0.0], [0.1090909, 0.0]],
                [[0.04867496, 0.04867496, 0.06489995, 0.06489995], [-0.03720238, -0.02976191, -0.01488095, -0.01488095],
                 [-0.05454545, -0.01818182, 0.05454545, 0.01818182]],
                [[-0.03275432, -0.04010164, -0.02873726, -0.02883041], [0.0, 0.0, 0.0, 0.0]]),
    "generalized_box_iou": ([[0.6051797, -0.8], [0.1071429, -0.7], [0.1090909, -0.900161]],
                            [[0.05642702, 0.04769011, 0.08580904, 0.08580904],
                             [-0.0575085, -0.05817007, -0.00508504, -0.00508504],
                             [-0.05986647, -0.01770469, 0.06420729, 0.02140243]],
                            [[-0.0428038, -0.03747331, -0.01383872, -0.01410405],
                             [-0.04943639, -0.0247182, 0.02209557, 0.00235379]]),
    "distance_box_iou": ([[0.6156428, -0.4631148], [0.1779337, -0.3719512], [0.0672357, -0.589229]],
                         [[0.04772171, 0.04811846, 0.08014895, 0.08367509],
                          [-0.04972651, -0.04220029, -0.00774232, -0.00402778],
                          [-0.04701573, -0.02610885, 0.08362091, 0.0355476]],
                         [[-0.04883388, -0.04841007, -0.03107547, -0.02254736],
                          [-0.03917133, -0.04285224, 0.01207367, 0.01880545]]),
    "complete_box_iou": ([[0.6156406, -0.4648042], [0.1779325, -0.3736407], [0.0621141, -0.589295]],
                         [[0.04825154, 0.04758864, 0.07961912, 0.08420491],
                          [-0.04919907, -0.04272773, -0.00826976, -0.00350034],
                          [-0.05084829, -0.02483133, 0.08745348, 0.03427008]],
                         [[-0.04761554, -0.04951764, -0.0322938, -0.02143979],
                          [-0.04077712, -0.04204934, 0.01367946, 0.01800255]]),
}


@pytest.mark.parametrize("name", list(IOU_FAMILY))
def test_iou_family_values_and_gradients(name):
    expected, grad1, grad2 = IOU_FAMILY[name]
    b1, b2 = ember.tensor(B1, requires_grad=True), ember.tensor(B2, requires_grad=True)
    out = getattr(ops, name)(b1, b2)
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-5, atol=1e-6)
    out.sum().backward()
    np.testing.assert_allclose(b1.grad.numpy(), grad1, rtol=1e-4, atol=1e-7)
    np.testing.assert_allclose(b2.grad.numpy(), grad2, rtol=1e-4, atol=1e-7)


def test_formats_area_and_dtypes():
    b1, b2 = ember.tensor(B1), ember.tensor(B2)
    assert ops.box_area(b1).tolist() == [100.0, 100.0, 12.0]
    assert ops.box_area(b1, fmt="cxcywh").tolist() == [100.0, 225.0, 36.0]
    np.testing.assert_allclose(ops.box_iou(b1, b2, fmt="xywh").numpy(), [[0.5364239, 0], [0.1860465, 0],
                                                                           [0.2727273, 0]], rtol=1e-6)
    np.testing.assert_allclose(ops.box_iou(b1, b2, fmt="cxcywh").numpy(), [[0.6934307, 0], [0.3149171, 0.04],
                                                                             [0.2537313, 0]], rtol=1e-6)
    assert ops.box_convert(b1, "xyxy", "cxcywh").tolist() == [[5, 5, 10, 10], [10, 10, 10, 10], [3, 6, 2, 6]]
    assert ops.box_convert(b1, "cxcywh", "xywh").tolist() == [[-5, -5, 10, 10], [-2.5, -2.5, 15, 15],
                                                              [0, -1.5, 4, 9]]
    back = ops.box_convert(ops.box_convert(b1, "xyxy", "xywh"), "xywh", "xyxy")
    assert back.tolist() == B1
    # torchvision's result types: int64 areas stay int64, IoU is float32, float16 areas are float32
    longs = b1.long()
    assert ops.box_area(longs).dtype == ember.int64 and ops.box_iou(longs, longs).dtype == ember.float32
    assert ops.box_area(b1.half()).dtype == ember.float32 and ops.box_area(b1.int()).dtype == ember.int32
    assert ops.box_iou(b1[None].expand(2, 3, 4), b2[None].expand(2, 2, 4)).shape == (2, 3, 2)


def test_format_errors():
    b = ember.tensor(B1)
    with pytest.raises(ValueError, match="Unsupported Bounding Box Conversions for given in_fmt foo and out_fmt xyxy"):
        ops.box_convert(b, "foo", "xyxy")
    with pytest.raises(NotImplementedError, match="xywhr"):
        ops.box_convert(b, "xyxy", "xywhr")
    with pytest.raises(ValueError, match="Unsupported Bounding Box area for given format xywhr"):
        ops.box_area(b, fmt="xywhr")
    with pytest.raises(ValueError, match="Unsupported format 'foo'"):
        ops.box_iou(b, b, fmt="foo")


def test_clip_small_and_masks():
    clipped = ops.clip_boxes_to_image(ember.tensor([[-3., 4, 12, 30], [1, -1, 2, 2]]), (20, 10))
    assert clipped.tolist() == [[0, 4, 10, 20], [1, 0, 2, 2]]
    keep = ops.remove_small_boxes(ember.tensor(B1), 3)
    assert keep.tolist() == [0, 1] and keep.dtype == ember.int64
    masks = ember.zeros(3, 6, 7, dtype=ember.bool)
    masks[0, 1:4, 2:6] = True
    masks[1, 5, 0] = True
    masks[1, 0, 6] = True
    boxes = ops.masks_to_boxes(masks)
    assert boxes.dtype == ember.float32
    assert boxes.tolist() == [[2, 1, 5, 3], [0, 0, 6, 5], [0, 0, 0, 0]]  # torchvision's, empty mask included
    assert ops.masks_to_boxes(ember.zeros(0, 5, 5)).shape == (0, 4)


def reference_nms(boxes, scores, threshold):
    """The definition: visit boxes by decreasing score, keep one unless it overlaps a kept box by more than
    `threshold`."""
    def iou(a, b):
        w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
        h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
        inter = w * h
        return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)
    keep = []
    for i in sorted(range(len(boxes)), key=lambda i: -scores[i]):
        if all(iou(boxes[i], boxes[j]) <= threshold for j in keep):
            keep.append(i)
    return keep


def random_boxes(n, seed):
    rng = np.random.default_rng(seed)
    corner = rng.uniform(0, 100, (n, 2))
    boxes = np.concatenate([corner, corner + rng.uniform(1, 30, (n, 2))], 1).astype(np.float32)
    return boxes, rng.permutation(n).astype(np.float32) / n  # distinct scores


@pytest.mark.parametrize("threshold", [0.0, 0.3, 0.7])
def test_nms_matches_greedy_definition(threshold):
    boxes, scores = random_boxes(200, 1)
    keep = ops.nms(ember.from_numpy(boxes), ember.from_numpy(scores), threshold)
    assert keep.dtype == ember.int64
    assert keep.tolist() == reference_nms(boxes.astype(np.float64), scores, threshold)


def test_nms_small_case_and_empty():
    boxes = ember.tensor([[0., 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30], [0, 0, 10, 10]])
    scores = ember.tensor([0.9, 0.8, 0.7, 0.95])
    assert ops.nms(boxes, scores, 0.5).tolist() == [3, 2]
    assert ops.nms(boxes, scores, 1.0).tolist() == [3, 0, 1, 2]
    assert ops.nms(ember.zeros(0, 4), ember.zeros(0), 0.5).shape == (0,)
    assert ops.batched_nms(ember.zeros(0, 4), ember.zeros(0), ember.zeros(0, dtype=ember.int64), 0.5).shape == (0,)


def test_batched_nms_keeps_categories_apart():
    boxes, scores = random_boxes(300, 2)
    idxs = np.random.default_rng(3).integers(0, 4, 300)
    keep = ops.batched_nms(ember.from_numpy(boxes), ember.from_numpy(scores), ember.from_numpy(idxs), 0.5).tolist()
    expected = []
    for k in range(4):
        members = np.flatnonzero(idxs == k)
        expected += [members[i] for i in reference_nms(boxes[members].astype(np.float64), scores[members], 0.5)]
    assert keep == sorted(expected, key=lambda i: -scores[i])


def test_nms_errors_and_speed():
    with pytest.raises(RuntimeError, match="boxes should be a 2d tensor, got 1D"):
        ops.nms(ember.zeros(4), ember.zeros(1), 0.5)
    with pytest.raises(RuntimeError, match="boxes should have 4 elements in dimension 1, got 5"):
        ops.nms(ember.zeros(2, 5), ember.zeros(2), 0.5)
    with pytest.raises(RuntimeError, match="same number of elements in dimension 0, got 2 and 3"):
        ops.nms(ember.zeros(2, 4), ember.zeros(3), 0.5)
    boxes, scores = random_boxes(5000, 4)
    start = time.perf_counter()
    ops.nms(ember.from_numpy(boxes), ember.from_numpy(scores), 0.5)
    assert time.perf_counter() - start < 2.0
