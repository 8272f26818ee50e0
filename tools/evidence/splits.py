"""The dev set's fixed split by source: these sources are never tuned or trained on.

Held back whole (photos of one source share a camera, background and fruit): one produce
source with fresh and rotten photos, and one with waybills and distractors. Every other
dev source is the tuning part.
"""

HELD_BACK_SOURCES = ("jagwarthegreat/rotten-fruit-detection", "tianxing1994/OpenCV")
