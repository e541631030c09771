"""vision.datasets.utils on local files: MD5, atomic download (file:// URLs and a stand-in opener), atomic
extraction of every archive kind, the progress bar, and the offline error."""
import bz2
import gzip
import hashlib
import io
import lzma
import os
import tarfile
import urllib.error
import zipfile

import pytest

from ember.vision.datasets import utils as U


def leftovers(folder):
    """Hidden temporary files or folders left in `folder`."""
    return [name for name in os.listdir(folder) if name.startswith(".")]


def test_md5_and_integrity(tmp_path):
    path = tmp_path / "f.bin"
    data = os.urandom(3 * 2 ** 20 + 17)
    path.write_bytes(data)
    md5 = hashlib.md5(data).hexdigest()
    assert U.calculate_md5(path) == md5 and U.calculate_md5(path, chunk_size=1000) == md5
    assert U.check_md5(path, md5) and not U.check_md5(path, "0" * 32)
    assert U.check_integrity(path) and U.check_integrity(path, md5)
    assert not U.check_integrity(path, "0" * 32) and not U.check_integrity(tmp_path / "missing")


def test_download_url_from_file_url_with_progress_bar(tmp_path, capsys):
    src = tmp_path / "src.bin"
    src.write_bytes(os.urandom(300000))
    md5 = U.calculate_md5(src)
    U.download_url(src.as_uri(), tmp_path / "out", "copy.bin", md5)
    assert (tmp_path / "out" / "copy.bin").read_bytes() == src.read_bytes()
    err = capsys.readouterr().err
    assert "copy.bin" in err and "100.0%" in err and err.endswith("\n")
    U.download_url("file:///nowhere/at/all.bin", tmp_path / "out", "copy.bin", md5)  # verified copy: no fetch
    with pytest.raises(RuntimeError, match="MD5 checksum"):
        U.download_url(src.as_uri(), tmp_path / "out", "other.bin", "0" * 32)
    assert sorted(os.listdir(tmp_path / "out")) == ["copy.bin"]


class Response(io.BytesIO):
    """A stand-in for urlopen's response that fails after `fail_after` bytes."""

    def __init__(self, data, fail_after=None, exc=None):
        super().__init__(data)
        self.headers = {"Content-Length": str(len(data))}
        self.fail_after, self.exc = fail_after, exc

    def read(self, n=-1):
        if self.fail_after is not None and self.tell() >= self.fail_after:
            raise self.exc
        return super().read(min(n, 50000))


@pytest.mark.parametrize("exc", [ConnectionResetError("reset by peer"), KeyboardInterrupt()])
def test_interrupted_download_leaves_nothing(tmp_path, monkeypatch, exc):
    monkeypatch.setattr(U, "_urlopen", lambda url: Response(os.urandom(200000), fail_after=100000, exc=exc))
    with pytest.raises(type(exc)):
        U.download_url("https://example.invalid/data.bin", tmp_path, md5=None)
    assert os.listdir(tmp_path) == []


def test_download_resources_tries_mirrors_then_names_the_missing_files(tmp_path, monkeypatch, capsys):
    payload = b"payload" * 1000
    md5 = hashlib.md5(payload).hexdigest()
    tried = []

    def opener(url):
        tried.append(url)
        if "bad" in url:
            raise urllib.error.URLError("mirror down")
        return Response(payload)
    monkeypatch.setattr(U, "_urlopen", opener)
    U.download_resources([(["https://bad/x.bin", "https://good/x.bin"], "x.bin", md5)], tmp_path, "Thing")
    assert tried == ["https://bad/x.bin", "https://good/x.bin"] and (tmp_path / "x.bin").read_bytes() == payload
    U.download_resources([(["https://bad/x.bin"], "x.bin", md5)], tmp_path, "Thing")  # already there: no fetch
    assert len(tried) == 2
    with pytest.raises(RuntimeError) as info:
        U.download_resources([(["https://bad/y.bin"], "y.bin", md5), (["https://bad/z.bin"], "z.bin", None)],
                             tmp_path / "sub", "Thing", hint="(hint text)")
    msg = str(info.value)
    assert "Could not download Thing" in msg and "mirror down" in msg and "(hint text)" in msg
    assert f"place them in {os.path.abspath(tmp_path / 'sub')}" in msg
    assert f"y.bin  (md5 {md5})  from https://bad/y.bin" in msg and "z.bin  from https://bad/z.bin" in msg


def make_archive(path, kind, files):
    if kind == "zip":
        with zipfile.ZipFile(path, "w") as z:
            for name, data in files.items():
                z.writestr(name, data)
    else:
        mode = {"tar": "w", "tar.gz": "w:gz", "tgz": "w:gz", "tar.bz2": "w:bz2", "tar.xz": "w:xz"}[kind]
        with tarfile.open(path, mode) as tar:
            for name, data in files.items():
                info = tarfile.TarInfo(name)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))


@pytest.mark.parametrize("kind", ["tar", "tar.gz", "tgz", "tar.bz2", "tar.xz", "zip"])
def test_extract_archive(tmp_path, kind):
    files = {"top/a.txt": b"alpha", "top/inner/b.bin": os.urandom(1000), "c.txt": b"gamma"}
    archive = tmp_path / f"pack.{kind}"
    make_archive(archive, kind, files)
    out = U.extract_archive(archive, tmp_path / "out")
    assert out == os.fspath(tmp_path / "out")
    for name, data in files.items():
        assert (tmp_path / "out" / name).read_bytes() == data
    assert leftovers(tmp_path / "out") == []
    U.extract_archive(archive, tmp_path / "out", remove_finished=True)  # again over the old copy
    assert not archive.exists() and (tmp_path / "out" / "c.txt").read_bytes() == b"gamma"


@pytest.mark.parametrize("suffix, opener", [(".gz", gzip.open), (".bz2", bz2.open), (".xz", lzma.open)])
def test_extract_single_compressed_file(tmp_path, suffix, opener):
    path = tmp_path / f"data.idx{suffix}"
    with opener(path, "wb") as f:
        f.write(b"0123456789" * 100)
    U.extract_archive(path)
    assert (tmp_path / "data.idx").read_bytes() == b"0123456789" * 100


@pytest.mark.parametrize("kind", ["tar.gz", "zip", "gz"])
def test_corrupt_archive_extracts_nothing(tmp_path, kind):
    archive = tmp_path / f"pack.{kind}"
    if kind == "gz":
        with gzip.open(archive, "wb") as f:
            f.write(os.urandom(200000))
    else:
        make_archive(archive, kind, {"a.bin": os.urandom(100000), "b.bin": os.urandom(100000)})
    archive.write_bytes(archive.read_bytes()[:-60000])
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("untouched")
    with pytest.raises(RuntimeError, match=f"Could not extract {archive}.*corrupted or truncated"):
        U.extract_archive(archive, out)
    assert os.listdir(out) == ["keep.txt"]


def test_unknown_archive_and_verify_str_arg(tmp_path):
    with pytest.raises(RuntimeError, match="Unknown archive type"):
        U.extract_archive(tmp_path / "x.rar")
    assert U.verify_str_arg("train", "split", ("train", "test")) == "train"
    with pytest.raises(ValueError, match=r"Valid values are \{'train', 'test'\}"):
        U.verify_str_arg("val", "split", ("train", "test"))


def test_progress_bar_without_total():
    out = io.StringIO()
    bar = U.ProgressBar(None, "thing", out)
    bar.update(3 * 2 ** 20)
    bar.close()
    assert out.getvalue().endswith("thing: 3.0 MiB\n")
