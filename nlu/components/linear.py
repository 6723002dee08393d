"""A calibrated linear classifier over sparse count features; scikit-learn and NumPy only.

    model = CalibratedLinearModel.fit(counts, labels, c=10.0)
    probabilities = model.predict_proba(counts_of_new_messages)  # rows sum to 1

The counts (Rasa's sentence features: word, character n-gram and regex counts) are weighted
as TF-IDF with sublinear term frequency (1 + log tf) and each row scaled to unit length, then
a multinomial logistic regression is fitted. Its raw probabilities are over-confident on the
training data and flat elsewhere, so one temperature T is fitted on out-of-fold scores of
the training data (k-fold, never the development set): softmax(scores / T) is then about as
often right as it is confident, which is what the bot's thresholds need.

The fitted model is a few NumPy arrays (saved with numpy.savez, no pickle).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.sparse import csr_matrix
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold


def _softmax(scores: np.ndarray, temperature: float) -> np.ndarray:
    scaled = scores / temperature
    scaled -= scaled.max(axis=1, keepdims=True)
    exp = np.exp(scaled)
    return exp / exp.sum(axis=1, keepdims=True)


@dataclass
class CalibratedLinearModel:
    classes: np.ndarray  # label names, in the column order of coef
    idf: np.ndarray  # one weight per feature column
    coef: np.ndarray  # (classes, features)
    intercept: np.ndarray  # (classes,)
    temperature: float = 1.0

    @staticmethod
    def idf_of(counts: csr_matrix) -> np.ndarray:
        documents = np.bincount(counts.indices, minlength=counts.shape[1])
        return np.log((1 + counts.shape[0]) / (1 + documents)) + 1

    @staticmethod
    def weigh(counts: csr_matrix, idf: np.ndarray) -> csr_matrix:
        """(1 + log tf) * idf, each row scaled to unit length."""
        weighted = csr_matrix(counts, dtype=np.float64, copy=True)
        weighted.sum_duplicates()
        weighted.eliminate_zeros()
        weighted.data = (1 + np.log(weighted.data)) * idf[weighted.indices]
        rows = np.repeat(np.arange(weighted.shape[0]), np.diff(weighted.indptr))
        norms = np.sqrt(np.bincount(rows, weights=weighted.data**2, minlength=weighted.shape[0]))
        norms[norms == 0] = 1
        weighted.data /= norms[rows]
        return weighted

    @classmethod
    def _regression(cls, c: float, seed: int) -> LogisticRegression:
        # saga reaches lbfgs's accuracy here in a twentieth of its time (docs/nlu.md)
        return LogisticRegression(
            C=c, class_weight="balanced", solver="saga", tol=1e-3, max_iter=500, random_state=seed
        )

    @classmethod
    def fit(
        cls, counts: csr_matrix, labels: list[str], c: float = 10.0, folds: int = 5, seed: int = 42
    ) -> CalibratedLinearModel:
        counts = csr_matrix(counts)
        y = np.asarray(labels)
        idf = cls.idf_of(counts)
        x = cls.weigh(counts, idf)
        regression = cls._regression(c, seed).fit(x, y)
        coef, intercept = regression.coef_, regression.intercept_
        if coef.shape[0] == 1:  # two classes: one score, softmax needs one per class
            coef, intercept = (
                np.vstack([-coef / 2, coef / 2]),
                np.hstack([-intercept / 2, intercept / 2]),
            )
        model = cls(regression.classes_, idf, coef, intercept)
        model.temperature = cls._temperature(counts, y, c, folds, seed, regression.classes_)
        return model

    @classmethod
    def _temperature(
        cls, counts: csr_matrix, y: np.ndarray, c: float, folds: int, seed: int, classes: np.ndarray
    ) -> float:
        """The temperature that minimises the log loss of out-of-fold predictions."""
        smallest = min(np.unique(y, return_counts=True)[1])
        folds = min(folds, int(smallest))
        if folds < 2 or len(classes) < 2:
            return 1.0
        scores = np.zeros((len(y), len(classes)))
        for train, test in StratifiedKFold(folds, shuffle=True, random_state=seed).split(counts, y):
            idf = cls.idf_of(counts[train])
            fold = cls._regression(c, seed).fit(cls.weigh(counts[train], idf), y[train])
            columns = np.searchsorted(classes, fold.classes_)
            fold_scores = fold.decision_function(cls.weigh(counts[test], idf))
            if fold_scores.ndim == 1:
                fold_scores = np.column_stack([-fold_scores / 2, fold_scores / 2])
            scores[np.ix_(test, columns)] = fold_scores
        truth = np.searchsorted(classes, y)

        def log_loss(log_t: float) -> float:
            p = _softmax(scores, float(np.exp(log_t)))
            return float(-np.mean(np.log(p[np.arange(len(y)), truth] + 1e-12)))

        best = minimize_scalar(log_loss, bounds=(np.log(0.05), np.log(20.0)), method="bounded")
        return float(np.exp(best.x))

    def __post_init__(self) -> None:
        # (features, classes) in row order, made once: `coef.T` would be copied on every call
        self._weights = np.ascontiguousarray(self.coef.T)

    def scores(self, counts: csr_matrix) -> np.ndarray:
        return np.asarray(self.weigh(csr_matrix(counts), self.idf) @ self._weights) + self.intercept

    def predict_proba(self, counts: csr_matrix) -> np.ndarray:
        return _softmax(self.scores(counts), self.temperature)

    def predict_proba_rows(self, rows: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
        """predict_proba of rows given as (columns, counts) arrays: the same figures without
        building a sparse matrix, whose construction costs more than the arithmetic for the one
        message a parse brings."""
        scores = np.empty((len(rows), len(self.intercept)))
        for index, (columns, counts) in enumerate(rows):
            columns, where = np.unique(columns, return_inverse=True)
            counts = np.bincount(where, weights=counts, minlength=len(columns))
            columns, counts = columns[counts > 0], counts[counts > 0]
            weights = (1 + np.log(counts)) * self.idf[columns]
            norm = float(np.sqrt(weights @ weights)) or 1.0
            scores[index] = (weights / norm) @ self._weights[columns] + self.intercept
        return _softmax(scores, self.temperature)

    def save(self, path: Path) -> None:
        np.savez(
            path,
            classes=self.classes.astype(str),
            idf=self.idf,
            coef=self.coef,
            intercept=self.intercept,
            temperature=np.array(self.temperature),
        )

    @classmethod
    def load(cls, path: Path) -> CalibratedLinearModel:
        with np.load(path, allow_pickle=False) as saved:
            return cls(
                saved["classes"],
                saved["idf"],
                saved["coef"],
                saved["intercept"],
                float(saved["temperature"]),
            )
