"""Training throughput of the video UNet: clips per second, and the share of this machine's
measured matmul rate that one training step reaches.

    python benchmarks/train_throughput.py --preset cpu            # 2-core CPU, fp32
    python benchmarks/train_throughput.py --preset lab --device cuda --bf16

FLOPs of one step (forward + backward) are counted with torch.utils.flop_counter; the
AdamW update is timed but not counted. The matmul rate is the median of 10 square
matmuls (2048² on a CPU, 8192² on a GPU) in the same dtype as the step.
"""
import argparse
import statistics
import time

import torch
import torch.utils.flop_counter as flop_counter
from torch.utils.flop_counter import FlopCounterMode

from seine_lite.presets import get_preset
from seine_lite.unet import VideoUNet, unet_config_for


# torch's counter knows the GPU attention kernels but not the CPU one that SDPA uses here:
# count it with the same formulas (4·B·H·Lq·Lk·D forward, 2.5x that backward).
if hasattr(torch.ops.aten, "_scaled_dot_product_flash_attention_for_cpu"):
    @flop_counter.register_flop_formula(torch.ops.aten._scaled_dot_product_flash_attention_for_cpu, get_raw=True)
    def _sdpa_cpu(query, key, value, *args, out_val=None, **kwargs):
        return flop_counter.sdpa_flop_count(query.shape, key.shape, value.shape)

    @flop_counter.register_flop_formula(torch.ops.aten._scaled_dot_product_flash_attention_for_cpu_backward,
                                        get_raw=True)
    def _sdpa_cpu_backward(grad_out, query, key, value, *args, out_val=None, **kwargs):
        return flop_counter.sdpa_backward_flop_count(grad_out.shape, query.shape, key.shape, value.shape)


def _sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def matmul_rate(device, dtype, n: int, repeats: int = 10) -> float:
    """Median FLOP/s of an n x n matmul."""
    a = torch.randn(n, n, device=device, dtype=dtype)
    b = torch.randn(n, n, device=device, dtype=dtype)
    a @ b
    times = []
    for _ in range(repeats):
        _sync(device)
        t0 = time.perf_counter()
        a @ b
        _sync(device)
        times.append(time.perf_counter() - t0)
    return 2 * n ** 3 / statistics.median(times)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--preset", default="cpu", help="tiny | cpu | lab")
    p.add_argument("--batch", type=int, default=8, help="clips per step")
    p.add_argument("--steps", type=int, default=5, help="timed steps after one warm-up")
    p.add_argument("--device", default="cpu")
    p.add_argument("--bf16", action="store_true", help="bf16 autocast (GPU)")
    p.add_argument("--latent-channels", type=int, default=4)
    p.add_argument("--text-len", type=int, default=32)
    args = p.parse_args(argv)

    device = torch.device(args.device)
    preset = get_preset(args.preset)
    torch.manual_seed(0)
    model = VideoUNet(**unet_config_for(args.preset, latent_channels=args.latent_channels)).to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    c, f, s = args.latent_channels, preset.num_frames, preset.latent_size
    x = torch.randn(args.batch, 2 * c + 1, f, s, s, device=device)
    t = torch.randint(0, 1000, (args.batch,), device=device)
    text = torch.randn(args.batch, args.text_len, 384, device=device)
    mask = torch.ones(args.batch, args.text_len, dtype=torch.bool, device=device)
    dtype = torch.bfloat16 if args.bf16 else torch.float32

    def step():
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=args.bf16):
            out = model(x, t, text, mask)
        loss = out.float().pow(2).mean()
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)

    with FlopCounterMode(display=False) as counter:
        step()
    flops = counter.get_total_flops()
    times = []
    for _ in range(args.steps):
        _sync(device)
        t0 = time.perf_counter()
        step()
        _sync(device)
        times.append(time.perf_counter() - t0)
    seconds = statistics.median(times)
    peak = matmul_rate(device, dtype, 2048 if device.type == "cpu" else 8192)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else f"CPU, {torch.get_num_threads()} threads"
    params = sum(q.numel() for q in model.parameters())
    print(f"device: {name} · preset {args.preset}: {f} frames of {c}x{s}x{s} latents, batch {args.batch}, "
          f"{params / 1e6:.2f} M parameters, {'bf16' if args.bf16 else 'fp32'}")
    print(f"step: {seconds:.3f} s median of {args.steps} -> {args.batch / seconds:.2f} clips/s")
    print(f"work: {flops / 1e9:.1f} GFLOP per step (forward + backward) -> {flops / seconds / 1e9:.1f} GFLOP/s")
    print(f"matmul rate: {peak / 1e9:.1f} GFLOP/s -> the step reaches {100 * flops / seconds / peak:.0f} % of it")


if __name__ == "__main__":
    main()
