"""The drift benchmark's numeric columns, bit for bit as run.ts generates them, then scipy.stats.ks_2samp on each.

    /usr/bin/python3 bench/drift/columns.py ROWS NUMERIC_COLUMNS

Prints JSON: per column the KS statistic and p-value, and the wall and CPU seconds spent inside ks_2samp
(generation excluded).
"""
import json
import sys
import time

import numpy as np
from scipy import stats

GOLDEN = np.uint32(0x9E3779B1)
STEP = np.uint32(0x6D2B79F5)


def uniforms(stream: int, n: int) -> np.ndarray:
    """mulberry32's output function on a counter (stream seed + i * STEP), in [0, 1)."""
    with np.errstate(over="ignore"):
        seed = np.uint32((stream * int(GOLDEN)) & 0xFFFFFFFF)
        t = seed + (np.arange(1, n + 1, dtype=np.uint32) * STEP)
        t = (t ^ (t >> np.uint32(15))) * (t | np.uint32(1))
        t = t ^ (t + (t ^ (t >> np.uint32(7))) * (t | np.uint32(61)))
        t = t ^ (t >> np.uint32(14))
    return t.astype(np.float64) / 4294967296.0


def normals(stream: int, n: int) -> np.ndarray:
    u1 = uniforms(2 * stream, n)
    u2 = uniforms(2 * stream + 1, n)
    return np.sqrt(-2.0 * np.log(1.0 - u1)) * np.cos(2.0 * np.pi * u2)


def main() -> None:
    rows, columns = int(sys.argv[1]), int(sys.argv[2])
    results = []
    seconds = 0.0
    cpu_seconds = 0.0
    for c in range(columns):
        reference = normals(4 * c, rows)
        current = normals(4 * c + 1, rows) + 0.002 * c
        start, cpu_start = time.perf_counter(), time.process_time()
        r = stats.ks_2samp(reference, current)
        seconds += time.perf_counter() - start
        cpu_seconds += time.process_time() - cpu_start
        results.append({"statistic": float(r.statistic), "pValue": float(r.pvalue)})
    json.dump(
        {"scipy": __import__("scipy").__version__, "seconds": seconds, "cpuSeconds": cpu_seconds, "columns": results},
        sys.stdout,
    )


main()
