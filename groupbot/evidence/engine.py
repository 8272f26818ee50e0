"""Async front door for the bot: photo analysis off the event loop, with a timeout.

A thread pool by default. Measured with benchmarks/evidence.py on 2 cores (10 claims of six
dev-set photos): threads 0.29 s median / 1.0 s max per claim, processes 0.38 s / 3.1 s -
onnxruntime, OpenCV, zxing-cpp and Pillow release the GIL for the heavy parts, and threads
load the models once instead of once per process (peak RSS 418-452 MB for the whole
benchmark, the goods model running without onnxruntime's memory arena).
``workers=0`` runs each photo on asyncio's default thread pool - for tests and scripts.

A photo that runs over its timeout is reported as ``error="timeout"``; its thread cannot be
killed and finishes in the background, bounded by the pool size (process pools can be
restarted: pass ``pool="process"`` where that matters more than memory).
"""

from __future__ import annotations

import asyncio
import concurrent.futures as cf
import logging
from collections.abc import Sequence
from typing import Literal

from . import goods
from .analyse import OcrMode, analyse_photo
from .findings import ClaimVerdict, PhotoFindings, ReuseMatch
from .ocr import trim_heap
from .verdict import verdict

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 20.0
# Second pass with whole-photo OCR only for this many photos of a claim with no match.
FULL_OCR_PHOTOS = 2


def worth_reading_whole(f: PhotoFindings) -> bool:
    """A photo of a claim none of whose photos gave the number gets read whole (OCR of the
    entire photo, ~1 s) when it shows a label, or no goods (likely a label close-up)."""
    return f.ok and (f.waybill_found or not f.goods_found)


def _worker_init() -> None:
    goods.warm_up()


class EvidenceEngine:
    """Cheap to construct: no pool, thread or model exists until the first photo."""

    def __init__(
        self,
        *,
        workers: int = 2,
        pool: Literal["thread", "process"] = "thread",
        timeout_s: float = DEFAULT_TIMEOUT_S,
        max_bytes: int | None = None,
    ) -> None:
        self.workers = workers
        self.pool_kind = pool
        self.timeout_s = timeout_s
        self.max_bytes = max_bytes
        self._executor: cf.Executor | None = None

    def _pool(self) -> cf.Executor | None:
        if self.workers <= 0:
            return None
        if self._executor is None:
            if self.pool_kind == "process":
                self._executor = cf.ProcessPoolExecutor(self.workers, initializer=_worker_init)
            else:
                self._executor = cf.ThreadPoolExecutor(
                    self.workers, thread_name_prefix="evidence", initializer=_worker_init
                )
        return self._executor

    async def analyse_photo(
        self,
        data: bytes,
        expected: Sequence[str] = (),
        *,
        # The per-photo budget is the engine's job (the work runs in a pool the caller's
        # cancel scope cannot stop), so it is a parameter here rather than asyncio.timeout.
        timeout: float | None = None,  # noqa: ASYNC109
        ocr_mode: OcrMode = "label",
    ) -> PhotoFindings:
        """Findings for one photo; never raises for a bad photo or a timeout."""
        loop = asyncio.get_running_loop()
        call = (analyse_photo, data, tuple(expected))
        kwargs = {"max_bytes": self.max_bytes, "ocr_mode": ocr_mode}
        pool = self._pool()
        try:
            async with asyncio.timeout(timeout or self.timeout_s):
                if pool is None:
                    return await asyncio.to_thread(_call, call, kwargs)
                fut = loop.run_in_executor(pool, _call, call, kwargs)
                return await fut
        except TimeoutError:
            return PhotoFindings(error="timeout")
        except cf.BrokenExecutor:
            log.exception("evidence worker pool broke; restarting it")
            self._executor = None
            return PhotoFindings(error="internal_error")
        except Exception:
            log.exception("evidence analysis failed")
            return PhotoFindings(error="internal_error")

    async def analyse_claim(
        self,
        photos: Sequence[bytes],
        expected: Sequence[str] = (),
        *,
        reuse: Sequence[ReuseMatch | None] = (),
        timeout: float | None = None,  # noqa: ASYNC109 - per photo, see analyse_photo
    ) -> tuple[list[PhotoFindings], ClaimVerdict]:
        """All photos in parallel, then whole-photo OCR on the likeliest label photos when
        no photo gave the order's number; returns the findings and the verdict."""
        found = list(
            await asyncio.gather(
                *(self.analyse_photo(p, expected, timeout=timeout) for p in photos)
            )
        )
        if expected and not any(f.tracking_match for f in found):
            # Photos with a label first, then those without goods (likely a label close-up).
            order = sorted(
                (i for i, f in enumerate(found) if worth_reading_whole(f)),
                key=lambda i: (not found[i].waybill_found, found[i].goods_found),
            )[:FULL_OCR_PHOTOS]
            again = await asyncio.gather(
                *(
                    self.analyse_photo(photos[i], expected, timeout=timeout, ocr_mode="full")
                    for i in order
                )
            )
            for i, f in zip(order, again, strict=True):
                if f.ok:
                    found[i] = f
        return found, verdict(found, reuse, expected=expected)

    def verdict(
        self,
        findings: Sequence[PhotoFindings],
        reuse: Sequence[ReuseMatch | None] = (),
        *,
        expected: Sequence[str] | None = None,
    ) -> ClaimVerdict:
        return verdict(findings, reuse, expected=expected)

    def render_sheet(self, *args, **kwargs) -> bytes:
        """See sheet.render_sheet (pure, cheap enough to call on the loop's executor)."""
        from .sheet import render_sheet

        return render_sheet(*args, **kwargs)

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None

    async def __aenter__(self) -> EvidenceEngine:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()


def _call(call: tuple, kwargs: dict) -> PhotoFindings:
    fn, *args = call
    try:
        return fn(*args, **kwargs)
    finally:
        # Hand the photo's large temporaries back to the OS so that peaks of concurrent
        # photos do not stack on top of each other's freed-but-kept heap.
        trim_heap()
