"""Model files without pickle: JSON and NumPy arrays in one zip archive.

A ``.topicmf`` file (format version 2) holds exactly five members::

    manifest.json    format name and version, library versions and backend,
                     sizes, SHA-256 of the other members
    vectorizer.json  TextVectorizer.to_state(): settings, stop words, vocabulary, labels
    nmf.json         TopicNMF.to_state(): settings and scalar fitted values
    model.json       the TopicModel's own settings and provenance (info)
    arrays.npz       the arrays of both estimators ("vectorizer.idf", "nmf.components", ...)

The estimators own what their state is (``to_state`` / ``from_state``, checked
with the constructor's rules), so this module lists no estimator parameter.
Version 1 files (four members, flat settings) still load.

Loading treats the file as hostile: member names are checked against the
list above; each member's declared size is checked against limits derived from
the manifest before it is read, and it is read in bounded chunks; every array
header in ``arrays.npz`` is checked (name, dtype, shape consistent with the
manifest and with the other arrays) before its data are allocated, and read
with ``allow_pickle=False``; checksums must match. Nothing in a file can run
code. Every problem raises ``ValueError`` naming the file and what is wrong.

Saving is atomic: the file is written beside its destination under a
temporary name, flushed to disk, then renamed over the destination, so an
interrupted save never destroys the model that was there.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import tempfile
import zipfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from ..defaults import LOW_CONFIDENCE
from ..provenance import library_versions
from .topic_model import TopicModel

__all__ = ["save_model", "load_model", "read_manifest", "FORMAT_NAME", "FORMAT_VERSION", "MAX_JSON_BYTES"]

FORMAT_NAME = "topicmf-model"
FORMAT_VERSION = 2
_MEMBERS = {
    1: ("manifest.json", "vectorizer.json", "nmf.json", "arrays.npz"),
    2: ("manifest.json", "vectorizer.json", "nmf.json", "model.json", "arrays.npz"),
}
#: Largest JSON member read (the vocabulary of 10 million terms fits).
MAX_JSON_BYTES = 512 * 2**20
_CHUNK = 2**20
_ARRAY_DTYPES = {"f": ("<f8", "<f4"), "i": ("<i8", "<i4"), "b": ("|b1",)}


def _bad(path: Path, what: str) -> ValueError:
    return ValueError(f"{path}: {what}")


def _jsonable(v: Any) -> Any:
    if isinstance(v, np.generic):
        return v.item()
    return v


# -- saving ---------------------------------------------------------------------
def _backend_versions() -> dict[str, str]:
    from ..factorize import backend

    return backend()


def save_model(model_or_report: Any, path: str | Path) -> str:
    """Save a fitted model (a :class:`~topicmf.TopicModel` or a ``TopicReport``) to ``path``.

    The write is atomic (temporary file in the same folder, fsync, rename).

    Returns
    -------
    str
        The path written.

    Raises
    ------
    TypeError
        Not a TopicModel or TopicReport.
    OSError
        The folder cannot be written (the previous file, if any, is intact).
    """
    model = model_or_report.to_model() if hasattr(model_or_report, "to_model") else model_or_report
    if not isinstance(model, TopicModel):
        raise TypeError(f"save_model: expected a TopicModel or TopicReport; got {type(model_or_report).__name__}.")
    if not hasattr(model.vectorizer, "to_state"):
        raise TypeError(f"save_model: the model's vectorizer is a {type(model.vectorizer).__name__}; model files "
                        "hold a topicmf TextVectorizer (its state is plain data, never a pickle).")
    vec_doc, vec_arrays = model.vectorizer.to_state()
    nmf_doc, nmf_arrays = model.nmf.to_state()
    model_doc = {
        "low_confidence": float(model.low_confidence),
        "info": {k: _jsonable(v) for k, v in model.info.items()
                 if isinstance(_jsonable(v), (str, int, float, bool)) and not isinstance(k, bool)},
    }
    arrays = {f"vectorizer.{k}": v for k, v in vec_arrays.items()}
    arrays.update({f"nmf.{k}": v for k, v in nmf_arrays.items()})
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    payload = {
        "vectorizer.json": json.dumps(vec_doc).encode("utf-8"),
        "nmf.json": json.dumps(nmf_doc).encode("utf-8"),
        "model.json": json.dumps(model_doc).encode("utf-8"),
        "arrays.npz": buf.getvalue(),
    }
    H = model.nmf.components_
    manifest = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "versions": {**library_versions(), **_backend_versions()},
        "n_topics": int(H.shape[0]),
        "n_terms": int(H.shape[1]),
        "n_restarts": int(len(model.nmf.restart_losses_)),
        "n_iter": int(len(model.nmf.loss_history_)),
        "sha256": {name: hashlib.sha256(data).hexdigest() for name, data in payload.items()},
    }
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_DEFLATED) as zf:
                zf.writestr("manifest.json", json.dumps(manifest, indent=2))
                for name, data in payload.items():
                    zf.writestr(name, data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return str(path)


# -- loading --------------------------------------------------------------------
def _read_member(zf: zipfile.ZipFile, path: Path, name: str, limit: int) -> bytes:
    info = zf.getinfo(name)
    if info.file_size > limit:
        raise _bad(path, f"member {name!r} declares {info.file_size:,} bytes, over the limit of {limit:,} "
                         "for this model (refused before reading).")
    out = bytearray()
    with zf.open(info) as fh:
        while True:
            chunk = fh.read(_CHUNK)
            if not chunk:
                break
            out += chunk
            if len(out) > limit:
                raise _bad(path, f"member {name!r} inflates past the limit of {limit:,} bytes.")
    return bytes(out)


def _open_checked(path: Path) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The manifest and the raw members, each within its limit, checksums verified."""
    if not path.exists():
        raise FileNotFoundError(f"load_model: no such model file: {str(path)!r}.")
    if not path.is_file():
        raise _bad(path, "not a file (a model file is a .topicmf zip archive).")
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            if "manifest.json" not in names:
                raise _bad(path, "not a topicmf model file (no manifest.json).")
            manifest = _json(path, "manifest.json", _read_member(zf, path, "manifest.json", 2**20))
            version = _check_manifest_head(path, manifest)
            expected = _MEMBERS[version]
            unexpected = sorted(set(names) - set(expected))
            if unexpected:
                raise _bad(path, f"unexpected member {unexpected[0]!r}; a topicmf model holds only "
                                 f"{', '.join(expected)} (refused: files are never unpickled or executed).")
            if len(names) != len(set(names)):
                raise _bad(path, "duplicate member names in the archive.")
            missing = [m for m in expected if m not in names]
            if missing:
                raise _bad(path, f"model file is incomplete: member {missing[0]!r} is missing.")
            members = {"manifest.json": b""}
            for name in expected[1:]:
                limit = _array_limit(manifest) if name == "arrays.npz" else MAX_JSON_BYTES
                members[name] = _read_member(zf, path, name, limit)
    except zipfile.BadZipFile as exc:
        raise _bad(path, f"not a readable topicmf model file (corrupt or truncated zip archive: {exc}).") from None
    except (EOFError, OSError, zipfile.LargeZipFile, NotImplementedError, RuntimeError, zlib.error) as exc:
        raise _bad(path, f"cannot read the model file (truncated or corrupt: {exc}).") from None
    except ValueError as exc:
        if str(exc).startswith(str(path)):
            raise
        raise _bad(path, f"cannot read the model file ({exc}).") from None
    sums = manifest.get("sha256")
    if not isinstance(sums, dict):
        raise _bad(path, "manifest has no checksums.")
    for name in _MEMBERS[version][1:]:
        if sums.get(name) != hashlib.sha256(members[name]).hexdigest():
            raise _bad(path, f"corrupt model file: checksum of {name!r} does not match the manifest.")
    return manifest, members


def _json(path: Path, name: str, data: bytes) -> dict[str, Any]:
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise _bad(path, f"member {name!r} is not valid JSON ({exc}).") from None
    if not isinstance(doc, dict):
        raise _bad(path, f"member {name!r} must hold a JSON object.")
    return doc


def _positive_int(path: Path, manifest: dict[str, Any], key: str, limit: int) -> int:
    v = manifest.get(key)
    if not isinstance(v, int) or isinstance(v, bool) or not 0 < v <= limit:
        raise _bad(path, f"manifest field {key!r} must be an integer in [1, {limit:,}]; got {v!r}.")
    return v


def _check_manifest_head(path: Path, manifest: dict[str, Any]) -> int:
    if manifest.get("format") != FORMAT_NAME:
        raise _bad(path, f"not a topicmf model file (format {manifest.get('format')!r}).")
    version = manifest.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise _bad(path, f"format_version must be an integer; got {version!r}.")
    if version > FORMAT_VERSION:
        raise _bad(path, f"written by a newer topicmf (model format {version}; this version reads up to "
                         f"{FORMAT_VERSION}); upgrade topicmf to load it.")
    if version not in _MEMBERS:
        raise _bad(path, f"unknown model format version {version}.")
    _positive_int(path, manifest, "n_topics", 100_000)
    _positive_int(path, manifest, "n_terms", 10_000_000)
    if version >= 2:
        _positive_int(path, manifest, "n_restarts", 10_000)
        _positive_int(path, manifest, "n_iter", 10_000_000)
    return version


def _array_limit(manifest: dict[str, Any]) -> int:
    """Bytes the arrays of a model of the manifest's sizes may take (with headroom)."""
    k, m = manifest["n_topics"], manifest["n_terms"]
    r = manifest.get("n_restarts", 64) if isinstance(manifest.get("n_restarts"), int) else 64
    it = manifest.get("n_iter", 100_000) if isinstance(manifest.get("n_iter"), int) else 100_000
    return 8 * (m + k * m * (1 + r) + 3 * r + it) + 2**20


def _expected_shapes(manifest: dict[str, Any], version: int) -> dict[str, tuple[str, tuple[int | None, ...]]]:
    k, m = manifest["n_topics"], manifest["n_terms"]
    r = manifest.get("n_restarts") if version >= 2 else None
    it = manifest.get("n_iter") if version >= 2 else None
    prefix = ("vectorizer.", "nmf.") if version >= 2 else ("", "")
    names = {"idf": prefix[0] + "idf"}
    for a in ("components", "loss_history", "restart_losses", "restart_components", "restart_converged",
              "restart_n_iter"):
        names[a] = prefix[1] + a
    return {
        names["idf"]: ("f", (m,)),
        names["components"]: ("f", (k, m)),
        names["loss_history"]: ("f", (it,)),
        names["restart_losses"]: ("f", (r,)),
        names["restart_components"]: ("f", (r, k, m)),
        names["restart_converged"]: ("b", (r,)),
        names["restart_n_iter"]: ("i", (r,)),
    }


def _read_arrays(path: Path, data: bytes, manifest: dict[str, Any], version: int) -> dict[str, np.ndarray]:
    """Every array of ``arrays.npz``, each header checked before its data are read."""
    expected = _expected_shapes(manifest, version)
    out: dict[str, np.ndarray] = {}
    n_restarts: int | None = None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as npz:
            names = npz.namelist()
            stems = [n[:-4] if n.endswith(".npy") else n for n in names]
            unexpected = sorted(set(stems) - set(expected))
            if unexpected:
                raise _bad(path, f"arrays.npz holds an unexpected array {unexpected[0]!r}.")
            missing = sorted(set(expected) - set(stems))
            if missing:
                raise _bad(path, f"arrays.npz lacks the array {missing[0]!r}.")
            for member, name in zip(names, stems):
                kind, shape = expected[name]
                with npz.open(member) as fh:
                    version_ = np.lib.format.read_magic(fh)
                    if version_ == (1, 0):
                        got_shape, fortran, dtype = np.lib.format.read_array_header_1_0(fh)
                    elif version_ == (2, 0):
                        got_shape, fortran, dtype = np.lib.format.read_array_header_2_0(fh)
                    else:
                        raise _bad(path, f"array {name!r} has an unsupported .npy version {version_}.")
                    if dtype.hasobject or dtype.str not in _ARRAY_DTYPES[kind]:
                        raise _bad(path, f"array {name!r} has dtype {dtype.str}; expected one of "
                                         f"{', '.join(_ARRAY_DTYPES[kind])} (pickled objects are refused).")
                    if len(got_shape) != len(shape):
                        raise _bad(path, f"array {name!r} has shape {got_shape}; expected {len(shape)} dimensions.")
                    want = tuple(got_shape[i] if s is None else s for i, s in enumerate(shape))
                    if name.endswith(("restart_losses", "restart_converged", "restart_n_iter",
                                      "restart_components")):
                        n_restarts = got_shape[0] if n_restarts is None else n_restarts
                        want = (n_restarts, *want[1:])
                    if tuple(got_shape) != want or (name.endswith("loss_history") and got_shape[0] > 10_000_000) \
                            or (n_restarts is not None and n_restarts > 10_000):
                        raise _bad(path, f"array {name!r} has shape {tuple(got_shape)}; expected {want} "
                                         "from the manifest and the other arrays.")
                    count = int(np.prod(got_shape, dtype=np.int64))
                    raw = _read_exact(fh, count * dtype.itemsize, path, name)
                    flat = np.frombuffer(raw, dtype=dtype)
                    out[name] = flat.reshape(got_shape, order="F" if fortran else "C").copy()
    except zipfile.BadZipFile as exc:
        raise _bad(path, f"arrays.npz is not a readable NumPy archive ({exc}).") from None
    except (OSError, EOFError, zlib.error) as exc:
        raise _bad(path, f"arrays.npz is corrupt ({exc}).") from None
    except ValueError as exc:
        if str(exc).startswith(str(path)):
            raise
        raise _bad(path, f"arrays.npz holds a malformed array ({exc}).") from None
    return out


def _read_exact(fh: Any, size: int, path: Path, name: str) -> bytes:
    out = bytearray()
    while len(out) < size:
        chunk = fh.read(min(_CHUNK, size - len(out)))
        if not chunk:
            raise _bad(path, f"array {name!r} is truncated.")
        out += chunk
    if fh.read(1):
        raise _bad(path, f"array {name!r} has trailing data.")
    return bytes(out)


def _upgrade_v1(vec_doc: dict[str, Any], nmf_doc: dict[str, Any]) -> tuple[dict, dict, dict]:
    """Version 1 documents (flat settings) in the version 2 layout."""
    vec_params = ("lowercase", "accents", "token_pattern", "min_token_length", "numbers", "stemmer",
                  "lemmatizer", "min_df", "max_df", "max_features", "sublinear_tf", "norm", "ngram_range", "dtype")
    nmf_params = ("n_topics", "l1_W", "l1_H", "l2_W", "l2_H", "optimizer", "n_restarts", "init", "max_iter",
                  "tol", "inner_sweeps", "race", "dtype", "n_jobs", "verbose", "random_state")
    vec = {"params": {k: vec_doc[k] for k in vec_params},
           "fitted": {"stop_words": vec_doc["stop_words"], "terms": vec_doc["terms"],
                      "term_labels": vec_doc["term_labels"], "n_documents": vec_doc["n_documents"],
                      "n_empty_documents": vec_doc["n_empty_documents"]}}
    vec["params"]["stop_words"] = vec_doc["stop_words"]
    nmf = {"params": {k: nmf_doc[k] for k in nmf_params},
           "fitted": {"n_iter_": nmf_doc["n_iter"], "reconstruction_err_": nmf_doc["reconstruction_err"],
                      "best_restart_": nmf_doc["best_restart"], "n_features_in_": nmf_doc["n_features_in"]}}
    model = {"low_confidence": nmf_doc.get("low_confidence", LOW_CONFIDENCE), "info": nmf_doc.get("info", {})}
    return vec, nmf, model


def read_manifest(path: str | Path) -> dict[str, Any]:
    """The checked manifest of a model file (format, versions, sizes)."""
    return _open_checked(Path(path))[0]


def load_model(path: str | Path) -> TopicModel:
    """Load a model file written by :func:`save_model`; returns a :class:`~topicmf.TopicModel`.

    Loads under either backend (Aesara or PyTensor), whichever wrote it.

    Raises
    ------
    FileNotFoundError
        No such file.
    ValueError
        Not a topicmf model, corrupt, truncated or oversized, written by a
        newer topicmf, holding anything but JSON and plain NumPy arrays (e.g.
        a pickle), or holding settings or arrays that fail the estimators' checks.
    """
    from ..factorize import TopicNMF
    from ..vectorize import TextVectorizer

    path = Path(path)
    manifest, members = _open_checked(path)
    version = manifest["format_version"]
    vec_doc = _json(path, "vectorizer.json", members["vectorizer.json"])
    nmf_doc = _json(path, "nmf.json", members["nmf.json"])
    arrays = _read_arrays(path, members["arrays.npz"], manifest, version)
    try:
        if version == 1:
            vec_doc, nmf_doc, model_doc = _upgrade_v1(vec_doc, nmf_doc)
            vec_arrays = {"idf": arrays["idf"]}
            nmf_arrays = {k: v for k, v in arrays.items() if k != "idf"}
        else:
            model_doc = _json(path, "model.json", members["model.json"])
            vec_arrays = {k.split(".", 1)[1]: v for k, v in arrays.items() if k.startswith("vectorizer.")}
            nmf_arrays = {k.split(".", 1)[1]: v for k, v in arrays.items() if k.startswith("nmf.")}
        vec = TextVectorizer.from_state(vec_doc, vec_arrays)
        nmf = TopicNMF.from_state(nmf_doc, nmf_arrays)
        if nmf.components_.shape[1] != len(vec.vocabulary_):
            raise ValueError(f"H has {nmf.components_.shape[1]} columns for {len(vec.vocabulary_)} terms.")
        low = model_doc.get("low_confidence", LOW_CONFIDENCE)
        if not isinstance(low, (int, float)) or isinstance(low, bool) or not 0.0 <= low <= 1.0:
            raise ValueError(f"'low_confidence' must be a number in [0, 1]; got {low!r}.")
        info = model_doc.get("info", {})
        if not isinstance(info, dict):
            raise ValueError("'info' must be an object.")
        info = {str(k): v for k, v in info.items() if isinstance(v, (str, int, float, bool))}
    except (KeyError, TypeError) as exc:
        raise _bad(path, f"model file is missing or has a malformed field ({exc!r}).") from None
    except ValueError as exc:
        raise _bad(path, f"invalid model: {exc}") from None
    versions: dict[str, Any] = manifest["versions"] if isinstance(manifest.get("versions"), dict) else {}
    info.update({"format_version": version, "created": str(manifest.get("created")),
                 "written_by": str(versions.get("topicmf", "?")),
                 "written_with_backend": str(versions.get("backend", "aesara"))})
    return TopicModel(vec, nmf, low_confidence=float(low), info=info)
