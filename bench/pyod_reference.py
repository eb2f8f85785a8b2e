"""PyOD's KNN and LOF benchmark protocol re-run with scikit-learn (the side of bench/outliers.ts).

PyOD itself cannot be installed here (no PyPI), but its KNN (method 'largest') and LOF detectors
are thin wrappers over scikit-learn, reproduced line for line: KNN fits NearestNeighbors(k=5,
minkowski p=2) and scores a test point by the distance to its k-th nearest training point; LOF is
LocalOutlierFactor(n_neighbors=20, novelty=True) scored by -score_samples. Protocol of PyOD's
notebooks/benchmark.py: trial i splits with train_test_split(X, y, test_size=0.4,
random_state=np.random.RandomState(i)), standardizer (StandardScaler fitted on the training
part), fit on train, score test, roc_auc_score, precision_n_scores. Seconds per trial = fit +
score (the standardisation included, as knnkit's).

usage: python bench/pyod_reference.py DATA.csv [--trials 10] [--method knn|lof] [--k K]
Prints one JSON object: rocAuc (mean), precisionAtN (mean), seconds (per trial, list).
"""
import argparse
import json
import time

import numpy as np
from sklearn.metrics import roc_auc_score, precision_score
from sklearn.model_selection import train_test_split
from sklearn.neighbors import LocalOutlierFactor, NearestNeighbors
from sklearn.preprocessing import StandardScaler


def precision_n(y, scores):
    # PyOD's precision_n_scores: threshold at the (1 - n/N) percentile, n = number of outliers
    n = int(np.count_nonzero(y))
    threshold = np.percentile(scores, 100 * (1 - n / len(y)))
    return precision_score(y, (scores > threshold).astype(int), zero_division=0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('data')
    ap.add_argument('--trials', type=int, default=10)
    ap.add_argument('--method', default='knn')
    ap.add_argument('--k', type=int, default=None)
    a = ap.parse_args()
    k = a.k or (5 if a.method == 'knn' else 20)
    data = np.genfromtxt(a.data, delimiter=',', skip_header=1)
    X, y = data[:, :-1], data[:, -1].astype(int)
    rocs, prns, secs = [], [], []
    for i in range(a.trials):
        X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.4, random_state=np.random.RandomState(i))
        t0 = time.perf_counter()
        sc = StandardScaler().fit(X_train)
        X_train, X_test = sc.transform(X_train), sc.transform(X_test)
        if a.method == 'knn':
            nn = NearestNeighbors(n_neighbors=k).fit(X_train)
            train_scores = nn.kneighbors(n_neighbors=k)[0][:, -1]  # PyOD's decision_scores_ (threshold)
            scores = nn.kneighbors(X_test, n_neighbors=k)[0][:, -1]
        else:
            lof = LocalOutlierFactor(n_neighbors=k, novelty=True).fit(X_train)
            scores = -lof.score_samples(X_test)
        secs.append(time.perf_counter() - t0)
        rocs.append(roc_auc_score(y_test, scores))
        prns.append(precision_n(y_test, scores))
    print(json.dumps({'rocAuc': float(np.mean(rocs)), 'precisionAtN': float(np.mean(prns)), 'seconds': secs, 'perTrial': [float(r) for r in rocs]}))


if __name__ == '__main__':
    main()
