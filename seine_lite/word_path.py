"""A text path that keeps words apart: each token's own word vector, added to its context state.

all-MiniLM-L6-v2 is trained for sentence similarity. In its last layer "a red circle moving left
on a black background" and "... moving right ..." differ by 5.7 % over the caption's real tokens
(relative squared difference; a colour change makes 25 %), and what difference there is sits in
contextual states that change with the colour, shape and background too. MiniLM's *input* word
embeddings are the opposite: one vector per word, the same in every caption, and "left" and
"right" differ by 99 % there (cosine 0.49; notebook 02, part 9, measures both).

`MiniLMTextEncoder(words=True)` (encoder name "minilm-words") returns both side by side,
(B, L, 2D) = [last-layer states ; word embeddings of the same tokens], and the UNet's `WordPath`
(`VideoUNet(text_words=D)`) turns them into the states every attention layer reads:

    states = context + W · s · e / ‖e‖            e: a token's word embedding, s = `scale`

with W a learned D x D matrix (orthogonal at init, so it starts norm-preserving) and s chosen
so the word signal starts at a token state's size (MiniLM's are about 7.8 long): a per-word
signal that starts small stays small next to the context it is added to.
Padding positions carry nothing: the text mask hides them from attention and the pooled mean.
"""
import torch
import torch.nn.functional as F
from torch import nn


class WordPath(nn.Module):
    """(B, L, D + W) [context ; word embeddings] -> (B, L, D) context + projected words."""

    def __init__(self, text_dim: int, word_dim: int, scale: float = 8.0):
        super().__init__()
        if not isinstance(word_dim, int) or word_dim < 1:
            raise ValueError(f"text_words must be a positive width, got {word_dim!r}")
        if not scale > 0:
            raise ValueError(f"text_word_scale must be positive, got {scale!r}")
        self.text_dim, self.scale = text_dim, float(scale)
        self.proj = nn.Linear(word_dim, text_dim, bias=False)
        nn.init.orthogonal_(self.proj.weight)

    def forward(self, states: torch.Tensor) -> torch.Tensor:
        context, words = states[..., :self.text_dim], states[..., self.text_dim:]
        return context + self.proj(self.scale * F.normalize(words, dim=-1))
