"""The tiny architectures, one spec each: everything that differs between them in one place.

Adding an architecture = one :class:`TinyArch` in :data:`ARCHS` plus its
``task_configs/model/tiny_<name>.yaml``; the builder (tiny.py) and the tokenizer (tokenizer.py) read
the spec and hold no branch on the name. Not here, because they hold for any checkpoint of the family,
tiny or released: vLLM's key layout (vllm_layout.py, by the config's ``model_type``) and the fast
training encoder's image layout (unlearn/data/encode.py, by the processor's class). Light at import (no
torch, no transformers: ``pebench model --help`` lists the names from here).

Shared by every arch (so not in the spec): the ChatML template and common special tokens
(tokenizer.py), the LoRA target regex (``lora.target_modules``: the language model's projections,
whose names transformers gives both archs alike), and the data's image size, a multiple of
``pebench_data.build.PATCH_MULTIPLE`` = 28, which both patch units below divide (14 and 14 x 2).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable
from .tokenizer import chat_template


@dataclass(frozen=True)
class TinyArch:
    name: str                              # --arch, model_card.json "arch", tiny_<name>.yaml
    hf_class: str                          # transformers class of the saved model
    specials: tuple[str, ...]              # special tokens after the common ones (ids in this order)
    image_token: str                       # the token the processor expands to one per image patch
    image_placeholder: str                 # what the chat template writes for one image
    token_attrs: dict[str, str]            # extra_special_tokens of the HF tokenizer besides image_token
    config_ids: dict[str, str]             # HF config id fields (beyond pad/eos/image) -> their token
    vision_ints: tuple[str, ...]           # vision.<key> integers the YAML must give (>= 1)
    vision_width: tuple[str, str]          # (width key, heads key) of the vision tower: head_dim check
    hf_config: Callable[..., Any]          # (cfg, text_common, ids, image_size) -> transformers config
    processor: Callable[..., Any]          # (cfg, tokenizer, image_size) -> transformers processor
    image_tokens: Callable[[dict, int], int]   # (cfg, image_size) -> image tokens per image
    vision_checks: Callable[[dict], list[str]] = field(default=lambda cfg: [])   # extra vision problems


# ------------------------------------------------------------------------------------ Qwen2-VL
def _qwen_side(cfg: dict, image_size: int) -> tuple[int, int]:
    """(unit, side): the processor's patch unit (patch x merge) and the square side images get."""
    v = cfg["vision"]
    unit = v["patch_size"] * v["spatial_merge_size"]
    return unit, max(unit, round(image_size / unit) * unit)


def _mrope_section(head_dim: int) -> list[int]:
    # Qwen2-VL uses [16, 24, 24] for head_dim 128 (sum = head_dim / 2): scale it.
    t = head_dim // 8
    h = (head_dim // 2 - t) // 2
    return [t, h, head_dim // 2 - t - h]


def _qwen_config(cfg: dict, text_common: dict, ids: dict, image_size: int):
    from transformers import Qwen2VLConfig

    t, v, init = cfg["text"], cfg["vision"], cfg["init"]["initializer_range"]
    hd = t["hidden_size"] // t["num_heads"]
    return Qwen2VLConfig(
        text_config=dict(
            **text_common,
            rope_parameters={"rope_type": "default", "rope_theta": t["rope_theta"], "mrope_section": _mrope_section(hd)},
            use_sliding_window=False, max_window_layers=t["num_layers"],
        ),
        vision_config=dict(
            depth=v["depth"], embed_dim=v["embed_dim"], hidden_size=t["hidden_size"], num_heads=v["num_heads"],
            mlp_ratio=v["mlp_ratio"], patch_size=v["patch_size"], spatial_merge_size=v["spatial_merge_size"],
            temporal_patch_size=v["temporal_patch_size"], initializer_range=init,
        ),
        image_token_id=ids["image"], video_token_id=ids["video"],
        vision_start_token_id=ids["vision_start"], vision_end_token_id=ids["vision_end"],
        bos_token_id=None, eos_token_id=ids["eos"], pad_token_id=ids["pad"], tie_word_embeddings=False,
    )


def _qwen_processor(cfg: dict, tokenizer, image_size: int):
    from transformers import Qwen2VLImageProcessor, Qwen2VLProcessor, Qwen2VLVideoProcessor


    v = cfg["vision"]
    _, side = _qwen_side(cfg, image_size)
    pixels = side * side  # min = max: every image becomes side x side (same token count)
    improc = Qwen2VLImageProcessor(
        min_pixels=pixels, max_pixels=pixels, patch_size=v["patch_size"], merge_size=v["spatial_merge_size"],
        temporal_patch_size=v["temporal_patch_size"],
    )
    vidproc = Qwen2VLVideoProcessor(
        patch_size=v["patch_size"], merge_size=v["spatial_merge_size"], temporal_patch_size=v["temporal_patch_size"],
    )
    return Qwen2VLProcessor(image_processor=improc, tokenizer=tokenizer, video_processor=vidproc,
                            chat_template=chat_template(QWEN2_VL))


def _qwen_image_tokens(cfg: dict, image_size: int) -> int:
    unit, side = _qwen_side(cfg, image_size)
    return (side // unit) ** 2


QWEN2_VL = TinyArch(
    name="qwen2_vl",
    hf_class="Qwen2VLForConditionalGeneration",
    specials=("<|vision_start|>", "<|vision_end|>", "<|image_pad|>", "<|video_pad|>"),
    image_token="<|image_pad|>",
    image_placeholder="<|vision_start|><|image_pad|><|vision_end|>",
    token_attrs={"video_token": "<|video_pad|>", "vision_bos_token": "<|vision_start|>", "vision_eos_token": "<|vision_end|>"},
    config_ids={"video": "<|video_pad|>", "vision_start": "<|vision_start|>", "vision_end": "<|vision_end|>"},
    vision_ints=("depth", "mlp_ratio", "patch_size", "spatial_merge_size", "temporal_patch_size"),
    vision_width=("embed_dim", "num_heads"),
    hf_config=_qwen_config,
    processor=_qwen_processor,
    image_tokens=_qwen_image_tokens,
)


# --------------------------------------------------------------------------------------- LLaVA
def _llava_config(cfg: dict, text_common: dict, ids: dict, image_size: int):
    from transformers import CLIPVisionConfig, LlamaConfig, LlavaConfig

    t, v, init = cfg["text"], cfg["vision"], cfg["init"]["initializer_range"]
    return LlavaConfig(
        vision_config=CLIPVisionConfig(
            hidden_size=v["hidden_size"], intermediate_size=v["intermediate_size"], num_hidden_layers=v["num_layers"],
            num_attention_heads=v["num_heads"], image_size=image_size, patch_size=v["patch_size"],
            projection_dim=v["hidden_size"], initializer_range=init,
        ),
        text_config=LlamaConfig(**text_common, rope_parameters={"rope_type": "default", "rope_theta": t["rope_theta"]}),
        image_token_index=ids["image"], image_seq_length=_llava_image_tokens(cfg, image_size),
        vision_feature_select_strategy="default", vision_feature_layer=v["feature_layer"], projector_hidden_act="gelu",
        tie_word_embeddings=False, pad_token_id=ids["pad"],
    )


def _llava_processor(cfg: dict, tokenizer, image_size: int):
    from transformers import CLIPImageProcessor, LlavaProcessor


    improc = CLIPImageProcessor(
        size={"shortest_edge": image_size}, crop_size={"height": image_size, "width": image_size},
        do_center_crop=True, do_resize=True, do_normalize=True, do_rescale=True, do_convert_rgb=True,
    )
    return LlavaProcessor(
        image_processor=improc, tokenizer=tokenizer, patch_size=cfg["vision"]["patch_size"],
        vision_feature_select_strategy="default", chat_template=chat_template(LLAVA), image_token=LLAVA.image_token,
        num_additional_image_tokens=1,
    )


def _llava_image_tokens(cfg: dict, image_size: int) -> int:
    return (image_size // cfg["vision"]["patch_size"]) ** 2


def _llava_checks(cfg: dict) -> list[str]:
    fl, n = cfg["vision"]["feature_layer"], cfg["vision"]["num_layers"]
    if not isinstance(fl, int) or not (-n <= fl < n):
        return [f"model config vision.feature_layer={fl!r}: must be an integer in [-{n}, {n - 1}]"]
    return []


LLAVA = TinyArch(
    name="llava",
    hf_class="LlavaForConditionalGeneration",
    specials=("<image>",),
    image_token="<image>",
    image_placeholder="<image>\n",
    token_attrs={},
    config_ids={},
    vision_ints=("num_layers", "intermediate_size", "patch_size"),
    vision_width=("hidden_size", "num_heads"),
    hf_config=_llava_config,
    processor=_llava_processor,
    image_tokens=_llava_image_tokens,
    vision_checks=_llava_checks,
)

ARCHS: dict[str, TinyArch] = {a.name: a for a in (QWEN2_VL, LLAVA)}
