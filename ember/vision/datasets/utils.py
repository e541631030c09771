"""Downloading and unpacking datasets: progress bar, MD5 check, and nothing half-written on failure.

A download goes to a hidden temporary file beside its target and is renamed into place only once complete and
verified; an archive is extracted into a hidden temporary folder whose entries are renamed into place at the
end. An interrupted or failed download or extraction leaves no partial file behind.
"""
import bz2
import gzip
import hashlib
import lzma
import os
import shutil
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
import zipfile

__all__ = ["calculate_md5", "check_md5", "check_integrity", "download_url", "extract_archive",
           "download_and_extract_archive", "download_resources", "verify_str_arg", "ProgressBar"]

USER_AGENT = "ember-vision"
_CHUNK = 1 << 20
_COMPRESSED = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}
_TAR_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tbz2", ".tar.xz", ".txz")


def calculate_md5(fpath: str, chunk_size: int = _CHUNK) -> str:
    """The hex MD5 digest of a file."""
    md5 = hashlib.md5(usedforsecurity=False)
    with open(fpath, "rb") as f:
        while chunk := f.read(chunk_size):
            md5.update(chunk)
    return md5.hexdigest()


def check_md5(fpath: str, md5: str, **kwargs) -> bool:
    """True if the file's MD5 digest is `md5`."""
    return md5 == calculate_md5(fpath, **kwargs)


def check_integrity(fpath: str, md5: str | None = None) -> bool:
    """True if the file exists and, when `md5` is given, has that digest."""
    if not os.path.isfile(fpath):
        return False
    return md5 is None or check_md5(fpath, md5)


class ProgressBar:
    """A one-line text progress bar on stderr, redrawn at most 10 times a second."""

    def __init__(self, total: int | None, desc: str, stream=None):
        self.total, self.desc, self.done = total, desc, 0
        self.stream = stream or sys.stderr
        self._last = 0.0

    def update(self, n: int) -> None:
        """Count `n` more bytes."""
        self.done += n
        now = time.monotonic()
        if now - self._last >= 0.1:
            self._last = now
            self._draw()

    def close(self) -> None:
        """Draw the final state and end the line."""
        self._draw()
        self.stream.write("\n")
        self.stream.flush()

    def _draw(self) -> None:
        mb = self.done / 2 ** 20
        if self.total:
            frac = min(self.done / self.total, 1.0)
            bar = "#" * int(30 * frac)
            line = f"{self.desc}: {100 * frac:5.1f}% |{bar:<30}| {mb:.1f}/{self.total / 2 ** 20:.1f} MiB"
        else:
            line = f"{self.desc}: {mb:.1f} MiB"
        self.stream.write("\r" + line)
        self.stream.flush()


def _urlopen(url: str, timeout: float = 30.0):
    """Open `url` (http, https or file) for reading; tests replace this to simulate the network."""
    return urllib.request.urlopen(urllib.request.Request(url, headers={"User-Agent": USER_AGENT}), timeout=timeout)


def _temporary_beside(path: str) -> str:
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path) or ".", prefix=f".{os.path.basename(path)}.",
                               suffix=".part")
    os.close(fd)
    return tmp


def download_url(url: str, root: str, filename: str | None = None, md5: str | None = None,
                 max_redirect_hops: int = 3) -> None:
    """Download `url` into root/filename with a progress bar unless a verified copy is there; RuntimeError if
    the MD5 does not match (nothing is written then). Redirects are followed by urllib."""
    root = os.path.expanduser(os.fspath(root))
    fpath = os.path.join(root, filename or os.path.basename(url))
    os.makedirs(root, exist_ok=True)
    if check_integrity(fpath, md5):
        return
    tmp = _temporary_beside(fpath)
    try:
        with _urlopen(url) as response, open(tmp, "wb") as f:
            length = response.headers.get("Content-Length") if response.headers else None
            bar = ProgressBar(int(length) if length else None, os.path.basename(fpath))
            while chunk := response.read(_CHUNK):
                f.write(chunk)
                bar.update(len(chunk))
            bar.close()
        if md5 is not None:
            got = calculate_md5(tmp)
            if got != md5:
                raise RuntimeError(f"The MD5 checksum of {url} does not match: expected {md5}, got {got}. The "
                                   f"download is corrupted or the file changed upstream.")
        os.replace(tmp, fpath)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def _archive_kind(path: str) -> str:
    name = path.lower()
    if name.endswith(_TAR_SUFFIXES):
        return "tar"
    if name.endswith(".zip"):
        return "zip"
    for suffix in _COMPRESSED:
        if name.endswith(suffix):
            return suffix
    raise RuntimeError(f"Unknown archive type of {path}: expected one of {', '.join(_TAR_SUFFIXES)}, .zip, "
                       f"{', '.join(_COMPRESSED)}")


def _unpack(from_path: str, kind: str, into: str) -> None:
    if kind == "tar":
        with tarfile.open(from_path) as tar:
            if hasattr(tarfile, "data_filter"):
                tar.extractall(into, filter="data")
            else:
                tar.extractall(into)
    elif kind == "zip":
        with zipfile.ZipFile(from_path) as z:
            z.extractall(into)
    else:
        target = os.path.join(into, os.path.basename(from_path)[:-len(kind)])
        with _COMPRESSED[kind](from_path, "rb") as src, open(target, "wb") as dst:
            shutil.copyfileobj(src, dst, _CHUNK)


def _remove(path: str) -> None:
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    elif os.path.lexists(path):
        os.remove(path)


def extract_archive(from_path: str, to_path: str | None = None, remove_finished: bool = False) -> str:
    """Unpack a tar (any compression), zip, or single .gz/.bz2/.xz file into `to_path` (default: beside it),
    atomically: a failure leaves `to_path` as it was. A corrupt archive raises RuntimeError naming it."""
    from_path = os.fspath(from_path)
    to_path = os.path.dirname(from_path) if to_path is None else os.fspath(to_path)
    kind = _archive_kind(from_path)
    os.makedirs(to_path, exist_ok=True)
    staging = tempfile.mkdtemp(dir=to_path, prefix=".extracting-")
    try:
        try:
            _unpack(from_path, kind, staging)
        except (tarfile.TarError, zipfile.BadZipFile, EOFError, OSError, lzma.LZMAError) as e:
            raise RuntimeError(f"Could not extract {from_path}: the archive is corrupted or truncated ({e}). "
                               f"Delete it and download it again.") from e
        for name in os.listdir(staging):
            target = os.path.join(to_path, name)
            _remove(target)
            os.replace(os.path.join(staging, name), target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if remove_finished:
        os.remove(from_path)
    return to_path


def download_and_extract_archive(url: str, download_root: str, extract_root: str | None = None,
                                 filename: str | None = None, md5: str | None = None,
                                 remove_finished: bool = False) -> None:
    """download_url, then extract_archive into `extract_root` (default: `download_root`)."""
    download_root = os.path.expanduser(os.fspath(download_root))
    filename = filename or os.path.basename(url)
    download_url(url, download_root, filename, md5)
    extract_archive(os.path.join(download_root, filename), extract_root or download_root, remove_finished)


def download_resources(resources, folder: str, dataset: str, hint: str = "") -> None:
    """Download every (urls, filename, md5) of `resources` missing from `folder`, trying each mirror in turn.
    When some cannot be fetched (offline, or a mirror is down) raise RuntimeError listing each missing file,
    its MD5 and URLs, and the folder to place it in."""
    folder = os.path.abspath(os.path.expanduser(os.fspath(folder)))
    missing, errors = [], []
    for urls, filename, md5 in resources:
        if check_integrity(os.path.join(folder, filename), md5):
            continue
        for url in urls:
            try:
                download_url(url, folder, filename, md5)
                break
            except (urllib.error.URLError, OSError, RuntimeError) as e:
                errors.append(f"{url}: {e}")
        else:
            missing.append((urls, filename, md5))
    if missing:
        files = "\n".join(f"  {name}" + (f"  (md5 {md5})" if md5 else "") + f"  from {' or '.join(urls)}"
                          for urls, name, md5 in missing)
        raise RuntimeError(f"Could not download {dataset} (no network?). Last error: {errors[-1]}\n"
                           f"Download these files yourself and place them in {folder}:\n{files}\n{hint}".rstrip())


def verify_str_arg(value: str, arg: str, valid_values) -> str:
    """`value` if it is one of `valid_values`, else ValueError listing them."""
    if not isinstance(value, str):
        raise ValueError(f"Expected type str for argument {arg}, but got type {type(value)}.")
    if value not in valid_values:
        valid = ", ".join(f"'{v}'" for v in valid_values)
        raise ValueError(f"Unknown value '{value}' for argument {arg}. Valid values are {{{valid}}}.")
    return value
