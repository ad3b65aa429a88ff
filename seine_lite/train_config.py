"""What a training run is told: SEINE's own settings first, then the extras in named groups.

    TrainConfig        the settings of SEINE's recipe (data, masks, schedule, optimiser, EMA, text)
      .conditioning    how generated frames are tied to the given ones (SEINE: zeros; conditioning.py)
      .unet_options    additions to SEINE's UNet (each starts at zero, so a warm start can add it)
      .loss            how the loss is taken (which frames, which weighting, which timesteps)
      .scoring         scoring on a held-out subset while training, the best kept in OUT/best

`train_config.json` in a run folder is `asdict(TrainConfig)`; `seine-lite train` builds one from
its flags (`cli/train.py`), and notebooks 06 and 09 build them by hand.
"""
from dataclasses import dataclass, field

from seine_lite.conditioning import Conditioning
from seine_lite.diffusion import NoiseSchedule
from seine_lite.latent_cache import DataConfig
from seine_lite.masking import MaskMixture


@dataclass
class UNetOptions:
    """Additions to SEINE's UNet. SEINE has none of them; each helped a small model somewhere
    (README, "The reference model"), and each starts at zero so the UNet begins as SEINE's."""
    temporal_conv: bool = False           # a convolution over neighbouring frames after each ResBlock
    frame_positions: int = 0              # a frame-index embedding for up to this many frames (0: none)
    relative_position_bias: bool = False  # SEINE's released code: a T5 bias in temporal attention
    text_word_scale: float = 8.0          # the word vectors' starting length (text encoder "minilm-words")


@dataclass
class LossOptions:
    """How the loss is taken. SEINE: all frames, plain MSE, t uniform, masks drawn for every clip."""
    generated_only: bool = False     # the loss on generated frames only (RaMViD, FDM)
    snr_gamma: float = None          # min-SNR weighting (Hang et al. 2023); None: plain MSE
    timestep_draw: str = "uniform"   # or "logit-normal" (SD3): more of the noisy steps
    max_noise: float = 1.0           # t only in the schedule's first fraction (a model that samples from --start)
    source_masks: dict = None        # source -> the fixed layout its clips always train with


@dataclass
class ScoringOptions:
    """The loss says little about what a user sees, so a long run is scored on the eval's probes."""
    every_minutes: float = None      # score this often (and at the end); None: never
    subset: dict = None              # its size (None: train_scoring.SUBSET)
    real: bool = False               # the real-footage probes too (needs the photo bank)


@dataclass
class TrainConfig:
    preset: str = "tiny"
    data: DataConfig = field(default_factory=DataConfig)
    masks: MaskMixture = field(default_factory=MaskMixture)
    schedule: NoiseSchedule = field(default_factory=NoiseSchedule)
    steps: int = 200
    batch_size: int = 8
    lr: float = 3e-4
    warmup_steps: int = 50
    weight_decay: float = 0.0
    grad_clip: float = 1.0
    ema_decay: float = 0.999
    caption_dropout: float = 0.1     # SEINE: text -> "" with p = 0.1, for guidance
    text_encoder: str = "minilm"
    vae: str = None                  # None: the bundled VAE
    unet: dict = None                # None: unet_config_for(preset)
    guidance_scale: float = 3.0      # the sampling default written into the model folder
    seed: int = 0
    checkpoint_every: int = 100
    keep_checkpoints: int = 2
    init_from: str = None            # a model folder whose UNet weights start this run (warm start)
    conditioning: Conditioning = field(default_factory=Conditioning)
    unet_options: UNetOptions = field(default_factory=UNetOptions)
    loss: LossOptions = field(default_factory=LossOptions)
    scoring: ScoringOptions = field(default_factory=ScoringOptions)
