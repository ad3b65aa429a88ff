"""seine_lite: SEINE, the short-to-long video diffusion model, at classroom size."""
__version__ = "0.1.0"

from seine_lite.pipeline import SeinePipeline  # noqa: E402,F401
