"""ember.hub without a network: the cache folder (TORCH_HOME, set_dir), checkpoints from file:// URLs with their hash
checks, hubconf.py entrypoints from a local folder, GitHub sources served from the cache, trust, and the errors."""
import hashlib
import os

import numpy as np
import pytest

import ember
from ember import hub


@pytest.fixture
def hub_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(hub, "_hub_dir", [None])
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch_home"))
    return tmp_path / "torch_home" / "hub"


def test_cache_folder_follows_torch_home_and_set_dir(hub_dir, tmp_path):
    assert hub.get_dir() == str(hub_dir)
    hub.set_dir(tmp_path / "mine")
    assert hub.get_dir() == str(tmp_path / "mine")
    from ember.vision.models import _weights
    assert _weights.checkpoint_dir() == str(tmp_path / "mine" / "checkpoints")  # where pretrained weights are read


def _checkpoint(tmp_path):
    path = tmp_path / "net.pth"
    ember.save({"w": ember.arange(4.0)}, path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    named = tmp_path / f"net-{digest[:8]}.pth"
    path.rename(named)
    return named, digest


def test_load_state_dict_from_url_downloads_once(hub_dir, tmp_path):
    source, digest = _checkpoint(tmp_path)
    state = hub.load_state_dict_from_url(source.as_uri(), check_hash=True)
    np.testing.assert_array_equal(state["w"].numpy(), np.arange(4.0))
    cached = hub_dir / "checkpoints" / source.name
    assert cached.read_bytes() == source.read_bytes()
    source.unlink()  # read from the cache now
    assert hub.load_state_dict_from_url(source.as_uri(), check_hash=True, weights_only=True)["w"].shape == (4,)
    other = tmp_path / "models"
    hub.load_state_dict_from_url(cached.as_uri(), model_dir=str(other), file_name="renamed.pth")
    assert (other / "renamed.pth").exists()


def test_a_wrong_hash_leaves_no_file(tmp_path):
    source, _ = _checkpoint(tmp_path)
    with pytest.raises(RuntimeError, match="invalid hash value"):
        hub.download_url_to_file(source.as_uri(), str(tmp_path / "out" / "x.pth"), hash_prefix="0000")
    assert os.listdir(tmp_path / "out") == []
    hub.download_url_to_file(source.as_uri(), str(tmp_path / "out" / "x.pth"), hash_prefix=source.stem[-8:])
    assert (tmp_path / "out" / "x.pth").read_bytes() == source.read_bytes()


HUBCONF = '''
import helper

def tiny(out_features=2, **kwargs):
    """A Linear(3, out_features)."""
    import ember
    return ember.nn.Linear(3, out_features, **kwargs)

def _private():
    pass

VALUE = helper.VALUE
'''


def _repository(folder):
    folder.mkdir(parents=True)
    (folder / "hubconf.py").write_text(HUBCONF)
    (folder / "helper.py").write_text("VALUE = 7\n")
    return folder


def test_local_entrypoints(hub_dir, tmp_path):
    repo = _repository(tmp_path / "repo")
    model = hub.load(str(repo), "tiny", 4, source="local", bias=False)
    assert isinstance(model, ember.nn.Linear) and model.out_features == 4 and model.bias is None
    with pytest.raises(RuntimeError, match="Cannot find callable _private in hubconf"):
        hub.load(str(repo), "_private", source="local")
    with pytest.raises(RuntimeError, match="Cannot find callable VALUE in hubconf"):
        hub.load(str(repo), "VALUE", source="local")
    with pytest.raises(ValueError, match="Unknown source"):
        hub.load(str(repo), "tiny", source="gitlab")
    with pytest.raises(FileNotFoundError, match="hubconf.py"):
        hub.load(str(tmp_path), "tiny", source="local")


def test_github_source_from_the_cache_and_trust(hub_dir, monkeypatch):
    _repository(hub_dir / "someone_models_v1")
    with pytest.raises(ValueError, match="Invalid repository"):
        hub.load("someone-models", "tiny")
    monkeypatch.setattr("builtins.input", lambda prompt: "n")
    with pytest.raises(RuntimeError, match="Untrusted repository someone/models"):
        hub.load("someone/models:v1", "tiny", verbose=False)
    assert hub.list("someone/models:v1", trust_repo=True, verbose=False) == ["tiny"]
    assert (hub_dir / "trusted_list").read_text() == "someone_models\n"
    assert hub.help("someone/models:v1", "tiny").strip() == "A Linear(3, out_features)."  # trusted now: no question
    assert hub.load("someone/models:v1", "tiny", verbose=False).out_features == 2
