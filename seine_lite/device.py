"""Where tensors live: chosen once, never hard-coded."""
import torch


def default_device() -> torch.device:
    """`cuda` if present, else `mps`, else `cpu`."""
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")
