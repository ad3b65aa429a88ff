"""Where tensors live: chosen once, never hard-coded."""
import torch


def default_device() -> torch.device:
    """`cuda` if present, else `mps`, else `cpu`."""
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def describe(device=None) -> str:
    """One line for a notebook: "cuda:0 (NVIDIA H200, 139 GiB)", "mps", "cpu (2 threads)" or "cpu (1 thread)"."""
    device = default_device() if device is None else torch.device(device)
    if device.type == "cuda":
        props = torch.cuda.get_device_properties(device)
        return f"{device} ({props.name}, {props.total_memory / 2 ** 30:.0f} GiB)"
    if device.type == "cpu":
        threads = torch.get_num_threads()
        return f"cpu ({threads} thread{'s' if threads > 1 else ''})"
    return str(device)
