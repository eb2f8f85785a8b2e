"""FAISS IndexLSH peer for bench/lsh-forest.ts, one thread.

Usage: faiss_lsh.py BASE.f32 QUERIES.f32 DIM K NBITS[,NBITS...] REFINE[,REFINE...] OUT_PREFIX
For each nbits: IndexLSH(d, nbits, rotate_data=True, train_thresholds=False) (Hamming ranking, as
FAISS returns it), and the k x k_factor nearest codes re-ranked by exact L2 (IndexRefineFlat's rule,
written out in numpy; what knnkit's lsh mode "faiss" does with probes = k_factor). rotate_data is
required for nbits > d (IndexLSH asserts d >= nbits without it), and on non-negative data such as
SIFT sign bits of the raw coordinates are all 1 (recall 0.003 on sift4900 at 128 bits). Prints one JSON line:
{"faiss": version, "runs": [{"name", "nbits", "k_factor", "build_s", "search_s", "bytes"}]};
the ids of run i go to OUT_PREFIX.i.i32.
"""
import json
import sys
import time

import faiss
import numpy as np


def main() -> None:
    base, queries, dim, k, nbits_list, refine_list, out = sys.argv[1:8]
    dim, k = int(dim), int(k)
    faiss.omp_set_num_threads(1)
    x = np.fromfile(base, dtype="float32").reshape(-1, dim)
    q = np.fromfile(queries, dtype="float32").reshape(-1, dim)
    runs = []
    for nbits in [int(s) for s in nbits_list.split(",")]:
        t0 = time.perf_counter()
        lsh = faiss.IndexLSH(dim, nbits, True, False)
        lsh.train(x)
        lsh.add(x)
        build = time.perf_counter() - t0
        for kf in [0] + [int(s) for s in refine_list.split(",")]:
            t0 = time.perf_counter()
            if kf == 0:
                _, ids = lsh.search(q, k)
            else:
                # IndexRefineFlat's rule: the k x k_factor nearest codes, re-ranked by exact L2
                _, cand = lsh.search(q, k * kf)
                ids = np.empty((len(q), k), dtype="int64")
                for i in range(len(q)):
                    c = cand[i][cand[i] >= 0]
                    d = ((x[c] - q[i]) ** 2).sum(axis=1)
                    ids[i] = c[np.argsort(d, kind="stable")[:k]]
            secs = time.perf_counter() - t0
            code_bytes = x.shape[0] * ((nbits + 7) // 8)
            ids.astype("int32").tofile(f"{out}.{len(runs)}.i32")
            runs.append({"name": "IndexLSH" if kf == 0 else "IndexLSH + exact re-rank", "nbits": nbits, "k_factor": kf,
                         "build_s": build, "search_s": secs, "bytes": code_bytes + (x.nbytes if kf else 0)})
    print(json.dumps({"faiss": faiss.__version__, "runs": runs}))


if __name__ == "__main__":
    main()
