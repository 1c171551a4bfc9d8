"""Shared fixtures, chained in pipeline order: texts -> corpus -> X -> model."""

from __future__ import annotations

import os
from pathlib import Path

# Either backend: float64, fail loudly on rewrite errors (set before import); flags
# the caller already set (e.g. base_compiledir) are kept. topicmf itself sets none.
for _var in ("AESARA_FLAGS", "PYTENSOR_FLAGS"):
    _flags = os.environ.get(_var, "")
    os.environ[_var] = ",".join(f for f in (_flags, "floatX=float64", "on_opt_error=raise") if f)

import pytest  # noqa: E402


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Tests that start a Dask cluster are slow (seconds each on 2 cores): marked before selection."""
    for item in items:
        if "client" in getattr(item, "fixturenames", ()) and "test_distributed" in item.nodeid:
            item.add_marker(pytest.mark.slow)

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def shared_corpus_path(name: str) -> Path:
    """Path of a corpus in ../shared/data, or skip the test with the reason."""
    path = SHARED_DATA / name / f"{name}.jsonl.gz"
    if not path.is_file():
        pytest.skip(f"real corpus {path} is absent (../shared/data is not beside the repository)")
    return path


def write_partitions(corpus, folder: Path, bounds, fmt: str = "jsonl") -> Path:
    """``corpus`` as partition files ``part-00.<fmt>``, ... in ``folder``, rows split at ``bounds``."""
    frame = corpus.to_frame()
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(len(bounds) - 1):
        part = frame.iloc[bounds[i]:bounds[i + 1]]
        if fmt == "jsonl":
            part.to_json(folder / f"part-{i:02d}.jsonl", orient="records", lines=True, force_ascii=False)
        else:
            part.to_csv(folder / f"part-{i:02d}.csv", index=False)
    return folder


@pytest.fixture(scope="session")
def newsroom():
    import topicmf as tm

    return tm.load_corpus("newsroom")
