"""Stage 6a: cut the retrieved chunks into evidence windows and describe each one by features.

A window is one to three consecutive *units* that start in a retrieved chunk, quoted as one
verbatim span `text[start:end]`. It may run on into the chunk after it: chunks do not
overlap, and the answer often opens the chunk after the one whose words match the question.
A unit is a sentence, except where the text's structure says that sentences belong together:

* a sentence that asks a question or announces what follows (ends in "?" or ":") is a
  setup: it forms one unit with the sentence after it, so it is quoted with its answer
  or not at all; so is one that says there are a few things ("There are several things
  buyers love about it."): no window ends on it (`announces`);
* consecutive short sentences of one paragraph ("Day 2 is stasis. Followed by
  irrelevance. Followed by death.") form one unit, so a run is never cut in the middle.

Non-content sentences never enter a window (they may stay in the index): headings (markdown's,
and bare lines without closing punctuation), titles of any length (lists of links to other articles,
table rows: every longer word capitalised, `is_title`), file headers and source lines
(a URL), page markers, and sentences repeated in many documents (signatures, sign-offs), which
`repeated_sentences` finds from their frequency across the corpus at indexing time.

Each window gets the features of `FEATURES`, which a `rag.scoring.Scorer` turns into the
probability that the window answers the question. Pure functions, no model, no store.
"""
from __future__ import annotations

import bisect
import functools
import hashlib
import itertools
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from .chunking import split_sentences, units
from .keyword import STOPWORDS, tokenize
from .records import Hit

MAX_UNITS = 3  # units in a window
MAX_WINDOW_CHARS = 450  # a window longer than this is not a quote but a passage
REPEATED_IN = 3  # a sentence in at least this many documents is boilerplate (two are a near-duplicate pair)
_HEADING_MAX = 60
_CLOSES = (".", "!", "?", "…", ":", ";")
_LIST_ITEM = re.compile(r"^\s*[-*•]\s+")
_TOC = "toc:"  # the prefix of a table-of-contents item's key (`toc_key`)
_URL = re.compile(r"(https?://|www\.)\S+", re.I)
# Words that frame a question rather than name what it asks about ("Describe the key points the
# document outlines", "Can you give an example?"): the evidence is not expected to contain them, and a
# question made of them alone has no topic of its own (a follow-up). English question phrasing, not any
# corpus's vocabulary.
QUESTION_FRAME = frozenset("""according describe described explain explained significance significant passage
document text article given mention mentioned outline outlined discuss discussed state stated tell key main
summarize summarise give example examples instance instances elaborate detail details else""".split())
# "How long has she worked there?": the measure asked for is the question's frame, not its topic (the answer says
# "26 years", and a passage on "a long period" is not about her).
_SPAN_MEASURES, _COUNT_MEASURES = "long|quickly|soon", "many|much|often|fast|large|big|far|old"  # "how long", …
_HOW_MEASURE = re.compile(rf"\bhow\s+(?:{_SPAN_MEASURES}|{_COUNT_MEASURES})\b", re.I)


def question_terms(question: str) -> list[str]:
    """The question's content terms, in order, once each: its tokens less the question frame and the measure a
    "how" asks for (the first "long" here, not the second).

    >>> question_terms("How long has Ann worked at the long mill? Describe it.")
    ['ann', 'worked', 'long', 'mill']
    """
    return list(dict.fromkeys(t for t in tokenize(_HOW_MEASURE.sub("how", question)) if t not in QUESTION_FRAME))


_MARKDOWN_HEADING = re.compile(r"^#{1,6}\s")
_PAGE = re.compile(r"^\W*(page\s*)?\d{1,4}\W*(of\s+\d+\W*)?$", re.I)
_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
# Navigation of a web page or series, not a statement: "click here", "you can find it here", "listen to this
# episode below", and a sentence that only numbers the part ("This is Part 2 of 4.").
_NAVIGATION = re.compile(r"\b(?:click|tap)\s+here\b|\b(?:find|check|read|listen|watch|download|subscribe|sign\s+up)"
                         r"\b(?:\s+\w+){0,3}\s+here\b(?=\s*(?:[.!)]|and\b|$))"
                         r"|\b(?:listen|watch)\b(?:\s+\w+){0,3}\s+below\b", re.I)
_SERIES_PART = re.compile(r"^\W*(?:this\s+is\s+)?(?:the\s+)?(?:part\s+\d+\s+of\s+\d+|\d+(?:st|nd|rd|th)\s+(?:part\s+)?of\s+"
                          r"(?:a|an|the)\s+\d+-part\s+series)\W*$", re.I)

FEATURES = (
    "sent_max",  # best cosine of a window sentence (its vector carries title and next sentence)
    "sent_mean",  # mean cosine of the window's sentences
    "sent_first",  # cosine of the first sentence
    "sent_last",  # cosine of the last sentence
    "match_first",  # the window starts at its best-matching sentence (and goes on after it)
    "sent_gap",  # sent_max less the best sent_max among all the question's windows (<= 0)
    "cover_gap",  # idf_cover less the best idf_cover among them
    "chunk_gap",  # chunk_sim less the best chunk_sim among them
    "chunk_sim",  # cosine of the enclosing chunk
    "chunk_rank",  # 1 / (1 + rank of the chunk among the retrieved ones)
    "idf_cover",  # idf-weighted share of the question's terms in the window
    "idf_cover_title",  # ... in the window, its document's title or the heading of its section
    "sent_cover",  # the best idf-weighted share of the question's terms in one sentence of the window
    "rest_cover",  # idf-weighted share of the question's terms that the window adds after its first sentence
    "bm25",  # BM25 of the window against the question, saturated: s / (1 + s)
    "unknown_terms",  # idf-weighted share of the question's terms the corpus never uses
    "pool_cover",  # idf-weighted share of the question's terms found anywhere in its windows or their titles
    "type_hit",  # the question expects a number, date, name... and the window has one
    "type_miss",  # it expects one and the window has none
    "year_miss",  # the question names a year that neither the window nor its title holds
    "asks",  # it ends on a question of the text, or matches the question best where the text asks it (a restated
    # question: "Ann, why did the mill close?"); not "Why? Because …", where the answer matches best
    "position",  # where the window starts in its document, 0..1
    "first_sentence",  # the window opens its document
    "units",  # units in the window
    "log_chars",  # log of its length
)


# --- non-content -----------------------------------------------------------------------------
def normalized(text: str) -> str:
    """The form in which sentences are compared across documents: lower case, words only."""
    return " ".join(re.findall(r"[^\W_]+", text.lower()))


def sentence_key(text: str) -> str:
    return _key(normalized(text))


def _key(words: str) -> str:
    return hashlib.sha1(words.encode()).hexdigest()[:16]


def repeated_sentences(documents: Iterable[Sequence[str]], min_documents: int = REPEATED_IN) -> set[str]:
    """Keys of the sentences that occur in at least `min_documents` documents, and (`toc_key`) of the list
    items that repeat another line of their own document: a table of contents ("- Day 2 and stasis" before
    the section of that title).

    >>> repeated_sentences([["Hi there.", "A"], ["hi, there", "B"], ["Hi there!"]]) == {sentence_key("hi there")}
    True
    >>> repeated_sentences([["- Why ferns grow?", "- Soil", "Why ferns grow?", "Ferns like shade."]], 3) == {
    ...     toc_key("- Why ferns grow?")}
    True
    """
    seen: dict[str, int] = defaultdict(int)
    toc = set()
    for sentences in documents:
        keys = [sentence_key(s) if normalized(s) else "" for s in sentences]
        for key in set(keys) - {""}:
            seen[key] += 1
        counts = Counter(keys)
        toc |= {toc_key(s) for s, key in zip(sentences, keys) if key and counts[key] > 1 and _LIST_ITEM.match(s)}
    return {k for k, n in seen.items() if n >= min_documents} | toc


def toc_key(text: str) -> str:
    """The key of a list item that a table of contents lists (`repeated_sentences`)."""
    return _TOC + sentence_key(text)


def is_heading(text: str) -> bool:
    """A short line with no closing punctuation: a title, heading or label, not a statement.

    >>> is_heading("The Customer as A Mirror"), is_heading("Day 2 is stasis.")
    (True, False)
    """
    text = text.strip()
    return len(text) < _HEADING_MAX and not text.rstrip("\"'”’)] ").endswith(_CLOSES)


_LABEL = re.compile(r"^[^\W\d_]+:\s")  # "Author: …", "Source: …"
# A label of one to three words that leads what follows ("Read next:", "Summarizing:", "Ann Lee said:"): where what
# follows is not content (a list of links), it leads nothing quotable; not a sentence that leads a figure ("That is
# the core of the flywheel:").
_LEAD_LABEL = re.compile(r"^\W*[^\W\d_]+(?:[\s’'-]+[^\W\d_]+){0,2}:$")


def is_lead_label(text: str) -> bool:
    """Whether `text` is only a label of one to three words ending in a colon.

    >>> is_lead_label("Read next:"), is_lead_label("Here’s why:"), is_lead_label("That is the core of the mill:")
    (True, True, False)
    """
    return bool(_LEAD_LABEL.match(text.strip()))


@functools.lru_cache(maxsize=64)  # the documents of a question's candidates, read again by the next questions
def section_headings(text: str, title: str = "") -> tuple[tuple[int, str], ...]:
    """(where it stands, its words) of each heading that opens a section of `text`: a line of its own that is a
    heading (`is_heading`), not the document's first line (unless the document's `title` is known and that line
    shares no word with it: a byline or subtitle after the title's words is no section), a one-word label
    ("Author: …"), a page marker or a list item, whose next line (page markers and blank lines aside) is a
    statement. A question that names a section ("what is the ego protection part about?") asks about the sentences
    under its heading, which need not repeat its words.

    >>> section_headings("My Notes\\nFrost Dates\\n[Page 2]\\nThe last frost comes in May.\\nSigned\\n")
    ((9, 'Frost Dates'),)
    >>> section_headings("My Notes\\nAuthor: Ann Lee\\nPart 2: Frost\\nIt comes in May.\\n")
    ((25, 'Part 2: Frost'),)
    >>> section_headings("Frost Dates\\nThe last frost comes in May.\\n", title="Notes on sowing")
    ((0, 'Frost Dates'),)
    >>> section_headings("Notes on Sowing by Ann Lee\\nThe last frost comes in May.\\n", title="Notes on sowing")
    ()
    """
    titled = set(re.findall(r"\w+", title.lower()))
    lines = [(m.start(), m.group().strip()) for m in re.finditer(r"[^\n]+", text) if m.group().strip()]
    statements = [i for i, (_, line) in enumerate(lines) if not _PAGE.match(line)]  # what a line may lead to
    out = []
    for k, i in enumerate(statements[:-1]):
        at, line = lines[i]
        # the first line is the title's, unless metadata gives a title that shares no word with it
        own = i > 0 or (bool(titled) and not titled & set(re.findall(r"\w+", line.lower())))
        if (own and is_heading(line) and not _LABEL.match(line) and not _LIST_ITEM.match(line)
                and not is_non_content(lines[statements[k + 1]][1])):
            out.append((at, line))
    return tuple(out)


def is_title(text: str) -> bool:
    """A title of any length, not a statement: every word of four letters or more (at least three) is
    capitalised, and it does not end as a sentence does. Lists of links ("Read next: …") are made of these.

    >>> is_title("- Why Ferns Grow Best In The Shade Of Old Oak Woods In Northern Europe")
    True
    >>> is_title("What Is the Spore Count? A Field Guide"), is_title("Ann Lee met Tom Park in Oslo.")
    (True, False)
    """
    long = re.findall(r"[^\W\d_]{4,}", text)
    return (len(long) >= 3 and all(w[0].isupper() for w in long)
            and not text.rstrip("\"'”’)] ").endswith((".", "!", "…", ";", ",")))


def is_non_content(text: str, repeated: set[str] = frozenset()) -> bool:
    """A sentence that is structure, not evidence.

    >>> [is_non_content(t) for t in ("Author: A. Writer", "Source: https://x.org/a.pdf", "[Page 5]",
    ...                              "- 12 -", "Sincerely,", "## Notes on the 2019 plan.", "Day 2 is stasis.")]
    [True, True, True, True, True, True, False]
    >>> [is_non_content(t) for t in ("(This is the 3rd of a 5-part series.", "If you missed it, you can find it here.)",
    ...                              "Here is what the survey found.", "Sales in the table below rose.",
    ...                              "We like what we see so far and plan to keep investing here.",
    ...                              "We listen to customers and keep prices below cost.")]
    [True, True, False, False, False, False]
    >>> contents = repeated_sentences([["- Why do ferns grow?", "Why do ferns grow?", "They like shade."]])
    >>> is_non_content("- Why do ferns grow?", contents), is_non_content("Why do ferns grow?", contents)
    (True, False)
    """
    stripped = text.strip()
    words = normalized(stripped)
    if (not words or is_heading(stripped) or is_title(stripped) or _PAGE.match(stripped)
            or _MARKDOWN_HEADING.match(stripped) or _NAVIGATION.search(stripped) or _SERIES_PART.match(stripped)):
        return True
    urls = sum(len(m.group()) for m in _URL.finditer(stripped))
    if urls and urls >= len(stripped) / 3:  # a source line: mostly an address
        return True
    return bool(repeated) and (_key(words) in repeated or bool(_LIST_ITEM.match(stripped))
                               and _TOC + _key(words) in repeated)


# --- answer types -----------------------------------------------------------------------------
# "when", "who", "where" ask something where they open the question or a clause of it, or follow a preposition
# there ("And when was it?", "According to Ann, where …", "By whom …"); after a noun they are relative ("customers
# who say …", "the building where …", "… ahead of itself when times are tough").
_ASKING = (r"(?:^|[,;:(.!?\"“”'‘’\-–—]\s*|\b(?:and|or|but|so|me|know|say|says|said|tell|ask|asks|asked|wonder|"
           r"explain)\s+)(?:(?:and|or|but|so|then|also)\s+)?"  # "Can you tell me who …", "Hi! Who …"
           r"(?:(?:in|on|at|by|from|since|until|till|to|for|of|before|after|during|with|about|among)\s+)?\b")
_ASKS_WHO_WHERE = re.compile(rf"{_ASKING}(who|whom|whose|where)\b", re.I)  # the wh-word it asks with, by name
_ASKS_FOR = (  # (pattern on the question, type it expects); first match wins
    (re.compile(rf"\bhow ({_SPAN_MEASURES})\b", re.I), "duration"),
    (re.compile(rf"\b(how ({_COUNT_MEASURES})|what (percentage|share|number|amount|"
                r"price|proportion|fraction)|what percent)\b", re.I), "number"),
    (re.compile(rf"{_ASKING}when\b|\b(what year|which year|what date)\b", re.I), "date"),
    (_ASKS_WHO_WHERE, "name"),
    # "Which company does …", "what early-2000s startup did …", "what was the name of …": a proper name answers
    # (not "what company culture …", nor "which companies …": a list)
    (re.compile(r"\b(?:what|which)\s+(?:[\w-]+\s+){0,2}?(?:company|firm|startup|start-up|retailer|publisher|band|brand)"
                r"\s+(?=(?:did|does|do|is|was|has|had|would|will|can|could)\b)|"
                r"\bwhat(?:'s|’s|\s+(?:is|was|were|are))\s+the\s+names?\s+of\b", re.I), "name"),
)
_NUMBER_WORDS = (r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|"
                 r"seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|"
                 r"hundred|hundreds|thousand|thousands|million|millions|billion|billions|trillion|dozen|dozens|"
                 r"half|twice|double|triple")
_NUMBER = re.compile(rf"\d(?:[\d,.]*\d)?|\b(?:{_NUMBER_WORDS})\b", re.I)  # "1,200", "2.5", "ten"
_NUMBER_VALUES = {w: i for i, w in enumerate("two three four five six seven eight nine ten".split(), start=2)}
_UNITS = r"seconds?|minutes?|hours?|days?|weeks?|months?|seasons?|years?|decades?|centur(y|ies)"
# "three days", "a single day", "two full years", "for decades"
_DURATION = re.compile(rf"(\d|\b({_NUMBER_WORDS}|a|an|few|several|many)\b)[\s-]+"
                       rf"(?:(?:single|full|whole|long|short|more|extra|additional)\s+)?({_UNITS})\b|\bsince\b|"
                       r"\b(?:for|over)\s+(?:seconds|minutes|hours|days|weeks|months|seasons|years|decades|centuries)"
                       r"\b(?!\s+of\b)", re.I)  # not "over minutes of the meeting"
_DATE = re.compile(r"\b(1[5-9]\d\d|20\d\d)\b|\b(january|february|march|april|may|june|july|august|september|"
                   r"october|november|december)\b", re.I)
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+")
# "What features did …", "Which documents does …", "What are the four essentials …", "What else …": the answer
# is likely a list. A list is three items or more, of up to six words each, the last after "and" or "or" and two
# commas at least: "A, B, and C", "A, B, C or D" ("A, B and C" is as often a clause: "After the rain, the wells
# filled and the farmers sowed"; "A, B, C" a string of epithets).
_AUX = r"did|does|do|are|were|is|was|have|has|had|can|could|would|should|will|must|might|may"
_MODIFIER = rf"(?!(?:{_AUX}|the|a|an|his|her|its|their|he|she|it|they|you|we|i)\b)[a-z0-9-]+"
_PLURAL = r"[a-z-]+s\b(?<!ss|us|is)"  # not "business", "bonus", "crisis"
_ASKS_LIST = re.compile(rf"\b(?:what|which)\s+(?:{_MODIFIER}\s+){{0,2}}(?<![’']){_PLURAL}\s+(?:{_AUX})\b|"
                        rf"\bwhat\s+(?:are|were)\s+(?:the|his|her|its|their)\s+(?:{_MODIFIER}\s+){{0,2}}{_PLURAL}|"
                        r"\bwhat\s+else\b", re.I)
_CLAUSE_ITEM = re.compile(r"\s*(?:but|yet|so|and|or|then|which|who)\b", re.I)  # "…, but we do, and …": clauses
_LAST_ITEM = re.compile(r"\s*(?:\S+\s+){0,5}?(?:and|or)\s+\w", re.I)  # "and C", "C or D"
# "Besides water (other than water, in addition to water), what else do ferns need?": a list, of which water is one
# item (one of its words is in the list). Where it opens the question or a clause, or follows what it asks about
# ("What were they besides X?"; "other than" and "in addition to" only open one); not "what sets Amazon apart from its
# rivals", "any reason other than cost".
_NOT_WH = r"(?!(?:what|which|who|how|why|when|where)\b)"
_BESIDES = re.compile(r"(?:(?:^\W*|[,;]\s*|\b(?:they|them|these|those|else)\s+)(?:besides|apart\s+from|aside\s+from)|"
                      r"(?:^\W*|[,;]\s*)(?:other\s+than|in\s+addition\s+to))\s+"
                      rf"(?P<item>{_NOT_WH}[\w'’-]+(?:\s+{_NOT_WH}[\w'’-]+){{0,3}})\s*(?=[,;:?]|$)", re.I)
_STEM = 5  # words sharing their first five letters are one word here ("obsessing", "obsession")
_DOCUMENT = re.compile(r"\b(?:letter|report|article|essay|post|piece|paper|interview|podcast|blog|book|document)s?\b",
                       re.I)  # "Apart from the 2015 letter, …" sets a source aside, not an item


def expected_type(question: str) -> str | None:
    """What kind of thing the question asks for: "number", "amount" (of money: `asks_amount`), "duration",
    "date", "name", "share" (a part of a whole: `has_share`), "list" or None.

    >>> [expected_type(q) for q in ("How long did it take?", "How quickly did it sell?", "How many stores?",
    ...                             "How much did it cost?", "When did it open?", "Who founded it?", "Why is it so?")]
    ['duration', 'duration', 'number', 'amount', 'date', 'name', None]
    >>> expected_type("How much of the harvest did they keep?")  # a share: "40%", "half", "most" answer
    'share'
    >>> expected_type("How much of a farmer's price did the mill keep?"), expected_type("How much of a loss was it?")
    ('share', 'number')
    >>> expected_type("How much of a ferry ticket’s price goes to fuel?"), expected_type("How much of a difference?")
    ('share', 'number')
    >>> expected_type("What royalty rate do authors get?"), expected_type("What rate of growth did it keep?")
    ('share', 'share')
    >>> expected_type("How much is the fee, and what rate applies?"), expected_type("Which rates did Ann cut?")
    ('amount', 'list')
    >>> [expected_type(q) for q in ("What did Ann sow, and when?", "Since when has it rained?", "By whom was it sown?",
    ...                             "What happens when it rains?", "Why do farmers who sow early win?",
    ...                             "Where does the town's water come from?", "Where did the farmers go?",
    ...                             "When Ann built the mill, which wood did she use?", "When was the mill built, and by whom?",
    ...                             "When and why did Ann, who built it, leave?", "What did it cost, and where did the money come from?",
    ...                             "Who founded the town where she came from?", "Where, say critics, does harm come from?",
    ...                             "Where is the mill, and how many farmers come from the hills?")]
    ['date', 'date', 'name', None, None, None, 'name', None, 'date', 'date', 'amount', 'name', None, 'number']
    >>> [expected_type(q) for q in ("What tools does a gardener need?", "What are the three rules of pruning?",
    ...                             "Besides water, what else do ferns need?", "What does Ann's boss do?",
    ...                             "Other than water, what do ferns need?", "Any reason other than cost?")]
    ['list', 'list', 'list', None, 'list', None]
    """
    if _ASKS_SHARE.search(question) or (_ASKS_RATE.search(question) and not asks_amount(question)):
        return "share"
    question = _LEADING_WHEN.sub("", question)  # "When Ann built the mill, which wood did she use?" asks "which"
    question = _ASKS_ORIGIN.sub(" ", question)  # "… and where did the money come from?" asks no place
    if asks_amount(question):
        return "amount"
    for pattern, kind in _ASKS_FOR:
        if pattern.search(question):
            return kind
    return "list" if _ASKS_LIST.search(question) or _given_item(question) else None


def has_type(text: str, kind: str, question: str = "") -> bool:
    """Whether `text` holds something of the expected kind. A name, date or number that the `question` itself
    holds answers nothing: "Who pays for Amazon's speed?" is not answered by "Amazon", nor "How many stores
    opened in 2016?" by "2016". The list that "What questions does the mill ask?" wants holds questions: two, or an
    item that asks one.

    >>> has_type("It took three years.", "duration"), has_type("It took a while.", "duration")
    (True, False)
    >>> asked = "What questions does the mill ask before it buys a loom?"  # a list of questions answers it
    >>> has_type("We buy wool, dye, and thread.", "list", asked), has_type("Why? We buy wool, dye, and thread.", "list", asked)
    (False, False)
    >>> has_type("• Is it fast?\\n• Is it cheap?", "list", asked)
    True
    >>> has_type("It fell to a single day.", "duration"), has_type("It wears out within two seasons.", "duration")
    (True, True)
    >>> has_type("A mill may limp on for decades.", "duration"), has_type("It has come over time.", "duration")
    (True, False)
    >>> has_type("They argued over minutes of the meeting.", "duration")
    False
    >>> has_type("In 1997 we listed.", "date"), has_type("He met Jane Doe there.", "name")
    (True, True)
    >>> has_type("Then Amazon hired.", "name", "Who works for Amazon?"), has_type("In 1997.", "date", "When, 1997?")
    (False, False)
    >>> has_type("In 2016 we grew.", "number", "How many in 2016?"), has_type("In 2016, 40.", "number", "Of 2016?")
    (False, True)
    >>> has_type("Ann Jassy followed Bezos.", "name", "Who followed Bezos?"), has_type("Of 1,200.", "number", "1,200?")
    (True, False)
    >>> has_type("As Ann wrote in 1990, it pays.", "number"), has_type("In 1990, 2000 weavers worked.", "number")
    (False, True)
    >>> has_type("Ann kept half of the price.", "share"), has_type("Ann kept $2 of the $3 price.", "share")
    (True, False)
    >>> has_type("It is cheap. Hill weavers are paid less.", "name", "Who pays for the cheap cloth?")
    True
    >>> has_type("It is cheap. Hill weavers are paid less.", "name", "Who founded the mill?")
    False
    >>> [has_type(t, "name", "Who pays the weaver?") for t in ("Weavers are paid less.", "This will cost more.")]
    [False, False]
    >>> has_type("The hill weavers are paid less.", "name", "Where did the buyers, who paid less, go?")
    False
    """
    if kind == "list":
        given = _given_item(question)
        # "What questions does the mill ask?" is answered by questions, not by a passage that lists things it buys
        of_kind = not _asks_questions(question) or text.count("?") > 1 or bool(_ASKED_ITEM.search(text))
        return _has_list(text) and of_kind and (
            not given or any(w.startswith(g) for w in re.findall(r"\w+", text.lower()) for g in given))
    pattern = {"number": _NUMBER, "amount": _AMOUNT, "duration": _DURATION, "date": _DATE,
               "name": _NAME, "share": _PART}[kind]
    if kind not in ("name", "date", "number"):
        return bool(pattern.search(text))
    echoed = _echoed(question, kind)
    # `_NAME` skips a sentence's first word ("The", "Warehouse"), so "Jassy succeeded Bezos." holds no name
    # for "Who succeeded Bezos?"; counting a sentence's first word as one gave back every echo it took away.
    for m in pattern.finditer(text):
        if m.group(0).lower() in echoed:
            continue
        # A year is no quantity ("As Bezos wrote in 2018" does not say how much better; "in 2018 customers …" neither)
        if kind == "number" and (_a_year(m.group(0), text[m.end():])
                                 or (_A_YEAR.fullmatch(m.group(0)) and _YEAR_AFTER.search(text[:m.start()]))):
            continue
        return True
    return kind == "name" and _asks_group(question) and any(
        (noun := m.group("noun").lower()) not in echoed | STOPWORDS and noun[:-1] not in echoed
        for m in _GROUP_SUBJECT.finditer(text))


# "Who pays for it?", "Who was against it?" (not "Who founded it?": `asks_person`): a group may answer, the plural
# subject that opens a sentence or clause ("Warehouse workers are pushed …", "Publishers didn't want …").
_GROUP_SUBJECT = re.compile(r"(?:^|(?<=[.!?:;])\s+)[\s\"“‘'(•*–—-]*(?:[A-Z][a-z-]+\s+)?(?:[a-z][a-z-]+\s+)?"
                            r"(?P<noun>[A-Za-z-]*[a-z](?<!s)s)\s+(?:(?:are|were|have|had|will|would|shall|should|can|"
                            r"could|do|did|must|may|might)(?:n[’']t)?|won[’']t)\b")


@functools.lru_cache(maxsize=256)
def _asks_group(question: str) -> bool:
    """Whether "who" is what the question asks (its first "who", "where" … that asks: not "Where did the weavers, who
    were paid less, go?"), and not for one person or firm (`asks_person`). A follow-up read with the question it
    points back to ("Who pays for it?: What did Ann sell?") is asked by its own part."""
    own = question.split(": ", 1)[0]
    asked = _ASKS_WHO_WHERE.search(own)
    return bool(asked) and asked.group(1).lower() == "who" and not asks_person(own)


def _has_list(text: str) -> bool:
    """Whether `text` holds an item of a bulleted list (a line that opens with a bullet mark), or lists three items or
    more, the last after "and" or "or", with two commas at least: "A, B, and C", "A, B, C or D", the item before the
    last comma of up to six words (one pass over the commas).

    >>> _has_list("Kindle (2007), Prime (2005), and AWS (2006) grew."), _has_list("It rained, and we left.")
    (True, False)
    >>> _has_list("Not every mill sows early, but we do, and it is our strength.")
    False
    >>> _has_list("• Is it dry?"), _has_list("We ask: is it dry?"), _has_list("- Yes, said Ann."), _has_list("- A\\n- B")
    (True, False, False, True)
    """
    marks = _BULLET.findall(text)  # an item of a bulleted list; a dash or star, only beside another
    if len(marks) > 1 or any(m in _ROUND_BULLETS for m in marks):
        return True
    parts = text.split(",")
    return any(_LAST_ITEM.match(parts[k]) and 0 < len(parts[k - 1].split()) <= 6
               and not _CLAUSE_ITEM.match(parts[k - 1]) for k in range(2, len(parts)))


@functools.lru_cache(maxsize=256)
def _given_item(question: str) -> frozenset[str]:
    """The words (cut to `_STEM` letters) of the item a question sets aside as known ("Besides customer
    obsession, what else …"): the list that answers it holds one of them.

    >>> sorted(_given_item("Apart from sowing early, what else do farmers do?")), _given_item("What else?")
    (['early', 'sowin'], frozenset())
    >>> _given_item("Apart from the 1990 report, what else tells of rain?")  # a source set aside, not an item
    frozenset()
    """
    m = _BESIDES.search(question)
    if not m or _DATE.search(m.group("item")) or _DOCUMENT.search(m.group("item")):
        return frozenset()
    return frozenset(w[:_STEM] for w in re.findall(r"\w+", m.group("item").lower()) if w not in STOPWORDS)


@functools.lru_cache(maxsize=256)
def _echoed(question: str, kind: str) -> frozenset[str]:
    """The question's words and its matches of `kind`'s pattern ("1,200"), lower-cased: read once a question,
    not once for each sentence `has_type` is asked about."""
    pattern = {"number": _NUMBER, "date": _DATE, "name": _NAME}[kind]
    return frozenset(w.lower() for w in re.findall(r"\w+", question)) | {m.group(0).lower()
                                                                        for m in pattern.finditer(question)}


def _not_after(*words: str) -> str:
    """A pattern that matches where none of `words` comes just before (a run of look-behinds)."""
    return "".join(rf"(?<!\b{w}\s)" for w in words)


# "How much time (effort, space) did it save?", "How much attention should it pay to rivals?" ask for something else
# than money.
_ASKS_AMOUNT = re.compile(r"\bhow much\b(?!\s+(?:time|effort|energy|space|room|work|attention|heed|notice|thought|"
                          r"weight|emphasis|importance|respect|credit|trust)\b).*\b("
                          r"price[sd]?|costs?|cost(?:ed|ing)|pa(?:y|ys|id)|spen(?:d|ds|t)|charged?|"
                          r"salar(?:y|ies)|wages?|fees?|fares?|sav(?:e|es|ed|ings?))\b|"
                          r"\bwhat(?:'s|’s|\s+(?:is|was|are|were))(?:\s+(?!(?:to|that|which|who|for|of)\b)[\w’'-]+){0,5}?"
                          r"\s+" + _not_after("hidden", "human", "social", "environmental", "emotional", "moral",
                                               "personal", "psychological")
                          + r"(price|cost|fee|fare|salary|wage)s?\b|"  # not a figurative cost ("the hidden cost of …")
                          r"\bwhat\s+(?:did|does|do|will|would)\s+(?:[\w’'-]+\s+){1,5}?"  # "What did X cost?"
                          + _not_after("about", "of", "on", "to", "for", "the", "an", "a", "low", "lower", "its",
                                       "their")  # "cost" the verb
                          + r"cost\b(?!\s+(?:cutting|cuts?|savings?|of|structure|advantage|base|control|down|up)\b)",
                          re.I)
# The pieces of "What was the mill's income in 1990?" (`_ASKS_MONEY`): its opening (no "-ing" verb after it: "What is
# driving sales?"), a word that is no preposition or verb of saying, a noun for a sum of money, what may follow it.
_MONEY_ASKED = r"\bwhat(?:['’]s|\s+(?:is|was|are|were|did|does|do|will|would))\s+(?!\w+ing\b)"
_MONEY_WORD = r"(?!(?:to|that|which|who|for|of|about|on|with|from|say|says|said|think|mean)\b)[\w’'-]+\s+"
_MONEY_NOUN = r"(?:revenues?|sales|income|profits?|earnings|cash\s+flows?|spending|budgets?|proceeds)"
_MONEY_AFTER = r"(?:come|amount)\s+to\b|total\b"
# "How much funding …", "How much did it raise/earn?", "How much is it worth?": money too, but not "How much
# weight can it raise?" (a noun of its own) nor "How much did revenue grow?" (a change, a share answers).
_ASKS_MONEY = re.compile(r"\bhow\s+many\s+(?:dollars|euros|cents|yen)\b|"  # not pounds: of flour
                         r"\bhow\s+(?:cheap(?:ly)?|expensive|pricey)\b(?![^?]*\b(?:than|compared|relative|"
                         r"in\s+(?:time|lives|effort|terms))\b)|"  # not "how expensive in time", "how cheap than coal"
                         r"\bhow\s+much\s+(?:(?:[\w-]+\s+){0,2}?(?:money|funding|capital|cash|revenue|profit|income)\b|"
                         r"(?:did|does|do|will|would|has|had|could|can)\s+[^?]*?\b(?:rais(?:e|ed)|earn(?:ed)?|"
                         r"invest(?:ed)?|fund(?:ed)?)\b|(?:is|was|are|were)\s+[^?]*?\bworth\b)|"
                         # "How big was the mill's yearly revenue?": its size, a sum (not "how big was sales growth",
                         # "the share of revenue", "the sales team", "the profit margins")
                         r"\bhow\s+(?:big|large)\s+(?:is|was|are|were|had|has|have)\s+"
                         r"(?!(?:[\w'’-]+\s+){0,3}?(?:share|percentage|portion|proportion|fraction|impact|effect)\b)"
                         r"(?:[\w'’-]+\s+){0,3}?(?:revenues?|sales|income|profits?|earnings|budget)"
                         r"(?:\s+(?:pace|run\s+rate|base|total))?(?=\s*(?:[?.!,;]|$)|\s+(?:in|for|during|at|by|when|"
                         r"become|grown|gotten|get|got)\b)|"
                         # "What was the mill's income in 1990?", "What did its cash flow come to?": a sum of money named
                         # and asked for whole, owned or dated (not "What is cash flow?", "What is driving sales?", "the
                         # income gap", "the best way to raise income")
                         rf"{_MONEY_ASKED}(?:{_MONEY_WORD}){{0,3}}?(?:the|its|their|his|her|our|[\w-]+(?:['’]s|s['’]))\s+"
                         rf"(?:{_MONEY_WORD}){{0,2}}?{_MONEY_NOUN}(?=\s*(?:[?.!]|$|(?:in|for|during|at)\s|{_MONEY_AFTER}))|"
                         rf"{_MONEY_ASKED}(?:{_MONEY_WORD}){{0,4}}?{_MONEY_NOUN}(?=\s+(?:(?:in|for|during)\s+(?:the\s+)?"
                         rf"(?:\d{{4}}|year|quarter)\b|{_MONEY_AFTER}))", re.I)
_CHANGE = re.compile(r"\b(?:grow|grew|grown|rise|rose|risen|fall|fell|fallen|drop(?:ped)?|increase[sd]?|"
                     r"decrease[sd]?|declined?|shr[iau]nk)\b", re.I)
_AMOUNT = re.compile(rf"[$€£¥]\s?\d|(\d|\b({_NUMBER_WORDS}|a|hundred|thousand|million|billion|trillion))\s*"
                     r"(dollars?|cents?|euros?|pounds? sterling|yen|usd|eur|gbp)\b|"
                     r"\b(?:hundreds|thousands|millions|billions|trillions)\s+of\s+(?:dollars|euros|pounds\s+sterling|yen)\b",
                     re.I)
AMOUNT = "a price or amount of money"  # what an abstention names when no candidate holds one
NUMBER_OF = "the number of "  # ... when none gives a count of what a "how many" question counts (it follows)
DATE = "a date or year"  # ... and when none gives a date
NAME = "the name asked for"  # ... and when none about what it names names anyone (`asks_person`)
# A question that opens on a "when" clause ("When Ann built the mill, which wood …?") asks what follows the comma.
# Not "When and why did Bezos, who …, step down?": an inverted "did" before the comma makes "when" the question.
_LEADING_WHEN = re.compile(rf"^\W*when\s+(?!(?:{_AUX}|exactly)\b)(?:(?!\b(?:did|does|do)\b)[^,?])+,\s*(?=(?:what|"
                           rf"which|who|whom|whose|how|why|where|{_AUX})\b)", re.I)
# A share, not a sum ("how much of a loss": a sum; "how much of a book's price": a share of the price).
_ASKS_SHARE = re.compile(r"\bhow\s+much\s+of\b(?!\s+an?\s+(?!(?:[\w-]+\s+){0,2}[\w-]+(?:'s|’s|s'|s’)\s))", re.I)
# "What royalty rate …?": a percentage ("70%") answers it (the type asked for; a sum asked for too stays one).
_ASKS_RATE = re.compile(r"\b(?:what|which)\s+(?:[\w-]+\s+)?rate\b", re.I)
# "Where does X come from?" asks for a source or a cause ("genuine empathy"), not a place.
_ASKS_ORIGIN = re.compile(rf"{_ASKING}where\b(?:(?!,\s*(?:and|but|or)\b)[^?])*?\b(?:come|comes|came|coming|stem|stems|"
                          r"stemmed|originate[sd]?|spring|springs|sprang)\s+from\b", re.I)  # within one clause
_ASKS_YEAR = re.compile(r"\b(?:what|which)\s+(?:year|date|month)\b", re.I)


def asks_year(question: str) -> bool:
    """Whether the question asks in what year (month, on what date) something happened (then only a passage
    with a date answers).

    >>> [asks_year(q) for q in ("In what year did the mill close?", "Which year was best?", "What did 1999 bring?",
    ...                         "On what date did it open?", "What day is best for sowing?")]
    [True, True, False, True, False]
    """
    return bool(_ASKS_YEAR.search(question))


_ASKS_OUTCOME = re.compile(r"\bwhat\s+(?:(?:has|have|had)\s+)?(?:became|become|happened)\s+(?:of|to)\b"
                           r"(?!\s+(?:be|cause)\b)|"
                           r"\bwhat\s+(?:happened|came)\s+(?:next|then|afterwards?|after\s+that)\b|"
                           r"\bhow\s+did\s+(?:[\w’'-]+\s+){1,6}?end(?:\s+up)?\W*$|"
                           r"\bwhat\s+did\s+(?:(?!(?:who|which|that|when|if)\b)[\w’'-]+\s+){1,12}?"
                           r"end\s+up\s+[a-z]+ing\b", re.I)  # not "What do riders end up paying?", an amount


def asks_outcome(question: str) -> bool:
    """Whether the question asks how something ended up: the passage that names it is followed by the answer.

    >>> [asks_outcome(q) for q in ("What became of the ferry line?", "What happened to the old mill in 1990?",
    ...                            "How did the strike end?", "What happened in 1990?", "How did the strike end up?",
    ...                            "What did the end of the strike bring?", "What happened to cause the fire?")]
    [True, True, True, False, True, False, False]
    >>> asks_outcome("What did the board of the mill end up deciding?"), asks_outcome("Which did they end up buying?")
    (True, False)
    >>> asks_outcome("What did Ann say about riders who end up paying more?")
    False
    >>> asks_outcome("What happened next?"), asks_outcome("What happened after that?"), asks_outcome("What came first?")
    (True, True, False)
    """
    return bool(_ASKS_OUTCOME.search(question))


_ASKS_REASON = re.compile(rf"{_ASKING}why\b", re.I)
# A sentence that draws a conclusion from the one before it: the reason a "why" question asks for is there.
_CONCLUDES = re.compile(r"^\W*(?:and\s+)?(?:so(?![\w-])(?!\s+(?:many|much|far|long|few|that)\b)|therefore|"
                        r"thus(?!\s+far)|hence|(?:that|this|which)(?:'s|’s|\s+is)\s+why)\b", re.I)


def asks_reason(question: str) -> bool:
    """Whether the question asks why.

    >>> [asks_reason(q) for q in ("Why did the mill close?", "So, why?", "Who knows why it closed?", "Whyte Mill?")]
    [True, True, False, False]
    """
    return bool(_ASKS_REASON.search(question))


def concludes(text: str) -> bool:
    """Whether `text` opens with a conclusion drawn from what precedes it ("So, …", "That's why …").

    >>> [concludes(t) for t in ("So, of course, you have to.", "That's why it closed.", "Sometimes it rains.")]
    [True, True, False]
    >>> [concludes(t) for t in ("So many mills closed.", "So far it holds.", "So-called experts.", "Thus far, none.")]
    [False, False, False, False]
    """
    return bool(_CONCLUDES.match(text))


# A sentence that gives a reason: "because", "the reason is", "for this reason", "so that" (or "so they could", its
# "that" left out), "in order to", "due to", "owing to", "as a result", "that's why", or a conviction stated ("We've
# become convinced that working together is easier": the one reason in the 2022 letter's passage on the office,
# which five development questions ask about).
_REASON = re.compile(r"\b(?:because|(?:the|one|a)\s+reasons?\s+(?:is|was|why)|for\s+(?:this|that|the\s+same)\s+reason|"
                     r"so\s+that(?!['’]s|\s+(?:year|day|week|month|time)\b)|in\s+order\s+to|owing\s+to|as\s+a\s+result|"
                     r"so\s+(?:they|we|he|she|it|you)\s+(?:could|can|would|might|may|will)\b|"
                     r"due\s+to(?!\s+(?:be|arrive|close|open|start|end|begin|expire)\b)|"
                     r"(?:that|this|which)(?:'s|’s|\s+is)\s+why|(?<!not\s)convinced\s+that)\b", re.I)


def states_reason(text: str) -> bool:
    """Whether `text` gives a reason.

    >>> [states_reason(t) for t in ("Why? Because riders want more.", "We are convinced that it works.",
    ...                             "We did it so that crews rest.", "It is late, which is why we stop.",
    ...                             "The reason is cost.", "Sales fell due to the flood.", "So they could rest.")]
    [True, True, True, True, True, True, True]
    >>> [states_reason(t) for t in ("Crews came back in May.", "So that's all.", "He did so that year.",
    ...                             "The ship is due to arrive.", "We were not convinced that it works.",
    ...                             "There are reasons for hope.", "We convinced riders to sign up.")]
    [False, False, False, False, False, False, False]
    """
    return bool(_REASON.search(text))


# A sentence that turns or carries on the point of the one before it: what was said there is not all of it. "It's
# pride dressed as care." names what was said (not an "it" that stands for a clause after it: "It's wise to …").
_TURNS = re.compile(r"^\W*(?:but|however|yet|and\s+then|(?:(?:it|that)(?:'s|’s)|(?:it|this|that)\s+(?:is|was)(?:n['’]t)?)"
                    r"(?!(?:[\s,]+[\w-]+){0,3}[\s,]+(?:to|that)\b)|"
                    # "Ann knew this would …": "this" stands for what was said before (a verb follows, not a noun)
                    r"(?:[\w’'-]+,?\s+){1,3}this\s+(?:is|was|would|will|could|can|meant|means|led|leads|made|makes)\b)\b",
                    re.I)


def turns(text: str) -> bool:
    """Whether `text` opens by turning or carrying on what precedes it ("But it is not enough.", "And then …", "It's
    pride dressed as care.", "Ann knew this would …": a "this" that stands for it).

    >>> [turns(t) for t in ("But the loom was too slow.", "However, the mill closed.", "And then a second memo.")]
    [True, True, True]
    >>> [turns(t) for t in ("It's pride dressed as care.", "That's a verdict.", "It isn't care.", "It's wise to ask.",
    ...                     "It is important, though, to ask.", "It is clear that")]
    [True, True, True, False, False, False]
    >>> [turns(t) for t in ("Butter sold well.", "And the mill closed.", "Yesterday it rained.")]
    [False, False, False]
    >>> [turns(t) for t in ("Ann knew this would push the mill.", "Ann knew this mill would close.",
    ...                     "Still, this was new.")]
    [True, False, True]
    """
    return bool(_TURNS.match(text))


# A window whose last sentence is this short, its paragraph going on, sets up what follows ("Amazon did the
# opposite.", "Remember, this was 1997."). Chosen, not fitted.
_SETUP_WORDS = 5


# A sentence that says there are a few things and stops there, or goes on to what they are for ("There are several
# elements that customers love about Kestrel.", "There are two main reasons."): it announces what the next ones say.
# Not a count stated as a fact ("There were three mills in 1890.", "There are two weavers, Ann and Bo.", "There are
# two mills on the river.").
_PLACE_OR_TIME = ("on|in|at|of|for|from|with|without|by|near|under|over|around|between|among|per|during|across|"
                  "along")  # what follows a count stated as a fact ("two mills on the river")
_ANNOUNCES = re.compile(r"^(?:\W*\w+,)?\W*(?:there|here)\s+are\s+(?:several|a\s+few|a\s+couple\s+of|many|two|three|"
                        r"four|five|six|[2-6])\s+(?:[a-z-]+\s+)?[a-z]+s"
                        rf"(?:\s+(?!(?:{_PLACE_OR_TIME})\b)[\w’'][^,;]*)?[.:]?[\"'”’)\]]*\s*$", re.I)


def announces(sentence: str) -> bool:
    """Whether `sentence` says there are a few things and no more, announcing what follows: quoted alone it says
    nothing. (A sentence ending in ":" announces too; `units` keeps it with the next.)

    >>> [announces(t) for t in ("There are several things weavers love about Kestrel.", "Here are three reasons.",
    ...                         "Indeed, there are two main reasons.", "There are many reasons why it closed.")]
    [True, True, True, True]
    >>> [announces(t) for t in ("There were three mills in 1890.", "There are two mills on the river.",
    ...                         "There are two weavers, Ann and Bo.", "There are hundreds of homes without a line.")]
    [False, False, False, False]
    """
    return bool(_ANNOUNCES.match(sentence))


def sets_up(text: str, gap: str) -> bool:
    """Whether a window's `text` ends on a short sentence (`_SETUP_WORDS`) from which its paragraph goes on: `gap`, the
    text between it and the next sentence, breaks no line. What follows is its point: quoted with it, room allowing.
    (In a hard-wrapped file every line ends in a break: there it never holds, which errs on the side of quoting less.)

    >>> sets_up("Most mills cut the pay of their weavers. Kestrel did the opposite.", " ")
    True
    >>> sets_up("Most mills cut the pay of their weavers. Kestrel did the opposite.", "\\n\\n")
    False
    >>> sets_up("Kestrel did the opposite of what most mills on the river did.", " ")
    False
    """
    said = split_sentences(text)
    return bool(said) and len(text[said[-1].start:said[-1].end].split()) <= _SETUP_WORDS and "\n" not in gap


def asks_amount(question: str) -> bool:
    """Whether the question asks for a sum of money (a price, a cost, what was paid, spent, raised or earned).

    >>> [asks_amount(q) for q in ("How much did the bridge cost?", "What was the ticket price in 1990?",
    ...                           "How much did shoppers save at the new store?", "How many people paid?",
    ...                           "How much did sales grow?", "How much time did the new press save?",
    ...                           "What were the changes made to cut its costs?", "What was the mill's ticket price?",
    ...                           "What was Amazon's 2017 Whole Foods purchase price?", "What is the best way to cut costs?",
    ...                           "How much seed funding did the start-up raise?", "How much did the mill earn in 1990?",
    ...                           "How much weight can the crane raise?", "How much did revenue grow in 2010?",
    ...                           "What was the budget committee for?", "How much attention did it earn?",
    ...                           "How many dollars did buyers save?", "How much of their time do they spend on it?")]
    [True, True, True, False, False, False, False, True, True, False, True, True, False, False, False, False, True, False]
    >>> asks_amount("How much attention should the mill pay to its rivals?")
    False
    >>> asks_amount("What did a season ticket cost in 1990?"), asks_amount("What does the plan cost members?")
    (True, True)
    >>> [asks_amount(q) for q in ("What was the mill's income in 1990?", "What did its cash flow come to?",
    ...                           "What's the mill's income in 1990?", "What were net sales for 1990?",
    ...                           "What were the income gaps?", "What is the best way to raise income?",
    ...                           "What did Ann say about sales?", "What did sales grow to in 1990?", "What is cash flow?",
    ...                           "What is driving sales in the east?", "What were the sales by region?")]
    [True, True, True, True, False, False, False, False, False, False, False]
    >>> asks_amount("What's the hidden cost of all that speed?"), asks_amount("What was the human cost of the strike?")
    (False, False)
    >>> [asks_amount(q) for q in ("How big was the mill's yearly revenue in 1990?", "How large were its sales?",
    ...                           "How big was sales growth?", "How big was the mill?", "How large a share of sales?",
    ...                           "How big was its share of revenue?", "How big is the sales team?",
    ...                           "How big were the profit margins?", "How big is the impact on earnings?",
    ...                           "How big had its yearly revenue pace become?")]
    [True, True, False, False, False, False, False, False, False, True]
    >>> asks_amount("How cheaply can the mill make a loom?"), asks_amount("How expensive was the new bridge?")
    (True, True)
    >>> asks_amount("How expensive is it in time to train a weaver?"), asks_amount("How cheap is wool than silk?")
    (False, False)
    >>> [asks_amount(q) for q in ("What did Ann say about cost?", "What does Bo say about low cost?",
    ...                           "What did the cost cutting achieve?", "What did Ann do to lower cost?")]
    [False, False, False, False]
    """
    if _ASKS_SHARE.search(question):
        return False
    return bool(_ASKS_AMOUNT.search(question)) or bool(_ASKS_MONEY.search(question) and not _CHANGE.search(question))


def has_amount(text: str) -> bool:
    """Whether `text` states a sum of money.

    >>> [has_amount(t) for t in ("It sold for $12.50.", "Tickets were 40 euros.", "It cost five million dollars.",
    ...                          "It cost a lot.", "They want every last dollar.", "It saved millions of dollars.",
    ...                          "Millions of people use it.", "It shipped millions of pounds of flour.")]
    [True, True, True, False, False, True, False, False]
    """
    return bool(_AMOUNT.search(text))


_ASKS_PART = re.compile(r"\b(?:what|which)\s+(?:(?:is|was|are|were)\s+the\s+|[\w-]+\s+)?"
                        r"(?:percentage|percent|proportion|fraction|share)s?\s+of\b|\bby\s+what\s+(?:percentage|percent)\b|"
                        r"\bhow\s+(?:large|big|small)\s+an?\s+(?:share|portion|proportion|fraction|percentage)\b", re.I)
_PART = re.compile(rf"\d\s?%|\b(?:per\s?cent|percent(?:age)?|half|thirds?|quarters?|fifths?|tenths?|majority|"
                   rf"minority)\b|\b(?:\d[\d,.]*|{_NUMBER_WORDS})\s+(?:out\s+)?(?:of|in)\s+(?:every\s+)?"
                   rf"(?:\d[\d,.]*|{_NUMBER_WORDS})\b", re.I)
SHARE = "a percentage or share"  # what an abstention names when no candidate about the question gives one


def asks_share(question: str) -> bool:
    """Whether the question asks for a percentage, proportion or share, so that a passage without one leaves it
    unanswered ("how much of" does not: "most" answers it).

    >>> [asks_share(q) for q in ("What percentage of the seeds sprouted?", "What share of sales came from books?",
    ...                          "How large a share of the town farms?", "How much of the harvest did they keep?",
    ...                          "What did the share price do?", "Which fraction of voters stayed home?",
    ...                          "By what percentage did sales grow?", "What was the share of rail freight?",
    ...                          "Which portion of the report covers rail?")]
    [True, True, True, False, False, True, True, True, False]
    """
    return bool(_ASKS_PART.search(question))


# "In which city …", "What town did Ann grow up in?"; a school only where it is asked as a place ("At which university
# did Ann study?", not "Which school has the most pupils?": "Leeds University" answers that, with no "in" or "at").
_ASKS_PLACE = re.compile(rf"\b(?:what|which)\s+(city|town|village|country|county|province|region|continent|"
                         rf"neighbou?rhood|street)\b(?=\s*\?|\s+(?:{_AUX}|in|on|at|near|outside)\b)|"
                         rf"\b(?:at|from|to|in)\s+(?:what|which)\s+(university|college|school|campus)\b", re.I)


def asks_place(question: str) -> str | None:
    """The kind of place the question asks for by name ("In which city …?": "city"), or None. Only a passage
    that names a place other than what the question names answers it.

    >>> [asks_place(q) for q in ("In which city is the mill?", "What town did Ann grow up in?",
    ...                          "What state was the market in?", "Which city's mayor spoke?", "Where is the mill?",
    ...                          "What town hall meeting did Ann attend?", "Which country music album won?",
    ...                          "At which university did Ann study?", "Which school has the most pupils?")]
    ['city', 'town', None, None, None, None, None, 'university', None]
    """
    m = _ASKS_PLACE.search(question)
    return (m.group(1) or m.group(2)).lower() if m else None


# "Who founded the mill?", "Which manager first came up with it?", "Who took over from Ann?", "Who was the first
# weaver to …?", "What was the name of the clerk who …?": one person (or firm) did it, and only a passage that names
# one answers. Not "Who was against it?", "Who pays for it?": "publishers", "warehouse workers" answer those.
_PERSON = r"person|man|woman|employee|customer|founder|engineer|manager|executive|clerk|author|client|leader"
_DID_FIRST = (r"(?:(?:first|later|then|originally)\s+)?(?:co-?founded|founded|started|created|invented|coined|designed|"
              r"built|succeeded|replaced|won|hired|took\s+over|came\s+up\s+with|thought\s+up)\b")
_ASKS_PERSON = re.compile(rf"{_ASKING}(?:who|(?:which|what)\s+(?!(?:kind|type|sort)s?\s+of\b)(?:[\w'’-]+\s+){{0,2}}?"
                          rf"(?:{_PERSON}))\s+{_DID_FIRST}|"
                          rf"{_ASKING}who\s+(?:was|is)\s+the\s+(?:first|last|next|original)\b|"
                          rf"\bthe\s+name\s+of\s+the\s+(?:[\w-]+\s+){{0,2}}?(?:{_PERSON})\b", re.I)


def asks_person(question: str) -> bool:
    """Whether the question asks who, one person or firm, did something: a name must answer it.

    >>> [asks_person(q) for q in ("Who founded the mill?", "who took over when Ann left?", "Who was against it?",
    ...                           "What was the name of the clerk who spoke?", "Who pays for it?",
    ...                           "Who was the first weaver to join?", "Where was the mill built?")]
    [True, True, False, True, False, True, False]
    >>> [asks_person(q) for q in ("How many weavers who started in 1990 stayed?", "What did the man who founded it say?",
    ...                           "Who were the first buyers?", "What are the names of the mill's products?")]
    [False, False, False, False]
    >>> [asks_person(q) for q in ("Which mill manager first came up with the idea?", "What clerk founded it?",
    ...                           "Which managers were against it?", "What kind of manager founded it?")]
    [True, True, False, False]
    """
    return bool(_ASKS_PERSON.search(question))


def names_someone(text: str, question: str, lower: set[str]) -> bool:
    """Whether `text` names someone (or some firm) the `question` does not: a name within a sentence (`has_type`), or
    a capitalised word that opens one and that the candidates never write in lower case (`lower`: the words they do).

    >>> names_someone("Ada Brandt founded it. It grew.", "Who founded the mill?", {"it", "grew"})
    True
    >>> names_someone("The mill was founded long ago. Its looms ran.", "Who founded the mill?", {"the", "mill", "its"})
    False
    """
    if has_type(text, "name", question):
        return True
    echoed = _echoed(question, "name")
    return any(w.lower() not in lower | echoed | STOPWORDS for w in re.findall(r"(?:^|[.!?]\s+)([A-Z][a-z]+)", text))


_MONTHS = ("January|February|March|April|May|June|July|August|September|October|November|December|"
           "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday")
# A name after "in", "at", … (not a month or a day); an acronym only after "the" ("in the US"; not "in AWS").
_PLACE = re.compile(rf"\b(?:in|at|from|near|outside|to)\s+(?:the\s+)?(?!(?:{_MONTHS})\b)"
                    r"((?:(?<=the\s)[A-Z]{2,4}\b|[A-Z][^\W\d_A-Z]+)(?:\s+[A-Z][^\W\d_]+)*)")
_SMALL_WORDS = {"a", "an", "the", "of", "to", "in", "on", "for", "and", "or", "with", "from", "by"}


def _heading(line: str) -> bool:
    """Whether `line` is a heading: more than three words, each capitalised but the small ones, and no sentence's
    final stop ("Why Move from Product to Sales"; not a wrapped line's "to New York City in 2001."). Unlike
    `is_title`, which asks every word of four letters or more to be capitalised, "from" or "with" may be small."""
    words = re.findall(r"\w[\w’'-]*", line)
    return (len(words) > 3 and not line.rstrip().endswith((".", "!", "?"))
            and all(w[0].isupper() or w[0].isdigit() or w in _SMALL_WORDS for w in words))


def has_place(text: str, question: str = "", lower: set[str] = frozenset()) -> bool:
    """Whether `text` names a place: a name after "in", "at", "from", "near", "outside" or "to" ("in Seattle",
    "at the Stanford University campus") that the question does not name and that is no common noun: not one word
    before a lower-case noun that the candidates also write in lower case, or in the plural (`lower`: the words they
    write so; "in the Shareholder letter" names no place where they write "shareholders").

    >>> [has_place(t, "In which city is the Kestrel mill?") for t in ("The Kestrel mill stands in Leeds.",
    ...     "It is in the Kestrel building.", "It moved to a new building.", "We met at Stanford University.",
    ...     "It opened in January.", "It moved to the US.", "It stands in Zürich.")]
    [True, False, False, True, False, True, True]

    Not a product's acronym, nor a day, nor a heading's capitals; a name across a line's end is one:
    >>> [has_place(t, "In which city is the mill?") for t in ("It grew in AWS.", "Sales in the EU grew.",
    ...     "It met at the Monday fair.", "Why Move from Product to Subscription", "It moved\\nto New York in 2001.")]
    [False, True, False, False, True]
    >>> [has_place(t, "In which city is the mill?", {"shareholders", "new", "university"}) for t in (
    ...     "As Ann wrote in the Shareholder letter.", "It moved to New York.", "Ann studied at the University of Leeds.")]
    [False, True, True]
    """
    named = _echoed(question, "name")
    for m in _PLACE.finditer(text):
        end = text.find("\n", m.start())
        line = text[text.rfind("\n", 0, m.start()) + 1:end if end >= 0 else len(text)]  # the line the match opens on
        first = m.group(1).split()[0].lower()
        common = (" " not in m.group(1) and {first, first + "s", first + "es"} & lower  # "the Shareholder letter"
                  and re.match(r"\s+(?!(?:of|in|on|at|and|to|for)\b)[a-z]", text[m.end():]))
        if first not in named and not common and not _heading(line):
            return True
    return False


def has_share(text: str) -> bool:
    """Whether `text` gives a percentage or a part of a whole.

    >>> [has_share(t) for t in ("Sales rose 20%.", "Half the seeds sprouted.", "Nine out of ten farmers agree.",
    ...                         "One in five stores closed.", "The mill had 40 workers.", "A third of it burned.")]
    [True, True, True, True, False, True]
    """
    return bool(_PART.search(text))


# "How many <things> …": up to three words, ending before the first word that is not part of their name.
_COUNT_STOPS = frozenset("""did do does were was are is have has had will would can could should go goes went in at on
of for by to from with that there he she it they we you i this these those""".split())
_COUNT_PREPOSITIONS = frozenset("in at on of for by to from with".split())
_PLURAL_NOUN = re.compile(r"(?i:[a-z]+[^s\W]s|people|children|men|women)")  # "weavers", not "glass" nor "sat"
_NOT_COUNTED = re.compile(rf"^(?:{_UNITS}|times?|ago|later|percent|percentage|points?|dollars?|cents?|euros?)$", re.I)
# Not part of a fraction: "51⁄2 hours" (5½ as a PDF writes it), "1/2".
_COUNT = re.compile(rf"(?<![\w$€£¥.,⁄/])(\d(?:[\d,]*\d)?(?:\.\d+)?|(?:{_NUMBER_WORDS}))(?![\w%⁄/])", re.I)
# After a number: a unit of time, a share, money or a multiple, which make it no count of things.
_NOT_COUNT_AFTER = re.compile(rf"^(?:[\s-]*(?:{_UNITS}|%|percent|per cent|dollars?|cents?|euros?|x\b|s\b))", re.I)
_NOT_COUNTS = {"half", "twice", "double", "triple", "one"}  # "one" is as often a pronoun as a count
# A capitalised word right before a number, within a sentence (after a lower-case word, a digit, a comma or a
# colon): with no counted noun after it, the number is part of a name ("it is always Day 1", "decades: Day 1:"), not
# a count ("\n\nAbout 300 came", "He said, \"Over 300 came\"", "It grew: Some 300 people came").
_LABEL_BEFORE = re.compile(r"(?<=[a-z0-9,;:]\s)[A-Z][a-z]+\s$")
# ... or opening a sentence or a quotation ("“Week 2 is the hardest."), unless it says how near the count is ("Over 300").
_LABEL_OPENING = re.compile(r"(?:^|[.!?:]\s+|[“\"‘(]\s*)([A-Z][a-z]+)\s$")
_NEAR = {"over", "nearly", "almost", "around", "roughly", "approximately", "exactly", "under", "precisely"}
# A label takes a singular verb ("Day 2 is …", "Part 3."); a count, a plural one ("Another 300 were hired").
_LABEL_AFTER = re.compile(r"\s*(?:[^\w\s]|$|(?:is|was)\b)")
_NOT_LABELS = STOPWORDS | _NEAR
_A_YEAR = re.compile(r"1[5-9]\d\d|20\d\d")
_YEAR_AFTER = re.compile(r"\b(?:in|since|by|until|till|from|during|of)\s+$", re.I)  # "in 2018": a year
_COUNTED_NOUN = re.compile(r"\s+(?:[a-z]+s|people|staff|men|women|children)\b")  # "2000 engineers": no year


def _a_year(number: str, after: str) -> bool:
    """Whether `number`, followed by `after`, is a year: a year's digits that count nothing ("2000 engineers")."""
    return bool(_A_YEAR.fullmatch(number)) and not _COUNTED_NOUN.match(after)



def asks_count(question: str) -> str | None:
    """What a "how many" question counts, when it counts things: not units of time, shares or money
    (a span, a percentage or a sum answers those), and when it names them ("How many did they sell?" does not).

    >>> [asks_count(q) for q in ("How many employees did the mill have?", "How many separate services go into it?",
    ...     "How many years ago did Ann join?", "How many of them were there?", "How many did they sell?",
    ...     "How many percentage points did it rise?", "How many customers bought Kindles?", "What did it make?")]
    ['employees', 'separate services', None, None, None, None, 'customers', None]
    >>> [asks_count(q) for q in ("How many weavers work at the mill?", "How many people subscribe to the plan?",
    ...                          "How many stores opened in 1990?", "How many board members sat in 1990?")]
    ['weavers', 'people', 'stores', 'board members']
    """
    m = re.search(r"\bhow many\s+([^?.!,;:]*)", question, re.I)
    words = m.group(1).split() if m else []
    if not words or words[0].lower() in _COUNT_STOPS:
        return None
    named = list(itertools.takewhile(lambda w: w.lower() not in _COUNT_STOPS, words))
    if len(named) == len(words) or len(named) > 3:  # no stop within reach ("customers bought Kindles"): the first
        named = named[:1]
    if (1 < len(named) < len(words) and words[len(named)].lower() in _COUNT_PREPOSITIONS
            and _PLURAL_NOUN.fullmatch(named[-2]) and not _PLURAL_NOUN.fullmatch(named[-1])):
        named = named[:-1]  # "How many weavers work at the mill?": a plural and its verb, a preposition after it
    if any(_NOT_COUNTED.match(w) for w in named):
        return None
    return " ".join(named)


def has_count(text: str, question: str = "") -> bool:
    """Whether `text` gives a number that can count things: not a year, a span of time, a share or a sum, nor a
    number the question itself holds ("How many people were at the Day 2 meeting?" is not answered by "Day 2").

    >>> [has_count(t) for t in ("It had 1,200 workers.", "Ten stores opened.", "I joined 26.5 years ago.",
    ...                         "It lasted a year or two.", "In 2006 it grew 20%.", "It cost $5.", "In the 2000s.",
    ...                         "It hired 2000 engineers.", "It took 3 years and 40 people.", "In 2016, it grew.")]
    [True, True, False, False, False, False, False, True, True, False]
    >>> has_count("It opened 3 stores.", "How many of its 3 stores closed?"), has_count("It opened 3 stores.")
    (False, True)
    >>> [has_count(t) for t in ("It is always Day 1.", "Read Part 2 first.", "Seven came.",
    ...                         "Notes\\n\\nAbout 300 came.", 'He said, "Over 300 came."', "In this 4-part series.",
    ...                         "Two decades: Day 1: Jeff", "It grew: Some 300 people came.")]
    [False, False, True, True, True, False, False, True]
    >>> [has_count(t) for t in ("He said: “Week 2 is the hardest.”", "Chapter 3 is short.", "Nearly 300 came.",
    ...                         "Nearly 300 were hired.", "Stores 12 opened.", "Another 300 were hired.")]
    [False, False, True, True, True, True]
    >>> has_count("It ran a 40-store chain.", "How many stores did it run?")
    True
    >>> has_count("It has a 12-member board.", "How many board members are there?")
    True
    >>> has_count("It sold out in the first 51⁄2 hours."), has_count("It took 1/2 of the crop.")
    (False, False)
    """
    echoed, counted = _count_asked(question)
    for m in _COUNT.finditer(text):
        number, before = m.group(1), text[:m.start()].rstrip().lower()
        if number.lower() in _NOT_COUNTS | echoed or _NOT_COUNT_AFTER.match(text[m.end():]):
            continue
        if _LABEL_BEFORE.search(text[:m.start()]) and not _COUNTED_NOUN.match(text[m.end():]):
            continue  # a label ("Day 1", "Part 2"), not a count
        opening = _LABEL_OPENING.search(text[:m.start()])
        if opening and opening.group(1).lower() not in _NOT_LABELS and _LABEL_AFTER.match(text[m.end():]):
            continue
        if (modifier := re.match(r"-([a-z]+)", text[m.end():])) and tuple(tokenize(modifier.group(1))) != counted[-1:]:
            continue  # "a 4-part series" counts parts; "a 40-store chain" answers "How many stores …?"
        if _a_year(number, text[m.end():]):
            continue
        if re.search(rf"\b(?:{_UNITS})\s+(?:or|to)$", before):  # "a year or two"
            continue
        return True
    return False


@functools.lru_cache(maxsize=64)
def _count_asked(question: str) -> tuple[frozenset[str], tuple[str, ...]]:
    """The numbers a question holds (its own words: a follow-up's text may hold the previous quote, in brackets,
    whose numbers answer it) and the terms of what it counts: read once a question, not once a window."""
    echoed = frozenset(m.group(1).lower() for m in _COUNT.finditer(re.sub(r"\([^)]*\)", "", question)))
    return echoed, tuple(tokenize(asks_count(question) or ""))


_FORECAST = re.compile(r"\b(plan(?:s|ned|ning)?|expect(?:s|ed|ing|ation|ations)?|forecasts?|predict(?:s|ed|ion)?|"
                       r"projections?|projected|aim(?:s|ed)?|goals?|targets?|hope[sd]?|intend(?:s|ed)?|will|going to|"
                       r"outlook|anticipat\w*)\b", re.I)


def last_dated(titles: Iterable[str]) -> int | None:
    """The latest year that dates a collection (letters, annual reports): the largest year in the titles,
    when at least half the titles hold one; None for a collection that is not dated by its titles.

    >>> last_dated(["1998 letter", "2023", "Notes"]), last_dated(["Notes", "A 2019 essay", "Ferns"])
    (2023, None)
    """
    titles = list(titles)
    dated = [max(int(y) for y in found) for t in titles if (found := years(t))]
    return max(dated) if dated and 2 * len(dated) >= len(titles) else None


def after_the_documents(question: str, last: int | None) -> tuple[str, ...]:
    """The years a question asks about that come after every document of a dated collection (`last_dated`):
    the documents can only have looked ahead to them, so unless the question asks what was planned or
    expected, they do not answer it.

    >>> after_the_documents("How many stores were open at the end of 2025?", 2023)
    ('2025',)
    >>> after_the_documents("What did the 2023 letter expect for 2025?", 2023), after_the_documents("What about 2025?", None)
    ((), ())
    """
    if last is None or _FORECAST.search(question):
        return ()
    return tuple(sorted(y for y in years(question) if int(y) > last))


def years(text: str) -> set[str]:
    """Years named in a text.

    >>> sorted(years("From 1997 to 2024, not 12345."))
    ['1997', '2024']
    """
    return set(_YEAR.findall(text))


def last_year(text: str) -> str | None:
    """The last year named in a text, as `years` reads them.

    >>> last_year("In 2009 we grew. For 2010, we set goals."), last_year("No year.")
    ('2010', None)
    """
    found = _YEAR.findall(text)
    return found[-1] if found else None


# --- windows -------------------------------------------------------------------------------
# A question whose answer is questions ("What questions does the mill ask before it buys?", "What does Ann ask
# herself first?"): a window that asks is what it wants, not a restatement of it. Not "What do the questions in the
# survey measure?" nor "What happened when the mill asked itself …?".
_ASKS_QUESTIONS = re.compile(rf"\b(?:what|which)\s+(?:{_MODIFIER}\s+){{0,2}}questions\s+(?:{_AUX})\b|"
                             rf"\bwhat\s+(?:{_AUX})\s+[^?]*?\bask(?:s|ed|ing)?\s+"
                             r"(?:itself|themselves|himself|herself|yourself|ourselves|myself)\b", re.I)


@functools.lru_cache(maxsize=256)  # read for every candidate sentence of a question
def _asks_questions(question: str) -> bool:
    """Whether the question's answer is questions (`_ASKS_QUESTIONS`)."""
    return bool(_ASKS_QUESTIONS.search(question))


@dataclass(frozen=True)
class Question:
    """What the features need to know about a question, computed once."""

    text: str
    terms: tuple[str, ...]  # distinct keyword terms
    idf: tuple[float, ...]  # their idf in the corpus (the largest idf for terms it never uses)
    known: tuple[bool, ...]  # whether the corpus uses each term
    expects: str | None
    years: frozenset[str]
    bm25_avg_len: float = 1.0  # mean terms per chunk in the corpus, for BM25 length normalisation

    def cover(self, present: set[str]) -> float:
        """The idf-weighted share of the question's terms among `present`."""
        total = sum(self.idf)
        return sum(w for t, w in zip(self.terms, self.idf) if t in present) / total if total else 0.0

    @property
    def unknown_share(self) -> float:
        total = sum(self.idf)
        return sum(w for w, k in zip(self.idf, self.known) if not k) / total if total else 0.0


@dataclass(frozen=True)
class Window:
    path: str
    start: int
    end: int
    chunk_start: int  # where the indexed chunk that the window starts in starts
    chunk_text: str  # what the file said at indexing time (through the next chunk for a window that runs on)
    features: np.ndarray  # its row of FEATURES
    score: float = 0.0  # probability that the window answers the question (set by the scorer)
    also_in: tuple[str, ...] = field(default=())

    @property
    def text(self) -> str:
        return self.chunk_text[self.start - self.chunk_start:self.end - self.chunk_start]


def windows(question: Question, vector: np.ndarray, hits: Sequence[Hit], rows, titles: dict[str, str],
            doc_lengths: dict[str, int], repeated: set[str] = frozenset(),
            score: Callable[[np.ndarray], np.ndarray] | None = None,
            following: dict[str, tuple[str, str]] | None = None,
            sections: Callable[[str], Sequence[tuple[int, str]]] | None = None) -> list[Window]:
    """Every window that starts in one of the hits' chunks, with its features (and its score, given `score`).

    Args:
        rows: the sentence rows (`rag.store.SentenceRow`) of the hits' chunks (and of the chunks
            in `following`), with vectors.
        titles / doc_lengths: per document path.
        repeated: keys of sentences repeated across documents (`repeated_sentences`).
        score: the scorer's probabilities for a matrix of feature rows (`rag.scoring.Scorer`).
        following: for a hit's chunk id, the document's text from that chunk's start to the end
            of the chunk after it, and that chunk's id: a window may then run on into the next
            chunk (the answer often opens the chunk after the one that matches the question).
        sections: a document's `section_headings`, by path: a window's heading counts with its document's title.
    """
    by_chunk: dict[str, list] = defaultdict(list)
    for r in rows:
        by_chunk[r.chunk_id].append(r)
    terms = {t: j for j, t in enumerate(question.terms)}
    sentences = _Sentences(len(terms))
    spans: list[tuple[str, int, int, int, str]] = []  # path, start, end, chunk start, chunk text
    bounds: list[tuple[int, int]] = []  # each window's sentences: [first, last + 1) in `sentences`
    scalars: list[tuple[int, float, float, float, float, float]] = []  # chunk #, rank, chunk sim, position...
    title_rows: list[np.ndarray] = []  # per chunk: which question terms its document's title holds
    title_year = []  # ... and whether the title names a year the question asks about
    heading_rows: list[np.ndarray] = []  # per window: which question terms the heading of its section holds
    heading_terms: dict[str, np.ndarray] = {}
    headings_of: dict[str, Sequence[tuple[int, str]]] = {}  # per document: its section headings
    vectors = []
    for rank, hit in enumerate(hits):
        chunk = hit.chunk
        mine = sorted(by_chunk.get(chunk.id, ()), key=lambda r: r.start)
        if not mine:
            continue
        own, text_of = len(mine), chunk.text  # windows start in the chunk's own sentences
        if following and chunk.id in following:
            text_of, after = following[chunk.id]
            reach = mine[-1].end + MAX_WINDOW_CHARS  # no window runs further than this
            mine += sorted((r for r in by_chunk.get(after, ()) if r.start < reach), key=lambda r: r.start)
        first = len(sentences)
        said = [text_of[r.start - chunk.start:r.end - chunk.start] for r in mine]
        content = [not is_non_content(text, repeated) for text in said]
        # an item of a list of links: a list item that does not end as a sentence, between two titles, one of them
        # an item ("- Amazon Case Study: Why from Product to Subscription …", which one lower-case word keeps from
        # being a title)
        item = [bool(_LIST_ITEM.match(text)) for text in said]
        content = [ok and not (item[i] and 0 < i < len(said) - 1 and is_title(said[i - 1]) and is_title(said[i + 1])
                               and (item[i - 1] or item[i + 1]) and not said[i].rstrip().endswith((".", "!")))
                   for i, ok in enumerate(content)]
        # a label that leads no content ("Read next:" before a list of links; not "Ann Lee said:" before a quote)
        content = [ok and not (is_lead_label(said[i]) and (i + 1 == len(said) or not content[i + 1]))
                   for i, ok in enumerate(content)]
        # "There are several things buyers love about it." is quoted with what follows, or not at all
        announcing = [i + 1 < len(said) and content[i + 1] and announces(text) for i, text in enumerate(said)]
        for r, text, ok in zip(mine, said, content, strict=True):
            sentences.add(question, terms, text if ok else "")
            vectors.append(r.vector)
        title = titles.get(chunk.path, "")
        in_title = set(tokenize(title))
        title_rows.append(np.array([t in in_title for t in question.terms], dtype=bool))
        title_year.append(bool(question.years & years(title)))
        length = max(doc_lengths.get(chunk.path, 1), 1)
        local = [(r.start - chunk.start, r.end - chunk.start) for r in mine]
        if chunk.path not in headings_of:  # once per document, however many of its chunks are hits
            headings_of[chunk.path] = sections(chunk.path) if sections else ()
        headings = headings_of[chunk.path]
        starts = [at for at, _ in headings]
        for run in _runs(content):
            groups = units(text_of, [local[i] for i in run])
            for a in range(len(groups)):
                if run[groups[a][0]] >= own:
                    break
                for b in range(a, min(a + MAX_UNITS, len(groups))):
                    i, j = run[groups[a][0]], run[groups[b][-1]]
                    start, end = mine[i].start, mine[j].end
                    if end - start > MAX_WINDOW_CHARS and b > a:
                        break
                    if announcing[j]:
                        continue
                    spans.append((chunk.path, start, end, chunk.start, text_of))
                    heading = headings[k - 1][1] if (k := bisect.bisect_right(starts, start)) else ""
                    if heading not in heading_terms:
                        # a heading names its section with a noun ("Definition") a question asks with a verb
                        # ("define"): matched by their first letters
                        words = {w[:_STEM] for w in tokenize(heading)}
                        heading_terms[heading] = np.array([t[:_STEM] in words for t in question.terms], dtype=bool)
                    heading_rows.append(heading_terms[heading])
                    bounds.append((first + i, first + j + 1))
                    scalars.append((len(title_rows) - 1, rank, hit.similarity, min(start / length, 1.0),
                                    float(i == 0 and chunk.start == 0), b - a + 1, end - start))
    if not spans:
        return []
    sims = np.stack(vectors) @ vector
    matrix = _matrix(question, sentences, sims, np.array(bounds), np.array(scalars, dtype=np.float64),
                     np.array(title_rows), np.array(title_year), np.array(heading_rows))
    scores = score(matrix) if score is not None else np.zeros(len(spans))
    return [Window(path, start, end, chunk_start, text, row, float(p))
            for (path, start, end, chunk_start, text), row, p in zip(spans, matrix, scores)]


# --- announced lists --------------------------------------------------------------------------
_ROUND_BULLETS = "•▪◦●‣∙"  # marks only a list uses (a dash or a star may open a line of dialogue or a footnote)
# a list item that asks a question ("◦ Is the opportunity being well-served today?")
_ASKED_ITEM = re.compile(rf"(?m)^[ \t]*[{_ROUND_BULLETS}*–-][ \t]+[^\n]*\?")
_BULLET = re.compile(rf"(?m)^[ \t]*([{_ROUND_BULLETS}*–-])[ \t]+(?=\S)")  # a list item's mark at the start of a line
_ITEM_GAP = 1_500  # a list's next item starts within this many characters of the one before (what it says between)
_COUNTED = re.compile(rf"\b(\d|{_NUMBER_WORDS})\s+(?:[\w-]+\s+)?[a-z]+s\b", re.I)  # "three questions"
_ITEM_LIMIT = 6  # items taken after a lead that does not count them


def _count_value(word: str, default: int) -> int:
    """The number a lead's count word stands for ("3", "three"); `default` for a word it does not know ("one")."""
    return int(word) if word.isdigit() else _NUMBER_VALUES.get(word, default)


def announced_items(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The spans of the first sentences of the list items that follow the window `text[start:end]`, when the window
    holds the list's lead, a line ending on ":", and its first item ("… three questions before making a decision:
    • Will you admire this person? …"): a question for the list is not answered by its first item alone. As many
    items as the lead counts ("three"), items marked as the first is and each within `_ITEM_GAP` of the last. A window
    with no list mark may hold a list told in paragraphs (`_prose_items`).

    >>> t = "Ask three questions:\\n• Is it dry? It must be.\\n• Is it deep?\\n• Is it near? Then dig."
    >>> [t[a:b] for a, b in announced_items(t, 0, t.index(" It must"))]
    ['Is it deep?', 'Is it near?']
    >>> announced_items(t, t.index("It must"), t.index("• Is it deep"))  # no lead in the window
    []
    """
    window = text[start:end]
    first = _BULLET.search(window)
    if not first:
        return _prose_items(text, start, end)
    if not window[:first.start()].rstrip().endswith(":"):
        return []
    mark = first.group(1)
    counted = _COUNTED.search(window[:first.start()])
    total = _count_value(counted.group(1).lower() if counted else "", _ITEM_LIMIT)
    left = total - sum(m.group(1) == mark for m in _BULLET.finditer(window))
    spans: list[tuple[int, int]] = []
    last = start + first.start()
    for m in _BULLET.finditer(text, end):
        if len(spans) >= left or m.group(1) != mark or m.start() - last > _ITEM_GAP:
            break
        said = split_sentences(text[m.end():m.end() + MAX_WINDOW_CHARS])
        if not said:
            break
        spans.append((m.end() + said[0].start, m.end() + said[0].end))
        last = m.start()
    return spans


_PARAGRAPH = re.compile(r"\n\s*(?=\S)")  # where a paragraph (a line of its own) starts


def _prose_items(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """`announced_items` for a list told in paragraphs: the window holds a lead that counts two to six items ("there
    are three distinct layers in the stack") and, after it, paragraphs that open on the counted noun ("The bottom
    layer is …"), its first items; the rest are the first sentences of the next paragraphs that open on it ("The
    middle layer …"), looked for among twice as many paragraphs as are left to find. The noun is matched as the start
    of a word ("layers": "layer", and a text extracted from PDF that writes "layeris").

    >>> t = ("There are three layers.\\nThe bottom layer is wet. It drains.\\nSome notes.\\nThe middle layer is dry.\\n"
    ...      "A top layer is hard.")
    >>> [t[a:b] for a, b in _prose_items(t, 0, t.index(" It drains"))]
    ['The middle layer is dry.', 'A top layer is hard.']
    >>> _prose_items(t, t.index("The bottom"), t.index("Some"))  # no lead in the window
    []
    >>> t = "One of its stores opened. It has two stores now.\\nThe story began in 1990.\\nThe stores sell wool."
    >>> _prose_items(t, 0, t.index("The stores"))  # no paragraph in the window opens on a store
    []
    """
    window = text[start:end]
    counted, total = next(((m, n) for m in _COUNTED.finditer(window)
                           if 2 <= (n := _count_value(m.group(1).lower(), 0)) <= _ITEM_LIMIT), (None, 0))
    if counted is None:
        return []
    noun = re.sub(r"s$", "", counted.group(0).split()[-1].lower())
    opens = re.compile(rf"^(?:\W*\w+){{0,3}}?\W*\b{re.escape(noun)}", re.I)  # the noun among its first words

    def first_sentence(at: int) -> tuple[int, int] | None:
        said = split_sentences(text[at:at + MAX_WINDOW_CHARS])
        return (at + said[0].start, at + said[0].end) if said else None

    found = [m.end() for m in _PARAGRAPH.finditer(window, counted.end()) if opens.match(window[m.end():])]
    if not found:
        return []
    left, spans = total - len(found), []
    for n, m in enumerate(_PARAGRAPH.finditer(text, end)):
        if len(spans) >= left or n >= 2 * left:
            break
        if (span := first_sentence(m.end())) and opens.match(text[span[0]:span[1]]):
            spans.append(span)
    return spans


def _runs(flags: list[bool]) -> list[list[int]]:
    """The runs of consecutive true flags, as index lists.

    >>> _runs([True, True, False, True])
    [[0, 1], [3]]
    """
    out: list[list[int]] = []
    for i, ok in enumerate(flags):
        if ok and out and out[-1][-1] == i - 1:
            out[-1].append(i)
        elif ok:
            out.append([i])
    return out


class _Sentences:
    """Per sentence of the candidate chunks, what the features need (non-content ones stay empty)."""

    def __init__(self, n_terms: int):
        self.n_terms = n_terms
        self.counts: list[list[int]] = []  # occurrences of each question term
        self.n_tokens: list[int] = []
        self.typed: list[bool] = []  # holds the expected answer type
        self.year: list[bool] = []  # names a year the question asks about
        self.asks: list[bool] = []

    def __len__(self) -> int:
        return len(self.n_tokens)

    def add(self, q: Question, terms: dict[str, int], text: str) -> None:
        counts = [0] * self.n_terms
        tokens = tokenize(text) if text else []
        for t in tokens:
            j = terms.get(t)
            if j is not None:
                counts[j] += 1
        self.counts.append(counts)
        self.n_tokens.append(len(tokens))
        self.typed.append(bool(text) and bool(q.expects) and has_type(text, q.expects, q.text))
        self.year.append(bool(text) and bool(q.years & years(text)))
        self.asks.append("?" in text)


def _matrix(q: Question, s: _Sentences, sims: np.ndarray, bounds: np.ndarray, scalars: np.ndarray,
            title_terms: np.ndarray, title_year: np.ndarray, heading_terms: np.ndarray) -> np.ndarray:
    """The FEATURES of every window at once, from per-sentence arrays and each window's sentence range."""
    lo, hi = bounds[:, 0], bounds[:, 1]
    n = (hi - lo).astype(np.float64)
    chunk = scalars[:, 0].astype(int)
    idf = np.asarray(q.idf, dtype=np.float64)
    total = idf.sum()
    weights = idf / total if total else np.zeros_like(idf)

    def summed(values: np.ndarray) -> np.ndarray:  # sum over each window's sentences
        prefix = np.concatenate([np.zeros((1,) + values.shape[1:]), np.cumsum(values, axis=0, dtype=np.float64)])
        return prefix[hi] - prefix[lo]

    def peak(values: np.ndarray) -> np.ndarray:  # max over each window's sentences
        return np.maximum.reduceat(np.append(values, 0.0), np.ravel(bounds))[::2]

    counts = np.array(s.counts, dtype=np.float64).reshape(len(s), len(idf))
    sentence_cover = (counts > 0) @ weights
    window_counts = summed(counts)
    present = window_counts > 0
    cover = present @ weights
    first_cover = sentence_cover[lo]
    tokens = summed(np.array(s.n_tokens, dtype=np.float64))
    norm = 1.2 * (0.25 + 0.75 * tokens / max(q.bm25_avg_len, 1.0))
    bm25 = (idf * window_counts * 2.2 / (window_counts + norm[:, None])).sum(axis=1)
    best = peak(sims)
    asked = np.array(s.asks, dtype=bool)
    typed = summed(np.array(s.typed, dtype=np.float64)) > 0
    held_year = (summed(np.array(s.year, dtype=np.float64)) > 0) | title_year[chunk]
    pool = (counts.sum(axis=0) > 0) | title_terms.any(axis=0)
    columns = {
        "sent_max": best, "sent_mean": summed(sims) / n, "sent_first": sims[lo], "sent_last": sims[hi - 1],
        "match_first": ((sims[lo] == best) & (n > 1)).astype(float),
        "chunk_sim": scalars[:, 2], "chunk_rank": 1.0 / (1 + scalars[:, 1]),
        "idf_cover": cover, "idf_cover_title": (present | title_terms[chunk] | heading_terms) @ weights,
        "sent_cover": peak(sentence_cover), "rest_cover": np.where(n > 1, cover - first_cover, 0.0),
        "bm25": bm25 / (1 + bm25), "unknown_terms": np.full(len(n), q.unknown_share),
        "pool_cover": np.full(len(n), float(pool @ weights)),
        "type_hit": (typed if q.expects else np.zeros(len(n), bool)).astype(float),
        # One thing may answer a question asked in the plural: a window without a list misses nothing; nor does one
        # without a percentage or a fraction for "how much of" ("most", "six months of the year" answer it).
        "type_miss": (~typed if q.expects not in (None, "list", "share") else np.zeros(len(n), bool)).astype(float),
        "year_miss": (~held_year if q.years else np.zeros(len(n), bool)).astype(float),
        "asks": (np.zeros(len(n), bool) if _asks_questions(q.text)  # the text's questions answer it
                 else asked[hi - 1] | (peak(np.where(asked, sims, -np.inf)) >= best)).astype(float),
        "position": scalars[:, 3], "first_sentence": scalars[:, 4], "units": scalars[:, 5],
        "log_chars": np.log(scalars[:, 6] + 1),
    }
    for gap, of in (("sent_gap", "sent_max"), ("cover_gap", "idf_cover"), ("chunk_gap", "chunk_sim")):
        columns[gap] = columns[of] - columns[of].max()
    return np.column_stack([columns[name] for name in FEATURES])
