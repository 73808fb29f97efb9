"""The BM25 keyword index: tokens, search, incremental updates and its files."""
from __future__ import annotations

import json

import pytest

from rag.errors import IndexCorrupt
from rag.keyword import KeywordIndex, tokenize
from rag.records import Chunk

TEXTS = {
    "press": "Teams write a press release before they build anything: working backwards.",
    "critic": "The critic says warehouse workers pay for low prices with long shifts.",
    "letter": "We will make investment decisions for long-term leadership, not short-term profit.",
}

PATHS = {"press": "corpus/jassy.txt", "critic": "corpus/critic.txt", "letter": "corpus/jassy.txt"}


def chunk(cid: str, text: str) -> Chunk:
    return Chunk(id=cid, path=PATHS[cid], title="", doc_sha="", start=0, end=len(text), text=text, sentences=())


@pytest.fixture
def index() -> KeywordIndex:
    kw = KeywordIndex()
    kw.update([chunk(cid, text) for cid, text in TEXTS.items()], set())
    return kw


def test_tokenize_lowercases_drops_stop_words_and_strips_plurals():
    assert tokenize("The Customers' obsessions, and THE Day-2 process!") == [
        "customer", "obsession", "day", "2", "process"]  # "-ss" is not a plural


def test_search_finds_the_chunk_with_the_words(index):
    hits = index.search("What do warehouse workers pay?", k=3)
    assert hits[0][0] == "critic"
    assert all(score > 0 for _, score in hits)


def test_search_returns_nothing_without_a_shared_word(index):
    assert index.search("sourdough bread recipe", k=3) == []
    assert index.search("the and of", k=3) == []  # only stop words


def test_search_respects_k_and_allowed(index):
    assert len(index.search("long", k=1)) == 1
    hits = index.search("long press warehouse", k=3, allowed={"press", "letter"})
    assert hits and {cid for cid, _ in hits} <= {"press", "letter"}


def test_update_removes_and_replaces_rows(index):
    before = index.fingerprint
    index.update([chunk("press", "Nothing about that topic any more.")], {"critic"})
    assert sorted(index.ids) == ["letter", "press"]  # replaced, not duplicated
    assert index.search("warehouse workers", k=3) == []
    assert index.search("press release", k=3) == []
    assert index.search("topic", k=3)[0][0] == "press"
    assert index.fingerprint != before


def test_chunk_ids_of_documents_follow_updates(index):
    assert index.chunk_ids(("corpus/jassy.txt",)) == {"press", "letter"}
    assert index.chunk_ids(("corpus/jassy.txt", "corpus/critic.txt", "corpus/none.txt")) == set(TEXTS)
    index.update([], {"press"})
    assert index.chunk_ids(("corpus/jassy.txt",)) == {"letter"}


def test_the_chunk_after_another_is_the_next_one_of_its_document_by_offset():
    kw = KeywordIndex()
    parts = [("c3", 200), ("c1", 0), ("c2", 100)]  # added out of order, as a rebuild from the store may
    kw.update([Chunk(id=cid, path="doc.txt", title="", doc_sha="", start=start, end=start + 99, text="words",
                     sentences=()) for cid, start in parts], set())
    kw.update([chunk("critic", TEXTS["critic"])], set())
    assert [kw.following(cid) for cid in ("c1", "c2", "c3", "critic")] == ["c2", "c3", None, None]
    kw.update([], {"c2"})
    assert kw.following("c1") == "c3"


def test_save_and_load_round_trip(index, tmp_path):
    index.save(tmp_path)
    loaded = KeywordIndex.load(tmp_path)
    assert loaded.fingerprint == index.fingerprint
    assert loaded.chunk_ids(("corpus/jassy.txt",)) == {"press", "letter"}
    assert loaded.starts == index.starts
    for query in ("press release", "warehouse workers", "long-term profit"):
        got, want = loaded.search(query, k=3), index.search(query, k=3)
        assert want and [cid for cid, _ in got] == [cid for cid, _ in want]
        assert [score for _, score in got] == pytest.approx([score for _, score in want])


def test_load_without_files_gives_none(tmp_path):
    assert KeywordIndex.load(tmp_path) is None


@pytest.mark.parametrize("damage", ["garbage-npz", "garbage-json", "wrong-fingerprint", "no-paths", "no-starts"])
def test_damaged_files_raise_index_corrupt(index, tmp_path, damage):
    index.save(tmp_path)
    if damage == "garbage-npz":
        (tmp_path / "keyword.npz").write_bytes(b"not a numpy archive")
    elif damage == "garbage-json":
        (tmp_path / "keyword.json").write_text("{", encoding="utf-8")
    else:  # "no-paths", "no-starts": saved before rows knew their document, their offset
        meta = json.loads((tmp_path / "keyword.json").read_text(encoding="utf-8"))
        if damage == "wrong-fingerprint":
            meta["fingerprint"] = "0" * 40
        elif damage == "no-starts":
            del meta["starts"]
        else:
            del meta["paths"], meta["doc"]
        (tmp_path / "keyword.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(IndexCorrupt, match="rag ingest"):
        KeywordIndex.load(tmp_path)


def test_a_term_is_known_where_the_corpus_uses_a_word_of_its_stem_and_searched_as_written(index):
    idf, known = index.idf(["building", "shifting", "workforce", "pressure", "kit"])
    assert known == [True, True, False, False, False]  # "build", "shifts"; not "workers", "press", a short word
    assert idf[0] == index.idf(["build"])[0][0] and idf[2] > idf[0]
    assert index.search("building", k=3) == []  # matching stays exact
