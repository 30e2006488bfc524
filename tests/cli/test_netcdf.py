"""Result files are netCDF-4 readable: xarray (h5netcdf) and ncdump, without clustersim."""
import re
import shutil
import subprocess

import h5py
import numpy as np
import xarray as xr

from conftest import SOURCE_DIR


def test_xarray_reads_metrics_with_dimensions(small_result):
    with xr.open_dataset(small_result, engine="h5netcdf", group="metrics") as ds:
        assert ds["output_value"].dims == ("replicate", "time", "cluster")
        assert ds["output_value"].attrs["units"] == "yuan/year"
        with h5py.File(small_result, "r") as f:
            np.testing.assert_array_equal(ds["output_value"].values,
                                          f["metrics/output_value"][...])


def test_xarray_reads_root_coordinates(small_result):
    # Time follows the CF convention, so plain xarray decodes dates (it read 2014.25 before,
    # and sel(time=2020) picked 2019Q4); the decimal year is kept in /coords/time_year.
    with xr.open_dataset(small_result, engine="h5netcdf") as ds:
        assert list(ds["cluster"].values) == ["alpha", "beta", "gamma"]
        assert ds["time"].values[0] == np.datetime64("2014-03-31")
        assert ds.sel(time="2015")["time"].size == 4
        assert ds.attrs["filetype"] == "clustersim-result"
    with h5py.File(small_result, "r") as f:
        assert f["coords/time_year"][0] == 2014.25


def readme_plain_xarray_block():
    text = (SOURCE_DIR / "README.md").read_text()
    blocks = re.findall(r"^```python\n(.*?)^```", text, flags=re.S | re.M)
    return next(b for b in blocks if 'group="metrics"' in b and "clustersim" not in b)


def test_the_readmes_plain_xarray_snippet_plots_dates_and_clusters(small_result, tmp_path):
    # The snippet lost every coordinate: time showed as 0-27 and clusters as 0-19.
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    code = readme_plain_xarray_block().replace('"results/shandong-2015.h5"', repr(str(small_result)))
    code = re.sub(r"^big = .*$", 'big = ["alpha", "gamma"]', code, flags=re.M)
    plt.close("all")  # the snippet draws on the current figure: not one another test left
    namespace = {}
    exec(compile(code, "README.md (plain xarray)", "exec"), namespace)
    ds = namespace["ds"]
    assert np.issubdtype(ds["time"].dtype, np.datetime64)
    assert list(ds["cluster"].values) == ["alpha", "beta", "gamma"]
    axes = plt.gcf().axes[0]
    assert [t.get_text() for t in axes.get_legend().get_texts()] == ["alpha", "gamma"]
    assert "time" in axes.get_xlabel()
    # Matplotlib's date axis: the ticks are dates, not step numbers.
    assert isinstance(axes.xaxis.get_major_formatter(), matplotlib.dates.AutoDateFormatter) or \
        "Date" in type(axes.xaxis.get_major_formatter()).__name__
    plt.gcf().savefig(tmp_path / "plain-xarray.png")
    plt.close("all")


def test_ncdump_lists_the_layout(small_result):
    ncdump = shutil.which("ncdump")
    assert ncdump, "ncdump (Debian netcdf-bin) is required by this test"
    done = subprocess.run([ncdump, "-h", str(small_result)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    for text in ("dimensions:", "replicate = 4", "time = 12", "cluster = 3", "group: metrics",
                 "double output_value(replicate, time, cluster)", "group: goals"):
        assert text in done.stdout, text
