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


# Root attributes that say where, when, how and by which build a file was written: they differ
# between two builds or folders that compute the same numbers.
PROVENANCE = ("clustersim_version", "git_commit", "build_flags", "created", "command_line",
              "scenario_source", "sweep_source", "sweep_fingerprint", "threads",
              "wall_time_seconds")


def scenarios_folder(file):
    """The folder of the shipped scenarios the file's run resolved its base from."""
    source = plain(file.attrs["scenario_source"], file)
    source = source.decode() if isinstance(source, bytes) else source
    return source.rsplit("/", 1)[0] if "/" in source else ""


def assert_same_results(left_path, right_path):
    """Two result or sweep files of the same scenario from different builds, MPI libraries or
    install prefixes hold the same results, bit for bit: every dataset (its type, shape, bits and
    attributes) and every root attribute but the provenance ones. The resolved scenario text
    (/scenario) names its data files by absolute path, so it is compared with each file's
    scenarios folder written as <scenarios>."""
    with h5py.File(left_path, "r") as a, h5py.File(right_path, "r") as b:
        left, right = datasets(a, "/"), datasets(b, "/")
        assert left.keys() == right.keys(), \
            (f"datasets only in {left_path}: {sorted(left.keys() - right.keys())}; only in "
             f"{right_path}: {sorted(right.keys() - left.keys())}")
        assert any(n.startswith("/metrics/") for n in left), f"{left_path}: no metrics"
        for name in left:
            if name == "/scenario":
                texts = []
                for f in (a, b):
                    text = f[name][()]
                    text = text.decode() if isinstance(text, bytes) else str(text)
                    folder = scenarios_folder(f)
                    texts.append(text.replace(folder, "<scenarios>") if folder else text)
                assert texts[0] == texts[1], "/scenario: the resolved scenarios differ"
            else:
                assert_same_dataset(name, left[name], right[name])
        keys = set(a.attrs) - set(PROVENANCE)
        assert keys == set(b.attrs) - set(PROVENANCE), \
            f"root attributes {sorted(a.attrs)} against {sorted(b.attrs)}"
        for key in keys:
            assert plain(a.attrs[key], a) == plain(b.attrs[key], b), f"root attribute {key}"
        return len(left)


if __name__ == "__main__":
    import sys
    if len(sys.argv) != 3:
        print("usage: h5compare.py LEFT.h5 RIGHT.h5  (exit 0: the same results, bit for bit)",
              file=sys.stderr)
        sys.exit(2)
    try:
        count = assert_same_results(sys.argv[1], sys.argv[2])
    except (OSError, KeyError) as error:
        print(f"h5compare: {error}", file=sys.stderr)
        sys.exit(2)
    except AssertionError as error:
        print(f"h5compare: {sys.argv[1]} and {sys.argv[2]} differ: {error}", file=sys.stderr)
        sys.exit(1)
    print(f"h5compare: {sys.argv[1]} and {sys.argv[2]}: the same {count} datasets, bit for bit")
