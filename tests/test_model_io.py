import io
import json
import pickle
import zipfile

import numpy as np
import pandas as pd
import pytest

import topicmf as tm
from topicmf.model_io import FORMAT_VERSION
from topicmf.report import DOCUMENT_TOPICS_COLUMNS

NEW_TEXTS = [
    "The central bank raised interest rates as inflation rose.",
    "The striker scored twice and the coach praised the defence.",
    "A new vaccine trial opened at the hospital.",
    "",
]


@pytest.fixture(scope="module")
def report():
    return tm.discover("newsroom", n_topics=6, random_state=0)


@pytest.fixture()
def saved(report, tmp_path):
    return tm.save_model(report, tmp_path / "m.topicmf")


def test_save_load_transform_is_exact(report, saved):
    model = report.to_model()
    loaded = tm.load_model(saved)
    np.testing.assert_array_equal(loaded.transform(NEW_TEXTS), model.transform(NEW_TEXTS))
    np.testing.assert_array_equal(loaded.nmf.components_, report.model.components_)
    assert loaded.labels == report.labels
    assert (loaded.vectorizer.transform(NEW_TEXTS) != report.vectorizer.transform(NEW_TEXTS)).nnz == 0


def test_transform_texts_matches_document_topics(report, saved):
    loaded = tm.load_model(saved)
    table = loaded.transform_texts(report.corpus)
    assert list(table.columns) == list(report.document_topics.columns)
    # the training corpus scored again: the same dominant topic for (nearly) every document
    agree = (table["topic"].to_numpy() == report.document_topics["topic"].to_numpy()).mean()
    assert agree > 0.98
    new = loaded.transform_texts(NEW_TEXTS)
    assert list(new.columns) == DOCUMENT_TOPICS_COLUMNS and len(new) == 4
    assert bool(new["low_confidence"].iloc[-1])  # the empty text


def test_loaded_model_reports_on_a_new_corpus(saved):
    loaded = tm.load_model(saved)
    rep = loaded.report(pd.DataFrame({"text": NEW_TEXTS[:3] * 3}))
    assert len(rep.document_topics) == 9 and len(rep.topics) == 6


def _rewrite(src, dst, change):
    with zipfile.ZipFile(src) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    change(members)
    with zipfile.ZipFile(dst, "w") as zf:
        for n, data in members.items():
            zf.writestr(n, data)
    return dst


def test_truncated_and_corrupt_files_rejected(saved, tmp_path):
    data = open(saved, "rb").read()
    trunc = tmp_path / "trunc.topicmf"
    trunc.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="corrupt or truncated"):
        tm.load_model(trunc)
    junk = tmp_path / "junk.topicmf"
    junk.write_bytes(b"this is not a model")
    with pytest.raises(ValueError, match="not a readable topicmf model"):
        tm.load_model(junk)

    def flip(members):
        members["vectorizer.json"] = members["vectorizer.json"].replace(b'"terms"', b'"termz"')

    bad = _rewrite(saved, tmp_path / "flip.topicmf", flip)
    with pytest.raises(ValueError, match=r"checksum of 'vectorizer.json' does not match"):
        tm.load_model(bad)
    with pytest.raises(FileNotFoundError):
        tm.load_model(tmp_path / "missing.topicmf")


def test_foreign_and_newer_format_rejected(saved, tmp_path):
    foreign = tmp_path / "foreign.zip"
    with zipfile.ZipFile(foreign, "w") as zf:
        zf.writestr("manifest.json", json.dumps({"format": "something-else", "format_version": 1}))
        for n in ("vectorizer.json", "nmf.json", "arrays.npz"):
            zf.writestr(n, b"{}")
    with pytest.raises(ValueError, match="not a topicmf model file"):
        tm.load_model(foreign)
    other = tmp_path / "other.zip"
    with zipfile.ZipFile(other, "w") as zf:
        zf.writestr("readme.txt", "hello")
    with pytest.raises(ValueError, match="no manifest.json"):
        tm.load_model(other)

    def newer(members):
        m = json.loads(members["manifest.json"])
        m["format_version"] = FORMAT_VERSION + 1
        members["manifest.json"] = json.dumps(m).encode()

    with pytest.raises(ValueError, match=rf"newer topicmf \(model format {FORMAT_VERSION + 1}"):
        tm.load_model(_rewrite(saved, tmp_path / "newer.topicmf", newer))


class _Boom:
    def __reduce__(self):
        return (exec, ("import sys; sys.modules['topicmf']._pwned = True",))


def test_pickle_payload_refused(saved, tmp_path):
    # 1. an extra member holding a pickle
    def add_pickle(members):
        members["model.pkl"] = pickle.dumps(_Boom())

    with pytest.raises(ValueError, match=r"unexpected member 'model.pkl'"):
        tm.load_model(_rewrite(saved, tmp_path / "pkl.topicmf", add_pickle))

    # 2. an object array (a pickle inside arrays.npz), with a matching checksum
    def object_array(members):
        import hashlib

        buf = io.BytesIO()
        with np.load(io.BytesIO(members["arrays.npz"])) as npz:
            arrays = {k: npz[k] for k in npz.files}
        arrays["idf"] = np.array([_Boom()], dtype=object)
        np.savez(buf, **arrays)
        members["arrays.npz"] = buf.getvalue()
        m = json.loads(members["manifest.json"])
        m["sha256"]["arrays.npz"] = hashlib.sha256(members["arrays.npz"]).hexdigest()
        members["manifest.json"] = json.dumps(m).encode()

    with pytest.raises(ValueError, match="pickled objects, which are refused"):
        tm.load_model(_rewrite(saved, tmp_path / "obj.topicmf", object_array))
    assert not hasattr(tm, "_pwned")
