# The README's two commands. Each installs what is missing (Debian packages), configures and
# builds; `run` then runs the plan's baseline scenario, `test` runs every test.
BUILD      := build
PYTHON     := /usr/bin/python3
SUDO       := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PACKAGES   := cmake make g++ pkg-config git \
              libeigen3-dev libtbb-dev libhdf5-dev zlib1g-dev librandom123-dev libyaml-cpp-dev \
              libcli11-dev nlohmann-json3-dev libfmt-dev libgtest-dev libgmock-dev libbenchmark-dev \
              pybind11-dev python3-dev python3-numpy python3-h5py python3-xarray python3-h5netcdf \
              python3-pandas python3-pytest python3-scipy netcdf-bin \
              python3-matplotlib python3-tqdm python3-yaml python3-nbclient python3-nbformat \
              python3-ipykernel python3-venv \
              libboost-dev openmpi-bin libopenmpi-dev slurm-wlm munge \
              chromium fonts-wqy-microhei poppler-utils \
              libcpp-httplib-dev chromium-driver python3-selenium
# Only for `make notebook` (Jupyter in a browser).
NOTEBOOK_PACKAGES := jupyter-notebook python3-nbconvert
# Only for `make deb` (dpkg-shlibdeps finds the packages of the shared libraries).
DEB_PACKAGES       := dpkg-dev file
# Only for `make fuzz` (libFuzzer comes with clang's runtime libraries).
FUZZ_PACKAGES      := clang-14 libclang-rt-14-dev
# Only for `make tsan` (to unpack and patch Debian's oneTBB source).
TSAN_PACKAGES      := patch xz-utils
# Only for `make hpc-test` (MPICH beside Open MPI, which stays Debian's default mpirun and mpicc).
HPC_PACKAGES       := mpich libmpich-dev
# Only for `make container-test` (runc: tests/install/container_test.sh says why not crun).
CONTAINER_PACKAGES := podman runc debootstrap
FUZZ_SECONDS       ?= 60
FUZZ_SEED          ?= 0
ROOT_FLAG  := $(shell [ "$$(id -u)" = 0 ] && echo --allow-root)

.PHONY: all deps configure build run test docs deb hpc-test container-test bench-peers \
        sanitized-build asan tsan fuzz notebook venv clean

all: build

deps:
	@missing=$$(for p in $(PACKAGES); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
	  echo "Installing missing Debian packages:" $$missing; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

configure: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DPython_EXECUTABLE=$(PYTHON)

build: configure
	cmake --build $(BUILD) -j$$(nproc)

run: build
	$(BUILD)/bin/clustersim run scenarios/shandong-2015.yaml --compare scenarios/no-policy.yaml -o results/shandong-2015.h5 --force
	@echo
	@echo "The same, with the settings drawn from the Shandong calibration's posterior (parameter uncertainty):"
	$(BUILD)/bin/clustersim run scenarios/shandong-2015-calibrated.yaml --compare scenarios/no-policy.yaml -o results/shandong-2015-calibrated.h5 --force

test: build
	cd $(BUILD) && ctest --output-on-failure -j$$(nproc)

# Every block of numbers the docs show, regenerated from this build (make test fails on a
# stale one): the tour's output and the baseline's figures, the recipes' outputs, the metric
# table, the calibration tables, and the lever table (about 2 minutes on 2 cores).
docs: build
	$(PYTHON) tests/docs/baseline_figures.py --update
	$(PYTHON) tests/docs/recipes.py --update --clustersim-python $(BUILD)/python
	$(PYTHON) tests/docs/metric_table.py --clustersim-python $(BUILD)/python
	$(PYTHON) tests/calibration/calibration_tables.py --update
	$(PYTHON) tests/levers/lever_table.py --update models/README.md

# A Debian package of the install (CPack, CMakeLists.txt): build/clustersim_<version>_<arch>.deb.
# tests/install/check_deb.sh installs it, runs it outside the tree and removes it (CI does).
deb: build
	@$(MAKE) --no-print-directory deps PACKAGES="$(DEB_PACKAGES)"
	cd $(BUILD) && cpack -G DEB

# The build a cluster user makes (README.md, "On an HPC cluster"): as an unprivileged user made
# for the test, with MPICH first on PATH, the README's cmake block run as written, installed to
# $HOME/.local; from outside the tree the baseline and a sweep under MPICH's mpiexec, compared
# with this build's (Open MPI) bit for bit (tests/install/hpc_test.sh, about 4 minutes).
hpc-test: build
	@$(MAKE) --no-print-directory deps PACKAGES="$(HPC_PACKAGES)"
	tests/install/hpc_test.sh $(BUILD)

# The Containerfile built with podman on a Debian 12 image made with debootstrap, the baseline
# and a sweep run in it and compared with this build's bit for bit, the image saved as an OCI
# archive (tests/install/container_test.sh: about 9.5 minutes, 7 once the base image is made).
container-test: build
	@$(MAKE) --no-print-directory deps PACKAGES="$(CONTAINER_PACKAGES)"
	tests/install/container_test.sh $(BUILD)

# clustersim bench beside the NumPy reference firm core, the 2-thread speed-up, the scale
# scenario's bytes per firm and one-replicate runs per second, as ratios from one run
# (tests/bench/bench_peers.py; README.md, "Performance"). BASELINE=path/to/older/clustersim
# adds new/old ratios (interleaved runs, medians); BENCH_PEERS_FLAGS passes more, e.g. --quick.
bench-peers: build
	$(PYTHON) tests/bench/bench_peers.py --clustersim $(BUILD)/bin/clustersim \
	  $(if $(BASELINE),--baseline $(BASELINE)) $(BENCH_PEERS_FLAGS)

# The sanitizer build (CMakePresets.json "asan": clang 14, ASan and UBSan, with libFuzzer's
# coverage so that one build serves both targets below). SANITIZED is its folder.
SANITIZED := build-asan
sanitized-build: deps
	@$(MAKE) --no-print-directory deps PACKAGES="$(FUZZ_PACKAGES)"
	cmake --preset asan

# Each libFuzzer target for FUZZ_SECONDS, from its seed corpus in tests/fuzz/corpus; new inputs
# go to build-asan/fuzz/corpus, findings to build-asan/fuzz/findings (any finding fails).
# FUZZ_SEED=0 draws a new seed each time; CI fixes it so that its run is repeatable.
# tests/fuzz/README.md says what each target feeds; the two scenario targets take a dictionary
# (-dict=, tests/fuzz/make_dictionaries.py writes them).
FUZZ_WORK := $(CURDIR)/$(SANITIZED)/fuzz
FUZZ_OPTIONS = -max_total_time=$(FUZZ_SECONDS) -seed=$(FUZZ_SEED) -rss_limit_mb=4096 \
               -print_final_stats=1 -artifact_prefix=$(FUZZ_WORK)/findings/
fuzz: sanitized-build
	cmake --build $(SANITIZED) -j$$(nproc) --target scenario_fuzz result_fuzz set_fuzz serve_fuzz
	mkdir -p $(FUZZ_WORK)/corpus/scenario $(FUZZ_WORK)/corpus/result $(FUZZ_WORK)/corpus/set \
	  $(FUZZ_WORK)/corpus/serve $(FUZZ_WORK)/findings
	# From scenarios/, so that the seeds' data/ paths resolve and validation goes deep; standard
	# input from /dev/null, so that a data path of /dev/stdin reads nothing rather than waits.
	cd scenarios && ../$(SANITIZED)/bin/scenario_fuzz $(FUZZ_OPTIONS) -timeout=10 \
	  -dict=../tests/fuzz/scenario.dict $(FUZZ_WORK)/corpus/scenario ../tests/fuzz/corpus/scenario \
	  </dev/null
	# --set overrides of shandong-2015.yaml; 8 KiB inputs reach both limits on --set.
	cd scenarios && ../$(SANITIZED)/bin/set_fuzz $(FUZZ_OPTIONS) -timeout=30 -max_len=8192 \
	  -dict=../tests/fuzz/set.dict $(FUZZ_WORK)/corpus/set ../tests/fuzz/corpus/set </dev/null
	# Run-request bodies of clustersim serve, against the plan and its counterfactual.
	cd scenarios && ../$(SANITIZED)/bin/serve_fuzz $(FUZZ_OPTIONS) -timeout=30 -max_len=8192 \
	  $(FUZZ_WORK)/corpus/serve ../tests/fuzz/corpus/serve </dev/null
	# The commands' own output is muted (-close_fd_mask=3); libFuzzer's and sanitizers' is not.
	$(SANITIZED)/bin/result_fuzz $(FUZZ_OPTIONS) -timeout=60 -close_fd_mask=3 \
	  $(FUZZ_WORK)/corpus/result tests/fuzz/corpus/result

# The C++ unit tests, then the command-line tests (tests/cli, with build-asan's clustersim;
# the Python package is not built there, so its tests skip), under the address and
# undefined-behaviour sanitizers; any report fails. CI runs it after `make test`.
ASAN_ENV := ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
asan: sanitized-build
	cmake --build $(SANITIZED) -j$$(nproc) --target unit_tests clustersim
	$(ASAN_ENV) $(SANITIZED)/bin/unit_tests --gtest_brief=1
	$(ASAN_ENV) CLUSTERSIM=$(CURDIR)/$(SANITIZED)/bin/clustersim \
	  $(PYTHON) -m pytest -q -p no:cacheprovider tests/cli

# The unit suite, ensemble runs and local and MPI sweeps under ThreadSanitizer (CMakePresets.json
# "tsan"), against a oneTBB built with TSan from Debian's source (tests/tsan/README.md); any
# report fails. CI runs it after `make asan`.
tsan: deps
	@$(MAKE) --no-print-directory deps PACKAGES="$(TSAN_PACKAGES)"
	tests/tsan/build-onetbb.sh build-tsan/onetbb
	cmake --preset tsan
	cmake --build build-tsan -j$$(nproc) --target unit_tests clustersim
	tests/tsan/run.sh build-tsan

# The example notebook in Jupyter, with this build's clustersim package on the path.
notebook: build
	@$(MAKE) --no-print-directory deps PACKAGES="$(NOTEBOOK_PACKAGES)"
	cd python/notebooks && PYTHONPATH=$(CURDIR)/$(BUILD)/python \
	  jupyter notebook $(ROOT_FLAG) 01-what-if.ipynb

# .venv: a venv that sees Debian's packages (--system-site-packages) and this build's clustersim
# (python/make_venv.sh; tests/install/test_venv.py runs it).
VENV := .venv
venv: build
	python/make_venv.sh $(PYTHON) $(VENV) $(CURDIR)/$(BUILD)/python

clean:
	rm -rf $(BUILD) build-asan build-tsan
