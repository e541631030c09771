"""ember.hub: PyTorch's torch.hub: models published by a repository's hubconf.py (load, list, help), checkpoints
downloaded once into the hub's cache (load_state_dict_from_url, download_url_to_file), and that cache's folder.

The cache is PyTorch's own, $TORCH_HOME/hub (~/.cache/torch/hub), so checkpoints PyTorch downloaded are found and
not fetched again. A GitHub repository is downloaded as the archive of one branch, tag or commit into
<cache>/<owner>_<name>_<ref>; running its hubconf.py runs the repository's code, so as in PyTorch a repository must be
trusted first (trust_repo: True adds it to <cache>/trusted_list, "check" asks once, False always asks). Under `ember
run`, a hubconf's `import torch` gets ember.
"""
import hashlib
import importlib.util
import os
import re
import sys
from urllib.parse import urlparse

__all__ = ["download_url_to_file", "get_dir", "help", "list", "load", "load_state_dict_from_url", "set_dir"]

HASH_REGEX = re.compile(r"-([a-f0-9]*)\.")  # the hash prefix in a checkpoint's name: resnet18-f37072fd.pth
_CHUNK = 1 << 20
_hub_dir = [None]  # set_dir's folder, or None for $TORCH_HOME/hub


def get_dir() -> str:
    """The hub's cache folder: set_dir's, else $TORCH_HOME/hub, by default ~/.cache/torch/hub ($XDG_CACHE_HOME)."""
    if _hub_dir[0] is not None:
        return _hub_dir[0]
    home = os.environ.get("TORCH_HOME") or os.path.join(os.environ.get("XDG_CACHE_HOME", "~/.cache"), "torch")
    return os.path.join(os.path.expanduser(home), "hub")


def set_dir(d: str | os.PathLike) -> None:
    """Use folder `d` as the hub's cache from now on."""
    _hub_dir[0] = os.path.expanduser(os.fspath(d))


def download_url_to_file(url: str, dst: str, hash_prefix: str | None = None, progress: bool = True) -> None:
    """Download `url` into the file `dst` (through a temporary file beside it, so `dst` is whole or absent); with
    `hash_prefix`, RuntimeError unless the SHA-256 of the content starts with it. `progress` is accepted; ember
    prints none."""
    import shutil  # lazy, as the other network and archive modules here: ember loads hub at import, these on use
    import tempfile
    import urllib.request
    dst = os.path.expanduser(dst)
    folder = os.path.dirname(os.path.abspath(dst))
    os.makedirs(folder, exist_ok=True)
    digest = hashlib.sha256()
    request = urllib.request.Request(url, headers={"User-Agent": "ember.hub"})
    with tempfile.NamedTemporaryFile(delete=False, dir=folder, suffix=".partial") as tmp:
        try:
            with urllib.request.urlopen(request) as response:
                while chunk := response.read(_CHUNK):
                    tmp.write(chunk)
                    digest.update(chunk)
            tmp.close()
            if hash_prefix is not None and not digest.hexdigest().startswith(hash_prefix):
                raise RuntimeError(f'invalid hash value (expected "{hash_prefix}", got "{digest.hexdigest()}")')
            shutil.move(tmp.name, dst)
        finally:
            if os.path.exists(tmp.name):
                os.remove(tmp.name)


def load_state_dict_from_url(url: str, model_dir: str | None = None, map_location=None, progress: bool = True,
                             check_hash: bool = False, file_name: str | None = None, weights_only: bool = False):
    """ember.load of the checkpoint at `url`, downloaded once into `model_dir` (<hub>/checkpoints) under `file_name`
    (the URL's file name); with `check_hash`, the name's hash part (name-<sha256 prefix>.ext) is checked."""
    from .serialization import load  # lazy: ember imports this module before its serialization
    folder = os.path.join(get_dir(), "checkpoints") if model_dir is None else os.path.expanduser(model_dir)
    filename = file_name or os.path.basename(urlparse(url).path)
    path = os.path.join(folder, filename)
    if not os.path.exists(path):
        found = HASH_REGEX.search(filename) if check_hash else None
        download_url_to_file(url, path, found.group(1) if found else None, progress)
    return load(path, map_location=map_location, weights_only=weights_only)


def _repository(github: str) -> tuple[str, str, str]:
    """(owner, name, ref) of 'owner/name[:ref]'; without a ref, 'main' if the repository has that branch, else
    'master'."""
    import urllib.error
    import urllib.request
    if github.count("/") != 1 or github.count(":") > 1:
        raise ValueError(f"Invalid repository {github!r}: expected 'owner/name' or 'owner/name:ref'")
    info, _, ref = github.partition(":")
    owner, name = info.split("/")
    if not ref:
        ref = "main"
        try:
            urllib.request.urlopen(f"https://github.com/{owner}/{name}/tree/main/")
        except urllib.error.HTTPError as e:
            if e.code != 404:
                raise
            ref = "master"
        except urllib.error.URLError:  # no network: a cached copy of either branch will do
            ref = next((r for r in ("main", "master") if os.path.isdir(_repo_dir(owner, name, r))), "main")
    return owner, name, ref


def _repo_dir(owner: str, name: str, ref: str) -> str:
    return os.path.join(get_dir(), f"{owner}_{name}_{ref.replace('/', '_')}")


def _check_trusted(owner: str, name: str, trust_repo) -> None:
    """Ask before running an untrusted repository's code (see the module docstring); record a trusted one."""
    trusted_file = os.path.join(get_dir(), "trusted_list")
    trusted = set()
    if os.path.exists(trusted_file):
        with open(trusted_file) as f:
            trusted = {line.strip() for line in f}
    key = f"{owner}_{name}"
    if trust_repo is True or (trust_repo in ("check", None) and key in trusted):
        pass
    else:
        answer = input(f"The repository {owner}/{name} is not in the list of trusted repositories ({trusted_file}). "
                       "Running its hubconf.py runs its code. Do you trust it? (y/N) ")
        if answer.strip().lower() not in ("y", "yes"):
            raise RuntimeError(f"Untrusted repository {owner}/{name}: not loaded")
    if key not in trusted:
        os.makedirs(get_dir(), exist_ok=True)
        with open(trusted_file, "a") as f:
            f.write(key + "\n")


def _fetch(github: str, force_reload: bool, trust_repo, verbose: bool) -> str:
    """The folder of the GitHub repository `github` in the cache, downloaded unless there (or with force_reload)."""
    import shutil
    import zipfile
    owner, name, ref = _repository(github)
    _check_trusted(owner, name, trust_repo)
    folder = _repo_dir(owner, name, ref)
    if os.path.isdir(folder) and not force_reload:
        if verbose:
            print(f"Using cache found in {folder}", file=sys.stderr)
        return folder
    archive = os.path.join(get_dir(), f"{ref.replace('/', '_')}.zip")
    if verbose:
        print(f"Downloading: https://github.com/{owner}/{name}/zipball/{ref} to {archive}", file=sys.stderr)
    download_url_to_file(f"https://github.com/{owner}/{name}/zipball/{ref}", archive, progress=False)
    with zipfile.ZipFile(archive) as z:
        top = z.namelist()[0].split("/")[0]
        shutil.rmtree(folder, ignore_errors=True)
        z.extractall(get_dir())
    os.remove(archive)
    shutil.move(os.path.join(get_dir(), top), folder)
    return folder


def _hubconf(folder: str):
    """The module hubconf.py of `folder`, imported with `folder` on sys.path (as its own imports expect)."""
    path = os.path.join(folder, "hubconf.py")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path} does not exist: a hub repository needs a hubconf.py")
    spec = importlib.util.spec_from_file_location("hubconf", path)
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, folder)
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(folder)
    return module


def _entrypoint(module, model: str):
    if not isinstance(model, str):
        raise ValueError("Invalid input: model should be a string of function name")
    fn = getattr(module, model, None)
    if model.startswith("_") or not callable(fn):
        raise RuntimeError(f"Cannot find callable {model} in hubconf")
    return fn


def _repository_module(github_or_dir: str, source: str, force_reload: bool, trust_repo, verbose: bool):
    if source not in ("github", "local"):
        raise ValueError(f'Unknown source: "{source}". Allowed values: "github" | "local".')
    folder = github_or_dir if source == "local" else _fetch(github_or_dir, force_reload, trust_repo, verbose)
    return _hubconf(os.path.expanduser(folder))


def load(repo_or_dir: str, model: str, *args, source: str = "github", trust_repo="check", force_reload: bool = False,
         verbose: bool = True, skip_validation: bool = False, **kwargs):
    """The result of entrypoint `model` of the hubconf.py in a GitHub repository ('owner/name[:ref]') or, with
    source='local', a folder, called with `args` and `kwargs`."""
    module = _repository_module(repo_or_dir, source, force_reload, trust_repo, verbose)
    return _entrypoint(module, model)(*args, **kwargs)


def list(github: str, force_reload: bool = False, skip_validation: bool = False, trust_repo="check",
         verbose: bool = True):
    """The names of the entrypoints of a GitHub repository's hubconf.py."""
    module = _repository_module(github, "github", force_reload, trust_repo, verbose)
    return [n for n in dir(module) if callable(getattr(module, n)) and not n.startswith("_")]


def help(github: str, model: str, force_reload: bool = False, skip_validation: bool = False, trust_repo="check"):
    """The docstring of entrypoint `model` of a GitHub repository's hubconf.py."""
    module = _repository_module(github, "github", force_reload, trust_repo, True)
    return _entrypoint(module, model).__doc__
