"""Short, plain definitions of the machine-learning words the designer uses.

Shown on the glossary page and offered wherever a block, a template or the guided start uses
one of the words; a test checks that the words the gallery and the blocks lean on are here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    term: str
    meaning: str
    #: Other spellings that should find this entry (lower case).
    also: tuple[str, ...] = ()

    @property
    def anchor(self) -> str:
        """The id of the term on the glossary page (``/glossary#cross-validation``)."""
        return "-".join(self.term.lower().replace("²", "2").split())


GLOSSARY: tuple[Term, ...] = (
    Term("Accuracy", "The share of test rows a classifier got right: 0.9 means 9 in 10."),
    Term(
        "Adjusted Rand score",
        "How well groups found by clustering match known categories: 1 is a perfect match, "
        "0 is no better than chance.",
        ("adjusted rand",),
    ),
    Term(
        "Classification",
        "Predicting a category, such as a species, yes or no, or a digit.",
        ("classifier",),
    ),
    Term(
        "Clustering",
        "Putting similar rows into groups without being told the answers (unsupervised).",
        ("cluster", "k-means"),
    ),
    Term(
        "Confusion matrix",
        "A table of what the model predicted against the true answer; the diagonal holds the "
        "rows it got right, everything else shows what it mixes up.",
    ),
    Term(
        "Cross-validation",
        "Scoring a model by splitting the training rows into parts (folds), training on all "
        "but one and testing on the one left out, in turn; the average is a steadier score.",
        ("folds", "cv"),
    ),
    Term("Dataset", "A table of rows (examples) and named columns (what is known about them)."),
    Term(
        "F1",
        "One score combining a class's precision and recall; high only when both are high. "
        "The run shows it per class and as their macro average.",
        ("f1 score",),
    ),
    Term(
        "Feature",
        "A column the model learns from, such as age or price; every column but the target.",
        ("features",),
    ),
    Term(
        "Hyperparameter",
        "A setting chosen before training, such as the number of trees; tuning tries many and "
        "keeps the best.",
        ("hyperparameters", "tuning", "grid search", "random search"),
    ),
    Term(
        "Macro average",
        "A score worked out for each class, then averaged with each class counting the same, "
        "however many rows it has: a rare class done badly pulls it down. The run's precision, "
        "recall and F1 are macro averages.",
        ("macro", "average", "per class"),
    ),
    Term(
        "MAE",
        "Mean absolute error: how far off a regression's guesses are on average, in the "
        "target's own units.",
    ),
    Term(
        "Missing values",
        "Empty cells. Most models cannot use them, so they are filled (imputed), for example "
        "with the column's median.",
        ("impute", "empty cells"),
    ),
    Term(
        "Model", "What training produces: a recipe that turns a row's features into a prediction."
    ),
    Term(
        "One-hot encoding",
        "Turning a text column into numbers: one 0/1 column per value, such as plan_basic and "
        "plan_premium.",
        ("one-hot",),
    ),
    Term(
        "Overfitting",
        "A model that memorises its training rows and does badly on new ones; the test rows "
        "reveal it.",
    ),
    Term(
        "Precision",
        "For one class: of the rows the model put in it, the share that really belong there. "
        "The run shows it per class and as their macro average.",
    ),
    Term(
        "R²",
        "How much of the variation in a number a regression explains: 1 is perfect, 0 is no "
        "better than always guessing the average.",
        ("r2", "r squared"),
    ),
    Term(
        "Recall",
        "For one class: of the rows that really belong to it, the share the model found. The "
        "run shows it per class and as their macro average.",
    ),
    Term("Regression", "Predicting a number, such as a price or a score.", ("regressor",)),
    Term(
        "RMSE",
        "Root mean squared error: a regression's typical error in the target's units, with big "
        "misses counting extra.",
    ),
    Term(
        "ROC curve",
        "How many true cases a classifier catches against how many false alarms it raises as "
        "its threshold moves; ROC AUC sums it up, 1 is perfect and 0.5 is guessing.",
        ("roc auc", "auc"),
    ),
    Term(
        "Scaling",
        "Putting number columns on the same footing (for example mean 0 and spread 1), which "
        "helps models such as logistic regression.",
        ("scale", "standardise"),
    ),
    Term(
        "Silhouette score",
        "How well separated clusters are, from -1 to 1: near 1 means each row sits clearly in "
        "its own group.",
        ("silhouette",),
    ),
    Term(
        "Target",
        "The column a model learns to predict; also called the label.",
        ("label", "column to predict"),
    ),
    Term(
        "Test rows",
        "Rows kept aside while the model learns, then used to score it on data it has never seen.",
        ("test set", "train/test split", "split"),
    ),
    Term(
        "Training",
        "Letting a model learn the link between features and target from example rows.",
        ("train",),
    ),
)


def find_term(word: str) -> Term | None:
    """The entry for ``word`` (any case, or one of its other spellings), or None."""
    wanted = word.strip().lower()
    return next(
        (t for t in GLOSSARY if wanted == t.term.lower() or wanted in t.also),
        None,
    )
