"""The result files the docs' code blocks read exist when a reader follows them: each is written
by `make run`, or by a command in the same code block or an earlier one of the same document
(a reader runs `make run`, then the document in order). python/README.md read
results/levers.h5 with nothing before it saying how to make it."""
import re

import pytest

from conftest import SOURCE_DIR

DOCS = ["README.md", "python/README.md", "results/README.md", "scenarios/README.md",
        "models/README.md"]
RESULT = r"results/[\w./-]+\.h5"
READS = [rf"goals\s+({RESULT})", rf"(?:load|open_dataset|File)\(\s*\"({RESULT})\"",
         rf"stats\s+({RESULT})", rf"posterior\s+({RESULT})", rf"sensitivity\s+({RESULT})"]
WRITES = [rf"-o\s+({RESULT})", rf"output\s*=\s*\"({RESULT})\""]


def make_run_outputs():
    makefile = (SOURCE_DIR / "Makefile").read_text()
    target = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    return set(re.findall(rf"-o ({RESULT})", target))


def code_blocks(text):
    return re.findall(r"^```[^\n]*\n(.*?)^```", text, flags=re.S | re.M)


def test_make_run_writes_the_plans_baseline():
    assert "results/shandong-2015.h5" in make_run_outputs()


@pytest.mark.parametrize("doc", DOCS)
def test_every_result_file_a_code_block_reads_was_written(doc):
    made = make_run_outputs()
    written = set()
    for block in code_blocks((SOURCE_DIR / doc).read_text()):
        joined = block.replace("\\\n", " ")
        written |= {p for pattern in WRITES for p in re.findall(pattern, joined)}
        for pattern in READS:
            for path in re.findall(pattern, joined):
                assert path in made | written, (
                    f"{doc} reads {path}, which neither `make run` nor its code block writes:\n"
                    f"{block}")
