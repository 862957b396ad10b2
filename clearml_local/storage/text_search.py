"""search_text as MongoDB's text index reads it: stemmed words, "phrases" and -excluded words."""
import re
import threading
from functools import lru_cache

import snowballstemmer

_WORDS = re.compile(r'"([^"]*)"|(-?)([^\s"]+)')
# MongoDB stems a text index's words and the searched ones with Snowball (clearml-server's
# main_text_index: default_language "english"); a stemmer object is not thread-safe.
_STEMMER = snowballstemmer.stemmer("english")
_STEMMER_LOCK = threading.Lock()


@lru_cache(maxsize=65536)
def stem(word):
    with _STEMMER_LOCK:
        return _STEMMER.stemWord(word)


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
