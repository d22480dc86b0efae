"""A small byte-level BPE trained on a data folder's text, wrapped as ``PreTrainedTokenizerFast``.

Byte-level (GPT-2 style) so that decoding is lossless (spaces, newlines, any character). Every name
part of every person becomes ONE token, with and without a leading space (``"Alina"`` and
``" Alina"``): after training, the missing merges are appended deterministically (lowest priority,
chained left to right), which is ordinary BPE and keeps every other word's tokenisation valid.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

PAD = "<|endoftext|>"
IM_START = "<|im_start|>"
IM_END = "<|im_end|>"  # end of a turn = eos
COMMON_SPECIALS = [PAD, IM_START, IM_END]

# ChatML turns; content may be a string or an OpenAI-style list of parts ({"type": "image"} /
# {"type": "image_url"} / {"type": "text", "text": ...}); vLLM's chat, lmms-eval's vllm backend and
# the HF processors all pass one of these. No default system prompt (short sequences).
_CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "<|im_start|>{{ message['role'] }}\n"
    "{% if message['content'] is string %}{{ message['content'] }}"
    "{% else %}{% for content in message['content'] %}"
    "{% if content['type'] == 'image' or 'image' in content or 'image_url' in content %}@@IMAGE@@"
    "{% elif content['type'] == 'text' or 'text' in content %}{{ content['text'] }}"
    "{% endif %}{% endfor %}{% endif %}"
    "<|im_end|>\n"
    "{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def chat_template(arch) -> str:
    """The ChatML template with ``arch``'s (a ``TinyArch``) image placeholder."""
    return _CHAT_TEMPLATE.replace("@@IMAGE@@", arch.image_placeholder)


def special_tokens(arch) -> list[str]:
    return COMMON_SPECIALS + list(arch.specials)


def _words_of(pre: pre_tokenizers.PreTokenizer, text: str) -> list[str]:
    """The raw pieces of ``text`` that the pre-tokenizer splits it into (e.g. "O'Neil" -> 3)."""
    return [text[a:b] for _, (a, b) in pre.pre_tokenize_str(text)]


def _force_single_tokens(tok: Tokenizer, words: Sequence[str]) -> tuple[Tokenizer, int]:
    """Append merges so that each pre-token in ``words`` encodes to one token. Returns the new
    tokenizer and the number of merges added."""
    added = 0
    for _ in range(4):  # each pass normally fixes everything; a later pass only re-checks
        changed = False
        for word in words:
            pieces = tok.encode(word, add_special_tokens=False).tokens
            if len(pieces) <= 1:
                continue
            state = json.loads(tok.to_str())
            model = state["model"]
            vocab, merges = model["vocab"], model["merges"]
            cur = pieces[0]
            for nxt in pieces[1:]:
                merged = cur + nxt
                merges.append([cur, nxt])
                if merged not in vocab:
                    vocab[merged] = max([*vocab.values(), *(a["id"] for a in state["added_tokens"])]) + 1
                cur = merged
                added += 1
            tok = Tokenizer.from_str(json.dumps(state))
            changed = True
        if not changed:
            return tok, added
    bad = [w for w in words if len(tok.encode(w, add_special_tokens=False).tokens) > 1]
    if bad:
        raise RuntimeError(f"could not make these name pieces single tokens: {bad[:10]}")
    return tok, added


def train_bpe(
    texts: Iterable[str],
    name_parts: Iterable[str],
    arch,
    vocab_size: int = 800,
    min_frequency: int = 2,
) -> tuple[Tokenizer, dict]:
    """Train the byte-level BPE. Specials get ids 0..k-1 in the order of ``special_tokens(arch)``."""
    specials = special_tokens(arch)
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=min_frequency,
        special_tokens=specials,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    texts = list(texts)
    # role names and template words appear in every sequence
    corpus = texts + ["system\nuser\nassistant\n"] * 16
    tok.train_from_iterator(corpus, trainer=trainer, length=len(corpus))
    trained = tok.get_vocab_size(with_added_tokens=True)

    parts = sorted({p for part in name_parts for p in part.split() if p})
    words: list[str] = []
    for p in parts:
        for w in _words_of(tok.pre_tokenizer, p) + _words_of(tok.pre_tokenizer, " " + p):
            if w not in words:
                words.append(w)
    tok, added = _force_single_tokens(tok, words)
    for i, s in enumerate(specials):
        assert tok.token_to_id(s) == i, (s, tok.token_to_id(s))
    info = {
        "type": "byte-level BPE",
        "vocab_size_target": vocab_size,
        "vocab_size_trained": trained,
        "name_merges_added": added,
        "vocab_size": tok.get_vocab_size(with_added_tokens=True),
        "name_pieces": len(words),
        "specials": specials,
    }
    return tok, info


def wrap_tokenizer(tok: Tokenizer, arch, model_max_length: int):
    """``PreTrainedTokenizerFast`` with eos/pad, the chat template and left padding."""
    from transformers import PreTrainedTokenizerFast

    extra = {"image_token": arch.image_token, **arch.token_attrs}
    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        eos_token=IM_END,
        pad_token=PAD,
        padding_side="left",
        model_max_length=model_max_length,
        chat_template=chat_template(arch),
        extra_special_tokens=extra,
        clean_up_tokenization_spaces=False,
    )
