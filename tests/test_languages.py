"""Languages other than English: Snowball stemming, shipped stop-word lists, CJK character bigrams.

No test touches the network or NLTK's data: the Snowball stemmers need none, and
every stop-word list is shipped with topicmf.
"""

from __future__ import annotations

import json
import pickle
import warnings
from importlib import resources

import numpy as np
import pytest
from nltk.stem import SnowballStemmer
from sklearn.metrics import adjusted_rand_score

import topicmf as tm
from topicmf.preprocess import LANGUAGES, cjk_bigrams, shipped_stop_words, split_cjk
from topicmf.preprocess.stopwords import STOP_WORD_NAMES

#: Words each shipped list must hold (the commonest function words of the language).
SENTINELS = {
    "arabic": {"في", "من", "على", "هذا"},
    "danish": {"og", "ikke", "det", "er"},
    "dutch": {"de", "het", "en", "niet"},
    "english": {"the", "and", "is"},
    "finnish": {"ja", "ei", "on", "että"},
    "french": {"le", "et", "est", "dans", "où"},
    "german": {"und", "der", "die", "nicht", "für"},
    "hungarian": {"és", "hogy", "nem", "az"},
    "italian": {"il", "che", "della", "non", "è"},
    "norwegian": {"og", "ikke", "det", "er"},
    "portuguese": {"o", "que", "não", "para"},
    "romanian": {"și", "nu", "este", "de"},
    "russian": {"и", "не", "что", "это"},
    "spanish": {"el", "y", "que", "para", "está"},
    "swedish": {"och", "inte", "det", "är"},
}

#: Hand-written sentences and the terms ``TextVectorizer(language=...)`` keeps (stems, no stop words).
SENTENCES = {
    "german": ("Die Kinder spielen mit den Bällen im großen Garten, und sie lachen über die Hunde ihrer Nachbarn.",
               ["kind", "spiel", "ball", "gross", "gart", "lach", "hund", "nachbarn"]),
    "french": ("Les enfants jouent dans le jardin avec leurs chiens, mais la nationalité des voisins n'est pas "
               "une question.", ["enfant", "jouent", "jardin", "chien", "national", "voisin", "question"]),
    "spanish": ("Los niños juegan en el parque con sus perros, pero las naciones vecinas están contentas con la "
                "decisión.", ["nin", "jueg", "parqu", "perr", "nacion", "vecin", "content", "decision"]),
    "russian": ("Дети играют в большом саду со своими собаками, и новые соседи пишут о новой газете.",
                ["дет", "игра", "больш", "сад", "собак", "нов", "сосед", "пишут", "нов", "газет"]),
}


def _terms(text: str, **params) -> list[str]:
    return tm.TextVectorizer(**params).fit([text]).analyzer_(text)


# -- the registry and the shipped lists ---------------------------------------------------

def test_every_snowball_language_is_supported():
    snowball = set(SnowballStemmer.languages) - {"porter"}  # "porter" is stemmer="porter", English
    assert snowball <= set(LANGUAGES)
    assert set(LANGUAGES) - snowball == {"chinese", "japanese", "korean"}
    assert set(SENTINELS) == snowball  # one shipped list per Snowball language
    assert set(STOP_WORD_NAMES) == {"auto", "nltk"} | snowball


LIST_FILES = sorted(f.name for f in resources.files("topicmf.preprocess").iterdir()
                    if f.name.startswith("stopwords_") and f.name.endswith(".txt"))


def test_one_list_file_per_language():
    assert len(LIST_FILES) == len(SENTINELS)


@pytest.mark.parametrize("name", LIST_FILES)
def test_shipped_list_file_is_clean(name):
    lines = resources.files("topicmf.preprocess").joinpath(name).read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("#") and "topicmf" in lines[0]
    words = [line for line in lines if line and not line.startswith("#")]
    assert len(words) >= 100
    assert len(words) == len(set(words)), "duplicate lines"
    assert all(w == w.lower() == w.strip() and " " not in w for w in words)


@pytest.mark.parametrize("language", sorted(SENTINELS))
def test_shipped_list_holds_the_common_words(language):
    assert SENTINELS[language] <= shipped_stop_words(language)


# -- stemming and stop words ---------------------------------------------------------------

@pytest.mark.parametrize("language", sorted(SENTENCES))
def test_sentence_is_stemmed_and_stripped_of_stop_words(language):
    text, expected = SENTENCES[language]
    assert _terms(text, language=language) == expected


def test_words_are_stemmed_with_their_accents_then_stripped():
    # stripped first, Snowball would give "nationalit" and "новы"/"ново": the endings carry the accents
    assert _terms("nationalité nationalités nationalite", language="french") == ["national"] * 2 + ["nationalit"]
    assert _terms("новый новой новая", language="russian") == ["нов"] * 3
    assert _terms("informação informações", language="portuguese") == ["inform"] * 2
    vec = tm.TextVectorizer(language="french").fit(["L'économie et les économies économiques"])
    assert list(vec.get_feature_names_out()) == ["econom"]  # terms stripped as accents="strip" says
    assert list(vec.get_term_labels()) == ["économie"]  # labels keep the words as written


def test_stop_words_match_with_and_without_accents():
    text = "Das ist für dich, fur alle und über uns; uber Häuser."
    assert _terms(text, language="german") == ["haus"]
    # accents kept: "fur" and "uber" are not the words "für" and "über"
    assert _terms(text, language="german", accents="keep") == ["fur", "uber", "haus"]


def test_stop_words_option_names_a_language_or_follows_language():
    text = "the house and la maison et das Haus"
    assert _terms(text, language="french") == ["the", "hous", "and", "maison", "das", "haus"]
    assert _terms(text, language="french", stop_words="english") == ["hous", "la", "maison", "et", "das", "haus"]
    vec = tm.TextVectorizer(language="german", stop_words="auto", extra_stop_words=["Häuser"]).fit([text])
    assert {"und", "der", "fur", "hauser"} <= vec.stop_words_  # normalised like the tokens
    assert "die" in tm.TextVectorizer(language="english", stop_words="german").fit([text]).stop_words_


def test_arabic_vowel_marks_do_not_split_words():
    plain = "قرأت الكتاب في المكتبة جدا"
    marked = "قَرَأْتُ الكِتَابَ في المَكْتَبَةِ جِدًّا"
    assert _terms(marked, language="arabic") == _terms(plain, language="arabic")
    assert "كتاب" in _terms(plain, language="arabic") and "في" not in _terms(plain, language="arabic")


def test_english_only_stemmers_and_unknown_languages_are_refused():
    with pytest.raises(ValueError, match=r"stemmer='porter' is English only; got language='german'"):
        tm.TextVectorizer(language="german", stemmer="porter").fit(["Die Häuser"])
    with pytest.raises(ValueError, match=r"lemmatizer='wordnet' is English only"):
        tm.TextVectorizer(language="french", lemmatizer="wordnet").fit(["la maison"])
    with pytest.raises(ValueError, match=r"'language' must be one of 'arabic', .*'german', .*; got 'klingon'"):
        tm.TextVectorizer(language="klingon").fit(["nuqneH"])
    with pytest.raises(ValueError, match=r"'language' must be one of"):
        tm.TextVectorizer(language=None).fit(["text"])
    with pytest.raises(ValueError, match=r"'stop_words' must be one of 'auto', 'nltk', 'arabic'"):
        tm.TextVectorizer(stop_words="chinese").fit(["text"])
    # Porter stems the Latin words of CJK text, which are English
    assert _terms("数据 economies", language="chinese", stemmer="porter") == ["数据", "economi"]


def test_default_is_english_as_before(newsroom):
    default = tm.TextVectorizer()
    assert default.get_params()["language"] == "english" and default.get_params()["stop_words"] == "auto"
    X = default.fit_transform(newsroom)
    for explicit in (tm.TextVectorizer(language="english"), tm.TextVectorizer(stop_words="english"),
                     tm.TextVectorizer(language="english", stop_words="english")):
        assert (explicit.fit_transform(newsroom) != X).nnz == 0
        assert explicit.vocabulary_ == default.vocabulary_
        assert list(explicit.term_labels_) == list(default.term_labels_)
        assert explicit.stop_words_ == default.stop_words_


# -- CJK ---------------------------------------------------------------------------------

def test_cjk_runs_become_character_bigrams():
    assert cjk_bigrams("数据分析") == ["数据", "据分", "分析"]
    assert cjk_bigrams("猫") == ["猫"]
    assert split_cjk(["gdp增长", "数据分析", "data"]) == ["gdp", "增长", "数据", "据分", "分析", "data"]
    assert _terms("我们今天学习数据分析。", language="chinese", stop_words=None) == \
        ["我们", "们今", "今天", "天学", "学习", "习数", "数据", "据分", "分析"]
    # kana (the voiced mark kept), Hangul, and Latin words stemmed as English among them
    assert _terms("データ分析", language="japanese") == ["デー", "ータ", "タ分", "分析"]
    assert _terms("학교에서 공부", language="korean") == ["학교", "교에", "에서", "공부"]
    assert _terms("The economies 经济增长", language="chinese") == ["economi", "经济", "济增", "增长"]


def test_cjk_bigrams_survive_min_token_length_and_can_be_stop_words():
    text = "我们学习数据分析 and we learn"
    assert _terms(text, language="chinese", min_token_length=3) == \
        ["我们", "们学", "学习", "习数", "数据", "据分", "分析", "learn"]
    assert "我们" not in _terms(text, language="chinese", extra_stop_words=["我们"])


# a made-up vocabulary: each topic's "words" are two characters from one shared pool, so the
# topics share characters (as Chinese words do) and only the pairs tell them apart
POOL = list("天地人山水火木金土日月风云雨电光明学生文化经济政治体育科技手机网络市场银行")
COMMON = ["我们", "他们", "今天", "因为", "所以", "但是", "已经", "可以"]
FUNCTION = list("的了是在和有也就")


def _planted_cjk_corpus(seed: int, n_topics: int = 4, per_topic: int = 30):
    rng = np.random.default_rng(seed)
    words: list[str] = []
    while len(words) < 6 * n_topics:
        w = "".join(rng.choice(POOL, 2, replace=False))
        if w not in words:
            words.append(w)
    topics = [words[6 * t:6 * t + 6] for t in range(n_topics)]
    texts, labels = [], []
    for t in range(n_topics):
        for _ in range(per_topic):
            parts = []
            for _ in range(40):
                r = rng.random()
                parts.append(rng.choice(topics[t]) if r < 0.5 else rng.choice(COMMON) if r < 0.75
                             else rng.choice(FUNCTION))
                if rng.random() < 0.1:
                    parts.append("。")
            texts.append("".join(parts))
            labels.append(t)
    return texts, np.array(labels), topics


def test_planted_cjk_topics_are_recovered():
    texts, labels, topics = _planted_cjk_corpus(seed=3)
    vec = tm.TextVectorizer(language="chinese", min_df=2, max_df=0.5, sublinear_tf=True)
    X = vec.fit_transform(texts)
    nmf = tm.TopicNMF(n_topics=4, n_restarts=2, random_state=0)
    W = nmf.fit_transform(X)
    assert adjusted_rand_score(labels, W.argmax(axis=1)) >= 0.95
    terms = vec.get_feature_names_out()
    top = [set(terms[np.argsort(-row)[:6]]) for row in nmf.components_]
    assert sorted(max(len(set(t) & s) for s in top) for t in topics) == [6] * 4  # each topic's words on top


def test_discover_takes_a_language(newsroom):
    texts, labels, _ = _planted_cjk_corpus(seed=5)
    report = tm.discover(texts, 4, vectorizer_options={"language": "chinese"}, n_restarts=2, random_state=0)
    assert report.vectorizer.language == "chinese"
    assert adjusted_rand_score(labels, report.model.transform(report.X).argmax(axis=1)) >= 0.95


def test_unsplit_scripts_are_named_not_silently_kept():
    chinese = ["我们今天去学校学习数据分析", "他们明天去银行办理业务手续"] * 3
    with pytest.warns(UserWarning, match=r"unbroken runs of Chinese/Japanese text .*use language='chinese'"):
        tm.TextVectorizer().fit(chinese)
    with pytest.warns(UserWarning, match=r"hold Thai text .*cannot split Thai text into words \(unsupported\)"):
        tm.TextVectorizer(language="chinese").fit(["สวัสดีครับทุกคน", "ขอบคุณมากครับ"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tm.TextVectorizer(language="chinese").fit(chinese)  # split: nothing to say
        tm.TextVectorizer().fit(tm.load_corpus("newsroom").texts + ["一个很长的中文句子在这里"])  # one stray run


# -- saved models and partitions -----------------------------------------------------------

GERMAN = [
    "Die Regierung plant neue Steuern für Unternehmen und Banken.",
    "Der Fußballverein gewann das Spiel gegen die Mannschaft aus Berlin.",
    "Die Bank erhöht die Zinsen, und die Steuern der Unternehmen steigen.",
    "Im Spiel schoss der Stürmer zwei Tore für seinen Verein.",
    "Die Häuser in der Stadt werden teurer, sagen die Banken.",
    "Die Mannschaft trainiert für das nächste Spiel im Stadion.",
]


@pytest.mark.parametrize("language", ["german", "chinese"])
def test_language_survives_save_and_load(tmp_path, language):
    texts = GERMAN if language == "german" else _planted_cjk_corpus(seed=1, per_topic=3)[0]
    vec = tm.TextVectorizer(language=language, min_df=2)
    X = vec.fit_transform(texts)
    nmf = tm.TopicNMF(n_topics=2, n_restarts=1, random_state=0).fit(X)
    loaded = tm.load_model(tm.save_model(tm.TopicModel(vec, nmf), tmp_path / "m.topicmf"))
    assert loaded.vectorizer.language == language
    assert loaded.vectorizer.stop_words_ == vec.stop_words_
    assert (loaded.vectorizer.transform(texts) != vec.transform(texts)).nnz == 0


def test_a_model_saved_before_languages_loads_as_english(newsroom):
    """A state without ``language`` and with ``stop_words="english"`` (earlier versions) is English."""
    vec = tm.TextVectorizer(min_df=2).fit(newsroom)
    document, arrays = vec.to_state()
    document = json.loads(json.dumps(document))
    del document["params"]["language"]
    document["params"]["stop_words"] = "english"
    old = tm.TextVectorizer.from_state(document, arrays)
    assert old.language == "english" and old.stop_words_ == vec.stop_words_
    assert (old.transform(newsroom) != vec.transform(newsroom)).nnz == 0


@pytest.mark.parametrize("language", ["german", "arabic", "chinese"])
def test_fitted_vectorizer_pickles(language):
    texts = {"german": GERMAN, "arabic": ["قَرَأْتُ الكِتَابَ في المَكْتَبَةِ", "الكتاب جميل جدًا"],
             "chinese": ["我们学习数据分析", "数据分析很重要"]}[language]
    vec = tm.TextVectorizer(language=language).fit(texts)
    clone = pickle.loads(pickle.dumps(vec))
    assert clone.analyzer_.language == language
    assert (clone.transform(texts) != vec.transform(texts)).nnz == 0


def test_partitioned_vectorizing_uses_the_language():
    distributed = pytest.importorskip("dask.distributed")
    from topicmf.corpora import Corpus
    from topicmf.distributed import scatter_corpus, vectorize_partitions

    texts = GERMAN * 3
    corpus = Corpus(texts=texts, ids=[str(i) for i in range(len(texts))])
    params = {"language": "german", "min_df": 2}
    ref = tm.TextVectorizer(**params)
    X_ref = ref.fit_transform(texts)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=":0") as cluster, distributed.Client(cluster) as client:
        vec, blocks = vectorize_partitions(scatter_corpus(client, corpus, 3), tm.TextVectorizer(**params))
        X = blocks.gather_X()
    assert vec.stop_words_ == ref.stop_words_ and "und" in vec.stop_words_
    assert vec.vocabulary_ == ref.vocabulary_
    assert abs(X - X_ref).max() <= 1e-12
