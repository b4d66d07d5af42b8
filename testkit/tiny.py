"""A tiny Gemma 4 checkpoint with random weights and the real architecture, built offline:
text, vision and audio towers, per-layer embeddings, the Gemma 4 special tokens on a small
byte-level BPE tokenizer, our chat template in Gemma 4's turn format, the Gemma 4 image
processor and audio feature extractor. Saved with ``save_pretrained`` and loaded back by
the same code as the real model. Its output is noise; it exists to run the code paths.

    docintel dev tiny-model DIR
"""

from __future__ import annotations

from pathlib import Path

SPECIAL_TOKENS = [
    "<pad>",
    "<eos>",
    "<bos>",
    "<unk>",
    "<|turn>",
    "<turn|>",
    "<|think|>",
    "<|channel>",
    "<channel|>",
    "<|tool>",
    "<tool|>",
    "<|tool_call>",
    "<tool_call|>",
    "<|tool_response>",
    "<tool_response|>",
    '<|"|>',
    "<|image>",
    "<image|>",
    "<|image|>",
    "<|audio>",
    "<audio|>",
    "<|audio|>",
    "<|video|>",
]

# Gemma 4's turn format. Thinking is switched on by <|think|> in the system turn; tool
# declarations go in the system turn; a model turn that calls tools stays open, the tool
# responses follow inside it, and the model continues after them.
CHAT_TEMPLATE = r"""{{- bos_token -}}
{%- macro text_of(content) -%}
{%- if content is string -%}{{ content }}{%- else -%}
{%- for c in content -%}
{%- if c.type == 'image' -%}<|image|>{%- elif c.type == 'audio' -%}<|audio|>
{%- elif c.type == 'text' -%}{{ c.text }}{%- endif -%}
{%- endfor -%}{%- endif -%}
{%- endmacro -%}
{%- set ns = namespace(system='', open=false) -%}
{%- if messages and messages[0].role == 'system' -%}
{%- set ns.system = text_of(messages[0].content) -%}{%- set loop_messages = messages[1:] -%}
{%- else -%}{%- set loop_messages = messages -%}{%- endif -%}
{%- if enable_thinking or ns.system or tools -%}
<|turn>system
{% if enable_thinking %}<|think|>{% endif %}{{ ns.system }}
{%- for tool in tools or [] -%}
<|tool>declaration:{{ (tool.function or tool).name }}{{ (tool.function or tool) | tojson }}<tool|>
{%- endfor -%}
<turn|>
{% endif -%}
{%- for m in loop_messages -%}
{%- if m.role == 'tool' -%}
<|tool_response>response:{{ m.name }}{value:<|"|>{{ text_of(m.content) }}<|"|>}<tool_response|>
{%- else -%}
{%- if ns.open -%}<turn|>
{% set ns.open = false %}{%- endif -%}
<|turn>{{ 'model' if m.role == 'assistant' else m.role }}
{{ text_of(m.content) }}
{%- if m.role == 'assistant' and '<|tool_call>' in text_of(m.content) -%}
{%- set ns.open = true -%}
{%- else -%}<turn|>
{% endif -%}
{%- endif -%}
{%- endfor -%}
{%- if add_generation_prompt -%}
{%- if ns.open -%}{%- else -%}<|turn>model
{% endif -%}
{%- endif -%}"""


def _corpus() -> list[str]:
    text = (
        "The invoice from Acme GmbH totals 40,900 EUR, due on 2026-12-02. Transcribe the "
        "audio verbatim. Read the page and return Markdown with tables. call:retrieve_knowledge"
        "{query: top_k: 3} call:write_structured_output{entities: relationships: summary: "
        "confidence:} thought system user model tool response declaration Hello world"
    )
    return [text] * 20


def build_tokenizer():  # type: ignore[no-untyped-def]
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=512,
        special_tokens=SPECIAL_TOKENS,
        show_progress=False,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    bpe.train_from_iterator(_corpus(), trainer)
    return PreTrainedTokenizerFast(
        tokenizer_object=bpe,
        bos_token="<bos>",
        eos_token="<eos>",
        pad_token="<pad>",
        unk_token="<unk>",
        padding_side="left",
        extra_special_tokens={
            "image_token": "<|image|>",
            "boi_token": "<|image>",
            "eoi_token": "<image|>",
            "audio_token": "<|audio|>",
            "boa_token": "<|audio>",
            "eoa_token": "<audio|>",
        },
    )


def _e2b_configs(ids: dict[str, int]):  # type: ignore[no-untyped-def]
    """Gemma 4 E2B-class dimensions (issue 24): text hidden 1536, 35 layers, 8 heads, 1 KV
    head, head_dim 256, vocabulary 262,144, per-layer inputs 256, 20 KV-shared layers;
    the default vision and audio towers. ~4.5 B parameters, 2.35 B of them per-layer
    embeddings. The tokenizer stays the tiny one: ids past it decode to nothing."""
    from transformers.models.gemma4 import (
        Gemma4AudioConfig,
        Gemma4TextConfig,
        Gemma4VisionConfig,
    )

    layers = 35
    text = Gemma4TextConfig(
        vocab_size=262_144,
        vocab_size_per_layer_input=262_144,
        hidden_size=1536,
        intermediate_size=6144,
        num_hidden_layers=layers,
        num_attention_heads=8,
        num_key_value_heads=1,
        head_dim=256,
        global_head_dim=256,
        hidden_size_per_layer_input=256,
        num_kv_shared_layers=20,
        sliding_window=512,
        layer_types=[
            "full_attention" if (i + 1) % 5 == 0 else "sliding_attention" for i in range(layers)
        ],
        pad_token_id=ids["<pad>"],
        bos_token_id=ids["<bos>"],
        eos_token_id=[ids["<eos>"], ids["<turn|>"]],
    )
    return text, Gemma4VisionConfig(), Gemma4AudioConfig(output_proj_dims=1536)


def build_tiny_checkpoint(
    folder: Path | str, seed: int = 0, size: str = "tiny", device: str = "cpu"
) -> Path:
    """``size``: "tiny" (the tests' model) or "e2b" (E2B-class dimensions, for benches; built
    on ``device`` in bf16, ~9 GB on disk)."""
    import torch
    from transformers.models.gemma4 import (
        Gemma4AudioConfig,
        Gemma4Config,
        Gemma4ForConditionalGeneration,
        Gemma4Processor,
        Gemma4TextConfig,
        Gemma4VisionConfig,
    )
    from transformers.models.gemma4.feature_extraction_gemma4 import Gemma4AudioFeatureExtractor
    from transformers.models.gemma4.image_processing_gemma4 import Gemma4ImageProcessor
    from transformers.models.gemma4.video_processing_gemma4 import Gemma4VideoProcessor

    folder = Path(folder)
    tokenizer = build_tokenizer()
    ids = {t: tokenizer.convert_tokens_to_ids(t) for t in SPECIAL_TOKENS}
    vocab = len(tokenizer)
    if size not in ("tiny", "e2b"):
        raise ValueError(f"size must be tiny or e2b, got {size!r}")
    text = Gemma4TextConfig(
        vocab_size=vocab,
        vocab_size_per_layer_input=vocab,
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=1,
        head_dim=32,
        global_head_dim=32,
        hidden_size_per_layer_input=8,
        sliding_window=64,
        layer_types=["sliding_attention", "full_attention"],
        max_position_embeddings=8192,
        pad_token_id=ids["<pad>"],
        bos_token_id=ids["<bos>"],
        eos_token_id=[ids["<eos>"], ids["<turn|>"]],
    )
    vision = Gemma4VisionConfig(
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=1,
        num_attention_heads=2,
        num_key_value_heads=2,
        head_dim=16,
        patch_size=16,
        pooling_kernel_size=3,
        position_embedding_size=1024,
    )
    # The first subsampling width must stay 128: transformers sizes the projection after it
    # from the 128 mel bins.
    audio = Gemma4AudioConfig(
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        subsampling_conv_channels=[128, 4],
        output_proj_dims=32,
        conv_kernel_size=5,
    )
    if size == "e2b":
        text, vision, audio = _e2b_configs(ids)
    config = Gemma4Config(
        text_config=text,
        vision_config=vision,
        audio_config=audio,
        boi_token_id=ids["<|image>"],
        eoi_token_id=ids["<image|>"],
        image_token_id=ids["<|image|>"],
        video_token_id=ids["<|video|>"],
        boa_token_id=ids["<|audio>"],
        eoa_token_index=ids["<audio|>"],
        audio_token_id=ids["<|audio|>"],
    )
    torch.manual_seed(seed)
    with torch.device(device):
        model = Gemma4ForConditionalGeneration(config).eval()
    if size == "e2b":
        model = model.to(torch.bfloat16)
    model.generation_config.pad_token_id = ids["<pad>"]
    model.generation_config.eos_token_id = [ids["<eos>"], ids["<turn|>"]]
    processor = Gemma4Processor(
        feature_extractor=Gemma4AudioFeatureExtractor(),
        image_processor=Gemma4ImageProcessor(),
        tokenizer=tokenizer,
        video_processor=Gemma4VideoProcessor(),
        chat_template=CHAT_TEMPLATE,
    )
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    processor.save_pretrained(folder)
    return folder
