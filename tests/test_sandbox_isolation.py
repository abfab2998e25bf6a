"""Issue 21's reproductions, each a regression test run with the audit hook off (guard=False) unless it is the
hook being switched off: what holds is the operating system's (namespaces, own root, uid), not the hook."""

from __future__ import annotations

import ast
import os
import tempfile
import threading
from pathlib import Path

import pytest

from interviewer.coding.code_grader import combine, correctness
from interviewer.coding.reference import Drawing
from interviewer.domain.grades import Grade
from interviewer.domain.questions import CodeExample, CodingSpec
from tests import sandbox_fixtures as fx
from tests.sandbox_fixtures import SECRET, first, need_namespaces

from .helpers import wait_until

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("servers")]
secret_dir, runner = fx.secret_dir, fx.runner  # the module's fixtures

FIND_SECRET = """
import stat
found, seen = [], []
for path in TARGETS:
    link = "/tmp/link-" + str(len(seen))
    for how in ("direct", "symlink"):
        try:
            if how == "symlink":
                os.symlink(path, link)
            with open(path if how == "direct" else link) as f:
                found.append(f.read())
        except OSError as exc:
            seen.append(type(exc).__name__)
for top in ("/tmp", "/var/tmp", "/dev/shm", "/"):
    for folder, dirs, files in os.walk(top):
        dirs[:] = [d for d in dirs if os.path.join(folder, d) not in ("/proc", "/usr", "/sys")]
        for name in files[:50]:
            path = os.path.join(folder, name)
            seen.append(path)
            try:
                if not stat.S_ISREG(os.lstat(path).st_mode):
                    continue  # /dev/stdin and friends would block
                with open(path, errors="replace") as f:
                    if "SECRET-ROW" in f.read(100000):
                        found.append(path)
            except OSError:
                pass
        if len(seen) > 2000:
            break
return [found, len(seen)]
"""


def test_1_another_candidates_files_and_gradio_exports_are_out_of_reach(runner, secret_dir):
    """Gradio's exports under the host's /tmp and under the data folder, and a file another candidate's run
    writes while it runs: not listed, not opened directly or through a symlink."""
    need_namespaces(runner)
    host_export = Path(tempfile.gettempdir()) / "gradio" / f"issue21-{os.getpid()}" / "export.csv"
    host_export.parent.mkdir(parents=True, exist_ok=True)
    host_export.write_text(SECRET)
    os.chmod(host_export, 0o644)
    targets = [str(host_export), str(secret_dir / "gradio" / "3f2a9c" / "scorecard.csv")]
    other = (
        "import time\nopen('/tmp/notes.txt', 'w').write('SECRET-ROW of another run')\n"
        "open('/dev/shm/notes', 'w').write('SECRET-ROW')\n\ndef probe(x):\n    time.sleep(1)\n    return x\n"
    )
    slow = CodingSpec(
        function="probe", signature="def probe(x):", examples=[CodeExample(call="probe(1)", expected="1")] * 6
    )
    busy = threading.Thread(
        target=runner.run, args=(slow, other), kwargs={"include_hidden": False, "guard": False}
    )
    try:
        busy.start()
        wait_until(lambda: runner.loaded_runs, 10, interval_s=0.01, what="the other candidate's run to start")
        run, t = first(runner, f"TARGETS = {targets!r}\n" + FIND_SECRET)
        found, looked_at = eval(t.got)
        assert found == [] and looked_at > 20 and SECRET not in run.model_dump_json()
        assert busy.is_alive()  # the other run was writing its files the whole time
    finally:
        busy.join()
        host_export.unlink()
        host_export.parent.rmdir()


ESCAPE = """
import sys, posixpath, subprocess
harness = sys.modules["__main__"]
harness.BLOCKED.clear()
posixpath.abspath = posixpath.realpath = lambda p: "/tmp/" + str(p)
out = []
for cmd in (["id", "-u"], ["cat", DB], ["ls", "-a", "/", "/tmp", "/proc"], ["cat", "/proc/1/cmdline"]):
    try:
        out.append(subprocess.run(cmd, capture_output=True, text=True, timeout=5).stdout)
    except Exception as exc:
        out.append(type(exc).__name__)
try:
    out.append(open(DB).read())
except OSError as exc:
    out.append(type(exc).__name__)
return out
"""


def test_2_switching_the_guard_off_gains_nothing(runner, secret_dir):
    """The hook is installed here (guard=True), and the code disables it: a program it then starts is as
    confined as the code itself."""
    need_namespaces(runner)
    run, t = first(runner, f"DB = {str(secret_dir / 'interviewer.db')!r}\n" + ESCAPE, guard=True)
    uid, cat_db, listing, init_cmdline, direct = eval(t.got)
    assert int(uid) >= runner.s.sandbox_uid_base  # the hook is gone: `id` ran, as the sandbox's uid
    assert cat_db == "" and direct == "FileNotFoundError" and SECRET not in run.model_dump_json()
    assert "interviewer" not in listing and "gradio" not in listing
    assert init_cmdline == ""  # process 1 (the namespace's init, root) is invisible to the code


LEAK_HUNT = """
import gc, re, sys
MARK = re.compile(r"MARK-[0-9a-z]+")
SEEN = []

def _strings(obj, depth=0):
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, (bytes, bytearray)):
        yield bytes(obj).decode("latin-1")
    elif depth < 3 and isinstance(obj, dict):
        for k, v in list(obj.items()):
            yield from _strings(k, depth + 1)
            yield from _strings(v, depth + 1)
    elif depth < 3 and isinstance(obj, (list, tuple, set, frozenset)):
        for v in list(obj):
            yield from _strings(v, depth + 1)

def hunt():
    found = set()
    frame = sys._getframe()
    while frame is not None:
        for text in _strings(dict(frame.f_locals)):
            found.update(MARK.findall(text))
        frame = frame.f_back
    for obj in gc.get_objects():
        for text in _strings(obj):
            found.update(MARK.findall(text))
    try:
        os.set_blocking(0, False)
        found.update(MARK.findall(os.read(0, 1 << 20).decode("latin-1")))
    except OSError:
        pass
    return found

print("at load:", sorted(hunt()))

def probe(x):
    here = MARK.findall(repr(x))
    found = hunt()
    leaked = found - set(SEEN) - set(here)
    SEEN.extend(here)
    return [len(leaked), bool(set(here) & found)]
"""


def test_3_the_code_never_holds_a_call_still_to_come(runner):
    """Code that walks its frames, every object the garbage collector tracks and the stdin pipe, at load time and
    in every call, finds the call in hand (so the hunt works) and nothing of the calls to come."""
    marks = [f"MARK-h{k}" for k in range(5)]
    spec = CodingSpec(
        function="probe",
        signature="def probe(x):",
        examples=[CodeExample(call='probe("MARK-e0")', expected="[0, True]")],
        tests=[CodeExample(call=f"probe({m!r})", expected="[0, True]") for m in marks],
        solution="def probe(x):\n    return [0, True]\n",
        generator="def generate(rng):\n    return ('MARK-r' + str(rng.randrange(10**9)),)\n",
    )
    run = runner.run(spec, "import os\n" + LEAK_HUNT, guard=False)
    assert run.status == "ok" and run.output.startswith("at load: []"), run
    assert [t.status for t in run.tests] == ["passed"] * (1 + len(marks) + runner.s.sandbox_random_tests)


def test_4_writes_are_bounded_and_do_not_outlive_the_run(runner):
    need_namespaces(runner)
    tag = f"issue21-{os.getpid()}"
    body = f"""
out = {{}}
for folder in ("/tmp", "/dev/shm", "/var/tmp"):
    written = 0
    try:
        for k in range(60):
            with open(f"{{folder}}/{tag}-{{k}}", "wb") as f:
                f.write(b"x" * (1 << 20))
            written += 1
    except OSError as exc:
        out[folder] = [written, type(exc).__name__]
made = 0
try:
    os.mkdir("/tmp/many")
    for k in range(5000):
        open(f"/tmp/many/{{k}}", "w").close()
        made += 1
except OSError as exc:
    out["files"] = [made, type(exc).__name__]
return out
"""
    _run, t = first(runner, body)
    out = eval(t.got)
    size = runner.s.sandbox_folder_mb
    assert out["/tmp"][0] <= size and out["/tmp"][1] == "OSError"  # ENOSPC at the tmpfs size
    for folder in ("/dev/shm", "/var/tmp"):
        assert out[folder][0] <= runner.s.sandbox_scratch_mb, out
    assert out["files"][0] < runner.s.sandbox_max_files, out  # nr_inodes caps the file count
    _run, t = first(runner, "return [n for f in ('/tmp', '/dev/shm', '/var/tmp') for n in os.listdir(f)]")
    assert t.got == "[]"  # the next run starts empty
    for folder in (tempfile.gettempdir(), "/dev/shm", "/var/tmp"):
        assert not [n for n in os.listdir(folder) if n.startswith(tag)]  # and the host never saw them


def test_5_no_other_process_is_visible_or_signallable(runner):
    need_namespaces(runner)
    body = f"""
import signal
pids = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
sent = 0
for pid in range(1, 4000):
    try:
        os.kill(pid, 0)
        sent += pid != os.getpid()
    except OSError:
        pass
try:
    host = open("/proc/{os.getpid()}/cmdline").read()
except OSError as exc:
    host = type(exc).__name__
return [pids, os.getpid(), sent, host]
"""
    _run, t = first(runner, body)
    pids, own, signallable, host = eval(t.got)
    assert pids == [own] and signallable == 0
    assert (
        host != Path(f"/proc/{os.getpid()}/cmdline").read_text()
    )  # this test's process is not its pid there


def test_6_a_table_of_the_corpus_answers_fails_the_random_tests(runner, corpus):
    """Every example and hidden test of cnlp-edit-distance, answered from a table: the random tests fail it and
    the grade gives it nothing for correctness."""
    spec = corpus.by_id["cnlp-edit-distance"].coding
    table = {}
    for test in [*spec.examples, *spec.tests]:
        call = ast.parse(test.call, mode="eval").body
        table[tuple(ast.literal_eval(arg) for arg in call.args)] = ast.literal_eval(test.expected)
    code = f"TABLE = {table!r}\n\ndef edit_distance(a, b):\n    return TABLE.get((a, b), 0)\n"
    run = runner.run(spec, code, guard=False)
    assert run.pass_rate("example") == 1.0 and run.pass_rate("hidden") == 1.0  # the table is right there
    assert run.pass_rate("random") is not None and run.pass_rate("random") <= 0.3, run.summary()
    grade = combine(Grade(question_id="q", score=4.0, level="mid", criteria=[], confidence=0.5), run, code)
    assert correctness(run) <= 0.3 and grade.level == "none" and grade.score < 2.0, (
        grade.score,
        run.summary(),
    )


def test_the_same_code_meets_the_same_random_tests_and_changed_code_new_ones(runner, corpus):
    """A partly correct edit distance (Hamming distance plus the length difference) passes some random tests and
    fails others. Run again, it must meet the same inputs: a grade that moved between two runs of the same code
    (by up to 0.9 points on the benchmark, with a fresh seed per run) is not one a candidate can trust."""
    spec = corpus.by_id["cnlp-edit-distance"].coding
    code = "def edit_distance(a, b):\n    return sum(x != y for x, y in zip(a, b)) + abs(len(a) - len(b))\n"
    runs = [runner.run(spec, code, guard=False) for _ in range(2)]
    statuses = [[t.status for t in run.of_kind("random")] for run in runs]
    assert 0 < statuses[0].count("passed") < len(statuses[0]), statuses[0]  # partly right, so a draw shows
    assert statuses[0] == statuses[1] and correctness(runs[0]) == correctness(runs[1])
    assert [t.about for t in runs[0].of_kind("random")] == [t.about for t in runs[1].of_kind("random")]


def test_the_reference_solution_and_generator_run_sandboxed_too(runner, secret_dir):
    """Recruiters edit generators through the web UI: a hostile one is confined like candidate code."""
    db = str(secret_dir / "interviewer.db")
    spec = CodingSpec(
        function="probe",
        signature="def probe(x):",
        solution="def probe(x):\n    return x\n",
        generator=f"import os\ndef generate(rng):\n    return (open({db!r}).read(), os.getuid())\n",
    )
    drawing = Drawing(runner, spec, 3, 1)
    drawing.run()
    assert drawing.cases == [] and "Error" in drawing.error and SECRET not in drawing.error
