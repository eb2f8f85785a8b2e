"""scikit-learn KDTree peer for bench/kd-tree.ts: build and k-NN query on the same float32 data.

Usage: sklearn_kdtree.py BASE.f32 QUERIES.f32 DIM K LEAF_SIZE REPEATS OUT_PREFIX
Reads raw little-endian float32 row-major files; builds KDTree(leaf_size=LEAF_SIZE) REPEATS
times and queries all points (k=K, single thread: KDTree.query does not use threads) REPEATS
times. Prints one JSON object: {"sklearn": version, "build": [s...], "build_cpu": [...],
"query": [s...], "query_cpu": [...]} (CPU = process time). The indices of the last query go to
OUT_PREFIX.i32 (int32, nq x k). Note that KDTree copies float32 input to float64 (part of build).
"""
import json
import sys
import time

import numpy as np
import sklearn
from sklearn.neighbors import KDTree


def main() -> None:
    base, queries, dim, k, leaf, repeats, out = sys.argv[1:8]
    dim, k, leaf, repeats = int(dim), int(k), int(leaf), int(repeats)
    x = np.fromfile(base, dtype="float32").reshape(-1, dim)
    q = np.fromfile(queries, dtype="float32").reshape(-1, dim)
    build, build_cpu, query, query_cpu = [], [], [], []
    tree = None
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        tree = KDTree(x, leaf_size=leaf)
        build.append(time.perf_counter() - t0)
        build_cpu.append(time.process_time() - c0)
    tree.query(q[: min(len(q), 64)], k=k)  # warm-up
    ids = None
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        _, ids = tree.query(q, k=k)
        query.append(time.perf_counter() - t0)
        query_cpu.append(time.process_time() - c0)
    ids.astype("int32").tofile(out + ".i32")
    print(json.dumps({"sklearn": sklearn.__version__, "build": build, "build_cpu": build_cpu,
                      "query": query, "query_cpu": query_cpu}))


if __name__ == "__main__":
    main()
