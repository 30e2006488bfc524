"""Result files are netCDF-4 readable: xarray (h5netcdf) and ncdump, without clustersim."""
import shutil
import subprocess

import h5py
import numpy as np
import xarray as xr


def test_xarray_reads_metrics_with_dimensions(small_result):
    with xr.open_dataset(small_result, engine="h5netcdf", group="metrics") as ds:
        assert ds["output_value"].dims == ("replicate", "time", "cluster")
        assert ds["output_value"].attrs["units"] == "yuan/year"
        with h5py.File(small_result, "r") as f:
            np.testing.assert_array_equal(ds["output_value"].values,
                                          f["metrics/output_value"][...])


def test_xarray_reads_root_coordinates(small_result):
    with xr.open_dataset(small_result, engine="h5netcdf") as ds:
        assert list(ds["cluster"].values) == ["alpha", "beta", "gamma"]
        assert ds["time"].values[0] == 2014.25
        assert ds.attrs["filetype"] == "clustersim-result"


def test_ncdump_lists_the_layout(small_result):
    ncdump = shutil.which("ncdump")
    assert ncdump, "ncdump (Debian netcdf-bin) is required by this test"
    done = subprocess.run([ncdump, "-h", str(small_result)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    for text in ("dimensions:", "replicate = 4", "time = 12", "cluster = 3", "group: metrics",
                 "double output_value(replicate, time, cluster)", "group: goals"):
        assert text in done.stdout, text
