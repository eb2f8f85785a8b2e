"""FAISS IVF peers for bench/quantisation.ts: IndexIVFFlat, IndexIVFPQ, IndexRefineFlat(IndexIVFPQ)
and IndexRefineFlat(IndexIVFPQFastScan) (M4 sub-quantisers of 4 bits).

Usage: faiss_ivf.py BASE.f32 QUERIES.f32 GT.i32 DIM K NLIST M NPROBES REPEATS KFACTOR [M4 [ONLY [THREADS]]]
ONLY: comma-separated subset of ivf-flat,ivf-pq,ivf-pq+refine,fs+refine ("-" = all).
NPROBES "-": train + add only, no search.
Raw little-endian float32 / int32 row-major files. THREADS (default 1): faiss.omp_set_num_threads;
0 leaves FAISS's default (every core).
Prints one JSON object: {"faiss": version, "env": {...}, "indexes": [{"name", "train_s", "add_s",
"train_cpu_s", "bytes_per_vector", "runs": [{"nprobe", "median_s", "median_cpu_s", "best_s", "best_cpu_s", "recall"}]}]}.
CPU seconds: time.process_time() of this process (one thread, so what the load steals least).
"""
import json
import os
import sys
import time

import faiss
import numpy as np


def recall(ids, gt, k):
    hit = 0
    for a, b in zip(ids, gt):
        hit += len(set(a[:k].tolist()) & set(b[:k].tolist()))
    return hit / (len(gt) * k)


def main() -> None:
    base, queries, gtf, dim, k, nlist, m, nprobes, repeats, kfactor = sys.argv[1:11]
    m4 = int(sys.argv[11]) if len(sys.argv) > 11 else 32
    only = sys.argv[12].split(",") if len(sys.argv) > 12 and sys.argv[12] != "-" else None
    threads = int(sys.argv[13]) if len(sys.argv) > 13 else 1
    # IVFPQ{m4}x4+RFlat: the same 4-bit codes scanned without fast scan, a correctness check
    # on the fast-scan row (faiss-cpu 1.15.1's IndexIVFPQFastScan ranks far worse than these
    # very codes on this machine: see the README)
    keys = {"IVFFlat": "ivf-flat", "IVFPQ": "ivf-pq", "IVFPQ+RFlat": "ivf-pq+refine", f"IVFPQ{m4}x4fs+RFlat": "fs+refine", f"IVFPQ{m4}x4+RFlat": "fs+refine"}
    dim, k, nlist, m, repeats, kfactor = int(dim), int(k), int(nlist), int(m), int(repeats), int(kfactor)
    x = np.fromfile(base, dtype="float32").reshape(-1, dim)
    q = np.fromfile(queries, dtype="float32").reshape(-1, dim)
    gt = np.fromfile(gtf, dtype="int32").reshape(len(q), -1)
    if threads > 0:
        faiss.omp_set_num_threads(threads)
    out = []
    for name in keys:
        if only is not None and keys[name] not in only:
            continue
        quant = faiss.IndexFlatL2(dim)
        if name == "IVFFlat":
            index = faiss.IndexIVFFlat(quant, dim, nlist)
        elif "x4fs" in name:
            index = faiss.IndexIVFPQFastScan(quant, dim, nlist, m4, 4)
        elif "x4" in name:
            index = faiss.IndexIVFPQ(quant, dim, nlist, m4, 4)
        else:
            index = faiss.IndexIVFPQ(quant, dim, nlist, m, 8)
        top = faiss.IndexRefineFlat(index) if name.endswith("RFlat") else index
        c0 = time.process_time()
        t0 = time.perf_counter()
        top.train(x)
        train_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        top.add(x)
        add_s = time.perf_counter() - t0
        train_cpu_s = time.process_time() - c0
        # FAISS: code_size bytes + an int64 id per vector (+ the float vector under RFlat)
        bpv = index.code_size + 8 + (4 * dim if name.endswith("RFlat") else 0)
        runs = []
        for nprobe in [int(s) for s in nprobes.split(",")] if nprobes != "-" else []:
            index.nprobe = nprobe
            params = None
            if name.endswith("RFlat"):
                top.k_factor = kfactor
            top.search(q, k)  # warm-up: the whole query set once, as knnkit's side
            secs, cpus = [], []
            for _ in range(repeats):
                c0 = time.process_time()
                t0 = time.perf_counter()
                _, ids = top.search(q, k)
                secs.append(time.perf_counter() - t0)
                cpus.append(time.process_time() - c0)
            runs.append({"nprobe": nprobe, "median_s": sorted(secs)[len(secs) // 2],
                         "median_cpu_s": sorted(cpus)[len(cpus) // 2], "best_s": min(secs),
                         "best_cpu_s": min(cpus), "recall": recall(ids, gt, k)})
        out.append({"name": name, "train_s": train_s, "add_s": add_s, "train_cpu_s": train_cpu_s,
                    "bytes_per_vector": bpv, "runs": runs})
    env = {v: os.environ.get(v) for v in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    print(json.dumps({"faiss": faiss.__version__, "env": env, "threads": faiss.omp_get_max_threads(), "indexes": out}))


if __name__ == "__main__":
    main()
