import io
import json
import pickle
import zipfile

import numpy as np
import pandas as pd
import pytest

import topicmf as tm
from topicmf.model import FORMAT_VERSION
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
    rep = tm.TopicReport.from_model(loaded, pd.DataFrame({"text": NEW_TEXTS[:3] * 3}))
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
        arrays["vectorizer.idf"] = np.array([_Boom()], dtype=object)
        np.savez(buf, **arrays)
        members["arrays.npz"] = buf.getvalue()
        m = json.loads(members["manifest.json"])
        m["sha256"]["arrays.npz"] = hashlib.sha256(members["arrays.npz"]).hexdigest()
        members["manifest.json"] = json.dumps(m).encode()

    with pytest.raises(ValueError, match="pickled objects are refused"):
        tm.load_model(_rewrite(saved, tmp_path / "obj.topicmf", object_array))
    assert not hasattr(tm, "_pwned")


# -- fitted state owned by the estimators ---------------------------------------------
NON_DEFAULT_NMF = {
    "n_topics": 3, "n_components": None, "l1_W": 0.01, "l1_H": 0.02, "sparsity": 0.05, "l2_W": 0.03, "l2_H": 0.04,
    "optimizer": "mu", "n_restarts": 3, "init": "nndsvd", "max_iter": 40, "tol": 1e-3, "inner_sweeps": 2,
    "extrapolate": False, "race": False, "dtype": "float32", "random_state": 7, "n_jobs": 1, "n_threads": 1,
    "verbose": 0,
}
NON_DEFAULT_VEC = {
    "clean": "on", "cleaner_options": {"tex": False, "boilerplate_min_df": 3}, "lowercase": False,
    "accents": "keep", "token_pattern": r"(?u)\b\w{3,}\b", "min_token_length": 3,
    "numbers": "keep", "stop_words": ["alpha", "beta"], "extra_stop_words": ["gamma"], "stemmer": "porter",
    "language": "chinese",  # not German: Porter is English only, and Chinese stems its Latin words as English
    "lemmatizer": None, "ngram_range": (1, 2), "min_df": 2, "max_df": 0.9, "max_features": 500,
    "sublinear_tf": True, "norm": "l1", "dtype": "float32",
}


def test_every_parameter_round_trips(newsroom, tmp_path):
    """A parameter added to an estimator is saved and loaded with no other file changed."""
    nmf = tm.TopicNMF()
    vec = tm.TextVectorizer()
    # the test lists every parameter: a new one must be added here, and then it round-trips
    assert set(NON_DEFAULT_NMF) == set(nmf.get_params())
    assert set(NON_DEFAULT_VEC) == set(vec.get_params())
    vec.set_params(**NON_DEFAULT_VEC)
    X = vec.fit_transform(newsroom)
    nmf.set_params(**NON_DEFAULT_NMF).fit(X)
    path = tm.save_model(tm.TopicModel(vec, nmf), tmp_path / "all.topicmf")
    loaded = tm.load_model(path)
    for name, value in NON_DEFAULT_NMF.items():
        assert loaded.nmf.get_params()[name] == value, name
    got = loaded.vectorizer.get_params()
    for name, value in NON_DEFAULT_VEC.items():
        expected = sorted(value) if isinstance(value, list) else value
        assert (sorted(got[name]) if isinstance(got[name], list) else got[name]) == expected, name
    np.testing.assert_array_equal(loaded.nmf.components_, nmf.components_)
    assert (loaded.vectorizer.transform(NEW_TEXTS) != vec.transform(NEW_TEXTS)).nnz == 0


def test_state_round_trip_without_a_file(report):
    doc, arrays = report.model.to_state()
    json.dumps(doc)  # plain data
    clone = tm.TopicNMF.from_state(json.loads(json.dumps(doc)), arrays)
    assert clone.get_params() == {**report.model.get_params(), "random_state": 0}
    np.testing.assert_array_equal(clone.transform(report.vectorizer.transform(NEW_TEXTS)),
                                  report.model.transform(report.vectorizer.transform(NEW_TEXTS)))
    vdoc, varrays = report.vectorizer.to_state()
    vclone = tm.TextVectorizer.from_state(json.loads(json.dumps(vdoc)), varrays)
    assert (vclone.transform(NEW_TEXTS) != report.vectorizer.transform(NEW_TEXTS)).nnz == 0


@pytest.mark.parametrize("change, match", [
    (lambda d: d["params"].update(n_topics=-1), "'n_topics' must be an int >= 1"),
    (lambda d: d["params"].update(optimizer="evil"), "'optimizer' must be one of"),
    (lambda d: d["params"].update(tol="0.1"), "'tol' must be a float"),
    (lambda d: d["params"].update(max_iter=10**12), "beyond the limit"),
    (lambda d: d["params"].update(unknown_knob=1), "unknown parameter 'unknown_knob'"),
    (lambda d: d["fitted"].update(n_iter_="many"), "'n_iter_' must be int"),
    (lambda d: d["fitted"].update(best_restart_=99), "best_restart_ = 99 is out of range"),
])
def test_untrusted_nmf_state_rejected(report, change, match):
    doc, arrays = report.model.to_state()
    doc = json.loads(json.dumps(doc))
    change(doc)
    with pytest.raises(ValueError, match=match):
        tm.TopicNMF.from_state(doc, arrays)


@pytest.mark.parametrize("change, match", [
    (lambda d, a: d["params"].update(ngram_range=[1, 5000]), "'ngram_range' must be"),
    (lambda d, a: d["params"].update(token_pattern="(" * 2000), "'token_pattern' must be"),
    (lambda d, a: d["params"].update(min_df=-3), "'min_df' must be"),
    (lambda d, a: d["fitted"].update(terms=["same"] * len(d["fitted"]["terms"])), "duplicate terms"),
    (lambda d, a: d["fitted"].update(term_labels=d["fitted"]["term_labels"][:-1]), "term labels"),
    (lambda d, a: a.update(idf=a["idf"][:-1]), "idf must be"),
    (lambda d, a: a.update(idf=np.full_like(a["idf"], np.nan)), "idf must be"),
])
def test_untrusted_vectorizer_state_rejected(report, change, match):
    doc, arrays = report.vectorizer.to_state()
    doc = json.loads(json.dumps(doc))
    change(doc, arrays)
    with pytest.raises(ValueError, match=match):
        tm.TextVectorizer.from_state(doc, arrays)


def _resum(members, name):
    import hashlib

    m = json.loads(members["manifest.json"])
    m["sha256"][name] = hashlib.sha256(members[name]).hexdigest()
    members["manifest.json"] = json.dumps(m).encode()


def _replace_array(members, name, value):
    buf = io.BytesIO()
    with np.load(io.BytesIO(members["arrays.npz"])) as npz:
        arrays = {k: npz[k] for k in npz.files}
    arrays[name] = value
    np.savez(buf, **arrays)
    members["arrays.npz"] = buf.getvalue()
    _resum(members, "arrays.npz")


@pytest.mark.parametrize("name, value, match", [
    ("nmf.components", np.zeros(5), "expected 2 dimensions"),
    ("nmf.components", np.array([["a"]]), "dtype"),
    ("nmf.components", np.zeros((6, 3)), "expected"),
    ("vectorizer.idf", np.zeros(3), "expected"),
    ("nmf.restart_losses", np.zeros(2), "expected"),
    ("nmf.components", "nan", "NaN or infinite"),
    ("nmf.components", "negative", "negative values"),
    ("nmf.components", "complex", "dtype"),
])
def test_malformed_arrays_rejected(saved, tmp_path, name, value, match):
    def change(members):
        v = value
        if isinstance(v, str):
            with np.load(io.BytesIO(members["arrays.npz"])) as npz:
                H = npz[name].copy()
            v = {"nan": lambda: np.where(H > 0, np.nan, H), "negative": lambda: H - 1.0,
                 "complex": lambda: H.astype(complex)}[value]()
        _replace_array(members, name, v)

    with pytest.raises(ValueError, match=match):
        tm.load_model(_rewrite(saved, tmp_path / "bad.topicmf", change))


def test_decompression_bomb_refused_before_reading(saved, tmp_path):
    """A member that inflates far past what the manifest allows is refused with bounded memory."""
    import tracemalloc

    def bomb(members):
        members["nmf.json"] = b" " * (600 * 2**20)  # 600 MB of spaces: a few hundred KB deflated

    bomb_path = tmp_path / "bomb.topicmf"
    with zipfile.ZipFile(saved) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    with zipfile.ZipFile(bomb_path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for n, data in members.items():
            if n == "nmf.json":
                with zf.open(n, "w", force_zip64=True) as fh:
                    chunk = b" " * 2**20
                    for _ in range(600):
                        fh.write(chunk)
            else:
                zf.writestr(n, data)
    assert bomb_path.stat().st_size < 5 * 2**20
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="over the limit"):
            tm.load_model(bomb_path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 50 * 2**20


def test_array_bomb_refused_from_its_header(saved, tmp_path):
    """An array whose header claims a huge shape is refused before its data are allocated."""
    def huge(members):
        buf = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(members["arrays.npz"])) as src, zipfile.ZipFile(buf, "w") as dst:
            for n in src.namelist():
                data = src.read(n)
                if n == "nmf.loss_history.npy":
                    header = {"descr": "<f8", "fortran_order": False, "shape": (10**9,)}
                    out = io.BytesIO()
                    np.lib.format.write_array_header_1_0(out, header)
                    data = out.getvalue()
                dst.writestr(n, data)
        members["arrays.npz"] = buf.getvalue()
        _resum(members, "arrays.npz")

    with pytest.raises(ValueError, match="loss_history"):
        tm.load_model(_rewrite(saved, tmp_path / "huge.topicmf", huge))


def test_save_is_atomic(report, saved, tmp_path, monkeypatch):
    """A save that fails midway leaves the previous model intact and no temporary file."""
    before = open(saved, "rb").read()

    def boom(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savez_compressed", boom)
    with pytest.raises(KeyboardInterrupt):
        tm.save_model(report, saved)
    assert open(saved, "rb").read() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.topicmf"]
    monkeypatch.undo()

    import zipfile as zf_module

    real = zf_module.ZipFile.writestr
    calls = []

    def fail_late(self, name, data, *a, **k):
        calls.append(name)
        if name == "arrays.npz":
            raise OSError("disk full")
        return real(self, name, data, *a, **k)

    monkeypatch.setattr(zf_module.ZipFile, "writestr", fail_late)
    with pytest.raises(OSError, match="disk full"):
        tm.save_model(report, saved)
    assert open(saved, "rb").read() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.topicmf"]
    assert tm.load_model(saved).n_topics == 6


def test_saved_model_reapplies_the_same_cleaning(tmp_path):
    """transform_texts of a loaded model cleans new documents exactly as at training."""
    sig = "Sent from my corporate phone, all rights reserved"
    rng = np.random.default_rng(0)
    words = ["hadoop", "yarn", "hive", "broker", "queue", "table", "partition", "consumer", "scheduler"]
    docs = [f"The {' '.join(rng.choice(words, 4))} cluster failed http://host/{i}/log see trace.\n{sig}"
            for i in range(60)]
    vec = tm.TextVectorizer(clean="auto", min_df=1)
    X = vec.fit_transform(docs)
    assert vec.cleaner_ is not None and "urls" in vec.cleaner_.active_rules_
    assert not any(t.startswith(("http", "host", "corpor", "phone")) for t in vec.get_feature_names_out())
    nmf = tm.TopicNMF(3, n_restarts=1, random_state=0).fit(X)
    path = tm.save_model(tm.TopicModel(vec, nmf), tmp_path / "clean.topicmf")
    loaded = tm.load_model(path)
    new = ["The yarn cluster failed http://other/host/path again.\n" + sig]
    assert (loaded.vectorizer.transform(new) != vec.transform(new)).nnz == 0
    assert loaded.vectorizer.cleaner_.transform(new) == vec.cleaner_.transform(new)
    np.testing.assert_array_equal(loaded.transform(new), tm.TopicModel(vec, nmf).transform(new))
