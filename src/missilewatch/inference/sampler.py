"""NUTS from NumPyro, run in compiled segments.

``numpyro.infer.MCMC.run`` compiles its whole loop on every call, so showing progress by
calling it in pieces would compile each piece again. Here the NUTS kernel's own ``init``
and ``sample`` are used (NumPyro's sampler, adaptation and all; nothing hand-made): a
``lax.scan`` of ``segment`` steps, vectorised over chains, is compiled once per model
and shape and called until warm-up and sampling are done, reporting progress between
calls. The compiled segment is kept, so a refit of the same model with other data arrays
(leave-one-out, sensitivity) compiles nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np

from missilewatch.inference.progress import FitProgress, no_progress

#: Iterations per compiled segment: small enough that the bar moves every second or so.
DEFAULT_SEGMENT: Final = 50


@dataclass(frozen=True, slots=True)
class SamplerSettings:
    """How long NUTS runs. ``chains`` run vectorised in one process."""

    chains: int = 4
    warmup: int = 500
    samples: int = 500
    seed: int = 0
    target_accept: float = 0.9
    max_tree_depth: int = 8
    #: A dense mass matrix adapts to correlated directions (stocks constrain sums of
    #: flows); diagonal is cheaper per step when the posterior is close to independent.
    dense_mass: bool = False

    def key(self) -> dict[str, object]:
        return {
            "chains": self.chains,
            "warmup": self.warmup,
            "samples": self.samples,
            "seed": self.seed,
            "target_accept": self.target_accept,
            "max_tree_depth": self.max_tree_depth,
            "dense_mass": self.dense_mass,
        }


@dataclass(frozen=True)
class Draws:
    """Posterior draws: ``values[name]`` has shape (chains, draws, ...)."""

    values: dict[str, np.ndarray]
    #: (chains, draws) True where the transition diverged.
    diverging: np.ndarray
    seconds: float
    settings: SamplerSettings
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def chains(self) -> int:
        return int(self.diverging.shape[0])

    @property
    def draws(self) -> int:
        return int(self.diverging.shape[1])

    def flat(self, name: str) -> np.ndarray:
        """(chains * draws, ...) for one quantity."""
        array = self.values[name]
        return array.reshape(-1, *array.shape[2:])

    def divergences(self) -> int:
        return int(self.diverging.sum())


_compiled: dict[tuple[object, ...], Any] = {}
_persistent_cache_on = False


def enable_compilation_cache() -> None:
    """Keep XLA's compiled code in ``<data dir>/jax-cache`` so that a new process (the
    next CLI call after the data changed, a test run, a sweep worker) does not compile
    the sampler again: compiling NUTS over a few hundred latent quantities takes far
    longer than sampling it."""
    global _persistent_cache_on
    if _persistent_cache_on:
        return
    import jax

    from missilewatch.paths import data_dir

    try:
        jax.config.update("jax_compilation_cache_dir", str(data_dir() / "jax-cache"))
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 1.0)
    except (AttributeError, ValueError):  # an older JAX without the persistent cache
        return
    _persistent_cache_on = True


def _segment_runner(kernel: Any, model: Callable[..., None], length: int) -> Any:
    import jax

    cache_id = (id(model), length, id(kernel))
    if cache_id in _compiled:
        return _compiled[cache_id][1]

    def run(state: Any, model_args: tuple[Any, ...]) -> Any:
        def body(current: Any, _: None) -> tuple[Any, tuple[Any, Any, Any]]:
            advanced = jax.vmap(lambda s: kernel.sample(s, model_args, {}))(current)
            return advanced, (advanced.z, advanced.diverging, advanced.num_steps)

        return jax.lax.scan(body, state, None, length=length)

    compiled = jax.jit(run)
    # Keep the kernel alive with its compiled loop: the loop closes over it.
    _compiled[cache_id] = (kernel, compiled)
    return compiled


_kernels: dict[tuple[object, ...], Any] = {}


def _kernel(model: Callable[..., None], settings: SamplerSettings) -> Any:
    from numpyro.infer import NUTS

    cache_id = (id(model), settings.max_tree_depth, settings.target_accept, settings.dense_mass)
    if cache_id not in _kernels:
        _kernels[cache_id] = NUTS(
            model,
            target_accept_prob=settings.target_accept,
            max_tree_depth=settings.max_tree_depth,
            dense_mass=settings.dense_mass,
        )
    return _kernels[cache_id]


def run_nuts(
    model: Callable[..., None],
    model_args: tuple[Any, ...],
    settings: SamplerSettings = SamplerSettings(),
    *,
    progress: FitProgress = no_progress,
    segment: int = DEFAULT_SEGMENT,
    keep: Callable[[Mapping[str, Any]], Mapping[str, Any]] | None = None,
) -> Draws:
    """Fit ``model(*model_args)`` with NUTS; return constrained draws and divergences.

    ``keep`` maps the constrained values of one draw (sample sites and deterministic
    sites) to the quantities stored; by default everything is kept. Arrays in
    ``model_args`` may change between calls without recompiling as long as their shapes
    and dtypes stay the same.
    """
    import jax
    import jax.numpy as jnp

    started = time.perf_counter()
    enable_compilation_cache()
    kernel = _kernel(model, settings)
    keys = jax.random.split(jax.random.PRNGKey(settings.seed), settings.chains)
    progress("compile", 0, 1)
    # Chains are initialised one by one (vectorised init leaves some state unbatched),
    # then stacked so the segment can map over them.
    states = [kernel.init(key, settings.warmup, None, model_args, {}) for key in keys]
    state = jax.tree_util.tree_map(lambda *leaves: jnp.stack(leaves), *states)
    runner = _segment_runner(kernel, model, segment)
    postprocess = kernel.postprocess_fn(model_args, {})
    total = settings.warmup + settings.samples
    done = 0
    kept_z: list[Any] = []
    kept_div: list[np.ndarray] = []
    kept_steps: list[np.ndarray] = []
    while done < total:
        state, (z, diverging, steps) = runner(state, model_args)
        jax.block_until_ready(state)
        if done == 0:
            progress("compile", 1, 1)
        start = done
        done += segment
        first_sample = max(settings.warmup - start, 0)
        if first_sample < segment:
            take = min(segment, total - start) - first_sample
            kept_z.append(jax.tree_util.tree_map(lambda a, f=first_sample, t=take: a[f : f + t], z))
            kept_div.append(np.asarray(diverging[first_sample : first_sample + take]))
            kept_steps.append(np.asarray(steps[first_sample : first_sample + take]))
        if done <= settings.warmup:
            progress("warmup", done, settings.warmup)
        else:
            progress("warmup", settings.warmup, settings.warmup)
            progress("sampling", min(done, total) - settings.warmup, settings.samples)
    z_all = jax.tree_util.tree_map(lambda *parts: jnp.concatenate(parts, axis=0), *kept_z)
    # (draws, chains, ...) -> constrained values per draw and chain.
    constrained = jax.vmap(jax.vmap(postprocess))(z_all)
    chosen = keep(constrained) if keep is not None else constrained
    values = {name: np.swapaxes(np.asarray(array), 0, 1) for name, array in chosen.items()}
    diverging_all = np.swapaxes(np.concatenate(kept_div, axis=0), 0, 1)
    return Draws(
        values=values,
        diverging=diverging_all,
        seconds=time.perf_counter() - started,
        settings=settings,
        extra={"mean_leapfrog_steps": float(np.concatenate(kept_steps).mean())},
    )
