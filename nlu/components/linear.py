"""A calibrated linear classifier over sparse count features; scikit-learn and NumPy only.

    model = CalibratedLinearModel.fit(counts, labels, c=10.0)
    probabilities = model.predict_proba(counts_of_new_messages)  # rows sum to 1

The counts (Rasa's sentence features: word, character n-gram and regex counts) are weighted
as TF-IDF with sublinear term frequency (1 + log tf) and each row scaled to unit length, then
a multinomial logistic regression is fitted. Its raw probabilities are over-confident on the
training data and flat elsewhere, so one temperature T is fitted on out-of-fold scores of
the training data (k-fold, never the development set): softmax(scores / T) is then about as
often right as it is confident, which is what the bot's thresholds need.

Dense sentence vectors (nlu/components/sentence_encoder.py), when given, get a logistic
regression of their own (their scale and their best C differ from the sparse block's), and
its scores are added to the sparse model's before the softmax: a product of the two models'
probabilities, calibrated by one temperature fitted on the out-of-fold sums. Cross-validated
on the training data this beat appending the vectors to the sparse features at any weight
(docs/nlu.md, "Dense sentence features").

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
    dense_coef: np.ndarray | None = None  # (classes, dense dimensions), if dense features
    dense_intercept: np.ndarray | None = None  # (classes,)

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
    def _dense_regression(cls, c: float) -> LogisticRegression:
        return LogisticRegression(C=c, class_weight="balanced", max_iter=2000)

    @staticmethod
    def _per_class(regression: LogisticRegression) -> tuple[np.ndarray, np.ndarray]:
        coef, intercept = regression.coef_, regression.intercept_
        if coef.shape[0] == 1:  # two classes: one score, softmax needs one per class
            coef, intercept = (
                np.vstack([-coef / 2, coef / 2]),
                np.hstack([-intercept / 2, intercept / 2]),
            )
        return coef, intercept

    @classmethod
    def fit(
        cls,
        counts: csr_matrix,
        labels: list[str],
        c: float = 10.0,
        folds: int = 5,
        seed: int = 42,
        dense: np.ndarray | None = None,
        dense_c: float = 100.0,
    ) -> CalibratedLinearModel:
        """`dense`: one sentence vector per row of `counts`, or None for the sparse model
        alone; folds < 2 leaves the temperature at 1 (for cross-validation, which needs only
        the best class)."""
        counts = csr_matrix(counts)
        y = np.asarray(labels)
        idf = cls.idf_of(counts)
        regression = cls._regression(c, seed).fit(cls.weigh(counts, idf), y)
        dense_coef = dense_intercept = None
        if dense is not None:
            dense_coef, dense_intercept = cls._per_class(
                cls._dense_regression(dense_c).fit(dense, y)
            )
        model = cls(
            regression.classes_, idf, *cls._per_class(regression), 1.0, dense_coef, dense_intercept
        )
        model.temperature = cls._temperature(
            counts, y, c, folds, seed, regression.classes_, dense, dense_c
        )
        return model

    @classmethod
    def _temperature(
        cls,
        counts: csr_matrix,
        y: np.ndarray,
        c: float,
        folds: int,
        seed: int,
        classes: np.ndarray,
        dense: np.ndarray | None = None,
        dense_c: float = 100.0,
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
            models = [(fold, cls.weigh(counts[test], idf))]
            if dense is not None:
                models.append(
                    (cls._dense_regression(dense_c).fit(dense[train], y[train]), dense[test])
                )
            for regression, x in models:
                columns = np.searchsorted(classes, regression.classes_)
                fold_scores = regression.decision_function(x)
                if fold_scores.ndim == 1:
                    fold_scores = np.column_stack([-fold_scores / 2, fold_scores / 2])
                scores[np.ix_(test, columns)] += fold_scores
        truth = np.searchsorted(classes, y)

        def log_loss(log_t: float) -> float:
            p = _softmax(scores, float(np.exp(log_t)))
            return float(-np.mean(np.log(p[np.arange(len(y)), truth] + 1e-12)))

        best = minimize_scalar(log_loss, bounds=(np.log(0.05), np.log(20.0)), method="bounded")
        return float(np.exp(best.x))

    def __post_init__(self) -> None:
        # (features, classes) in row order, made once: `coef.T` would be copied on every call
        self._weights = np.ascontiguousarray(self.coef.T)
        self._dense_weights = (
            None if self.dense_coef is None else np.ascontiguousarray(self.dense_coef.T)
        )

    @property
    def dense_dimensions(self) -> int | None:
        return None if self.dense_coef is None else int(self.dense_coef.shape[1])

    def _dense_scores(self, dense: np.ndarray | None, rows: int) -> np.ndarray | float:
        if self._dense_weights is None:
            return 0.0
        if dense is None:  # a model with dense features always needs them
            raise ValueError("this model was trained with dense features: pass them")
        return np.asarray(dense, dtype=np.float64).reshape(rows, -1) @ self._dense_weights + (
            self.dense_intercept
        )

    def scores(self, counts: csr_matrix, dense: np.ndarray | None = None) -> np.ndarray:
        sparse = np.asarray(self.weigh(csr_matrix(counts), self.idf) @ self._weights)
        return sparse + self.intercept + self._dense_scores(dense, counts.shape[0])

    def predict_proba(self, counts: csr_matrix, dense: np.ndarray | None = None) -> np.ndarray:
        return _softmax(self.scores(counts, dense), self.temperature)

    def predict_proba_rows(
        self, rows: list[tuple[np.ndarray, np.ndarray]], dense: np.ndarray | None = None
    ) -> np.ndarray:
        """predict_proba of rows given as (columns, counts) arrays: the same figures without
        building a sparse matrix, whose construction costs more than the arithmetic for the one
        message a parse brings. `dense`: one sentence vector per row, if the model has them."""
        scores = np.empty((len(rows), len(self.intercept)))
        for index, (columns, counts) in enumerate(rows):
            columns, where = np.unique(columns, return_inverse=True)
            counts = np.bincount(where, weights=counts, minlength=len(columns))
            columns, counts = columns[counts > 0], counts[counts > 0]
            weights = (1 + np.log(counts)) * self.idf[columns]
            norm = float(np.sqrt(weights @ weights)) or 1.0
            scores[index] = (weights / norm) @ self._weights[columns] + self.intercept
        return _softmax(scores + self._dense_scores(dense, len(rows)), self.temperature)

    def save(self, path: Path) -> None:
        np.savez(
            path,
            classes=self.classes.astype(str),
            idf=self.idf,
            coef=self.coef,
            intercept=self.intercept,
            temperature=np.array(self.temperature),
            **(
                {}
                if self.dense_coef is None
                else {"dense_coef": self.dense_coef, "dense_intercept": self.dense_intercept}
            ),
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
                saved["dense_coef"] if "dense_coef" in saved.files else None,
                saved["dense_intercept"] if "dense_intercept" in saved.files else None,
            )
