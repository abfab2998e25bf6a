"""Keeping the index in sync with the corpus: at start-up, and again in the background while it is unreachable."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from interviewer.corpus.loader import Corpus
from interviewer.encoders.embeddings import Embedder
from interviewer.search.duplicates import refuse_duplicates
from interviewer.search.index import IndexError_, VectorIndex

log = logging.getLogger(__name__)


class IndexSync:
    """Syncs the index; when a Chroma server is down, says so and retries every `retry_s` until it is back.
    Interviews run from the corpus in memory meanwhile."""

    def __init__(
        self, index: VectorIndex, corpus: Callable[[], Corpus], embedder: Embedder, retry_s: float
    ) -> None:
        self.index = index
        self.corpus = corpus
        self.embedder = embedder
        self.retry_s = retry_s
        self.error: str | None = None
        """Why the index could not be synced (None once it is): the app runs on meanwhile."""
        self._lock = threading.Lock()

    def ensure(self, rebuild: bool = False, progress: bool = True) -> dict[str, int]:
        """Sync the index with the corpus (cheap when nothing changed); near-duplicates are refused."""
        corpus = self.corpus()
        return self.index.sync(
            corpus,
            rebuild=rebuild,
            progress=progress,
            before_write=lambda: refuse_duplicates(corpus, self.embedder),
        )

    def ensure_or_retry(self, progress: bool = True) -> dict[str, int] | None:
        """Sync the index, or log why not and start retrying in the background; None when not synced."""
        try:
            stats = self.ensure(progress=progress)
        except IndexError_ as exc:
            with self._lock:
                retrying, self.error = self.error is not None, str(exc)
            log.error(
                "%s. Interviews go on from the corpus files; search and re-indexing wait for the index, "
                "retried every %.0f s.",
                exc,
                self.retry_s,
            )
            if not retrying:
                threading.Thread(target=self._retry, name="index-retry", daemon=True).start()
            return None
        self.error = None
        return stats

    def _retry(self) -> None:
        while self.error is not None:
            time.sleep(self.retry_s)
            try:
                self.ensure(progress=False)
                self.error = None
                log.info("the index is reachable again and in sync")
            except IndexError_ as exc:
                self.error = str(exc)
