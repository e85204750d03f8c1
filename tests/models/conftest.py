from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

DATA = Path(__file__).resolve().parent.parent / "data"


def read_csv(name: str) -> dict[str, np.ndarray]:
    arr = np.genfromtxt(DATA / name, delimiter=",", names=True)
    return {k: np.asarray(arr[k], dtype=float) for k in arr.dtype.names or ()}


@pytest.fixture(scope="session")
def cdnow() -> dict[str, np.ndarray]:
    return read_csv("cdnow_customers_summary.csv")


@pytest.fixture(scope="session")
def cdnow_spend() -> dict[str, np.ndarray]:
    return read_csv("cdnow_customers_summary_with_transactions.csv")


@pytest.fixture(scope="session")
def donations() -> dict[str, np.ndarray]:
    return read_csv("donations.csv")
