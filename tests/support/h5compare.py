"""Comparing HDF5 result files exactly: every dataset's type, shape, bits and attributes."""
import h5py
import numpy as np

# The groups and root dimensions that hold a sweep's results (the rest is provenance).
COMPARED_GROUPS = ("metrics", "goals", "coords")
DIMENSIONS = ("point", "run", "replicate", "time", "cluster", "goal")


def datasets(group, prefix=""):
    """Every dataset under an HDF5 group, by its path below the group."""
    found = {}
    group.visititems(lambda name, item: found.__setitem__(prefix + name, item)
                     if isinstance(item, h5py.Dataset) else None)
    return found


def plain(value, file):
    """An attribute's value as plain Python, object references (dimension scales' DIMENSION_LIST
    and REFERENCE_LIST) as the paths they point to, which are comparable across files."""
    if isinstance(value, h5py.Reference):
        return file[value].name if value else None
    if isinstance(value, np.ndarray):
        return [plain(v, file) for v in value.tolist()]
    if isinstance(value, (list, tuple)):
        return [plain(v, file) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def assert_same_dataset(name, a, b):
    assert a.dtype == b.dtype and a.shape == b.shape, \
        f"{name}: {a.dtype}{a.shape} against {b.dtype}{b.shape}"
    x, y = a[()], b[()]
    if a.dtype.kind in "OSUV":  # strings and compound/opaque values: compare as values
        assert np.array_equal(np.asarray(x, dtype=object), np.asarray(y, dtype=object)), name
    elif np.asarray(x).tobytes() != np.asarray(y).tobytes():  # numbers bit for bit, NaNs too
        x, y = np.atleast_1d(x).ravel(), np.atleast_1d(y).ravel()
        differ = np.flatnonzero([u.tobytes() != v.tobytes() for u, v in zip(x, y)])
        first = differ[:5]
        raise AssertionError(f"{name}: {len(differ)} of {x.size} values differ, e.g. at flat "
                             f"index {first.tolist()}: {x[first].tolist()} against "
                             f"{y[first].tolist()}")
    assert set(a.attrs) == set(b.attrs), f"{name}: attributes {set(a.attrs)} against {set(b.attrs)}"
    for key in a.attrs:
        x, y = plain(a.attrs[key], a.file), plain(b.attrs[key], b.file)
        if key == "REFERENCE_LIST":  # the datasets a dimension scale is attached to, any order
            x, y = sorted(x), sorted(y)
        assert x == y, f"{name}@{key}: {x} against {y}"


def assert_same_sweep(left_path, right_path):
    """The two sweep result files hold the same results, bit for bit."""
    with h5py.File(left_path, "r") as a, h5py.File(right_path, "r") as b:
        for group in COMPARED_GROUPS:
            assert group in a and group in b, f"/{group} missing"
            left, right = datasets(a[group], f"/{group}/"), datasets(b[group], f"/{group}/")
            assert left.keys() == right.keys(), f"/{group}: {sorted(left)} against {sorted(right)}"
            assert left, f"/{group} holds no datasets"
            for name in left:
                assert_same_dataset(name, left[name], right[name])
        for name in DIMENSIONS:
            assert (name in a) == (name in b), f"/{name} in only one of the files"
            if name in a and isinstance(a[name], h5py.Dataset):
                assert_same_dataset(f"/{name}", a[name], b[name])
        for key in ("sweep_method", "sweep_settings", "sweep_points", "sweep_fingerprint"):
            assert plain(a.attrs[key], a) == plain(b.attrs[key], b), key
