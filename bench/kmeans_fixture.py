# Writes test/fixtures/kmeans-sklearn.json: data, initial centres, and the inertia that
# scikit-learn's KMeans (Lloyd) and FAISS's Kmeans reach from those centres, plus
# scikit-learn's k-means++ inertia (n_init=10). Run once: bench/.venv/bin/python bench/kmeans_fixture.py
import json, os
import numpy as np
from sklearn.cluster import KMeans
import faiss, sklearn

rng = np.random.default_rng(7)
cases = []
for (n, d, k, clusters) in [(400, 6, 5, 5), (900, 16, 12, 8)]:
    centers = rng.normal(size=(clusters, d)) * 4
    # 3 decimals, so that the JSON spelling parses back to the same float32 values
    X = np.round(centers[rng.integers(clusters, size=n)] + rng.normal(size=(n, d)), 3).astype(np.float32)
    init = X[rng.choice(n, size=k, replace=False)].copy()
    sk = KMeans(n_clusters=k, init=init, n_init=1, max_iter=300, tol=1e-4, algorithm='lloyd').fit(X)
    fk = faiss.Kmeans(d, k, niter=300, seed=1, max_points_per_centroid=256)
    fk.train(X, init_centroids=init)
    D, _ = fk.index.search(X, 1)
    pp = KMeans(n_clusters=k, init='k-means++', n_init=10, random_state=0).fit(X)
    cases.append({
        'n': n, 'd': d, 'k': k,
        'X': [round(float(v), 3) for v in X.ravel()],
        'init': [round(float(v), 3) for v in init.ravel()],
        'sklearnInertia': float(sk.inertia_), 'sklearnIter': int(sk.n_iter_),
        'faissInertia': float(D.sum()),
        'sklearnPlusPlusInertia': float(pp.inertia_),
    })
out = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'kmeans-sklearn.json')
with open(out, 'w') as f:
    json.dump({'generator': 'bench/kmeans_fixture.py', 'sklearn': sklearn.__version__, 'faiss': faiss.__version__, 'cases': cases}, f)
print('wrote', out)
