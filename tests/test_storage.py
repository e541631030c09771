"""Storages against PyTorch: tensor.untyped_storage() / storage() / storage_type(), UntypedStorage and the legacy
typed storages (sizes, element sizes, shared memory, indexing, fill_, copy_, clone, resize_, repr, warnings)."""
import warnings

import numpy as np
import pytest
from parity import torch

import ember


@pytest.mark.parametrize("lib", [ember, torch], ids=["ember", "torch"])
def test_tensor_storages(lib):
    x = lib.arange(6.0).reshape(2, 3)
    s = x.untyped_storage()
    assert s.nbytes() == s.size() == 24 and s.element_size() == 1 and len(s) == 24
    assert s.data_ptr() == x.data_ptr() == x[1].untyped_storage().data_ptr()
    assert x.t().untyped_storage().data_ptr() == x.data_ptr()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        typed = x.storage()
    assert lib is torch or any("TypedStorage is deprecated" in str(w.message) for w in caught)
    assert typed.size() == 6 and typed.element_size() == 4 and typed.tolist() == list(range(6))
    typed[0] = 7.0  # the storage is the tensor's memory
    assert x[0, 0].item() == 7.0
    assert x.storage_type().__name__ == "FloatStorage" and lib.is_storage(s) and not lib.is_storage(x)


@pytest.mark.parametrize("lib", [ember, torch], ids=["ember", "torch"])
def test_untyped_storage(lib):
    s = lib.UntypedStorage([1, 2, 3, 4])
    assert s.tolist() == [1, 2, 3, 4] and s[1] == 2 and s[1:3].tolist() == [2, 3]
    s.fill_(9)
    assert s.tolist() == [9, 9, 9, 9]
    copy = s.clone()
    copy[0] = 1
    assert s[0] == 9 and copy.tolist() == [1, 9, 9, 9]
    s.copy_(lib.UntypedStorage([5, 6, 7, 8]))
    assert s.tolist() == [5, 6, 7, 8]
    assert s.resize_(6).tolist()[:4] == [5, 6, 7, 8] and s.nbytes() == 6
    assert lib.UntypedStorage(10).nbytes() == 10 and str(s.device) == "cpu" and not s.is_shared()


@pytest.mark.parametrize("name, dtype", [("FloatStorage", "float32"), ("DoubleStorage", "float64"),
                                         ("LongStorage", "int64"), ("BoolStorage", "bool"), ("ByteStorage", "uint8")])
def test_legacy_typed_storages(name, dtype):
    results = []
    for lib in (ember, torch):
        with warnings.catch_warnings(record=True) as caught:  # PyTorch warns once per process, ember every time
            warnings.simplefilter("always")
            s = getattr(lib, name)([1, 0, 1])
        assert lib is torch or any("TypedStorage is deprecated" in str(w.message) for w in caught)
        assert str(s.dtype).split(".")[1] == dtype and s.size() == 3 and len(getattr(lib, name)(5)) == 5
        results.append((s.tolist(), s.element_size(), s.nbytes()))
    assert results[0] == results[1]


def test_repr():
    assert repr(ember.UntypedStorage([1, 2])) == " 1\n 2\n[ember.storage.UntypedStorage(device=cpu) of size 2]"
    assert repr(torch.UntypedStorage([1, 2])).replace("torch", "ember") == repr(ember.UntypedStorage([1, 2]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        e, t = ember.FloatStorage([1.5]), torch.FloatStorage([1.5])
    assert repr(e) == repr(t).replace("torch", "ember")
    assert np.frombuffer(bytes(ember.UntypedStorage([3, 4]).tolist()), np.uint8).tolist() == [3, 4]


def test_storage_and_windows_modules_as_pytorch_names_them():
    """torch.storage.UntypedStorage and torch.windows (torch.signal.windows) exist under ember's name too."""
    import ember.storage
    assert ember.storage.UntypedStorage is ember.UntypedStorage and ember.storage.TypedStorage is ember.TypedStorage
    assert ember.windows is ember.signal.windows
    np.testing.assert_allclose(ember.windows.hann(7).numpy(), torch.windows.hann(7).numpy(), rtol=1e-6)
