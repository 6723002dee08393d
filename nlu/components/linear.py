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

With a gate (`dense_gate`), the dense scores are added only where the sparse model alone is
unsure: a message whose best sparse probability reaches the gate keeps the sparse
probabilities (temperature `temperature`, fitted on all out-of-fold sparse scores), the others
get the sum (temperature `dense_temperature`, fitted on the out-of-fold sums of exactly the
training examples that the gate lets through, so the confidences the bot acts on stay
calibrated where they are used). Both models still learn from every example.

The fitted model is a few NumPy arrays (saved with numpy.savez, no pickle).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.sparse import csr_matrix
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

# sentence vectors of all rows, or a function giving those of the rows at some indices
Dense = np.ndarray | Callable[[np.ndarray], np.ndarray] | None


def _softmax(scores: np.ndarray, temperature: float) -> np.ndarray:
    scaled = scores / temperature
    scaled -= scaled.max(axis=1, keepdims=True)
    exp = np.exp(scaled)
    return exp / exp.sum(axis=1, keepdims=True)


def fit_temperature(scores: np.ndarray, truth: np.ndarray) -> float:
    """The temperature that minimises the log loss of these (out-of-fold) scores."""
    if len(truth) == 0:
        return 1.0

    def log_loss(log_t: float) -> float:
        p = _softmax(scores, float(np.exp(log_t)))
        return float(-np.mean(np.log(p[np.arange(len(truth)), truth] + 1e-12)))

    best = minimize_scalar(log_loss, bounds=(np.log(0.05), np.log(20.0)), method="bounded")
    return float(np.exp(best.x))


# Fewer out-of-fold examples below the gate than this, and the sums' temperature is fitted on
# all of them: a temperature from a handful of examples would be noise.
MIN_GATED_FOR_TEMPERATURE = 30


def gated_temperature(
    sparse: np.ndarray, dense: np.ndarray, truth: np.ndarray, temperature: float, gate: float
) -> float:
    """The temperature of sparse + dense scores, fitted on the examples whose best sparse
    probability (at `temperature`) is below `gate`: the ones that will get the sum."""
    below = _softmax(sparse, temperature).max(axis=1) < gate
    if below.sum() < MIN_GATED_FOR_TEMPERATURE:
        below[:] = True
    return fit_temperature((sparse + dense)[below], truth[below])


@dataclass
class CalibratedLinearModel:
    classes: np.ndarray  # label names, in the column order of coef
    idf: np.ndarray  # one weight per feature column
    coef: np.ndarray  # (classes, features)
    intercept: np.ndarray  # (classes,)
    temperature: float = 1.0
    dense_coef: np.ndarray | None = None  # (classes, dense dimensions), if dense features
    dense_intercept: np.ndarray | None = None  # (classes,)
    dense_gate: float | None = None  # dense scores only below this sparse confidence
    dense_temperature: float | None = None  # of the sums, with a gate
    # out-of-fold (sparse scores, dense scores, true columns) of fit(); not saved
    oof: tuple | None = field(default=None, repr=False, compare=False)

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
        dense_gate: float | None = None,
    ) -> CalibratedLinearModel:
        """`dense`: one sentence vector per row of `counts`, or None for the sparse model
        alone; `dense_gate`: add the dense scores only where the sparse model's best
        probability is below it (None: always). folds < 2 leaves the temperatures at 1 (for
        cross-validation, which needs only the best class). The out-of-fold scores stay on
        the model (`oof`, not saved) so that `with_gate` can move the gate without refitting."""
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
        model.oof = cls._out_of_fold(counts, y, c, folds, seed, regression.classes_, dense, dense_c)
        if dense is not None and dense_gate is not None:
            return model.with_gate(dense_gate)
        if model.oof is not None:
            sparse, dense_scores, truth = model.oof
            model.temperature = fit_temperature(
                sparse if dense_scores is None else sparse + dense_scores, truth
            )
        return model

    def with_gate(self, gate: float) -> CalibratedLinearModel:
        """This model with the dense scores added only below `gate` (1.0 or more: always),
        the temperature of the sums fitted on the out-of-fold examples the gate lets through."""
        assert self.dense_coef is not None, "a gate needs a model with dense features"
        gated = replace(self, temperature=1.0, dense_gate=float(gate), dense_temperature=1.0)
        if gated.oof is not None:
            sparse, dense, truth = gated.oof
            # above the gate the sparse probabilities stand alone: their own temperature
            gated.temperature = fit_temperature(sparse, truth)
            gated.dense_temperature = gated_temperature(
                sparse, dense, truth, gated.temperature, float(gate)
            )
        return gated

    @classmethod
    def _out_of_fold(
        cls,
        counts: csr_matrix,
        y: np.ndarray,
        c: float,
        folds: int,
        seed: int,
        classes: np.ndarray,
        dense: np.ndarray | None = None,
        dense_c: float = 100.0,
    ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray] | None:
        """Out-of-fold scores of the sparse model and of the dense one (None without dense
        features), and the true classes' columns; None when there are too few examples."""
        smallest = min(np.unique(y, return_counts=True)[1])
        folds = min(folds, int(smallest))
        if folds < 2 or len(classes) < 2:
            return None
        sparse = np.zeros((len(y), len(classes)))
        dense_scores = None if dense is None else np.zeros_like(sparse)
        for train, test in StratifiedKFold(folds, shuffle=True, random_state=seed).split(counts, y):
            idf = cls.idf_of(counts[train])
            fold = cls._regression(c, seed).fit(cls.weigh(counts[train], idf), y[train])
            models = [(fold, cls.weigh(counts[test], idf), sparse)]
            if dense is not None:
                dense_fold = cls._dense_regression(dense_c).fit(dense[train], y[train])
                models.append((dense_fold, dense[test], dense_scores))
            for regression, x, scores in models:
                columns = np.searchsorted(classes, regression.classes_)
                fold_scores = regression.decision_function(x)
                if fold_scores.ndim == 1:
                    fold_scores = np.column_stack([-fold_scores / 2, fold_scores / 2])
                scores[np.ix_(test, columns)] += fold_scores
        return sparse, dense_scores, np.searchsorted(classes, y)

    def __post_init__(self) -> None:
        # (features, classes) in row order, made once: `coef.T` would be copied on every call
        self._weights = np.ascontiguousarray(self.coef.T)
        self._dense_weights = (
            None if self.dense_coef is None else np.ascontiguousarray(self.dense_coef.T)
        )

    @property
    def dense_dimensions(self) -> int | None:
        return None if self.dense_coef is None else int(self.dense_coef.shape[1])

    def _dense_scores(self, dense: np.ndarray, rows: int) -> np.ndarray:
        return np.asarray(dense, dtype=np.float64).reshape(rows, -1) @ self._dense_weights + (
            self.dense_intercept
        )

    def probabilities(
        self, sparse: np.ndarray, dense: Dense = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Probabilities from sparse scores (intercept included), and which rows got the dense
        scores. `dense`: the rows' sentence vectors, or a function that gives the vectors of
        the rows at some indices (called only for the rows the gate lets through, so that a
        confident message never pays for the encoder)."""
        rows = sparse.shape[0]
        if self._dense_weights is None:
            return _softmax(sparse, self.temperature), np.zeros(rows, dtype=bool)
        if self.dense_gate is None:
            needed = np.ones(rows, dtype=bool)
            probabilities = np.empty_like(sparse)
        else:
            probabilities = _softmax(sparse, self.temperature)
            needed = probabilities.max(axis=1) < self.dense_gate
        if not needed.any():
            return probabilities, needed
        if dense is None:
            raise ValueError("this model was trained with dense features: pass them")
        where = np.flatnonzero(needed)
        vectors = dense(where) if callable(dense) else np.asarray(dense).reshape(rows, -1)[where]
        combined = sparse[where] + self._dense_scores(vectors, len(where))
        temperature = self.temperature if self.dense_gate is None else self.dense_temperature
        probabilities[where] = _softmax(combined, float(temperature or 1.0))
        return probabilities, needed

    def sparse_scores(self, counts: csr_matrix) -> np.ndarray:
        sparse = np.asarray(self.weigh(csr_matrix(counts), self.idf) @ self._weights)
        return sparse + self.intercept

    def predict_proba(self, counts: csr_matrix, dense: Dense = None) -> np.ndarray:
        return self.probabilities(self.sparse_scores(counts), dense)[0]

    def sparse_scores_rows(self, rows: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
        """sparse_scores of rows given as (columns, counts) arrays: the same figures without
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
        return scores

    def predict_proba_rows(
        self, rows: list[tuple[np.ndarray, np.ndarray]], dense: Dense = None
    ) -> np.ndarray:
        """predict_proba of rows given as (columns, counts) arrays (see sparse_scores_rows)."""
        return self.probabilities(self.sparse_scores_rows(rows), dense)[0]

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
            **(
                {}
                if self.dense_gate is None
                else {
                    "dense_gate": np.array(self.dense_gate),
                    "dense_temperature": np.array(self.dense_temperature),
                }
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
                float(saved["dense_gate"]) if "dense_gate" in saved.files else None,
                float(saved["dense_temperature"]) if "dense_temperature" in saved.files else None,
            )
