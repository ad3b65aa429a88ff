"""seine_lite: SEINE, the short-to-long video diffusion model, at classroom size."""
__version__ = "0.1.0"


def __getattr__(name):
    # `seine_lite.SeinePipeline` is imported on first use, so that `seine-lite --help` (and any
    # module that needs only a small part of the package) starts without torch and diffusers
    if name == "SeinePipeline":
        from seine_lite.pipeline import SeinePipeline

        return SeinePipeline
    raise AttributeError(f"module 'seine_lite' has no attribute {name!r}")
