"""The engine end to end: real model, real embedded Chroma in tmp_path, the tiny corpus of conftest."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from tiny_corpus import CRITIC, JASSY, make_settings, verifies, write_corpus
from rag.chunking import chunk_document
from rag.engine import VOUCHED_SUPPORT_SHARE, Engine
from rag.evidence import AMOUNT, DATE, FEATURES, NAME, NUMBER_OF, SHARE, Window
from rag.errors import IndexCorrupt, IndexMismatch, IndexMissing, QuestionError, RagError
from rag.indexing import ingest
from rag.keyword import KeywordIndex
from rag.loading import load_corpus
from rag.records import Answer, Quote, Turn
from rag.retrieval import KEYWORD_KEPT, retrieve
from rag.store import Store

QUESTIONS = [
    "What is working backwards?",
    "What does the critic say about warehouse workers?",
    "Why does the 1997 letter favour the long term over short-term profit?",
    "What does Day 2 look like?",
    "How does Jassy's view of customer obsession differ from the critic's view?",
]
OFF_TOPIC = "What is the recommended torque for bicycle pedal threads?"


@pytest.fixture(scope="module")
def engine(built_index, embedder) -> Engine:
    settings, _ = built_index
    return Engine.open(settings, embedder)


@pytest.fixture(scope="module")
def answers(engine) -> dict:
    return {q: engine.ask(q) for q in QUESTIONS}


@pytest.fixture
def fresh(settings, embedder):
    """A corpus and index of this test's own (it may edit them): (settings, first ingest report)."""
    return settings, ingest(settings, embedder)


def path_of(settings, name: str) -> str:
    return (Path(settings.corpus_dir) / name).as_posix()


# --- answers --------------------------------------------------------------------------------------


def test_every_citation_verifies_against_its_file(answers):
    for question, answer in answers.items():
        assert not answer.abstained and answer.citations, question
        for c in answer.citations:
            assert verifies(c.path, c.start, c.end, c.text), (question, c)


def test_answer_quotes_the_document_that_says_it(answers, built_index):
    answer = answers["What is working backwards?"]
    jassy = path_of(built_index[0], "jassy.txt")
    assert any(c.path == jassy and "working backwards" in c.text for c in answer.citations)


def test_citations_are_numbered_and_marked_in_the_answer(answers):
    for answer in answers.values():
        assert [c.n for c in answer.citations] == list(range(1, len(answer.citations) + 1))
        for c in answer.citations:
            assert f"[{c.n}]" in answer.answer


def test_citations_of_one_answer_do_not_overlap(answers):
    for question, answer in answers.items():
        spans = sorted((c.path, c.start, c.end) for c in answer.citations)
        for (p1, _, e1), (p2, s2, _) in zip(spans, spans[1:]):
            assert p1 != p2 or e1 <= s2, (question, [(c.n, c.text) for c in answer.citations])


def test_comparison_quotes_each_side_from_its_own_documents(answers):
    answer = answers["How does Jassy's view of customer obsession differ from the critic's view?"]
    assert answer.kind == "comparison" and len(answer.sides) == 2
    for side in answer.sides:
        mine = [c for c in answer.citations if c.side == side.label]
        assert all(c.path in side.paths for c in mine)
        if not mine:
            assert f"No passage in {side.label}" in answer.answer.replace("\\", "")


def test_a_year_no_passage_holds_is_named_instead_of_quoting_another_year(engine):
    answer = engine.ask("What did the 2031 letter promise shareholders about the long term?")
    assert answer.abstained and answer.uncovered == ("2031",) and not answer.citations
    assert "say nothing about **2031**" in answer.answer
    assert not engine.ask("What did the 1997 letter promise shareholders about the long term?").uncovered


def test_a_price_no_passage_states_is_named_instead_of_quoting_another_figure(engine, tmp_path, embedder):
    # The tiny corpus talks about dollars and prices but states no sum of money.
    answer = engine.ask("What was the price of a press release at Amazon?")
    assert answer.abstained and answer.uncovered == (AMOUNT,) and not answer.citations
    assert "nothing about **a price or amount of money**, so I won't answer with another figure" in answer.answer
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "ferry.txt").write_text("The harbour ferry started running in 1990.\n\nA single ticket on the harbour "
                                      "ferry cost $12 in its first year.\n", encoding="utf-8")
    ferry, _ = Engine.build(make_settings(corpus, tmp_path / "index"), embedder)
    assert not ferry.ask("What was the price of a ticket on the harbour ferry?").uncovered


@pytest.mark.parametrize("text, uncovered", [
    ("The harbour ferry started running after the new pier opened.\n\nIt carries commuters and tourists.\n", (DATE,)),
    ("The harbour ferry started running in 1990, after the new pier opened.\n\nIt carries commuters.\n", ()),
])
def test_a_question_for_a_year_that_no_passage_dates_is_told_so(tmp_path, embedder, text, uncovered):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "ferry.txt").write_text(text, encoding="utf-8")
    # A year stated only where the answer does not stand (a passage the scorer would not answer from) dates nothing.
    (corpus / "library.txt").write_text("The town library was founded in 1990. It keeps old maps of the coast.\n",
                                        encoding="utf-8")
    ferry, _ = Engine.build(make_settings(corpus, tmp_path / "index"), embedder)
    answer = ferry.ask("In what year did the harbour ferry start running?")
    assert answer.uncovered == uncovered and answer.abstained == bool(uncovered)
    if uncovered:
        assert "nothing about **a date or year**" in answer.answer


def test_headers_page_markers_and_headings_are_never_quoted(answers, engine):
    asked = [*answers.values(), engine.ask("Who is the author of the 1997 letter?")]
    for answer in asked:
        for quote in answer.citations:
            assert not any(line.strip().startswith(("Author:", "[Page", "#")) for line in quote.text.splitlines())


def test_quotes_come_best_first_within_a_source_and_across_sources(answers):
    for answer in answers.values():
        if answer.kind != "fact":
            continue
        scores = [q.score for q in answer.citations]
        firsts = {}
        for q in answer.citations:
            firsts.setdefault(q.path, q.score)
            mine = [c.score for c in answer.citations if c.path == q.path]
            assert mine[0] == max(mine)  # its best first; the others as chosen (what the text says next after it)
        assert list(firsts.values()) == sorted(firsts.values(), reverse=True)
        assert not scores or max(scores) == scores[0]


def test_what_the_text_says_next_comes_right_after_the_quote_it_goes_on_from(engine, tmp_path):
    """Each source's best quote first, then its others by score, except one that goes on right where the quote before
    it ends (a follow-up's "what the text says next"): it is not pushed behind a passage that scored a little higher."""
    text = "The mill kept two ledgers. What did they hold? Prices and names. The river rose. It flooded."
    mill, other = tmp_path / "mill.txt", tmp_path / "other.txt"
    mill.write_text(text, encoding="utf-8")
    other.write_text(text, encoding="utf-8")
    row = np.zeros(len(FEATURES))

    def window(said: str, score: float, path: Path = mill) -> tuple[Window, str]:
        start = text.index(said)
        return Window(str(path), start, start + len(said), 0, text, row, score), said

    found = [window("The mill kept two ledgers.", 0.9), window("It flooded.", 0.05),
             window("What did they hold? Prices and names.", 0.01), window("The river rose.", 0.03),
             window("Prices and names.", 0.5, other)]
    assert [(Path(q.path).name, q.text) for q in engine._number(found, None)] == [
        ("mill.txt", "The mill kept two ledgers."), ("mill.txt", "What did they hold? Prices and names."),
        ("mill.txt", "The river rose."), ("mill.txt", "It flooded."), ("other.txt", "Prices and names.")]


def test_off_topic_question_abstains_with_suggestions(engine):
    answer = engine.ask(OFF_TOPIC)
    assert answer.abstained and answer.citations == ()
    titles = {d.title for d in engine.documents()}
    assert answer.suggestions and set(answer.suggestions) <= titles
    assert "no passage" in answer.answer.lower()


@pytest.mark.parametrize("question", ["", "   \n", None, "why? " * 500], ids=["empty", "blank", "none", "too-long"])
def test_empty_or_too_long_question_raises_question_error(engine, question):
    with pytest.raises(QuestionError):
        engine.ask(question)


def test_follow_up_is_answered_with_the_earlier_question_in_mind(engine):
    first = engine.ask("What is working backwards?")
    second = engine.ask("And what does the critic say about that?", history=[Turn(first.question, first)])
    assert "working backwards" in second.resolved_question
    assert second.question == "And what does the critic say about that?"


# --- incremental ingest ---------------------------------------------------------------------------


def test_second_ingest_embeds_nothing(fresh, embedder):
    settings, first = fresh
    assert first.added == 4 and first.chunks_embedded == first.chunks > 0
    again = ingest(settings, embedder)
    assert (again.chunks_embedded, again.sentences_embedded) == (0, 0)
    assert (again.unchanged, again.added, again.updated, again.removed) == (4, 0, 0, 0)
    assert again.chunks == first.chunks


def test_editing_a_document_reembeds_only_it_and_drops_its_old_chunks(fresh, embedder):
    settings, _ = fresh
    jassy = path_of(settings, "jassy.txt")
    old_ids = Store(settings).stored_docs()[jassy].chunk_ids
    Path(jassy).write_text(JASSY.replace("press release", "six-page memo"), encoding="utf-8")
    report = ingest(settings, embedder)
    (doc,) = [d for d in load_corpus(settings.corpus_dir).documents if d.path == jassy]
    new_chunks = chunk_document(doc, settings.chunk_chars, settings.max_sentence_chars)
    assert (report.updated, report.unchanged, report.added, report.removed) == (1, 3, 0, 0)
    assert report.chunks_embedded == len(new_chunks)
    assert report.sentences_embedded == sum(len(c.sentences) for c in new_chunks)
    store = Store(settings)
    stored = store.stored_docs()[jassy]
    assert stored.sha == doc.sha and stored.chunk_ids == {c.id for c in new_chunks}
    all_ids = set(store.chunks.get(include=[])["ids"])
    assert not old_ids & all_ids
    assert not old_ids & set(KeywordIndex.load(Path(settings.index_dir)).ids)


def test_deleted_document_leaves_the_index_and_is_never_cited(fresh, embedder):
    settings, _ = fresh
    critic = path_of(settings, "critic.txt")
    Path(critic).unlink()
    report = ingest(settings, embedder)
    assert (report.removed, report.unchanged) == (1, 3)
    store = Store(settings)
    for collection in (store.chunks, store.sentences, store.docs):
        assert collection.get(where={"path": critic}, include=[])["ids"] == []
    engine = Engine.open(settings, embedder)
    assert critic not in {d.path for d in engine.documents()}
    for question in ("What does the critic say about warehouse workers?", "Is customer obsession an alibi?"):
        answer = engine.ask(question)
        assert all(c.path != critic for c in answer.citations)
        assert critic not in answer.answer


def test_a_window_runs_on_into_the_next_chunk_only_while_the_file_holds_both(tmp_path, embedder):
    corpus = write_corpus(tmp_path / "corpus")
    settings = make_settings(corpus, tmp_path / "index", chunk_chars=200)
    engine, _ = Engine.build(settings, embedder)
    jassy = path_of(settings, "jassy.txt")
    chunks = {(c.start, c.end) for c in engine.store.all_chunks() if c.path == jassy}

    def crossing(question: str) -> list:
        found = engine.candidates(question, embedder.embed_one(question), engine.settings, (jassy,), 8)
        return [w for w in found if not any(a <= w.start and w.end <= b for a, b in chunks)]

    runs_on = crossing("What is working backwards?")
    assert runs_on
    text = Path(jassy).read_text(encoding="utf-8")
    assert all(w.text == text[w.start:w.end] for w in runs_on)
    Path(jassy).write_text("Editor's note: this article was revised.\n\n" + JASSY, encoding="utf-8")
    assert crossing("What is working backwards?") == []


# --- a quote is shown only while its file still says it ------------------------------------------


@pytest.mark.parametrize("change", ["edited", "deleted"])
def test_quote_from_a_file_changed_after_indexing_is_not_shown(fresh, embedder, change):
    settings, _ = fresh
    engine = Engine.open(settings, embedder)
    jassy = path_of(settings, "jassy.txt")
    question = "What is working backwards?"
    assert any(c.path == jassy for c in engine.ask(question).citations)
    if change == "edited":  # the same words, shifted: every indexed offset is now wrong
        Path(jassy).write_text("Editor's note: this article was revised.\n\n" + JASSY, encoding="utf-8")
    else:
        Path(jassy).unlink()
    answer = engine.ask(question)
    assert all(c.path != jassy for c in answer.citations), [(c.path, c.text) for c in answer.citations]
    for c in answer.citations:
        assert verifies(c.path, c.start, c.end, c.text)


# --- near-duplicate documents ---------------------------------------------------------------------

SHARED = ("Working backwards means that a team writes the press release and the answers to customer "
          "questions before a single line of code exists.")


def test_near_duplicate_passage_is_quoted_once_and_names_the_other(tmp_path, embedder):
    docs = {"original.txt": f"How Amazon plans products\n\n{SHARED} The document is revised many times.\n",
            "copy.txt": f"Notes copied from a blog\n\n{SHARED} Readers liked this idea.\n",
            "critic.txt": CRITIC}
    settings = make_settings(write_corpus(tmp_path / "corpus", docs, metadata=None), tmp_path / "index")
    engine, _ = Engine.build(settings, embedder)
    answer = engine.ask("What does working backwards mean for a team writing a press release?")
    holding = [c for c in answer.citations if SHARED in c.text or c.text in SHARED]
    assert len(holding) == 1, [(c.path, c.text) for c in answer.citations]
    paths = {path_of(settings, "original.txt"), path_of(settings, "copy.txt")}
    (quoted,) = holding
    assert quoted.path in paths and set(quoted.also_in) == paths - {quoted.path}
    assert "also in" in answer.answer


def test_a_chunk_that_repeats_a_chosen_one_does_not_take_the_place_of_another():
    """Two versions of one article hold each passage twice, cut at other boundaries: the twin of a chosen
    chunk is kept (its document is named beside the quote), and `k` chunks still say `k` different things;
    past `k` twins, no more are taken."""
    from rag.retrieval import Candidate, mmr

    def unit(*xs):
        v = np.array(xs, dtype=float)
        return v / np.linalg.norm(v)

    original, twin = unit(1, 0, 0), unit(0.95, 0.31, 0)  # cosine 0.95
    other, far = unit(0, 0, 1), unit(0, 1, 0)
    chosen = mmr([Candidate("a", original, 1.0), Candidate("a2", twin, 0.99), Candidate("b", other, 0.5),
                  Candidate("c", far, 0.0)], k=2, lam=0.7)
    assert [c.id for c in chosen] == ["a", "a2", "b"]
    copies = [Candidate(f"a{i}", original, 1.0 - i / 100) for i in range(5)]
    chosen = mmr(copies + [Candidate("b", other, 0.0)], k=2, lam=0.7)
    assert [c.id for c in chosen] == ["a0", "a1", "a2", "b"]


# --- the index belongs to one corpus and one model, and is read safely -----------------------------


def test_index_built_for_another_corpus_is_refused(fresh, embedder, tmp_path):
    settings, _ = fresh
    other = settings.with_(corpus_dir=write_corpus(tmp_path / "other", {"b.txt": "Another corpus entirely.\n"}))
    with pytest.raises(IndexMismatch, match="corpus"):
        Engine.open(other, embedder)
    with pytest.raises(IndexMismatch):
        ingest(other, embedder)  # nor is it overwritten silently
    assert Engine.open(settings, embedder).documents()  # the original still opens


def test_index_built_with_another_model_is_refused(built_index, embedder, tmp_path):
    settings, _ = built_index
    copy = settings.with_(index_dir=tmp_path / "index-copy")
    shutil.copytree(settings.index_dir, copy.index_dir)
    Store(copy).set_identity(model="sha256-of-some-other-model")
    with pytest.raises(IndexMismatch, match="model"):
        Engine.open(copy, embedder)


@pytest.mark.parametrize("where", ["missing-folder", "empty-folder"])
def test_missing_index_raises_index_missing(corpus, tmp_path, embedder, where):
    index = tmp_path / "no-index"
    if where == "empty-folder":
        index.mkdir()
    with pytest.raises(IndexMissing, match="rag ingest"):
        Engine.open(make_settings(corpus, index), embedder)


@pytest.mark.parametrize("action", ["open", "ingest"])
def test_garbage_in_chroma_sqlite_gives_a_rag_error(built_index, embedder, tmp_path, action):
    settings, _ = built_index
    # A broken copy under a new path (Chroma caches its clients per path within a process).
    broken = tmp_path / "broken-index"
    shutil.copytree(settings.index_dir, broken)
    (broken / "chroma.sqlite3").write_bytes(b"this is not a database\x00" * 512)
    broken_settings = settings.with_(index_dir=broken)
    with pytest.raises(RagError, match="rag ingest"):
        if action == "open":
            Engine.open(broken_settings, embedder)
        else:
            ingest(broken_settings, embedder)


def test_exact_scoped_search_ranks_like_chromas_filtered_search(engine, embedder, monkeypatch):
    # A search scoped to a few documents is ranked in numpy (fast); over many it is Chroma's filtered
    # search, and over most of the corpus an unfiltered one filtered afterwards. On the same scope all
    # must pick the same chunks in the same order. The tiny corpus keeps Chroma's search exact (fewer rows
    # than its HNSW batch) and has no duplicated sentences, whose tied scores either search may order its
    # own way: over `corpus/` (two near-identical articles, an approximate index) this failed once in six runs.
    import rag.retrieval as retrieval

    docs = engine.documents()
    assert len(docs) >= 4
    scopes = [tuple(d.path for d in docs[:1]), tuple(d.path for d in docs[1:3]), tuple(d.path for d in docs[1:])]
    questions = ["What does Day 2 look like?", "Why should leaders obsess over customers rather than competitors?"]
    for paths in scopes:
        for question in questions:
            vector = embedder.embed_one(question)
            exact = retrieval.retrieve(question, vector, engine.store, engine.keyword, engine.settings, paths)
            with monkeypatch.context() as m:
                m.setattr(retrieval, "EXACT_SCOPE", 0)  # every scope through Chroma, filtered there or here
                filtered = retrieval.retrieve(question, vector, engine.store, engine.keyword, engine.settings, paths)
            assert exact and all(h.chunk.path in paths for h in exact)
            assert [h.chunk.id for h in exact] == [h.chunk.id for h in filtered], (paths, question)


def test_a_source_named_by_its_author_answers_at_the_vouched_threshold(engine):
    """"What does the critic say …" presumes the critic speaks to it: the essay is searched at the vouched
    share of the threshold. The same words asked of no source must pass the whole threshold."""
    def support(question: str) -> float:
        return engine.ask(question, settings=engine.settings.with_(min_support=0.0)).support

    attributed, plain = "What does the critic say the slogan hides?", "What does the slogan hide?"
    for question, answers in ((attributed, True), (plain, False)):
        bar = min(1.0, support(question) * (1 + 1 / VOUCHED_SUPPORT_SHARE) / 2)  # between vouched and full
        answer = engine.ask(question, settings=engine.settings.with_(min_support=bar))
        assert answer.abstained != answers
        if answers:
            assert {Path(c.path).name for c in answer.citations} == {"critic.txt"}


def test_a_sum_is_asked_of_what_the_question_names_not_of_any_passage(tmp_path, embedder):
    """A passage about something else that states a sum does not answer "How much did X pay for Kestrel
    Mills?" when the passages about Kestrel Mills state none."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "kestrel.txt").write_text("Brightwater bought Kestrel Mills in 2019 to make its own cotton thread.\n\n"
                                        "The Kestrel Mills staff joined Brightwater's weaving team that spring.\n",
                                        encoding="utf-8")
    (corpus / "apprentices.txt").write_text("Brightwater pays each apprentice up to $12,000 a year while they "
                                            "train.\n", encoding="utf-8")
    engine, _ = Engine.build(make_settings(corpus, tmp_path / "index"), embedder)
    for question in ("How much did Brightwater pay to buy Kestrel Mills?", "What did Kestrel Mills cost Brightwater?"):
        answer = engine.ask(question)
        assert answer.abstained and answer.uncovered == (AMOUNT,), question
    assert not engine.ask("How much does Brightwater pay each apprentice?").uncovered


def _kestrel(tmp_path, embedder, text: str, index: str = "index") -> Engine:
    """An engine over one file, kestrel.txt, holding `text` (written again for each `index`)."""
    corpus = tmp_path / "corpus"
    corpus.mkdir(exist_ok=True)
    (corpus / "kestrel.txt").write_text(text, encoding="utf-8")
    engine, _ = Engine.build(make_settings(corpus, tmp_path / index), embedder)
    return engine


_LISTENING = ("Kestrel Mills asks every weaver which thread she wants, and buys that thread. No mill lasts long "
              "without listening to its weavers.\nBut listening was not enough. The best thread the mill ever sold "
              "came from a dyer's idea that no weaver had asked for.\n\nThe Dye House\nThe vats were filled with "
              "indigo every morning. The river ran blue below the mill for a mile.\n\nThe Flood Year\nIn 1903 the "
              "river rose over the sheds. The crews carried the looms to the hill and worked there until spring.\n")


def test_the_best_window_is_quoted_with_the_one_after_it_that_turns_its_point(tmp_path, embedder):
    """The best window for "how does the mill decide …" says it asks its weavers; the next sentence turns that
    point ("But listening was not enough."), so the window that starts there is quoted right after it."""
    engine = _kestrel(tmp_path, embedder, _LISTENING)
    answer = engine.ask("How does Kestrel Mills decide which thread to buy?")
    said = [q.text for q in answer.citations]
    assert said[0].startswith("Kestrel Mills asks every weaver") and said[1].startswith("But listening was not enough")
    assert all(verifies(q.path, q.start, q.end, q.text) for q in answer.citations)


_DYE_HOUSE = (
    "The Dye House\nThe vats at Kestrel Mills were filled with indigo every morning, and the river ran blue below the "
    "mill for a mile. The dyers kept their recipes in a locked tin box. Each spring they walked the hills for madder "
    "root and weld, and each autumn they boiled oak galls for the black that the tailors of the town liked best. The "
    "youngest dyer kept the tally of every vat in a ledger with a green cover.\n\n")
_MILL_FLOOR = (
    "The Mill Floor\nIn May, Kestrel Mills asked its weavers to come back to the mill floor at least three days a "
    "week. During the flood year the weavers had worked from their cottages on hand looms, and the orders kept going "
    "out on time. The mill thanked them for it in the spring newsletter, and the newsletter was pinned to every gate. "
    "Nobody missed a single delivery that year, not even in the wettest weeks of March. ")
_CARTERS = ("The carters took the cloth to the station at dawn. The station master signed for every bale. The train "
            "left at noon. ")
_SHEDS = "\n\nThe Flood Year\nIn 1903 the river rose over the sheds. The crews carried the looms to the hill.\n"


@pytest.mark.parametrize(("between", "reason", "quoted"), [
    ("", "The mill does not think cottage weaving is the best way to work for the long run. It has become convinced "
         "that new patterns are found faster when weavers sit side by side and trade ideas at the looms.", True),
    ("", "The mill does not think cottage weaving is the best way to work for the long run. It wants them back "
         "because new patterns are found faster when weavers sit side by side and trade ideas at the looms.", True),
    (_CARTERS, "It wants them back because new patterns are found faster when weavers sit side by side.", False),
    ("", "So they could trade new patterns side by side at the looms, as they had before the flood.", True),
])
def test_a_why_questions_best_window_is_quoted_with_the_reason_the_text_gives_a_few_sentences_on(
        tmp_path, embedder, between, reason, quoted):
    """The best window for "why did the mill want its weavers back" (three sentences) says that it asked them back;
    the reason comes a few sentences on, in a chunk that is not retrieved (one chunk is kept here). Within four
    sentences of the best window (`_REASON_REACH`), it is quoted from the sentence after the best window's, so the
    sentences leading to it come with it; five on, it is not."""
    engine = _kestrel(tmp_path, embedder, _DYE_HOUSE + _MILL_FLOOR + between + reason + _SHEDS)
    one = engine.settings.with_(k_chunks=1, k_keyword=1)
    answer = engine.ask("Why did Kestrel Mills want its weavers back on the mill floor three days a week?", settings=one)
    said = [q.text for q in answer.citations]
    assert said[0].startswith("In May, Kestrel Mills asked its weavers")
    assert any(reason in q for q in said) == quoted
    if quoted:
        assert said[1].startswith("Nobody missed a single delivery") and said[1].endswith(reason)
    assert all(verifies(q.path, q.start, q.end, q.text) for q in answer.citations)


def test_a_follow_up_goes_on_from_the_best_quote_not_from_the_turn_quoted_after_it(tmp_path, embedder):
    """A previous answer that quoted the turn after its best quote ("But listening was not enough. …") still ends,
    for a follow-up that asks what comes next, where the best quote ends: the turn is what it may ask about.
    A quote after it that does not turn is run through as before."""
    engine = _kestrel(tmp_path, embedder, _LISTENING)
    path = str(tmp_path / "corpus" / "kestrel.txt")
    best_end, turn = _LISTENING.index("\nBut listening"), _LISTENING.index("But listening")
    turned = [(path, 0, best_end), (path, turn, _LISTENING.index("\n\nThe Dye House"))]
    assert engine._shown_end(turned) == (path, best_end)
    plain = _LISTENING.replace("But listening", "Listening, too,")
    engine = _kestrel(tmp_path, embedder, plain, index="plain")
    assert engine._shown_end([(path, 0, best_end), (path, turn, plain.index("\n\nThe Dye House"))]) == (
        path, plain.index("\n\nThe Dye House"))


_FLOOD = ("The Flood Year\nIn 1903 the river rose over the sheds of Kestrel Mills after three weeks of rain in the "
          "hills, and the water stood four feet deep in the weaving hall for nine days before it began to fall again. "
          "The crews carried the looms up to the chapel on the hill, one frame at a time on their shoulders, and they "
          "worked there until the spring came and the floors of the weaving hall had dried out enough to bear them.\n\n"
          "The Rebuilding\nThe owners rebuilt the hall in 1904 on stone piers six feet high, so that the next flood "
          "would pass under the floors and leave the looms and the bales of thread standing dry above the water. "
          "The new sheds cost the mill more than its profits of the two years before, and the owners borrowed the "
          "rest from the growers who sold the mill its wool, paying them back over the next ten years with "
          "interest.\n\nThe Dye House\nThe vats of the dye house were filled with indigo every morning before the "
          "weavers came in, and the river ran blue below the mill for a mile, which the anglers downstream "
          "complained of every summer. In 1911 the dyers moved to a new house upstream of the mill, where the water "
          "was cleaner and the colour took better, and the old dye house became a store for the wool.\n")


def test_two_things_asked_in_one_question_share_a_facts_quote_budget(tmp_path, embedder):
    """"In what year …, and where …?" compares nothing: its two parts are one answer, quoted within a fact's budget,
    not a comparison's (which would add the 1904 rebuilding beside the 1903 flood)."""
    engine = _kestrel(tmp_path, embedder, _FLOOD)
    answer = engine.ask("In what year did the river rise over the sheds, and where did the crews carry the looms?")
    said = [q.text for q in answer.citations]
    assert len(said) == 2 and said[0].startswith("In 1903 the river rose") and said[1].startswith("The crews carried")
    assert sum(map(len, said)) <= engine.settings.max_quote_chars
    assert all(verifies(q.path, q.start, q.end, q.text) for q in answer.citations)


_FERRY = ("The Ferry\nMany of us remember the Pelican ferry, which promised a crossing to the island every hour. It "
          "left from the old stone pier below the mill. I rode it often, and the children loved the deck. The captain "
          "rang a brass bell at every landing. But it lost money on every crossing, and the ferry ran for two summers "
          "and then it was gone.\n\n")
_GUILD = "The Guild\nAnn Lee joined the weavers' guild twelve years ago, and she still keeps its books.\n"


def test_a_part_answered_only_in_the_other_parts_passage_takes_no_passage_far_from_an_answer(tmp_path, embedder):
    """"Why did the ferry fail, and how long did it run?": the best window for both parts is the one on the ferry,
    which the first part quotes. The second part does not quote the next best passage, scored far below an answer
    (the dye house, or the guild's "twelve years ago"): the ferry's passage answers it, as its note says."""
    engine = _kestrel(tmp_path, embedder, _FERRY + _DYE_HOUSE + _GUILD)
    answer = engine.ask("Why did the Pelican ferry fail, and how long did it run?")
    said = [q.text for q in answer.citations]
    assert len(said) == 1 and "the ferry ran for two summers" in said[0]
    assert "apart from those quoted for the rest of it" in answer.answer  # not "no passage addresses" it, bare
    assert all(verifies(q.path, q.start, q.end, q.text) for q in answer.citations)


def test_a_question_for_a_figure_starts_from_the_best_window_that_gives_one():
    """"How long has Ann worked at the mill?": the best window tells how the mill works and gives no span of time;
    the best that gives one, scored near an answer, is where the answer starts. Below that, or for a question that
    asks for no figure, the best window stays the best."""
    from rag.engine import _best
    from rag.evidence import FEATURES, Window

    def window(start: int, score: float, typed: bool) -> Window:
        features = np.zeros(len(FEATURES))
        features[FEATURES.index("type_hit" if typed else "type_miss")] = 1.0
        return Window("mill.txt", start, start + 10, 0, "x" * 100, features, score)

    working, years, other = window(0, 0.7, False), window(20, 0.36, True), window(40, 0.30, True)
    assert _best([working, years, other], "duration", near=0.14) is years
    assert _best([working, years, other], "duration", near=0.5) is working
    assert _best([working, years, other], None, near=0.14) is working


def test_a_count_is_not_answered_with_a_span_of_time(tmp_path, embedder):
    """"How many weavers …" is not answered by "joined 14 years ago": a span of time counts no weavers.
    A passage that gives a count does answer it."""
    engine = _kestrel(tmp_path, embedder, "Mara Quill joined Kestrel Mills 14 years ago, when it still dyed its own "
                                          "thread.\n\nKestrel Mills makes cotton thread for weavers.\n")
    answer = engine.ask("How many weavers did Kestrel Mills employ when Mara Quill joined?")
    assert answer.abstained and answer.uncovered == (NUMBER_OF + "weavers",)
    engine = _kestrel(tmp_path, embedder, "Mara Quill joined Kestrel Mills 14 years ago, when it still dyed its own "
                                          "thread.\n\nKestrel Mills employed 40 weavers then.\n", "index2")
    assert not engine.ask("How many weavers did Kestrel Mills employ when Mara Quill joined?").uncovered


def test_the_measure_a_how_question_asks_for_is_no_term_of_its_topic(engine):
    """"How long has Jassy been at Amazon?" is about Jassy and Amazon: "long" frames the question (a span answers
    it), so a passage on "a long period of time" covers none of its topic. "The long term" asked of is a term."""
    assert "long" not in engine.question("How long has Jassy been at Amazon?").terms
    assert "many" not in engine.question("How many letters did Bezos write?").terms
    assert "long" in engine.question("What does the 1997 letter say about the long term?").terms


def test_who_founded_a_firm_no_passage_names_anyone_for_is_told_so(tmp_path, embedder):
    """"Who founded Kestrel Mills?" asks for one name: a passage on the mill that names no one is no answer (the
    documents say nothing about the name asked for); a passage that names the founder answers."""
    engine = _kestrel(tmp_path, embedder, "Kestrel Mills was founded in a river town and still dyes its own thread. "
                                          "Its looms run day and night.\n")
    answer = engine.ask("Who founded Kestrel Mills?")
    assert answer.abstained and answer.uncovered == (NAME,)
    engine = _kestrel(tmp_path, embedder, "Kestrel Mills was founded by Ada Brandt in a river town and still dyes "
                                          "its own thread.\n", "index2")
    answer = engine.ask("Who founded Kestrel Mills?")
    assert not answer.abstained and "Ada Brandt" in answer.citations[0].text
    engine = _kestrel(tmp_path, embedder, "Brandt founded Kestrel Mills in a river town. The mill still dyes its own "
                                          "thread.\n", "index3")  # a name that opens its sentence names someone too
    assert not engine.ask("Who founded Kestrel Mills?").abstained


def test_which_manager_did_it_is_not_answered_by_a_name_in_a_passage_far_from_the_answer(tmp_path, embedder):
    """"Which manager first came up with the night shift?" asks for one name, as "who" does: the passage on the
    night shift names no one, and a name in a passage on something else (far below the threshold) is no answer."""
    text = ("The night shift at Kestrel Mills began when a manager wanted the looms to run until dawn. The looms "
            "have run day and night since then.\n\nThe river below the mill turns blue with indigo each spring. "
            "Ada Brandt painted the river in 1931.\n")
    engine = _kestrel(tmp_path, embedder, text)
    answer = engine.ask("Which manager first came up with the night shift at Kestrel Mills?")
    assert answer.abstained and answer.uncovered == (NAME,)
    engine = _kestrel(tmp_path, embedder, text.replace("a manager wanted", "the manager Ada Brandt wanted"), "index2")
    answer = engine.ask("Which manager first came up with the night shift at Kestrel Mills?")
    assert not answer.abstained and "Ada Brandt" in answer.citations[0].text


def test_a_year_stated_just_before_a_passage_frames_it(tmp_path, embedder):
    """A heading "Goals for 1931" is no evidence, but the passage under it speaks of 1931: a question on 1931's goals
    is answered from it, not told that the documents say nothing about 1931. A year stated nowhere near still is."""
    body = ("Kestrel Mills set forty goals for its weavers, each with an owner and a date. None of them is easy. "
            "The word profit is not used once in the forty goals.\n")
    question = "How often does profit come up in the goals Kestrel Mills set for 1931?"
    head = "Kestrel Mills notes\n\nThe mill stands by the river. Its looms are old.\n\n"
    answer = _kestrel(tmp_path, embedder, f"{head}Goals for 1931\n\n{body}").ask(question)
    assert not answer.abstained and "not used once" in " ".join(c.text for c in answer.citations)
    answer = _kestrel(tmp_path, embedder, f"{head}Goals\n\n{body}", "index2").ask(question)
    assert answer.abstained and answer.uncovered == ("1931",)


def test_a_list_told_in_paragraphs_is_quoted_with_the_items_its_lead_counts(tmp_path, embedder):
    """"What are the three layers …?": the best window holds the lead ("three distinct layers") and the first
    item's paragraph; the next paragraphs that open on a layer are quoted too, by their first sentences."""
    filler = " ".join(f"Shift {n} of the dye house logs its vats, its colours and its water." for n in range(1, 12))
    engine = _kestrel(tmp_path, embedder,
                      "Kestrel Mills thinks of its work in three distinct layers, each of which matters to every "
                      "weaver at Kestrel Mills.\n"
                      f"The bottom layer is the dye house, where raw cotton takes its colour. {filler}\n"
                      f"{filler}\n"
                      "The middle layer is the spinning floor, where the thread is made. It hums.\n"
                      f"{filler}\n"
                      "The top layer is the weaving hall, where the cloth is woven. It is loud.\n"
                      "Weavers at Kestrel Mills say the three layers of the work at Kestrel Mills matter to them, and "
                      "the mill's layers of paint are old.\n")
    quoted = " ".join(c.text for c in engine.ask("What are the three layers at Kestrel Mills?").citations)
    assert "dye house" in quoted and "spinning floor" in quoted and "weaving hall" in quoted


def test_a_follow_ups_count_is_anchored_on_what_it_asks_not_on_a_name_in_its_referent(tmp_path, embedder):
    """"How many mills had signed on by the time she wrote that?" is read with the quote "that" stands for in
    parentheses; the rarest name there (the partner, "Yarrow Looms") is context, not what is counted, so the
    count three sentences after it answers."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "pledge.txt").write_text(
        "Mara Quill runs Kestrel Mills, which makes cotton thread for weavers in the hill country.\n\n"
        "We founded the Loom Pledge together with Yarrow Looms in May 2019 because we wanted to keep old patterns "
        "alive. We need other mills that understand what the patterns are worth. The coming decade will decide "
        "whether the old patterns survive at all. Less than two years later, 53 mills from every valley have signed "
        "the Loom Pledge. Signatories such as Redfern and Oakbridge have committed to weave one old pattern a "
        "year.\n\nThe mill's shop sells thread by the spool and by the crate.\n", encoding="utf-8")
    (corpus / "news.txt").write_text("Mara Quill spoke about the Loom Pledge at the Kestrel Mills spring fair. Mara "
                                     "Quill also judged the spinning contest.\n", encoding="utf-8")
    engine, _ = Engine.build(make_settings(corpus, tmp_path / "index"), embedder)
    first = engine.ask("When did Mara Quill say Kestrel Mills founded the Loom Pledge, and with which partner?")
    second = engine.ask("How many mills had signed on by the time she wrote that?", history=[Turn(first.question, first)])
    assert "(We founded the Loom Pledge" in second.resolved_question
    assert not second.abstained and any("53 mills" in c.text for c in second.citations)


def test_a_name_typed_in_lower_case_anchors_the_count_as_a_capitalised_one_does(tmp_path, embedder):
    """"how many weavers does kestrel mills employ?" is not answered by Brightwater's count: "kestrel" is a name,
    which the text writes only capitalised."""
    engine = _kestrel(tmp_path, embedder, "Brightwater employs 40 weavers at its sheds by the river. Its sheds are "
                                          "painted red. The river floods in spring.\n\nThe weavers of Kestrel Mills "
                                          "learn on the old looms, as the weavers of Brightwater once did.\n")
    for question in ("How many weavers does Kestrel Mills employ?", "how many weavers does kestrel mills employ?"):
        answer = engine.ask(question)
        assert answer.abstained and answer.uncovered[0].startswith(NUMBER_OF), question
    assert not engine.ask("how many weavers does brightwater employ?").abstained


def test_a_why_follow_up_in_words_the_documents_never_use_asks_the_previous_question_again(tmp_path, embedder):
    """"Why did they bother?": "bother" is in no document, so a search for "Kestrel Mills bother" finds only the
    name; the reason is asked of what the previous question asked about, and the one that follows its answer is
    quoted."""
    engine = _kestrel(tmp_path, embedder, "Kestrel Mills makes cotton thread for the weavers of the hill country.\n\n"
                      "When the wool price crashed in 2009, every mill in the valley cut what it paid its weavers. "
                      "Kestrel Mills did the opposite. It paid its weavers for the whole winter in advance. So they "
                      "could keep their looms running and come back stronger in the spring. That was unusual in the "
                      "valley.\n\nThe mill's shop sells thread by the spool and by the crate. Visitors can watch the "
                      "spinning on Saturdays.\n")
    first = engine.ask("What did Kestrel Mills do for its weavers when the wool price crashed?")
    second = engine.ask("Why did they bother?", history=[Turn(first.question, first)])
    assert second.resolved_question == f"Why did they bother: {first.question}"
    assert any("So they could keep their looms running" in c.text for c in second.citations)


def test_a_count_is_not_answered_with_a_label_that_opens_a_quotation(tmp_path, embedder):
    """"How many weavers …" is not answered by "“Week 2 is the hardest.”": a numbered week counts nothing."""
    engine = _kestrel(tmp_path, embedder, "Kestrel Mills trains its weavers on the old looms. The foreman tells "
                                          "every new weaver: “Week 2 is the hardest.”\n")
    answer = engine.ask("How many weavers does Kestrel Mills employ?")
    assert answer.abstained and answer.uncovered == (NUMBER_OF + "weavers",)


def test_a_share_no_passage_gives_is_named_instead_of_quoting_a_count(tmp_path, embedder):
    """"What percentage of …" is not answered by a passage that counts the same things: only a percentage or a
    part of a whole ("two in five") answers it."""
    engine = _kestrel(tmp_path, embedder, "Kestrel Mills employed 40 weavers in 2019.\n\nMany of the weavers at "
                                          "Kestrel Mills came from the hill farms.\n")
    answer = engine.ask("What percentage of the weavers at Kestrel Mills came from the hill farms?")
    assert answer.abstained and answer.uncovered == (SHARE,)
    assert "nothing about **a percentage or share**, so I won't answer with another figure" in answer.answer
    engine = _kestrel(tmp_path, embedder, "Kestrel Mills employed 40 weavers in 2019.\n\nTwo in five of the weavers "
                                          "at Kestrel Mills came from the hill farms.\n", "index2")
    assert not engine.ask("What percentage of the weavers at Kestrel Mills came from the hill farms?").abstained


def test_a_place_no_passage_names_is_told_so(tmp_path, embedder):
    """"In which city …" is answered only by a passage that names a place the question does not."""
    engine = _kestrel(tmp_path, embedder, "Kestrel Mills runs its weaving sheds from an old stone building called "
                                          "the Loom House.\n\nThe weavers at the Loom House make cotton thread.\n")
    answer = engine.ask("In which city is the Loom House of Kestrel Mills?")
    assert answer.abstained and answer.uncovered == ("the city",)
    assert "nothing about **the city**" in answer.answer
    engine = _kestrel(tmp_path, embedder, "Kestrel Mills runs its weaving sheds from an old stone building in Leeds "
                                          "called the Loom House.\n\nThe weavers at the Loom House make cotton "
                                          "thread.\n", "index2")
    assert not engine.ask("In which city is the Loom House of Kestrel Mills?").abstained


def test_a_sum_asked_of_a_name_is_looked_for_in_the_sentence_that_names_it_and_those_beside(tmp_path, embedder):
    """A passage that names Kestrel Mills and, two short sentences later, gives the free-delivery threshold
    does not state what was paid for Kestrel Mills; one that gives the price in the next sentence, or the one
    before, does."""
    engine = _kestrel(tmp_path, embedder, "Notes from the valley\n\nBrightwater bought Kestrel Mills in 2019. The "
                      "weaving team grew quickly that year. Orders over $35 now ship free to every customer.\n")
    for question in ("How much did Brightwater pay to buy Kestrel Mills?", "What did Kestrel Mills cost Brightwater?"):
        answer = engine.ask(question)
        assert answer.abstained and answer.uncovered == (AMOUNT,), question
    assert not engine.ask("How much does an order have to cost to ship free?").uncovered
    engine = _kestrel(tmp_path, embedder, "Notes from the valley\n\nBrightwater bought Kestrel Mills in 2019. It "
                      "paid $4 million for the mill and its looms.\n", "index2")
    assert not engine.ask("How much did Brightwater pay to buy Kestrel Mills?").uncovered
    engine = _kestrel(tmp_path, embedder, "Notes from the valley\n\nBrightwater paid $4 million in 2019 for a "
                      "thread maker. The deal made Kestrel Mills its own supplier.\n", "index3")
    assert not engine.ask("How much did Brightwater pay to buy Kestrel Mills?").uncovered  # the sentence before


def test_a_sum_in_the_next_sentence_answers_only_where_that_sentence_tells_of_the_same_thing(tmp_path, embedder):
    """Right after the sentence that names Kestrel Mills, "Orders over $35 now ship free" moves on: it shares no
    other word of "How much did Brightwater pay to buy Kestrel Mills?", so no sum is stated for it. "Brightwater
    paid $4 million for it." right after does tell of the purchase."""
    engine = _kestrel(tmp_path, embedder, "Notes from the valley\n\nBrightwater bought Kestrel Mills in 2019, and "
                      "its weavers set a record for bolts sold that winter. Orders over $35 now ship free to every "
                      "customer.\n")
    answer = engine.ask("How much did Brightwater pay to buy Kestrel Mills?")
    assert answer.abstained and answer.uncovered == (AMOUNT,)
    engine = _kestrel(tmp_path, embedder, "Notes from the valley\n\nBrightwater bought Kestrel Mills in 2019, and "
                      "its weavers set a record for bolts sold that winter. Brightwater paid $4 million for it.\n",
                      "index2")
    assert not engine.ask("How much did Brightwater pay to buy Kestrel Mills?").uncovered
    engine = _kestrel(tmp_path, embedder, "Notes from the valley\n\nIn 2019 the firm acquired Kestrel Mills, and "
                      "its weavers set a record for bolts sold that winter. We paid $4 million.\n", "index3")
    assert not engine.ask("How much did Brightwater pay to buy Kestrel Mills?").uncovered  # "We" goes on


def test_a_name_of_several_words_typed_in_lower_case_anchors_the_sum_as_the_capitalised_one_does(tmp_path, embedder):
    """"how much did brightwater pay to buy blue heron?": the candidates write "Blue Heron" (and "blue", "heron" as
    words of their own), so the sum is looked for where Blue Heron is named, not in the free-delivery threshold."""
    engine = _kestrel(tmp_path, embedder, "Notes from the valley\n\nBrightwater bought Blue Heron in 2019. The blue "
                      "dye vats grew that year, and a heron nests by the weir. Orders over $35 now ship free to every "
                      "customer.\n")
    answer = engine.ask("how much did brightwater pay to buy blue heron?")
    assert answer.abstained and answer.uncovered == (AMOUNT,)


def test_a_common_noun_capitalised_in_a_table_heading_does_not_anchor_the_sum(tmp_path, embedder):
    """The prose writes "free cash flow" in lower case and a table writes "Free Cash Flow" as a row's heading: the
    words are no name, so the sum stated in the prose answers "how much free cash flow …?" (anchored on the
    heading, the row's bare figures gave no sum and the answer abstained)."""
    engine = _kestrel(tmp_path, embedder, "Notes from the valley\n\nOver three years the mill lost $2 million of "
                      "free cash flow. The looms got faster. The weavers were proud. The sheds stayed busy.\n\n"
                      "Year 1 Year 2 Year 3\n\nFree Cash Flow . . . . 400 600 1,000\n\nThe river froze twice.\n")
    answer = engine.ask("how much free cash flow did the mill lose over three years?")
    assert not answer.abstained and "$2 million" in " ".join(q.text for q in answer.citations)


def test_a_source_named_as_a_document_is_not_answered_from_another(engine):
    """The 1997 letter says nothing of warehouse workers; the critic's essay does. Asked of "the 1997 letter",
    the answer says that letter has no passage for it; asked of Bezos (who wrote other letters too), the
    search may go on to the whole corpus."""
    answer = engine.ask("What did the 1997 letter say about injuries of warehouse workers?")
    assert answer.abstained and not answer.citations
    assert "1997 Letter to Shareholders" in answer.answer
    assert not engine.ask("What does Bezos say about injuries of warehouse workers?").abstained


def test_a_small_index_is_searched_exactly_from_vectors_held_in_memory(corpus_index, embedder):
    # Chroma rebuilds the HNSW graph of a small collection at every open, not always the same way; an index
    # of up to EXACT_CHUNKS chunks is searched in memory instead. It must rank as the exact search of a
    # scope that reads its rows from the store, whole or scoped, and give the same hits every time.
    import rag.retrieval as retrieval
    from rag.config import Settings

    engine = Engine.open(Settings(corpus_dir=corpus_index.corpus_dir, index_dir=corpus_index.index_dir), embedder)
    held = retrieval.Vectors.load(engine.store)
    assert len(held.chunk_ids) == len(engine.keyword.ids) <= retrieval.EXACT_CHUNKS
    everything = tuple(d.path for d in engine.documents())
    for paths in (everything, everything[:2]):
        for question in ["What does Day 2 look like?", "Who asked for AWS?"]:
            vector = embedder.embed_one(question)
            in_memory = retrieval.retrieve(question, vector, engine.store, engine.keyword, engine.settings,
                                           None if paths == everything else paths, exact=held)
            from_store = retrieval.retrieve(question, vector, engine.store, engine.keyword, engine.settings, paths)
            assert in_memory and [h.chunk.id for h in in_memory] == [h.chunk.id for h in from_store], (paths, question)
            assert [h.similarity for h in in_memory] == pytest.approx([h.similarity for h in from_store], abs=1e-6)


def test_a_year_counts_where_the_answer_stands_or_right_after_it():
    from rag.engine import _dated_where_answered
    from rag.evidence import Window

    def window(path: str, start: int, score: float, text: str) -> Window:
        return Window(path, start, start + len(text), start, text, (), score)

    best = window("a.txt", 0, 0.7, "The mill opened its doors to the whole valley.")
    after = window("a.txt", best.end + 1, 0.2, "That was in 1902, after years of delay.")
    elsewhere = window("b.txt", 0, 0.2, "The school was built in 1950.")
    assert _dated_where_answered([best, after], 0.5)
    assert not _dated_where_answered([best, elsewhere], 0.5)
    assert _dated_where_answered([window("a.txt", 0, 0.2, "The mill opened its doors.")], 0.5)  # none answers


def test_a_question_that_names_a_section_is_answered_from_under_its_heading(tmp_path, embedder):
    """"What is the night shift ledger part about?": the sentences under the heading "The Night Shift Ledger" do not
    repeat its words, and another section speaks of the night; the heading counts as the document's title does, so
    the best window is the section's own."""
    engine = _kestrel(tmp_path, embedder, (
        "Kestrel Mills, a history\n\nThe Dye House\nThe night watchman lit the lamps at the gate of the dye house. "
        "The vats were filled with indigo every morning.\n\nThe Night Shift Ledger\nEvery bolt woven after dark was "
        "counted twice before dawn. The foreman signed each page so that no weaver was paid for cloth she had not "
        "made.\n\nThe Flood Year\nIn 1903 the river rose over the sheds. The crews carried the looms to the hill.\n"))
    question = "what is the night shift ledger part about?"
    s = engine.settings
    found = engine.candidates(question, embedder.embed_one(question), s, None, s.k_chunks)
    assert max(found, key=lambda w: w.score).text.startswith("Every bolt woven after dark was counted twice")
    cover, titled = FEATURES.index("idf_cover"), FEATURES.index("idf_cover_title")
    text = engine.texts.get(found[0].path)
    ledger, flood = text.index("The Night Shift Ledger"), text.index("The Flood Year")
    for w in found:  # the heading's words count for the windows of its section, and only for them
        assert (w.features[titled] > w.features[cover]) == (ledger < w.start < flood), w.text


def test_a_first_line_that_is_not_the_title_heads_its_section_and_a_heading_names_it_as_a_verb_would(
        tmp_path, embedder):
    """A file whose title is in metadata.json may open on a section's heading ("Definition"): the sentences under it
    answer "how … define …?", which they do not word that way; a heading's noun stands for the question's verb."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "kestrel.txt").write_text(
        "Definition\nA bolt is forty yards of cloth wound on one board. Weavers are paid by the bolt.\n\n"
        "The Dye House\nThe vats were filled with indigo every morning. A bolt of blue cloth dried on the hill.\n",
        encoding="utf-8")
    (corpus / "metadata.json").write_text(json.dumps({"files": {"kestrel.txt": {"title": "Kestrel Mills, a history",
                                                                                 "author": "Mara Quill"}}}),
                                          encoding="utf-8")
    engine, _ = Engine.build(make_settings(corpus, tmp_path / "index"), embedder)
    question = "how do weavers define a bolt?"
    s = engine.settings
    found = engine.candidates(question, embedder.embed_one(question), s, None, s.k_chunks)
    cover, titled = FEATURES.index("idf_cover"), FEATURES.index("idf_cover_title")
    dye_house = engine.texts.get(found[0].path).index("The Dye House")
    assert any(w.start < dye_house for w in found) and any(w.start > dye_house for w in found)
    for w in found:  # "Definition" covers "define" for its own section's windows only
        assert (w.features[titled] > w.features[cover]) == (w.start < dye_house), w.text


def test_a_year_that_dates_an_event_is_answered_by_a_later_report_that_tells_it(tmp_path, embedder):
    """"What was missing from the loom when it first ran in 1902?": the 1902 report speaks of a loom only in passing; the
    1910 report looks back and says what the first loom lacked, naming 1902. The year named the report to search
    first, not the only one that may answer."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "1902.txt").write_text(
        "The river was high in spring and the dye house flooded twice. We hired four weavers from the valley, and a "
        "loom came by rail in June. We paid the bank on time.\n", encoding="utf-8")
    (corpus / "1910.txt").write_text(
        "We first ran the steam loom in 1902 with one shuttle, no guard and no brake, and it could weave only plain "
        "cotton. Today the looms weave twill and satin. The mill sells cloth in four towns.\n", encoding="utf-8")
    (corpus / "metadata.json").write_text(json.dumps({"files": {
        f"{y}.txt": {"title": f"{y} Kestrel Mills Report", "author": "Mara Quill"} for y in (1902, 1910)}}),
        encoding="utf-8")
    engine, _ = Engine.build(make_settings(corpus, tmp_path / "index"), embedder)
    answer = engine.ask("what was missing from the steam loom when it first ran in 1902?")
    assert "one shuttle, no guard and no brake" in " ".join(q.text for q in answer.citations)
    # A later report that does not state the year does not tell of that year: the 1902 report answers.
    (corpus / "1910.txt").write_text(
        "The steam loom had one shuttle, no guard and no brake, and it could weave only plain cotton. Today the "
        "looms weave twill and satin. The mill sells cloth in four towns.\n", encoding="utf-8")
    engine, _ = Engine.build(make_settings(corpus, tmp_path / "index2"), embedder)
    answer = engine.ask("what was missing from the steam loom when it first ran in 1902?")
    assert [q.path for q in answer.citations][:1] == [str(corpus / "1902.txt")]


def test_a_follow_up_quotes_what_the_text_says_after_the_previous_quote_though_its_words_find_other_passages(
        tmp_path, embedder):
    """The previous answer quoted "Listening to the weavers is critical, Mara Quill wrote.", the last sentence of its
    chunk; the follow-up's words match the dye passages, not the next chunk, which opens with what the text says
    next. That chunk is a candidate of the follow-up, so the answer goes on from the quote (`_continuation`)."""
    river = " ".join(f"The river ran high in month {i} of that wet year." for i in range(12))
    dye = " ".join(f"The dye house used {c} in batch {i} of the year." for i, c in enumerate(["indigo", "madder",
                                                                                              "weld", "woad"] * 120))
    carder = " ".join(f"The carder combed wool for loom {i} at dawn." for i in range(15))
    said = "Listening to the weavers is critical, Mara Quill wrote."
    text = (f"Kestrel Mills, a history\n\n{carder} {said} The biggest gains come from looms the weavers never thought "
            f"to request. {river} {dye}\n")
    engine = _kestrel(tmp_path, embedder, text)
    path = str(tmp_path / "corpus" / "kestrel.txt")
    end = text.index(said) + len(said)
    assert engine.keyword.chunk_at(path, end) != engine.keyword.chunk_at(path, end + 1)  # the quote ends its chunk
    s, question = engine.settings, "and what else, in the woad batches?"
    hits = retrieve(question, embedder.embed_one(question), engine.store, engine.keyword, s, None, s.k_chunks)
    assert not any("The biggest gains" in h.chunk.text for h in hits)  # the search alone does not find it
    earlier = "what does Mara Quill say about listening to the weavers?"
    quote = Quote(n=1, path=path, title="Kestrel Mills, a history", author="", text=said, start=end - len(said),
                  end=end, score=0.9)
    history = [Turn(earlier, Answer(question=earlier, answer="...", abstained=False, kind="fact", citations=(quote,),
                                    support=0.9, resolved_question=earlier))]
    answer = engine.ask(question, history)
    assert "The biggest gains come from looms" in " ".join(q.text for q in answer.citations)


def test_the_chunk_where_the_previous_quote_ended_is_a_candidate_of_the_follow_up(tmp_path, embedder):
    """A follow-up may ask what the text says right after the previous quote in words that match other passages.
    The chunk where that quote ended is a candidate even when the search does not return it, so the window after
    the quote can be answered (`_continuation`)."""
    dye = " ".join(f"The dye house used {c} in batch {i} of the spring." for i, c in enumerate(["indigo", "madder",
                                                                                                "weld", "woad"] * 6))
    text = (f"Kestrel Mills, a history\n\n{dye}\n\nListening to the weavers is critical, Mara Quill wrote. But it is not "
            "sufficient. The biggest gains come from looms the weavers never thought to request.\n\n"
            f"{dye.replace('spring', 'autumn')}\n")
    engine = _kestrel(tmp_path, embedder, text)
    end = text.index(" The biggest gains")  # the previous quote ended at "But it is not sufficient."
    question = "what else did they need in the autumn batches?"  # its words are the other passages'
    s = engine.settings
    vector = embedder.embed_one(question)
    path = str(tmp_path / "corpus" / "kestrel.txt")
    plain = engine.candidates(question, vector, s, None, 1)
    assert not any("never thought to request" in w.text for w in plain)
    found = engine.candidates(question, vector, s, None, 1, after=(path, end))
    assert any(w.text.startswith("The biggest gains come from looms") for w in found)


def test_a_question_that_names_its_source_expects_what_its_whole_wording_asks_for(tmp_path, embedder):
    """"What tools did Mara Quill say every weaver carries?" asks for a list. Its topic, the question less the
    author's name, reads "what tools every weaver carries": no verb after "tools", so the topic alone would not ask
    for one. The windows are typed by the whole question: the one that lists the tools has what it asks for."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "notes.txt").write_text(
        "Notes from the weaving hall.\n\nEvery weaver at Kestrel Mills carries shears, a bobbin hook, and a tally "
        "card. The hall opens at six.\n\nThe weavers say the river sets the pace of the work.\n", encoding="utf-8")
    (corpus / "metadata.json").write_text(json.dumps({"files": {
        "notes.txt": {"title": "Notes from the weaving hall", "author": "Mara Quill"}}}), encoding="utf-8")
    engine, _ = Engine.build(make_settings(corpus, tmp_path / "index"), embedder)
    question = "what tools did mara quill say every weaver carries?"
    topic = "what tools every weaver carries?"
    found = engine.candidates(question, engine.embedder.embed_one(topic), engine.resolved(engine.settings),
                              None, engine.settings.k_chunks, topic, asked=question)
    hit = FEATURES.index("type_hit")
    assert {w.features[hit] for w in found if "bobbin hook" in w.text} == {1.0}
    assert all(not w.features[hit] for w in found if "bobbin hook" not in w.text)


def test_a_scoped_search_keeps_the_chunk_that_only_the_keyword_search_ranks_first(tmp_path, embedder):
    """Fused by rank, a chunk that BM25 ranks first and the dense searches rank low can fall out of the chunks
    kept. Scoped to a document, that chunk (the one there that best matches the question's rare words) is kept."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    bridges = " ".join(f"Bridges of stone {n} carry carts over rivers, and masons cut the stone for every bridge "
                       f"they build in the valley." for n in range(7))  # a chunk of its own (800 characters)
    looms = " ".join(f"Looms {n} weave cotton thread into cloth, and the weavers sell the cloth at the market in "
                     f"town." for n in range(6))
    (corpus / "mill.txt").write_text(
        f"{bridges}\n\nThe Halvard ledger lists one cart a week from Orrin, paid in wool, for the Kestrel span. "
        f"{looms}\n\n{bridges.replace('valley', 'hills')}\n", encoding="utf-8")
    (corpus / "other.txt").write_text("Looms weave cotton thread into cloth for the market.\n", encoding="utf-8")
    engine, _ = Engine.build(make_settings(corpus, tmp_path / "index"), embedder)
    question = "What stone bridges over rivers do masons build for carts, says the Halvard ledger?"
    paths = (str(corpus / "mill.txt"),)
    top = engine.keyword.search(question, 1, engine.keyword.chunk_ids(paths))[0][0]
    assert "Halvard" in engine.store.get([top])[0].text
    hits = retrieve(question, embedder.embed_one(question), engine.store, engine.keyword, engine.settings, paths,
                    1, engine._exact)
    assert hits[0].chunk.id != top  # fusion ranks a chunk on bridges first ...
    assert top in [h.chunk.id for h in hits]  # ... and the keyword search's best is kept too


def test_any_search_keeps_the_keyword_searchs_best_chunks(tmp_path, embedder):
    """Unscoped too, the keyword search's best chunks (`KEYWORD_KEPT`: the one that holds the question's rare words,
    "the Halvard ledger … Orrin", and the next) are kept, though fusion by rank prefers a chunk on looms."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    bridges = " ".join(f"Bridges of stone {n} carry carts over rivers, and masons cut the stone for every bridge "
                       f"they build in the valley." for n in range(7))
    looms = " ".join(f"Looms {n} weave cotton thread into cloth, and the weavers sell the cloth at the market in "
                     f"town." for n in range(6))
    (corpus / "mill.txt").write_text(
        f"{bridges}\n\nThe Halvard ledger lists one cart a week from Orrin, paid in wool, for the Kestrel span. "
        f"{looms}\n\n{bridges.replace('valley', 'hills')}\n\n{looms} The Halvard ledger was written in "
        f"Orrin.\n", encoding="utf-8")
    (corpus / "other.txt").write_text(f"{bridges.replace('valley', 'plain')}\n", encoding="utf-8")
    engine, _ = Engine.build(make_settings(corpus, tmp_path / "index"), embedder)
    question = "What stone bridges over rivers do masons build for carts, says the Halvard ledger from Orrin?"
    best = [cid for cid, _ in engine.keyword.search(question, KEYWORD_KEPT, None)]
    assert "Halvard" in engine.store.get(best[:1])[0].text
    hits = retrieve(question, embedder.embed_one(question), engine.store, engine.keyword, engine.settings, None,
                    1, engine._exact)
    assert hits[0].chunk.id not in best  # fusion ranks another chunk first ...
    assert set(best) <= {h.chunk.id for h in hits}  # ... and the keyword search's best are kept too


def _beside_bakers(tmp_path, embedder, mill: str) -> Engine:
    """An engine over mill.txt, holding `mill`, and a short other.txt about bakers."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "mill.txt").write_text(mill, encoding="utf-8")
    (corpus / "other.txt").write_text("Bakers buy flour in town and bake bread every morning.\n", encoding="utf-8")
    engine, _ = Engine.build(make_settings(corpus, tmp_path / "index"), embedder)
    return engine


def test_a_why_question_quotes_the_reason_before_a_conclusion_that_echoes_it(tmp_path, embedder):
    """The sentence that restates the question as a conclusion ("So, of course, …") matches it best; the reason is
    the sentence before it, quoted with it."""
    engine = _beside_bakers(tmp_path, embedder,
        "The Halvard mill grinds wheat for the valley. Its millers start before dawn.\n"
        "Years ago a rival mill ground grain for free and was loved by every farmer in the valley. "
        "It closed within a year and the farmers had nowhere to go. "
        "A promise that cannot be kept up leaves people stranded. "
        "So, of course, a mill that cares about its farmers has to care about its costs too. "
        "Caring about farmers and caring about costs go together at the Halvard mill.\n"
        "The mill also sells flour at the market on Saturdays.\n")
    answer = engine.ask("why does a mill that cares about its farmers still have to care about its costs?")
    first = answer.citations[0].text
    assert "A promise that cannot be kept up" in first and "So, of course" in first
    assert all(verifies(c.path, c.start, c.end, c.text) for c in answer.citations)


def test_a_question_for_a_sum_named_by_its_noun_is_answered_with_the_sum(tmp_path, embedder):
    """"What did the mill's cash flow come to?" asks for a sum of money as "how much" does: the passage that
    states the sum is quoted first, not the one that defines cash flow in more of the question's words."""
    engine = _kestrel(tmp_path, embedder, (
        "Kestrel Mills watches its cash flow closely. The cash flow of Kestrel Mills comes to what its looms bring "
        "in, less what it spends on new looms and sheds.\n\nThe dyers worked through the winter. By 1903 the "
        "figure had reached $41,000, after the flood year.\n\nThe river ran blue below the mill for a mile.\n"))
    answer = engine.ask("what did kestrel mills' cash flow come to?")
    assert "$41,000" in answer.citations[0].text


def test_a_count_of_a_name_no_passage_writes_whole_is_looked_for_beside_its_rarest_word(tmp_path, embedder):
    """"How many weavers joined Bluewater Prime?": no passage writes "Bluewater Prime", but one tells of "the Prime
    plan" and gives no count; the looms counted in the next paragraph, on the flood, answer nothing about it."""
    corpus = write_corpus(tmp_path / "corpus", {
        "plan.txt": "Notes from the mill\n\nThe mill opened the Prime plan to its weavers in spring. Weavers who joined "
                    "it were paid each week.\n\nIn the flood year the river rose over the sheds, and 40 looms were "
                    "carried to the Bluewater hill by the crews.\n",
        "town.txt": "Notes on the town\n\nBluewater is a town on the river. It holds a market on Fridays.\n"},
        metadata=None)
    engine, _ = Engine.build(make_settings(corpus, tmp_path / "index"), embedder)
    answer = engine.ask("How many weavers joined Bluewater Prime?")
    assert answer.abstained and answer.uncovered == (NUMBER_OF + "weavers",)
    # written whole across a line break, the name is found as it is: its count answers
    write_corpus(corpus, {"plan.txt": "Notes from the mill\n\nWeavers could join Bluewater\nPrime from spring. By the "
                                      "flood year, 300 weavers had joined it.\n"}, metadata=None)
    engine, _ = Engine.build(make_settings(corpus, tmp_path / "index2"), embedder)
    answer = engine.ask("How many weavers joined Bluewater Prime?")
    assert not answer.abstained and "300 weavers" in answer.citations[0].text


# A story whose outcome ({after}) opens the second of two chunks: the first chunk ends with the passage that names the
# night ferry.
FERRIES = ("Bluewater Ferries\n\nBluewater runs three day ferries across the bay. The oldest boat, the Tern, was "
           "built in 1961 and still sails every morning. The company repaints its boats each spring in the town's "
           "blue and white, with a gold stripe along each hull.\n\nTimetables are printed on the harbour wall and "
           "change twice a year. Tickets can be bought on board, and children under five travel free. Dogs are "
           "welcome on the open deck. Bicycles ride free on every crossing, and a small shop on the quay sells maps, "
           "rain capes and tide tables for the season ahead.\n\nIn 2009 Bluewater started the Kestrel night ferry "
           "between Harwick and Sandby. The Kestrel night ferry carried cars and cyclists across the bay after dark. "
           "Passengers loved the Kestrel night ferry and its late crossings.\n\n{after}\n\nThe harbour master now "
           "keeps the old night berth for fishing boats. A café opened beside it in 2015 and sells fish soup to "
           "walkers.\n")


@pytest.mark.parametrize("after, quoted", [
    ("But it lost money every winter, and the line was closed in 2012.", True),
    # a heading written as a sentence opens a new section: it says nothing of what became of the ferry
    ("What The Harbour Master Keeps In The Old Night Berth Today.", False)])
def test_what_became_of_something_quotes_the_sentence_after_it_though_that_opens_a_chunk_not_retrieved(
        tmp_path, embedder, after, quoted):
    """"What became of X?" is answered by what the text says after the passage that names X. Here that sentence
    opens the next chunk, which only one retrieved chunk leaves out: it is quoted from the document all the same,
    unless it is a heading."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    text = FERRIES.format(after=after)
    (corpus / "ferries.txt").write_text(text, encoding="utf-8")
    engine, _ = Engine.build(make_settings(corpus, tmp_path / "index"), embedder)
    assert any(c.text.startswith(after) for c in engine.store.get(sorted(engine.keyword.ids)))  # a chunk opens there
    # One chunk retrieved, so that the next is not: the keyword search's best two (`KEYWORD_KEPT`) would be both
    # chunks, so it keeps one (a setting no user has; it also shortens the BM25 ranking that fusion reads).
    one = engine.settings.with_(k_chunks=1, k_keyword=1)
    answer = engine.ask("What became of the Kestrel night ferry?", settings=one)
    assert "Kestrel night ferry" in answer.citations[0].text
    assert any(c.text == after and c.start == text.index(after) for c in answer.citations) == quoted
    assert all(after not in c.text for c in answer.citations if c.text != after)
    assert all(verifies(c.path, c.start, c.end, c.text) for c in answer.citations)


def test_a_question_that_asks_for_questions_takes_the_texts_bulleted_questions_as_its_listed_answer(tmp_path, embedder):
    """"What questions does the mill ask itself before it buys a loom?": the text's own questions are the answer, not
    a restatement of it (no "asks" mark), and two bulleted lines are a list, which a "what questions" asks for."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "mill.txt").write_text(
        "Kestrel Mills buys few looms.\n\nWhen we look at a new loom, we ask ourselves a few questions:\n"
        "• Will the weavers use it every day?\n• Can the river turn it in a dry summer?\n"
        "If we like the answers, we buy it.\n\nWhy do we buy so few? Looms cost a lot, and wool prices swing.\n",
        encoding="utf-8")
    engine, _ = Engine.build(make_settings(corpus, tmp_path / "index"), embedder)
    question = "What questions does the mill ask itself before it buys a loom?"
    found = engine.candidates(question, engine.embedder.embed_one(question), engine.resolved(engine.settings),
                              None, engine.settings.k_chunks)
    asks, hit = FEATURES.index("asks"), FEATURES.index("type_hit")
    listed = [w for w in found if "dry summer?" in w.text and w.text.startswith("When we look")]
    assert listed and all(w.features[hit] == 1.0 and w.features[asks] == 0.0 for w in listed)
    other = "Why does the mill buy so few looms?"
    again = engine.candidates(other, engine.embedder.embed_one(other), engine.resolved(engine.settings), None,
                              engine.settings.k_chunks)
    assert any(w.features[asks] == 1.0 for w in again if w.text.startswith("Why do we buy so few?"))


_VERDICT = ("Kestrel Mills sells blue thread to weavers in three towns.\nWatch Ann Lee discuss thread with the weavers of "
            "Kestrel Mills, and you will notice something odd about her.\nShe speaks with the confidence of someone who "
            "has cracked a code that every other mill in the valley missed.\nShe talks about thread the way a judge "
            "talks about a verdict, sure of what every weaver ought to want. It's pride dressed up as care.\n\n"
            "The Dye House\nThe vats were filled with indigo every morning. The river ran blue below the mill for a "
            "mile.\n")


def test_the_best_window_is_quoted_with_the_sentence_after_it_that_names_what_it_described(tmp_path, embedder):
    """Three sentences describe how Ann Lee talks about thread; the fourth names what that is ("It's pride dressed
    up as care."): the window that starts there goes on from the best one, so it is quoted right after it."""
    engine = _kestrel(tmp_path, embedder, _VERDICT)
    said = [q.text for q in engine.ask("How does Ann Lee talk about thread with the weavers?").citations]
    assert said[0].endswith("ought to want.") and said[1] == "It's pride dressed up as care."


def test_ingest_saves_the_names_the_documents_capitalise_and_a_lower_case_question_is_read_with_them(
        tmp_path, embedder):
    """The ingest writes which words the documents write as names (cased.json beside the index); an engine opened on
    the index reads "what did quill say …" with "Quill". An older index without the file reads questions as typed
    until the next ingest, which an open engine takes up; a damaged file is one line that says what to do. The answer
    does not show a question read only with capitals as read differently."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "mill.txt").write_text(
        "Kestrel Mills opened in 1890. The dyer Mara Quill said blue thread would sell.\n\nIn 1903 the river rose, and "
        "Mara Quill moved the vats to the hill. The mill made cloth for the weavers of Leeds.\n", encoding="utf-8")
    settings = make_settings(corpus, tmp_path / "index")
    engine, _ = Engine.build(settings, embedder)
    saved = json.loads((tmp_path / "index" / "cased.json").read_text(encoding="utf-8"))
    assert saved["quill"] == "Quill" and "mill" not in saved and "river" not in saved
    answer = Engine.open(settings, embedder).ask("what did mara quill say would sell?")
    assert answer.resolved_question == "what did Mara Quill say would sell?" and not answer.read_differently
    (tmp_path / "index" / "cased.json").unlink()
    older = Engine.open(settings, embedder)
    assert older.ask("what did mara quill say would sell?").resolved_question == "what did mara quill say would sell?"
    ingest(settings, embedder)  # nothing changed but what it learned: an open engine takes it up
    assert older.ask("what did mara quill say would sell?").resolved_question == "what did Mara Quill say would sell?"
    (tmp_path / "index" / "cased.json").write_text('{"quill": "Jassy"}', encoding="utf-8")
    with pytest.raises(IndexCorrupt, match="run `rag ingest` again"):
        Engine.open(settings, embedder)


def test_a_figure_asked_for_is_quoted_from_the_sentences_after_the_passage_that_names_what_it_asks(tmp_path, embedder):
    """"How long had the mill been running when Ann Lee wrote her first report?": the passage on her first report
    gives no span of time; two sentences after it the text says "the mill had only opened four years before", and
    that is quoted, not only a passage that merely holds a "since"."""
    engine = _beside_bakers(tmp_path, embedder,
        "Customer-first, weaver-first, town-first. You have probably heard all of those lately.\n\n"
        "But Ann Lee has been talking about fair wages since 1890. Not in a speech at the fair, but in her first "
        "report to the weavers, the year the mill paid its first dividend.\n\n"
        "This week we look at three lessons from Ann Lee's reports.\n\n"
        "In her very first report to the weavers, Ann Lee wrote that the mill would put a loom in every cottage. "
        "She wrote about how the mill would pay each family on time.\n\n"
        "Remember, this was 1890. The mill had only opened four years before, and the town had just built its "
        "bridge. Cloth from the hills was still carried to market by cart.\n\n"
        "In that first report to her weavers, Ann wrote that the mill would make bold choices. It would not play it "
        "safe. She asked for a focus on the long run, not the next season.\n\n"
        "The weavers sold blue thread at the Saturday market.\n")
    answer = engine.ask("How long had the mill been running when Ann Lee wrote her first report to the weavers?")
    assert any("The mill had only opened four years before" in c.text for c in answer.citations)
    assert all(verifies(c.path, c.start, c.end, c.text) for c in answer.citations)


@pytest.fixture(scope="module")
def mill_and_harbor(tmp_path_factory, embedder) -> Engine:
    """Two documents named by their titles: the mill's notes, and a harbor report that names Japan."""
    root = tmp_path_factory.mktemp("mill_and_harbor")
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "mill.txt").write_text("# Kestrel Mills Notes\n\nIn 1890 Kestrel Mills sold forty looms to weavers in "
                                     "Portugal, its best year for looms.\n\nThe mill also dyed two thousand bolts of "
                                     "wool that spring.\n", encoding="utf-8")
    (corpus / "trade.txt").write_text("# Harbor Trade Report\n\nShips from the harbor carried wool and tea to Japan "
                                      "and back every season.\n\nThe harbor master counted three hundred ships in a "
                                      "good year.\n", encoding="utf-8")
    engine, _ = Engine.build(make_settings(corpus, root / "index"), embedder)
    return engine


def test_a_source_named_as_a_document_answers_at_the_vouched_threshold(mill_and_harbor):
    """"In the Harbor Trade Report, …" names the document the answer is in, as "What does the critic say …" names
    its author: that report is searched at the vouched share of the threshold."""
    engine, question = mill_and_harbor, "In the Harbor Trade Report, what did the ships carry?"
    support = engine.ask(question, settings=engine.settings.with_(min_support=0.0)).support
    bar = min(1.0, support * (1 + 1 / VOUCHED_SUPPORT_SHARE) / 2)  # between vouched and full
    assert support < bar  # the full threshold alone would abstain
    answer = engine.ask(question, settings=engine.settings.with_(min_support=bar))
    assert not answer.abstained and {Path(c.path).name for c in answer.citations} == {"trade.txt"}


def test_a_name_the_named_document_never_writes_is_said_not_answered(mill_and_harbor):
    """"In the Kestrel Mills Notes, how many looms did the mill sell in Japan?": the notes never name Japan, so
    their passage on looms sold to Portugal does not answer; the name is said. "Portuguese" is written as "Portugal"
    is (their first letters); a name typed in lower case may be any word, and is answered from the passage as before."""
    unnamed = mill_and_harbor.ask("In the Kestrel Mills Notes, how many looms did the mill sell in Japan?")
    assert unnamed.abstained and unnamed.uncovered == ("Japan",)
    for question in ("In the Kestrel Mills Notes, how many looms did the mill sell in Portugal?",
                     "In the Kestrel Mills Notes, how many looms did the mill sell to Portuguese weavers?",
                     "In the Kestrel Mills Notes, how many looms did the mill sell in japan?"):
        answer = mill_and_harbor.ask(question)
        assert [Path(c.path).name for c in answer.citations][:1] == ["mill.txt"], question


def test_a_why_questions_reason_is_quoted_where_another_document_says_something_near_the_question(tmp_path, embedder):
    """Another document's window that scores near an answer ("The weavers … were back on the mill floor by June")
    says nothing of why, so it does not keep the reason a few sentences after the best window from being quoted:
    only a window of the best window's own document that is not quoted may give the reason instead."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    reason = ("The mill does not think cottage weaving is the best way to work for the long run. It has become "
              "convinced that new patterns are found faster when weavers sit side by side and trade ideas at the looms.")
    (corpus / "kestrel.txt").write_text(_DYE_HOUSE + _MILL_FLOOR + reason + _SHEDS, encoding="utf-8")
    (corpus / "june.txt").write_text("The Weavers\nThe weavers of Kestrel Mills were back on the mill floor by June. "
                                     "Some of them walked four miles each way.\n", encoding="utf-8")
    engine, _ = Engine.build(make_settings(corpus, tmp_path / "index"), embedder)
    low = engine.settings.with_(k_chunks=2, k_keyword=1, min_support=0.15)  # the other window scores near
    answer = engine.ask("Why did Kestrel Mills want its weavers back on the mill floor three days a week?", settings=low)
    june = [q for q in answer.citations if q.path.endswith("june.txt")]
    assert june and june[0].score >= low.min_support * VOUCHED_SUPPORT_SHARE
    said = [q.text for q in answer.citations]
    assert said[0].startswith("In May, Kestrel Mills asked its weavers") and said[1].endswith(reason)
    assert all(verifies(q.path, q.start, q.end, q.text) for q in answer.citations)


_LOOM = ("The New Loom\nKestrel Mills has ordered a new loom from a foundry in Leeds, to be delivered in the spring. "
         "The new loom will weave twice as fast as the old frames, the foreman says. "
         "The mill expects to build each new loom for less than forty pounds, a third of what the old frames cost. "
         "They're small: four feet wide and two feet deep, and they fit beside the windows of the weaving hall.\n\n")


def test_it_in_a_second_part_is_the_thing_the_first_part_expects_to_do_something(tmp_path, embedder):
    """"How much does the mill expect the new loom to cost, and how big is it?": "it" is the new loom (the thing
    expected to cost), not the mill, so the second part is searched for the loom's size and quotes it."""
    engine = _kestrel(tmp_path, embedder, _LOOM + _DYE_HOUSE + _GUILD)
    answer = engine.ask("How much does Kestrel Mills expect the new loom to cost to build, and how big is it?")
    size = [q.text for q in answer.citations if q.side == "How big is the new loom"]
    assert size and "They're small: four feet wide" in size[0]
    assert all(verifies(q.path, q.start, q.end, q.text) for q in answer.citations)


def test_a_part_whose_best_window_the_other_part_quotes_is_answered_by_the_window_right_after_it():
    """Both parts' best window is the one on the price, which the part that asks the sum quotes; the other part
    takes the window that starts where it ends ("They're small: …"), though the scorer sees nothing of the
    question in it. Where that part asks the sum, the two trade places: the price is quoted for it."""
    from rag.engine import _side_quotes
    from rag.evidence import FEATURES, Window

    text = "The loom costs less than £40. They're small: four feet wide. The dye house is blue."
    cut = [0, text.index("They"), text.index("The dye"), len(text)]

    def window(i: int, score: float) -> Window:
        return Window("mill.txt", cut[i], cut[i + 1] - 1, 0, text, np.zeros(len(FEATURES)), score)

    settings = make_settings(Path("corpus"), Path("index"))
    price, size, dye = window(0, 0.88), window(1, 0.0), window(2, 0.02)
    options = [[window(0, 0.86), window(1, 0.0), dye], [price, size]]
    chosen = _side_quotes(options, settings, one_answer=True, first_bar=0.14)
    assert [side[0].text for side in chosen] == [size.text, price.text]
    pays = _side_quotes(options, settings, one_answer=True, first_bar=0.14, figures=[lambda t: "£" in t, None])
    assert [side[0].text for side in pays] == [price.text, size.text]
    # no trade where the other side asks the same sum; nothing where this side's best is far from an answer
    both = _side_quotes(options, settings, one_answer=True, first_bar=0.14, figures=[lambda t: "£" in t] * 2)
    assert [side[0].text for side in both] == [size.text, price.text]
    weak = _side_quotes([[window(0, 0.1), window(1, 0.0)], [price, size]], settings, one_answer=True, first_bar=0.14)
    assert weak[0] == [] and weak[1][0].text == price.text
    # nor the window after it where a third side quotes that one
    three = _side_quotes([[window(0, 0.86), window(1, 0.0)], [price, size], [window(1, 0.7)]], settings,
                         one_answer=True, first_bar=0.14)
    assert three[0] == [] and [three[1][0].text, three[2][0].text] == [price.text, size.text]


def test_a_sum_two_sentences_past_the_name_answers_where_each_sentence_between_tells_of_the_same_thing(
        tmp_path, embedder):
    """"Brightwater bought Kestrel Mills in 2019. Brightwater kept every weaver on. Brightwater paid $4 million for
    the deal.": the sentence between shares a word of the question, and so does the sum's, so the sum is stated for
    the purchase. With a sentence between that moves on, it is not."""
    question = "How much did Brightwater pay to buy Kestrel Mills?"
    engine = _kestrel(tmp_path, embedder, "Notes from the valley\n\nBrightwater bought Kestrel Mills in 2019. "
                      "Brightwater kept every weaver on. Brightwater paid $4 million for the deal.\n")
    answer = engine.ask(question)
    assert not answer.uncovered and any("$4 million" in c.text for c in answer.citations)
    engine = _kestrel(tmp_path, embedder, "Notes from the valley\n\nBrightwater bought Kestrel Mills in 2019. "
                      "The weaving team grew quickly that year. Brightwater paid $4 million for a new warehouse.\n",
                      "index2")
    assert engine.ask(question).uncovered == (AMOUNT,)
