import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split


@pytest.fixture(scope="session")
def digits_split():
    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).astype(np.float32)
    return train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)


@pytest.fixture(scope="session")
def digits_clf(digits_split):
    from sklot.lipschitz import LipschitzClassifier

    Xtr, Xte, ytr, yte = digits_split
    clf = LipschitzClassifier(
        hidden_layer_sizes=(64, 32), max_epochs=6, batch_size=128, lr=1e-2, random_state=0, device="cpu"
    )
    return clf.fit(Xtr, ytr)
