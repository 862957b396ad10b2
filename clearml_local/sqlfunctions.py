"""SQL functions the compiled get_all queries use (regular expressions, numeric ordering,
text search); Storage registers them on its connection."""
import re
import threading
from functools import lru_cache

import snowballstemmer

from . import errors

# MongoDB stems a text index's words and the searched ones with Snowball (clearml-server's
# main_text_index: default_language "english"); a stemmer object is not thread-safe.
_STEMMER = snowballstemmer.stemmer("english")
_STEMMER_LOCK = threading.Lock()


@lru_cache(maxsize=65536)
def stem(word):
    with _STEMMER_LOCK:
        return _STEMMER.stemWord(word)


@lru_cache(maxsize=256)
def compile_pattern(pattern, flags):
    """A compiled regular expression; InvalidRegex (400) when pattern is malformed."""
    try:
        return re.compile(pattern, flags)
    except re.error as exc:
        raise errors.InvalidRegex(f"malformed regular expression {pattern!r}: {exc}") from None


def regexp(pattern, value, flags=0):
    return value is not None and compile_pattern(pattern, flags).search(str(value)) is not None


def iregexp(pattern, value):
    return regexp(pattern, value, re.IGNORECASE)


def sortkey(value):
    """Numbers (and numeric strings) before other text, in numeric order (ICU numericOrdering)."""
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value


_WORDS = re.compile(r'"([^"]*)"|(-?)([^\s"]+)')


@lru_cache(maxsize=64)
def _text_terms(text):
    phrases, words, excluded = [], [], []
    for phrase, minus, word in _WORDS.findall(text.lower()):
        if phrase:
            phrases.append(phrase)
        elif word:
            (excluded if minus else words).extend(stem(w) for w in re.findall(r"\w+", word))
    return phrases, words, excluded


def text_match(text, *fields):
    """MongoDB $text with English stemming: any word's stem as a whole word's, every phrase
    as it is, no -word; no stop words left out."""
    phrases, words, excluded = _text_terms(text)
    content = " ".join(str(f) for f in fields if f is not None).lower()
    tokens = {stem(token) for token in re.findall(r"\w+", content)}
    if any(w in tokens for w in excluded) or not all(p in content for p in phrases):
        return False
    return bool(phrases) or any(w in tokens for w in words)


def register(db):
    db.create_function("REGEXP", 2, regexp, deterministic=True)
    db.create_function("IREGEXP", 2, iregexp, deterministic=True)
    db.create_function("SORTKEY", 1, sortkey, deterministic=True)
    db.create_function("TEXT_MATCH", -1, text_match, deterministic=True)
