"""The engine as a LangChain retriever: an existing LangChain app keeps checkable citations (#12).

    from rag import Engine, Settings
    from rag.langchain import QuoteRetriever
    retriever = QuoteRetriever(engine=Engine.open(Settings.from_env()))
    docs = retriever.invoke("What does Day 2 look like?")

Each document is one verified quote: `page_content` equals `text[start:end]` of the file at
`metadata["path"]`, with `start`, `end`, `title` and `score`. No quote: the engine abstained.
"""
from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict


class QuoteRetriever(BaseRetriever):
    """Verified quotes of `engine` (`Engine.quotes`) as LangChain documents."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    engine: Any

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        return [Document(page_content=q.text, metadata={"path": q.path, "start": q.start, "end": q.end,
                                                        "title": q.title, "score": q.score})
                for q in self.engine.quotes(query)]
