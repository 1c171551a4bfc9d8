import pickle

import nltk
import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.decomposition import TruncatedSVD
from sklearn.pipeline import Pipeline

import topicmf as tm
from topicmf.preprocess import english_stop_words, normalize_text
from topicmf.preprocess.tokenize import LETTERS_TOKEN_PATTERN

DOCS = [
    "The economy is growing; economists expect economic growth.",
    "Economies of Europe: the economy slowed.",
    "Runners were running in the running race.",
    "Café owners in the café district",
]


def test_output_is_csr_float64_l2_rows():
    X = tm.TextVectorizer().fit_transform(DOCS)
    assert sp.isspmatrix_csr(X) and X.dtype == np.float64 and X.has_sorted_indices
    np.testing.assert_allclose(sp.linalg.norm(X, axis=1), 1.0)


def test_snowball_stemming_and_surface_labels():
    vec = tm.TextVectorizer()
    vec.fit(DOCS)
    terms = list(vec.get_feature_names_out())
    assert "economi" in terms and "economy" not in terms and "run" in terms
    labels = dict(zip(terms, vec.term_labels_))
    assert labels["economi"] == "economy"  # 2x "economy" beats "economies"/"economic"
    assert labels["run"] == "running"
    assert "cafe" in terms  # accents stripped


def test_porter_and_no_stemmer():
    assert "economi" in tm.TextVectorizer(stemmer="porter").fit(DOCS).get_feature_names_out()
    raw = tm.TextVectorizer(stemmer=None).fit(DOCS)
    assert {"economy", "economies", "running"} <= set(raw.get_feature_names_out())
    np.testing.assert_array_equal(raw.get_feature_names_out(), raw.term_labels_)


def test_stop_words_shipped_extra_and_none():
    assert {"the", "is", "and"} <= english_stop_words()
    terms = set(tm.TextVectorizer().fit(DOCS).get_feature_names_out())
    assert "the" not in terms and "in" not in terms
    extra = set(tm.TextVectorizer(extra_stop_words=["Cafe"]).fit(DOCS).get_feature_names_out())
    assert "cafe" not in extra
    assert "the" in set(tm.TextVectorizer(stop_words=None).fit(DOCS).get_feature_names_out())


def test_custom_stop_list_replaces_shipped_one():
    terms = set(tm.TextVectorizer(stop_words=["economy"]).fit(DOCS).get_feature_names_out())
    assert "the" in terms and "economi" in terms  # "economies"/"economic" still give the stem


def test_numbers_and_min_token_length():
    docs = ["In 2004 sales hit 600m units of model x7", "2005 was quieter for x7"]
    dropped = set(tm.TextVectorizer(stemmer=None).fit(docs).get_feature_names_out())
    assert "2004" not in dropped and "600m" not in dropped and "x7" in dropped
    kept = set(tm.TextVectorizer(stemmer=None, numbers="keep").fit(docs).get_feature_names_out())
    assert {"2004", "600m"} <= kept
    long_only = set(tm.TextVectorizer(stemmer=None, min_token_length=5).fit(docs).get_feature_names_out())
    assert long_only == {"sales", "units", "model", "quieter"}


def test_ngrams_and_labels():
    vec = tm.TextVectorizer(ngram_range=(1, 2)).fit(DOCS)
    terms = list(vec.get_feature_names_out())
    assert "economi grow" in terms
    assert dict(zip(terms, vec.term_labels_))["economi grow"] == "economy growing"


def test_normalize_text():
    assert normalize_text("Crème BRÛLÉE") == "creme brulee"
    assert normalize_text("Crème", accents="keep") == "crème"


def test_deterministic():
    corpus = tm.load_corpus("newsroom")
    X1 = tm.TextVectorizer(min_df=2).fit_transform(corpus)
    X2 = tm.TextVectorizer(min_df=2).fit_transform(list(corpus.texts))
    assert (X1 != X2).nnz == 0


def test_transform_matches_fit_transform_and_pickles():
    vec = tm.TextVectorizer()
    X = vec.fit_transform(DOCS)
    assert abs(vec.transform(DOCS) - X).max() < 1e-12
    clone = pickle.loads(pickle.dumps(vec))
    assert abs(clone.transform(DOCS) - X).max() < 1e-12


def test_in_pipeline():
    corpus = tm.load_corpus("newsroom")
    pipe = Pipeline([("tfidf", tm.TextVectorizer(min_df=2)), ("svd", TruncatedSVD(3, random_state=0))])
    Z = pipe.fit_transform(corpus.texts)
    assert Z.shape == (240, 3)


def test_binary_matrix():
    vec = tm.TextVectorizer()
    X = vec.fit_transform(DOCS)
    B = vec.binary_matrix(X)
    assert set(np.unique(B.data)) == {1.0} and B.nnz == X.nnz
    assert (vec.binary_matrix(DOCS) != B).nnz == 0


def test_empty_documents_kept_and_counted():
    vec = tm.TextVectorizer()
    X = vec.fit_transform(["economy growth", "", "the and of", "economy slowed"])
    assert X.shape[0] == 4 and vec.n_empty_documents_ == 2
    assert X[1].nnz == 0 and X[2].nnz == 0


def test_errors_name_setting_and_numbers():
    with pytest.raises(ValueError, match="corpus is empty"):
        tm.TextVectorizer().fit([])
    with pytest.raises(ValueError, match=r"all 3 documents are empty \(1\) or contain only stop words"):
        tm.TextVectorizer().fit(["", "the and", "of it is"])
    with pytest.raises(ValueError, match=r"0 terms.*min_df=10.*4 documents.*distinct terms"):
        tm.TextVectorizer(min_df=10).fit(DOCS)
    with pytest.raises(ValueError, match="'stemmer' must be"):
        tm.TextVectorizer(stemmer="lancaster").fit(DOCS)
    with pytest.raises(ValueError, match="'stop_words' must be"):
        tm.TextVectorizer(stop_words="klingon").fit(DOCS)
    with pytest.raises(ValueError, match="single str"):
        tm.TextVectorizer().fit("just one string")


def test_missing_nltk_data_explains_install(monkeypatch, tmp_path):
    monkeypatch.setattr(nltk.data, "path", [str(tmp_path)])
    with pytest.raises(LookupError, match=r"python -m nltk.downloader wordnet"):
        tm.TextVectorizer(lemmatizer="wordnet").fit(DOCS)
    with pytest.raises(LookupError, match=r"python -m nltk.downloader stopwords"):
        tm.TextVectorizer(stop_words="nltk").fit(DOCS)


@pytest.mark.parametrize("settings", [
    {},
    {"min_df": 2, "max_df": 0.5, "sublinear_tf": True},
    {"min_df": 0.01, "max_features": 40, "dtype": np.float32, "norm": "l1"},
    {"stemmer": "porter", "token_pattern": LETTERS_TOKEN_PATTERN, "min_token_length": 3, "numbers": "keep"},
    {"stemmer": "pystemmer", "min_token_length": 3, "max_df": 0.3},
    {"language": "german", "max_features": 25},
])
def test_unigram_counting_equals_scikit_learn_loop(settings):
    """fit_transform counts tokens in C and stems each distinct token once; the result
    must be what scikit-learn's own counting loop gives with the same analyzer."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = list(tm.load_corpus("newsroom").texts) + ["", "the and of", "Müller für Straße 2024 x86 foo_bar"] + DOCS
    vec = tm.TextVectorizer(**settings)
    X = vec.fit_transform(texts)
    analyzer = vec._build_analyzer()
    analyzer.start_recording()
    reference = TfidfVectorizer(analyzer=analyzer, min_df=vec.min_df, max_df=vec.max_df,
                                max_features=vec.max_features, sublinear_tf=vec.sublinear_tf, norm=vec.norm,
                                dtype=np.dtype(vec.dtype).type)
    R = sp.csr_matrix(reference.fit_transform(texts))
    R.sort_indices()
    surface = analyzer.stop_recording()
    assert vec.vocabulary_ == reference.vocabulary_
    np.testing.assert_array_equal(vec.idf_, reference.idf_)
    assert X.dtype == R.dtype and np.array_equal(X.indptr, R.indptr) and np.array_equal(X.indices, R.indices)
    np.testing.assert_allclose(X.data, R.data, rtol=1e-6 if X.dtype == np.float32 else 1e-13)
    labels = [surface.get(t, t) for t in reference.get_feature_names_out()]
    assert list(vec.term_labels_) == labels
    assert abs(vec.transform(texts) - X).max() < 1e-6


def test_pystemmer_is_snowball_in_c():
    """stemmer="pystemmer": PyStemmer's Snowball stemmer, which agrees with NLTK's Snowball port
    except for the newer Snowball release's fixes."""
    import Stemmer
    from nltk.stem.snowball import SnowballStemmer

    from topicmf.preprocess import make_stemmer

    words = sorted({w for t in tm.load_corpus("newsroom").texts for w in normalize_text(t).split() if w.isalpha()})
    fast, nltk = make_stemmer("pystemmer"), SnowballStemmer("english").stem
    assert [fast(w) for w in words] == Stemmer.Stemmer("english").stemWords(words)
    differ = [w for w in words if fast(w) != nltk(w)]
    assert len(differ) <= 0.01 * len(words), differ
    assert fast("added") == "add" and nltk("added") == "ad"  # one of those fixes
    german = make_stemmer("pystemmer", language="german")
    assert german("häuser") == SnowballStemmer("german").stem("häuser")
    vec = tm.TextVectorizer(stemmer="pystemmer").fit(DOCS)
    assert {"economi", "run"} <= set(vec.get_feature_names_out())
    clone = pickle.loads(pickle.dumps(vec))  # the C stemmer is made again, not pickled
    assert abs(clone.transform(DOCS) - vec.transform(DOCS)).max() < 1e-12
