"""Progress bars for runs: tqdm's notebook widget in Jupyter (when ipywidgets is installed),
its text bar elsewhere."""


def _in_kernel():
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and "IPKernelApp" in shell.config


def _bar_class():
    if _in_kernel():
        try:
            import ipywidgets  # noqa: F401
            from tqdm.notebook import tqdm
            return tqdm
        except ImportError:
            pass
    from tqdm.std import tqdm
    return tqdm


class Progress:
    """A callback for the engine's progress reports, shown as a tqdm bar of quarters."""

    def __init__(self, description):
        self.description = description
        self.bar = None

    def __call__(self, steps, total_steps, replicates, total_replicates):
        if total_steps <= 0:
            return
        if self.bar is None:
            self.bar = _bar_class()(total=total_steps, desc=self.description, unit="quarter",
                                    unit_scale=False, dynamic_ncols=True, leave=True)
        self.bar.set_postfix_str(f"replicates {replicates}/{total_replicates}", refresh=False)
        self.bar.update(steps - self.bar.n)

    def close(self):
        if self.bar is not None:
            self.bar.close()


def make(progress, description):
    """(callback or None, close) for run(progress=...): True for a bar, False/None for nothing,
    or a callable(steps_done, total_steps, replicates_done, total_replicates)."""
    if progress is None or progress is False:
        return None, lambda: None
    if progress is True:
        bar = Progress(description)
        return bar, bar.close
    if callable(progress):
        return progress, lambda: None
    raise TypeError("progress= is True, False or a callable")
