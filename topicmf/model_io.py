"""Model files without pickle: JSON and NumPy arrays in one zip archive.

A ``.topicmf`` file holds exactly four members::

    manifest.json    format name and version, library versions, SHA-256 of the others
    vectorizer.json  every TextVectorizer setting, the resolved stop words, the
                     vocabulary in column order and the readable term labels
    nmf.json         TopicNMF settings and scalar fitted attributes, provenance
    arrays.npz       idf, H (components), restart H's and losses (no object arrays)

Loading checks the format, version, member names and checksums, and reads the
arrays with ``allow_pickle=False``: nothing in a file can run code. Every
problem raises ``ValueError`` naming the file and what is wrong.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["save_model", "load_model", "FORMAT_NAME", "FORMAT_VERSION", "read_manifest"]

FORMAT_NAME = "topicmf-model"
FORMAT_VERSION = 1
_MEMBERS = ("manifest.json", "vectorizer.json", "nmf.json", "arrays.npz")

_VEC_PARAMS = ("lowercase", "accents", "token_pattern", "min_token_length", "numbers", "stemmer",
               "lemmatizer", "min_df", "max_df", "max_features", "sublinear_tf", "norm")
_NMF_PARAMS = ("n_topics", "l1_W", "l1_H", "l2_W", "l2_H", "optimizer", "n_restarts", "init", "max_iter",
               "tol", "inner_sweeps", "race", "dtype", "n_jobs", "verbose")


def _jsonable(v: Any) -> Any:
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating,)):
        return float(v)
    if isinstance(v, tuple):
        return list(v)
    return v


def _versions() -> dict[str, str]:
    from .report.report import _versions as versions

    return versions()


def save_model(model_or_report: Any, path: str | Path) -> str:
    """Save a fitted model (a :class:`~topicmf.TopicModel` or a ``TopicReport``) to ``path``.

    Returns
    -------
    str
        The path written.
    """
    from .model import TopicModel
    from .preprocess.stopwords import resolve_stop_words

    model = model_or_report.to_model() if hasattr(model_or_report, "to_model") else model_or_report
    if not isinstance(model, TopicModel):
        raise TypeError(f"save_model: expected a TopicModel or TopicReport; got {type(model_or_report).__name__}.")
    vec, nmf = model.vectorizer, model.nmf
    terms = vec.get_feature_names_out()
    vec_doc = {k: _jsonable(getattr(vec, k)) for k in _VEC_PARAMS}
    vec_doc.update({
        "ngram_range": list(vec.ngram_range),
        "dtype": np.dtype(vec.dtype).name,
        "stop_words": sorted(resolve_stop_words(vec.stop_words, vec.extra_stop_words)),
        "terms": [str(t) for t in terms],
        "term_labels": [str(t) for t in vec.get_term_labels()],
        "n_documents": int(getattr(vec, "n_documents_", 0)),
        "n_empty_documents": int(getattr(vec, "n_empty_documents_", 0)),
    })
    nmf_doc = {k: _jsonable(getattr(nmf, k)) for k in _NMF_PARAMS}
    rs = nmf.random_state
    nmf_doc["random_state"] = int(rs) if isinstance(rs, (int, np.integer)) else None
    nmf_doc.update({
        "n_iter": int(nmf.n_iter_),
        "reconstruction_err": float(nmf.reconstruction_err_),
        "best_restart": int(nmf.best_restart_),
        "n_features_in": int(nmf.n_features_in_),
        "low_confidence": float(model.low_confidence),
        "info": {k: _jsonable(v) for k, v in model.info.items() if isinstance(_jsonable(v), (str, int, float, bool))},
    })
    arrays = {
        "idf": np.asarray(vec.idf_, dtype=np.float64),
        "components": np.asarray(nmf.components_),
        "loss_history": np.asarray(nmf.loss_history_, dtype=np.float64),
        "restart_losses": np.asarray(nmf.restart_losses_, dtype=np.float64),
        "restart_components": np.stack(nmf.restart_components_),
        "restart_converged": np.asarray(nmf.restart_converged_, dtype=bool),
        "restart_n_iter": np.asarray(nmf.restart_n_iter_, dtype=np.int64),
    }
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    payload = {
        "vectorizer.json": json.dumps(vec_doc).encode("utf-8"),
        "nmf.json": json.dumps(nmf_doc).encode("utf-8"),
        "arrays.npz": buf.getvalue(),
    }
    manifest = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "versions": _versions(),
        "n_topics": int(nmf.components_.shape[0]),
        "n_terms": int(len(terms)),
        "sha256": {name: hashlib.sha256(data).hexdigest() for name, data in payload.items()},
    }
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.json", json.dumps(manifest, indent=2))
        for name, data in payload.items():
            zf.writestr(name, data)
    return str(path)


def _bad(path: Path, what: str) -> ValueError:
    return ValueError(f"{path}: {what}")


def _read_members(path: Path) -> dict[str, bytes]:
    if not path.is_file():
        raise FileNotFoundError(f"load_model: no such model file: {str(path)!r}.")
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            unexpected = sorted(set(names) - set(_MEMBERS))
            if "manifest.json" not in names:
                raise _bad(path, "not a topicmf model file (no manifest.json).")
            if unexpected:
                raise _bad(path, f"unexpected member {unexpected[0]!r}; a topicmf model holds only "
                                 f"{', '.join(_MEMBERS)} (refused: files are never unpickled or executed).")
            missing = [m for m in _MEMBERS if m not in names]
            if missing:
                raise _bad(path, f"model file is incomplete: member {missing[0]!r} is missing.")
            return {name: zf.read(name) for name in _MEMBERS}
    except zipfile.BadZipFile as exc:
        raise _bad(path, f"not a readable topicmf model file (corrupt or truncated zip archive: {exc}).") from None
    except (EOFError, OSError, zipfile.LargeZipFile) as exc:
        raise _bad(path, f"cannot read the model file (truncated or corrupt: {exc}).") from None


def _json(path: Path, name: str, data: bytes) -> dict[str, Any]:
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _bad(path, f"member {name!r} is not valid JSON ({exc}).") from None
    if not isinstance(doc, dict):
        raise _bad(path, f"member {name!r} must hold a JSON object.")
    return doc


def read_manifest(path: str | Path) -> dict[str, Any]:
    """The checked manifest of a model file (format, versions, sizes)."""
    path = Path(path)
    members = _read_members(path)
    return _check_manifest(path, members)


def _check_manifest(path: Path, members: dict[str, bytes]) -> dict[str, Any]:
    manifest = _json(path, "manifest.json", members["manifest.json"])
    if manifest.get("format") != FORMAT_NAME:
        raise _bad(path, f"not a topicmf model file (format {manifest.get('format')!r}).")
    version = manifest.get("format_version")
    if not isinstance(version, int):
        raise _bad(path, f"format_version must be an integer; got {version!r}.")
    if version > FORMAT_VERSION:
        raise _bad(path, f"written by a newer topicmf (model format {version}; this version reads up to "
                         f"{FORMAT_VERSION}); upgrade topicmf to load it.")
    sums = manifest.get("sha256", {})
    for name in _MEMBERS[1:]:
        if sums.get(name) != hashlib.sha256(members[name]).hexdigest():
            raise _bad(path, f"corrupt model file: checksum of {name!r} does not match the manifest.")
    return manifest


def load_model(path: str | Path):
    """Load a model file written by :func:`save_model`; returns a :class:`~topicmf.TopicModel`.

    Raises
    ------
    FileNotFoundError
        No such file.
    ValueError
        Not a topicmf model, corrupt or truncated, written by a newer topicmf,
        or holding anything but JSON and plain NumPy arrays (e.g. a pickle).
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    from .factorize import TopicNMF
    from .model import TopicModel
    from .vectorize import TextVectorizer

    path = Path(path)
    members = _read_members(path)
    manifest = _check_manifest(path, members)
    vec_doc = _json(path, "vectorizer.json", members["vectorizer.json"])
    nmf_doc = _json(path, "nmf.json", members["nmf.json"])
    try:
        with np.load(io.BytesIO(members["arrays.npz"]), allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
    except ValueError as exc:
        raise _bad(path, f"arrays.npz holds pickled objects, which are refused ({exc}).") from None
    except (OSError, zipfile.BadZipFile, EOFError) as exc:
        raise _bad(path, f"arrays.npz is not a readable NumPy archive ({exc}).") from None
    try:
        terms = list(vec_doc["terms"])
        params = {k: vec_doc[k] for k in _VEC_PARAMS}
        params["ngram_range"] = tuple(vec_doc["ngram_range"])
        params["dtype"] = np.dtype(vec_doc["dtype"])
        params["stop_words"] = list(vec_doc["stop_words"])
        idf = arrays["idf"]
        H = arrays["components"]
        if len(idf) != len(terms) or H.shape[1] != len(terms) or H.shape[0] != manifest.get("n_topics"):
            raise _bad(path, f"inconsistent model: {len(terms)} terms, {len(idf)} idf weights, H of shape {H.shape}.")
        vec = TextVectorizer(**params)
        analyzer = vec._build_analyzer()
        tfidf = TfidfVectorizer(analyzer=analyzer, vocabulary={t: i for i, t in enumerate(terms)},
                                norm=params["norm"], sublinear_tf=params["sublinear_tf"], dtype=params["dtype"])
        tfidf.idf_ = idf
        vec.analyzer_, vec.tfidf_, vec.vocabulary_, vec.idf_ = analyzer, tfidf, tfidf.vocabulary_, idf
        vec.term_labels_ = np.array(vec_doc["term_labels"], dtype=object)
        vec.n_documents_ = int(vec_doc["n_documents"])
        vec.n_empty_documents_ = int(vec_doc["n_empty_documents"])

        nmf = TopicNMF(**{k: nmf_doc[k] for k in _NMF_PARAMS}, random_state=nmf_doc["random_state"])
        nmf.components_ = H
        nmf.n_components_ = H.shape[0]
        nmf.n_iter_ = int(nmf_doc["n_iter"])
        nmf.reconstruction_err_ = float(nmf_doc["reconstruction_err"])
        nmf.best_restart_ = int(nmf_doc["best_restart"])
        nmf.n_features_in_ = int(nmf_doc["n_features_in"])
        nmf.loss_history_ = arrays["loss_history"]
        nmf.restart_losses_ = arrays["restart_losses"]
        nmf.restart_components_ = list(arrays["restart_components"])
        nmf.restart_converged_ = arrays["restart_converged"]
        nmf.restart_n_iter_ = arrays["restart_n_iter"]
        nmf.compile_seconds_ = 0.0
        info = dict(nmf_doc.get("info", {}))
        info.update({"format_version": manifest["format_version"], "created": manifest.get("created"),
                     "written_by": str(manifest.get("versions", {}).get("topicmf", "?"))})
        return TopicModel(vec, nmf, low_confidence=float(nmf_doc["low_confidence"]), info=info)
    except (KeyError, TypeError) as exc:
        raise _bad(path, f"model file is missing or has a malformed field ({exc!r}).") from None
