"""The zip archive PyTorch's checkpoints are: uncompressed records, each record's data aligned to 64 bytes.

Alignment lets a reader map storages straight from the file (`load(mmap=True)`). It is made as PyTorch
makes it, with padding in an extra field ('FB') of each record's local header. The writer knows every
record's size and checksum before it writes the record, so it needs no seeking and no data descriptors,
and it switches to zip64 fields only where a size, an offset or the number of records needs them.
"""
import struct
import zlib

ALIGNMENT = 64
_LIMIT = 0xFFFFFFFF
_PAD_ID = 0x4246  # the bytes 'FB'


class ZipWriter:
    """Write stored records to the binary file object `f`, then the central directory on `close()`."""

    def __init__(self, f):
        self.f = f
        self.offset = 0
        self.entries: list[tuple[bytes, int, int, int]] = []  # name, crc, size, local header offset

    def write_record(self, name: str, data, crc: int | None = None) -> None:
        """Add the record `name` holding the bytes of `data` (bytes or a contiguous buffer), whose CRC-32 is `crc`
        (computed here when not given)."""
        data = memoryview(data).cast("B")
        name_bytes = name.encode("utf-8")
        size, crc = data.nbytes, zlib.crc32(data) if crc is None else crc
        zip64 = size >= _LIMIT
        extra = struct.pack("<HHQQ", 1, 16, size, size) if zip64 else b""
        header_size = 30 + len(name_bytes) + len(extra) + 4
        pad = -(self.offset + header_size) % ALIGNMENT
        extra += struct.pack("<HH", _PAD_ID, pad) + b"Z" * pad
        stored_size = _LIMIT if zip64 else size
        header = struct.pack("<IHHHHHIIIHH", 0x04034B50, 45 if zip64 else 20, 0, 0, 0, 0, crc, stored_size,
                             stored_size, len(name_bytes), len(extra))
        self.entries.append((name_bytes, crc, size, self.offset))
        self._write(header + name_bytes + extra)
        self._write(data)

    def close(self) -> None:
        """Write the central directory and the end records."""
        start = self.offset
        for name, crc, size, offset in self.entries:
            fields = ([size, size] if size >= _LIMIT else []) + ([offset] if offset >= _LIMIT else [])
            extra = struct.pack(f"<HH{len(fields)}Q", 1, 8 * len(fields), *fields) if fields else b""
            stored_size = _LIMIT if size >= _LIMIT else size
            self._write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45, 45 if fields else 20, 0, 0, 0, 0, crc,
                                    stored_size, stored_size, len(name), len(extra), 0, 0, 0, 0,
                                    min(offset, _LIMIT)) + name + extra)
        count, size = len(self.entries), self.offset - start
        if count >= 0xFFFF or size >= _LIMIT or start >= _LIMIT:
            end64 = self.offset
            self._write(struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, count, count, size, start))
            self._write(struct.pack("<IIQI", 0x07064B50, 0, end64, 1))
        self._write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, min(count, 0xFFFF), min(count, 0xFFFF),
                                min(size, _LIMIT), min(start, _LIMIT), 0))

    def _write(self, data) -> None:
        self.f.write(data)
        self.offset += memoryview(data).nbytes
