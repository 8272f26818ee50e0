"""Reading Code 128 that is too blurred for zxing: fit whole symbols to the bar profile.

A small or out-of-focus label blurs its barcode until thin bars and spaces merge (module
about 1.3 px, blur sigma about a module): no threshold can separate them, so zxing and
sharpening fail. The signal is still there. The profile across the bars (averaged along
them, which removes most noise) is modelled as the symbols' bars convolved with a Gaussian:
the barcode's ends and the fixed start/stop patterns give the module width and the blur,
then a beam search picks, symbol by symbol, the sequence whose blurred rendering fits best.
The reader never sees the order's number; the Code 128 checksum, a good fit and sane
content are required, and the caller still asks for a second reading before a number that
is not the order's is reported.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .code128 import _PATTERNS, START_B, START_C, STOP

SPM = 4  # profile samples per module once resampled onto the module grid
QUIET = 4  # modules of quiet zone modelled on each side
SIGMAS = (0.5, 0.7, 0.9, 1.1, 1.3)  # blur in modules
# Inward corrections of the ends, in modules: the ends are found where the profile leaves
# the quiet zone's brightness, which blur moves outwards by up to about a module.
SHIFTS = (-0.4, -0.2, 0.0, 0.2, 0.4, 0.6, 0.8, 1.0, 1.2)
MIN_MODULE_PX = 0.8  # thinner than this is not resolvable at all
MAX_SYMBOLS = 32  # ~50 digits: longer than any waybill number
QUIET_FRACTION = 0.045  # of the profile length: a longer bright run ends the code
CONFIGS = 3  # (direction, symbol count, blur) hypotheses given a full beam search
BEAM = 32
# The fitted model must explain the profile: residual energy / profile variance. On the
# dev set (every barcode-like region of all 97 photos, 3 bands each) correct decodes fit to
# 0.013-0.2 (blurred ones ~0.08), and every decode that fitted better than 0.22 was
# correct; wider blur or perspective models let garbage fit too, so they are not searched.
MAX_RESIDUAL = 0.12
# Start and stop patterns that fit this badly (sum of the two residual ratios) mean no code
# of that shape: correct decodes on the dev set came from configurations <= 0.16.
MAX_END_FIT = 0.3
START_A = 103
_SANE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_./-]*")


def _modules(value: int) -> np.ndarray:
    out: list[float] = []
    for k, width in enumerate(_PATTERNS[value]):
        out += [1.0 - k % 2] * int(width)
    return np.array(out, dtype=np.float32)


_SYMBOLS = np.stack([_modules(v) for v in range(106)])  # (106, 11): bar = 1
_STOP = _modules(STOP)  # 13 modules
_erf = np.vectorize(math.erf, otypes=[np.float64])


@lru_cache(maxsize=256)
def _weights(sigma: float, mod0: int, n_mod: int, smp0: int, n_smp: int) -> np.ndarray:
    """(n_mod, n_smp): darkness that module mod0+j puts into sample smp0+i (Gaussian blur).

    Module j covers [j, j+1) in module units; sample i sits at (i + 0.5) / SPM.
    """
    t = (np.arange(smp0, smp0 + n_smp) + 0.5) / SPM
    d = t[None, :] - np.arange(mod0, mod0 + n_mod)[:, None]
    s = sigma * math.sqrt(2)
    return (0.5 * (_erf(d / s) - _erf((d - 1) / s))).astype(np.float32)


@dataclass(frozen=True, slots=True)
class _Config:
    score: float
    reverse: bool
    n: int  # symbols including start, checksum and stop
    sigma: float
    left: float  # barcode start in profile samples
    module: float  # module width in profile samples
    a: float  # brightness = a + b * darkness
    b: float


def _edges(p: np.ndarray) -> tuple[float, float] | None:
    """Where the bars start and end: the long bright runs (quiet zones) left and right of
    the middle; inside a code no space is wider than 4 modules."""
    white, dark = float(np.percentile(p, 95)), float(np.percentile(p, 3))
    if white - dark < 10:
        return None
    # "Ink" includes the grey of thin bars merged by blur; the quiet zone stays bright.
    thr = white - 0.25 * (white - dark)
    dark_idx = np.flatnonzero(p < thr)
    if len(dark_idx) < 2:
        return None
    gaps = np.diff(dark_idx)
    mid = len(p) / 2
    # Split the dark samples at bright gaps; keep the run of clusters around the middle
    # joined by gaps shorter than QUIET_FRACTION of the profile. The crop is padded by 30%
    # of the region's length a side, so an inner space (<= 4 modules) is shorter than that
    # for codes of 6+ symbols, and a quiet zone (>= 10 modules) normally longer.
    max_gap = max(QUIET_FRACTION * len(p), 6)
    starts = [dark_idx[0], *dark_idx[1:][gaps > 1]]
    ends = [*dark_idx[:-1][gaps > 1], dark_idx[-1]]
    c = min(range(len(starts)), key=lambda i: abs((starts[i] + ends[i]) / 2 - mid))
    lo, hi = c, c
    while True:
        gl = starts[lo] - ends[lo - 1] if lo > 0 else math.inf
        gr = starts[hi + 1] - ends[hi] if hi + 1 < len(starts) else math.inf
        if min(gl, gr) > max_gap:
            break
        if gl <= gr:
            lo -= 1
        else:
            hi += 1

    def cross(i_out: int, i_in: int) -> float:
        a, b = float(p[i_out]), float(p[i_in])
        return i_out + (a - thr) / (a - b + 1e-9) * (i_in - i_out)

    left, right = int(starts[lo]), int(ends[hi])
    if left == 0 or right == len(p) - 1:
        return None  # the code runs off the crop
    return cross(left - 1, left), cross(right + 1, right)


def _resample(p: np.ndarray, left: float, module: float, mod0: int, n_smp: int) -> np.ndarray:
    """The profile at the module grid's samples, from module ``mod0`` on."""
    x = left + (mod0 + (np.arange(n_smp) + 0.5) / SPM) * module
    return np.interp(x, np.arange(len(p)), p)


def _fit(r: np.ndarray, o: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Least squares o_j = a + b * r_k for every template row k and observation row j:
    (residual / variance of o_j, a, b), each (K, J)."""
    rm, om = r.mean(axis=1), o.mean(axis=1)
    rc, oc = r - rm[:, None], o - om[:, None]
    var = (rc * rc).sum(axis=1)[:, None] + 1e-9
    ss = (oc * oc).sum(axis=1)[None, :] + 1e-9
    cov = rc @ oc.T
    b = cov / var
    return (ss - b * cov) / ss, om[None, :] - b * rm[:, None], b


def _configs(p: np.ndarray, left0: float, right0: float, min_module: float) -> list[_Config]:
    """(direction, symbol count, blur, refined ends) scored by how well the fixed start and
    stop patterns fit the two ends of the profile; best first."""
    width = right0 - left0
    n_max = min(MAX_SYMBOLS, int((width / min_module - 2) / 11))
    head, tail = 8, 10  # modules of the start/stop symbols the next/previous one barely blurs
    starts = _SYMBOLS[[START_A, START_B, START_C]]
    r_s = np.concatenate(
        [starts @ _weights(s, 0, 11, -QUIET * SPM, (QUIET + head) * SPM) for s in SIGMAS]
    )
    r_e = np.stack([_STOP @ _weights(s, 0, 13, 3 * SPM, (tail + QUIET) * SPM) for s in SIGMAS])
    t_s = -QUIET + (np.arange(r_s.shape[1]) + 0.5) / SPM
    t_e = 3 + (np.arange(r_e.shape[1]) + 0.5) / SPM
    shifts = np.array(SHIFTS)[:, None]
    pos = np.arange(len(p))
    out = []
    for reverse in (False, True):
        q = p[::-1] if reverse else p
        left = (len(p) - 1 - right0) if reverse else left0
        for n in range(4, n_max + 1):
            total = 11 * n + 2
            module = width / total
            obs_s = np.interp(left + (shifts + t_s) * module, pos, q)
            obs_e = np.interp(left + (total - 13 - shifts + t_e) * module, pos, q)
            e_s, a_s, b_s = (x.reshape(len(SIGMAS), 3, -1) for x in _fit(r_s, obs_s))
            e_e, a_e, b_e = _fit(r_e, obs_e)
            for k, sigma in enumerate(SIGMAS):
                st, dl = np.unravel_index(int(e_s[k].argmin()), e_s[k].shape)
                dr = int(e_e[k].argmin())
                l1 = left + SHIFTS[dl] * module
                r1 = left + (total - SHIFTS[dr]) * module
                out.append(
                    _Config(
                        float(e_s[k, st, dl] + e_e[k, dr]),
                        reverse,
                        n,
                        sigma,
                        l1,
                        (r1 - l1) / total,
                        float(a_s[k, st, dl] + a_e[k, dr]) / 2,
                        float(b_s[k, st, dl] + b_e[k, dr]) / 2,
                    )
                )
    out.sort(key=lambda c: c.score)
    return out


def _beam(p: np.ndarray, cfg: _Config) -> tuple[list[int], float] | None:
    """Best symbol sequence for one configuration and its residual ratio, or None when it
    has a wrong checksum or fits worse than MAX_RESIDUAL."""
    q = p[::-1] if cfg.reverse else p
    n, sigma = cfg.n, cfg.sigma
    total = 11 * n + 2
    n_smp = (total + 2 * QUIET) * SPM
    y = _resample(q, cfg.left, cfg.module, -QUIET, n_smp)
    if abs(cfg.b) < 1e-6:
        return None
    dark = (y - cfg.a) / cfg.b  # observed darkness, ~0 white .. ~1 bar
    # Errors only grow: stop as soon as even the best partial fit is over the limit.
    limit = MAX_RESIDUAL * float(((y - y.mean()) ** 2).sum()) / (cfg.b * cfg.b)
    lag = min(2.5 * sigma, 4.0)  # modules whose samples still depend on the next symbol
    mods = np.zeros((1, 0), dtype=np.float32)
    sse = np.zeros(1)
    syms: list[list[int]] = [[]]
    s_prev = -QUIET * SPM
    for k in range(n):
        if k == 0:
            values = [START_A, START_B, START_C]
        elif k == n - 1:
            values = [STOP]
        else:
            values = list(range(103))
        cand = _STOP[None] if k == n - 1 else _SYMBOLS[values]
        end_mod = 11 * k + cand.shape[1]
        s_end = (total + QUIET) * SPM if k == n - 1 else int(round((end_mod - lag) * SPM))
        h0 = max(0, int(math.floor(s_prev / SPM - 4 * sigma)) - 1)
        h0 = min(h0, 11 * k)
        ctx = mods[:, h0 : 11 * k]
        a = np.concatenate(
            [np.repeat(ctx, len(values), axis=0), np.tile(cand, (len(ctx), 1))], axis=1
        )
        w = _weights(sigma, h0, end_mod - h0, s_prev, s_end - s_prev)
        obs = dark[s_prev + QUIET * SPM : s_end + QUIET * SPM]
        err = ((a @ w - obs) ** 2).sum(axis=1) + np.repeat(sse, len(values))
        keep = np.argsort(err)[:BEAM]
        src, val = keep // len(values), keep % len(values)
        mods = np.concatenate([mods[src], cand[val]], axis=1)
        sse = err[keep]
        if sse[0] > limit:
            return None
        syms = [[*syms[i], values[j]] for i, j in zip(src, val, strict=True)]
        s_prev = s_end
    best = syms[0]
    data = best[:-1]  # start, data..., checksum
    check = (data[0] + sum(i * v for i, v in enumerate(data[1:-1], start=1))) % 103
    if check != data[-1]:
        return None
    return best, float(sse[0]) / limit * MAX_RESIDUAL


def _text(values: list[int]) -> str | None:
    """Code 128 symbol values (start .. data, without checksum and stop) to text."""
    code = {START_A: "A", START_B: "B", START_C: "C"}[values[0]]
    out = []
    for v in values[1:]:
        if code == "C" and v < 100:
            out.append(f"{v:02d}")
        elif v == 99:
            code = "C"
        elif v == 100:
            code = "B"
        elif v == 101:
            code = "A"
        elif v >= 96:
            continue  # FNC / shift: not used on waybills
        elif code == "B":
            out.append(chr(v + 32))
        elif v < 64:
            out.append(chr(v + 32))
        else:
            return None  # a control character: not a waybill number
    text = "".join(out)
    # Waybill numbers are letters, digits and a few separators; anything else is a sign of
    # a sequence that fits the blur but is not a real code.
    return text if _SANE.fullmatch(text) else None


def decode_profile(profile: np.ndarray, samples_per_px: float = 1.0) -> str | None:
    """The Code 128 text of a bar profile (bright = high, bars across, quiet zones at both
    ends), or None when no symbol sequence fits well enough with a valid checksum."""
    p = np.asarray(profile, dtype=np.float32)
    edges = _edges(p)
    if edges is None:
        return None
    best: tuple[float, str] | None = None
    for cfg in _configs(p, *edges, MIN_MODULE_PX * samples_per_px)[:CONFIGS]:
        if cfg.score > MAX_END_FIT:
            break
        got = _beam(p, cfg)
        if got is None:
            continue
        text = _text(got[0][:-2])
        if text and (best is None or got[1] < best[0]):
            best = (got[1], text)
    return best[1] if best else None
