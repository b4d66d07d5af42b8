"""Finding and loading a Gemma 4 checkpoint: a local folder or the Hugging Face cache,
never a silent download, never a hang when offline."""

from __future__ import annotations

import importlib.util
import logging
import os
from pathlib import Path
from typing import Any

from docintel.config.engine import EngineConfig
from docintel.models.types import ModelUnavailable

log = logging.getLogger("docintel.models")


def _download_hint(model: str) -> str:
    cache = os.environ.get("HF_HOME", "~/.cache/huggingface")
    return (
        f"Download it once with `hf download {model}` (it lands in the Hugging Face cache, "
        f"{cache}/hub), or copy a checkpoint folder here and set DOCINTEL_MODEL=/path/to/it; "
        "DOCINTEL_ALLOW_DOWNLOAD=true lets docintel fetch it itself. DOCINTEL_ENGINE=cpu "
        "runs without a model."
    )


def _maybe_cached(model: str) -> bool:
    """Whether the Hugging Face cache may hold ``model``: its folder exists in one of the
    places the cache can be (HF_HUB_CACHE, HF_HOME/hub, ~/.cache/huggingface/hub)."""
    folder = "models--" + model.replace("/", "--")
    places = [os.environ.get("HF_HUB_CACHE"), os.environ.get("HUGGINGFACE_HUB_CACHE")]
    home = os.environ.get("HF_HOME")
    places.append(os.path.join(home, "hub") if home else None)
    xdg = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    places.append(os.path.join(xdg, "huggingface", "hub"))
    return any(p and os.path.isdir(os.path.join(p, folder)) for p in places)


def find_local_checkpoint(model: str) -> Path | None:
    """The folder holding ``model``'s files when they are on this machine, else None."""
    path = Path(model).expanduser()
    if path.is_dir():
        return path if (path / "config.json").exists() else None
    if path.suffix or model.startswith((".", "/")):
        return None
    if not _maybe_cached(model):
        return None  # cheap: no Hugging Face import just to learn nothing is there
    try:
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(model, local_files_only=True))
    except Exception:
        return None


def resolve_checkpoint(config: EngineConfig) -> str:
    local = find_local_checkpoint(config.model)
    if local is not None:
        return str(local)
    path = Path(config.model).expanduser()
    if path.is_dir():
        raise ModelUnavailable(f"{path} is not a checkpoint folder (no config.json).")
    if config.allow_download and os.environ.get("HF_HUB_OFFLINE", "0") in ("0", "", "false"):
        return config.model
    raise ModelUnavailable(
        f"The model {config.model!r} is not on this machine. " + _download_hint(config.model)
    )


def choose_device(config: EngineConfig) -> str:
    if config.device != "auto":
        return config.device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def attention_implementation(config: EngineConfig, device: str) -> dict[str, str]:
    """Per tower: the text and vision towers take sdpa (or flash-attention when installed);
    the audio tower only has the eager implementation in transformers."""
    chosen = config.attn_implementation
    if chosen == "auto":
        flash = device.startswith("cuda") and importlib.util.find_spec("flash_attn") is not None
        chosen = "flash_attention_2" if flash else "sdpa"
    return {"": chosen, "text_config": chosen, "vision_config": chosen, "audio_config": "eager"}


def load_model(config: EngineConfig) -> tuple[Any, Any, str]:
    """(processor, model, device). One call per worker process, after the fork."""
    import torch
    from transformers import AutoModelForImageTextToText, AutoProcessor

    checkpoint = resolve_checkpoint(config)
    device = choose_device(config)
    local_only = not config.allow_download
    kwargs: dict[str, Any] = {
        "dtype": torch.bfloat16,
        "attn_implementation": attention_implementation(config, device),
        "local_files_only": local_only,
    }
    if config.precision in ("int8", "int4"):
        if not device.startswith("cuda"):
            raise ModelUnavailable(
                f"precision {config.precision} needs a CUDA GPU (bitsandbytes); this worker has "
                "none. Use DOCINTEL_PRECISION=bf16 on CPU."
            )
        if importlib.util.find_spec("bitsandbytes") is None:
            raise ModelUnavailable(
                f"precision {config.precision} needs bitsandbytes: pip install 'docintel[gpu]'"
            )
        from transformers import BitsAndBytesConfig

        kwargs["quantization_config"] = (
            BitsAndBytesConfig(load_in_8bit=True)
            if config.precision == "int8"
            else BitsAndBytesConfig(
                load_in_4bit=True,
                bnb_4bit_quant_type="nf4",
                bnb_4bit_use_double_quant=True,
                bnb_4bit_compute_dtype=torch.bfloat16,
            )
        )
        kwargs["device_map"] = device if device != "cuda" else {"": 0}
    else:
        kwargs["device_map"] = device
    processor = AutoProcessor.from_pretrained(checkpoint, local_files_only=local_only)
    processor.tokenizer.padding_side = "left"  # batched generation appends on the right
    model = AutoModelForImageTextToText.from_pretrained(checkpoint, **kwargs)
    model.eval()
    log.info(
        "loaded %s (%s, %s, attention %s) on %s",
        config.model,
        config.precision,
        model.dtype,
        kwargs["attn_implementation"][""],
        device,
    )
    return processor, model, device
