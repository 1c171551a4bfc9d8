import gzip
import json
import warnings

import pandas as pd
import pytest
from conftest import write_partitions

import topicmf as tm


def _records():
    return [
        {"id": "a", "text": "Rates rise at the bank", "label": "economy", "date": "2024-01-01", "source": "x"},
        {"id": "b", "text": "The striker scored twice", "label": "sport", "date": "2024-01-02", "source": "y"},
        {"id": "c", "text": "Vaccine trial opens", "label": "health", "date": "2024-01-03", "source": "x"},
    ]


def _check(corpus, labels=True):
    assert len(corpus) == 3
    assert corpus.texts[1] == "The striker scored twice"
    assert corpus.ids == ["a", "b", "c"]
    if labels:
        assert corpus.labels == ["economy", "sport", "health"]
    assert list(corpus.metadata.columns) == ["date", "source"]
    assert corpus.metadata["source"].tolist() == ["x", "y", "x"]


def test_bundled_corpus_and_index():
    table = tm.list_corpora()
    assert "newsroom" in table["name"].tolist()
    corpus = tm.load_corpus("newsroom")
    assert len(corpus) == int(table.set_index("name").loc["newsroom", "n_documents"]) >= 200
    assert len(set(corpus.labels)) >= 5
    assert {"date", "source"} <= set(corpus.metadata.columns)
    words = [len(t.split()) for t in corpus.texts]
    assert 40 <= min(words) and max(words) <= 200
    assert len(set(corpus.ids)) == len(corpus)


def test_list_of_strings_and_dataframe():
    c = tm.load_corpus(["one doc", "two doc"])
    assert c.ids == ["0", "1"] and c.labels is None and len(c) == 2
    _check(tm.load_corpus(pd.DataFrame(_records()), label_column="label"))


@pytest.mark.parametrize("sep,suffix", [(",", ".csv"), ("\t", ".tsv")])
def test_csv_tsv(tmp_path, sep, suffix):
    path = tmp_path / f"docs{suffix}"
    pd.DataFrame(_records()).to_csv(path, sep=sep, index=False)
    _check(tm.load_corpus(path, label_column="label"))


@pytest.mark.parametrize("gz", [False, True])
def test_jsonl(tmp_path, gz):
    data = "\n".join(json.dumps(r) for r in _records()).encode()
    path = tmp_path / ("docs.jsonl.gz" if gz else "docs.jsonl")
    path.write_bytes(gzip.compress(data) if gz else data)
    _check(tm.load_corpus(str(path), label_column="label"))


def test_json_array(tmp_path):
    path = tmp_path / "docs.json"
    path.write_text(json.dumps(_records()), encoding="utf-8")
    _check(tm.load_corpus(path, label_column="label"))
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(ValueError, match="objects only"):
        tm.load_corpus(bad)


def test_parquet(tmp_path):
    pytest.importorskip("pyarrow")
    path = tmp_path / "docs.parquet"
    pd.DataFrame(_records()).to_parquet(path)
    _check(tm.load_corpus(path, label_column="label"))


def test_folder_recursive_with_labels(tmp_path):
    (tmp_path / "sport").mkdir()
    (tmp_path / "economy" / "deep").mkdir(parents=True)
    (tmp_path / "sport" / "1.txt").write_text("goal goal", encoding="utf-8")
    (tmp_path / "economy" / "deep" / "2.txt").write_text("bank rates", encoding="utf-8")
    (tmp_path / "economy" / "ignore.md").write_text("not a doc", encoding="utf-8")
    c = tm.load_corpus(tmp_path, label_from_folder=True)
    assert c.ids == ["economy/deep/2", "sport/1"]
    assert c.labels == ["economy", "sport"]
    assert c.texts == ["bank rates", "goal goal"]
    assert tm.load_corpus(tmp_path).labels is None


def test_missing_text_column_lists_columns(tmp_path):
    path = tmp_path / "d.csv"
    pd.DataFrame(_records()).to_csv(path, index=False)
    with pytest.raises(ValueError, match=r"text_column='body'.*\['id', 'text', 'label', 'date', 'source'\]"):
        tm.load_corpus(path, text_column="body")


def test_duplicate_ids_rejected():
    frame = pd.DataFrame({"id": ["a", "b", "a"], "text": ["x", "y", "z"]})
    with pytest.raises(ValueError, match=r"duplicate document id 'a' \(documents 0 and 2\)"):
        tm.load_corpus(frame)


def test_empty_file_and_missing_path(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(ValueError, match="is empty"):
        tm.load_corpus(empty)
    with pytest.raises(FileNotFoundError, match="no such file"):
        tm.load_corpus(tmp_path / "nope.jsonl")
    header_only = tmp_path / "h.csv"
    header_only.write_text("id,text\n")
    with pytest.raises(ValueError, match="holds no documents"):
        tm.load_corpus(header_only)


def test_bad_json_names_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "ok"}\n{"text": oops}\n')
    with pytest.raises(ValueError, match="line 2"):
        tm.load_corpus(path)


def test_undecodable_bytes_replaced_and_counted(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes(b"id,text\n1,caf\xe9 au lait\n2,pound \xa3 and \xff\n")
    with pytest.warns(UnicodeWarning, match="3 undecodable"):
        c = tm.load_corpus(path)
    assert c.n_replaced_bytes == 3
    assert c.texts[0] == "caf\ufffd au lait"


def test_valid_utf8_no_warning(tmp_path):
    path = tmp_path / "ok.csv"
    path.write_text("id,text\n1,café\n", encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert tm.load_corpus(path).texts == ["café"]


def test_to_frame_roundtrip(newsroom):
    frame = newsroom.to_frame()
    assert list(frame.columns[:3]) == ["id", "text", "label"]
    again = tm.load_corpus(frame, label_column="label")
    assert again.ids == newsroom.ids and again.labels == newsroom.labels


# -- a folder (or glob) of partition files is one corpus ------------------------------------

@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_a_folder_of_partition_files_is_one_corpus(tmp_path, fmt):
    corpus = tm.load_corpus("newsroom")
    folder = write_partitions(corpus, tmp_path / "parts", [0, 100, 101, 240], fmt)
    for source in (folder, str(folder), str(folder / f"*.{fmt}")):
        read = tm.load_corpus(source, label_column="label")
        assert read.texts == corpus.texts and read.ids == corpus.ids and read.labels == corpus.labels


def test_partitions_without_ids_get_file_and_row(tmp_path):
    folder = tmp_path / "p"
    folder.mkdir()
    (folder / "part-0.jsonl").write_text('{"text": "one"}\n{"text": "two"}\n', encoding="utf-8")
    (folder / "part-1.csv").write_text("text\nthree\n", encoding="utf-8")
    (folder / ".hidden.jsonl").write_text('{"text": "never read"}\n', encoding="utf-8")
    read = tm.load_corpus(folder)
    assert read.texts == ["one", "two", "three"]
    assert read.ids == ["part-0.jsonl:0", "part-0.jsonl:1", "part-1.csv:0"]


def test_partitions_with_the_same_id_twice_are_refused(tmp_path):
    folder = tmp_path / "p"
    folder.mkdir()
    for i in range(2):
        (folder / f"part-{i}.jsonl").write_text('{"id": "a", "text": "x"}\n', encoding="utf-8")
    with pytest.raises(tm.CorpusInputError, match="duplicate document id 'a'"):
        tm.load_corpus(folder)


def test_a_folder_of_txt_documents_is_still_one_document_per_file(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text("first line\nsecond line\n", encoding="utf-8")
    (folder / "meta.jsonl").write_text('{"text": "not a document"}\n', encoding="utf-8")
    read = tm.load_corpus(folder)
    assert read.ids == ["a"] and read.texts == ["first line\nsecond line\n"]


def test_a_glob_matching_nothing_is_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match="no partition file matches"):
        tm.load_corpus(str(tmp_path / "*.jsonl"))


def test_an_existing_path_with_glob_characters_is_a_path(tmp_path):
    path = tmp_path / "news[2024].jsonl"
    path.write_text('{"text": "one"}\n', encoding="utf-8")
    assert tm.load_corpus(path).texts == ["one"] and tm.load_corpus(str(path)).texts == ["one"]
    folder = tmp_path / "fold[er]"
    folder.mkdir()
    (folder / "a.txt").write_text("doc", encoding="utf-8")
    assert tm.load_corpus(str(folder)).texts == ["doc"]


def test_nested_partitions_get_ids_by_relative_path_and_hidden_parts_are_skipped(tmp_path):
    for year in ("year=2020", "year=2021"):
        (tmp_path / "p" / year).mkdir(parents=True)
        (tmp_path / "p" / year / "part-00.jsonl").write_text(f'{{"text": "{year}"}}\n', encoding="utf-8")
    (tmp_path / "p" / "_temporary").mkdir()
    (tmp_path / "p" / "_temporary" / "part-00.jsonl").write_text('{"text": "half written"}\n', encoding="utf-8")
    (tmp_path / "p" / ".ipynb_checkpoints").mkdir()
    (tmp_path / "p" / ".ipynb_checkpoints" / "part-00-checkpoint.jsonl").write_text('{"text": "copy"}\n',
                                                                                      encoding="utf-8")
    (tmp_path / "p" / ".readme.txt").write_text("not a document", encoding="utf-8")
    (tmp_path / "p" / "_SUCCESS").write_text("", encoding="utf-8")
    read = tm.load_corpus(tmp_path / "p")
    assert read.texts == ["year=2020", "year=2021"]
    assert read.ids == ["year=2020/part-00.jsonl:0", "year=2021/part-00.jsonl:0"]


def test_empty_partition_files_add_nothing(tmp_path):
    folder = tmp_path / "p"
    folder.mkdir()
    (folder / "part-00.csv").write_text("text,label,year\nfirst,a,2020\n", encoding="utf-8")
    (folder / "part-01.csv").write_text("text,label,year\n", encoding="utf-8")  # header only
    (folder / "part-02.jsonl").write_text("", encoding="utf-8")  # empty
    (folder / "part-03.csv").write_text("text,label,year\nsecond,b,2021\n", encoding="utf-8")
    read = tm.load_corpus(folder, label_column="label")
    assert read.texts == ["first", "second"] and read.labels == ["a", "b"]
    assert read.metadata["year"].tolist() == ["2020", "2021"]  # CSV cells are read as text
    empty = tmp_path / "e"
    empty.mkdir()
    (empty / "part-00.jsonl").write_text("", encoding="utf-8")
    with pytest.raises(tm.CorpusInputError, match="partition file.s. hold no documents"):
        tm.load_corpus(empty)
    assert len(tm.Corpus(texts=[], ids=[], metadata=pd.DataFrame({"x": []}))) == 0


def test_label_from_folder_is_refused_for_partition_files(tmp_path):
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "part-0.jsonl").write_text('{"text": "x"}\n', encoding="utf-8")
    with pytest.raises(tm.CorpusInputError, match="give label_column instead"):
        tm.load_corpus(tmp_path / "p", label_from_folder=True)


def test_partition_files_keep_an_id_column_that_counts_from_zero(tmp_path):
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "a.jsonl").write_text('{"id": 0, "text": "x"}\n{"id": 1, "text": "y"}\n', encoding="utf-8")
    (tmp_path / "p" / "b.jsonl").write_text('{"id": 2, "text": "z"}\n', encoding="utf-8")
    assert tm.load_corpus(tmp_path / "p").ids == ["0", "1", "2"]  # the user's ids, not file:row
    assert tm.load_corpus(["u", "v"], row_id_prefix="doc-").ids == ["doc-0", "doc-1"]
