"""FAISS IndexFlatL2 peer for bench/brute-force.ts: exact k-NN on the same float32 data.

Usage: faiss_flat.py BASE.f32 QUERIES.f32 DIM K THREADS[,THREADS...] REPEATS OUT_PREFIX
Reads raw little-endian float32 row-major files, searches all queries once per repeat for each
thread count (faiss.omp_set_num_threads), and prints one JSON object:
{"faiss": version, "rss_mib": peak RSS, "blas": OPENBLAS_* settings, "runs": [{"threads": t,
"seconds": [...], "median": s, "cpu_seconds": [...], "cpu_median": s}]} (CPU = process time of
all threads; peak RSS of the whole process: the file read, the index's copy, the searches). The indices of
the last run of the first thread count go to OUT_PREFIX.i32 (int32, nq x k).
"""
import json
import os
import resource
import sys
import time

import faiss
import numpy as np


def main() -> None:
    base, queries, dim, k, threads, repeats, out = sys.argv[1:8]
    dim, k, repeats = int(dim), int(k), int(repeats)
    x = np.fromfile(base, dtype="float32").reshape(-1, dim)
    q = np.fromfile(queries, dtype="float32").reshape(-1, dim)
    index = faiss.IndexFlatL2(dim)
    index.add(x)
    runs = []
    first_i = None
    for t in [int(s) for s in threads.split(",")]:
        faiss.omp_set_num_threads(t)
        index.search(q[: min(len(q), 64)], k)  # warm-up
        secs, cpu = [], []
        for _ in range(repeats):
            t0, c0 = time.perf_counter(), time.process_time()
            _, ids = index.search(q, k)
            secs.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        if first_i is None:
            first_i = ids
        runs.append({"threads": t, "seconds": secs, "median": sorted(secs)[len(secs) // 2],
                     "cpu_seconds": cpu, "cpu_median": sorted(cpu)[len(cpu) // 2]})
    first_i.astype("int32").tofile(out + ".i32")
    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    blas = {k: v for k, v in os.environ.items() if k.startswith("OPENBLAS_")}
    print(json.dumps({"faiss": faiss.__version__, "rss_mib": rss_mib, "blas": blas, "runs": runs}))


if __name__ == "__main__":
    main()
