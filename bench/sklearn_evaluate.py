"""scikit-learn's side of bench/evaluate.ts: stratified k-fold CV of KNeighborsClassifier.

The same protocol as `knnkit evaluate DATA --k K --weights W --folds F`: read the CSV (header,
label column last), StratifiedKFold(F, shuffle=True), per fold fit + predict, accuracy and
macro precision/recall/F1 (zero_division=0). Prints one JSON object:
  seconds: wall time of each repeat (read + CV, in-process, after the imports),
  cpuSeconds: the process's CPU time of each repeat (all its threads; a loaded machine inflates
  it far less than wall time),
  importSeconds, accuracy (mean over folds), macroF1, fitSeconds/predictSeconds (mean per fold).

usage: python bench/sklearn_evaluate.py DATA.csv [--k 5] [--weights uniform] [--folds 10] [--seed 0] [--repeats 3]
"""
import argparse
import json
import time

t_import = time.perf_counter()
import numpy as np  # noqa: E402
from sklearn.metrics import accuracy_score, precision_recall_fscore_support  # noqa: E402
from sklearn.model_selection import StratifiedKFold  # noqa: E402
from sklearn.neighbors import KNeighborsClassifier  # noqa: E402
import_seconds = time.perf_counter() - t_import


def evaluate(path, k, weights, folds, seed):
    data = np.loadtxt(path, delimiter=',', skiprows=1, dtype=np.float64)
    X, y = data[:, :-1], data[:, -1]
    accs, f1s, fits, preds = [], [], [], []
    for train, test in StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed).split(X, y):
        clf = KNeighborsClassifier(n_neighbors=k, weights=weights)
        t0 = time.perf_counter()
        clf.fit(X[train], y[train])
        t1 = time.perf_counter()
        p = clf.predict(X[test])
        t2 = time.perf_counter()
        fits.append(t1 - t0)
        preds.append(t2 - t1)
        accs.append(accuracy_score(y[test], p))
        f1s.append(precision_recall_fscore_support(y[test], p, average='macro', zero_division=0)[2])
    return float(np.mean(accs)), float(np.mean(f1s)), float(np.mean(fits)), float(np.mean(preds))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('data')
    ap.add_argument('--k', type=int, default=5)
    ap.add_argument('--weights', default='uniform')
    ap.add_argument('--folds', type=int, default=10)
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--repeats', type=int, default=3)
    a = ap.parse_args()
    seconds, cpu = [], []
    for _ in range(a.repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        acc, f1, fit, pred = evaluate(a.data, a.k, a.weights, a.folds, a.seed)
        seconds.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    print(json.dumps({'seconds': seconds, 'cpuSeconds': cpu, 'importSeconds': import_seconds, 'accuracy': acc, 'macroF1': f1,
                      'fitSeconds': fit, 'predictSeconds': pred}))


if __name__ == '__main__':
    main()
