"""vision.datasets: torchvision's on-disk layouts (the real MNIST files when present; CIFAR, SVHN, folder trees
and small IDX files built here), attributes, items, errors for missing and corrupted files, offline download."""
import gzip
import os
import pathlib
import pickle
import shutil
import struct
import urllib.error
import zlib

import numpy as np
import pytest
from conftest import MNIST_FILES, MNIST_NAMES

import ember
from ember.vision import datasets
from ember.vision import transforms as T
from ember.vision.datasets import utils as dutils

Image = pytest.importorskip("PIL.Image")


def write_idx(path, array, compress=False):
    """An IDX file: magic 0 0 8 ndim, big-endian dims, uint8 data."""
    raw = bytes([0, 0, 8, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape) + array.tobytes()
    with (gzip.open if compress else open)(path, "wb") as f:
        f.write(raw)


def small_mnist(root, cls="MNIST", n_train=12, n_test=5, compress=False, names=None):
    """A tiny dataset in MNIST's layout; returns (train images, train labels)."""
    raw = pathlib.Path(root) / cls / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    arrays = {}
    for split, n in (("train", n_train), ("t10k", n_test)):
        arrays[split] = (rng.integers(0, 256, (n, 28, 28)).astype(np.uint8), rng.integers(0, 10, n).astype(np.uint8))
    files = names or {"train": MNIST_NAMES[:2], "t10k": MNIST_NAMES[2:]}
    for split, (images, labels) in arrays.items():
        suffix = ".gz" if compress else ""
        write_idx(raw / (files[split][0] + suffix), images, compress)
        write_idx(raw / (files[split][1] + suffix), labels, compress)
    return arrays["train"]


# ---- MNIST on the real files (the mnist_root fixture is in tests/conftest.py) -----------------
@pytest.fixture(scope="module")
def mnist_train(mnist_root):
    return datasets.MNIST(str(mnist_root), train=True)


def test_mnist_real_files(mnist_train, mnist_root):
    ds = mnist_train
    assert len(ds) == 60000 and ds.train is True
    assert ds.data.dtype == ember.uint8 and tuple(ds.data.shape) == (60000, 28, 28)
    assert ds.targets.dtype == ember.int64 and tuple(ds.targets.shape) == (60000,)
    assert abs(float(ds.data.numpy().mean()) - 33.3184) < 1e-3  # the published pixel mean (0.1307 * 255)
    assert ds.targets.numpy()[:5].tolist() == [5, 0, 4, 1, 9]
    assert np.bincount(ds.targets.numpy()).tolist()[:2] == [5923, 6742]
    img, target = ds[0]
    assert isinstance(img, Image.Image) and img.mode == "L" and img.size == (28, 28) and target == 5
    assert type(target) is int
    np.testing.assert_array_equal(np.asarray(img), ds.data.numpy()[0])
    assert ds.classes[5] == "5 - five" and ds.class_to_idx["5 - five"] == 5
    test = datasets.MNIST(mnist_root, train=False)
    assert len(test) == 10000 and test.targets.numpy()[:3].tolist() == [7, 2, 1]


def test_mnist_transform_pipeline_and_repr(mnist_train, mnist_root):
    tf = T.Compose([T.ToTensor(), T.Normalize((0.1307,), (0.3081,))])
    ds = datasets.MNIST(str(mnist_root), train=False, transform=tf, target_transform=lambda y: y * 10)
    x, y = ds[3]
    assert x.dtype == ember.float32 and tuple(x.shape) == (1, 28, 28) and y == 0
    want = (ds.data.numpy()[3].astype(np.float32) / np.float32(255) - np.float32(0.1307)) / np.float32(0.3081)
    np.testing.assert_allclose(x.numpy()[0], want, rtol=1e-6, atol=1e-6)
    assert repr(ds).splitlines()[:4] == ["Dataset MNIST", "    Number of datapoints: 10000",
                                         f"    Root location: {mnist_root}", "    Split: Test"]
    assert "Normalize(mean=(0.1307,), std=(0.3081,))" in repr(ds)


def test_mnist_reads_uncompressed_files_the_same(tmp_path, mnist_train):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for name in MNIST_NAMES[2:]:
        with gzip.open(MNIST_FILES / (name + ".gz")) as src, open(raw / name, "wb") as dst:
            shutil.copyfileobj(src, dst)
    plain = datasets.MNIST(tmp_path, train=False)
    assert plain.targets.numpy()[:3].tolist() == [7, 2, 1] and plain.data.shape == (10000, 28, 28)


def test_mnist_through_the_dataloader(mnist_train):
    DataLoader = pytest.importorskip("ember.utils.data").DataLoader
    mnist_train.transform = T.Compose([T.ToTensor(), T.Normalize((0.1307,), (0.3081,))])
    try:
        x, y = next(iter(DataLoader(mnist_train, batch_size=64, shuffle=True)))
    finally:
        mnist_train.transform = None
    assert tuple(x.shape) == (64, 1, 28, 28) and x.dtype == ember.float32
    assert tuple(y.shape) == (64,) and y.dtype == ember.int64


# ---- MNIST family on small files ----------------------------------------------------------------
@pytest.mark.parametrize("compress", [False, True])
@pytest.mark.parametrize("cls", [datasets.MNIST, datasets.FashionMNIST, datasets.KMNIST])
def test_mnist_family_layout(tmp_path, compress, cls):
    images, labels = small_mnist(tmp_path, cls.__name__, compress=compress)
    ds = cls(tmp_path, transform=T.PILToTensor())
    assert len(ds) == 12 and len(ds.classes) == 10
    np.testing.assert_array_equal(ds.data.numpy(), images)
    np.testing.assert_array_equal(ds.targets.numpy(), labels)
    x, y = ds[-1]
    np.testing.assert_array_equal(x.numpy()[0], images[-1])
    assert y == labels[-1]
    assert len(cls(tmp_path, train=False)) == 5
    ds.data = ds.data[:3]  # replacing data, as users do, is honoured
    assert len(ds) == 3


def test_emnist_splits(tmp_path):
    names = {"train": ["emnist-letters-train-images-idx3-ubyte", "emnist-letters-train-labels-idx1-ubyte"],
             "t10k": ["emnist-letters-test-images-idx3-ubyte", "emnist-letters-test-labels-idx1-ubyte"]}
    images, _ = small_mnist(tmp_path, "EMNIST", names=names)
    ds = datasets.EMNIST(tmp_path, split="letters")
    assert ds.classes[:3] == ["N/A", "a", "b"] and len(ds) == 12
    np.testing.assert_array_equal(ds.data.numpy(), images)
    assert len(datasets.EMNIST(tmp_path, "letters", train=False)) == 5
    assert datasets.EMNIST.classes_split_dict["byclass"][:11] == list("0123456789A")
    assert len(datasets.EMNIST.classes_split_dict["balanced"]) == 47
    with pytest.raises(ValueError, match="Unknown value 'bogus' for argument split"):
        datasets.EMNIST(tmp_path, split="bogus")


def test_mnist_missing_and_corrupted_files(tmp_path):
    with pytest.raises(RuntimeError, match=r"(?s)train-images-idx3-ubyte.*MNIST/raw.*download=True"):
        datasets.MNIST(tmp_path)
    small_mnist(tmp_path)
    raw = tmp_path / "MNIST" / "raw"
    path = raw / MNIST_NAMES[0]
    data = path.read_bytes()
    path.write_bytes(data[:-100])
    with pytest.raises(RuntimeError, match=f"{path}.*truncated"):
        datasets.MNIST(tmp_path)
    path.write_bytes(b"\x12\x34" + data[2:])
    with pytest.raises(RuntimeError, match=f"{path}.*not an IDX file"):
        datasets.MNIST(tmp_path)
    path.unlink()
    gz = raw / (MNIST_NAMES[0] + ".gz")
    write_idx(gz, np.zeros((12, 28, 28), np.uint8), compress=True)
    gz.write_bytes(gz.read_bytes()[:-30])
    with pytest.raises(RuntimeError, match=f"{gz}.*corrupted or truncated"):
        datasets.MNIST(tmp_path)
    write_idx(gz, np.zeros((11, 28, 28), np.uint8), compress=True)
    with pytest.raises(RuntimeError, match="mismatched"):
        datasets.MNIST(tmp_path)


def offline(*args, **kwargs):
    raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")


def test_download_offline_says_which_files_to_put_where(tmp_path, monkeypatch):
    monkeypatch.setattr(dutils, "_urlopen", offline)
    with pytest.raises(RuntimeError) as info:
        datasets.MNIST(tmp_path, download=True)
    msg = str(info.value)
    raw = os.path.abspath(tmp_path / "MNIST" / "raw")
    assert "Could not download MNIST" in msg and f"place them in {raw}" in msg
    for name, md5 in datasets.MNIST.resources:
        assert name in msg and md5 in msg and f"https://ossci-datasets.s3.amazonaws.com/mnist/{name}" in msg
    assert os.listdir(raw) == []  # nothing half-written
    with pytest.raises(RuntimeError, match=r"(?s)cifar-10-python.tar.gz.*place them in"):
        datasets.CIFAR10(tmp_path, download=True)
    with pytest.raises(RuntimeError, match=r"(?s)test_32x32.mat.*place them in"):
        datasets.SVHN(tmp_path, split="test", download=True)


def test_download_from_a_mirror_verifies_and_extracts(tmp_path, capsys):
    mirror = tmp_path / "mirror"
    images, _ = small_mnist(mirror, compress=True)
    files = mirror / "MNIST" / "raw"

    class Mirrored(datasets.MNIST):
        mirrors = ["file:///nonexistent/", files.as_uri() + "/"]
        resources = [(name + ".gz", dutils.calculate_md5(files / (name + ".gz"))) for name in MNIST_NAMES]

    root = tmp_path / "data"
    ds = Mirrored(root, download=True)
    np.testing.assert_array_equal(ds.data.numpy(), images)
    raw = root / "Mirrored" / "raw"
    assert sorted(os.listdir(raw)) == sorted(MNIST_NAMES + [n + ".gz" for n in MNIST_NAMES])
    assert "train-images-idx3-ubyte.gz" in capsys.readouterr().err  # the progress bar
    Mirrored.resources = [(name, "0" * 32) for name, _ in Mirrored.resources]
    shutil.rmtree(raw)
    with pytest.raises(RuntimeError, match="MD5 checksum"):
        Mirrored(root, download=True)
    assert os.listdir(raw) == []


# ---- CIFAR --------------------------------------------------------------------------------------
def write_cifar(root, folder, batches, meta_name, meta_key, label_key, classes, n=7):
    d = pathlib.Path(root) / folder
    d.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(1)
    out = {}
    for name in batches:
        data = rng.integers(0, 256, (n, 3072)).astype(np.uint8)
        labels = rng.integers(0, len(classes), n).tolist()
        with open(d / name, "wb") as f:
            pickle.dump({"data": data, label_key: labels, "batch_label": name}, f)
        out[name] = (data, labels)
    with open(d / meta_name, "wb") as f:
        pickle.dump({meta_key: classes}, f)
    return out


def test_cifar10_layout(tmp_path):
    classes = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    written = write_cifar(tmp_path, "cifar-10-batches-py", names, "batches.meta", "label_names", "labels", classes)
    ds = datasets.CIFAR10(tmp_path, train=True)
    assert len(ds) == 35 and ds.classes == classes and ds.class_to_idx["cat"] == 3
    assert ds.data.shape == (35, 32, 32, 3) and ds.data.dtype == np.uint8 and isinstance(ds.targets, list)
    first, labels = written["data_batch_1"]
    chw = first[2].reshape(3, 32, 32)
    np.testing.assert_array_equal(ds.data[2], chw.transpose(1, 2, 0))
    img, target = ds[2]
    assert img.mode == "RGB" and img.size == (32, 32) and target == labels[2]
    np.testing.assert_array_equal(np.asarray(img)[5, 7], chw[:, 5, 7])
    test = datasets.CIFAR10(tmp_path, train=False, transform=T.ToTensor())
    x, y = test[0]
    assert len(test) == 7 and tuple(x.shape) == (3, 32, 32) and y == written["test_batch"][1][0]
    assert "Split: Test" in repr(test)


def test_cifar100_and_errors(tmp_path):
    classes = [f"class{i}" for i in range(100)]
    written = write_cifar(tmp_path, "cifar-100-python", ["train", "test"], "meta", "fine_label_names",
                          "fine_labels", classes)
    ds = datasets.CIFAR100(tmp_path)
    assert len(ds) == 7 and ds.targets == written["train"][1] and len(ds.classes) == 100
    with pytest.raises(RuntimeError, match=r"(?s)data_batch_1.*cifar-10-batches-py.*download=True"):
        datasets.CIFAR10(tmp_path)
    bad = tmp_path / "cifar-100-python" / "train"
    bad.write_bytes(bad.read_bytes()[:200])
    with pytest.raises(RuntimeError, match=f"{bad}.*corrupted or truncated"):
        datasets.CIFAR100(tmp_path)


# ---- SVHN ---------------------------------------------------------------------------------------
def mat_element(kind, payload, small=False):
    if small:  # MATLAB's 8-byte small element: 2-byte count, 2-byte type, up to 4 bytes of data
        return struct.pack("<I", (len(payload) << 16) | kind) + payload.ljust(4, b"\0")
    return struct.pack("<II", kind, len(payload)) + payload + b"\0" * (-len(payload) % 8)


def mat_matrix(name, array, mx_class, mi_type, dtype):
    flags = mat_element(6, struct.pack("<II", mx_class, 0))
    dims = mat_element(5, np.array(array.shape, "<i4").tobytes())
    label = mat_element(1, name.encode(), small=len(name) <= 4)
    real = mat_element(mi_type, np.asarray(array, dtype).tobytes(order="F"))
    return mat_element(14, flags + dims + label + real)


def write_mat(path, X, y, compress):
    header = b"MATLAB 5.0 MAT-file, written by a test".ljust(116) + b"\0" * 8 + struct.pack("<H", 0x0100) + b"IM"
    body = b""
    for m in (mat_matrix("X", X, 9, 2, "<u1"), mat_matrix("y", y, 6, 2, "<u1")):  # y: doubles stored as uint8
        body += struct.pack("<II", 15, len(z := zlib.compress(m))) + z if compress else m
    pathlib.Path(path).write_bytes(header + body)


@pytest.mark.parametrize("compress", [False, True])
def test_svhn_reads_matlab_files(tmp_path, compress):
    rng = np.random.default_rng(2)
    X = rng.integers(0, 256, (32, 32, 3, 6)).astype(np.uint8)
    y = np.array([[1], [10], [3], [10], [9], [2]], np.float64)
    write_mat(tmp_path / "test_32x32.mat", X, y, compress)
    ds = datasets.SVHN(tmp_path, split="test")
    assert len(ds) == 6 and ds.data.shape == (6, 3, 32, 32) and ds.labels.tolist() == [1, 0, 3, 0, 9, 2]
    img, target = ds[1]
    assert img.mode == "RGB" and target == 0
    np.testing.assert_array_equal(np.asarray(img), X[:, :, :, 1])
    assert "Split: test" in repr(ds)
    loaded = datasets.svhn.loadmat(tmp_path / "test_32x32.mat")
    np.testing.assert_array_equal(loaded["X"], X)
    assert loaded["y"].dtype == np.float64 and loaded["y"].tolist() == y.tolist()


def test_svhn_errors(tmp_path):
    with pytest.raises(ValueError, match="split"):
        datasets.SVHN(tmp_path, split="valid")
    with pytest.raises(RuntimeError, match=r"(?s)train_32x32.mat.*download=True"):
        datasets.SVHN(tmp_path)
    path = tmp_path / "train_32x32.mat"
    write_mat(path, np.zeros((32, 32, 3, 2), np.uint8), np.ones((2, 1)), compress=False)
    path.write_bytes(path.read_bytes()[:-500])
    with pytest.raises(RuntimeError, match=f"{path}.*truncated"):
        datasets.SVHN(tmp_path)
    path.write_bytes(b"\x89HDF\r\n" + b"\0" * 200)
    with pytest.raises(RuntimeError, match="not a MATLAB 5 MAT-file"):
        datasets.SVHN(tmp_path)


# ---- folders ------------------------------------------------------------------------------------
def image_tree(root):
    rng = np.random.default_rng(3)
    layout = {"dog": ["b.png", "a.PNG", "sub/c.jpg", "notes.txt"], "cat": ["z.bmp", "y.png"], "empty": []}
    for cls, files in layout.items():
        (root / cls).mkdir(parents=True, exist_ok=True)
        for name in files:
            path = root / cls / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if name.endswith(".txt"):
                path.write_text("not an image")
            else:
                Image.fromarray(rng.integers(0, 256, (5, 6, 3)).astype(np.uint8)).convert(
                    "L" if name == "y.png" else "RGB").save(path)
    return root


def test_image_folder(tmp_path):
    root = image_tree(tmp_path / "tree")
    with pytest.raises(FileNotFoundError, match="Found no valid file for the classes empty"):
        datasets.ImageFolder(root)
    ds = datasets.ImageFolder(root, transform=T.ToTensor(), allow_empty=True)
    assert ds.classes == ["cat", "dog", "empty"] and ds.class_to_idx == {"cat": 0, "dog": 1, "empty": 2}
    names = [os.path.relpath(p, root) for p, _ in ds.samples]
    assert names == ["cat/y.png", "cat/z.bmp", "dog/a.PNG", "dog/b.png", "dog/sub/c.jpg"]
    assert ds.targets == [0, 0, 1, 1, 1] and ds.imgs is ds.samples and len(ds) == 5
    x, y = ds[0]
    assert tuple(x.shape) == (3, 5, 6) and y == 0  # the grey PNG is loaded as RGB
    only_png = datasets.ImageFolder(root, is_valid_file=lambda p: p.endswith(".png"), allow_empty=True)
    assert [os.path.basename(p) for p, _ in only_png.samples] == ["y.png", "b.png"]
    with pytest.raises(FileNotFoundError, match="Couldn't find any class folder"):
        datasets.ImageFolder(root / "cat")


def test_dataset_folder_with_own_loader(tmp_path):
    for cls in ("neg", "pos"):
        (tmp_path / cls).mkdir()
        np.save(tmp_path / cls / "v.npy", np.full(3, len(cls)))
    ds = datasets.DatasetFolder(tmp_path, loader=np.load, extensions=(".npy",), target_transform=lambda t: -t)
    sample, target = ds[1]
    assert sample.tolist() == [3, 3, 3] and target == -1 and ds.extensions == (".npy",)
    with pytest.raises(ValueError, match="Both extensions and is_valid_file"):
        datasets.DatasetFolder(tmp_path, loader=np.load)
    assert datasets.folder.has_file_allowed_extension("A.JPG", ".jpg")
    assert datasets.folder.find_classes(tmp_path) == (["neg", "pos"], {"neg": 0, "pos": 1})


def test_fake_data_is_deterministic_and_leaves_the_generator_alone():
    ds = datasets.FakeData(size=5, image_size=(3, 6, 7), num_classes=4, transform=T.PILToTensor())
    ember.manual_seed(123)
    state = ember.get_rng_state().numpy().copy()
    x0, y0 = ds[2]
    np.testing.assert_array_equal(ember.get_rng_state().numpy(), state)
    x1, y1 = ds[2]
    assert np.array_equal(x0.numpy(), x1.numpy()) and y0 == y1 and 0 <= y0 < 4
    assert tuple(x0.shape) == (3, 6, 7) and not np.array_equal(ds[3][0].numpy(), x0.numpy())
    assert not np.array_equal(datasets.FakeData(5, (3, 6, 7), random_offset=1)[1][0], ds[2][0])
    assert len(ds) == 5 and datasets.FakeData(2, (1, 4, 4))[0][0].mode == "L"
    with pytest.raises(IndexError):
        ds[5]


def test_vision_dataset_base():
    base = datasets.VisionDataset("~/data", transform=abs)
    assert base.root == os.path.expanduser("~/data") and base.transforms(-1, 2) == (1, 2)
    with pytest.raises(ValueError, match="Only transforms or transform/target_transform"):
        datasets.VisionDataset("x", transforms=abs, transform=abs)
    utils_data = pytest.importorskip("ember.utils.data")
    assert isinstance(datasets.FakeData(1), utils_data.Dataset)
