"""The iris flow as ONE plain scikit-learn script: the baseline of local_run_bench.py.

Same steps and parameters as tests/fixtures/flows/iris_classification.json (seed 7): load iris,
stratified 70/30 split, a 50-tree random forest, the evaluate block's scores and confusion
matrix, and the model saved with joblib. Usage: ``python bench/plain_iris.py OUT_DIR``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import joblib
from sklearn import metrics
from sklearn.datasets import load_iris
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import train_test_split

SEED = 7
TEST_SIZE = 0.3
N_ESTIMATORS = 50
TARGET = "target"


def main(out_dir: Path) -> None:
    frame = load_iris(as_frame=True).frame
    train, test = train_test_split(
        frame, test_size=TEST_SIZE, random_state=SEED, stratify=frame[TARGET]
    )
    features = [c for c in frame.columns if c != TARGET]
    model = RandomForestClassifier(n_estimators=N_ESTIMATORS, max_depth=None, random_state=SEED)
    model.fit(train[features], train[TARGET])

    truth = test[TARGET]
    predicted = model.predict(test[features])
    proba = model.predict_proba(test[features])
    scores = {
        "accuracy": metrics.accuracy_score(truth, predicted),
        "precision": metrics.precision_score(truth, predicted, average="macro", zero_division=0),
        "recall": metrics.recall_score(truth, predicted, average="macro", zero_division=0),
        "f1": metrics.f1_score(truth, predicted, average="macro", zero_division=0),
        "roc_auc": metrics.roc_auc_score(truth, proba, multi_class="ovr", average="macro"),
    }
    metrics.confusion_matrix(truth, predicted, labels=list(model.classes_))
    joblib.dump(model, out_dir / "model.joblib")
    print(", ".join(f"{name} {value:.4f}" for name, value in scores.items()))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
