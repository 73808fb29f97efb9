"""Understand a question before retrieval: follow-ups, comparisons and named sources.

Pure functions over strings and the document catalog; no model, no store. Everything here
reads the question's structure (pronouns, clauses, comparison words), never a corpus's wording;
what it takes from the corpus is measured at ingest: which words its documents write as names
(`cased_words`), so a question typed in lower case names what it means ("what did bezos say").

* **Follow-ups.** A question depends on the conversation when it lacks something: a pronoun
  with nothing before it to refer to ("How fast did it spread?"), or a topic ("Why?",
  "And the critic?", "What about 2005?"), or a topic beyond a view ("Why did Ann think so?"). The
  pronoun is replaced by what it refers to in the previous turn; an ellipsis swaps the phrase of
  the same shape in the previous question ("And Day 2?" after "What is Day 1 …?"); a question
  with no topic takes the previous one's, and one that only asks for a view asks it of the
  previous question. The new question's words lead, and the previous answer's documents are
  searched first (`Query.prefer`), without the quotes it already showed (`Query.shown`).
* **Named sources.** Titles, authors (or last names), publishers, aliases and years (of a
  title or a file name) are matched in the question. One named source scopes a fact question.
* **Comparisons and multi-part questions** are recognised by structure: two clauses ("What
  does A say about X, and what does B say about Y?"), a pivot ("A differs from B", "A compared
  with B", "A versus B"), "compare/contrast A with B", or two named sources with comparison
  wording ("How do A and B each…"), or a named source and a person paired with it ("Does the
  critic agree with Ann Lee …", searched outside the source). Each part becomes a side searched
  with its own query: the part without the sources' names, its pronouns resolved from the other
  part, or the other part's topic when it has none ("… in 2012 compared with 2022"). A side is
  scoped to the sources it names, or searches everything (a view: "the view that X").
"""
from __future__ import annotations

import bisect
import functools
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from .evidence import QUESTION_FRAME, expected_type
from .keyword import STOPWORDS, tokenize
from .records import Side, Turn

# "How does A's account hold up against B's?": idioms that set one thing against another (not "measures up to 2005")
_MEASURED_UP = (r"(?:holds?|held|holding|stacks?|stacked|stacking|measures?|measured|measuring|stands?|stood|standing)"
                r"\s+up\s+(?:against|to|with)(?!\s+\d)")
# "Set A's view against B's", "Weigh A against B": a verb that, opening a sentence, compares (only the verb: the
# names after it are the sides). Not "What did the mill set aside against losses?".
_SET_AGAINST_VERB = (r"(?:set|sets|setting|weigh|weighs|weighing|pit|pits|pitting)"
                     r"(?!\s+(?:aside|up|off|out|in|down|apart|about)\b)(?=\s[^.?!,;:]{1,80}?\bagainst\b)")
_COMPARISON = re.compile(
    r"\b(compare[sd]?|comparison|comparing|differ(s|ent|ence|ences)?|versus|vs\.?|contrast|"
    r"in common|similar(ly|ity|ities)?|differently|agree[sd]?|disagree[sd]?|alike|each|both|(?:in)?consistent|"
    rf"contradict(s|ed|ion)?|{_MEASURED_UP}|(?:^|(?<=[.?!]\s)|(?<=please\s)){_SET_AGAINST_VERB})\b", re.I)
_LEADS_ON = re.compile(r"^\s*(and|but|also|so|what about|how about|then)\b", re.I)
# Words of conversation before the question ("ok so what …", "Thanks! And how …", "oh ok, what did …"): not
# searched. One that may also start a question ("Nice is a city", "Right when the mill closed, …") needs a mark
# after it.
_MARKS = r"[\s,.!;:—–-]"
_INTERJECTION = re.compile(rf"^\s*(?:(?:ok|okay|alright|all\s+right|hmm+|oh|thanks|thank\s+you|got\s+it|i\s+see|lol|"
                           rf"haha)\b{_MARKS}+|(?:right|well|cool|great|nice|interesting)\s*[,.!;:—–-]{_MARKS}*)+"
                           r"(?=(?:and|but|so|also|then|what|how|why|when|where|who|whom|whose|which|is|are|was|were|"
                           r"do|does|did|can|could|would|will|has|have|had)\b)", re.I)
_YEAR = re.compile(r"\b(19|20)\d{2}\b")
_WORDS = re.compile(r"\w+")
_PLAIN = str.maketrans("‘’“”", "''\"\"")  # curly quotes as typed on a keyboard, one character each
_SUBTITLE = re.compile(r"\s*\([^()]*\)\s*$|\s*:\s.*$")  # "Title (Part 2)", "Title: a subtitle"
_JOIN_WORDS = 4  # "A and B" joins two names with at most a few words between them ("and the new")
_TOKENS = re.compile(r"(?:[A-Za-z]\.){2,}|[\w’'.-]*\w|[^\w\s]")  # "U.S." keeps its last period
_AUX = {"is", "was", "are", "were", "did", "does", "do", "has", "have", "had", "can", "could", "will", "would",
        "should", "may", "might", "must"}
_NEGATED = re.compile(r"(\w+?)n[’']t", re.I)  # "didn't", "isn't", "won't"
_DETERMINERS = {"the", "a", "an", "its", "his", "her", "their", "our", "this", "that", "these", "those"}
_WH = {"what", "how", "why", "when", "where", "who", "whom", "whose", "which"}
_OWNER = re.compile(r"'s|’s")  # a possessive ending
_PLURAL_OWNER = re.compile(r"['’](?!\w)")  # … of a plural ("the blogs' authors")
# Question words before a subject ("how does …"), a subject after an auxiliary, two subjects cut away.
_QUESTION_HEAD = re.compile(rf"^(?:{'|'.join(_WH)})\s+(?:{'|'.join(_AUX)})\s+(?=\S)", re.I)
_ARTICLE = re.compile(r"^(?:the|a|an)\s+", re.I)
_WH_PHRASE = re.compile(rf"^(?:in|to|from|on|by|for|at)\s+(?:what|which)\s+(?:\w+\s+)?(?=(?:{'|'.join(_AUX)})\s)", re.I)
_YES_NO_HEAD = re.compile(rf"^(?:{'|'.join(_AUX)})\s+(?=\S)", re.I)  # "Is …", "Does …"
_VIEW_NOUN = re.compile(r"\b(?:view|opinion|position|stance|account|description|explanation|idea|perspective|"
                        r"words)s?\b", re.I)
_AFTER_BE = re.compile(r"\b(?:is|was|are|were)\s+$", re.I)
_AFTER_AUX = re.compile(rf"\b(?:{'|'.join(_AUX)})\s+$", re.I)
_AUX_AND = re.compile(rf"\b({'|'.join(_AUX | _WH)})\s+(?:and|or)\s+(?!(?:{'|'.join(_WH)})\b)(?=[a-z])", re.I)
# Two names (each perhaps with a year in parentheses) that are the subjects of a clause that reports, the names
# masked as NUL characters: "the rules [Ann (1990) and Bo (2001) say] Cy follows".
_REPORTING_PAIR = re.compile(r"(?<![\w\x00])\x00+(?:\s*\(\x00+\))?\s+(?:and|or)\s+\x00+(?:\s*\(\x00+\))?\s+"
                             r"(?:say|said|tell|told|think|thought|write|wrote|argue|argued|claim|claimed|believe|"
                             r"believed|describe|described|explain|explained|suggest|suggested|mention|mentioned|note|"
                             r"noted|recall|recalled|remember|remembered|report|reported)\b(?:\s+that\b)?"
                             r"(?!\s+(?:about|of|on|regarding)\b)(?=\s+[A-Za-z])",
                             re.I)
_PREPOSITIONS = {"about", "of", "to", "like", "with", "for", "on", "in", "from", "by", "than", "at", "into", "after",
                 "before", "behind", "against", "over", "under", "through", "despite", "beyond"}
_REPORTING = {"say", "says", "said", "tell", "tells", "told", "think", "thinks", "thought", "write", "writes", "wrote",
              "argue", "argues", "argued", "claim", "claims", "claimed", "believe", "believes", "believed"}
_REPORTED = "|".join(sorted(_REPORTING))  # the verbs as a regex alternation


def _forms(*verbs: str) -> frozenset[str]:
    """Each verb with its -s, -ed and -ing forms ("argue": argues, argued, arguing); irregular forms are listed."""
    out = set()
    for v in verbs:
        stem = v[:-1] if v.endswith("e") and not v.endswith("ee") else v
        out |= {v, v + ("es" if v.endswith(("s", "sh")) else "s"), stem + "ed", stem + "ing"}
    return frozenset(out)


# Verbs (and words) that take a clause opened by "that" ("Did Ann argue that wages rose?", "Is it true that …").
_THAT_CLAUSE = _forms("say", "argue", "claim", "think", "believe", "insist", "suggest", "warn", "hold", "agree", "deny",
                      "show", "know", "find", "admit", "note", "mention", "hear", "report", "explain", "state",
                      "contend", "maintain", "write", "predict", "expect", "assume", "conclude", "fear") | {
    "said", "thought", "held", "denied", "denies", "knew", "known", "found", "heard", "wrote", "written", "admitted",
    "admitting", "so", "true", "clear", "fact"}  # not "tell": "tell us that …", but "tell that story"
# Words that set a part against another without saying what it is about ("how does her view compare?").
_STANCE = frozenset(tokenize(" ".join(_REPORTING) + " view opinion position stance perspective take see sees saw "
                             "compare compared comparison differ differs different difference contrast agree "
                             "disagree similar own words account explanation description version story"))
# Words of a follow-up that only asks what was said back ("How did he answer her?", "What was the reaction?"): a view
# of what the conversation was about. Not in a part of one question ("What was the crisis, and how did Kestrel
# respond?" asks its own question of Kestrel).
_SAID_BACK = frozenset(tokenize("answer answers answered reply replies replied respond responds responded response "
                                "react reacts reacted reaction"))
_PERSON = {"he", "him", "his", "she", "her", "hers", "himself", "herself"}
_THING = {"it", "its", "itself", "they", "them", "their", "theirs", "themselves"}
_DEMONSTRATIVE = {"this", "that", "these", "those"}
_POSSESSIVE = {"his", "its", "their", "theirs", "hers"}
_PHRASE_OWNERS = _POSSESSIVE | {"her", "our"}  # what opens a phrase as its owner ("her looms", "our stores")
_PLURAL_PRONOUNS = {"they", "them"}
_THEY = _THING - {"it", "its", "itself"}
# Nouns that stand for something said ("that claim", "this strategy"): after a demonstrative they refer
# to what the previous answer quoted, not to the previous question's words.
_SHELL_NOUNS = {"claim", "argument", "idea", "view", "point", "statement", "response", "answer", "strategy",
                "approach", "practice", "policy", "decision", "promise", "plan", "criticism", "charge", "complaint",
                "problem", "warning", "advice", "lesson", "principle", "belief", "assumption", "accusation",
                "tactic", "method", "technique", "move", "excuse", "defense", "defence", "explanation", "reason",
                "concern", "example", "story", "remark", "comment", "suggestion", "proposal", "rule", "concept",
                "notion", "theory", "thesis", "observation", "prediction", "phrase", "quote", "mantra",
                "philosophy", "mindset", "habit", "framing", "way"}
# the word after "that", past "same", "very", "exact" ("in that same statement": the statement)
_NEXT_WORD = re.compile(r"\s+(?:(?:same|very|exact)\s+)?(\w+)", re.I)
_COMPOUND_HEAD = re.compile(r"\s+[a-z]+\s+([a-z]+)\b")  # a plural noun after the noun that qualifies it
# Ending a clause, these point to the time of what the conversation was about ("What happened next?").
_AFTER_WORDS = {"then", "next", "afterwards", "afterward"}
_EVENT_VERBS = {"happen", "happens", "happened", "come", "comes", "came", "do", "does", "did", "follow", "follows",
                "followed", "go", "goes", "went"}  # "What happened next?", not "What should I read next?"
_OWN_TIME = re.compile(r"\b(?:if|when|once|unless|after|before)\b", re.I)
_NOW = {"year", "week", "month", "day", "time", "quarter", "season", "decade", "century", "morning", "evening"}
# "what academic study does …", "which company did …": the thing a question asks to identify.
_NOT_NOUN = rf"(?!(?:{'|'.join(_AUX)}|of|the|a|an)\b)"
_WH_NOUN = re.compile(rf"(?:^|[,;]\s*)(?:[Ww]hat|[Ww]hich)\s+((?:{_NOT_NOUN}[a-z][\w-]*\s+){{0,2}}{_NOT_NOUN}[a-z][\w-]*)"
                      rf"\s+(?:{'|'.join(_AUX)})\b")
# Adverbs that stand between a subject and its verb ("the idea first came up"), as "-ly" ones do
_MID_ADVERBS = {"first", "ever", "never", "still", "also", "even", "just", "always", "once"}
# A shell noun after "the" and the word after it, if any ("the idea originally …"); not "the way": "the best way to …"
_SHELL_BACK = re.compile(rf"\bthe\s+(?:{'|'.join(sorted(_SHELL_NOUNS - {'way'}))})s?\b(?:\s+(\w+))?", re.I)
_SHELL = re.compile(rf"\s+(?:(?:same|very|exact)\s+)?(?:(?:kind|sort|type)\s+of\s+)?"
                    rf"({'|'.join(sorted(_SHELL_NOUNS))})s?\b", re.I)
# "as Ann puts it", "as the post quotes it": a source that tells the story; its "it" stands for nothing to resolve.
_TELLS_IT = r"(?:puts|quotes|tells|says|sees|recalls|remembers|describes|reports|explains)\s+(it)\b"
_TELLS_AFTER = re.compile(rf"\s+{_TELLS_IT}", re.I)  # after the name
_AS_TELLS_IT = re.compile(rf"\b(?i:as)\s+(?:the\s+)?[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)*\s+{_TELLS_IT}")
# "Is it wise to …", "it is clear that …": an "it" that stands for a clause, not for a thing.
_EXPLETIVE_IT = re.compile(r"\bit\s+(?:is|was|'s|’s|seems|seemed)\s+(?:\w+\s+){1,2}?(?:to|that)\b"
                           r"|\b(?:is|was)\s+it\s+\w+\s+(?:to|that)\b"
                           # "what it takes to win", "what does it take?" (not "How long did it take to sell out?":
                           # what sells out is what "it" refers to)
                           r"|\bwhat\s+(?:(?:does|did|will|would|could|can|should|might)\s+)?it\s+(?:takes?|took)\b"
                           r"(?=\s+(?:to|instead)\b|\s*(?:[?.!,;]|$))"
                           # "How long did it take the team to build it?": who took the time comes after "take"
                           r"|\bit\s+(?:takes?|took)\s+(?!to\b)(?:[\w’'-]+\s+){1,3}?to\s+(?-i:[a-z])(?!(?:the|a|an)\b)",
                           re.I)
# A clause of the question before the one a pronoun is in ("How much is the offer worth, and how high …"), and a
# thing it names with an article ("the offer", "a funny example"): what a pronoun in the later clause refers to.
_EARLIER_CLAUSE = re.compile(r"^(.*\w)\s*(?:,\s*(?:and|but)\b|;|\s[-–—]\s)", re.I)
_THING_PHRASE = re.compile(r"\b(?:the|a|an)\s+(?:[a-z-]+\s+){0,2}[a-z-]{3,}\b")
_ON_ITS_OWN = re.compile(r"on\s+(?:its|their)\s+own\b", re.I)  # an idiom: the "its" stands for nothing to resolve
# ... but "What point is it used to make?" has fronted its object: "it" is a thing, used to make a point.
_FRONTED_OBJECT = re.compile(r"^\W*(?:what|which)\b[^?]*?\b(?:is|was)\s+it\s+\w+ed\s+to\b", re.I)
# A clause that starts a second question: "…, and what does B say…", "…; how did…".
# Without a comma only a wh-word starts one: "… and was criticized by …" continues the first clause, and so does
# a relative word before a subject pronoun ("… asked for but which they wanted"): a relative clause, not a question
# ("… and why she stopped" is one).
_MARKED_CLAUSE = rf"\s*(?:,\s*(?:and|but|while|whereas)\s+|;\s*(?:and\s+)?)(?=(?:{'|'.join(sorted(_WH | _AUX))})\b)"
_CLAUSE = re.compile(rf"{_MARKED_CLAUSE}|\s+(?:and|but)\s+(?=(?:{'|'.join(sorted(_WH))})\b)"
                     r"(?!(?:which|who|whom|whose)\s+(?:he|she|it|we|they|i|you)\b)", re.I)
# A pivot between the two things compared.
_PIVOT = re.compile(r",?\s+(?:differs?\s+from|different\s+from|compared?\s+(?:with|to)|in\s+comparison\s+(?:with|to)|"
                    r"versus|vs\.?|as\s+opposed\s+to|whereas|(?:in)?consistent\s+with|in\s+line\s+with|"
                    rf"at\s+odds\s+with|contradicts?|contradicted|{_MEASURED_UP})\s+|,\s*while\s+", re.I)
_COMPARE_VERB = re.compile(rf"^\s*(?:please\s+)?(?:compare|contrast|{_SET_AGAINST_VERB})\s+", re.I)
# "One account says A; another says B. …", "Some argue A, while others claim B": two views set side by side.
# What may follow the two views: nothing, or a question about them ("What does each side say?", "Who is right?").
_ABOUT_VIEWS = re.compile(r"^\W*$|\b(?:each|both|right|correct|true|differ\w*|compare\w*|contrast\w*|agree\w*|"
                          r"view|views|side|sides|account|accounts|two)\b", re.I)
_SAYS = (r"(?:says?|said|argues?|argued|claims?|claimed|holds?|held|suggests?|insists?|maintains?|thinks?|believes?|"
         r"praises?|praised|credits?|credited|critici[sz]es?|critici[sz]ed|blames?|blamed|sees?|calls?|"
         r"describes?|described|portrays?|portrayed|frames?|framed|warns?|warned|characteri[sz]es?|characteri[sz]ed)")
# "One account presents X as A": verbs that state a view only when they cast something as something (not "One crew
# paints the hulls red")
_CASTS = r"(?:presents?|presented|depicts?|depicted|paints?|painted|treats?|treated|casts?)(?=[^;.?]*?\s+as\s+)"
_ONE_ANOTHER = re.compile(rf"^\s*(?:one|some)\b[^;,.?]{{0,40}}?\b(?:{_SAYS}|{_CASTS})\s+(?:that\s+)?(?P<a>[^;?]+?)"
                          rf"(?:[;.]|,?\s+(?:while|whereas|but|and)|,)\s+(?:an|the\s+)?others?\b[^;,.?]{{0,40}}?"
                          rf"\b(?:{_SAYS}|{_CASTS})\s+(?:that\s+)?(?P<b>[^;?]+?)(?:[.?]\s|[.?]?$)", re.I)
# "In 1990 Ann says A, while in 2000 she says B. What does each say?": a statement joined by "while", "whereas" or
# "but" (the last), each half stating a view, then a question about both (`_two_statements`).
_STATEMENT_ASKED = re.compile(r"^\s*(?P<statement>[^;.?]{1,400})[.;]\s+(?P<asked>[^.?!;]{1,200}\?)\s*$")
_STATES = re.compile(rf"\b(?:{_REPORTED}|insists|insisted|suggests|suggested|maintains|maintained|contends|contended|"
                     r"states|stated)\b", re.I)  # the reporting verbs (`_REPORTING`) and a few more
_STATEMENTS_JOINED = re.compile(r",?\s+(?:while|whereas|but)\s+", re.I)
# The passive of the same: "X is seen by some as A and by others as B".
_BY_SOME = re.compile(rf"^\s*(?!(?:{'|'.join(sorted(_WH))})\b)(?P<topic>[^;?.]+?)\s+(?:is|are|was|were)\s+"
                      r"(?P<verb>\w+)\s+by\s+some\s+as\s+(?P<a>[^;?]+?),?\s+(?:and|but|while|whereas)\s+"
                      r"(?:by\s+)?others\s+as\s+(?P<b>[^;?]+?)(?:[.?]\s|[.?]?$)", re.I)
_BETWEEN = re.compile(r"\b(?:difference|differences|contrast)\s+between\s+", re.I)
_VIEWS_OF = re.compile(r"^\W*(?:there\s+(?:are|were)\s+|(?:i|we)\s+(?:have\s+)?(?:heard|read|seen)\s+)?(?:\w+\s+)?"
                       r"(?:explanations|views|reasons|accounts|answers|stories|theories|takes|opinions|arguments)\s+"
                       r"(?:for|of|on|about|as\s+to)\s+", re.I)
# "Two explanations for X: one about A, one about B. What does each say?": the views named by what they are about.
_ONE_ABOUT = re.compile(r"^(?P<topic>[^?]*?)\W+one\s+(?:about|on|that|focused\s+on|based\s+on)\s+(?P<a>[^;?]+?)"
                        r"(?:[;,]\s*(?:and\s+|but\s+)?|\s+and\s+)(?:one|another|the\s+other)\s+"
                        r"(?:about|on|that|focused\s+on|based\s+on)\s+(?P<b>[^;?]+?)(?:[.?]\s|[.?]?$)", re.I)
# "A says X. How does B see Y?": a view stated, then a question about another: the statement is a part.
_STATED = re.compile(rf"^(?P<a>[^?;]*?\b(?:{_REPORTED})\b[^?;]*?)[.!]\s+"
                     rf"(?P<b>(?:{'|'.join(sorted(_WH | _AUX))})\b[^.?!;]*\?)\s*$", re.I)
# A question whose subject is a pronoun ("What else do they need to do?", "Is he right?").
_PRONOUN_SUBJECT = re.compile(rf"^\W*(?:(?:{'|'.join(sorted(_WH))})\s+(?:else\s+)?)?(?:{'|'.join(sorted(_AUX))})\s+"
                              r"(?:he|she|they|it|we)\b", re.I)
# "While A presents X, what does B say about it?": a fronted clause that sets one side's view against the
# question's, by a verb that states or presents a view ("While at AWS, what did Jassy build?", "While the mill was
# called Cadabra, …" only date or describe the question).
_PRESENTS = (r"says|said|argues|argued|claims|claimed|contends|insists|suggests|writes|wrote|presents|describes|"
             r"portrays|frames|depicts|credits|celebrates|praises|emphasi[sz]es|stresses|sees|calls")
_FRONTED = re.compile(rf"^\W*(?:while|whereas)\s+(?P<a>[^?;,]+?\b(?:{_PRESENTS})\b[^?;,]*?),\s*"
                      rf"(?P<b>(?:{'|'.join(sorted(_WH | _AUX))})\b[^?;]*\?)\s*$", re.I)
# The same clause with any verb ("While Ann uses the flood to make a point, how does the ledger see it?"), where it
# states a source's view (`_states_against`).
_WHILE = re.compile(rf"^\W*(?:while|whereas)\s+(?P<a>[^?;,]{{1,200}}),\s*"
                    rf"(?P<b>(?:{'|'.join(sorted(_WH | _AUX))})\b[^?;]{{0,300}}\?)\s*$", re.I)
# What a question about a view asks ("how does B see it?", "what does B make of it?").
_ASKS_VIEW = re.compile(rf"\b(?:{_SAYS}|see|view|viewed|explain\w*|think|regard\w*|treat\w*|judge\w*|put|puts|tell|"
                        r"tells|told|present\w*|interpret\w*|characteri[sz]\w*|respond\w*|answer\w*|feel|feels|"
                        r"make\s+of)\b", re.I)
# "A insists X. Contrast that with what B says about Y": the statement, and what it is set against.
_STATED_THEN = re.compile(rf"^(?P<a>[^?;]*?\b(?:{_REPORTED}|{_PRESENTS}|insist|insisted)\b[^?;]*?)[.!;]\s+"
                          r"(?:compare|contrast)\s+(?:that|this|it|these|those)\s+(?:with|to|against)\s+"
                          r"(?P<b>[^.?!;]+?)\W*$", re.I)
# "the view that X", "the account that says X" (not "the account that Bo gives"): the part is the claim X.
_CLAIM_NOUNS = "view|idea|claim|notion|argument|belief|position|opinion|thesis"
_TELLS_VERBS = "says|holds|argues|claims|maintains|suggests"
_TELLS = rf"(?:{_TELLS_VERBS})\s+(?:that\s+)?"
# What a document is called by its kind; a description names one ("the gardening blog post").
_DOC_NOUNS = ("article", "post", "essay", "letter", "piece", "podcast", "interview", "blog", "report", "paper",
              "speech", "transcript", "memo", "column", "write-up", "writeup", "newsletter", "episode", "op-ed")
# "the article that treats X as Y", "the one that says X": a view, named by the document that holds it
# (not "describes", "calls", "presents": "the report that describes the flood" only says which report)
_HOLDS_VIEW = rf"(?:{_TELLS_VERBS}|insists|treats|frames|casts|paints|portrays)\s+(?:that\s+)?"
_A_CLAIM = (rf"(?:(?:{_CLAIM_NOUNS})\s+that\s+(?:{_TELLS})?|(?:account|theory|contention|assertion|story)\s+that\s+"
            rf"{_TELLS}|(?:{'|'.join(_DOC_NOUNS)}|one)\s+(?:that|which)\s+{_HOLDS_VIEW})")
_VIEW = re.compile(rf"^\s*(?:the\s+)?{_A_CLAIM}", re.I)
_RELATIVE_YEAR = re.compile(r"\b(?:(?P<n>a|one|two|three|four|five|six|seven|eight|nine|ten|\d+)\s+years?\s+(?P<dir>later|after|earlier|before)"
                            r"|the\s+(?P<dir2>following|next|previous|prior)\s+year"
                            r"|the\s+year\s+(?P<dir3>after|before)"
                            r"|(?P<same>that|the\s+same)\s+year(?!s))\b", re.I)
# What a possessive pronoun owns when it ends the clause ("its weakness?").
_CLAUSE_END_NOUN = re.compile(r"\s+((?:[\w-]+\s+){0,2}?[\w-]+)(?=\s*(?:[?.!,;]|$))")
# Between two names that make one ("Ann's 2019 report"), and a phrase whose object was cut ("According to ,").
_JOINED = re.compile(r"(?:'s|’s)?\s+")
# "according to Ann(,) and (according to) the blog": two names of one attribution, cut as one
_ATTRIBUTED_PAIR = re.compile(r",?\s+(?:and|or|&)\s+(?:(?:according\s+to|in|per|by|from)\s+)?"
                              r"(?:(?:the|his|her|their|its)\s+)?", re.I)
_BEFORE_NAME = re.compile(r"(?:,\s*as\s+(?:quoted|cited|reported|described|told|written|put)\s+)?"
                          # "a reader commenting on the essay, …": a reader (not "spend on marketing in 2004")
                          r"(?P<participle>\b(?:comment|writ|report|post|repl|respond|blogg)(?:ing|ying)\s+"
                          r"(?=on|in|about|under|below))?"
                          r"\b(?:according\s+to|as\s+of|in|from|by|per|of|for|on|about|under|below)\s+"
                          r"(?:(?:his|her|their|its|the|this|that)\s+)?"
                          rf"(?:(?:{'|'.join(_DOC_NOUNS)})s?\s+(?:with|by|of|from)\s+)?$", re.I)  # "the interview with"
# "in the critic's view", "to Ann's mind": a name's view as an aside, cut whole with the name.
_IN_VIEW = re.compile(r"\s+(?:own\s+)?(?:view|opinion|eyes|mind|words|telling|account|estimation|reading)"
                      r"(?=\s*(?:[,.;?!]|$))", re.I)  # "by Bezos's own account" too
_IN_BEFORE = re.compile(r"\b(?:in|from|by|to)\s+(?:the\s+)?$", re.I)
# What cut names leave of a range: "between and", or "between his and?" at a clause's end (not "between his and
# her letters").
_EMPTY_RANGE = re.compile(r"\b(?:between|from|in)\s+(?:(?:his|her|their|its|the)\s+(?:and|to)\b(?=\s*(?:[?.!,;:]|$))|"
                          r"(?:and|to)\b)", re.I)
_STRANDED = re.compile(r"\b(?:with|to|from|and)\s+(?=(?:about|on|over|regarding|concerning)\b)", re.I)
# A person named by the work they made ("the podcast host", "the blog's author"): the noun goes with the name.
_ROLE_NOUNS = ("author", "writer", "host", "founder", "editor", "speaker", "guest", "narrator", "creator", "blogger",
               "columnist", "reporter", "interviewer")
_DOC_NOUN_AFTER = re.compile(rf"\s+(?:{'|'.join(_DOC_NOUNS + _ROLE_NOUNS)})s?\b", re.I)
# "the author of" the blog, "the hosts of" it; not the person asked for ("Who is the author of …", "the name of the
# founder of …").
_ROLE_OF = re.compile(rf"\b(?:the|its|their)\s+(?:{'|'.join(_ROLE_NOUNS)})(?P<many>s)?\s+of\s+$", re.I)
_ASKS_ROLE = re.compile(r"\b(?:who\s+(?:is|was|are|were)|name\s+of)\s+$", re.I)
# A subordinator left at the end once the clause it opened named only a source ("… by the time Bezos wrote the
# 2000 letter?").
_DANGLING_WHEN = re.compile(r",?\s+(?:when|while|after|before|by\s+the\s+time|at\s+the\s+time|once|as)"
                            r"\s*(?=[?.!]?\s*$)", re.I)
# A verb by which a name in a clause of the question reports or recalls ("the mill that Ann says closed").
_SAYS_AFTER = re.compile(r"\s+(?:says|said|writes|wrote|explains|explained|remembers|remembered|recalls|recalled|"
                         r"notes|noted|argues|argued|claims|claimed|thinks|thought|believes|believed|describes|"
                         r"described|tells|told|suggests|suggested|mentions|mentioned|gives|gave|reports|reported|"
                         r"cites|cited)\b(?:\s+that\b)?(?!\s+(?:about|of|on|regarding)\b)", re.I)
# What starts the clause a reporting verb reports ("says [prices rose]"), not its object or an adverbial ("described
# [in 1990]", "told [a story]").
_CLAUSE_AFTER = re.compile(rf"\s+(?!(?:{'|'.join(sorted(_PREPOSITIONS | _DETERMINERS | {'as'}))})\b)[A-Za-z]", re.I)
# A verb that reports a clause ("does X say prices rose"): with its subject cut, the clause is the question.
_REPORTS_CLAUSE = re.compile(r"\s+(?:say|think|write|argue|claim|believe|suggest|feel)s?\s+(?:that\s+)?"
                             r"(?=(?!(?:about|of|on|in|to|for|so|was|is)\b)[\w'’])", re.I)
# A part that ends in a possessive ("… differ from his rivals'?") leaves out what is owned, which is what the
# other part's possessive owns ("Bezos's planning horizon"). A name's possessive ("… from Bezos's?") is a
# side of its own (`_name_only`).
_ELIDED_HEAD = re.compile(r"\w(?:'s|’s|s'|s’)\W*$")
_POSSESSED = re.compile(r"\w(?:'s|’s|s'|s’)\s+(\w[^?.!,;]*?)\s*(?:[?.!,;]|$)")
_DESCRIBED = re.compile(rf"\b(?:the|this|that)\s+(?P<words>(?:[\w-]+\s+){{1,3}}?)(?:{'|'.join(_DOC_NOUNS)})s?\b", re.I)
# A source named before a question's first clause ("According to the 2022 letter, …", "In his 2004 letter, …").
_FRONTED_SCOPE = re.compile(r"^\W*(?:according\s+to|in|per)\s+[^,?]{1,80},", re.I)
# A part that moves in time from the one before ("what did she say about it later"): not about that year.
_TIME_SHIFT = re.compile(r"\b(later|afterwards?|subsequently|eventually|today|now|since|since then|these days)\b", re.I)
_NUMBER_WORDS = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                 "nine": 9, "ten": 10}
_LABEL_MAX = 80


@dataclass(frozen=True)
class SourceRef:
    """What the catalog says about one document, enough to recognise it in a question."""

    path: str
    title: str
    author: str
    publisher: str
    aliases: tuple[str, ...]
    title_guessed: bool = False  # the title is a file's first line, which nobody chose as a name


class Sources:
    """The catalog's names, indexed by their first word, built once per index.

    Finding the sources a question names then costs a lookup per word of the question,
    not a check per document: with 5,000 documents the per-document loop was a sixth
    of the answer time (bench/out/report.md, scale).
    """

    def __init__(self, refs: Sequence[SourceRef], spread: Callable[[list[str]], dict[str, int]] | None = None,
                 cased: Mapping[str, str] | None = None):
        """`spread(terms)`: how many chunks of each document hold all of `terms` (the keyword index's
        `documents_with`); without it, every name with a content word is deliberate. `cased`: the names the
        documents write with a capital (`cased_words`), to read a question typed in lower case."""
        self.refs = list(refs)
        self.spread = spread
        self.cased = dict(cased or {})
        # Names that the corpus's metadata gives (titles, authors, aliases): chosen by whoever built it.
        self.titles = {name for ref in self.refs for name in _title_names(ref.title)}  # what documents are about
        self.chosen = {name for ref in self.refs for name, _ in _name_keys(ref)
                       if not (ref.title_guessed and name in _title_names(ref.title))}
        # A title without its subtitle names the document only when written as the title writes it:
        # "Frost Dates" is the document, "frost dates" a topic.
        # A one-word main title ("Bread: A Baker's Guide") would take every question that opens with the word.
        whole = {name for ref in self.refs for name, _ in _name_keys(ref, short=False)}
        self.short_titles = {key: short.translate(_PLAIN) for ref in self.refs
                             if (short := _short_title(ref.title)) and (key := short.lower().translate(_PLAIN))
                             not in whole}
        self.people = {w for ref in self.refs for w in _WORDS.findall(ref.author.lower())}  # authors' names
        self.publishers = {ref.publisher.lower() for ref in self.refs if ref.publisher}
        self._profiled: dict[str, set[str]] = defaultdict(set)  # a profile word -> the documents it profiles
        for ref in self.refs:  # a profile: the words of a document's title, author, publisher and aliases
            for word in tokenize(" ".join([ref.title, ref.author, ref.publisher, *ref.aliases])):
                self._profiled[word].add(ref.path)
        self._profile_words = sorted(self._profiled)
        self._deliberate: dict[tuple[str, frozenset[str]], bool] = {}
        self.paths = frozenset(r.path for r in self.refs)
        self.by_first_word: dict[str, list[tuple[str, str]]] = defaultdict(list)  # word -> [(name, path)]
        for ref in self.refs:
            for name, first_word in _name_keys(ref):
                self.by_first_word[first_word].append((name, ref.path))

    def deliberate(self, name: str, paths: frozenset[str]) -> bool:
        """Whether `name`, found in a question, names its documents rather than a topic.

        A year names the letters of that year. Any other name needs a content word (a first
        line "What" names nothing). A name from metadata was chosen as one, except a publisher that
        most documents mention (the company they are all about names none of them). A title guessed from
        a file's first line was not, so its words must occur together in the named documents
        more often than in all the others: a file whose first line is "Day 2" does not own the
        phrase that the rest of the corpus discusses, so a question about Day 2 is not scoped to it.
        """
        key = (name, paths)
        if key not in self._deliberate:
            terms = tokenize(name)
            if _YEAR.fullmatch(name):
                self._deliberate[key] = True
            elif name in self.publishers and self.common(name):
                self._deliberate[key] = False
            elif not terms or self.spread is None or name in self.chosen:
                self._deliberate[key] = bool(terms)
            else:
                counts = self.spread(terms)
                inside = sum(n for path, n in counts.items() if path in paths)
                self._deliberate[key] = sum(counts.values()) - inside < inside
        return self._deliberate[key]

    def candidates(self, words: Sequence[str]) -> list[tuple[str, str]]:
        """(name, path) of every name whose first word is in `words` (plurals allowed)."""
        found = []
        for word in words:
            found += self.by_first_word.get(word, ())
            if word.endswith("s"):
                found += self.by_first_word.get(word[:-1], ())
        return found

    def described(self, words: Sequence[str]) -> frozenset[str]:
        """The documents that a description ("the gardening blog post") fits best: those whose
        title, author, publisher or aliases hold most of its words (at least half; "skeptical" fits
        "skeptic", `_stem_mates`), else those whose
        chunks hold all of them more often than all other documents together; none when no document
        stands out."""
        terms = set(words)
        if not terms:
            return frozenset()
        hits: Counter[str] = Counter()
        for t in terms:  # each document once per term that one of its profile words shares a stem with
            hits.update(set().union(*(self._profiled[w] for w in self._stem_mates(t))))
        best = max(hits.values(), default=0)
        if 2 * best >= len(terms) and best:
            return frozenset(p for p, n in hits.items() if n == best)
        counts = self.spread(sorted(terms)) if self.spread else {}
        top = max(counts.values(), default=0)
        leaders = frozenset(p for p, n in counts.items() if n == top)
        return leaders if top and 2 * top * len(leaders) > sum(counts.values()) else frozenset()

    def _stem_mates(self, term: str) -> list[str]:
        """The profile words that share a stem with `term`: itself, and the words that extend it or that it
        extends by a suffix, the shorter of the two having five letters or more ("critic" and "critical",
        "skeptic" and "skeptical", not "post" and "poster"); looked up, not compared with every profile.

        >>> s = Sources([SourceRef("a.txt", "A skeptic on critics", "", "", ("poster",))])
        >>> s._stem_mates("skeptical"), s._stem_mates("critic"), s._stem_mates("post")
        (['skeptic'], ['critic'], [])
        """
        mates = [term[:k] for k in range(5, len(term) + 1) if term[:k] in self._profiled]
        if len(term) >= 5:
            i = bisect.bisect_right(self._profile_words, term)
            while i < len(self._profile_words) and self._profile_words[i].startswith(term):
                mates.append(self._profile_words[i])
                i += 1
        elif term in self._profiled:
            mates.append(term)
        return mates

    def common(self, word: str) -> bool:
        """Whether `word` occurs in more than half of the documents (then it tells none apart)."""
        if self.spread is None:
            return False
        terms = tokenize(word)
        return bool(terms) and 2 * len(self.spread(terms)) > len(self.refs)

    def rarity(self, term: str) -> int:
        """How many chunks hold `term` (fewer is rarer); unknown without a keyword index."""
        return sum(self.spread([term]).values()) if self.spread else 0


@dataclass(frozen=True)
class Query:
    text: str  # what retrieval searches for (the question as resolved)
    kind: str  # "fact" or "comparison"
    sides: tuple[Side, ...]  # comparison: 2+ sides; fact: () or one side that scopes the search
    follow_up: bool
    prefer: tuple[str, ...] = ()  # a follow-up's previous answer's documents: searched first
    shown: tuple[tuple[str, int, int], ...] = ()  # (path, start, end) the previous answer quoted
    # Its best quote of each side (its best, for a fact), held back unless it answers best: its other quotes
    # were evidence beside the answer, and the next question may be answered there.
    held: tuple[tuple[str, int, int], ...] = ()
    # A fact's source named by who wrote it, a role, a year or a description, not by its title or
    # publisher: the question presumes that source speaks to it ("What did the critic say about X?").
    # A title is the topic itself ("What happened to Toby in The Office?"), as the company a publisher
    # names often is, and presumes nothing.
    attributed: bool = False
    # The source is named as a document ("the 2012 letter", "the critic's essay"): the question is about
    # what that document says, which other documents cannot answer.
    as_document: bool = False
    # A follow-up's own question when `text` adds the previous one as context ("And who built it: In which
    # city is the mill?"): what it asks for (a sum, a share, a city) is read here, not in the context.
    asked: str = ""
    # A fact's names that it asks about (`asked_names`), as the user typed them with a capital (not a word of a
    # question typed in lower case that the documents' casing capitalised): a passage of a document that never
    # writes one answers about something else (`Engine._unnamed`).
    names: tuple[str, ...] = ()


# A year that something was set or planned for ("the goals the mill set for (the year) 2010", "aim to open by (the
# end of) 2004"): a time aimed at, told in a document written before it, so no document to search (`_mentions`).
_TARGET_YEAR = re.compile(r"\b(?:set|sets|setting|aim|aims|aimed|plan|plans|planned|target|targets|targeted|goals?|"
                          r"objectives?|expect|expects|expected|forecasts?|budget(?:s|ed)?)\b[^.?!,;]{0,30}?"
                          r"\b(?:for|by|until)\s+(?:the\s+(?:end\s+of\s+(?:the\s+year\s+)?|year\s+))?$", re.I)
# The first months of a year, said just before it ("in early 1999", "at the start of 2002", "in January 2010")
_EARLY = re.compile(r"\b(?:early(?:\s+in)?|(?:the\s+)?(?:start|beginning|first\s+months?|first\s+quarter)\s+of|"
                    r"january|february|march)\s+$", re.I)
# A name followed by a document noun, with a possessive or one more word between ("2012 shareholder letter").
_AS_DOCUMENT = re.compile(rf"^(?:'s|’s)?\s+(?:[\w-]+\s+)?(?:{'|'.join(_DOC_NOUNS)})s?\b", re.I)


# What names a source as the one that tells what the question asks about: "quoted by", "reported in", "according to"
_CITED_BY = re.compile(r"\b(?:(?:quoted|cited|reported)\s+(?:by|in)|according\s+to)\s+(?:the\s+)?$", re.I)


def interpret(question: str, history: Sequence[Turn], sources: Sources) -> Query:
    """Turn a question (and the conversation so far) into a retrieval `Query`.

    >>> sources = Sources([SourceRef("a.txt", "Jassy on customers", "Andy Jassy", "Amazon", ()),
    ...                    SourceRef("b.txt", "An essay", "", "", ("critic",))])
    >>> q = interpret("How does Jassy's view of prices differ from the critic's?", [], sources)
    >>> q.kind, [(s.paths, s.query) for s in q.sides]
    ('comparison', [(('a.txt',), 'prices'), (('b.txt',), 'prices')])

    Names that share no document leave the one said to quote the others, where one is:
    >>> sources = Sources([SourceRef("a.txt", "Ann Lee's letters on the mill", "", "Kestrel Mills", ()),
    ...                    SourceRef("b.txt", "Notes on weaving", "Bo Sim", "Mill Gazette", ())])
    >>> [s.paths for s in interpret("In the Ann Lee letter quoted by the Mill Gazette, what is frost?", [],
    ...                             sources).sides]
    [('b.txt',)]
    >>> interpret("Which loss reported by the Mill Gazette did the Ann Lee letter regret?", [], sources).sides
    ()
    """
    typed = question  # its names as the user wrote them (`Query.names`)
    # "ok so …": the words of conversation go; "what did bezos say about aws?" names Bezos and AWS
    question = recased(_INTERJECTION.sub("", question), sources.cased)
    previous = history[-1] if history else None
    follow_up = previous is not None and is_follow_up(question, sources)
    if previous is not None and not follow_up and _points_back(question, previous, sources):
        follow_up, question = True, f"{question.rstrip('?. ')}: {_earlier(previous)}"  # "the offer": the one
        # the previous answer quoted, asked with the previous question (the type checks read only this one)
    prefer: tuple[str, ...] = ()
    shown: tuple[tuple[str, int, int], ...] = ()
    held: tuple[tuple[str, int, int], ...] = ()
    scope: Side | None = None
    if (follow_up and not _YEAR.search(question) and len(earlier_years := _years(_earlier(previous))) == 1
            and (rel := _RELATIVE_YEAR.search(question)) and not _set_against(question[:rel.start()])):
        # "What were the sales in 1998?", "How did that change a year later?": asked as "… in 1999?"; not when
        # the relative year is what something is set against or planned for ("… versus the prior year",
        # "… planned for the next year"), which the earlier year's letter answers
        question = _shift_year(question, int(earlier_years[0]))
    if follow_up and previous.answer is not None:
        shown = tuple((q.path, q.start, q.end) for q in previous.answer.citations)
        best: dict[str | None, tuple[str, int, int]] = {}
        for q in previous.answer.citations:  # best first, within each side
            best.setdefault(q.side, (q.path, q.start, q.end))
        held = tuple(best.values())
        mentioned = _mentions(question, sources)
        names = [name for _, name, _ in mentioned]
        names_any = bool(names)
        if previous.answer.kind == "comparison" and not names_any and not _parts_only(previous, sources):
            # "And what do they say about prices?" asks the same sides ("they") about a new topic;
            # "Why do they think so?", "Can you give an example?" have none of their own, and ask each side
            # about its earlier one.
            own = [t for t in tokenize(question) if t not in QUESTION_FRAME | _REPORTING]
            sides = tuple(replace(s, query=question if own or not s.query else
                                  f"{question.rstrip('?. ')} ({_subject(s.query, sources) or s.query})?")
                          for s in previous.answer.sides)
            return Query(question, "comparison", sides, True, shown=shown, held=held)
        # "And in 2011, how many …?" may be an event's year, told in a later letter: the previous answer's
        # documents are searched too; "And by the 2002 letter?" names the document to answer from.
        if all(_YEAR.fullmatch(name) and not _AS_DOCUMENT.match(question[start + len(name):])
               for start, name, _ in mentioned):
            prefer = tuple(dict.fromkeys(q.path for q in previous.answer.citations))
        if not names_any:
            if previous.answer.kind == "fact" and len(previous.answer.sides) == 1:
                scope = previous.answer.sides[0]  # the one source the previous question named
    text = resolve(question, previous, sources) if follow_up else question
    sides = comparison_sides(text, sources)
    if sides and scope is not None:  # "Why didn't it survive, and how long did it last?": each part, still
        sides = [s if s.paths else replace(s, paths=scope.paths) for s in sides]  # of the source asked about
    if sides:
        return Query(text, "comparison", tuple(sides), follow_up, shown=shown, held=held)
    # "Who took over AWS when Jassy became CEO?": a name in a clause that only dates the question is no source
    mentions = [m for m in _mentions(text, sources) if not _dates_only(text, m[0], m[1])]
    named = named_sides(text, sources, mentions)
    if len(named) > 1:  # "Jassy's 2021 letter": the documents that every name names, if any
        shared = _shared(mentions)
        # else the last, where it is said to quote or report the others ("the Bezos letter quoted by FourWeekMBA";
        # not "Which loss reported by Kestrel did the Gazette criticise?")
        cited = mentions[-1] if _CITED_BY.search(text[:mentions[-1][0]]) else None
        by = [side for side in named if cited and frozenset(side.paths) == cited[2]]
        named = [Side(_label(named[0].label, shared, sources.refs), tuple(sorted(shared)), named[0].query)] \
            if shared else by if len(by) == 1 else []
    # "the latest report" names no document: every one; names that share none leave none to choose from
    chosen = frozenset(named[0].paths) if named else frozenset() if mentions else sources.paths
    if one := _ordinal(text, _described(text, mentions, chosen, sources), sources.refs):  # "his last letter"
        named = [Side(_label(named[0].label if named else "", one, sources.refs), tuple(one),
                      named[0].query if named else text)]
    # What a document is about: its title, or a publisher the corpus talks about everywhere ("Amazon"); a
    # publisher named in few documents ("the Harbor Gazette") names who wrote it, as an author does.
    titled = [name for _, name, _ in mentions
              if name in sources.titles or (name in sources.publishers and sources.common(name))]
    if scope is not None:  # "What did the 1999 report plan?", "Why did it change?": still that report, even
        # where "he" was read as an author who wrote other reports too. A question whose only pronouns are a
        # person's, read as that report's author, is searched as asked ("What drew her to the mill?", not "What
        # drew Ann Lee to the mill?", which her own text never says, nor "What drew to the mill?", her name cut)
        authors = {r.author for r in sources.refs if r.path in scope.paths and r.author}
        pronouns = [w.lower() for _, _, w in unresolved(question, sources)]
        person = bool(pronouns) and set(pronouns) <= _PERSON and any(a in text for a in authors)
        named = [replace(scope, query=question if person else text)]
    as_document = bool(named) and any(_AS_DOCUMENT.match(text[start + len(name):]) or
                                      any(w in _DOC_NOUNS for w in _WORDS.findall(name.lower()))
                                      for start, name, _ in mentions)
    # A title that is only a year ("2022") says when, not what: with an author named too ("did Jassy say … in
    # 2022"), the source is attributed, unless the year names the document ("Jassy's 2023 letter").
    attributed = bool(named) and not (titled and (as_document or len(titled) == len(mentions)
                                                  or not all(_YEAR.fullmatch(name) for name in titled)))
    early = [name for start, name, _ in mentions if _YEAR.fullmatch(name) and _EARLY.search(text[:start])]
    if attributed and not as_document and len(named) == 1 and len(early) == len(mentions) == 1:
        # "the warehouse they announced in early 1999": a year's report is written early the next year, and
        # tells what happened by then
        before = _shared(_mentions(str(int(early[0]) - 1), sources))
        named = [replace(named[0], paths=tuple(sorted(set(named[0].paths) | before)))]
    asked = text.split(": ", 1)[0] if follow_up and ": " in text and ": " not in question else ""
    names = tuple(n for n in asked_names(named[0].query if named else text, sources)
                  if re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", typed))  # not a word recased from the documents
    return Query(text, "fact", tuple(named), follow_up, prefer, shown, held, attributed, as_document, asked, names)


# --- a question typed in lower case ---------------------------------------------------------------
_NAME_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]+")  # a word a name may be
_CASED_LEAST = 2  # uses inside sentences a word needs, ...
_CASED_SHARE = 0.9  # ... and the share of them with a capital, to be read as a name


def cased_words(sentences: Iterable[str]) -> dict[str, str]:
    """The words the documents write with a capital inside their sentences (not as the first word), at least twice
    and nine times in ten, by their lower-case form, as most often written: the names a question typed in lower
    case means ("bezos": "Bezos", "aws": "AWS"). Not a stop word, nor a word of under three letters.

    >>> cased_words(["We met Ann Lee at the mill.", "Later Ann Lee sold it to AWS, and AWS grew.", "The mill grew.",
    ...              "Mill hands met the Mill owners."])
    {'ann': 'Ann', 'lee': 'Lee', 'aws': 'AWS'}
    """
    written: dict[str, Counter[str]] = defaultdict(Counter)
    for sentence in sentences:
        for m in list(_NAME_WORD.finditer(sentence))[1:]:
            written[m.group(0).lower()][m.group(0)] += 1
    out = {}
    for key, forms in written.items():
        capital = sum(n for form, n in forms.items() if not form.islower())
        if (capital >= _CASED_LEAST and capital >= _CASED_SHARE * sum(forms.values()) and len(key) > 2
                and key not in STOPWORDS):
            out[key] = max((form for form in forms if not form.islower()), key=lambda form: forms[form])
    return out


def recased(question: str, cased: Mapping[str, str]) -> str:
    """`question` with each word typed all in lower case that the documents write as a name (`cased_words`)
    written as they write it. Not a month or a day of the week ("in march"), nor a word after "the", "a" or a
    possessive that the documents only capitalise in a longer name ("the golden rule", "the law of large numbers":
    "Golden Globes", "Moore's Law"), unless the next word is in the table too ("the golden globes") or they write
    it with other capitals than the first ("the aws console", "the fourweekmba articles").

    >>> cased = {"bezos": "Bezos", "aws": "AWS", "golden": "Golden", "globes": "Globes", "march": "March"}
    >>> recased("in march, what did bezos say about aws and the golden rule?", cased)
    'in march, what did Bezos say about AWS and the golden rule?'
    >>> recased("did the golden globes help the aws console?", cased)
    'did the Golden Globes help the AWS console?'
    """
    if not cased:
        return question
    words = list(_WORDS.finditer(question))
    out, last = [], 0
    for i, m in enumerate(words):
        word = m.group(0)
        form = cased.get(word) if word.islower() and word not in _CALENDAR else None
        before = words[i - 1].group(0).lower() if i else ""
        after = words[i + 1].group(0) if i + 1 < len(words) else ""
        if form == word.capitalize() and before in _DETERMINERS | _OWNERS and after not in cased:
            form = None  # "the golden rule": a common word the documents capitalise only in a name
        if form:
            out += [question[last:m.start()], form]
            last = m.end()
    return "".join(out + [question[last:]])


_CALENDAR = {"january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
             "november", "december", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
_OWNERS = {"my", "your", "our"}  # with `_DETERMINERS`' his, her, its, their


# --- follow-ups ------------------------------------------------------------------------------
def _earlier(previous: Turn) -> str:
    """The previous question as it was read (resolved), or as asked."""
    return previous.answer.resolved_question if previous.answer and previous.answer.resolved_question \
        else previous.question


def _parts_only(previous: Turn, sources: Sources) -> bool:
    """Whether the previous answer's sides are only the parts of a question that asked two things of the same
    documents and compared nothing ("When did the mill open, and how big is it?"): no sides for the next question
    ("How many looms does it run?" asks about the mill). A follow-up that asked a comparison's sides again ("Why
    do they think so?") splits into no parts of its own, and its sides stay sides."""
    earlier = _earlier(previous)
    return (len({s.paths for s in previous.answer.sides}) == 1 and not compares(earlier)
            and not _UNNAMED_VIEWS.search(earlier) and len(comparison_sides(earlier, sources)) > 1)


_DEMONSTRATIVE_NOUN = re.compile(r"\b(that|this|these|those)\s+([a-z]+)\b", re.I)


def _points_back(question: str, previous: Turn, sources: Sources) -> bool:
    """Whether a question that names nothing refers back by a definite noun phrase only the previous answer's
    quotes hold ("What does the offer's title urge staff to do?" after a quote on the program's yearly offer), or
    by a shell noun that says nothing of its own: the question's only article is its own, and the noun ends the
    question or comes before a verb of its clause ("Where did the idea come from?", "Did the plan work out?"; not
    "the idea of a loom", "the reason weavers leave", "the plan that failed", nor "A letter gives an example of the
    rule: what was it?").

    >>> from rag.records import Answer, Quote
    >>> t = Turn("What is Pay to Quit?", Answer("", "", False, "fact", (Quote(1, "a.txt", "A", "", "Once a year, "
    ...          "we offer to pay staff to quit.", 0, 9, 0.9),), 0.9))
    >>> _points_back("What does the offer's title say?", t, Sources([]))
    True
    >>> _points_back("What is the mill?", t, Sources([]))  # "mill" is in no quote
    False
    >>> [_points_back(q, t, Sources([])) for q in ("Where did the ideas first come from?", "What was the plan?",
    ...                                             "Whose was the idea of a loom?", "What is the reason weavers leave?",
    ...                                             "What is the method used?", "Where does the phrase 'x' come from?")]
    [True, True, False, False, False, False]
    >>> [_points_back(q, t, Sources([])) for q in ("Why does that pay work?", "Why does that mill work?",
    ...                                             "Do critics claim that quits rise?", "What did it pay this year?")]
    [True, False, False, False]
    """
    if not previous.answer or _mentions(question, sources) or _proper_spans(question):
        return False
    quoted = set(tokenize(" ".join(q.text for q in previous.answer.citations)))
    asked = set(tokenize(_earlier(previous)))
    if any(set(tokenize(m.group(1))) & quoted - asked for m in re.finditer(r"\bthe\s+([a-z]+)\b", question, re.I)):
        return True
    if any(set(tokenize(m.group(2))) & asked and m.group(2).lower() not in _TIME_NOUNS
           and _reads_plural(m.group(2)) == (m.group(1).lower() in {"these", "those"})
           for m in _DEMONSTRATIVE_NOUN.finditer(question)):
        return True  # "that reply" after "What is Amazon's standard reply …?": the one asked about ("that prices
        # rise", "this year" are no such thing)
    if len(re.findall(r"\b(?:the|an?)\s", question, re.I)) != 1:
        return False
    shell = _SHELL_BACK.search(question)
    if not shell:
        return False
    after = (shell.group(1) or "").lower()
    return (after in _AUX | _EVENT_VERBS | _REPORTING | _MID_ADVERBS or after.endswith("ly")
            or not after and re.match(r"\s*(?:[?.!]|$)", question[shell.end():]) is not None)


def _years(text: str) -> list[str]:
    """The distinct years `text` names, in order."""
    return sorted({m.group(0) for m in _YEAR.finditer(text)})


def is_follow_up(question: str, sources: Sources) -> bool:
    """Whether a question leans on the conversation: it starts as a continuation ("and …",
    "what about …"), has no topic and names nothing ("Why?"), asks only for a view ("Why did Ann
    think so?"), or holds a pronoun with nothing before it to refer to.

    >>> s = Sources([])
    >>> [is_follow_up(q, s) for q in ("And what did the reviewer say?", "Why?", "How fast did it spread?",
    ...                               "What did Tolstoy write in his first novel?", "Is it wise to grow?",
    ...                               "Why did Tolstoy think so?", "Who is Leo Tolstoy?")]
    [True, True, True, False, False, True, False]
    >>> [is_follow_up(q, s) for q in ("Can you give an example?", "Could you elaborate?", "Give an example of a fern.")]
    [True, True, False]
    >>> [is_follow_up(q, s) for q in ("Did the previous year's report mention ferns?", "What grew a year after 1990?")]
    [True, False]
    """
    if _LEADS_ON.match(question):
        return True
    if not topic(question, sources) and (not named_sides(question, sources) or _asks_more(question)):
        return True  # "Why?"; "What examples does the essay give?": of what the conversation was about
    if _stance_only(question, sources, said_back=True):  # "Why did Ann think so?", "What does the reviewer say?"
        return True
    if _RELATIVE_YEAR.search(question) and not _YEAR.search(question):  # "the previous year's letter": which year?
        return True
    return bool(unresolved(question, sources))


_MORE = frozenset("example examples instance instances elaborate detail details else more".split())
_MORE_STEMS = frozenset(tokenize(" ".join(_MORE)))
_EXAMPLE = re.compile(r"\b(?:examples?|instances?)\b", re.I)  # more of the same ("what else" asks for other things)


def _asks_more(question: str) -> bool:
    """Whether a question asks for more of something it does not name: examples, details ("What examples
    does the report give?", "Tell me more about the 2005 report").

    >>> [_asks_more(q) for q in ("What examples does the report give?", "Tell me more about the 2005 report",
    ...                          "Summarize the 2005 report")]
    [True, True, False]
    """
    return any(w in _MORE for w in _WORDS.findall(question.lower()))


def _stance_only(question: str, sources: Sources, said_back: bool = False) -> bool:
    """Whether all a question asks about, its names cut, is a view ("Why did Ann think so?", "Does
    the critic agree?"): a view of what the conversation was about. `said_back`: a follow-up's answer or reaction
    counts as one ("How did he answer her?")."""
    text = topic(question, sources)
    if not text or any(w.lower() in _THING | _DEMONSTRATIVE for _, _, w in unresolved(question, sources)):
        return False  # "What did the critic say about that?": about what "that" refers to
    speakers = {w for p in _proper_spans(text) if _speaks(text, p) for w in tokenize(p)}
    words = [w for w in tokenize(text) if w not in speakers]
    return bool(words) and all(w in _STANCE or (said_back and w in _SAID_BACK) for w in words)


def _speaker(text: str) -> str:
    """A capitalised name that says, thinks or writes something in `text` ("what Bezos said", "does Ann
    Lee think"); '' when none.

    >>> _speaker("what Bezos said about them"), _speaker("why does Ann Lee think so"), _speaker("what Kindle sold")
    ('Bezos', 'Ann Lee', '')
    """
    for name in _proper_spans(text):
        if _speaks(text, name) or _reports(text, name):
            return name
    return ""


_HONORIFIC = re.compile(r"(?:Mr|Mrs|Ms|Dr|St)\.$")  # "Mr." ends no sentence


def _cased_as_quoted(text: str, quotes: Sequence[str]) -> str:
    """`text` with each word that the quotes write capitalised inside a sentence, and not after an article or other
    determiner ("the Board"), capitalised as they write it, where `text` writes it in lower case: what a question
    typed in lower case names as the quotes do ("As Jeff Bezos wrote": "bezos" is Bezos).

    >>> _cased_as_quoted("what did bezos say about aws?", ["As Jeff Bezos put it. Much of AWS grew."])
    'what did Bezos say about AWS?'
    >>> _cased_as_quoted("did the board say so, or bezos?", ["Then the Board said, as Mr. Bezos had."])
    'did the board say so, or Bezos?'
    """
    cased = {}
    for quote in quotes:
        for m in re.finditer(r"\b[A-Z]\w*", quote):
            before, space = re.search(r"(\S*)(\s*)$", quote[:m.start()]).groups()
            starts = not before or "\n" in space or (before[-1] in ".!?:;\"“(" and not _HONORIFIC.search(before))
            if not starts and before.lower() not in _DETERMINERS and m.group().lower() not in STOPWORDS:
                cased.setdefault(m.group().lower(), m.group())
    return re.sub(r"\b[a-z]\w*", lambda m: cased.get(m.group(), m.group()), text)


def _reports(text: str, name: str) -> bool:
    """Whether `name` is followed by a verb that reports what it said ("Bezos said", "does Ann say"), or
    follows "according to", or tells it ("as Ann puts it", "as the Gazette quotes it"): a speaker, not a thing ("did
    the Kindle sell", "does the mill write up a plan", "as Kestrel sells it").

    >>> _reports("What does Kestrel write up before it starts?", "Kestrel"), _reports("What does Ann write?", "Ann")
    (False, True)
    >>> [_reports(q, "Kestrel") for q in ("How did the mill open, as Kestrel puts it?", "As Kestrel quotes it, why?",
    ...                                   "How did it open, as the Kestrel recalls it?",
    ...                                   "How did it go as Kestrel sells it?")]
    [True, True, True, False]
    """
    return bool(re.search(rf"(?<!\w){re.escape(name)}\s+(?:{'|'.join(_REPORTING)})\b(?!\s+(?:up|off|down|out)\b)",
                          text)
                or re.search(rf"\baccording\s+to\s+{re.escape(name)}(?!\w)", text, re.I)
                or re.search(rf"\b(?i:as)\s+(?:the\s+)?{re.escape(name)}\s+{_TELLS_IT}", text))


_TIME_CLAUSE = re.compile(r"\w[^,;:]*?\s(?:when|after|before|since|until|once|while)\s+(?:[^,;:?]*\s)?$", re.I)


def _dates_only(text: str, start: int, name: str) -> bool:
    """Whether the name at `start` (a person or a thing, not a year or a document) stands in a clause that
    dates what is asked, after the question's main clause ("… when Jassy became CEO?"): not one that reports
    what it said ("… after Jassy wrote …"), nor one that opens the question and sets who speaks in it ("When
    Jassy talks about X, what does he mean?").

    >>> _dates_only("Who ran AWS when Jassy became CEO?", 17, "jassy")
    True
    >>> _dates_only("What did Ann say when Bo left?", 9, "ann")
    False
    >>> _dates_only("What did Amazon build after Jassy wrote about it?", 28, "jassy")
    False
    >>> _dates_only("When Jassy talks about inferences, what does he mean?", 5, "jassy")
    False
    >>> _dates_only("How far had sales fallen when Bo wrote the 2000 report?", 40, "2000")  # a document, dated
    False
    """
    written = text[start:start + len(name)]
    return (bool(_TIME_CLAUSE.search(text[:start])) and not _reports(text, written) and not _YEAR.search(name)
            and not _AS_DOCUMENT.match(text[start + len(name):]))


def _speaks(text: str, name: str) -> bool:
    """Whether `name` is the subject of `text`'s question, the one whose view it asks ("why did Ann Lee
    think so"), not what it asks about ("what did she say about the Kindle")."""
    m = re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text)
    return bool(m) and bool(_AFTER_AUX.search(text[:m.start()]))


# Words that open a clause of its own, with its own subject or an infinitive ("want customers to think of it"): a
# pronoun after one may refer to the subject before it.
_CLAUSE_WORDS = frozenset({"that", "while", "and", "but", "or", "because", "if", "since", "although", "to"}) | _WH \
    | _REPORTING


_NONFINITE_OPENERS = frozenset({"after", "before", "by", "without", "until", "since"})  # "… after training them"


def _clause_subject(before: list[tuple[str, int, int]]) -> int | None:
    """The index in `before` (a question's tokens up to an object pronoun) of the plural that is the question's
    subject, right after its wh-word or its auxiliary, where no word that opens another clause, nor a name, comes
    between it and the pronoun: "Which measures never showed up in any of them?", "How do buyers rate them?"; not
    "How many buyers said Ann paid them?".

    >>> t = lambda q: [(m.group(0), m.start(), m.end()) for m in _TOKENS.finditer(q)]
    >>> [_clause_subject(t(q)) for q in ("Which profit measures showed up in any of", "How do buyers rate",
    ...                                  "How many buyers said Ann paid", "Why did Ann pay",
    ...                                  "How many weavers did the mill keep after training")]
    [2, 2, None, None, None]
    """
    words = [t for t, _, _ in before]
    if len(words) < 2 or words[0].lower() not in _WH:
        return None
    start = 2 if words[1].lower() in _AUX else 1
    at = next((j for j in range(start, min(start + 3, len(words))) if _reads_plural(words[j]) and words[j].islower()
               and words[j] not in STOPWORDS), None)
    if at is None or any(w.lower() in _CLAUSE_WORDS | _NONFINITE_OPENERS or w[:1].isupper() or w.endswith("ing")
                         for w in words[at + 1:]):
        return None  # "How many weavers did the mill keep after training them?": a clause of their own
    return at


def unresolved(text: str, sources: Sources, fragment: bool = False) -> list[tuple[int, int, str]]:
    """(start, end, word) of each pronoun in `text` that nothing before it can refer to.

    "he/his" needs a name before it; "it/they" a capitalised word (or, for "they", a plural), which
    for an object "it" is not its own clause's subject ("Why did Amazon invest in it?", "What does he say
    Amazon has to do about them?"), and "it" in a later clause also a thing an earlier clause names with an
    article ("How much is the offer worth, and how high can it go?");
    "that/this" refers back when it stands alone ("innovations like that"), follows a preposition or
    verb ("react to that claim"), or its noun ends the clause ("What does he call that tactic?"), not as a
    conjunction ("the view that …"), a relative ("the bridge that collapsed") or "this year";
    a clause-final "then", "next" or "afterwards" refers to the time the conversation was about, unless
    the question has a clause of its own for it ("If it floods, what happens then?").
    The first word's capital says nothing in a sentence; in a `fragment` (a part of a question after
    "with …", "and …") it marks a name: "Bezos's words in his letters".
    """
    tokens = [(m.group(0), m.start(), m.end()) for m in _TOKENS.finditer(text)]
    found = []
    expletive = {m.start() + m.group(0).lower().index("it") for m in _EXPLETIVE_IT.finditer(text)
                 if re.match(r"it\b", m.group(0)[m.group(0).lower().index("it"):], re.I)}
    if _FRONTED_OBJECT.match(text):
        expletive = set()
    expletive |= {m.start(1) for m in _AS_TELLS_IT.finditer(text)}
    for i, (word, start, end) in enumerate(tokens):
        w = word.lower()
        before = tokens[:i]
        capitalised = [t for j, (t, _, _) in enumerate(before)
                       if (j > 0 or fragment) and t[:1].isupper() and t.lower() not in _WH]
        # A speaker ("what Bezos said about them") is a person, not what "it" or "them" stands for.
        people = [t for t in capitalised if t.lower() in sources.people or _reports(text, t)]
        if w in _PERSON:
            if not capitalised and not any(t.lower() in sources.people for t, _, _ in before):
                found.append((start, end, word))
        elif w in _THING:
            # A plural noun before "they" ("How do customers say they …"); not a verb after a wh-word ("Who pays").
            own = _clause_subject(before) if w == "them" else None  # "them" is not its own clause's subject
            plural = any(len(t) > 3 and t.lower().endswith("s") and not t.lower().endswith("ss")
                         and t.lower() not in STOPWORDS and (j == 0 or before[j - 1][0].lower() not in _WH)
                         and j != own for j, (t, _, _) in enumerate(before))
            subject = next((j for j in range(1, len(before)) if before[j - 1][0].lower() in _AUX | _REPORTING
                            and before[j][0][:1].isupper()), None)
            heads = 1
            names = [j for j in range(1, len(before)) if before[j][0][:1].isupper()]
            if (subject is None and names and not _OWNER.search(before[names[-1]][0])
                    and not any(t.lower() in _AUX | {"who", "which", "that"} for t, _, _ in before[1:names[-1]])):
                # "How many of the Fortune 100 companies use it?": a name in the question's subject, its noun, a
                # verb; not "How did readers who bought the Kindle rate it?", "What did the Kindle's buyers …"
                subject, heads = names[-1], 2
            between = [t for t, _, _ in before[subject + 1:] if not t.isdigit()] if subject is not None else []
            if (w in {"it", "them"} and between and all(re.fullmatch(r"[a-z]+(?:-[a-z]+)*", t) for t in between)
                    and (sum(t not in _PREPOSITIONS | _AUX for t in between) <= heads
                         or (between[-1] in _PREPOSITIONS and not set(between[:-1]) & _CLAUSE_WORDS))
                    and between[-1] not in {"after", "before", "since", "until", "when", "while", "as", "if"}):
                # the object of its clause's verb is not that clause's subject ("Why did Amazon invest in it?",
                # "… say Amazon should fund it?"): only that verb, auxiliaries and prepositions stand between,
                # or it follows a preposition in that clause ("does Bezos hold up as an example of it …")
                capitalised = [t for t in capitalised if t != before[subject][0]]
            if w == "it" and (clause := _EARLIER_CLAUSE.search(text[:start])) and _THING_PHRASE.search(clause.group(1)):
                continue  # "How much is the offer worth, and how high can it go?": the offer, named in this question
            if (start in expletive or len(capitalised) > len(people) or (w.startswith("th") and plural)
                    or _ON_ITS_OWN.match(text, max(start - 3, 0))):  # "Is that enough on its own?"
                continue
            found.append((start, end, word))
        elif w in _DEMONSTRATIVE:
            after = tokens[i + 1][0] if i + 1 < len(tokens) else "?"
            then = tokens[i + 2][0] if i + 2 < len(tokens) else "?"
            prev = before[-1][0].lower() if before else ""
            shell = _SHELL.match(text, end)
            if shell and shell.group(0).rstrip().lower().endswith(shell.group(1).lower() + "s"):
                shell = None  # "that rules of grammar are innate": a conjunction, not "that rule"
            # "that tactic?", "those stores?": a determiner whose noun ends the clause points back; not a
            # relative "that" ("the bridge that collapsed?"), nor "this year", which is now
            relative = w == "that" and i >= 2 and before[-2][0].lower() in _DETERMINERS
            ends_clause = (after[:1].isalnum() and after.lower() not in STOPWORDS and not then[:1].isalnum()
                           and not relative and after.lower() not in _NOW)
            # "those interests", "that whole defense": a plural determiner (never a conjunction) or "that whole"
            # before a noun points back, unless a relative clause or a phrase says which ("those who …", "these
            # stores that …", "those looms from Leeds")
            noun_at = i + 2 if after.lower() in _WHOLE else i + 1
            following = tokens[noun_at + 1][0].lower() if noun_at + 1 < len(tokens) else "?"
            determiner = ((w in {"these", "those"} or after.lower() in _WHOLE) and after[:1].isalpha()
                          and after.lower() not in STOPWORDS | _NOW
                          and following not in _RELATIVE_WORDS | (_PREPOSITIONS - {"to"}))
            if (not after[:1].isalnum() or prev in _PREPOSITIONS | _AUX or (shell and w in {"that", "this"})
                    or ends_clause or determiner or (after.lower() in _PARTICLES and not relative
                                                     and then.lower() not in _NOT_AFTER_PARTICLE
                                                     and not then[:1].isdigit())):
                found.append((start, end, word))
        elif w == "one" and _pro_one(tokens, i):
            found.append((start, end, word))
        elif (w in _AFTER_WORDS and not (tokens[i + 1][0] if i + 1 < len(tokens) else "?")[:1].isalnum()
              and not _OWN_TIME.search(text[:start])
              and (w == "then" or (before and before[-1][0].lower() in _EVENT_VERBS))):
            # "What was it back then?", "What happened next?": after what was quoted; not "If it floods, what
            # happens then?" (its own clause) nor "What should I read next?"
            found.append((start, end, word))
    return found


_WHOLE = {"whole", "entire"}
_ARTICLES = {"a", "an", "the"}
_NOT_AFTER_ONE = {"of", "who", "that", "which", "whose", "another", "by", "day", "time"}


def _says_which(question: str, start: int) -> list[str]:
    """The words between the article and the "one" at `start` that say which, less stop words: "the FAQ one": FAQ.

    >>> _says_which("What goes into the FAQ one?", 23), _says_which("How long does a really good one take?", 28)
    (['FAQ'], ['really', 'good'])
    """
    words = _WORDS.findall(question[:start])
    at = max(i for i, w in enumerate(words) if w.lower() in _ARTICLES)
    return [w for w in words[at + 1:] if w.lower() not in STOPWORDS]


def _pro_one(tokens: list[tuple[str, int, int]], i: int) -> bool:
    """Whether the "one" at `tokens[i]` stands for a thing the conversation named ("a really good one", "the FAQ
    one", "the superstar one"): an article and one to three words that say which come before it, and no "of" or
    relative after it ("the only one who …", "the first one of them"; "the one thing" has no word between).

    >>> t = lambda q: [(m.group(0), m.start(), m.end()) for m in _TOKENS.finditer(q)]
    >>> [_pro_one(t(q), [w for w, _, _ in t(q)].index("one")) for q in ("How long does a really good one take?",
    ...  "What goes into the FAQ one?", "Who is the only one who knew?", "What is the one thing to do?", "Is one enough?")]
    [True, True, False, False, False]
    """
    after = tokens[i + 1][0].lower() if i + 1 < len(tokens) else "?"
    if after in _NOT_AFTER_ONE:
        return False
    for back in range(2, 5):  # the article, one to three words before "one"
        if i - back < 0:
            return False
        word = tokens[i - back][0].lower()
        if word in _ARTICLES:
            return all(t[0][:1].isalnum() and t[0].lower() not in _ARTICLES for t in tokens[i - back + 1:i])
        if not word[:1].isalnum():
            return False
    return False


# A phrasal verb's particle: a demonstrative before it stands alone ("Why was setting that up so hard?", "Did Ann
# write that down before the sale?"), unless the particle opens a phrase of its own after a conjunction "that" ("say
# that up to ten closed", "that back in 1990", "that out of 40 looms", "that down the river", "that up north").
_PARTICLES = {"up", "out", "off", "down", "back", "away", "aside"}  # not "over", "through": "favor that over X"
_NOT_AFTER_PARTICLE = _DETERMINERS | {"to", "of", "in", "until", "till", "then", "from", "north", "south", "east",
                                      "west", "front"}
_RELATIVE_WORDS = {"that", "which", "who", "whom", "whose", "where", "when"}


def resolve(question: str, previous: Turn, sources: Sources) -> str:
    """`question` as a follow-up of `previous`: its pronouns replaced by what they refer to, or,
    with no topic of its own, the previous question's topic asked of what this one names.

    >>> resolve("How fast did it spread?", Turn("When did the town open the Riverside Library?"), Sources([]))
    'How fast did Riverside Library spread?'
    >>> resolve("How many Fortune 100 firms use it?", Turn("What does Kestrel Pay let farmers do?"), Sources([]))
    'How many Fortune 100 firms use Kestrel Pay?'
    >>> resolve("How long did it take the crew to build it?", Turn("When did the town open the Riverside Library?"),
    ...         Sources([]))
    'How long did it take the crew to build Riverside Library?'
    >>> resolve("Who ran it?", Turn("In how many towns was the night ferry running by 2010?"), Sources([]))
    'Who ran the night ferry?'
    >>> resolve("What did he say they would not do?", Turn("What did Ann Lee promise about the looms?"), Sources([]))
    'What did Ann Lee say they would not do?'
    >>> resolve("How did that work out?", Turn("Did Kestrel Mills ever try weaving silk?"), Sources([]))
    'How did that (Kestrel Mills ever try weaving silk) work out?'
    >>> resolve("How did readers who bought the Kindle rate it?", Turn("When did Ann open her shop?"), Sources([]))
    'How did readers who bought the Kindle rate it?'
    >>> resolve("Why did she think so?", Turn("What did Ann Lee say about frost?"), Sources([]))
    'Why did Ann Lee think so: What did Ann Lee say about frost?'
    >>> resolve("How did she answer her?", Turn("What did a young woman ask Ann Lee at the fair?"), Sources([]))
    'How did Ann Lee answer her: What did a young woman ask Ann Lee at the fair?'

    What is written is a document the previous question named, not the person who wrote it:
    >>> resolve("How old was the mill when she wrote it?", Turn("What did Ann Lee promise in her first report?"),
    ...         Sources([]))
    'How old was the mill when Ann Lee wrote her first report?'
    >>> resolve("Why did it help those weavers?", Turn("What did Kestrel Mills do for its weavers?"), Sources([]))
    'Why did Kestrel Mills help those weavers (Kestrel Mills’s weavers)?'
    >>> resolve("What did those mill workers earn?", Turn("What did Kestrel Mills do for its mill workers?"),
    ...         Sources([]))
    'What did those mill workers (Kestrel Mills’s mill workers) earn?'
    >>> resolve("How old was the mill when she wrote it?", Turn("What did Ann Lee promise in her first report, "
    ...         "according to the town paper?"), Sources([]))
    'How old was the mill when Ann Lee wrote her first report?'
    """
    earlier = _earlier(previous)
    if swapped := (_asked_of(question, earlier) or _name_swapped(question, earlier, sources)
                   or _object_swapped(question, earlier, sources)):
        return swapped  # "What about 2005?": the same question, of 2005
    if _stance_only(question, sources, said_back=True):  # "Why does he think so?": his view, of the previous question
        replaced = _replace_pronouns(question, earlier, previous, sources)
        mine, theirs = _shared(_mentions(question, sources)), _shared(_mentions(earlier, sources))
        if mine and theirs and not mine & theirs:  # "What did the 2016 report say?": there, not where it was asked
            earlier = _without(earlier, _name_spans(earlier, sources))
        return f"{replaced.rstrip('?. ')}: {earlier}"
    # "Why did they bother?": a reason asked in words the documents never use is the reason for what the previous
    # question asked about ("How long does it last?" asks its own question of what "it" refers to)
    if not topic(question, sources, searchable=bool(re.match(r"\W*(?:and\s+|so\s+)?why\b", question, re.I))):
        names = [question[s:e] for s, e in _name_spans(question, sources)]
        if not names:  # "Why?", "How so?": the previous question, asked again as this one
            return f"{question.rstrip('?. ')}: {earlier}" if question.strip("?. ") else earlier
        cut = _without(earlier, _name_spans(earlier, sources))
        if _asks_more(question):  # "What examples does the essay give?": examples of the earlier topic, there;
            mine = _shared(_mentions(question, sources))  # a title of those documents kept: it is the topic
            kept = _without(earlier, [(p, p + len(n)) for p, n, paths in _mentions(earlier, sources)
                                      if not (paths <= mine and n in sources.titles)])
            return f"{question.rstrip('?. ')}: {kept}"
        return f"{cut.rstrip('?. ')} ({' and '.join(names)})?"
    replaced = _replace_pronouns(question, earlier, previous, sources)
    own = {t for t in tokenize(topic(question, sources)) if t not in QUESTION_FRAME and t not in _MORE_STEMS}
    if _EXAMPLE.search(question) and len(own) <= 2 and not own & set(tokenize(earlier)) \
            and not _mentions(question, sources):
        # "What company did he use as an example?": a word or two of its own, an example of what the previous
        # question asked about ("What example did Bo Sim cite?" names its own source, and is searched there)
        return f"{replaced.rstrip('?. ')}: {earlier}"
    if _LEADS_ON.match(question) and replaced == question and _mentions(question, sources):
        # "And what was the threshold by the next year's letter?": a source named, and a word or two that point
        # back to what the conversation was about, not a new topic ("And what about the price?" has one):
        # asked with the previous question, its names cut
        own = {t for t in tokenize(topic(question, sources)) if t not in QUESTION_FRAME and t not in _DOC_NOUNS}
        about = _without(earlier, _name_spans(earlier, sources))
        if len(own) <= 2 and not own & set(tokenize(about)):
            return f"{question.rstrip('?. ')}: {about}"
    return replaced


def _replace_pronouns(question: str, earlier: str, previous: Turn, sources: Sources) -> str:
    """`question` with each pronoun that nothing in it refers to replaced by its referent in `earlier`.

    "it" and "they" are read before "he" and "she": a thing the question asks about is not also its speaker
    ("What did he say about it in 2008?" after "How quickly did Kindle sell out?": "it" is Kindle, and "he"
    the author of the previous answer's first quote).
    """
    out, last, used, things = [], 0, set(), set()
    seen: dict[str, tuple[str, int]] = {}  # pronoun -> its last referent, and where that pronoun ended
    pronouns = unresolved(question, sources)
    refs: dict[int, tuple[str, int]] = {}  # pronoun start -> (referent, where the replaced words end)
    for start, end, word in sorted(pronouns, key=lambda p: p[2].lower() in _PERSON):
        w, inner = word.lower(), ""
        if w in _AFTER_WORDS:  # the year the previous question named, else the time of what was quoted
            quoted = previous.answer.citations if previous.answer else ()
            named_years = _years(earlier)
            ref = (f"{word} (in {named_years[0]})" if len(named_years) == 1 and w == "then"
                   else f"{word} ({_first_sentence(quoted[0].text)})" if quoted else "")
        elif w == "one":  # "the FAQ one": the sentence of the previous answer that names it, else its first sentence
            quoted = [c.text for c in previous.answer.citations] if previous.answer else []
            said = _says_which(question, start)
            sentences = [x[:150] for text in quoted for x in _quote_sentences(text)]
            named = next((x for x in sentences if said and all(re.search(rf"\b{re.escape(m)}", x, re.I) for m in said)),
                         "")
            ref = f"{word} ({named or _first_sentence(quoted[0])})" if quoted else ""
        elif w in _DEMONSTRATIVE:
            ref = inner = referent(earlier, previous, sources, person=False)
            nxt = _SHELL.match(question, end) or _NEXT_WORD.match(question, end)
            if (w in {"these", "those"} and nxt and nxt.re is _NEXT_WORD and not _reads_plural(nxt.group(1))
                    and (head := _COMPOUND_HEAD.match(question, end)) and _reads_plural(head.group(1))):
                nxt = head  # "those customer terminals": the terminals
            before = question[:start].split()
            if (nxt and nxt.re is not _SHELL and before and before[-1].lower() in _AUX - _COPULAS
                    and _VERB_ENDS.match(question, nxt.end())):
                if yes_no := _YES_NO_HEAD.match(earlier):  # "Did Ann ever try weaving silk?": what she tried
                    ref = earlier[yes_no.end():].rstrip("?. ")
                ref = f"{word} ({ref})" if ref else ""  # "How did that work out?": "that" acts, no "that work"
            elif nxt and nxt.group(1).lower() not in STOPWORDS:  # "that claim": kept, with what it refers to
                end = nxt.end()
                quoted = previous.answer.citations[0].text if previous.answer and previous.answer.citations else ""
                noun, phrase = nxt.group(1), _plural_phrase(earlier)
                unnamed = (w in {"these", "those"} and nxt.re is not _SHELL and _reads_plural(noun)
                           and not _naming_sentence(ref, noun))  # "those documents", which the referent does not name
                if unnamed and phrase.split()[-1:] == [noun.lower()]:
                    # the previous question's ("those weavers" after "What did Kestrel do for its weavers?")
                    ref = _owned_phrase(ref, phrase)
                elif unnamed and (naming := _naming_sentence(quoted, noun)):
                    ref = naming  # else the quote's sentence that names them
                elif nxt.re is _SHELL and quoted:
                    ref = _first_sentence(quoted)  # what was said: the quote's
                elif nxt.group(1).lower() in _DOC_NOUNS and len(documents := {
                        d for d in _DOCUMENT_PHRASE.findall(earlier)
                        if re.search(rf"\b{re.escape(nxt.group(1))}s?$", d, re.I)}) == 1:
                    ref = documents.pop()  # "that same letter" after "In his 2016 letter, …": his 2016 letter
                ref = f"{question[start:end]} ({ref})" if ref else question[start:end]
            elif w in {"that", "this"} and previous.answer and previous.answer.citations:
                # a bare "that" ("What does the author call that?", "What happened after that?"): what was said
                ref, inner = f"{word} ({_first_sentence(previous.answer.citations[0].text)})", ""
        else:
            before = question[:start].split()
            acted_on = (w in {"it", "them"} and before and before[-1].lower() not in _AUX | _WH
                        and _object(earlier))  # "Who opposed it?"
            if w == "them" and not _PLURAL.search(acted_on):  # "them" is no "network"
                acted_on = ""
            # "… when he wrote it?" after "What did Ann promise in her first report?": what is written is the
            # document, not one cited as the source ("her first report, according to the town paper")
            if w == "it" and before and _WRITTEN.fullmatch(before[-1]) and (docs := _written_documents(earlier)):
                acted_on = docs[-1]
            ref = acted_on or referent(earlier, previous, sources, person=w in _PERSON)
            if w == "them" and ref and not _PLURAL.search(ref) and (phrase := _plural_phrase(earlier)):
                ref = _owned_phrase(ref, phrase)  # "them" is no "Kestrel": the workers its question named
            if w == "it" and not acted_on and before and before[-1].lower() in _AUX:
                ref = _acting(ref)  # "Why did it want …?": the subject of the previous question, not its clause
            if (w in _THEY and ref and ref == _speaker(earlier)
                    and any(p.lower() in _PERSON for _, _, p in pronouns)):
                ref = ""  # "What did he say they would not do?" after "What did Ann Lee promise …": he is Ann Lee
            if w in _PERSON and ref and (other := _other_person(question, earlier, previous, sources, ref)):
                ref = other
            if w in _PERSON and ref in things and previous.answer and previous.answer.citations:
                ref = previous.answer.citations[0].author  # the thing is asked about; its author speaks
            if ref and (w in _POSSESSIVE or (w == "her" and re.match(r"\s+\w", question[end:])
                                              and not re.match(r"\s+(" + "|".join(_PREPOSITIONS) + r")\b",
                                                               question[end:]))):
                ref, end = _owned(question, start, end, ref)
        if ref in used and not (ref and w in seen and seen[w][0] == ref
                                and _repeated(question, pronouns, seen[w][1], start, end)):
            ref = ""  # two pronouns rarely stand for one thing ("where did they open it?"); one pronoun
            # repeated in the next clause does ("Why did it fail, and when did it close?")
        seen[w] = (ref, end)
        used |= {ref, inner}  # what "that change" points to is not also what a later "them" stands for
        if w not in _PERSON:
            things.add(ref)
        refs[start] = (ref, end)
    for start, _, word in pronouns:
        ref, end = refs[start]
        out += [question[last:start], ref or word]
        last = end
    return "".join(out + [question[last:]])


def _written_documents(text: str) -> list[str]:
    """The documents `text` names ("her first report"), less any cited as the source ("according to the paper")."""
    return [m.group(0) for m in _DOCUMENT_PHRASE.finditer(text) if not _CITED_BY.search(text[:m.start()])]


def _owned_phrase(ref: str, phrase: str) -> str:
    """A phrase of the previous question with its "its" read as `ref` ("its weavers": "Kestrel’s weavers"); '' where
    "its" has no referent.

    >>> _owned_phrase("Kestrel", "its weavers"), _owned_phrase("", "its weavers"), _owned_phrase("", "the weavers")
    ('Kestrel’s weavers', '', 'the weavers')
    """
    owner, _, rest = phrase.partition(" ")
    if owner.lower() != "its":
        return phrase
    return f"{ref}’s {rest}" if ref else ""


def _acting(clause: str) -> str:
    """The subject of a clause read as what "it" refers to ("Bluewater's ferry service treat its crews"): the words
    before its verb, the first word before a determiner or a possessive; the clause itself when no word is.

    >>> _acting("Bluewater's ferry service treat its crews"), _acting("the ferry"), _acting("Ann ever sell the mill")
    ("Bluewater's ferry service", 'the ferry', 'Ann ever sell the mill')

    An infinitive or a gerund is no clause's verb ("the plan to close its berth", "Ann try selling the mill"):
    >>> _acting("the plan to close its berth"), _acting("Ann try selling the mill")
    ('the plan to close its berth', 'Ann try selling the mill')
    """
    words = clause.split()
    for i in range(1, len(words) - 1):
        if words[i + 1].lower() in (_DETERMINERS | _POSSESSIVE) - {"that"}:
            verb = words[i]
            if (not (verb.isalpha() and verb.islower()) or verb in _PREPOSITIONS | _AUX | _BEFORE_VERB
                    or verb.endswith("ing") or words[i - 1].lower() == "to"
                    or any(w.lower() in _BEFORE_VERB for w in words[1:i])):
                return clause
            return " ".join(words[:i])
    return clause


def _other_person(question: str, earlier: str, previous: Turn, sources: Sources, ref: str) -> str:
    """The person `earlier` names, when `ref` is the author of a document `question` itself names: a pronoun in
    "What does the essay compare him to?" is not the essay's own author, but the one the previous question
    asked about ("how does the critic describe the way bezos talks …": Bezos). '' when that does not apply.

    The name is read as the previous answer's quotes write it, and must not be that author's, nor a source's.
    """
    named = {r.author.lower() for _, _, paths in _mentions(question, sources) for r in sources.refs
             if r.path in paths and r.author}
    if ref.lower() not in named or ref.lower() in earlier.lower() or not previous.answer:
        return ""  # "What does Ann Lee say in the diary …?" then "… the diary say about her?": Ann Lee, as written
    cased = _cased_as_quoted(earlier, [c.text for c in previous.answer.citations])
    own = set(_WORDS.findall(ref.lower()))
    return next((p for p in _proper_spans(cased) if not own & set(_WORDS.findall(p.lower()))
                 and not _mentions(p, sources)), "")


_TIME_NOUNS = frozenset({"time", "times", "year", "years", "point", "day", "days", "week", "month", "period", "moment",
                         "stage", "era", "quarter", "decade"})
_WRITTEN = re.compile(r"writes|wrote|write|writing|written|penned|drafted|published|publish", re.I)
_DOCUMENT_PHRASE = re.compile(
    rf"\b(?:his|her|their|its|the|this|that)\s+"
    rf"(?:(?!(?:{'|'.join(sorted(_PREPOSITIONS | _DETERMINERS | {'and', 'or'}))})\b)[\w'’-]+\s+){{0,3}}?"
    rf"(?:{'|'.join(_DOC_NOUNS)})(?:\s+(?:{'|'.join(_DOC_NOUNS)}))?s?\b"  # "the podcast post"; not "the paper mill":
    rf"(?=\s*(?:[?.!,;:)]|$)|\s+(?!of\b)(?:{'|'.join(sorted(_PREPOSITIONS))}|that|which|when|where|and|or)\b)", re.I)
_WH_SUBJECT = re.compile(rf"^\W*(?:what|who|which)\s+(?!(?:{'|'.join(_AUX)})\b)", re.I)  # "What replaced it"
# After "did that work", a word that ends the question or takes a particle is a verb ("How did that work out?"); not
# after a copula, whose "that" is a determiner ("What was that policy?": `_COPULAS`)
_VERB_ENDS = re.compile(r"\s+(?:out|up|off|over|through)\b|\s*[?.!]?\s*$", re.I)
_COPULAS = {"is", "are", "was", "were"}
_TAKE = r"(?:take|takes|took|taken)\b"
_DUMMY_IT = re.compile(rf"\s+{_TAKE}", re.I)  # "how long did it take"
_TAKES_IT = re.compile(rf"\bit\s+(?:used?\s+to\s+)?{_TAKE}", re.I)  # "did it (use to) take"


def _repeated(question: str, pronouns: list[tuple[int, int, str]], before: int, start: int, end: int) -> bool:
    """Whether the pronoun at `start` repeats the same word at `before` (where it ended) for the same thing:
    in the next clause, with no other pronoun between them ("Why did it fail, and how long did it last?"), not
    a dummy subject ("…, and how long did it take?", "…, and was it worth it?") nor after a clause that asks for
    a new thing ("What replaced it, and when did it open?": the second "it" may be the answer)."""
    return (bool(_CLAUSE.search(question[before:start])) and not any(before < s < start for s, _, _ in pronouns)
            and not _DUMMY_IT.match(question, end) and not _AFTER_BE.search(question[:start])
            and not _WH_SUBJECT.match(question))


# Where a quote, on one line, goes on to its next sentence (`_quote_sentences`).
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])[\"”’]?\s")
# Words after "those"/"these" that end in "s" but name no plural of things ("these days", "those ones").
_NOT_PLURAL = frozenset({"ones", "news", "series", "species", "means", "others", "days", "times"})


def _reads_plural(word: str) -> bool:
    """Whether the word after "those"/"these" reads as a plural noun ("those ledgers", not "those early …", "two").

    >>> [_reads_plural(w) for w in ("ledgers", "ferries", "early", "two", "ones", "glass", "1990s")]
    [True, True, False, False, False, False, False]
    """
    w = word.lower()
    return w.endswith("s") and not w.endswith("ss") and w not in _NOT_PLURAL and w.isalpha()


def _singular(word: str) -> str:
    """`word` lower-cased without its plural ending ("ferries" -> "ferry", "boxes" -> "box"); short words and
    words ending in -ss, -us or -is as they are."""
    w = word.lower()
    if len(w) <= 3 or w.endswith(("ss", "us", "is")):
        return w
    if w.endswith("ies"):
        return w[:-3] + "y"
    if w.endswith(("sses", "xes", "ches", "shes", "zes")):
        return w[:-2]
    return w[:-1] if w.endswith("s") else w


def _naming_sentence(quoted: str, noun: str, limit: int = 150) -> str:
    """The first sentence of a quote that names `noun` (singular or plural; not a capitalised name within the
    sentence for a common noun), on one line, at most `limit` characters that keep the noun; "" when none does.

    >>> _naming_sentence("We met twice. Then we wrote two reports on the flood.", "reports")
    'Then we wrote two reports on the flood.'
    >>> _naming_sentence("Ann read the Ledger. The clerks keep a ledger of bales.", "ledgers")
    'The clerks keep a ledger of bales.'
    >>> _naming_sentence("We came to work.", "toes"), _naming_sentence("Rival stores were bigger.", "store")
    ('', 'Rival stores were bigger.')
    """
    target = _singular(noun)
    for said in _quote_sentences(quoted):
        for i, m in enumerate(re.finditer(r"\w+", said)):
            if _singular(m.group()) == target and not (i and m.group()[:1].isupper() and noun[:1].islower()):
                if m.end() <= limit:
                    return _clipped(said, limit)
                return said[said.find(" ", m.end() - limit) + 1:m.end()]  # the words up to the noun
    return ""


def _first_sentence(text: str, limit: int = 150) -> str:
    """The first sentence of a quote, on one line, at most `limit` characters.

    >>> _first_sentence('"We never sell at a loss," the firm says. Critics laugh.')
    '"We never sell at a loss," the firm says.'
    """
    return _clipped(_quote_sentences(text)[0], limit)


def _clipped(text: str, limit: int) -> str:
    """`text`, or its words that fit in `limit` characters: no word cut in two ("… achieve and ma").

    >>> _clipped("We wrote two reports on the flood.", 20), _clipped("Floods", 3)
    ('We wrote two reports', 'Flo')
    """
    if len(text) <= limit:
        return text
    return text[:limit + 1].rsplit(" ", 1)[0] if " " in text[:limit + 1] else text[:limit]


def _quote_sentences(text: str) -> list[str]:
    """The sentences of a quote, each on one line."""
    return _SENTENCE_BREAK.split(" ".join(text.split()))


def _ellipsis(question: str) -> list[str]:
    """The words of an ellipsis after what leads it on ("And what about 2005?" -> ["2005"]); [] when nothing
    leads it on."""
    rest, led = question, False
    while m := _LEADS_ON.match(rest):  # "And what about …"
        rest, led = rest[m.end():], True
    return [t for t in _TOKENS.findall(rest) if t[:1].isalnum()] if led else []


_TOPIC_OF = frozenset({"about", "of", "on", "for", "regarding", "toward", "towards"})  # "… say about <topic>"
_THING_WORD = re.compile(r"[a-z]+(?:-[a-z]+)*")


def _object_swapped(question: str, earlier: str, sources: Sources) -> str:
    """The previous question asked of a thing an ellipsis names in lower case ("And disk space?" after "… the
    price-performance of processing power was doubling?"): the one phrase of `earlier` that "about", "of", "on" …
    opens (after an article or an owner, which stay), of one to three words in lower case that are no stop words, and
    that ends at the end, a mark, an auxiliary, a preposition, "and", "or" or a word in -ing, swapped for the
    ellipsis's words (less its article where the phrase keeps one); '' when `question` is no such ellipsis, names a
    source or a time, or no single phrase matches.

    >>> _object_swapped("And disk space?", "How fast did Ann say the price of processing power was falling?",
    ...                 Sources([]))
    'How fast did Ann say the price of disk space was falling?'
    >>> _object_swapped("What about the price?", "What did the author say about shipping?", Sources([]))
    'What did the author say about the price?'
    >>> _object_swapped("And shipping?", "What did the author say about the price?", Sources([]))
    'What did the author say about the shipping?'
    >>> [_object_swapped(q, "What did Ann say about wages?", Sources([])) for q in ("And next?", "And the others?")]
    ['', '']
    >>> _object_swapped("And disk space?", "What did Ann say of looms and of mills?", Sources([]))  # which one?
    ''
    """
    said = _ellipsis(question)
    new = [w for w in said if w.lower() not in _ARTICLES]
    if (not 1 <= len(new) <= 3 or not all(_THING_WORD.fullmatch(w) and w not in STOPWORDS | _NO_THING for w in new)
            or _mentions(question, sources) or _RELATIVE_YEAR.search(question)
            or re.search(rf"\b{re.escape(' '.join(new))}\b", earlier, re.I)):
        return ""
    tokens = list(_TOKENS.finditer(earlier))
    found = []
    for i, m in enumerate(tokens[:-1]):
        if m.group(0).lower() not in _TOPIC_OF:
            continue
        first = i + 1 + (tokens[i + 1].group(0).lower() in _ARTICLES | _PHRASE_OWNERS)
        j = first
        while (j < len(tokens) and j - first < 3 and _THING_WORD.fullmatch(word := tokens[j].group(0))
               and word not in STOPWORDS | _AUX and not (j > first and word.endswith("ing"))):
            j += 1
        ends = (j == len(tokens) or not tokens[j].group(0)[:1].isalnum() or tokens[j].group(0).endswith("ing")
                or tokens[j].group(0).lower() in _AUX | _PREPOSITIONS | {"and", "or"})
        if j > first and ends:
            found.append((tokens[first].start(), tokens[j - 1].end(), first > i + 1))
    if len(found) != 1:
        return ""
    start, end, article = found[0]
    return earlier[:start] + " ".join(new if article else said) + earlier[end:]


def _asked_of(question: str, earlier: str) -> str:
    """The previous question asked of what an ellipsis names ("And Day 2?", "What about 2005?", "How
    about the 1999 report?"): the one phrase of `earlier` of the same shape (the same words but one,
    which is a number where the new one has a number) swapped for it; '' when `question` is no such
    ellipsis or no single phrase matches.

    >>> _asked_of("And Day 2?", "What is Day 1 according to Ann?")
    'What is Day 2 according to Ann?'
    >>> _asked_of("What about 2005?", "How many units sold in 1999?")
    'How many units sold in 2005?'
    >>> _asked_of("How about the 2003 report?", "What did the 1999 report plan?")
    'What did the 2003 report plan?'
    >>> _asked_of("And what about 2005?", "What were the top 3 products in 1999?")
    'What were the top 3 products in 2005?'
    >>> _asked_of("And why did it fail?", "What is Day 1?"), _asked_of("And 2005?", "What changed from 1999 to 2001?")
    ('', '')
    >>> _asked_of("And the price?", "What did the author say about shipping?")
    ''
    """
    new = _ellipsis(question)
    if not new or len(new) > 5 or any(t.lower() in _WH | _AUX for t in new):
        return ""
    old = list(_TOKENS.finditer(earlier))
    matches = []
    for i in range(len(old) - len(new) + 1):
        pairs = [(a.group(0), b) for a, b in zip(old[i:i + len(new)], new)]
        differ = [(a, b) for a, b in pairs if a.lower() != b.lower()]
        if len(differ) != 1:
            continue
        a, b = differ[0]
        # A number for a number ("Day 1" -> "Day 2"), or a name for a name ("the Zune" -> "the Kindle").
        if (a.isdigit() and b.isdigit()) or (len(new) > 1 and a[:1].isupper() and b[:1].isupper()):
            years = bool(_YEAR.fullmatch(a) and _YEAR.fullmatch(b))
            matches.append((old[i].start(), old[i + len(new) - 1].end(), years))
    if len(matches) > 1:  # "the top 3 products in 1999": the year, for a year
        matches = [m for m in matches if m[2]]
    if len(matches) != 1:
        return ""
    start, end, _ = matches[0]
    return earlier[:start] + " ".join(new) + earlier[end:]


# What a figure is of, after a name that qualifies it ("AWS revenue"): another thing of the same kind may take
# the name's place ("advertising revenue"). Words of time ask about another time, not another thing.
_MEASURED = frozenset("revenue revenues sales income profit profits margin margins growth price prices cost costs "
                      "spending users customers subscribers employees orders units earnings volume".split())
_TIME_WORDS = {"year", "years", "quarter", "quarters", "month", "months", "week", "weeks", "day", "days", "now",
               "today", "then", "before", "after", "last", "next", "previous", "earlier", "later", "ago"}
# Words of an ellipsis that name no thing: a time ("And next?", "And now?"), the rest of a set ("And the others?")
_NO_THING = (_AFTER_WORDS | _TIME_WORDS | _NOT_PLURAL
             | {"other", "rest", "one", "same", "overall", "later", "also", "too", "first", "second", "third", "last"})


def _name_swapped(question: str, earlier: str, sources: Sources) -> str:
    """The previous question asked of what an ellipsis names ("And what about advertising?") in place of the
    one name it holds that is neither a source nor a year, when the previous question asked for a figure (a
    number, sum, span or date: the ellipsis asks the same of another thing): a name for a name, or a thing for
    a name that qualifies what the figure is of ("How much did AWS revenue grow in 2023?" -> "How much did
    advertising revenue grow in 2023?"). '' when `question` is no such ellipsis, names a source, a time or a
    year, opens on a determiner or a stop word ("And what about the price?" asks something new of the same
    thing), or `earlier` asks no figure or holds no such name or more than one.

    >>> sources = Sources([SourceRef("a.txt", "Notes", "Ann Lee", "", ()), SourceRef("b.txt", "Essay", "Bo Sim", "", ())])
    >>> _name_swapped("And what about rail freight?", "How much did Kestrel revenue grow in 2019?", sources)
    'How much did rail freight revenue grow in 2019?'
    >>> _name_swapped("And what about rail revenue?", "How much did Kestrel revenue grow in 2019?", sources)
    'How much did rail revenue grow in 2019?'
    >>> _name_swapped("What about rail?", "How much did Ann Lee say Kestrel revenue grew?", sources)  # not the author
    'How much did Ann Lee say rail revenue grew?'
    >>> _name_swapped("And Orbit?", "How many looms did Kestrel buy?", sources)
    'How many looms did Orbit buy?'
    >>> [_name_swapped(q, "How much did Kestrel revenue grow in 2019?", sources) for q in (
    ...     "And Ann Lee?", "And why?", "And it?", "And what about the price?", "And what about last year?",
    ...     "And how about now?", "And what about per share?", "And what about advertising in 2022?")]
    ['', '', '', '', '', '', '', '']
    >>> [_name_swapped("And what about looms?", e, sources) for e in (
    ...     "How many did Kestrel sell to Orbit?", "Why did Kestrel sell?", "How much did Kestrel pay for the mill?")]
    ['', '', '']
    """
    new = _ellipsis(question)
    if (not new or len(new) > 4 or new[0].lower() in _DETERMINERS | STOPWORDS | _PREPOSITIONS | {"per"}
            or _mentions(question, sources) or any(_YEAR.search(t) for t in new)
            or any(t.lower() in _WH | _AUX | _PERSON | _THING | _TIME_WORDS for t in new)
            or expected_type(earlier) not in ("number", "amount", "duration", "date")):
        return ""
    sourced = _name_spans(earlier, sources)
    names = [n for n in _proper_spans(earlier) if not _YEAR.search(n)
             and not any(s <= earlier.find(n) < e for s, e in sourced)]
    if len(names) != 1 or earlier.count(names[0]) != 1:
        return ""
    at, end = earlier.find(names[0]), earlier.find(names[0]) + len(names[0])
    after = re.match(r"\s+(\w+)", earlier[end:])
    if not new[0][:1].isupper():  # a thing, not a name: only in place of a name that qualifies a measure
        if not after or after.group(1).lower() not in _MEASURED:
            return ""
        if new[-1].lower() == after.group(1).lower():  # "rail revenue" for "Kestrel revenue"
            end += after.end()
    return earlier[:at] + " ".join(new) + earlier[end:]


def _owned(text: str, start: int, end: int, ref: str) -> tuple[str, int]:
    """What stands for the possessive pronoun text[start:end] that refers to `ref`, and where the text
    after it resumes: "Ann’s" for "her", but after "is" a phrase owns what ends the clause with "of"
    ("What is its weakness?" -> "the weakness of the plan to move north"), as "the plan to move north’s
    weakness" would not read.

    >>> _owned("What is its weakness?", 8, 11, "the plan to move north")
    ('the weakness of the plan to move north', 20)
    >>> _owned("What is its weakness?", 8, 11, "Ann")
    ('Ann’s', 11)
    >>> _owned("Why did its sales grow?", 8, 11, "the plan to move north")
    ('the plan to move north’s', 11)
    >>> _owned("What did his mill make?", 9, 12, "Ann Lee (Mill Notes)")
    ('Ann Lee’s (Mill Notes)', 12)
    """
    if m := re.fullmatch(r"(.*?\S)(\s+\([^()]*\))", ref):  # "Ann Lee (Mill Notes)": the name owns
        return f"{m.group(1)}’s{m.group(2)}", end
    if len(ref.split()) >= 3 and _AFTER_BE.search(text[:start]) and (m := _CLAUSE_END_NOUN.match(text, end)):
        return f"the {m.group(1)} of {ref}", m.end()
    return f"{ref}’s", end


# "Who wrote …", "Who's the host of …", "Who is behind …": the question asks who made a source (not "Who taught Tom
# Reed, according to the Mill Notes?", nor "Who was Ann Lee?"). Read on the question as resolved, where "ok, …" is
# already gone (`_INTERJECTION`).
_ASKS_MAKER = re.compile(r"^\W*(?:(?:and|so|then)\W+)?who(?:'s|’s|\s+(?:is|was|are|were))?\s+(?:"
                         r"(?:the\s+)?(?:author|writer|host|creator|publisher)s?\b|behind\b|(?:wrote|writes|written|"
                         r"authored|penned|hosts|hosted|created|publishes|published)\b)", re.I)


def referent(earlier: str, previous: Turn, sources: Sources, person: bool) -> str:
    """What a pronoun of the next question refers to in `earlier` (the previous question as resolved).

    A person: where it asks who wrote (hosts, is behind) a source it names, that source's author as the previous
    answer's first quote gives it, with the name it was asked by; else the first name in it of an author or of no
    common word, unless that name only qualifies a noun
    ("the company's Day One energy"), else the name that speaks in it
    ("What does Ann expect …?"), else the one that speaks in it once cased as the previous answer's
    quotes write its words ("according to bezos's letter": Bezos), else, where it names no source, a name
    in it that those quotes go on to call "he" or "she", else the author of the previous answer's first
    quote. A thing: the last capitalised phrase that tells documents apart ("Kindle", "Buy with Prime"),
    else the noun phrase the question asks about ("Which two e-commerce companies …"), else its rarest words.
    """
    if (person and _ASKS_MAKER.match(earlier) and previous.answer and previous.answer.citations
            and (author := re.sub(r"\s*\([^()]*\)\s*$", "", previous.answer.citations[0].author))
            and not re.search(rf"(?<!\w){re.escape(author)}(?!\w)", earlier, re.I)
            and (named := next((earlier[at:at + len(name)] for at, name, paths in _mentions(earlier, sources)
                                if previous.answer.citations[0].path in paths), ""))):
        # "Who wrote the Mill Notes?" then "What did he study?": the author, with the source that names him
        return f"{author} ({named})"
    found = _refer(earlier, sources, person)
    if person and found and _qualifies(earlier, found):
        # a name that only qualifies a noun is no person: the one who speaks in it ("what did Bezos call the best way
        # to keep a company's Day One energy?": Bezos, whom every document names, not Day One)
        found = _speaker(earlier) or found
    asked = _WH_NOUN.search(earlier)
    if (not person and asked and found.startswith(f"the {asked.group(1)}") and previous.answer
            and previous.answer.citations and (name := _named_as(previous.answer.citations[0].text, asked.group(1)))
            and name.lower() not in earlier.lower()):
        return f"{found} ({name})"  # "Which superpower …?" then "Is it efficient?": what the quote named, "wandering"
    if person and not found:
        found = _speaker(earlier)  # "What does Ann expect?" then "What does he say …": Ann
    if person and not found and previous.answer:  # "according to bezos's letter …", typed in lower case
        quoted = [c.text for c in previous.answer.citations]
        cased = _cased_as_quoted(earlier, quoted)
        found = _speaker(cased)
        if not found and not _mentions(earlier, sources):
            # else, where it names no source (whose author speaks), a name in it that the quotes go on to call
            # "he" or "she" ("Ann Lee sold the mill. She …")
            found = next((p for p in _proper_spans(cased) if _called_a_person(p, quoted)), "")
    if person and not found and previous.answer and previous.answer.citations:
        return previous.answer.citations[0].author
    return found


def _called_a_person(name: str, quotes: Sequence[str]) -> bool:
    """Whether a quote goes on to call `name` "he" or "she", in the sentence whose subject it is or the next.

    >>> _called_a_person("Ann Lee", ["Ann Lee sold the mill. She kept the dye house."])
    True
    >>> _called_a_person("Kestrel", ["Kestrel sold the mill. It kept the dye house."])
    False
    >>> _called_a_person("Kestrel", ["Kestrel bought her wool.", "Tom Reed warned Kestrel. He left."])
    False
    """
    # the name as its sentence's subject (only capitalised words before it), through the end of the next sentence
    after = rf"(?:^|[.!?\n]\s*)(?:[A-Z][\w'’-]*\s+)*{re.escape(name)}(?![\w-])[^.!?]*(?:[.!?]+\s*[^.!?]*)?"
    return any(re.search(r"\b(?:he|she)\b", m.group(0), re.I) for quote in quotes for m in re.finditer(after, quote))


_NAME_AFTER = r"[A-Z][\w’'-]*(?:\s+(?:(?:of|to|with|for|the|and)\s+)*[A-Z][\w’'-]*)*"


def _named_as(quote: str, noun: str) -> str:
    """What `quote` names as the `noun` a question asked to identify: the name after the noun ("the company
    Cosmo", "a program called Pay to Quit") or the word after its colon ("a superpower: wandering"); '' when
    there is none, or it is "I" or ends on a stop word ("The firm In 2010 grew.").

    >>> _named_as("It starts with a superpower: wandering.", "superpower"), _named_as("the firm Kestrel Mills", "firm")
    ('wandering', 'Kestrel Mills')
    >>> _named_as("a plan called Pay to Quit.", "new plan"), _named_as("The firm Kestrel Mills grew.", "firm")
    ('Pay to Quit', 'Kestrel Mills')
    >>> _named_as("The firm grew.", "firm"), _named_as("Every gardener needs one tool: the hoe.", "tool")
    ('', 'the hoe')
    >>> _named_as("The firm In 2010 grew.", "firm"), _named_as("Kestrel is the company I founded.", "company")
    ('', '')
    """
    head = re.escape(noun.split()[-1])
    m = re.search(rf"\b(?i:{head})s?(?::\s+(?P<word>(?:(?:the|a|an)\s+)?[a-z][\w-]*)(?=[.;!?]|$)|"
                  rf"(?:\s+(?:called|named))?\s+(?P<name>{_NAME_AFTER}))", quote)
    name = (m.group("word") or m.group("name")) if m else ""
    return name if name and name != "I" and name.split()[-1].lower() not in STOPWORDS else ""


_MONTH = re.compile(r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
                    r"(?:\s+\d{1,2})?")


def _thing(text: str, sources: Sources) -> str:
    """What "it" or "they" after `text` most likely refers to: what it asks to identify ("Which study
    does Ann cite?": the study it names is what "it" found), else its last capitalised phrase that
    tells documents apart ("Kindle", "Buy with Prime"), else the noun phrase it is about.

    >>> _thing("In her last report as chair, what academic study does Ann Lee cite?", Sources([]))
    'the academic study'
    >>> _thing("Which mill does Ann Lee name that sold blue thread?", Sources([]))
    'the mill that sold blue thread'
    >>> _thing("Which mill does Ann Lee name when she talks about thread?", Sources([]))
    'the mill'
    >>> _thing("What did the Kestrel mill launch in October 1990?", Sources([]))
    'Kestrel'
    """
    if asked := _WH_NOUN.search(text):
        # with what the question says of it ("… about the wage", "… that promised X"), up to ten words
        main = re.split(r"\b(?:when|while|as|because|if|after|before|since|although)\b", text[asked.end():])[0]
        said = re.search(r"\b(about|on|regarding|that|who|which)\s+([^?.!;,]+)", main)  # not "when he talks about"
        return (f"the {asked.group(1)} {said.group(1)} {said.group(2).strip()}"
                if said and len(said.group(2).split()) <= 10 else f"the {asked.group(1)}")
    spans = _proper_spans(text)
    sources_named = {n.lower() for _, n, _ in _mentions(text, sources)}
    names = [p for p in spans if not all(w in sources.people for w in _WORDS.findall(p.lower()))
             and not _reports(text, p) and not _MONTH.fullmatch(p)  # "in October": a date, no thing
             # "the MBA article", and a source's name after "as quoted by", "according to": a source, no thing it
             # asks about (not "sued by Kestrel", where Kestrel names no source)
             and not re.search(re.escape(p) + _DOC_NOUN_AFTER.pattern, text, re.I)
             and not (p.lower() in sources_named
                      and re.search(rf"\b(?:by|according\s+to)\s+(?:the\s+)?{re.escape(p)}(?!\w)", text, re.I))]
    # The last name that tells documents apart; else, when a name acts ("How does Ann explain Kestrel", "why
    # did Ann think Northwind sold Kestrel"), the last other name that heads its phrase (not "Kestrel workers").
    things = [p for p in names if not all(sources.common(w) for w in _WORDS.findall(p))]
    if not things and any(_speaks(text, p) or _reports(text, p) for p in spans):
        # ... or that is the subject of a clause the question embeds ("How does Ann explain how Kestrel began?")
        things = [p for p in names if not _speaks(text, p) and re.search(
            rf"(?<!\w){re.escape(p)}(?:\s*[^\w\s]|\s+(?:{'|'.join(sorted(_PREPOSITIONS | _AUX))})\b|\s*$)"
            rf"|\b(?i:how|why|where|whether)\s+{re.escape(p)}(?!\w)", text)]
    if things:
        return _with_head(text, things[-1])
    subject = _subject(text, sources)
    # A clause that opens with a name ("AWS came from a hunch …"): the name, not the clause up to a verb.
    opening = next((n for n in names if subject.startswith(n + " ")), "")
    if opening and len(subject.split()) > len(opening.split()) + 2:
        return opening
    # A clause read whole ("the mill closed"), or one that opens with a pronoun, names nothing to refer to.
    if _WORDS.findall(subject.lower()) == _WORDS.findall(text.lower()) or (
            subject.split()[:1] and subject.split()[0].lower() in _PERSON | _THING | {"i", "we", "you"}):
        return ""
    return subject


def _with_head(text: str, name: str) -> str:
    """`name` with the common noun it qualifies, when it is the object of a verb ("launch the Zephyr
    kettle" gives "Zephyr kettle"). After an auxiliary, a preposition or a wh-word the name is a subject
    or ends a phrase, and the word after it is a verb ("did the Kindle sell", "after the Kindle launched"),
    unless a possessive owns it ("with its U.K. shipping fee": the name qualifies the noun).

    >>> _with_head("When did Brightwater launch the Zephyr kettle?", "Zephyr")
    'Zephyr kettle'
    >>> [_with_head(q, "Kindle") for q in ("How many units did the Kindle sell?",
    ...     "How did sales of the Kindle grow?", "What happened after the Kindle launched?")]
    ['Kindle', 'Kindle', 'Kindle']
    >>> _with_head("What did Northwind do with its U.K. shipping fee in 2018?", "U.K.")
    'U.K. shipping fee'
    >>> _with_head("How did its Kindle sell?", "Kindle"), _with_head("What happened after its Kindle launched?", "Kindle")
    ('Kindle', 'Kindle')
    """
    tokens, words = _TOKENS.findall(text), name.split()
    starts = [i for i in range(1, len(tokens)) if tokens[i:i + len(words)] == words]
    if not starts:
        return name
    i, end = starts[-1], starts[-1] + len(words)
    verb = tokens[i - 2] if i > 1 else ""
    # "with its U.S. minimum wage": the name qualifies a noun; not "did its Kindle sell", "after its Kindle launched"
    owned = (tokens[i - 1].lower() in _POSSESSIVE | {"our", "her"}
             and verb.lower() not in _AUX | _WH | {"after", "before", "when", "while", "since", "until", "once", "as",
                                                   "if", "because"})
    if not owned and (tokens[i - 1].lower() not in _DETERMINERS or not (verb.isalpha() and verb.islower())
                      or verb in STOPWORDS | _AUX | _PREPOSITIONS | _WH):
        return name
    head = []
    for tok in tokens[end:end + 2]:
        if not tok.isalpha() or not tok.islower() or tok in STOPWORDS | _AUX | _PREPOSITIONS | _REPORTING | _WH:
            break
        head.append(tok)
    return " ".join([name, *head])


def _phrase(words: list[str]) -> list[str]:
    """The words up to the first verb-like word (an auxiliary, a reporting verb, a relative pronoun)
    or punctuation."""
    phrase = []
    for w in words:
        if w.lower() in _AUX | _REPORTING | {"that", "which", "who"} or not w[:1].isalnum():
            break
        phrase.append(w)
    return phrase


# What follows a claim's verb ("begins with", "closed over the", "sold it"); not the prepositions that follow a noun
# as often ("the conditions in the mills", "the prices of 1890")
_AFTER_CLAIM_VERB = (_PREPOSITIONS - {"of", "in", "at", "for", "from", "by", "than"}) | _DETERMINERS | {"it", "them"}


def _claim_verb(phrase: list[str]) -> int:
    """Where the verb of a claim's clause starts: its first word from the third on that reads as a verb in the
    present ("begins", not "business" nor "crisis") or the past ("closed"), after no owner and before what follows a
    verb (`_AFTER_CLAIM_VERB`: "begins with", "closed over"; not "the mill workers in the valley", where "in" follows
    a noun); else nowhere: a clause whose verb is missed is read whole, as before.

    >>> [_claim_verb(q.split()) for q in ("customer obsession begins with a curious", "the mill closed over debt",
    ...                                   "the mill workers earn less", "the mill's wages rose", "the ledger",
    ...                                   "the working conditions in the mills were harsh")]
    [2, 2, 5, 4, 2, 8]
    """
    for i in range(2, len(phrase)):
        if (re.fullmatch(r"[a-z]+(?:[^s'’ui]s|ed)", phrase[i]) and not _OWNER.search(phrase[i - 1])
                and i + 1 < len(phrase) and phrase[i + 1].lower() in _AFTER_CLAIM_VERB):
            return i
    return len(phrase)


def _verb_after_do(phrase: list[str]) -> int:
    """Where the verb starts in what follows "does"/"did": the first lower-case word after a name,
    else the first word before a preposition other than "of"; else nowhere (a phrase without a verb).

    >>> [_verb_after_do(q.split()) for q in ("Stage 3 feel like", "the plan's cost differ from others",
    ...                                      "the view of prices")]
    [2, 3, 4]
    """
    for i in range(1, len(phrase)):
        if phrase[i].isalpha() and phrase[i].islower() and not phrase[i - 1].islower() \
                and not _OWNER.search(phrase[i - 1]):
            return i
    for i in range(1, len(phrase) - 1):
        if phrase[i + 1].lower() in _PREPOSITIONS - {"of"} and phrase[i].lower() not in _PREPOSITIONS:
            return i
    return len(phrase)


# A wh-word that is the subject of a verb of events: what the question is about follows the verb.
_HAPPENED = re.compile(r"^\s*(?:what|who)\s+(?:happened|became|went\s+wrong|changed|came)\s+(?:to|of|with|for|after)\s+",
                       re.I)
_PLURAL = re.compile(r"(?<![su])s$")  # a plural noun's ending ("bags", not "glass", "status")
_CAUSATIVE = {"let", "lets", "allow", "allows", "allowed", "enable", "enables", "enabled"}
_BEFORE_VERB = {"ever", "never", "still", "also", "just", "already", "even", "always", "often", "first", "once",
                "later", "then", "now", "soon", "again"}  # adverbs between a subject and its verb ("did Ann ever try")
_DO_QUESTION = re.compile(rf"^\s*(?:(?:{'|'.join(_WH)})\s+)?(?:do|does|did)\s+(?P<rest>[^?.!;,]+)", re.I)


def _object(text: str) -> str:
    """What a do-question's named subject acts on ("Why did Ann ban plastic bags?" -> "plastic bags"):
    an "it" in the object of the next question ("Who opposed it?") most likely stands for that, not
    for the one who acted. '' when the subject is no name or the verb has no object before a preposition.

    >>> _object("Why did Ann Lee ban plastic bags?"), _object("When did Ann open her shop?"), _object("What did Ann sell in 2007?")
    ('plastic bags', 'Ann’s shop', '')
    >>> _object("How did Ann say Northwind sold its mill in 2020?"), _object("Why did Ann say that prices rose?")
    ('Northwind’s mill', '')
    >>> _object("What does Kestrel Pay let farmers sell?"), _object("Why did Ann sell the mill she had built?")
    ('', 'the mill she')
    """
    m = _DO_QUESTION.match(text)
    words = m.group("rest").split() if m else []
    verb = next((i for i, w in enumerate(words) if w.isalpha() and w.islower()), 0)
    if not verb or not all(w[:1].isupper() and not _OWNER.search(w) for w in words[:verb]):
        return ""  # "Why did Ann Lee's mill close?": the subject is no name
    if words[verb].lower() in _REPORTING:  # "How did Ann say Northwind sold its mill?": what the clause acts on
        clause = words[verb + 1:][words[verb + 1:verb + 2] == ["that"]:]
        said = next((i for i, w in enumerate(clause) if w.isalpha() and w.islower()), 0)
        if not said or not all(w[:1].isupper() and not _OWNER.search(w) for w in clause[:said]):
            return ""
        words, verb = clause, said
    if words[verb].lower() in _CAUSATIVE:  # "What does Kestrel Pay let farmers do?": the farmers act on nothing
        return ""
    thing = []
    for w in words[verb + 1:verb + 5]:  # a determiner and a few words ("the new press"), no more
        if (w.lower() in _PREPOSITIONS | _AUX | _REPORTING | {"that", "which", "who", "when", "while", "because",
                                                               "so", "too", "very", "again", "then", "now"}
                or w.lower().endswith("ly")):
            break
        thing.append(w)
    if thing and thing[0].lower() in _POSSESSIVE | {"her"}:
        thing[0] = f"{' '.join(words[:verb])}’s"
    return " ".join(thing) if [t for t in tokenize(" ".join(thing)) if t not in QUESTION_FRAME] else ""


def _subject(text: str, sources: Sources) -> str:
    """The noun phrase a question or claim is about: after a leading wh-word and auxiliary ("Which
    two e-commerce companies …", "How does the explanation of …") or before the first verb
    ("customer obsession is …"); else its three rarest words."""
    text = re.sub(r"^\s*according\s+to\b[^,]*,\s*", "", text, flags=re.I)  # "According to the essay, how …"
    text = _HAPPENED.sub("", text)  # "What happened to the lamp?" is about the lamp
    cut = _without(text, _name_spans(text, sources))
    words = _TOKENS.findall(cut)
    # "In how many towns was the ferry running?": a fronted wh-phrase is no subject; the ferry is
    fronted = len(words) > 1 and words[0].lower() in _PREPOSITIONS and words[1].lower() in _WH
    words = words[1:] if fronted else words
    asked = bool(words) and (words[0].lower() in _WH | _AUX or bool(_NEGATED.fullmatch(words[0])))
    if words and words[0].lower() in _WH:
        if words[0].lower() == "how" and len(words) > 1 and words[1].lower() not in _AUX:
            words = words[1:]  # "how long", "how many"
        words = words[1:]
        if fronted and (aux := next((i for i, w in enumerate(words[:4]) if w.lower() in _AUX), None)) is not None:
            words = words[aux:]
        if (len(words) > 1 and re.fullmatch(r"[a-z]+[^s'’]s", words[0]) and words[0] not in _AUX
                and words[1].lower() in _DETERMINERS | _POSSESSIVE):
            words = words[1:]  # "What guides the superpower": the wh-word is the subject; it is about the superpower
    if words and (m := _NEGATED.fullmatch(words[0])):  # "Why didn't the mill survive": "did"
        words[0] = {"wo": "will", "ca": "can", "sha": "shall"}.get(m.group(1).lower(), m.group(1))
    passive = bool(words) and words[0].lower() in _AUX - {"do", "does", "did"}
    do_support = bool(words) and words[0].lower() in {"do", "does", "did"}
    if words and words[0].lower() in _AUX:
        words = words[1:]
    while words and words[0].lower() in QUESTION_FRAME | _REPORTING | _PREPOSITIONS | {"it"}:  # "How does X describe
        words, do_support = words[1:], False  # …", "What does X say about …"
    phrase = _phrase(words)
    if not asked:  # a claim ("customer obsession begins with a curious, …"): its subject ends at its verb
        phrase = phrase[:_claim_verb(phrase)]
    after = words[len(phrase):]
    speaker = (1 < len(phrase) <= 3 and phrase[0].lower() in _DETERMINERS) or (
        0 < len(phrase) <= 3 and all(w[:1].isupper() for w in phrase))  # "the author", "Ann Lee"
    if speaker and after and after[0].lower() in _REPORTING:
        # "What does the author say the rule gives …": the speaker says it; it is about the rule.
        rest = after[1:]
        while rest and rest[0].lower() in _PREPOSITIONS | {"that"}:
            rest = rest[1:]
        said = _phrase(rest)
        verb = next((i for i in range(2, len(said)) if re.fullmatch(r"[a-z]+[^s']s", said[i])
                     and not said[i - 1].lower().endswith(("'s", "’s"))), len(said))  # "the scheme gives …"
        phrase, do_support = said[:verb] or phrase, False
    if do_support and len(phrase) > 1:  # "What does Stage 3 feel like", "How does the plan work": its verb goes
        phrase = phrase[:_verb_after_do(phrase)]
    while phrase and phrase[-1].lower() in _PREPOSITIONS:
        phrase.pop()
    if passive and len(phrase) > 1 and phrase[-1].lower().endswith("ed") and phrase[-2].lower() not in _DETERMINERS:
        # "When was the Kindle launched", not "What is the speed"
        phrase.pop()
    if fronted and passive and (ing := _progressive(phrase)):
        phrase = phrase[:ing]  # "In how many towns was the ferry running by 2010": its verb ends the subject
    if [t for t in tokenize(" ".join(phrase)) if t not in QUESTION_FRAME]:
        return " ".join(phrase)
    terms = list(dict.fromkeys(t for t in tokenize(cut) if t not in QUESTION_FRAME | _REPORTING))
    rare = set(sorted(terms, key=sources.rarity)[:3])
    return " ".join(dict.fromkeys(w for w in _WORDS.findall(cut) if tokenize(w) and tokenize(w)[0] in rare))


def _progressive(phrase: list[str]) -> int | None:
    """Where a progressive's verb stands in a phrase read after "was": an "-ing" word after a word that is no
    determiner, with a preposition or a number after it ("the ferry running by 2010"; not "the new building opened",
    "the annual spending").

    >>> _progressive("the ferry running by 2010".split()), _progressive("the new building opened".split())
    (2, None)
    """
    return next((i for i in range(1, len(phrase) - 1) if re.fullmatch(r"[a-z]{2,}ing", phrase[i])
                 and phrase[i - 1].lower() not in _DETERMINERS
                 and (phrase[i + 1].lower() in _PREPOSITIONS or phrase[i + 1].isdigit())), None)


def _proper_spans(text: str) -> list[str]:
    """Capitalised phrases after the first word (or an acronym first: "AWS grew"), small linking words
    allowed inside ("Buy with Prime"), with a short number that follows ("Stage 3"; not a year).

    >>> _proper_spans("AWS came from a hunch at Buy with Prime"), _proper_spans("Prices rose at Kestrel Mills")
    (['AWS', 'Buy with Prime'], ['Kestrel Mills'])
    """
    tokens = _TOKENS.findall(text)
    spans, current, links = [], [], []
    for i, tok in enumerate(tokens):
        acronym = (i == 0 and len(tok) > 1 and tok.isalpha() and tok.isupper()
                   and len(tokens) > 1 and tokens[1][:1].isalpha())  # "AWS grew", not "OK, what …"
        if ((i > 0 and tok[:1].isupper()) or acronym) and tok.lower() not in _WH and tok != "I":
            current += links + [tok]
            links = []
        elif current and not links and tok.isdigit() and len(tok) < 4:
            current.append(tok)
        elif current and tok.lower() in {"of", "with", "by", "for", "the", "and"}:
            links.append(tok)
        else:
            if current:
                spans.append(" ".join(current))
            current, links = [], []
    if current:
        spans.append(" ".join(current))
    return [re.sub(r"(’s|'s)$", "", s) for s in spans]


# A word written mostly in capitals: "FAQ", "EC2", "CEOs", "IPO'd", "U.S." (not "McDonald", "YouTube")
_ACRONYM = re.compile(r"\b(?:[A-Z][A-Z0-9&]+[a-z]?(?:['’][a-z]+)?|(?:[A-Z]\.){2,})(?!\w)")
_OPENS = r"(?:^|[.?!:;\"“‘]\s*)"  # where a capital opens a sentence or a quotation, not a name


def asked_names(text: str, sources: Sources) -> list[str]:
    """The names a question asks about, besides those of its sources: its capitalised phrases (`_proper_spans`)
    inside a sentence and out of quotation marks, not what a follow-up's resolution put in brackets, nor acronyms
    ("FAQ", "EC2", "CEOs": users shorten or spell out what the documents may write the other way), nor a word of
    one or two letters ("Dr"), nor the subject after an auxiliary ("How much did Kestrel Mills pay …?": a firm's
    own notes say "we").

    >>> s = Sources([SourceRef("a.txt", "Mill notes", "Ann Lee", "", ()), SourceRef("b.txt", "Town paper", "", "", ())])
    >>> asked_names("In Ann Lee's notes, how many looms did Kestrel Mills sell in Japan?", s)
    ['Japan']
    >>> asked_names("What did the FAQ say? Besides frost, what hurt sales in the U.S. and at Dr. Lee's farm?", s)
    []
    >>> asked_names("How many of those (the looms Kestrel Mills bought) went to ‘Harbor Row’ or McDonald Street?", s)
    ['McDonald Street']
    """
    cut = re.sub(r"\([^()]*\)", " ", _without(text, _name_spans(text, sources)))
    return [p for p in _proper_spans(cut)
            if not _ACRONYM.search(p) and any(len(w) > 2 for w in re.findall(r"[^\W\d_]+", p))
            and not re.search(rf"(?:{_OPENS}|\b(?i:{'|'.join(sorted(_AUX))})\s+){re.escape(p)}(?!\w)", cut)]


def topic(text: str, sources: Sources, searchable: bool = False) -> str:
    """`text` without the sources it names, when what is left says what it asks about; else ''.
    `searchable`: only words the documents use say it."""
    cut = _without(text, _name_spans(text, sources))
    words = [t for t in tokenize(cut) if t not in QUESTION_FRAME and t not in _DOC_NOUNS]
    if searchable and sources.spread is not None:
        words = [t for t in words if sources.rarity(t)]
    return cut if words else ""


# --- comparisons -----------------------------------------------------------------------------
# "One source says …, another …; how do the two put it?" (any "two" or "another" counts: a question that has one
# keeps a comparison's budget, as every multi-part question did before)
_SET_AGAINST = re.compile(r"\b(?:two|another)\b", re.I)


def compares(text: str) -> bool:
    """Whether a question sets things against each other ("differ", "compare", "both", "versus", ...), not only
    asks two things ("When did the flood come, and where did the looms go?").

    >>> compares("How do the growers and the mill differ on prices?"), compares("When did it open, and where?")
    (True, False)
    >>> compares("Was it a gift? Weigh Ann's account against Bo's."), compares("What did it set aside against losses?")
    (True, False)
    >>> compares("Setting aside the 1990 report, what did Ann say against the mill?")
    False
    """
    return bool(_COMPARISON.search(text) or _SET_AGAINST.search(text))


def comparison_sides(text: str, sources: Sources) -> list[Side]:
    """The sides of a comparison or a multi-part question, by its structure; [] when it is neither."""
    m = _ASKED_THEN_COMPARED.match(text)
    pair = split(m.group("compare")) if m else []
    # "Ann's account": Ann; "the critic's account of how the mill treated its rivals": the critic, and what it asks
    owned = [_OWNED_VIEW_OF.match(p.strip(" ?.!")) for p in pair]
    whose = [o.group("owner") if o else _OWNED_HEAD.sub("", p.strip(" ?.!")) for p, o in zip(pair, owned)]
    if (len(pair) == 2 and all(_WHOSE.fullmatch(w) for w in whose)
            and any(_mentions(w, sources) for w in whose)):
        # "Was the mill built for trade? Compare Ann's account with the critic's.": the question, asked of each
        # side ("according to Ann, …"), a person quoted inside the documents as well as a source
        question = _without(m.group("asked"), _name_spans(m.group("asked"), sources))  # its own names cut
        asked = [f"according to {w}, {o.group('topic') if o else question}" for w, o in zip(whose, owned)]
        # each part on its own (given twice: `_part_sides` reads a part against another), so that neither
        # refers to the other: both ask the same question, but for a side that names what it is asked of ("the
        # critic's account of how the mill paid its weavers")
        sides = [_part_sides([a, a], sources)[0] for a in asked]
        return [s if s.paths else replace(s, label=_part_label(p)) for s, p in zip(sides, pair)]
    named = named_sides(text, sources)
    # "How did Jassy's figure change between his 2022 and 2023 letters?": the years are the sides, the author
    # who wrote both only narrows them; "Jassy's 2022 letter" (one year left) is one source, no comparison.
    specific = [a for a in named if not any(set(b.paths) < set(a.paths) for b in named)]
    named = specific if len(specific) >= 2 else named
    nested = any(set(a.paths) <= set(b.paths) for a in named for b in named if a is not b)
    joined = len(named) >= 2 and not nested and _joined(text, sources)
    body, scope = _trailing_scope(text, sources)
    # "Compare what A and B say about how X deals with Y": A and B are the sides, not "… with Y"; a second
    # clause still splits ("What do A and B say about X, and how does C see it?"), if a comma or semicolon marks
    # it: "How do A and B each explain the gap between what buyers order and what they keep?" asks one thing.
    parts = split(body) if not joined or re.search(_MARKED_CLAUSE, body, re.I) else []
    if not parts and (m := _WHILE.match(body)) and _states_against(m.group("a"), m.group("b"), sources):
        parts = [m.group("a"), m.group("b")]
    if (pair := _two_statements(body)) and _apart(sides := _part_sides(pair, sources, scope)):
        return sides
    if parts and (lead := _LEAD.match(parts[0])) and _mentions(parts[0][lead.end():], sources):
        # "A and B both discuss X. What does A say about Y, and what does B …?": the first part is its
        # question, which names its source; the statement before it names both.
        parts = [parts[0][lead.end():], parts[1]]
    if parts and _two_things(parts, sources):
        return _part_sides(parts, sources, scope)
    if len(named) >= 2 and not nested and (_COMPARISON.search(text) or joined):
        # "How do A and B each describe X?": one side per source, each searched for the shared topic.
        query = _shared_topic(text, sources)
        # "How do they describe X?": the head names no one and asks nothing a passage would hold
        query = re.sub(r"^\W*(?:how|what)\s+(?:do|does|did)\s+they\s+(?:each\s+|both\s+)?", "", query, flags=re.I)
        return [replace(s, query=query) for s in named]
    if len(specific) == 1 and (sides := _changed_between(text, specific[0], sources)):
        return sides
    if len(named) == 1 and _COMPARISON.search(text) and (described := _paired_description(text, sources)):
        # "What do the essay and the interview each say about X?", the catalog knowing no interview: the
        # other side is every document but the named one's, searched for the same topic.
        others = tuple(sorted({r.path for r in sources.refs} - set(named[0].paths)))
        if others:
            query = _shared_topic(_without(text, [described]), sources)
            return [replace(named[0], query=query),
                    Side(label=text[described[0]:described[1]], paths=others, query=query)]
    if len(named) == 1 and (person := _paired_person(text, sources)):
        # "How do Bezos and the critic each see X?": a person quoted inside the documents is the other side.
        framed = _COMPARISON.sub(" ", text)
        at = re.search(rf"(?<!\w){re.escape(person)}(?!\w)", framed)
        shared = _without(framed, _name_spans(framed, sources) + ([at.span()] if at else []))
        shared = cut if topic(cut := _DANGLING.sub("", shared), sources) else shared
        query = shared if topic(shared, sources) else text
        asked = re.sub(r"^(?:they|it|he|she)\s+", "", _bare(query), flags=re.I)  # "How do they describe X"
        return [replace(named[0], query=query), Side(label=person, paths=(), query=f"{person} {asked}")]
    if not named and (m := _UNNAMED_VIEWS.search(text)) and topic(asked := text[:m.start()].strip(), sources):
        # "Why did the mill close? Compare the explanations given.": two views of one question, no source named;
        # each is searched for the question, the second outside the first's document (`Engine._compare`).
        one, another = _alternatives(asked) or (asked, asked)
        return [Side(label="One view", paths=(), query=one), Side(label="Another view", paths=(), query=another)]
    return []


# "Is the mill a ruin or a museum?": a yes-no question between two alternatives, each an article's noun phrase.
_EITHER_OR = re.compile(r"^\W*(?:is|are|was|were)\s+(?P<left>[^?]+)\s+or\s+(?:(?:just|merely|simply|only|really|"
                        r"mostly|rather|instead)\s+)?(?P<article>a|an|the)\s+(?P<right>[^?]+)"
                        r"\?*\s*$", re.I)


def _alternatives(question: str) -> tuple[str, str] | None:
    """The two readings a question of two views weighs ("Is the mill a ruin or a museum?": "the mill a ruin", "the
    mill a museum"), each searched for its own view; None when it offers no such choice. The subject is read as what
    comes before the last article like the second alternative's, a guess ("a place of work for a town or a museum"
    gives "the mill a place of work for a museum").

    >>> _alternatives("Is Ann's long game a promise to buyers or a weapon against rivals?")
    ("Ann's long game a promise to buyers", "Ann's long game a weapon against rivals")
    >>> _alternatives("Is the mill a family trade or just a tax shelter?")
    ('the mill a family trade', 'the mill a tax shelter')
    >>> _alternatives("Why did the mill close?") is None
    True
    """
    m = _EITHER_OR.match(question)
    if not m:
        return None
    left, article = m.group("left"), m.group("article")
    cut = list(re.finditer(rf"\s{article}\s", left, re.I))
    subject = left[:cut[-1].start()].strip() if cut else ""
    return (left.strip(), f"{subject} {article} {m.group('right').strip()}") if subject else None


_EACH_SUBJECT = re.compile(r"\b(does|did|do|would|will)\s+each(?:\s+of\s+(?:them|the\s+two))?\s+(?=(?:say|think|"
                           r"see|view|describe|explain|frame|put|give|mean|argue|claim|believe|suggest|want|make)\b)", re.I)
_LEFT_CONJUNCTION = re.compile(r"^\W*(?:and|or)\s+", re.I)  # what the first name's cut leaves of "A and B …"
# Statements before a question ("Ann and Ben both wrote about rain. What did Ann …"): up to its wh-word or verb;
# not a question with an abbreviation in it ("How did Dr. Will Hart …").
_ASKS = rf"(?:{'|'.join(sorted(_WH | _AUX))})\b"
_LEAD = re.compile(rf"^(?!\W*{_ASKS}).*[.!]\s+(?=(?-i:[A-Z]))(?={_ASKS})", re.I | re.S)


# A question, then a sentence that asks to compare two named views of it ("… ? Compare Ann's account with Bo's.").
_ASKED_THEN_COMPARED = re.compile(rf"^\W*(?P<asked>.*?\w.*\?)\s*(?P<compare>(?:please\s+)?(?:compare|contrast|"
                                  rf"{_SET_AGAINST_VERB})\s+[^?!]+?)(?:,?\s*please)?[?.!]*\s*$", re.I | re.S)
_OWNED_HEAD = re.compile(r"(?:'s|’s)(?:\s+(?:own\s+)?\w+)?$")  # a possessive and its noun
# A view owned by someone, with what it is about after its noun ("the skeptic's account of how Y treated Z"; not "…
# view of it", which asks the question again)
_VIEW_NOUNS = ("account|view|take|answer|description|version|explanation|position|opinion|reading|portrait|picture|"
               "verdict")
_ASKED_AGAIN = r"(?:it|this|that|these|those|them|the\s+(?:question|matter|issue|same))\W*$"  # "… view of it"
_OWNED_VIEW_OF = re.compile(rf"^(?P<owner>.+?)(?:'s|’s)\s+(?:own\s+)?(?:{_VIEW_NOUNS})\s+(?:of|on|about|regarding)\s+"
                            rf"(?!{_ASKED_AGAIN})(?P<topic>.+)$", re.I)
# Whose view a side is: a name of up to four words, not a pronoun or a clause ("it", "what Bo says").
_NOT_WHOSE = "|".join(sorted(_WH | _PERSON | _THING | _DEMONSTRATIVE))
_WHOSE = re.compile(rf"(?!(?:{_NOT_WHOSE})\b)[\w’'.-]+(?:\s+[\w’'.-]+){{0,3}}", re.I)


# A closing sentence that asks for the views on the question before it without naming them ("Contrast the two
# views.", "What do the different takes say?", "Compare the explanations given.").
_UNNAMED_VIEWS = re.compile(r"(?<=[.?!])\s+(?=[^.?!]*\b(?:compare|contrast|differ\w*|two|both|each)\b)[^.?!]*"
                            r"(?<!['’]\s)(?<!['’]s\s)\b(?:views|takes|explanations|accounts|sides|perspectives|"
                            r"positions|opinions)(?:\s+(?:given|offered|presented|here|say|put\s+it))?\s*[.?!]?\s*$",
                            re.I)


# What is left of "How do A and B differ on X?" once the names and the comparison word are cut ("How do they
# on X?"): a head whose verb went, before the topic it introduced.
_DANGLING = re.compile(rf"^\W*(?:(?:{'|'.join(_WH)})\s+)?(?:{'|'.join(_AUX)})\s+(?:they|it|he|she)\s+"
                       r"(?:(?:both|each|also)\s+)?(?:(?:on|about|over|regarding|as\s+to|in)\s+(?=\S)|"
                       rf"(?=(?:{'|'.join(_WH)}|whether)\b))", re.I)


# "what they say about X", the names cut: each side is searched for X (the evidence will not say "they say").
_SAY_FRAME = re.compile(rf"^\W*(?:(?:{'|'.join(_WH)})\s+)?(?:(?:do|does|did)\s+)?(?:they|it)\s+(?:each\s+|both\s+)?"
                        rf"(?:{_REPORTED})\s+(?:about\s+|of\s+|on\s+)?", re.I)


# "…: what does each say?", "… - how does each put it?": a closing question that only asks for the views.
_SAY_TAIL = re.compile(rf"\s*[.;:,–—-]\s*(?:(?:what|how)\s+)?(?:do|does|did)\s+(?:they|it)\s+(?:each\s+|both\s+)?"
                       rf"(?:{_REPORTED}|put\s+it|see\s+it|view\s+it|describe\s+it|explain\s+it)\W*$", re.I)
# "… disagree on why X": the preposition left before the topic it introduced.
_ON_WHAT = re.compile(rf"^\W*(?:on|about|over|regarding|as\s+to)\s+(?=(?:{'|'.join(sorted(_WH))}|whether)\b)", re.I)
# A part that says what a person said something about ("what Tolstoy says about it") has its own topic.
_SAYS_ABOUT = re.compile(rf"\b(?:{_REPORTED})\s+(?:about|on|of|regarding)\s+\w", re.I)
# What is left of "what Bezos wrote about X" once the name is cut.
_SAID_ABOUT = re.compile(rf"^\W*(?:what|how)\s+(?:{_REPORTED})\s+(?:about|of|on)\s+", re.I)


def _shared_topic(text: str, sources: Sources) -> str:
    """What a comparison of named sides asks each side: `text` without the names and the comparison's
    words, and without a head whose verb went with them ("How do A and B differ on why X?" -> "why X?");
    `text` itself when nothing is left.

    >>> s = Sources([SourceRef("a.txt", "Ann Lee", "", "", ()), SourceRef("b.txt", "Bo Sim", "", "", ())])
    >>> _shared_topic("How do Ann Lee and Bo Sim differ on why frost comes early?", s)
    'why frost comes early?'
    >>> _shared_topic("How do Ann Lee and Bo Sim each describe frost?", s)
    'How do they describe frost?'
    >>> _shared_topic("Compare what Ann Lee and Bo Sim say about how frost forms.", s)
    'how frost forms.'
    >>> _shared_topic("Ann Lee and Bo Sim both write about frost. What does each of them say?", s)
    'write about frost'
    >>> _shared_topic("Ann Lee and Bo Sim disagree on why frost comes early - what does each say?", s)
    'why frost comes early'
    """
    framed = _COMPARISON.sub(" ", _EACH_SUBJECT.sub(r"\1 it ", text))  # "What does each (of them) say?"
    shared = _LEFT_CONJUNCTION.sub("", _without(framed, _name_spans(framed, sources)))  # "A and B both …"
    for frame in (_DANGLING, _SAY_FRAME, _SAY_TAIL, _ON_WHAT):
        cut = frame.sub("", shared)
        shared = cut if topic(cut, sources) else shared
    return shared if topic(shared, sources) else text


def _joined(text: str, sources: Sources) -> bool:
    """Whether "and" joins two of the names the question mentions, a few words apart at most ("How do
    A and the B describe X?"), rather than two words inside a name or a topic ("A's X and Y").

    >>> s = Sources([SourceRef("a.txt", "Ann Lee", "", "", ()), SourceRef("b.txt", "Science and Art", "", "", ())])
    >>> _joined("What do Ann Lee and the Science and Art essay say?", s), _joined("Ann Lee on Science and Art", s)
    (True, False)
    >>> _joined("Why did frost come, according to Ann Lee, and according to the Science and Art essay?", s)
    True
    """
    spans = sorted(_name_spans(text, sources))
    return any(re.search(r"\band\b|&", between, re.I) and len(re.findall(r"[\w&]+", between)) <= _JOIN_WORDS
               for between in (text[a[1]:b[0]] for a, b in zip(spans, spans[1:])))


_DESCRIPTION = re.compile(rf"\b(?:the|this|that)\s+(?:[\w-]+\s+){{0,2}}?(?:{'|'.join(_DOC_NOUNS + _ROLE_NOUNS)})s?\b",
                          re.I)


# "… change between A and B?": two times or sources something changed between; a time that names no source
_CHANGED_BETWEEN = re.compile(r"\b(?:chang|differ|shift|evolv|mov)(?:e|es|ed|s)?\s+between\s+(?P<rest>[^?]+?)\W*$",
                              re.I)
_A_TIME = re.compile(r"\b(?:\d{4}s?|(?:years?|weeks?|months?|days?|decades?|quarters?|seasons?|eras?|period|time)|"
                     r"early|earlier|late|later|before|after|since|until|when)\b", re.I)


def _changed_between(text: str, named: Side, sources: Sources) -> list[Side]:
    """"How did X change between the early weeks of the pandemic and Jassy's 2022 letter?": the time that names no
    source is the other side, the documents before the named one's year (after it, where that time comes second;
    every other document where a year is missing), each side searched for what changed. [] where the question
    is not so built: each "and" after "between" is tried as the pivot, one half naming a source and the other a
    time ("How did prices differ between Kestrel and the 2016 letter?" sets no time against it).

    >>> s = Sources([SourceRef(f"{y}.md", f"{y} Letter", "Ann Lee", "", ()) for y in (1990, 2001, 2016)])
    >>> [(x.label, x.paths) for x in _changed_between("How did fares change between the flood and drought years "
    ...                                                "and the 2016 letter?", named_sides("2016 letter", s)[0], s)]
    [('the flood and drought years', ('1990.md', '2001.md')), ('2016 Letter', ('2016.md',))]
    """
    m = _CHANGED_BETWEEN.search(text)
    query = text[:m.start()].strip() if m else ""
    if not m or not topic(query, sources):
        return []
    rest = m.group("rest")
    for pivot in re.finditer(r"\s+and\s+", rest):
        halves = [rest[:pivot.start()], rest[pivot.end():]]
        names = [bool(_mentions(h, sources)) for h in halves]
        if sum(names) != 1 or not _A_TIME.search(unnamed := halves[names.index(False)]):
            continue
        first = not names[0]  # the unnamed time comes first: it is before the named document
        year = {r.path: _years(r.title) for r in sources.refs}
        own = [int(y[0]) for p in named.paths if len(y := year[p]) == 1]
        others = [r.path for r in sources.refs if r.path not in named.paths]
        if own and all(len(year[p]) == 1 for p in others):
            others = [p for p in others if (int(year[p][0]) < min(own) if first else int(year[p][0]) > max(own))]
        if not others:
            return []
        sides = [Side(label=unnamed, paths=tuple(sorted(others)), query=query), replace(named, query=query)]
        return sides if first else sides[::-1]
    return []


def _paired_description(text: str, sources: Sources) -> tuple[int, int] | None:
    """The span of a description that names no source ("the interview"), joined by "and" to one that
    does ("the essay and the interview"); None when there is none.

    >>> s = Sources([SourceRef("a.txt", "A report", "", "", ()), SourceRef("b.txt", "An essay", "", "", ("essay",))])
    >>> _paired_description("What do the essay and the interview each say about prices?", s)
    (22, 35)
    >>> _paired_description("What does the essay say about the interview?", s) is None
    True
    """
    names = _name_spans(text, sources)
    for m in _DESCRIPTION.finditer(text):
        if any(a < m.end() and m.start() < b for a, b in names) or _mentions(m.group(0), sources):
            continue
        for a, b in names:
            between = text[b:m.start()] if b <= m.start() else text[m.end():a]
            if re.fullmatch(r"(?:['’]s)?\s+(?:and|&)\s+", between, re.I):
                return m.span()
    return None


def _paired_person(text: str, sources: Sources) -> str:
    """A capitalised name that is no source's, paired with a named source by "and" or "(dis)agree with"
    in a question of comparison ("Do Bezos and the critic both …", "Does the critic agree with Bezos …");
    '' when there is none.

    >>> s = Sources([SourceRef("a.txt", "A report", "", "", ()), SourceRef("b.txt", "An essay", "", "", ("critic",))])
    >>> _paired_person("How do Ann Lee and the critic each see prices?", s)
    'Ann Lee'
    >>> _paired_person("Did the critic find both Ann Lee and Bo Sim right?", s)
    ''
    """
    if not _COMPARISON.search(text):
        return ""
    names = [text[a:b] for a, b in _name_spans(text, sources)]
    # "Jassy and Bezos" reads as one capitalised phrase: each of its names is a candidate too.
    people = dict.fromkeys(p for span in _proper_spans(text) for p in (span, *re.split(r"\s+and\s+", span)))
    for person in people:
        if _mentions(person, sources) or re.search(rf"(?<!\w){re.escape(person)}\s+\d", text):  # "Day 1"
            continue
        for name in names:
            p, n = re.escape(person), re.escape(name)
            if re.search(rf"\b{p}(?:'s|’s)?\s+(?:and|(?:dis)?agrees?\s+with)\s+(?:the\s+)?{n}"
                         rf"|\b{n}(?:'s|’s)?\s+(?:and|(?:dis)?agrees?\s+with)\s+{p}\b", text, re.I):
                return person
    return ""


def split(text: str) -> list[str]:
    """The parts of a question that asks two things: two clauses, a pivot, or "compare A with B".

    >>> split("What did A say in 1890, and what did it reach a year later?")
    ['What did A say in 1890', 'what did it reach a year later?']
    >>> split("Contrast the view that X is good with the view that it is bad.")
    ['X is good', 'it is bad.']
    >>> split("Compare what A says about talking to staff with what B says.")
    ['what A says about talking to staff', 'what B says.']
    >>> split("One report says the mill closed over debt; another says a flood shut it. Who is right?")
    ['the mill closed over debt', 'a flood shut it']
    >>> split("One diary praises Ann for keeping the mill open; another blames her for its debts. How do the two put it?")
    ['Ann for keeping the mill open', 'her for its debts']
    >>> split("The mill's closure is seen by some as a relief and by others as a loss. How is each side put?")
    ["The mill's closure seen as a relief", "The mill's closure seen as a loss"]
    >>> split("There are two accounts of why the mill closed: one about debt, one about a flood. Which is right?")
    ['why the mill closed: debt', 'why the mill closed: a flood']
    >>> split("One report says the mill closed over debt, another says a flood ruined it. How does each put it?")
    ['the mill closed over debt', 'a flood ruined it']
    >>> split("Did the mill run two ads, one about price and one about speed?")
    []
    >>> split("The diary says the mill closed over debt. How does the ledger explain the closure?")
    ['The diary says the mill closed over debt', 'How does the ledger explain the closure?']
    >>> split("Ann insists the mill paid well. Contrast that with what the ledger says about wages.")
    ['Ann insists the mill paid well', 'what the ledger says about wages']
    >>> split("Contrast the account that says the mill began with a loan with the account that says it was a gift.")
    ['the mill began with a loan', 'it was a gift.']
    >>> split("Contrast the essay that treats the mill as a gift with the one that says it was a trap.")
    ['the mill as a gift', 'it was a trap.']
    >>> split("Which mill did Ann say no buyer asked for but which they wanted, per the ledger?")
    []
    >>> split("Set Ann's account of the flood against the ledger's.")
    ["Ann's account of the flood", "the ledger's."]
    >>> split("Explain how Ann dried the ferns and why she stopped in 1890.")
    ['Explain how Ann dried the ferns', 'why she stopped in 1890.']
    """
    body = text.strip()
    if (m := _ONE_ANOTHER.match(body)) and _ABOUT_VIEWS.search(body[m.end():]):
        parts = [m.group("a"), m.group("b")]
    elif (m := _BY_SOME.match(body)) and _ABOUT_VIEWS.search(body[m.end():]):
        parts = [f"{m.group('topic')} {m.group('verb')} as {m.group(v)}" for v in ("a", "b")]
    elif ((m := _ONE_ABOUT.match(body)) and (views := _VIEWS_OF.match(m.group("topic")))
          and _ABOUT_VIEWS.search(body[m.end():])):  # not "Did Ann run two ads, one about price and one about speed?"
        about = m.group("topic")[views.end():].strip()  # "why Amazon shows reviews", each view's topic
        parts = [f"{about}: {m.group(v)}" if about else m.group(v) for v in ("a", "b")]
    elif m := _COMPARE_VERB.match(body):
        rest = body[m.end():]
        pivot = (re.search(rf"\s+with\s+(?=(?:the\s+)?(?:(?:{_CLAIM_NOUNS})\b|{_A_CLAIM}))", rest, re.I)
                 or re.search(rf"\s+against\s+(?=(?:the\s+)?(?:(?:{_CLAIM_NOUNS})\b|{_A_CLAIM}))", rest, re.I)
                 or re.search(rf"\s+(?:with|to|against)\s+(?=(?:{'|'.join(sorted(_WH))})\b)", rest, re.I)
                 or re.search(r"\s+(?:with|to|against)\s+", rest, re.I) or re.search(r"\s+and\s+", rest, re.I))
        parts = [rest[:pivot.start()], rest[pivot.end():]] if pivot else []
    elif m := _BETWEEN.search(body):
        rest = body[m.end():]
        pivot = re.search(r"\s+and\s+", rest, re.I)
        parts = [body[:m.start()] + rest[:pivot.start()], rest[pivot.end():]] if pivot else []
    elif (m := _STATED.match(body) or _STATED_THEN.match(body)) and not (m.re is _STATED
                                                                         and _goes_on(m.group("b"))):
        parts = [m.group("a"), m.group("b")]
    elif m := _FRONTED.match(body):
        parts = [m.group("a"), m.group("b")]
    elif pivot := _CLAUSE.search(body) or _PIVOT.search(body):
        parts = [body[:pivot.start()], body[pivot.end():]]
    else:
        parts = []
    parts = [_VIEW.sub("", p).strip(" ,;") for p in parts]
    return parts if len(parts) == 2 and all(_WORDS.search(p) for p in parts) else []


def _goes_on(question: str) -> bool:
    """Whether a question after a statement ("A says X. What else do they need to do?") goes on about it rather than
    asking about another view: its subject is a pronoun, and it compares nothing and names no one who says or owns
    something ("How does it compare with what Bo says?", "What does she say Bo thinks?" set the statement against
    Bo's view; "the Board" or "Seattle" are no view).

    >>> _goes_on("What else do they need to do in Seattle?"), _goes_on("Why does she think the Board refused?")
    (True, True)
    >>> _goes_on("Does it differ from Bo Sim's report?"), _goes_on("What does she say Bo Sim thinks?")
    (False, False)
    """
    return (bool(_PRONOUN_SUBJECT.match(question)) and not _COMPARISON.search(question) and not _speaker(question)
            and not re.search(r"\b[A-Z]\w*(?:'s|’s)\s", question))


def _states_against(clause: str, question: str, sources: Sources) -> bool:
    """Whether a fronted "while" clause states a source's view against the question's, about another source's: the
    clause's source acts in the present right after its name ("Ann uses …", "the diary dwells on …"), the question
    asks a view, and no document is named by both. A clause of time tells of the past or of being ("While Ann ran
    the mill", "While Ann's away").

    >>> s = Sources([SourceRef("a.txt", "The diary", "Ann Lee", "", ()), SourceRef("b.txt", "The ledger", "", "", ())])
    >>> clauses = ("Ann Lee uses the flood", "Ann Lee ran the mill", "Ann Lee’s at the mill", "the ledger uses it")
    >>> [_states_against(c, "how does the ledger see it?", s) for c in clauses]
    [True, False, False, False]
    >>> _states_against("Ann Lee uses the flood", "what does the ledger record?", s)
    False
    """
    mentioned = _mentions(clause, sources)
    theirs = {p for _, _, paths in _mentions(question, sources) for p in paths}
    mine = {p for _, _, paths in mentioned for p in paths}
    if not mine or not theirs or mine & theirs or not _ASKS_VIEW.search(question):
        return False
    pos, name, _ = mentioned[0]
    return bool(re.match(r"\s+[a-z]+s\b(?<!ss|us)", clause.translate(_PLAIN)[pos + len(name):]))


def _two_statements(body: str) -> list[str]:
    """The two views a statement sets side by side before a question about both ("In 1990 Ann says the mill paid
    well, while in 2000 she says it never did. What does each diary say?"), split at its last "while", "whereas" or
    "but"; [] when it is no such statement.

    >>> _two_statements("In 1990 Ann says the mill paid well, while in 2000 she says it never did. What does each say?")
    ['In 1990 Ann says the mill paid well', 'in 2000 she says it never did']
    >>> _two_statements("Ann held the lease, but Bo held the deed. Who ran the mill in both years?")
    []
    """
    m = _STATEMENT_ASKED.match(body)
    if not m or not _ABOUT_VIEWS.search(m.group("asked")):
        return []
    statement = m.group("statement")
    joins = list(_STATEMENTS_JOINED.finditer(statement))
    if not joins:
        return []
    pair = [statement[:joins[-1].start()], statement[joins[-1].end():]]
    return pair if all(_STATES.search(p) for p in pair) else []


def _apart(sides: list[Side]) -> bool:
    """Whether two sides are each scoped to documents, and to none in common."""
    return len(sides) == 2 and all(s.paths for s in sides) and not set(sides[0].paths) & set(sides[1].paths)


def _two_things(parts: list[str], sources: Sources) -> bool:
    """Whether each part asks about something of its own: a topic or a source. "When was it built
    and why?" asks one thing twice over, and is answered as one question."""
    return all(topic(p, sources) or _mentions(p, sources) or _name_only(p) for p in parts)


# "What was Cosmo", "Who is Ann Lee": a question of its own, about the name, not a name to ask the other part of.
_IDENTITY = re.compile(r"^\W*(?:what|who)\s+(?:is|was|are|were)\s+", re.I)


def _name_only(part: str) -> bool:
    """Whether a part is only a name ("Bezos's", "Warren Buffett", "Bezos's own view"): a person or thing it
    asks about, perhaps quoted inside the documents rather than the author of any."""
    words = [w for w in _TOKENS.findall(part) if w[:1].isalnum() and w.lower() not in STOPWORDS
             and not set(tokenize(w)) <= _STANCE]
    return bool(words) and all(w[:1].isupper() for w in words)


def _trailing_scope(text: str, sources: Sources) -> tuple[str, frozenset[str]]:
    """`text` without a closing parenthesis that only names sources ("… (2020 letter)"), and the
    documents it names: they scope every part of the question."""
    m = re.search(r"\(([^()]*)\)\W*$", text)
    if not m or not _mentions(m.group(1), sources) or topic(m.group(1), sources):
        return text, frozenset()
    return text[:m.start()].rstrip(), _shared(_mentions(m.group(1), sources))


def _part_sides(parts: list[str], sources: Sources, scope: frozenset[str] = frozenset()) -> list[Side]:
    """One side per part: scoped to the sources it names, searched for its own topic.

    The second part may lean on the first: "a year later" counts from the first part's year, a
    pronoun refers to what the first part names, and a part that names no source but refers
    back ("…, and what is its weakness?") keeps the first part's sources, less its years when it
    moves in time ("…, and what did she say about it later?"). `scope`: the documents the whole question
    is limited to, for the parts that name none.
    """
    years_named = [_years(p) for p in parts]
    sides: list[Side] = []
    for i, part in enumerate(parts):
        other, asked_part = parts[1 - i], part
        if not years_named[i] and len(years_named[1 - i]) == 1:
            part = _shift_year(part, int(years_named[1 - i][0]))
        if (_ELIDED_HEAD.search(part) and not _name_only(part) and not _mentions(part, sources)
                and (head := _POSSESSED.search(other))):  # "… differ from his rivals'?" is about what the
            part = f"{part.rstrip(' ?.!')} {head.group(1)}"  # other part's owner owns: their planning horizon
        inherited: frozenset[str] = frozenset()
        referred = False  # whether a pronoun of the part stands for what the other part names
        pointed = False  # whether it points back with "that"/"this" and a noun ("how low had that threshold gone?")
        if i > 0 and (pronouns := unresolved(part, sources, fragment=True)):
            for start, end, word in reversed(pronouns):
                w = word.lower()
                if _bound_in_part(part, start) or (w == "it" and _DUMMY_IT.match(part, end)
                                                   and _TAKES_IT.search(other)):
                    continue  # "…, and how long does it take now?" after "How long did it take the mill to …": no thing
                nxt = _NEXT_WORD.match(part, end)
                pointed |= (w in _DEMONSTRATIVE and bool(nxt) and nxt.group(1).lower() not in STOPWORDS | _TIME_NOUNS
                            and not _OWNER.match(part, nxt.end()))  # not "by that time", "this year's harvest"
                ref = "" if w in _DEMONSTRATIVE else (_parallel_subject(part[end:], other)
                                                      or (w == "it" and _raised_object(other))
                                                      or _refer(other, sources, person=w in _PERSON))
                if w in _PLURAL_PRONOUNS and ref and not _PLURAL.search(ref):  # "them" is no "Kestrel": the
                    ref = (_plural_noun if w == "them" else _plural_subject)(other) or ref  # object; "they": subject
                if ref:
                    ref, cut = _owned(part, start, end, ref) if w in _POSSESSIVE else (ref, end)
                    part, referred = part[:start] + ref + part[cut:], True
            if not _mentions(part, sources) and not _speaker(part):  # "… what Bezos said about them": his
                inherited = _inherited(other, part, sources)  # words, outside the other part's sources
        elif (i > 0 and (front := _FRONTED_SCOPE.match(other)) and not _COMPARISON.search(front.group(0))
              and not _mentions(part, sources) and not _speaker(part)):
            # "According to the 2022 letter, how was X reorganized, and what was the benefit?": the fronted source
            # scopes the whole question, not its first part only (less its year where the part moves in time; not
            # "In contrast to the 1997 letter, …", which names what the question sets against)
            inherited = _inherited(front.group(0), part, sources)
        # "…; what's the critic's counter-reading of the same idea?" points back as "that idea" does, and so does
        # "… tell that origin story differently?" (a phrase that ends the clause, not a reported clause)
        pointed |= i > 0 and bool((same := _SAME.search(part)) and same.group(1).lower() not in _NOT_SAME)
        pointed |= i > 0 and bool((m := _POINTED_PHRASE.search(part)) and (m.group(1) or "").lower() not in _DETERMINERS
                                  and m.group(2).lower() not in _THAT_CLAUSE | _SHELL_NOUNS | _STANCE_NOUN_SET
                                  and not set(m.group(3).lower().split()) & (STOPWORDS | _NOW | _TIME_NOUNS | _SEASONS))
        named = _mentions(part, sources)
        leans = False  # whether it is asked with what the other part asks ("…, and how many did the new one hold?")
        # "Bezos vs Jassy on pay: what did the 2018 letter announce": names that share no document, one of which
        # names the document itself, ask that document where another name (its author) holds it ("Ann Lee vs Bo Sim:
        # what did the 2001 report say", not where neither wrote one)
        documents = [m for m in named if _AS_DOCUMENT.match(part[m[0] + len(m[1]):])]
        others = frozenset().union(*(m[2] for m in named if m not in documents))  # what the other names hold
        paths = _shared(named) or (_shared(documents) & others) or inherited or scope
        # "Jassy's first letter": the earliest of his; "his final letter": the last of all (as named, or not)
        among = paths or (frozenset() if named else sources.paths)  # names that share no document: none
        paths = _ordinal(part, _described(part, named, among, sources), sources.refs) or paths
        own = "" if _stance_only(part, sources) else topic(part, sources)  # "… and how does Jassy's view compare?"
        if own and topic(about := _SAID_ABOUT.sub("", own), sources):  # "what Bezos wrote about Prime": Prime
            own = about
        if i > 0 and (back := _COMPARES_BACK.match(part)):
            # "…; how does this stack up against Bo's portrait of the weavers?" asks its own topic; "…; how does
            # this stack up in 2001?", "… against what Bo said about it" (read as asked: "it" is the first part's
            # thing) and "… against her estimate of the total" ask the first part's question
            rest = re.sub(r"^\W*(?:with|to|against|from)\s+", "", topic(part[back.end():], sources))
            asked_back = _COMPARES_BACK.match(asked_part)
            of = asked_back and _OF_TOPIC.match(asked_part, asked_back.end())
            cut = _OF_TOPIC.match(rest)  # its object, names and years cut
            own = rest if of and cut and not set(tokenize(cut.group("object"))) <= _MEASURE_STEMS else ""
        elif i > 0 and own and ((words := set(tokenize(own)) - _GIVING) <= _MEASURE_STEMS | _WHEN_STEMS | _HOW_MANY
                                | (_ANSWER_STEMS if _WHY_OR_HOW.search(other) else frozenset())
                                or (words & _MEASURE_STEMS and words <= set(tokenize(other)))):
            own = ""  # "… set against the figure in 2001", "… with the 2015 letter a decade later", "… with the
            # number sold in 2001" (the first part's measure and words; not "the share sold"), "… and how many in
            # 1890?", "… and what figure did Bo give?", "… and what reason does Bo give?" after a why or how: the
            # first part's question, asked of this part's source
        elif (i > 0 and own and not referred and _ENDS_ON_WHAT.search(own) and _MEASURES.search(other)
              and (asked := topic(other, sources))):
            own = f"{own.rstrip(' ?.!')}: {asked}"  # "How much of the rent …, versus what Bo says the mill pays
            # for?": pays for what the first part measures (one that refers back, "what its version boils down
            # to", has its topic; "… say about wages, and what is the mill known for?" asks its own question)
        elif (i > 0 and own and (pointed or (_ELIDED_MEASURE.match(part) and _MEASURES.search(other))
                                 or (not referred and (_THING_LEFT.search(part) or (
                                     _DEFINITE.search(part) and not _mentions(part, sources)))
                                     and len(set(tokenize(own))) <= _ELLIPTICAL_TERMS)
                                 or (_WHAT_HAPPENED.match(part) and set(tokenize(own)) <= _EVENT_WORDS))
              and (asked := topic(other, sources))):
            own, leans = f"{asked.rstrip(' ?.!')}; {own}", True  # "…, and what share does Jassy say is still
            # offline?", "…, and how low had that threshold gone?", "…, and what did Bo do to its rivals?": what
            # the first part asks about, with what this part asks of it (a part that names no source too: "…, and
            # how many could the new one hold?")
        query = own or topic(other, sources) or part
        if (m := _VIEW_OF.match(query)) and _OWNED_VIEW.search(part if own else other):
            query = m.group("topic")  # "How does the 1997 letter's view of X" asks X of each letter; "the attitude
            # of employees in 1999" keeps its head
        if (not named and _name_only(part) and not _SAYS_ABOUT.search(part)
                and not (_IDENTITY.match(part) and not _ELIDED_HEAD.search(part))):  # "… differ from Bezos's?":
            # the person on the topic; "What was Cosmo" asks its own question, "… and what was Bezos's?" not
            asked = _bare(topic(other, sources) or other)  # "view of innovation"
            person = re.sub(rf"^(?:{'|'.join(_WH)})\s+", "", part.rstrip(" ?.!"), flags=re.I)  # "what Bezos wrote"
            while (last := re.search(r"\s+(\w+)$", person)) and set(tokenize(last.group(1))) <= _STANCE:
                person = person[:last.start()]  # "Bezos's own view" asks "Bezos's view of innovation"
            query = f"{person} {asked}"
        if paths:
            spelled = part[named[0][0]:named[0][0] + len(named[0][1])] if len(named) == 1 else _part_label(part)
            label = _label(spelled, paths, sources.refs)
            side = Side(label=label, paths=tuple(sorted(paths)), query=query)
        else:
            label = re.sub(r"(’s|'s)$", "", _part_label(part))
            side = Side(label=label, paths=(), query=query if _name_only(part) or leans else part)
        if any(side.label == s.label for s in sides):
            side = replace(side, label=f"{side.label}: {_part_label(part)}")
        sides.append(side)
    return sides


# A part that only names a source's view of a topic, its verb gone with the pivot ("How does the 1997 letter's
# view of long-term thinking compare with …"): the topic is what each source is searched for.
_STANCE_NOUNS = ("view|opinion|position|stance|account|description|explanation|definition|perspective|approach|take|"
                 "treatment|attitude")
_VIEW_OF = re.compile(r"^\W*(?:(?:how|what)\s+)?(?:(?:does|do|did|is|was|are|were)\s+)?(?:the\s+)?"
                      rf"(?:{_STANCE_NOUNS})s?\s+(?:of|on|to|toward|towards|about)\s+(?P<topic>.*\w)\W*$", re.I)
_STANCE_NOUN_SET = frozenset(_STANCE_NOUNS.split("|"))
_OWNED_VIEW = re.compile(rf"(?:'s|’s)\s+(?:{_STANCE_NOUNS})s?\b", re.I)  # "the 1997 letter's view"
# What a part may leave of its topic once its source is cut: a measure of the other part's thing ("the figure").
_MEASURE_NOUNS = {"figure", "figures", "number", "numbers", "share", "amount", "total", "rate", "level", "count",
                  "percentage", "value", "sum", "tally", "tallies", "proportion", "proportions", "quantity",
                  "quantities", "one", "ones"}
_MEASURE_STEMS = frozenset(tokenize(" ".join(_MEASURE_NOUNS)))  # as a question's terms are compared ("tallie")
# Verbs that only say a figure was stated ("what figure did Jassy give?"), as a reporting verb says a view was; not
# those that are nouns too ("the state", "a quote")
_GIVING = frozenset(tokenize("give gives gave given cite cites cited quoted stated"))
# What a part may leave once its source is cut that only names the kind of answer it wants ("what reason does Bo
# give?"): the other part's question, as a measure is, where that asks why or how (not "When did Ann close the mill,
# and what reason does Bo give?").
_WHY_OR_HOW = re.compile(r"\b(?:why|how)\b(?!\s+(?:many|much|long|often|far|old|big|soon|early|late)\b)", re.I)
_ANSWER_STEMS = frozenset(tokenize(f"{_STANCE_NOUNS.replace('|', ' ')} reason rationale motive justification answer"))
_HOW_MANY = frozenset(tokenize("many much"))  # "…, and how many by Jassy's first letter?": the first part's count
# A later part that says little (this many content words or fewer once names are cut) and still holds a pronoun
# for a thing that nothing in it stood in for ("what did Amazon do to its rivals?", "… that it's only a power
# play"): the thing is what the first part asks about, searched with it. Measured on every visible set: +4 questions,
# none lost. With the pronoun alone: +4 -4; on the number of words alone (at most 2, 3, 4, any): +2, +7 -2, +7 -4,
# -4 in all, but then two views or a part with a question of its own ("…, and what would drones change?") lean too.
_THING_LEFT = re.compile(r"\b(?:it|its|they|their|them)\b")  # in lower case: "IT" is no pronoun
_ELLIPTICAL_TERMS = 3
# A part that only asks what happened ("…, and what had happened by the 2023 letter?", "… and what changed in
# 2001?"): its source or time is all it names, and what it asks about is the first part's thing (not "… and what
# would Bo change?", where "what" is what Bo would change)
_WHAT_HAPPENED = re.compile(r"^\W*what\s+(?:(?:has|had|have)\s+)?(?:happened|changed|occurred)\b", re.I)
_EVENT_WORDS = frozenset(tokenize("happened changed occurred next since"))  # "then" is a stop word already
# "…, and what was the benefit?", "…, and how big was the catalog?": a question that only asks what a thing named
# "the …" is, the benefit of what the first part asks about (not "… and where did the crews carry the looms?", nor a
# view stated as a part: "…; another says the ferns were weak")
_DEFINITE = re.compile(rf"^\W*(?i:{'|'.join(sorted(_WH - {'who', 'whom', 'whose'}))})(?:\s+[a-z]+)?"
                       r"\s+(?i:is|was|are|were)\s+(?i:the)\s+[a-z]+(?:\s+[a-z]+)?\W*$")
# A part that points back at the other's thing by calling it the same ("the same idea"; not "the same way").
_SAME = re.compile(r"\bthe\s+same\s+([a-z]+)", re.I)
_NOT_SAME = STOPWORDS | _TIME_NOUNS | {"way", "manner", "extent", "degree", "kind", "sort"}  # idioms, not a thing
# "that"/"this" and a two-word noun phrase that ends its clause, an adverb may close it ("tell that origin story
# differently?"), with the two words before it: not a conjunction after a verb that takes a clause ("argue that
# prices rose?") or a noun it says ("the claim that …"), nor a relative ("the loom that Kestrel bought?"), nor a time
# ("this past summer").
_POINTED_PHRASE = re.compile(r"(?:([\w’'-]+)\s+)?([\w’'-]+)\s+(?:that|this)\s+([a-z][\w-]*\s+[a-z][\w-]*)"
                             r"(?:\s+[a-z]+ly)?\s*(?:[?.!,;]|$)", re.I)
_SEASONS = {"spring", "summer", "autumn", "fall", "winter", "past", "last", "next", "coming"}
# A part whose own words only say when, counted from the other part ("compared with the 2015 letter a decade later").
_WHEN_STEMS = frozenset(tokenize(" ".join(_TIME_NOUNS | _TIME_WORDS | set(_NUMBER_WORDS)
                                          | {"decades", "afterwards", "following", "subsequently", "eventually"})))
# A part that asks what something is done to, its object left for the other part ("what the mill now pays for?").
_ENDS_ON_WHAT = re.compile(rf"^\W*what\b.*\s(?:{'|'.join(sorted(_PREPOSITIONS))})\W*$", re.I)
# A part that sets its source against the answer of the part before ("how does this stack up against …").
_COMPARES_BACK = re.compile(r"^\W*(?:and\s+)?how\s+(?:does|do|did|would|will)\s+(?:that|this|it|these|those|they)\s+"
                            r"(?:compare|differ|stack\s+up|measure\s+up)\b", re.I)
# What a part that compares back sets its source's view against: "… with her portrait of the mill".
_OF_TOPIC = re.compile(r"(?!\W*(?:with|to|against|from)\s+what\b).*?\b(?:of|about|on|regarding|toward|towards)\s+"
                       r"(?!(?:it|this|that|these|those|them)\b)(?P<object>\w[^?.!,;]*)", re.I)
# A part asking for a measure without naming what is measured ("and how many did the 2018 letter say?", "what
# figure does Jassy cite?"): a verb follows where the thing would be.
_MEASURE_HEADS = "|".join(sorted(_MEASURE_NOUNS - {"one", "ones", "figures", "numbers"}))  # "what figure"
_ASKS_MEASURE = rf"how\s+(?:many|much)|(?:what|which)\s+(?:{_MEASURE_HEADS})"
_ELIDED_MEASURE = re.compile(rf"^\W*(?:and\s+)?(?:{_ASKS_MEASURE})\s+(?:does|do|did|is|was|are|were|has|have|had|will|"
                             r"would|can|could)\b", re.I)
_MEASURES = re.compile(rf"\b(?:{_ASKS_MEASURE})\b", re.I)  # a part that asks for a measure
_SUBORDINATOR = re.compile(r"\b(?:when|whenever|if|because|once|unless|after|before|while|as)\s+", re.I)


_BEFORE_YEAR_NOUN = re.compile(r"(?:(\w+)\s+)?\b(?:with|for|than|from|to|over|against|versus|vs\.?)\s+$", re.I)


def _set_against(before: str) -> bool:
    """Whether a relative year after `before` is what something is set against or planned for ("… versus the prior
    year", "… planned for the next year"), not when a document is from ("the letter from the year before").

    >>> _set_against("How did sales compare with "), _set_against("What did the letter from "), _set_against("Versus ")
    (True, False, True)
    """
    m = _BEFORE_YEAR_NOUN.search(before)
    return bool(m) and _singular(m.group(1) or "") not in _DOC_NOUNS


def _shift_year(text: str, year: int) -> str:
    """`text` with its relative year ("a year later", "the previous year") written as the year it is from
    `year`; unchanged without one.

    >>> _shift_year("How did it change two years later?", 1998), _shift_year("And the year before?", 2005)
    ('How did it change in 2000?', 'And in 2004?')

    A year that owns something, or follows a preposition, is written as the year alone:
    >>> _shift_year("What was the price by the following year's report?", 2001)
    'What was the price by the 2002 report?'
    >>> _shift_year("What did that year's report say?", 2001)
    'What did the 2001 report say?'
    """
    if not (m := _RELATIVE_YEAR.search(text)):
        return text
    n = 0 if m.group("same") else _NUMBER_WORDS.get((m.group("n") or "a").lower()) or int(m.group("n"))
    back = (m.group("dir") or m.group("dir2") or m.group("dir3") or "").lower() in {"earlier", "before", "previous",
                                                                                     "prior"}
    shifted, rest = year + (-n if back else n), text[m.end():]
    if owner := _OWNER.match(rest):  # "the following year's report": the 2002 report
        return f"{text[:m.start()]}the {shifted}{rest[owner.end():]}"
    before = text[:m.start()].split()
    head = "" if before and before[-1].lower() in _PREPOSITIONS else "in "
    return f"{text[:m.start()]}{head}{shifted}{rest}"


def _inherited(named_in: str, part: str, sources: Sources) -> frozenset[str]:
    """The documents every source `named_in` the other part (or in its fronted phrase) shares, for a `part` that names
    none: less the years named when the part moves in time ("…, and what did she say about it later?")."""
    shift = _TIME_SHIFT.search(part)
    return _shared([m for m in _mentions(named_in, sources) if not (shift and _YEAR.search(m[1]))])


def _bound_in_part(part: str, start: int) -> bool:
    """Whether the pronoun at `start` is the object of a clause that hangs on the part's own subject
    ("how customer obsession comes off when others adopt it": "it" is customer obsession), so it needs
    nothing from the other part. Not the subject of that clause ("how did buyers react when it opened").

    >>> _bound_in_part("how the plan looks when rivals adopt it", 36), _bound_in_part("how buyers reacted when it opened", 24)
    (True, False)
    >>> _bound_in_part("how did Bo Sim react when the council passed it", 45)
    False
    """
    sub = [m for m in _SUBORDINATOR.finditer(part, 0, start)]
    own = [w for w in _WORDS.findall(part[:sub[-1].start()]) if w.islower() and w not in STOPWORDS
           and w not in QUESTION_FRAME] if sub else []
    if len(own) < 2:  # a subject of its own: two lower-case content words at least ("customer obsession comes")
        return False
    between = part[sub[-1].end():start].split()
    return bool(between) and between[-1].lower() not in _AUX | _WH


def _bare(question: str) -> str:
    """A question's words without its head (wh-word and auxiliary, or a yes/no question's auxiliary) and a
    leading article: what it asks about, to be asked of a person.

    >>> _bare("How does the view of ferns"), _bare("Is the account of ferns"), _bare("In what ways does the view of ferns")
    ('view of ferns', 'account of ferns', 'view of ferns')
    """
    question = _WH_PHRASE.sub("", question.strip())  # "In what ways does …", "To what extent is …"
    return _ARTICLE.sub("", _YES_NO_HEAD.sub("", _QUESTION_HEAD.sub("", question)))


_PLURAL_WORD = re.compile(r"(?<![sui])s$")  # a plural in lower case ("rivals", not "crisis", "bus", "status")


# What opens a noun phrase that "them" may stand for: an article of definite things, an owner or a count (not
# "that", which may open a clause: "Did Ann say that weavers were paid?")
_COUNTING = {"many"}  # "How many goals …": a count opens the phrase, and is not part of it
_PHRASE_OPENERS = {"the", "these", "those"} | _PHRASE_OWNERS | _COUNTING
_PHRASE_MODIFIERS = {"own", "other"}  # stop words a plural's phrase may hold ("its own weavers")


def _plural_phrase(text: str) -> str:
    """The last noun phrase of `text` that an article, an owner or "many" opens and a plural in lower case ends,
    within three words ("for its AWS customers"; "how many new looms", less its "many"): what "them" most likely
    stands for where the question's name is one thing ("What did Kestrel do for its mill workers?" then "Why help
    them?"); '' if none. An owner's word ("the company's weavers"), a decade ("the 1930s") or a plural that is no
    thing ("how many times") ends no phrase.

    >>> _plural_phrase("What did Kestrel do for its mill workers in the strike?"), _plural_phrase("Why did Ann sell?")
    ('its mill workers', '')
    >>> _plural_phrase("How did the looms of the mill change?"), _plural_phrase("What did the crisis cost the mill?")
    ('the looms', '')
    >>> _plural_phrase("What did the company's weavers want?"), _plural_phrase("Did Ann say that weavers were paid?")
    ("the company's weavers", '')
    >>> _plural_phrase("What did Kestrel do in the 1930s?"), _plural_phrase("How did Kestrel pay its own weavers?")
    ('', 'its own weavers')
    >>> _plural_phrase("How many new looms did Kestrel buy?"), _plural_phrase("How many times did Kestrel sell looms?")
    ('new looms', '')
    """
    words = re.findall(r"[\w’'-]+", text)
    found = ""
    for i, w in enumerate(words):
        if w.lower() not in _PHRASE_OPENERS:
            continue
        for j in range(i + 1, min(i + 4, len(words))):
            word = words[j]
            if word.lower() in (STOPWORDS - _PHRASE_MODIFIERS) | _AUX | _REPORTING:
                break
            if (re.fullmatch(r"[a-z]+(?:-[a-z]+)*", word) and len(word) > 3 and _PLURAL_WORD.search(word)
                    and not _OWNER.search(word) and word not in _NOT_PLURAL):
                found = " ".join(words[i + (w.lower() in _COUNTING):j + 1])  # "how many goals": the goals
                break
    return found


def _plural_noun(text: str) -> str:
    """The plural noun that ends `text`, its verb's object: what "them" in the next part most likely stands for
    ("How does Ann say mills should treat rivals, and how did Bo treat them?"); '' when it ends on none.

    >>> _plural_noun("How does Ann say mills should treat rivals"), _plural_noun("What does Ann say about Bo")
    ('rivals', '')
    >>> _plural_noun("What did Ann say of the crisis"), _plural_noun("What does Ann say the mill does")
    ('', '')
    """
    words = re.findall(r"[\w’'-]+", text)
    last = words[-1] if words else ""
    return last if (last.islower() and len(last) > 3 and _PLURAL_WORD.search(last)
                    and last not in STOPWORDS | _AUX | _REPORTING) else ""


def _plural_subject(text: str) -> str:
    """The subject of a question that follows its auxiliary, when it is a plural noun phrase (a determiner or an
    owner, then words in lower case up to the plural): what "they" in the next part most likely stands for ("What
    did the mill's new looms cost, and how fast were they?"); '' otherwise.

    >>> _plural_subject("What did the mill's new looms cost")
    "the mill's new looms"
    >>> _plural_subject("What should Kestrel's customer terminals cost")
    "Kestrel's customer terminals"
    >>> _plural_subject("What did Ann say about looms"), _plural_subject("How many looms does the mill run")
    ('', '')
    >>> _plural_subject("What will Kestrel charge customers"), _plural_subject("What is the plan that needs it")
    ('', '')
    >>> _plural_subject("What was the crisis at Kestrel")
    ''
    """
    head = re.match(rf"\s*(?:{'|'.join(_WH)})\s+(?:{'|'.join(_AUX)})\s+", text, re.I)
    words = re.findall(r"[\w’'-]+", text[head.end():]) if head else []
    for i, word in enumerate(words[:4]):
        if _OWNER.search(word) or (i == 0 and word.lower() in _DETERMINERS):
            continue  # "Kestrel's", "the"
        if not word.islower() or word in STOPWORDS | _AUX | _REPORTING:
            return ""  # a name that acts ("Kestrel charge customers"), a verb or a word that ends the phrase
        if len(word) > 3 and _PLURAL_WORD.search(word):
            return " ".join(words[:i + 1])
    return ""


def _parallel_subject(after: str, other: str) -> str:
    """The subject of `other` when a pronoun's verb (the start of `after`) is `other`'s verb: "How many
    services did AWS offer …, and how many does it offer now?" ('' otherwise: "What did Amazon launch,
    and why did it fail?" is about the launch).

    >>> _parallel_subject(" offers now?", "How many services did AWS offer in 2006"), _parallel_subject(" fail?", "What did Amazon launch")
    ('AWS', '')
    """
    verb = re.match(r"\s+([a-z]+)", after)
    if not verb:
        return ""
    stem = re.sub(r"(?:es|s|ed)$", "", verb.group(1)) if len(verb.group(1)) > 4 else verb.group(1)
    m = re.search(rf"\b(?:{'|'.join(_AUX)})\s+((?:[A-Z][\w-]*\s+)+){re.escape(stem)}\w*\b", other)
    return m.group(1).strip() if m else ""


# "expect the new loom to cost": the thing after a verb that wants or expects it to take a measure (not "want the
# board to approve", where what is approved is the thing)
_RAISED_OBJECT = re.compile(r"\b(?:expects?|expected|wants?|wanted|needs?|needed)\s+"
                            r"(?P<thing>(?i:the|its|their|his|her|a|an)\s+[^,;?]+?)\s+to\s+"
                            r"(?:cost|weigh|last|take|reach|earn|be|run|hold|grow|sell)\b")


def _raised_object(other: str) -> str:
    """The singular thing `other` says is expected or wanted to take a measure (to cost, weigh, last …): "it" in a
    later part most likely stands for that ("What does Ann expect the new loom to cost, and how big is it?"), not for
    the one who expects ('' when there is none, when it is plural, or when the verb acts on something else: "What did
    Ann want the board to approve, and how much will it cost?" is about what was approved).

    >>> _raised_object("What does Ann expect the new loom for the mill to cost")
    'the new loom for the mill'
    >>> _raised_object("Why did Ann want her weavers to be back"), _raised_object("What did Ann want Bo to approve")
    ('', '')
    """
    m = _RAISED_OBJECT.search(other)
    return m.group("thing") if m and not _PLURAL.search(m.group("thing")) else ""


_QUALIFIER_BEFORE = "|".join(sorted(_WH | _DETERMINERS))  # words before a name that qualifies a noun


def _qualifies(text: str, name: str) -> bool:
    """Whether `name` stands between a determiner (or an owner's "'s") and a word in lower case: it qualifies the
    noun after it ("what Japanese term", "a company's Day One energy"), as no person does.

    >>> _qualifies("what Japanese term does Ann use?", "Japanese"), _qualifies("a mill's Harvest Fair spirit", "Harvest Fair")
    (True, True)
    >>> _qualifies("What did Ann write to Bo in 1890?", "Bo"), _qualifies("Why did Ann say Bo left?", "Bo")
    (False, False)
    """
    return bool(re.search(rf"(?:\b(?i:{_QUALIFIER_BEFORE})|\w[’']s)\s+{re.escape(name)}\s+[a-z]", text))


_NUMBERED = re.compile(rf"\d|\b(?i:{'|'.join(w for w in _NUMBER_WORDS if w != 'a')})\b")  # "Day 2", "Day One": no one


def _refer(text: str, sources: Sources, person: bool) -> str:
    """What a pronoun after `text` refers to: a person's name, or a thing (`_thing`).

    >>> _refer("In her last report as CEO, how many looms did Ann Lee sell?", Sources([]), person=True)
    'Ann Lee'
    """
    if not person:
        return _thing(text, sources)
    # A name that qualifies the noun after it comes last ("what Japanese term does Bezos use": Bezos)
    spans = sorted(_proper_spans(text), key=lambda p: _qualifies(text, p))
    # a word in capitals is a title or a thing ("his final letter as CEO", "AWS"), no person's name
    return next((p for p in spans if any(w in sources.people for w in _WORDS.findall(p.lower()))
                 or not sources.common(p) and not _NUMBERED.search(p) and not _ACRONYM.fullmatch(p)), "")


def _shared(mentions: list[tuple[int, str, frozenset[str]]]) -> frozenset[str]:
    """The documents every mention names ("Jassy's 2021 letter": the 2021 letter); none if they share none."""
    if not mentions:
        return frozenset()
    return frozenset.intersection(*(paths for _, _, paths in mentions))


def _part_label(part: str) -> str:
    """A part as a side's heading: without its leading question words ("How does Bezos's view of prices"
    is headed "Bezos's view of prices").

    >>> _part_label("how does Bezos's view of prices")
    "Bezos's view of prices"

    After "do", a verb follows the subject unless the part is only a view ("what does Ann say about
    frost"): such a part stays a question, as "Ann say about frost" would not read.
    >>> _part_label("what does Ann say about frost"), _part_label("how do Ann's words")
    ('What does Ann say about frost?', "Ann's words")
    """
    label = " ".join(part.split()).rstrip("?.!,; ")
    head = _QUESTION_HEAD.match(label)
    if head and head.group(0).split()[1].lower() in {"do", "does", "did"} and not _VIEW_NOUN.search(label):
        label += "?"
    else:
        label = _QUESTION_HEAD.sub("", label)
    if len(label) > _LABEL_MAX:
        label = label[:_LABEL_MAX].rsplit(" ", 1)[0] + "…"
    return label[:1].upper() + label[1:]


# --- named sources ---------------------------------------------------------------------------
def named_sides(question: str, sources: Sources,
                mentions: list[tuple[int, str, frozenset[str]]] | None = None) -> list[Side]:
    """Sources named in the question, grouped by the name used, in order of first mention; each
    side's query is the question without the names (a side searches only its own documents, so a
    name there adds nothing but a free match).

    A name shared by every document (the one author of all the letters) names no side; a name followed by
    "'s first/last … letter" names only that one of its documents (`_ordinal`).
    `mentions`: the question's `_mentions`, when the caller has them already.
    """
    mentions = _mentions(question, sources) if mentions is None else mentions
    bare = _without(question, [(pos, pos + len(name)) for pos, name, _ in mentions])
    sides = []
    for pos, name, paths in mentions:
        if nth := _OWNED_ORDINAL.match(question, pos + len(name)):  # "Jassy's first letter": the earliest of his
            paths = _ordinal(nth.group(0), paths, sources.refs) or paths
        sides.append(Side(label=_label(question[pos:pos + len(name)], paths, sources.refs),
                          paths=tuple(sorted(paths)), query=bare))
    return sides


def _mentions(question: str, sources: Sources) -> list[tuple[int, str, frozenset[str]]]:
    """(position, name, paths) of the sources a question names, in order of mention."""
    lowered = question.lower().translate(_PLAIN)
    found: dict[str, tuple[int, set[str]]] = {}
    for name, path in sources.candidates(sorted(set(_WORDS.findall(lowered)))):
        pos = _find(lowered, name)
        if pos >= 0 and name in sources.short_titles and not _cased_as(question[pos:pos + len(name)].translate(_PLAIN),
                                                                       sources.short_titles[name]):
            continue
        if pos >= 0 and _TARGET_YEAR.search(lowered[:pos]) and _YEAR.fullmatch(name) and not _AS_DOCUMENT.match(
                question[pos + len(name):]):
            continue  # "the goals Amazon set for 2010": a time aimed at, told before it, not the 2010 document
        if pos >= 0:
            first, paths = found.get(name, (pos, set()))
            found[name] = (min(first, pos), paths | {path})
    everything = sources.paths
    # The longest name wins where names overlap ("critical essay" over "essay"), and two names
    # for the same documents ("Jassy", "Andy Jassy") make one side.
    mentions: list[tuple[int, str, frozenset[str]]] = []
    taken: list[tuple[int, int]] = []
    for name, (pos, paths) in sorted(found.items(), key=lambda kv: (-len(kv[0]), kv[0])):
        span = (pos, pos + len(name))
        if paths == everything or any(a < span[1] and span[0] < b for a, b in taken):
            continue
        if not sources.deliberate(name, frozenset(paths)):
            continue
        if any(p == frozenset(paths) for _, _, p in mentions):
            continue
        taken.append(span)
        mentions.append((pos, name, frozenset(paths)))
    for m in _DESCRIBED.finditer(question):  # "the gardening blog post": a document described, not named
        span = (m.start(), m.end())
        paths = sources.described([t for t in tokenize(m.group("words")) if t not in QUESTION_FRAME])
        if (paths and paths != everything and not any(a < span[1] and span[0] < b for a, b in taken)
                and not any(p == paths for _, _, p in mentions)):
            taken.append(span)
            mentions.append((m.start(), question[m.start():m.end()].lower(), paths))
    return sorted(mentions)


def _name_spans(text: str, sources: Sources) -> list[tuple[int, int]]:
    return [(pos, pos + len(name)) for pos, name, _ in _mentions(text, sources)]


def _titles(paths: frozenset[str], refs: Sequence[SourceRef]) -> list[str]:
    return sorted({r.title for r in refs if r.path in paths})


def _without(text: str, spans: list[tuple[int, int]]) -> str:
    """`text` with the given spans (and a possessive after them, and an article before) cut out.

    The query stays a sentence: a name that owned what follows leaves "the" ("Jassy's view of X" ->
    "the view of X"), and one that was the subject after an auxiliary leaves "it" ("how does the reviewer
    rate X" -> "how does it rate X").

    >>> _without("What does the 2019 report's summary say?", [(14, 18)])
    'What does the summary say?'
    >>> _without("How does the gardening blog describe frost?", [(13, 27)])
    'How does it describe frost?'
    >>> _without("How do Ann and the gardening blog describe frost?", [(7, 10), (19, 33)])
    'How do they describe frost?'

    A name that owned the next name is cut with it, and a phrase left without its object goes:
    >>> _without("What does Ann's 2019 report say of frost?", [(10, 13), (16, 20)])
    'What does it say of frost?'
    >>> _without("According to the gardening blog, when does frost come?", [(17, 31)])
    'when does frost come?'
    >>> _without("How does Ann, as quoted in the gardening blog, see frost?", [(31, 45)])
    'How does Ann see frost?'
    >>> _without("Was the frost as described in the gardening blog?", [(34, 48)])
    'Was the frost as described?'
    >>> _without("Who, according to a reader commenting on the gardening blog, grows ferns?", [(45, 59)])
    'Who, according to a reader, grows ferns?'
    >>> _without("How did frost change in 2004?", [(24, 28)])
    'How did frost change?'
    >>> _without("In 2004 Ann says frost came early", [(3, 7), (8, 11)])
    'frost came early'
    >>> _without("How did frost change between 2004 and 2014?", [(29, 33), (38, 42)])
    'How did frost change?'
    >>> _without("Why did Ann say in 2004 that frost came early?", [(19, 23)])
    'Why did Ann say that frost came early?'
    >>> _without("How many frosts did Ann report in 2004?", [(20, 23), (34, 38)])
    'How many frosts did it report?'
    >>> _without("What do the gardening blogs say of frost?", [(12, 26)])  # a name written as a plural goes whole
    'What do they say of frost?'
    >>> _without("What did Ann say in her 2004 report about frost?", [(24, 28)])
    'What did Ann say about frost?'
    >>> _without("What did Ann count in the 2004 season?", [(26, 30)]), _without("Do the blogs' tips agree?", [(7, 11)])
    ('What did Ann count in season?', 'Do the tips agree?')

    A cut subject of a verb that reports a clause leaves the clause (the evidence will not say "it
    says"), and a person named by their work goes with the work's name:
    >>> _without("Why does the gardening blog say frost came early?", [(13, 27)])
    'Why frost came early?'
    >>> _without("What did the gardening blog's author say about frost?", [(13, 27)])
    'What did it say about frost?'
    >>> _without("Who, in the gardening blog's view, grows ferns?", [(12, 26)])
    'Who grows ferns?'
    >>> _without("How busy was the mill, by Ann's own account?", [(26, 29)])
    'How busy was the mill?'
    >>> _without("What errors are in the gardening blog's account?", [(23, 37)])
    'What errors are in the account?'
    >>> _without("What degree does the author of the gardening blog hold?", [(35, 49)])
    'What degree does it hold?'
    >>> _without("What do the hosts of the gardening blog grow?", [(25, 39)])
    'What do they grow?'
    >>> _without("Who is the author of the gardening blog?", [(25, 39)])
    'Who is the author?'

    A name that reports or recalls inside a clause goes with its verb, an aside with its commas:
    >>> _without("What became of the mill that Ann says closed early?", [(29, 32)])
    'What became of the mill that closed early?'
    >>> _without("Why did the mill close, as Ann recalls it?", [(27, 30)]), _without("Who, according to Ann, grows ferns?", [(18, 21)])
    ('Why did the mill close?', 'Who grows ferns?')
    >>> _without("How did the mill begin as Ann quotes it?", [(26, 29)])
    'How did the mill begin?'
    >>> _without("According to the interview with Ann, when does frost come?", [(32, 35)])
    'when does frost come?'
    >>> _without("What became of the mill that Ann described in 1990?", [(29, 32), (46, 50)])
    'What became of the mill?'
    >>> _without("Why was the mill, which Ann mentioned in 1990, so busy?", [(24, 27), (41, 45)])
    'Why was the mill so busy?'

    An aside left with no source, or a phrase with no object, goes:
    >>> _without("Why did frost come, according to Ann, and according to the gardening blog?", [(33, 36), (59, 73)])
    'Why did frost come?'
    >>> _without("Why did frost come, according to Ann and the gardening blog?", [(33, 36), (45, 59)])
    'Why did frost come?'
    >>> _without("Bo, in the 1990 report quoted by the blog, says frost came early.", [(11, 22), (37, 41)])
    'Bo says frost came early.'
    >>> _without("According to the 1990 report quoted in a book, when does frost come?", [(17, 28)])
    'when does frost come?'
    >>> _without("In a footnote to the 1990 report, what did Bo add?", [(21, 32)])
    'In a footnote, what did Bo add?'

    Two subjects of a clause that reports go with its verb, as one does ("the mill that Ann says closed"):
    >>> _without("What are the rules Ann (1990) and Bo (2001) say Cy follows?", [(19, 22), (24, 28), (34, 36), (38, 42)])
    'What are the rules Cy follows?'
    """
    if not spans:
        return " ".join(text.split())
    spans = _with_reporting_pair(text, spans)
    # A name in quotation marks goes with its marks (`_unquoted`).
    spans = [_unquoted(text, a, b) for a, b in spans]
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):  # "Ann's 2019 report": one name, as cut
        if merged and (_JOINED.fullmatch(text, merged[-1][1], start)
                       or (_ATTRIBUTED_PAIR.fullmatch(text, merged[-1][1], start)
                           and _BEFORE_NAME.search(text[:merged[-1][0]]))):
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    for start, end in reversed(merged):
        year = bool(_YEAR.fullmatch(text[start:end]))
        plural = text[end - 1:end].isalpha() and bool(re.match(r"s\b", text[end:]))  # "the gardening blogs"
        end += plural
        owner = _OWNER.match(text, end) or (_PLURAL_OWNER.match(text, end) if plural else None)  # "the blogs' authors"
        end += len(owner.group(0)) if owner else 0
        if (owner and (nth := _OWNED_ORDINAL.match(text, owner.start()))
                and ((role := _AS_ROLE.match(text, nth.end())) or not re.match(r"\s+as\b", text[nth.end():]))):
            end = role.end() if role else nth.end()  # "Ann's first report as CEO": the document she wrote
            owner = _OWNER.match(text, end)
        noun = _DOC_NOUN_AFTER.match(text[end:])  # "the 2001 letter", "the 2001 letter's"
        if noun and not owner and _AFTER_AUX.search(text[:start]) and not re.match(
                rf"\s+(?!(?:{'|'.join(_PREPOSITIONS | {'that', 'the', 'a', 'an'})})\b)[a-z]", text[end + noun.end():]):
            noun = None  # "did Bezos report in 1997": the noun is the subject's verb ("does the Gazette report say" not)
        if noun:
            end += len(noun.group(0))
            owner = _OWNER.match(text, end)
            end += len(owner.group(0)) if owner else 0
        year_document = year and bool(noun) and not owner  # "in her 2004 report about frost": the phrase goes whole
        if (owner and (view := _IN_VIEW.match(text, end)) and (pre := _IN_BEFORE.search(text[:start]))
                and re.search(r"(?:^|,)\s*$", text[:pre.start()])):  # an aside: "Who, in the critic's view, pays …"
            start, end, owner = pre.start(), view.end(), None
            if text[:start].rstrip().endswith(",") and (comma := re.match(r"\s*(?:,|(?=[.?!]|$))", text[end:])):
                start, end = text[:start].rstrip().rindex(","), end + comma.end()
        # "the 2001 letter" goes with its article, "his 2018 letter" with its owner ("… when Bezos wrote his 2018
        # letter?": "when" is left, and goes as `_DANGLING_WHEN` says)
        before = r"\b(?:the|his|her|their|its)\s+$" if noun else r"\bthe\s+$"
        start -= len(article.group(0)) if (article := re.search(before, text[:start], re.I)) else 0
        if (role := _ROLE_OF.search(text[:start])) and not _ASKS_ROLE.search(text[:role.start()]):
            # "the author of the blog": one name ("the authors of": a plural one)
            start, plural = role.start(), plural or bool(role.group("many"))
        # "According to the blog, …", "say in 2006 that …": the phrase goes with its name, as "commenting on" does
        # after the reader it describes ("a reader commenting under the blog say …"; not "Was Ann writing in …")
        if ((m := _BEFORE_NAME.search(text[:start])) and (re.match(r"\s*(?:[,.;:?!]|$)", text[end:])
                                                          or _YEAR.fullmatch(text[start:end]) or year_document
                                                          or (_YEAR.match(text[start:end])  # "In 2004 Ann says …"
                                                              and not text[:m.start()].strip())
                                                          or (
                m.group("participle") and re.search(r"\b(?:a|an|the|one|some)\s+[\w-]+\s+$", text[:m.start()])))):
            start = m.start()
            if m.group(0).startswith(",") and (comma := re.match(r"\s*,", text[end:])):
                end += comma.end()  # ", as quoted in the blog,": both commas go
        owned = owner and re.match(r"\s+[a-z]", text[end:])
        aux = _AFTER_AUX.search(text[:start])
        subject = (not owner and aux and re.match(r"\s+(?!(?:and|or)\b)[a-z]", text[end:]))  # not "do A and B each …"
        if subject and (clause := _REPORTS_CLAUSE.match(text, end)):  # "why does Ann say frost came early"
            text = text[:aux.start()] + " " + text[clause.end():]
            continue
        aside = re.search(r"(?:,\s*)?\bas\s+$", text[:start], re.I)
        if not owner and not aux and aside and (tells := _TELLS_AFTER.match(text, end)):
            start, end = aside.start(), tells.end()  # "…, as Ann puts it": the aside goes whole
        elif not owner and not aux and (says := _SAYS_AFTER.match(text, end)):
            relative = re.search(r"\b(?:that|which|who)\s+$", text[:start], re.I)
            if aside and (it := re.match(r"\s+(?:it|them|this|that)\b", text[says.end():], re.I)):
                start, end = aside.start(), says.end() + it.end()  # "…, as Ann wrote them": the aside goes whole
            elif relative and not _CLAUSE_AFTER.match(text, says.end()):
                start, end = relative.start(), says.end()  # "the mill that Ann described in 1990": the mill
            else:
                end = says.end()  # "the mill that Ann says closed": the mill that closed
        left = " the " if owned else (" they " if plural else " it ") if subject else ""
        text = text[:start] + left + text[end:]
        if not owned and not subject:
            text = _mend(text, start)
    text = re.sub(r"\(\W*\)", "", text)  # "(2010)" cut to "()"
    # Two subjects cut ("how do A and B each describe X", "do A (1990) and B (2001) say"): "how do they …".
    text = _AUX_AND.sub(r"\1 they ", text)
    text = _STRANDED.sub("", text).strip(" ,")
    text = _EMPTY_RANGE.sub("", text)  # "between 2004 and 2014" cut to "between and"
    text = _DANGLING_WHEN.sub("", text)  # "… fallen by the time Bezos wrote the 2000 letter?" cut to "… by the time?"
    text = re.sub(r",\s*,", " ", text)  # "Who, according to Ann, grows …" cut to "Who,, grows": both go
    text = re.sub(r"\s*,(?=\s*(?:[?.!;]|$))", "", text)  # "… early, according to the blog?" cut to "early,?"
    return re.sub(r"\s+(?=[?.!,;:])", "", " ".join(text.split()))


def _with_reporting_pair(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """`spans`, where two of them are the subjects of a clause that reports ("the rules Ann and Bo say Cy
    follows"), joined into one span with the verb: the clause stays ("the rules Cy follows"). Not after an
    auxiliary ("do Ann and Bo say": "do they say") nor a preposition ("the report by Ann and Bo notes": the verb
    is the question's own).

    >>> _with_reporting_pair("the rules Ann and Bo said Cy kept", [(10, 13), (18, 20)])
    [(10, 25)]
    >>> _with_reporting_pair("the report by Ann and Bo noted frost", [(14, 17), (22, 24)])
    [(14, 17), (22, 24)]
    >>> _with_reporting_pair("the report Ann and Bo noted frost", [(11, 14), (19, 21)])
    [(11, 27)]
    """
    masked = list(text)
    for start, end in spans:
        masked[start:end] = "\x00" * (end - start)
    for m in _REPORTING_PAIR.finditer("".join(masked)):
        before = text[:m.start()]
        if _AFTER_AUX.search(before) or re.search(rf"\b(?:{'|'.join(_PREPOSITIONS)})\s+$", before, re.I):
            continue
        spans = [(a, b) for a, b in spans if not m.start() <= a < m.end()] + [(m.start(), m.end())]
    return sorted(spans)


# What follows a writer's "first letter" to say in which role it was written: "as CEO", "as the new chair".
_AS_ROLE = re.compile(r"\s+as\s+(?:(?:(?:the|a|an)\s+)?(?:new\s+)?[A-Z][\w-]*\b|(?:the|a|an)\s+(?:new\s+)?[a-z]+"
                      r"(?=\s*(?:[,.;:?!)]|$)))")


def _mend(text: str, at: int) -> str:
    """`text` where a name was cut at `at`, without what the cut left dangling there: an aside left with its
    quoting verb only ("Bo, in [the 1990 report] quoted by the blog, says" -> "Bo says"; "According to [the
    report] quoted in a book, when …" -> "when …"), or a preposition left before a comma ("In a footnote to [the
    report], what …" -> "In a footnote, what …").

    >>> _mend("Bo, in quoted by the blog, says so.", 6), _mend("In a footnote to, what?", 16)
    ('Bo says so.', 'In a footnote, what?')
    """
    head, tail = text[:at], text[at:]
    if (pre := _ASIDE_HEAD.search(head)) and (post := _QUOTED_REST.match(tail)):
        return head[:pre.start()] + " " + tail[post.end():]
    if (prep := re.search(r"\s+(?:to|of|from|by|about|with)\s*$", head, re.I)) and re.match(r"\s*,", tail):
        return head[:prep.start()] + tail
    return text


# What an aside whose source was cut leaves: its preposition, then only a quoting verb and what it was quoted in.
_ASIDE_HEAD = re.compile(r"(?:^|,)\s*(?:according\s+to|in|from|by|to)\s*$", re.I)
_QUOTED_REST = re.compile(r"\s+(?:quoted|cited)\b[^,?]*(?:,|(?=\?))\s*", re.I)


@functools.lru_cache(maxsize=None)
def _name_keys(src: SourceRef, short: bool = True) -> tuple[tuple[str, str], ...]:
    """(lower-cased name, its first word) for each name of a source, with its title less its subtitle unless not
    `short` (`_short_title`); computed once per source."""
    keys = []
    for name in _names(src) + ([t] if short and (t := _short_title(src.title)) else []):
        lowered = name.lower().translate(_PLAIN)
        first = _WORDS.findall(lowered)
        if first:
            keys.append((lowered, first[0]))
    return tuple(keys)


def _names(src: SourceRef) -> list[str]:
    """A source's names: aliases, title, author (and last name), publisher, and the years its title
    or file name holds ("2001 Amazon Shareholder Letter", "2022.txt")."""
    names = list(src.aliases) + [src.title, src.author, src.publisher]
    if src.author:
        last = src.author.split()[-1].strip("()[],.")
        if len(last) > 3:
            names.append(last)
    names += [m.group(0) for m in _YEAR.finditer(f"{src.title} {Path(src.path).stem}")]
    # an alias or publisher of a proper name and the noun it qualifies is written with its possessive too ("Amazon
    # CEO": "Amazon's CEO"); not a title, whose first word is capitalised as a sentence's is ("Customer obsession")
    names += [f"{m.group(1)}'s {m.group(2)}" for n in (*src.aliases, src.publisher)
              if (m := _QUALIFIED_NOUN.fullmatch(n.strip()))]
    return [n for n in dict.fromkeys(names) if n and len(n) > 2]


# A capitalised word before a noun or an acronym ("FourWeekMBA article", "Amazon CEO"), not a person's two names.
_QUALIFIED_NOUN = re.compile(r"([A-Z][\w-]*)\s+([a-z][\w-]*|[A-Z0-9]{2,})")


def _unquoted(text: str, start: int, end: int) -> tuple[int, int]:
    """The span widened to the quotation marks around it, if any.

    >>> _without("How does 'Frost Dates' rate ferns?", [(10, 21)])
    'How does it rate ferns?'
    """
    marks = "'\"‘’“”"
    if 0 < start and text[start - 1] in marks:
        if re.match(r"['’]s\b", text[end:]):  # "'Frost Dates's advice": a possessive, cut with the name
            return start - 1, end
        if end < len(text) and text[end] in marks:
            return start - 1, end + 1
    return start, end


def _cased_as(written: str, title: str) -> bool:
    """Whether each word that the title capitalises is capitalised where the question writes it.

    >>> _cased_as("Frost Dates", "Frost Dates"), _cased_as("frost dates", "Frost Dates"), _cased_as("Notes On frost", "Notes on Frost")
    (True, False, False)
    """
    return all(w[:1].isupper() or not t[:1].isupper() for w, t in zip(_WORDS.findall(written), _WORDS.findall(title)))


def _short_title(title: str) -> str | None:
    """The title without its subtitle ("Frost Dates (Part 2)", "Frost Dates: a Year"), when that leaves two words
    or more; else None."""
    short = _SUBTITLE.sub("", title)
    return short if short != title and len(_WORDS.findall(short)) >= 2 else None


def _title_names(title: str) -> set[str]:
    """The lower-cased names a title gives (`_names`): itself, and itself without a subtitle.

    >>> sorted(_title_names("Frost Dates (Part 2)"))
    ['frost dates', 'frost dates (part 2)']
    """
    return {t.lower().translate(_PLAIN) for t in (title, _short_title(title)) if t}


def _find(text: str, name: str) -> int:
    """Position of `name` as whole words in `text` (possessives and plurals allowed, but "the 2000s" is a
    decade, not the year 2000), or -1."""
    plural = "" if _YEAR.fullmatch(name) else "|s"
    m = re.search(rf"(?<!\w){re.escape(name)}(?:'s|’s{plural})?(?!\w)", text)
    return m.start() if m else -1


# Not a plural ("his first few letters"), nor one qualified by what follows ("the first letter to mention
# AWS", "the first letter of the 2000s"), nor a starting point ("Since his first letter, …").
_ORDINAL = re.compile(rf"(?<!since\s)(?<!since\shis\s)(?<!since\sher\s)(?<!since\sthe\s)"
                      rf"\b(?:(?P<first>first|earliest|oldest)|last|latest|final|newest|most\s+recent)[\s-]+"
                      rf"(?:[\w-]+\s+){{0,2}}?(?:{'|'.join(_DOC_NOUNS)})\b(?![\w-])"
                      rf"(?!\s+(?:to|that|which|where|when|of|after|before|since|mentioning)\b)", re.I)


_OWNED_ORDINAL = re.compile(rf"(?:'s|’s)\s+{_ORDINAL.pattern}", re.I)


def _ordinal(text: str, paths: frozenset[str], refs: Sequence[SourceRef]) -> frozenset[str]:
    """The one document of `paths` that "first"/"last" picks ("Jassy's first letter", "the most recent report"),
    by the year in its title, when several named documents have one; empty otherwise.

    >>> refs = [SourceRef(f"{y}.md", f"{y} Letter", "Ann Lee", "", ()) for y in (1997, 2005, 2016)]
    >>> every = frozenset(r.path for r in refs)
    >>> _ordinal("In her first letter, what …", every, refs), _ordinal("the most recent letter", every, refs)
    (frozenset({'1997.md'}), frozenset({'2016.md'}))
    >>> _ordinal("the first thing she wrote", every, refs), _ordinal("the first letter to name Kestrel", every, refs)
    (frozenset(), frozenset())
    >>> _ordinal("her first few letters", every, refs), _ordinal("Since her first letter, what changed?", every, refs)
    (frozenset(), frozenset())
    """
    if not (m := _ORDINAL.search(text)):
        return frozenset()
    dated = sorted((int(ys[0]), r.path) for r in refs if r.path in paths and len(ys := _years(r.title)) == 1)
    if len(dated) < 2:
        return frozenset()
    return frozenset([(dated[0] if m.group("first") else dated[-1])[1]])


def _described(text: str, mentions: list[tuple[int, str, frozenset[str]]], paths: frozenset[str],
               sources: Sources) -> frozenset[str]:
    """Where "first"/"last" chooses from: when the ordinal is inside a mention ("the most recent letter" is no
    name, whatever documents use its words), the documents the other mentions name ("Jassy's first shareholder
    letter": his), or every document; else the documents named."""
    m = _ORDINAL.search(text)
    if m and any(start < m.end() and m.start() < start + len(name) for start, name, _ in mentions):
        others = [x for x in mentions if not (x[0] < m.end() and m.start() < x[0] + len(x[1]))]
        return _shared(others) or sources.paths
    return paths


def _label(name: str, paths: frozenset[str], sources: Sequence[SourceRef]) -> str:
    titles = _titles(paths, sources)
    if len(titles) == 1:
        return titles[0]
    return name  # as the question spelled it: "FourWeekMBA", "1997"
