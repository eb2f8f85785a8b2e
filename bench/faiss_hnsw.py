"""FAISS IndexHNSWFlat peer for bench/hnsw.ts: the same data, M, efConstruction and ef values.

Usage: faiss_hnsw.py BASE.f32 QUERIES.f32 GT.i32 DIM K M EFC THREADS[,THREADS...] EF[,EF...] REPEATS
Reads raw little-endian float32 row-major files and the exact neighbours (int32, nq x K). Builds
one IndexHNSWFlat per thread count (faiss.omp_set_num_threads; wall seconds of add()), then
searches the last built index on one thread for each ef (efSearch), REPEATS times, and prints one
JSON object: {"faiss": version, "builds": [{"threads": t, "seconds": s, "cpu_seconds": s}],
"memory": bytes of vectors + links, "rows": [{"ef", "recall", "qps", "qps_cpu"}]}.
HNSW distances are FAISS's own SIMD kernels, not BLAS: OPENBLAS_CORETYPE does not enter.
"""
import json
import sys
import time

import faiss
import numpy as np


def main() -> None:
    base, queries, gtf, dim, k, m, efc, threads, efs, repeats = sys.argv[1:11]
    dim, k, m, efc, repeats = int(dim), int(k), int(m), int(efc), int(repeats)
    x = np.fromfile(base, dtype="float32").reshape(-1, dim)
    q = np.fromfile(queries, dtype="float32").reshape(-1, dim)
    gt = np.fromfile(gtf, dtype="int32").reshape(-1, k)
    builds = []
    index = None
    for t in [int(s) for s in threads.split(",")]:
        faiss.omp_set_num_threads(t)
        index = faiss.IndexHNSWFlat(dim, m)
        index.hnsw.efConstruction = efc
        c0, t0 = time.process_time(), time.perf_counter()
        index.add(x)
        builds.append({"threads": t, "seconds": time.perf_counter() - t0, "cpu_seconds": time.process_time() - c0})
        print(json.dumps({"progress": builds[-1]}), file=sys.stderr, flush=True)
    hnsw = index.hnsw
    memory = x.nbytes + faiss.vector_to_array(hnsw.neighbors).nbytes + faiss.vector_to_array(hnsw.offsets).nbytes \
        + faiss.vector_to_array(hnsw.levels).nbytes + faiss.vector_to_array(hnsw.assign_probas).nbytes
    faiss.omp_set_num_threads(1)
    rows = []
    for ef in [int(s) for s in efs.split(",")]:
        index.hnsw.efSearch = ef
        index.search(q[: min(len(q), 100)], k)  # warm-up
        walls, cpus = [], []
        ids = None
        for _ in range(repeats):
            c0, t0 = time.process_time(), time.perf_counter()
            _, ids = index.search(q, k)
            walls.append(time.perf_counter() - t0)
            cpus.append(time.process_time() - c0)
        hit = sum(len(set(ids[i]).intersection(gt[i])) for i in range(len(q)))
        rows.append({"ef": ef, "recall": hit / (len(q) * k), "qps": len(q) / sorted(walls)[len(walls) // 2],
                     "qps_cpu": len(q) / sorted(cpus)[len(cpus) // 2]})
    print(json.dumps({"faiss": faiss.__version__, "builds": builds, "memory": int(memory), "rows": rows}))


if __name__ == "__main__":
    main()
