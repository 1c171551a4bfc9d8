"""Raw documents -> cleaned documents: :class:`TextCleaner`, the stage before tokenizing.

Real messy text (bug reports, forum posts, mails, arXiv abstracts) carries debris
that is not about the topic: stack traces, log lines, pasted code, URLs,
addresses, ids, markup, TeX, reply headers, signatures and templates. The
cleaner removes two kinds of it:

- **Syntax debris**, recognisable in one document, by a registry of rule
  families (:data:`RULE_NAMES`, applied in that order): ``code_blocks``,
  ``reply_headers``, ``stack_traces``, ``runtime_frames``, ``log_lines``, ``urls``, ``emails``,
  ``mentions``, ``paths``, ``markup``, ``tex``, ``numbers``. Removed debris
  becomes a space, so words are never glued; a document that nothing matched
  passes through unchanged (CRLF becomes LF), and in one that was cleaned the
  whitespace is tidied (runs of spaces become one, at most one blank line in
  a row).
- **Boilerplate**, recognisable only across the corpus: lines repeated in
  many documents (signatures, disclaimers, ticket templates). ``fit`` counts
  the document frequency of each normalised line (lowercase, digits -> ``0``,
  whitespace collapsed) after the syntax rules, and a line is boilerplate when
  it occurs in at least ``boilerplate_min_df`` documents *and* in more than
  ``boilerplate_max_share`` of them. Those lines are dropped wherever they occur.

Quoted replies (lines starting with ``>``) and text after a ``-- `` signature
marker are kept: they carry topical words.

Every regular expression is compiled once at import and runs in linear time
(bounded repetitions, no nested quantifiers over overlapping classes); block
pairing is a single pass over the markers. A pathological 1 MB input is cleaned
in a small fraction of a second and multi-MB pasted logs are fine.

Measured defaults
-----------------
``scripts/measure_cleaning.py`` fits scikit-learn NMF (k = number of labels) on
TF-IDF of the raw and of the cleaned texts and scores NPMI of each topic's
top-10 words by co-occurrence in the RAW documents, diversity of the top 25,
NMI of argmax W against the labels, and debris@10, the share of top-10 words
found mostly inside debris. Raw -> cleaned, defaults (numbers as printed)::

    corpus            NPMI            diversity       NMI             debris@10
    bbc               0.360 -> 0.360  0.984 -> 0.984  0.854 -> 0.852  0.000 -> 0.000
    ag_news_test      0.248 -> 0.178  0.940 -> 0.940  0.453 -> 0.443  0.200 -> 0.000
    apache_jira_bugs  0.321 -> 0.220  0.825 -> 0.825  0.361 -> 0.212  0.525 -> 0.087
    arxiv_math_ap     0.209 -> 0.198  0.804 -> 0.800  0.311 -> 0.335  0.118 -> 0.000

Refits without a random 1 % of the documents move the cleaned scores by up to
0.013 NPMI, 0.025 diversity and 0.014 NMI on apache_jira_bugs (0.01 elsewhere).
NPMI on raw documents rewards topics made of debris, whose words always
co-occur: raw ag_news_test has "reuters fullquote stocks oil http href www
investor target ticker" (NPMI 0.66), raw apache_jira_bugs "java org apache
hadoop lang run server sun util method", raw arxiv_math_ap "mathbb omega frac
alpha infty ...". Cleaning replaces them with topics about the content ("oil
prices reuters stocks percent profit", "job task map tasks reduce running
failed"): NPMI falls, and on apache_jira_bugs so does NMI with the project
label, which package names (``org.apache.hadoop.hive...``) give away. So a
family is kept unless switching it off improves the scores beyond that noise
*without* bringing debris back into the topics. Ablation, one family off:

- bbc: only markup (entity decoding) and boilerplate are active; NMI +0.002
  without boilerplate, nothing else moves.
- ag_news_test: markup off: NMI +0.020, but "quot" is back in the top words;
  urls, paths, tex off: no change.
- arxiv_math_ap: tex off: NPMI +0.010, NMI -0.023, debris 0.000 -> 0.118 (the
  TeX topic returns). Other families: no change.
- apache_jira_bugs: stack_traces off: NMI -0.023, debris +0.050; urls off:
  debris +0.113; code_blocks off: NPMI +0.024, debris +0.062; paths off: NPMI
  +0.035, NMI +0.054, debris +0.113 (org, apache, java return): the largest
  trade-off, take ``paths=False`` if separating projects matters more than
  readable topics; log_lines off: NPMI +0.016, diversity +0.030, NMI +0.014,
  debris +0.025 (level words such as "info" return); removing whole log lines
  (a first version) gave 0.000-0.006 lower NPMI than removing the prefix in
  five refits, so the message is kept.
  emails, mentions, markup, tex, numbers, boilerplate off: within the noise.
- Boilerplate (``BOILERPLATE_MIN_DF`` 5 documents and more than
  ``BOILERPLATE_MAX_SHARE`` 0.1 %): 16 lines in apache_jira_bugs ("steps to
  reproduce:", "stack trace:", "try {"), 3 in bbc (columnists' sign-offs), none
  in the others. A share of 0.05 % takes 79 lines in apache_jira_bugs with the
  same scores; lines of one word never count, or "solutions." (ending 29 arXiv
  abstracts) would go.
- ``AUTO_MIN_SHARE`` 0.002 and 0.01 score the same everywhere; 0.002 removes
  the e-mail addresses in 0.46 % of the bug reports, while bbc keeps its 3 URLs
  in 2,225 articles. ``mode="on"`` scores like ``"auto"`` on all four corpora.

Speed (shared 2-core machine): fit_transform 0.10-0.34 s and transform
0.03-0.18 s per 1,000 documents.

Examples
--------
>>> from topicmf.preprocess.clean import TextCleaner
>>> docs = ["See http://example.org/x for the crash.", "The crash happens at start."]
>>> TextCleaner(mode="on").fit(docs).transform_one(docs[0])
'See for the crash.'
"""

from __future__ import annotations

import html
import logging
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

__all__ = [
    "AUTO_MIN_SHARE",
    "BOILERPLATE_MAX_LINE_CHARS",
    "BOILERPLATE_MAX_LINES",
    "BOILERPLATE_MAX_SHARE",
    "BOILERPLATE_MIN_DF",
    "BOILERPLATE_MIN_WORDS",
    "CLEANER_FORMAT_VERSION",
    "RULE_NAMES",
    "STATS_TOP_LINES",
    "TextCleaner",
    "merge_stats",
    "normalize_line",
]

logger = logging.getLogger(__name__)

Mode = Literal["auto", "on", "off"]

#: ``mode="auto"``: a rule family is active only if it matches in at least this
#: share of the training documents (and in at least one).
AUTO_MIN_SHARE = 0.002
#: Boilerplate: a line must occur in at least this many documents ...
BOILERPLATE_MIN_DF = 5
#: ... and in more than this share of the documents.
BOILERPLATE_MAX_SHARE = 0.001
#: Lines of fewer words are never boilerplate: a lone "solutions." ending many
#: hard-wrapped abstracts is topical, and dropping "Thanks," gains nothing.
BOILERPLATE_MIN_WORDS = 2
#: At most this many boilerplate lines are kept (most frequent first); also the
#: bound ``from_dict`` enforces.
BOILERPLATE_MAX_LINES = 5000
#: Lines longer than this are never boilerplate.
BOILERPLATE_MAX_LINE_CHARS = 500
#: Boilerplate lines listed with their document counts in ``stats_``.
STATS_TOP_LINES = 50
#: Version of the rules and of the plain-data layout of ``to_dict``.
CLEANER_FORMAT_VERSION = 1


# --------------------------------------------------------------------------
# Rules: a registry of small objects, applied in order.
# --------------------------------------------------------------------------

Replacement = str | Callable[[re.Match], str]
Trigger = tuple[str, ...] | re.Pattern | Callable[[str], bool] | None


@dataclass(frozen=True)
class _Pass:
    """One regex substitution, tried only when its trigger occurs in the text.

    ``trigger``: substrings of which at least one must occur, a compiled
    pattern that must be found, or a function of the text that must return
    True (all far cheaper than the substitution, which most prose never
    needs), or None (always tried).
    """

    pattern: re.Pattern
    repl: Replacement
    trigger: Trigger = None

    def apply(self, text: str) -> tuple[str, int]:
        t = self.trigger
        if t is not None:
            if isinstance(t, tuple):
                if not any(s in text for s in t):
                    return text, 0
            elif isinstance(t, re.Pattern):
                if t.search(text) is None:
                    return text, 0
            elif not t(text):
                return text, 0
        replace = self.repl
        if isinstance(replace, str):
            return self.pattern.subn(replace, text)
        changed = 0  # a callable may decline a match by returning it unchanged; count real changes

        def repl(m: re.Match) -> str:
            nonlocal changed
            r = replace(m)
            if r != m.group(0):
                changed += 1
            return r

        return self.pattern.sub(repl, text), changed


@dataclass(frozen=True)
class _FunctionPass:
    """A pass done by a function ``text -> (text, n_matches)``, e.g. block pairing."""

    function: Callable[[str], tuple[str, int]]
    trigger: tuple[str, ...]

    def apply(self, text: str) -> tuple[str, int]:
        if not any(s in text for s in self.trigger):
            return text, 0
        return self.function(text)


@dataclass(frozen=True)
class _Rule:
    """One rule family: a name and its passes, applied in order."""

    name: str
    passes: tuple[_Pass | _FunctionPass, ...]

    def apply(self, text: str) -> tuple[str, int]:
        """Return (cleaned text, number of matches)."""
        total = 0
        for p in self.passes:
            text, n = p.apply(text)
            total += n
        return text, total


def _P(pattern: str, repl: Replacement = " ", trigger: Trigger = None, flags: int = 0) -> _Pass:
    return _Pass(re.compile(pattern, flags), repl, trigger)


# -- code blocks: {code}...{code}, {noformat}...{noformat}, ``` fences -------

_BLOCK_MARKER = re.compile(
    r"\{(code|noformat)(?::[^}\n]{0,300})?\}"  # JIRA: {code}, {code:java}, {noformat:nopanel=true}
    r"|^[ \t]{0,3}(`{3,}|~{3,})[^\n]{0,200}$",  # markdown fence, with optional info string
    re.MULTILINE,
)


def _remove_code_blocks(text: str) -> tuple[str, int]:
    """Pair block markers in one pass and drop each block, markers included.

    A block opened by ``{code...}`` closes at the next ``{code}``, one opened
    by ``{noformat...}`` at the next ``{noformat}``, a fence at the next fence
    of the same character. Markers of another kind inside a block are content.
    An opener that is never closed removes only itself.
    """
    out: list[str] = []
    pos = 0  # text[:pos] is handled
    n = 0
    open_kind: str | None = None
    open_marker: re.Match | None = None
    for m in _BLOCK_MARKER.finditer(text):
        kind = m.group(1) or m.group(2)[0]
        if open_kind is None:
            out.append(text[pos:m.start()])
            open_kind, open_marker = kind, m
            pos = m.end()
        elif kind == open_kind and (m.group(1) is None or m.group(0) == "{" + kind + "}"):
            out.append(" ")
            n += 1
            open_kind, open_marker = None, None
            pos = m.end()
    if open_marker is not None:  # never closed: drop the opener only, keep what follows
        out.append(" ")
        n += 1
        pos = open_marker.end()
    if not n:
        return text, 0
    out.append(text[pos:])
    return "".join(out), n


# -- reply headers -----------------------------------------------------------

_HEADER_NAMES = ("From", "Sent", "To", "Cc", "CC", "Bcc", "Subject", "Date", "Reply-To", "Newsgroups",
                 "Organization", "Message-ID", "Message-Id", "References", "In-Reply-To", "Importance")
_HEADER_SUBJECT = re.compile(r"^[ \t>]*Subject:[ \t]*(?:(?:Re|RE|Fwd|FW|Fw|AW|WG):[ \t]*)*([^\n]*)", re.MULTILINE)


def _header_block(m: re.Match) -> str:
    # The subject is the one header line about the topic: keep its text.
    subjects = [s.group(1) for s in _HEADER_SUBJECT.finditer(m.group(0))]
    return "\n" + " ".join(subjects) + "\n" if subjects else "\n"


_REPLY_HEADER_PASSES = (
    _P(r"^[ \t>]*-{2,}[ \t]*(?:Original|Forwarded) Message[ \t]*-{2,}[ \t]*$",
       trigger=("essage", "ESSAGE"), flags=re.MULTILINE | re.IGNORECASE),
    _P(r"^[ \t>]*In article <[^>\n]{1,300}>[^\n]{0,300}$", trigger=("In article <",), flags=re.MULTILINE),
    _P(r"^[ \t>]*[^\n]{0,200}\b(?:wrote|writes):[ \t]*$", trigger=("wrote:", "writes:"), flags=re.MULTILINE),
    # two or more consecutive header lines ("From: ... / Sent: ... / To: ...")
    _P(rf"(?:^[ \t>]*(?:{'|'.join(_HEADER_NAMES)}):[^\n]{{0,1000}}\n?){{2,}}", _header_block,
       trigger=("From:", "Sent:", "To:", "Subject:", "Date:", "Newsgroups:"), flags=re.MULTILINE),
)

# -- frames of the Java runtime and test frameworks only ---------------------------

#: Packages of the JVM's runtime and of test frameworks: frames of these are the same in
#: every project's stack traces (reflection, RPC plumbing, JUnit), while a project's own frames
#: (``org.apache.hadoop.hdfs...``) name what the report is about.
_RUNTIME_PACKAGES = (r"(?:java|javax|sun|jdk|com\.sun|org\.junit|junit|org\.eclipse\.jetty|org\.mortbay|scala|"
                     r"clojure|org\.testng|org\.apache\.maven\.surefire|org\.codehaus\.groovy)")
_RUNTIME_HINTS = ("java", "sun.", "jdk.", "junit", "jetty", "mortbay", "scala.", "clojure.", "testng", "surefire",
                  "groovy")


def _may_hold_runtime_frames(text: str) -> bool:
    return "(" in text and any(s in text for s in _RUNTIME_HINTS)


_RUNTIME_FRAME_PASSES = (
    # "at sun.reflect.NativeMethodAccessorImpl.invoke0(Native Method)", with or without "at", quoted or not
    # Java 9+ module and class-loader prefixes ("java.base/", "app//") and "~[jar:1.0]" suffixes too
    _P(rf"^[ \t>]*(?:at[ \t]+)?(?:[\w.$-]{{1,200}}(?:@[\w.-]{{1,100}})?/{{1,2}})?{_RUNTIME_PACKAGES}\.[\w$.<>-]+"
       rf"\([^)\n]{{0,200}}\)(?:[ \t]*~?\[[^\]\n]{{0,300}}\])?[ \t]*$",
       trigger=_may_hold_runtime_frames, flags=re.MULTILINE),
    _P(r"^[ \t>]*\.\.\. \d+ more[ \t]*$", trigger=("... ",), flags=re.MULTILINE),
)

# -- stack traces ------------------------------------------------------------

_FRAME_TRIGGER = re.compile(r"at [\w$<>-]+[./]")
_STACK_TRACE_PASSES = (
    # the exception line heading a trace (only when a frame follows it; before the frames go)
    _P(r"^[ \t]*(?:Exception in thread \"[^\"\n]{0,200}\"[ \t]*)?[A-Za-z_$][\w$]*(?:\.[\w$]+)*"
       r"(?:Exception|Error|Throwable)\b[^\n]{0,2000}(?=\n[ \t]*at [\w$])",
       trigger=re.compile(r"\n[ \t]*at [\w$]"), flags=re.MULTILINE),
    # Java/Scala frame: "at org.foo.Bar.baz(Bar.java:12)", optional "~[jar:1.0]"
    _P(r"^[ \t]*at [\w$<>-]+(?:[./][\w$<>-]+)+(?:\([^()\n]{0,500}\))?(?:[ \t]*~?\[[^\]\n]{0,300}\])?[ \t]*$",
       trigger=_FRAME_TRIGGER, flags=re.MULTILINE),
    # "... 12 more", "... 5 common frames omitted"
    _P(r"^[ \t]*\.\.\.[ \t]*\d+[ \t]+(?:more|common frames omitted)[ \t]*$", trigger=("...",), flags=re.MULTILINE),
    _P(r"^[ \t]*Caused by:[^\n]*$", trigger=("Caused by:",), flags=re.MULTILINE),
    # Python
    _P(r"^[ \t]*Traceback \(most recent call last\):[ \t]*$", trigger=("Traceback",), flags=re.MULTILINE),
    _P(r"^[ \t]*File \"[^\"\n]{1,500}\", line \d+(?:, in [^\n]{0,200})?[ \t]*(?:\n[ \t]+(?!File \")[^\n]{0,500})?$",
       trigger=("File \"",), flags=re.MULTILINE),
    # JVM thread dumps
    _P(r"^[ \t]*\"[^\"\n]{1,200}\"[^\n]{0,100}\b(?:prio|tid|nid)=[^\n]*$", trigger=("prio=", "tid=", "nid="),
       flags=re.MULTILINE),
    _P(r"^[ \t]*- (?:locked|waiting on|waiting to lock|parking to wait for)[ \t]+<[^>\n]{1,100}>[^\n]*$",
       trigger=("- locked <", "- waiting ", "- parking "), flags=re.MULTILINE),
    _P(r"^[ \t]*java\.lang\.Thread\.State:[^\n]*$", trigger=("Thread.State:",), flags=re.MULTILINE),
)

# -- log lines ---------------------------------------------------------------

_LEVEL_NAMES = ("TRACE", "DEBUG", "INFO", "WARN", "WARNING", "ERROR", "FATAL", "SEVERE", "NOTICE", "CRITICAL",
                "FINE", "FINER", "FINEST")
_LEVELS = "|".join(_LEVEL_NAMES)
_LEVEL_TRIGGER = ("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL", "SEVERE", "NOTICE", "CRITICAL", "FINE")
_TIME = r"\d{1,2}:\d{2}:\d{2}(?:[,.]\d{1,9})?"
_DATE_TIME = rf"\[?(?:\d{{4}}-\d{{2}}-\d{{2}}[ T]|\d{{2}}/\d{{2}}/\d{{2,4}}[ T])?{_TIME}(?:Z|[+-]\d{{2}}:?\d{{2}})?\]?"
_THREAD = r"(?:[ \t]*\[[^\]\n]{0,100}\])?"
# The prefix of a log line goes (timestamp, level, thread); the message stays: it
# names the symptom ("Retrying connect to server"), and dropping whole lines
# lowered NPMI and diversity on apache_jira_bugs (see the module docstring).
_LOG_PASSES = (
    # "2015-03-02 12:00:01,123 INFO [main] ...", "15/04/15 10:43:59 INFO ...", "12:00:01,123 WARN ..."
    _P(rf"^[ \t]*{_DATE_TIME}[^\n]{{0,80}}?\b(?:{_LEVELS})\b{_THREAD}[ \t]*[:|-]?",
       trigger=_LEVEL_TRIGGER, flags=re.MULTILINE),
    # level first: "INFO  | ...", "ERROR [main] ...", "[ERROR] ...", "WARN 2005-06-22 12:55:44 - ...", "INFO: ..."
    _P(rf"^[ \t]*(?:\[(?:{_LEVELS})\]|(?:{_LEVELS})(?=[ \t]*[:|]|[ \t]+\[|[ \t]+\d)){_THREAD}"
       rf"(?:[ \t]+{_DATE_TIME})?[ \t]*[:|-]?", trigger=_LEVEL_TRIGGER, flags=re.MULTILINE),
    # java.util.logging: "Jul 19, 2005 7:41:35 AM org.foo.Bar method"
    _P(rf"^[ \t]*[A-Z][a-z]{{2}} \d{{1,2}}, \d{{4}} {_TIME} [AP]M\b", trigger=(" AM ", " PM "), flags=re.MULTILINE),
)

# -- URLs, e-mail addresses, mentions --------------------------------------

_URL_CHARS = r"[^\s<>\"'\[\]{}|\\^`]"
_URL_PASSES = (
    _P(rf"(?<![\w.+-])[A-Za-z][A-Za-z0-9+.-]{{1,15}}://{_URL_CHARS}*", trigger=("://",)),
    _P(rf"(?<![\w./-])www\.[\w-]{{1,63}}(?:\.[\w-]{{1,63}})+{_URL_CHARS}*", trigger=("www.",)),
)
_EMAIL_PASSES = (
    _P(r"(?<![\w.+-])(?:mailto:)?[\w.+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})+", trigger=("@",)),
)
_MENTION_PASSES = (
    _P(r"\[~[^\]\s]{1,100}\]", trigger=("[~",)),  # JIRA [~user], [~accountid:...]
    _P(r"(?<![\w.@/+-])@[A-Za-z][\w-]{1,38}\b", trigger=("@",)),  # @user, also Java's @Override
)

# -- file paths and qualified names -----------------------------------------

_SEG = r"[\w.@%+~=-]"  # no "$": a path must not swallow a TeX math delimiter
_PATH_PASSES = (
    # Windows: C:\dev\x, C:/dev/x, \\server\share, C:\Program Files\x (a segment followed by a
    # separator may hold up to 3 spaces)
    _P(r"(?<![\w\\/$])(?:[A-Za-z]:|\\\\[\w.-]+)[\\/](?:[\w.~@+-]+(?: [\w.~@+-]+){0,3}[\\/])*[\w.~@+-]*",
       trigger=(":\\", ":/", "\\\\")),
    # Unix, absolute or from ./ ../ ~/, with two or more segments: /data/dfs/dn, ~/x/y
    _P(rf"(?<![\w.~/\\-])(?:~|\.{{1,2}})?(?:/{_SEG}+){{2,}}/?", trigger=("/",)),
    # relative: three or more slashes (src/main/java/x), or ending in a file extension (conf/site.xml)
    _P(r"(?<![\w./\\~-])[\w.-]+(?:/[\w.-]+){3,}/?"
       r"|(?<![\w./\\~-])[\w.-]+(?:/[\w.-]+)+\.[A-Za-z][A-Za-z0-9]{0,5}\b",
       trigger=re.compile(r"/[\w.-]+[./]")),
    # qualified names of three or more parts: org.apache.foo.Bar, java.io.IOException
    _P(r"(?<![\w$.])(?:[a-z_]\w*(?:\$\w+)*\.){2,}[A-Za-z_]\w*(?:\$\w+)*",
       trigger=re.compile(r"\.[a-z_][\w$]*\.[A-Za-z_]")),
)

# -- markup: HTML tags and entities, JIRA/wiki markers ----------------------

_HTML_TAGS = frozenset("""
a abbr b big blockquote body br caption center cite code col dd del div dl dt em font form h1 h2 h3 h4 h5 h6
head hr html i iframe img input ins kbd label li link meta ol option p pre q s samp script select small span
strike strong style sub sup table tbody td textarea tfoot th thead title tr tt u ul var
""".split())


def _html_tag(m: re.Match) -> str:
    # Only the HTML vocabulary: <property> in a pasted config or "a<b and c>d" stay.
    return " " if m.group(1).lower() in _HTML_TAGS else m.group(0)


def _entity(m: re.Match) -> str:
    s = m.group(0)
    ch = html.unescape(s if s.startswith("&") else "&" + s)
    if ch == s or ch.startswith("&") and len(ch) > 1:
        return " "  # not an entity html knows
    if all(unicodedata.category(c) in ("Cf", "Cc") for c in ch):
        return ""  # zero-width space etc.: "t&#8203;cp" -> "tcp"
    return " " if ch == "\xa0" else ch


_MARKUP_PASSES = (
    _P(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});", _entity, trigger=("&",)),
    # entities whose "&" was lost (AG News: " #36;" for "$", " quot;")
    _P(r"(?<![\w&#])(?:#[0-9]{2,4}|quot|amp|lt|gt|apos|nbsp);", _entity,
       trigger=("#", "quot;", "amp;", "lt;", "gt;", "apos;", "nbsp;")),
    _P(r"<!--(?:[^<-]|-(?!->)|<(?!!--)){0,3000}-->", trigger=("<!--",)),
    _P(r"<(?:!DOCTYPE|\?xml)[^<>]{0,500}>", trigger=("<!", "<?"), flags=re.IGNORECASE),
    _P(r"</?([A-Za-z][A-Za-z0-9]{0,9})(?=[\s/>])[^<>]{0,500}>", _html_tag, trigger=("<",)),
    # JIRA: {quote} {color:red} {panel:title=x}, and {code}/{noformat} markers when code_blocks is off
    _P(r"\{(?:quote|color|panel|code|noformat|html|anchor|toc|section|column|div|span)(?::[^}\n]{0,300})?\}",
       trigger=("{",)),
    _P(r"^[ \t]*(?:h[1-6]|bq)\.[ \t]", trigger=("h1.", "h2.", "h3.", "h4.", "h5.", "h6.", "bq."),
       flags=re.MULTILINE),
    _P(r"!(?:[\w.-]{1,200}/)*[\w.-]{1,200}\.(?:png|jpe?g|gif|svg|bmp)(?:\|[^!\n]{0,200})?!", trigger=("!",),
       flags=re.IGNORECASE),
)

# -- TeX ---------------------------------------------------------------------

# Commands removed outside math; any other \word loses only its backslash
# (AG News has "the\privately" where a line break was lost).
_TEX_COMMANDS = frozenset("""
alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi pi varpi
rho varrho sigma varsigma tau upsilon phi varphi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma
Upsilon Phi Psi Omega ell hbar aleph wp Re Im partial nabla infty emptyset varnothing forall exists neg
mathbb mathcal mathfrak mathbf mathit mathsf mathrm mathscr mathds mathtt boldsymbol bm pmb operatorname
textit textbf textrm textsf texttt textsc textup textnormal text mbox emph it bf rm em sl sc tt cal
frac dfrac tfrac sqrt sum int iint oint prod coprod lim limsup liminf sup inf max min log ln exp
sin cos tan sinh cosh tanh arctan det dim ker deg arg gcd Pr cdot cdots ldots dots vdots ddots times
div pm mp leq geq le ge neq ne ll gg lesssim gtrsim approx sim simeq cong equiv propto subset subseteq
supset supseteq in notin ni cup cap setminus bigcup bigcap oplus otimes wedge vee circ ast star
to mapsto rightarrow leftarrow Rightarrow Leftarrow Leftrightarrow leftrightarrow longrightarrow
hookrightarrow rightharpoonup uparrow downarrow langle rangle lfloor rfloor lceil rceil left right
big Big bigg Bigg bigl bigr Bigl Bigr mid vert Vert lvert rvert lVert rVert colon quad qquad
overline underline hat tilde bar vec dot ddot widehat widetilde check breve prime backslash
limits nolimits displaystyle textstyle scriptstyle binom choose over pmod bmod
cite ref eqref label footnote url href begin end item newline linebreak noindent par
smallskip medskip bigskip vspace hspace hfill
""".split())


_TEX_COMMAND_ARG = re.compile(r"\\[A-Za-z]+(?:\{[^{}\n]{0,200}\})?")
_LONG_WORD = re.compile(r"[A-Za-z]{5,}")


def _is_math(content: str) -> bool:
    """Whether the text between math delimiters looks like TeX math.

    Math has no word of five or more letters outside commands and their first
    argument (``\\mathbb{R}``, ``\\text{dist}``); shell variables and Java
    inner classes (``$HADOOP_HOME ... $``, ``Foo$Bar ... Baz$``) do. A span
    over a paragraph break is not math either.
    """
    if "\n\n" in content:
        return False
    return _LONG_WORD.search(_TEX_COMMAND_ARG.sub(" ", content)) is None


def _tex_math(m: re.Match) -> str:
    return " " if _is_math(m.group(1)) else m.group(0)


def _tex_command(m: re.Match) -> str:
    name = m.group(1)
    return " " if name in _TEX_COMMANDS else " " + name


_TEX_PASSES = (
    _P(r"(?<!\\)\$\$([^$]{1,3000}?)\$\$", _tex_math, trigger=("$$",)),
    _P(r"\\\[((?:[^\\]|\\[^\[\]]){1,3000}?)\\\]", _tex_math, trigger=("\\[",)),
    _P(r"\\\(((?:[^\\]|\\[^()]){1,3000}?)\\\)", _tex_math, trigger=("\\(",)),
    # Inline math: the opening $ has a non-space on its right, the closing one a
    # non-space on its left and no digit after it (pandoc's rule), so "$5 and $10"
    # is not math.
    _P(r"(?<![\\$])\$(?![\s$])([^$]{1,1000}?)(?<![\s\\])\$(?!\d)", _tex_math, trigger=("$",)),
    # accents: Schr\"odinger, V\'eron, {\"o}, \v{s}
    _P(r"\{?\\(?:['\"`^~=.]|[uvHck]\{)[ ]?\{?\\?([A-Za-z])\}?\}?", r"\1", trigger=("\\",)),
    _P(r"\\([A-Za-z]+)\*?", _tex_command, trigger=("\\",)),
    _P(r"\\[\\%&_#{}$,;!]", trigger=("\\",)),
)

# -- long numbers, hex, ids ----------------------------------------------------

_NUMBER_PASSES = (
    _P(r"(?=[0-9a-fA-F])(?<![A-Za-z0-9])(?:"
       r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"  # UUID
       r"|0[xX][0-9a-fA-F]+"  # 0x1f
       r"|\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?"  # IPv4[:port]
       r"|(?=[a-fA-F]*[0-9])(?=[0-9]*[a-fA-F])[0-9a-fA-F]{8,}"  # hashes, ids: hex with digits and letters
       r"|\d{5,}"  # long digit runs; years and small numbers stay
       r")(?![A-Za-z0-9])", trigger=re.compile(r"\d")),
)

_RULES: tuple[_Rule, ...] = (
    _Rule("code_blocks", (_FunctionPass(_remove_code_blocks, ("{code", "{noformat", "```", "~~~")),)),
    _Rule("reply_headers", _REPLY_HEADER_PASSES),
    _Rule("stack_traces", _STACK_TRACE_PASSES),
    _Rule("runtime_frames", _RUNTIME_FRAME_PASSES),  # after stack_traces: with both, auto mode counts every trace
    _Rule("log_lines", _LOG_PASSES),
    _Rule("urls", _URL_PASSES),
    _Rule("emails", _EMAIL_PASSES),
    _Rule("mentions", _MENTION_PASSES),
    _Rule("paths", _PATH_PASSES),
    _Rule("markup", _MARKUP_PASSES),
    _Rule("tex", _TEX_PASSES),
    _Rule("numbers", _NUMBER_PASSES),
)

#: The syntax rule families, in the order they are applied.
RULE_NAMES: tuple[str, ...] = tuple(r.name for r in _RULES)
_RULES_BY_NAME = {r.name: r for r in _RULES}

# -- whitespace and line normalisation ----------------------------------------

_HSPACE_TO_SPACE = str.maketrans("\t\f\v", "   ")
_ZERO_RUNS = re.compile(r"0{2,}")
_TO_ZERO = str.maketrans("123456789", "000000000")


def _tidy(text: str) -> str:
    """Whitespace left by removed debris: runs of spaces (tabs, form feeds) become one space,
    spaces at line edges go, at most one blank line in a row; stripped. String methods only
    (several times faster than regular expressions on multi-MB pasted logs)."""
    if "\t" in text or "\f" in text or "\v" in text:
        text = text.translate(_HSPACE_TO_SPACE)
    while "  " in text:
        text = text.replace("  ", " ")
    if " \n" in text:
        text = text.replace(" \n", "\n")
    if "\n " in text:
        text = text.replace("\n ", "\n")
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text.strip()


def _newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def normalize_line(line: str) -> str:
    """The key under which boilerplate lines are counted and matched.

    Lowercase, every run of digits -> ``"0"``, whitespace collapsed and stripped,
    so "Thanks,  Bob 2" and "thanks, bob 17" are the same line.
    """
    line = " ".join(line.lower().split()).translate(_TO_ZERO)
    return _ZERO_RUNS.sub("0", line) if "00" in line else line


# --------------------------------------------------------------------------
# The estimator
# --------------------------------------------------------------------------

_BOOL_PARAMS = (*RULE_NAMES, "boilerplate")
_MODES = ("auto", "on", "off")
_MAX_INT = 2**53


class TextCleaner(TransformerMixin, BaseEstimator):
    """Remove syntax debris and corpus boilerplate from raw documents.

    Parameters
    ----------
    mode : {"auto", "on", "off"}, default="auto"
        ``"auto"``: a rule family that is switched on is applied only if it
        matches in at least ``auto_min_share`` of the training documents (so a
        clean news corpus is left alone, while bug reports get their stack
        traces removed); ``"on"``: every family switched on is applied;
        ``"off"``: nothing is removed (``transform`` returns the texts as given).
    code_blocks : bool, default=True
        ``{code}...{code}``, ``{code:java}``, ``{noformat}...{noformat}`` and
        ````` ``` ````` / ``~~~`` fenced blocks, with their content.
    reply_headers : bool, default=True
        ``-----Original Message-----``, ``In article <...> ... writes:``,
        ``... wrote:`` lines, and blocks of two or more mail/news header lines
        (``From:``, ``Sent:``, ``To:``, ...; the subject's text is kept).
    runtime_frames : bool, default=True
        Stack-trace frames of the Java runtime and test frameworks only
        (``at sun.reflect...``, ``java.``, ``javax.``, ``jdk.``, ``org.junit.``,
        Jetty, Scala, Clojure, Groovy, TestNG, Surefire) and ``... 12 more``:
        the same in every project's traces, where a project's own frames name
        its packages. What :func:`topicmf.pipeline.default_vectorizer` applies.
    stack_traces : bool, default=True
        Every Java frame (``at org.foo.Bar.baz(Bar.java:12)``), ``Caused by: ...``,
        ``... 12 more``, the exception line heading a trace, Python
        ``Traceback`` and ``File "x.py", line 3, in f`` lines (with the source
        line below), JVM thread-dump lines.
    log_lines : bool, default=True
        The prefix of log lines: timestamp, level and thread of lines that
        start with a timestamp followed by a level (``2015-03-02 12:00:01,123
        INFO [main] ...``, ``15/04/15 10:43:59 WARN``) or with a level
        (``ERROR [main] ...``, ``INFO | ...``, ``[WARN] ...``). The message is
        kept: it names the symptom.
    urls : bool, default=True
        ``scheme://...`` (http, hdfs, tcp, ...) and ``www.`` addresses.
    emails : bool, default=True
        E-mail addresses (and ``mailto:``), Kerberos principals.
    mentions : bool, default=True
        JIRA ``[~user]`` and ``@user``.
    paths : bool, default=True
        Unix paths with two or more segments, Windows paths, relative paths
        with three or more slashes or ending in a file extension, and dotted
        qualified names of three or more parts (``org.apache.foo.Bar``).
    markup : bool, default=True
        HTML tags of the HTML vocabulary and comments; entities are decoded
        (``&amp;`` -> ``&``, AG News' ``#36;`` -> ``$``); JIRA markers
        (``{quote}``, ``{color:red}``, ``h3.``, ``bq.``, ``!image.png!``).
    tex : bool, default=True
        Math (``$...$``, ``$$...$$``, ``\\(...\\)``, ``\\[...\\]``), accents
        (``Schr\\"odinger`` -> ``Schrodinger``), TeX commands; any other
        ``\\word`` loses its backslash. ``$5 and $10`` is not math.
    numbers : bool, default=True
        Digit runs of 5 or more, hex strings of 8 or more with digits and
        letters, ``0x...``, UUIDs, IPv4 addresses. Years and small numbers stay.
    boilerplate : bool, default=True
        Drop lines repeated across the corpus (learned by ``fit``).
    boilerplate_min_df : int, default=BOILERPLATE_MIN_DF (5)
        A boilerplate line occurs in at least this many training documents ...
    boilerplate_max_share : float, default=BOILERPLATE_MAX_SHARE (0.001)
        ... and in more than this share of them.
    auto_min_share : float, default=AUTO_MIN_SHARE (0.002)
        ``mode="auto"``: the share of documents a family must match in.

    Attributes
    ----------
    active_rules_ : list of str
        The syntax families applied by ``transform``, in order.
    boilerplate_lines_ : list of str
        Normalised boilerplate lines (see :func:`normalize_line`), most
        frequent first.
    n_documents_ : int
        Training documents.
    stats_ : dict
        From the training corpus: ``n_documents``, ``n_characters``,
        ``characters_removed_share``; ``rules``: per family ``active``,
        ``documents_matched`` (what auto mode decided on), ``documents`` and
        ``characters`` removed by the applied cleaning and ``character_share``;
        ``boilerplate``: ``lines``, ``documents``, ``characters``,
        ``character_share`` and ``top_lines`` ([line, document count], at most
        :data:`STATS_TOP_LINES`).

    Examples
    --------
    >>> cleaner = TextCleaner(mode="on")
    >>> cleaner.fit_transform(["Crash [~bob] saw:\\n\\tat org.a.B.c(B.java:3)\\nafter restart"])
    ['Crash saw:\\n\\nafter restart']
    """

    def __init__(
        self,
        *,
        mode: Mode = "auto",
        code_blocks: bool = True,
        reply_headers: bool = True,
        runtime_frames: bool = True,
        stack_traces: bool = True,
        log_lines: bool = True,
        urls: bool = True,
        emails: bool = True,
        mentions: bool = True,
        paths: bool = True,
        markup: bool = True,
        tex: bool = True,
        numbers: bool = True,
        boilerplate: bool = True,
        boilerplate_min_df: int = BOILERPLATE_MIN_DF,
        boilerplate_max_share: float = BOILERPLATE_MAX_SHARE,
        auto_min_share: float = AUTO_MIN_SHARE,
    ) -> None:
        self.mode = mode
        self.code_blocks = code_blocks
        self.reply_headers = reply_headers
        self.runtime_frames = runtime_frames
        self.stack_traces = stack_traces
        self.log_lines = log_lines
        self.urls = urls
        self.emails = emails
        self.mentions = mentions
        self.paths = paths
        self.markup = markup
        self.tex = tex
        self.numbers = numbers
        self.boilerplate = boilerplate
        self.boilerplate_min_df = boilerplate_min_df
        self.boilerplate_max_share = boilerplate_max_share
        self.auto_min_share = auto_min_share

    # -- validation ------------------------------------------------------------

    def _validate_params(self) -> None:
        _check_params(self.get_params())

    def _enabled_rules(self) -> list[str]:
        if self.mode == "off":
            return []
        return [name for name in RULE_NAMES if getattr(self, name)]

    # -- fitting ---------------------------------------------------------------

    def fit(self, texts: Iterable[str], y: Any = None) -> TextCleaner:
        """Learn which families are active (auto mode) and the boilerplate lines.

        Parameters
        ----------
        texts : iterable of str, length n_documents

        Returns
        -------
        self
        """
        self._fit(texts)
        return self

    def fit_transform(self, texts: Iterable[str], y: Any = None) -> list[str]:
        """``fit(texts)`` and return the cleaned training texts (computed once).

        Returns
        -------
        list of str, length n_documents
        """
        return self._fit(texts)

    def _fit(self, texts: Iterable[str]) -> list[str]:
        self._validate_params()
        docs = _as_texts(texts)
        n = len(docs)
        if n == 0:
            raise ValueError("TextCleaner: the corpus is empty (0 documents); nothing to fit.")
        raw = docs
        docs = [_newlines(t) for t in docs]
        enabled = self._enabled_rules()
        # Pass 1: every enabled family, counting the documents each one matches.
        cleaned, doc_counts, char_counts, touched = _apply_rules(docs, enabled)
        if self.mode == "auto":
            need = max(1, math.ceil(self.auto_min_share * n - 1e-12))
            active = [r for r in enabled if doc_counts[r] >= need]
        else:
            active = list(enabled)
        matched = doc_counts
        if active != enabled:  # Pass 2: only the active families
            cleaned, doc_counts, char_counts, touched = _apply_rules(docs, active)

        frequent: list[tuple[str, int]] = []
        if self.boilerplate and self.mode != "off":
            need_df = max(self.boilerplate_min_df, math.floor(self.boilerplate_max_share * n) + 1)
            frequent = _frequent_lines(cleaned, need_df)
        lines = [line for line, _ in frequent]
        self.active_rules_ = active
        self.boilerplate_lines_ = lines
        self._boilerplate_set = frozenset(lines)
        self.n_documents_ = n

        out: list[str] = []
        bp_docs = bp_chars = 0
        for text, hit in zip(cleaned, touched):
            if self._boilerplate_set:
                before = len(text)
                text = self._drop_boilerplate(text)
                if len(text) != before:
                    hit = True
                    bp_docs += 1
                    bp_chars += before - len(text)
            out.append(_tidy(text) if hit else text)
        if self.mode == "off":
            out = list(raw)

        n_chars = sum(len(t) for t in docs)
        denom = max(n_chars, 1)
        out_chars = sum(len(t) for t in out)
        self.stats_ = {
            "n_documents": n,
            "n_characters": n_chars,
            "characters_removed_share": (n_chars - out_chars) / denom if self.mode != "off" else 0.0,
            "rules": {
                r: {
                    "active": r in active,
                    "documents_matched": int(matched.get(r, 0)),
                    "documents": int(doc_counts.get(r, 0)) if r in active else 0,
                    "characters": int(char_counts.get(r, 0)) if r in active else 0,
                    "character_share": (char_counts.get(r, 0) / denom) if r in active else 0.0,
                }
                for r in RULE_NAMES
            },
            "boilerplate": {
                "lines": len(lines),
                "documents": bp_docs,
                "characters": bp_chars,
                "character_share": bp_chars / denom,
                "top_lines": [[line, df] for line, df in frequent[:STATS_TOP_LINES]],
            },
        }
        return out

    # -- transforming ----------------------------------------------------------

    def _drop_boilerplate(self, text: str) -> str:
        bp = self._boilerplate_set
        kept = [ln for ln in text.split("\n")
                if len(ln) > BOILERPLATE_MAX_LINE_CHARS or normalize_line(ln) not in bp]
        return "\n".join(kept)

    def transform_one(self, text: str) -> str:
        """Clean one document with the fitted rules and boilerplate lines.

        Parameters
        ----------
        text : str

        Returns
        -------
        str
            The cleaned document; ``mode="off"`` returns ``text`` itself.
        """
        check_is_fitted(self, "active_rules_")
        if not isinstance(text, str):
            raise ValueError(f"TextCleaner: a document must be str; got {type(text).__name__}.")
        if self.mode == "off":
            return text
        text = _newlines(text)
        hit = 0
        for name in self.active_rules_:
            text, n = _RULES_BY_NAME[name].apply(text)
            hit += n
        if self._boilerplate_set:
            before = len(text)
            text = self._drop_boilerplate(text)
            hit += len(text) != before
        return _tidy(text) if hit else text

    def transform(self, texts: Iterable[str]) -> list[str]:
        """Clean documents with the fitted rules and boilerplate lines.

        Parameters
        ----------
        texts : iterable of str, length n_documents

        Returns
        -------
        list of str, length n_documents
        """
        check_is_fitted(self, "active_rules_")
        return [self.transform_one(t) for t in _as_texts(texts)]

    # -- plain data ------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Parameters and fitted state as JSON-serialisable plain data.

        Returns
        -------
        dict
            ``{"type": "TextCleaner", "version": CLEANER_FORMAT_VERSION,
            "params": {...}, "fitted": None or {"active_rules_", "boilerplate_lines_",
            "n_documents_", "stats_"}}``. :meth:`from_dict` rebuilds a cleaner
            that cleans new documents exactly like this one.
        """
        params = self.get_params()
        fitted = None
        if hasattr(self, "active_rules_"):
            fitted = {
                "active_rules_": list(self.active_rules_),
                "boilerplate_lines_": list(self.boilerplate_lines_),
                "n_documents_": int(self.n_documents_),
                "stats_": _plain(self.stats_),
            }
        return {"type": "TextCleaner", "version": CLEANER_FORMAT_VERSION, "params": params, "fitted": fitted}

    @classmethod
    def from_dict(cls, d: Any) -> TextCleaner:
        """Rebuild a cleaner from :meth:`to_dict` output, validating every field.

        The data may come from an untrusted model file: types, bounds, sizes
        and names are checked, and nothing in it is executed or compiled.

        Raises
        ------
        ValueError
            A field is missing, unknown, of the wrong type, out of bounds or
            too large; the message names the field.
        """
        _expect(isinstance(d, dict), "TextCleaner.from_dict: expected a dict; got " + type(d).__name__)
        _check_keys(d, {"type", "version", "params", "fitted"}, "TextCleaner")
        _expect(d["type"] == "TextCleaner",
                f"TextCleaner: field 'type' must be 'TextCleaner'; got {_short(d['type'])}.")
        _expect(_is_int(d["version"]) and d["version"] == CLEANER_FORMAT_VERSION,
                f"TextCleaner: field 'version' must be {CLEANER_FORMAT_VERSION}; got {_short(d['version'])}.")
        params = d["params"]
        _expect(isinstance(params, dict), "TextCleaner: field 'params' must be a dict.")
        params = {"runtime_frames": False, **params}  # saved before the family existed: it did not apply
        _check_keys(params, set(_PARAM_CHECKS), "params")
        _check_params(params, prefix="params.")
        cleaner = cls(**params)
        fitted = d["fitted"]
        if fitted is None:
            return cleaner
        _expect(isinstance(fitted, dict), "TextCleaner: field 'fitted' must be a dict or None.")
        _check_keys(fitted, {"active_rules_", "boilerplate_lines_", "n_documents_", "stats_"}, "fitted")

        active = fitted["active_rules_"]
        _expect(isinstance(active, list) and len(active) <= len(RULE_NAMES)
                and all(isinstance(r, str) for r in active),
                "TextCleaner: field 'fitted.active_rules_' must be a list of rule names.")
        enabled = cleaner._enabled_rules()
        _expect(all(r in enabled for r in active) and active == [r for r in RULE_NAMES if r in active],
                f"TextCleaner: field 'fitted.active_rules_' must list enabled rules {enabled!r} in order; "
                f"got {_short(active)}.")

        lines = fitted["boilerplate_lines_"]
        _expect(isinstance(lines, list), "TextCleaner: field 'fitted.boilerplate_lines_' must be a list.")
        _expect(len(lines) <= BOILERPLATE_MAX_LINES,
                f"TextCleaner: field 'fitted.boilerplate_lines_' has {len(lines)} lines; "
                f"at most {BOILERPLATE_MAX_LINES} allowed.")
        for i, line in enumerate(lines):
            _expect(isinstance(line, str) and 0 < len(line) <= BOILERPLATE_MAX_LINE_CHARS
                    and normalize_line(line) == line,
                    f"TextCleaner: field 'fitted.boilerplate_lines_[{i}]' must be a normalised line of 1 to "
                    f"{BOILERPLATE_MAX_LINE_CHARS} characters; got {_short(line)}.")
        _expect(len(set(lines)) == len(lines), "TextCleaner: field 'fitted.boilerplate_lines_' has duplicates.")
        _expect(not lines or (params["boilerplate"] and params["mode"] != "off"),
                "TextCleaner: field 'fitted.boilerplate_lines_' must be empty when boilerplate is off.")

        n_docs = fitted["n_documents_"]
        _expect(_is_int(n_docs) and 1 <= n_docs <= _MAX_INT,
                f"TextCleaner: field 'fitted.n_documents_' must be an int >= 1; got {_short(n_docs)}.")
        raw_stats = fitted["stats_"]
        if isinstance(raw_stats, dict) and isinstance(raw_stats.get("rules"), dict) \
                and "runtime_frames" not in raw_stats["rules"]:  # saved before the family existed
            raw_stats = {**raw_stats, "rules": {**raw_stats["rules"], "runtime_frames": dict(_NO_MATCHES)}}
        stats = _check_stats(raw_stats)

        cleaner.active_rules_ = list(active)
        cleaner.boilerplate_lines_ = list(lines)
        cleaner._boilerplate_set = frozenset(lines)
        cleaner.n_documents_ = int(n_docs)
        cleaner.stats_ = stats
        return cleaner

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state.pop("_boilerplate_set", None)
        return state

    def __setstate__(self, state: dict) -> None:
        state = {"runtime_frames": False, **state}  # pickled before the family existed: it did not apply
        self.__dict__.update(state)
        if "boilerplate_lines_" in state:
            self._boilerplate_set = frozenset(state["boilerplate_lines_"])

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        return tags


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------

def _apply_rules(docs: list[str], names: list[str]) -> tuple[list[str], Counter, Counter, list[bool]]:
    """Apply families in order; count documents matched and characters removed per family,
    and say which documents some family changed."""
    rules = [_RULES_BY_NAME[r] for r in names]
    doc_counts: Counter[str] = Counter()
    char_counts: Counter[str] = Counter()
    out = []
    touched = []
    for text in docs:
        hit = False
        for rule in rules:
            before = len(text)
            text, n = rule.apply(text)
            if n:
                hit = True
                doc_counts[rule.name] += 1
                char_counts[rule.name] += before - len(text)
        out.append(text)
        touched.append(hit)
    return out, doc_counts, char_counts, touched


def _frequent_lines(texts: list[str], need_df: int) -> list[tuple[str, int]]:
    """(normalised line, document frequency) of the lines in at least ``need_df`` texts.

    Most frequent first, at most :data:`BOILERPLATE_MAX_LINES`; lines longer than
    :data:`BOILERPLATE_MAX_LINE_CHARS` or of fewer than :data:`BOILERPLATE_MIN_WORDS`
    words are not counted.
    """
    line_df: Counter[str] = Counter()
    for text in texts:
        keys = {normalize_line(ln) for ln in text.split("\n") if len(ln) <= BOILERPLATE_MAX_LINE_CHARS}
        line_df.update(k for k in keys if k.count(" ") >= BOILERPLATE_MIN_WORDS - 1)
    frequent = [(line, df) for line, df in line_df.items() if df >= need_df]
    frequent.sort(key=lambda item: (-item[1], item[0]))
    if len(frequent) > BOILERPLATE_MAX_LINES:
        logger.warning("TextCleaner: %d boilerplate lines; keeping the %d most frequent.",
                       len(frequent), BOILERPLATE_MAX_LINES)
        frequent = frequent[:BOILERPLATE_MAX_LINES]
    return frequent


def _as_texts(texts: Iterable[str]) -> list[str]:
    if isinstance(texts, str):
        raise ValueError("TextCleaner: expected an iterable of documents (str), got a single str; wrap it in a list.")
    docs = list(texts)
    for i, t in enumerate(docs):
        if not isinstance(t, str):
            raise ValueError(f"TextCleaner: document {i} is {type(t).__name__}, not str.")
    return docs


def _expect(ok: bool, message: str) -> None:
    if not ok:
        raise ValueError(message)


def _short(value: Any) -> str:
    s = repr(value)
    return s if len(s) <= 80 else s[:77] + "..."


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _check_keys(d: dict, allowed: set[str], where: str) -> None:
    keys = set(d)
    bad = [k for k in keys if not isinstance(k, str)]
    _expect(not bad, f"TextCleaner: '{where}' has non-string keys {_short(bad)}.")
    unknown = sorted(keys - allowed)
    _expect(not unknown, f"TextCleaner: '{where}' has unknown fields {_short(unknown)}.")
    missing = sorted(allowed - keys)
    _expect(not missing, f"TextCleaner: '{where}' lacks fields {_short(missing)}.")


def _check_bool(name: str, v: Any, prefix: str) -> None:
    _expect(isinstance(v, bool), f"TextCleaner: '{prefix}{name}' must be True or False; got {_short(v)}.")


def _check_mode(name: str, v: Any, prefix: str) -> None:
    _expect(isinstance(v, str) and v in _MODES,
            f"TextCleaner: '{prefix}{name}' must be one of {_MODES!r}; got {_short(v)}.")


def _check_min_df(name: str, v: Any, prefix: str) -> None:
    _expect(_is_int(v) and 1 <= v <= _MAX_INT, f"TextCleaner: '{prefix}{name}' must be an int >= 1; got {_short(v)}.")


def _check_share(name: str, v: Any, prefix: str) -> None:
    _expect(_is_number(v) and 0.0 <= v <= 1.0,
            f"TextCleaner: '{prefix}{name}' must be a float in [0, 1]; got {_short(v)}.")


_PARAM_CHECKS: dict[str, Callable[[str, Any, str], None]] = {
    "mode": _check_mode,
    **{name: _check_bool for name in _BOOL_PARAMS},
    "boilerplate_min_df": _check_min_df,
    "boilerplate_max_share": _check_share,
    "auto_min_share": _check_share,
}


def _check_params(params: dict, prefix: str = "") -> None:
    for name, check in _PARAM_CHECKS.items():
        check(name, params[name], prefix)


def _plain(stats: dict) -> dict:
    """A deep copy of stats_ made of dicts, lists, str, int, float, bool."""
    return {
        "n_documents": int(stats["n_documents"]),
        "n_characters": int(stats["n_characters"]),
        "characters_removed_share": float(stats["characters_removed_share"]),
        "rules": {r: dict(v) for r, v in stats["rules"].items()},
        "boilerplate": {**stats["boilerplate"], "top_lines": [list(x) for x in stats["boilerplate"]["top_lines"]]},
    }


_RULE_STAT_CHECKS = {
    "active": lambda v: isinstance(v, bool),
    "documents_matched": lambda v: _is_int(v) and 0 <= v <= _MAX_INT,
    "documents": lambda v: _is_int(v) and 0 <= v <= _MAX_INT,
    "characters": lambda v: _is_int(v) and -_MAX_INT <= v <= _MAX_INT,
    "character_share": lambda v: _is_number(v) and -1.0 <= v <= 1.0,
}
_BOILERPLATE_STAT_CHECKS = {
    "lines": lambda v: _is_int(v) and 0 <= v <= BOILERPLATE_MAX_LINES,
    "documents": lambda v: _is_int(v) and 0 <= v <= _MAX_INT,
    "characters": lambda v: _is_int(v) and 0 <= v <= _MAX_INT,
    "character_share": lambda v: _is_number(v) and 0.0 <= v <= 1.0,
}


_NO_MATCHES = {"active": False, "documents_matched": 0, "documents": 0, "characters": 0, "character_share": 0.0}


def merge_stats(parts: list[dict]) -> dict:
    """``stats_`` of one fit on a whole corpus, from the fits on its parts.

    For cleaners that decide nothing from the corpus (``mode="on"``, no
    boilerplate), such as those fitted partition by partition on a Dask
    cluster: every count is a sum, every share is recomputed from the sums.

    Raises
    ------
    ValueError
        ``parts`` is empty or one of them learned boilerplate lines.
    """
    _expect(bool(parts), "TextCleaner.merge_stats: no parts.")
    _expect(all(p["boilerplate"]["lines"] == 0 for p in parts),
            "TextCleaner.merge_stats: parts with boilerplate lines cannot be merged (boilerplate is corpus-wide).")
    n_chars = sum(int(p["n_characters"]) for p in parts)
    denom = max(n_chars, 1)
    removed = sum(round(float(p["characters_removed_share"]) * max(int(p["n_characters"]), 1)) for p in parts)
    rules = {}
    for r in RULE_NAMES:
        entries = [p["rules"][r] for p in parts]
        chars = sum(int(e["characters"]) for e in entries)
        rules[r] = {"active": any(e["active"] for e in entries),
                    "documents_matched": sum(int(e["documents_matched"]) for e in entries),
                    "documents": sum(int(e["documents"]) for e in entries),
                    "characters": chars, "character_share": chars / denom}
    return {"n_documents": sum(int(p["n_documents"]) for p in parts), "n_characters": n_chars,
            "characters_removed_share": removed / denom, "rules": rules,
            "boilerplate": {"lines": 0, "documents": 0, "characters": 0, "character_share": 0.0, "top_lines": []}}


def _check_stats(stats: Any) -> dict:
    where = "fitted.stats_"
    _expect(isinstance(stats, dict), f"TextCleaner: field '{where}' must be a dict.")
    _check_keys(stats, {"n_documents", "n_characters", "characters_removed_share", "rules", "boilerplate"}, where)
    for key, ok in (("n_documents", _is_int(stats["n_documents"]) and 0 <= stats["n_documents"] <= _MAX_INT),
                    ("n_characters", _is_int(stats["n_characters"]) and 0 <= stats["n_characters"] <= _MAX_INT),
                    ("characters_removed_share", _is_number(stats["characters_removed_share"])
                     and -1.0 <= stats["characters_removed_share"] <= 1.0)):
        _expect(ok, f"TextCleaner: field '{where}.{key}' is out of bounds or of the wrong type; "
                    f"got {_short(stats[key])}.")
    rules = stats["rules"]
    _expect(isinstance(rules, dict), f"TextCleaner: field '{where}.rules' must be a dict.")
    _check_keys(rules, set(RULE_NAMES), f"{where}.rules")
    for r, entry in rules.items():
        _expect(isinstance(entry, dict), f"TextCleaner: field '{where}.rules.{r}' must be a dict.")
        _check_keys(entry, set(_RULE_STAT_CHECKS), f"{where}.rules.{r}")
        for key, ok in _RULE_STAT_CHECKS.items():
            _expect(ok(entry[key]), f"TextCleaner: field '{where}.rules.{r}.{key}' is out of bounds or of the "
                                    f"wrong type; got {_short(entry[key])}.")
    bp = stats["boilerplate"]
    _expect(isinstance(bp, dict), f"TextCleaner: field '{where}.boilerplate' must be a dict.")
    _check_keys(bp, {*_BOILERPLATE_STAT_CHECKS, "top_lines"}, f"{where}.boilerplate")
    for key, ok in _BOILERPLATE_STAT_CHECKS.items():
        _expect(ok(bp[key]), f"TextCleaner: field '{where}.boilerplate.{key}' is out of bounds or of the wrong "
                             f"type; got {_short(bp[key])}.")
    top = bp["top_lines"]
    _expect(isinstance(top, list) and len(top) <= STATS_TOP_LINES,
            f"TextCleaner: field '{where}.boilerplate.top_lines' must be a list of at most {STATS_TOP_LINES}.")
    for i, item in enumerate(top):
        _expect(isinstance(item, list) and len(item) == 2 and isinstance(item[0], str)
                and len(item[0]) <= BOILERPLATE_MAX_LINE_CHARS and _is_int(item[1]) and 0 <= item[1] <= _MAX_INT,
                f"TextCleaner: field '{where}.boilerplate.top_lines[{i}]' must be [line, count]; got {_short(item)}.")
    return _plain(stats)
