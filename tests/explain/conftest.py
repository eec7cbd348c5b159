import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split


@pytest.fixture(scope="session")
def digits_split():
    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).astype(np.float32)
    # labels 10..19: a model's classes_ differ from the output indices
    return train_test_split(X, y + 10, test_size=0.3, random_state=0, stratify=y)


@pytest.fixture(scope="session")
def lipschitz_clf(digits_split):
    from sklot.lipschitz import LipschitzClassifier

    Xtr, _, ytr, _ = digits_split
    clf = LipschitzClassifier(
        hidden_layer_sizes=(32,), max_epochs=4, batch_size=128, lr=1e-2, random_state=0, device="cpu"
    )
    return clf.fit(Xtr, ytr)
