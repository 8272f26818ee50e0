"""Files: storage, opaque file_ids, and the PhotoSize ladder Telegram makes of every photo.

Telegram gives each *send* of a file a new ``file_id`` but keeps ``file_unique_id`` stable for
the same content; a photo becomes several JPEG sizes (90/320/800/≤1280 px on the long side),
each its own downloadable file with its own ``file_unique_id``. The file_id here encodes the
unique id behind a random nonce, so any number of sends costs no bookkeeping.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import itertools
import os
from dataclasses import dataclass, field
from typing import Any

from PIL import Image, UnidentifiedImageError

from .errors import bad_request

PHOTO_STEPS = (90, 320, 800)
PHOTO_MAX = 1280
DOWNLOAD_LIMIT = 20 * 1024 * 1024  # getFile refuses bigger files (Bot API limit)
_PREFIX = {"photo": "AgAC", "document": "BQAC", "voice": "AwAC", "sticker": "CAAC"}
_UNIQUE_PREFIX = {"photo": "AQAD", "document": "AgAD", "voice": "AgAE", "sticker": "AgAF"}
_FOLDER = {"photo": "photos", "document": "documents", "voice": "voice", "sticker": "stickers"}


@dataclass
class StoredFile:
    unique_id: str
    kind: str  # "photo" | "document" | "voice" | "sticker"
    data: bytes
    path: str
    width: int | None = None
    height: int | None = None
    file_name: str | None = None
    mime_type: str | None = None
    sizes: list[str] = field(default_factory=list)  # photos: the whole ladder, ascending

    @property
    def size(self) -> int:
        return len(self.data)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class FileStore:
    def __init__(self) -> None:
        self.files: dict[str, StoredFile] = {}
        self.by_path: dict[str, StoredFile] = {}
        self._counter = itertools.count(1)
        self._photo_ladders: dict[bytes, list[str]] = {}

    # ---- ids ---------------------------------------------------------------------------
    def new_file_id(self, stored: StoredFile) -> str:
        nonce = os.urandom(6)
        key = _mask(_unb64(stored.unique_id[4:]), nonce)
        return _PREFIX[stored.kind] + _b64(nonce + key)

    def resolve(self, file_id: str) -> StoredFile:
        try:
            raw = _unb64(file_id[4:])
            key = _mask(raw[6:], raw[:6])
            stored = self.files[_UNIQUE_PREFIX.get(_kind_of(file_id), "") + _b64(key)]
        except (KeyError, ValueError) as exc:
            raise bad_request("wrong file identifier/HTTP URL specified") from exc
        return stored

    def store(self, kind: str, data: bytes, ext: str, **extra: Any) -> StoredFile:
        """Any kind of file (voice notes and stickers come in through here, see forum.py)."""
        return self._store(kind, data, ext, **extra)

    def _store(self, kind: str, data: bytes, ext: str, **extra: Any) -> StoredFile:
        unique_id = _UNIQUE_PREFIX[kind] + _b64(hashlib.sha256(kind.encode() + data).digest()[:12])
        stored = self.files.get(unique_id)
        if stored is None:
            path = f"{_FOLDER[kind]}/file_{next(self._counter)}.{ext}"
            stored = StoredFile(unique_id, kind, data, path, **extra)
            self.files[unique_id] = stored
            self.by_path[path] = stored
        return stored

    # ---- adding ------------------------------------------------------------------------
    def add_photo(self, data: bytes) -> list[StoredFile]:
        """Store a photo as its size ladder; 400 IMAGE_PROCESS_FAILED if it isn't an image."""
        ladder = self._photo_ladders.get(hashlib.sha256(data).digest())
        if ladder is None:
            return self._store_ladder(data, _encode_ladder(data))
        return [self.files[u] for u in ladder]

    async def add_photo_off_loop(self, data: bytes) -> list[StoredFile]:
        """``add_photo`` with the decoding and resizing in a thread. Telegram's servers do this
        away from the Bot API the bot talks to; in the sandbox's loop, a hundred members'
        uploads held every bot request's answer (30 % of its loop in the claim rush)."""
        ladder = self._photo_ladders.get(hashlib.sha256(data).digest())
        if ladder is None:
            encoded = await asyncio.to_thread(_encode_ladder, data)
            ladder = self._photo_ladders.get(hashlib.sha256(data).digest())  # a twin, meanwhile
            if ladder is None:
                return self._store_ladder(data, encoded)
        return [self.files[u] for u in ladder]

    def _store_ladder(self, data: bytes, encoded: list[tuple[bytes, tuple[int, int]]]
                      ) -> list[StoredFile]:
        out = [self._store("photo", body, "jpg", width=size[0], height=size[1])
               for body, size in encoded]
        ladder = [s.unique_id for s in out]
        for stored in out:
            stored.sizes = ladder
        self._photo_ladders[hashlib.sha256(data).digest()] = ladder
        return out

    def add_document(self, data: bytes, file_name: str | None, mime_type: str | None) -> StoredFile:
        suffix = (file_name or "").rpartition(".")[2].lower() if "." in (file_name or "") else ""
        ext = suffix if suffix.isalnum() and len(suffix) <= 10 else "bin"  # safe in a URL path
        return self._store("document", data, ext, file_name=file_name, mime_type=mime_type)

    # ---- JSON --------------------------------------------------------------------------
    def photo_json(self, ladder: list[StoredFile]) -> list[dict[str, Any]]:
        return [
            {
                "file_id": self.new_file_id(s),
                "file_unique_id": s.unique_id,
                "file_size": s.size,
                "width": s.width,
                "height": s.height,
            }
            for s in ladder
        ]

    def document_json(self, stored: StoredFile, file_name: str | None = None) -> dict[str, Any]:
        data: dict[str, Any] = {
            "file_id": self.new_file_id(stored),
            "file_unique_id": stored.unique_id,
            "file_size": stored.size,
        }
        if file_name or stored.file_name:
            data["file_name"] = file_name or stored.file_name
        if stored.mime_type:
            data["mime_type"] = stored.mime_type
        return data

    def file_json(self, file_id: str) -> dict[str, Any]:
        """getFile: refuses files over 20 MB like the real Bot API."""
        stored = self.resolve(file_id)
        if stored.size > DOWNLOAD_LIMIT:
            raise bad_request("file is too big")
        return {
            "file_id": file_id,
            "file_unique_id": stored.unique_id,
            "file_size": stored.size,
            "file_path": stored.path,
        }


def _mask(key: bytes, nonce: bytes) -> bytes:
    """XOR with a nonce-derived pad, so no part of a file_id repeats across sends."""
    pad = hashlib.sha256(nonce).digest()
    return bytes(a ^ b for a, b in zip(key, pad, strict=False))


def _kind_of(file_id: str) -> str:
    for kind, prefix in _PREFIX.items():
        if file_id.startswith(prefix):
            return kind
    raise ValueError(file_id)


def _encode_ladder(data: bytes) -> list[tuple[bytes, tuple[int, int]]]:
    """The photo's sizes as Telegram keeps them: JPEG bytes and (width, height), smallest first."""
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise bad_request("IMAGE_PROCESS_FAILED") from exc
    width, height = image.size
    if width + height > 10000 or max(width, height) > 20 * min(width, height):
        raise bad_request("PHOTO_INVALID_DIMENSIONS")
    rgb = image.convert("RGB")
    out: list[tuple[bytes, tuple[int, int]]] = []
    steps = [s for s in PHOTO_STEPS if max(width, height) > s]
    for step in [*steps, PHOTO_MAX]:
        if step == PHOTO_MAX and max(width, height) <= PHOTO_MAX and image.format == "JPEG":
            out.append((data, (width, height)))  # small JPEGs are kept byte for byte
            continue
        copy = rgb.copy()
        copy.thumbnail((step, step))
        buf = io.BytesIO()
        copy.save(buf, "JPEG", quality=80 if step < PHOTO_MAX else 87)
        out.append((buf.getvalue(), copy.size))
    return out
