"""The real sandbox: corpus solutions pass, hostile code is contained and reported, runaways block nobody.

Containment tests run with the in-process guard off (guard=False), so what they show is the operating system's
protection (uid, namespaces, rlimits), not the audit hook; one test shows the guard's report on top. The
reproductions of issue 21 are in test_sandbox_isolation.py, the generators' tests in test_generators.py.
"""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path

import pytest

from interviewer.coding.runner import CodeRunner
from interviewer.config import load_settings
from tests import sandbox_fixtures as fx
from tests.sandbox_fixtures import PROBE as SPEC
from tests.sandbox_fixtures import SECRET
from tests.sandbox_fixtures import first as _first

from .helpers import wait_until

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("servers")]
secret_dir, runner = fx.secret_dir, fx.runner  # the module's fixtures


def test_every_corpus_solution_passes_its_examples_and_hidden_tests(corpus, runner):
    coding = [q for q in corpus.questions if q.kind == "coding"]
    assert len(coding) >= 37 and all(q.coding for q in coding)
    for q in coding:
        run = runner.run(q.coding, q.coding.solution)
        assert run.status == "ok", (q.id, run.message)
        assert run.all_passed, (q.id, [(t.label, t.status, t.error) for t in run.tests if not t.passed])
        assert len(run.of_kind("hidden")) == len(q.coding.tests) >= 4
        assert len(run.of_kind("random")) == runner.s.sandbox_random_tests, (q.id, run.warnings)


def test_every_coding_question_has_reviewer_key_points(corpus):
    signals = {
        "complexity": r"O\([^)]*\)|complexity|linear",
        "edge cases": r"edge|empty|zero|wrap|tie|pitfall|invalid|validat|stabl|late |out-of-order|test|guard|broadcast",
    }
    for q in (q for q in corpus.questions if q.kind == "coding"):
        assert q.points_at("junior"), q.id  # the approach a junior answer must take
        text = q.reference_answer + " " + " ".join(k.text + " " + " ".join(k.terms) for k in q.key_points)
        for name, pattern in signals.items():
            assert re.search(pattern, text, re.I), f"{q.id}: no key point or reference on {name}"
        assert q.coding.starter.strip() and q.coding.examples, q.id


def test_buggy_starter_code_fails_hidden_tests(corpus, runner):
    q = corpus.by_id["mlf-code-split-bug"]
    run = runner.run(q.coding, q.coding.starter)
    assert run.status == "ok" and run.pass_rate("example") == 1.0 and run.pass_rate("hidden") < 1.0


def test_runs_as_an_unprivileged_user_in_a_fresh_private_folder(runner):
    if not runner.protections["unprivileged_user"]:
        pytest.skip("not root: the runner cannot switch uid here (reported in its warnings)")
    body = "return [os.getuid(), os.getgid(), os.getcwd(), os.listdir('.'), sorted(os.listdir('/'))]"
    _run, t = _first(runner, body)
    uid, gid, cwd, files, root = eval(t.got)
    assert uid >= runner.s.sandbox_uid_base and gid == uid and uid != 0
    if runner.protections["own_file_system"]:  # a root of its own: /usr and the few folders Python needs
        assert cwd == "/tmp" and files == []
        assert set(root) <= {
            "bin",
            "dev",
            "etc",
            "lib",
            "lib32",
            "lib64",
            "libx32",
            "proc",
            "sandbox",
            "sbin",
        } | {
            "tmp",
            "usr",
            "var",
        }


def test_infinite_loop_is_stopped_and_reported(runner):
    t0 = time.monotonic()
    run, t = _first(runner, "while True:\n    pass")
    assert t.status == "timeout" and time.monotonic() - t0 < runner.s.sandbox_timeout_s + 5
    run = runner.run(SPEC, "while True:\n    pass\n", guard=False)
    # A loop at import time is stopped by the wall clock or, on a busy machine, by the CPU limit first.
    assert (run.status == "load_error" and "too long" in run.message) or run.status == "cpu_limit", run
    assert not run.tests or all(t.status != "passed" for t in run.tests)


def test_fork_bomb_hits_the_process_limit(runner):
    if not runner.protections["unprivileged_user"]:
        pytest.skip("RLIMIT_NPROC does not bind root; the runner needs root to switch uid")
    body = (
        "n = 0\nwhile n < 10000:\n    try:\n        os.fork()\n    except OSError as e:\n"
        "        return [type(e).__name__, os.getuid()]\n    n += 1\nreturn n"
    )
    _run, t = _first(runner, body)
    error, uid = eval(t.got)
    assert error == "BlockingIOError"  # EAGAIN at RLIMIT_NPROC
    assert not [p for p in Path("/proc").iterdir() if p.name.isdigit() and _uid(p) == uid]  # all killed


def _uid(proc: Path) -> int:
    try:
        return proc.stat().st_uid
    except OSError:
        return -1


def test_memory_bomb_raises_memory_error(runner):
    run, t = _first(runner, "block = bytearray(4 * 1024 ** 3)\nreturn len(block)")
    assert run.status == "memory_limit" and t.status == "error" and t.error.startswith("MemoryError")


def test_files_outside_the_folder_stay_out_of_reach(runner, secret_dir):
    db = secret_dir / "interviewer.db"
    for path in (db, "/etc/shadow", Path(__file__)):
        run, t = _first(runner, f"return open({str(path)!r}).read()")
        assert t.status == "error" and ("Error" in t.error), (path, t)
        assert SECRET not in run.model_dump_json()


def test_environment_variables_of_the_app_are_absent(runner, monkeypatch):
    monkeypatch.setenv("INTERVIEWER_TEST_SECRET", "hunter2-token")
    run, t = _first(runner, "return sorted(os.environ)")
    keys = eval(t.got)
    assert "INTERVIEWER_TEST_SECRET" not in keys and "hunter2" not in run.model_dump_json()
    assert set(keys) <= {
        "PATH",
        "LANG",
        "HOME",
        "TMPDIR",
        "PYTHONIOENCODING",
        "OPENBLAS_NUM_THREADS",
        "OMP_NUM_THREADS",
        "MKL_NUM_THREADS",
    }


def test_network_is_unreachable(runner):
    if not runner.protections["no_network"]:
        pytest.skip("unshare --net is unavailable here (reported in the runner's warnings)")
    _run, t = _first(
        runner, "s = socket.socket()\ns.settimeout(2)\ns.connect(('10.0.0.1', 80))\nreturn 'connected'"
    )
    assert t.status == "error" and "unreachable" in t.error.lower()


def test_huge_output_is_cut_and_the_run_stopped(runner):
    run, t = _first(runner, "while True:\n    os.write(1, b'x' * 65536)")
    assert run.status == "output_limit" and t.status != "passed"
    run, t = _first(runner, "print('y' * 10 ** 7)\nreturn 1")
    assert t.status == "passed" and len(t.output) <= runner.s.sandbox_output_kb * 1024


def test_the_app_package_cannot_be_imported(runner):
    _run, t = _first(runner, "import interviewer\nreturn 1")
    assert t.status == "error" and "ModuleNotFoundError" in t.error


def test_guard_reports_violations_and_grading_flags_them(runner):
    from interviewer.coding.code_grader import combine
    from interviewer.domain.grades import Grade

    run, t = _first(runner, "return open('/etc/passwd').read()", guard=True)
    assert run.violations == ["tried to open /etc/passwd"] and t.status == "error"
    grade = combine(Grade(question_id="q", score=4.0, level="mid", criteria=[], confidence=0.5), run)
    assert "sandbox_violation" in grade.flags and grade.level == "none"


def test_a_runaway_submission_does_not_block_another_session(services):
    runner = services.runner
    q = services.corpus.by_id["cnlp-edit-distance"]
    done: dict[str, object] = {}

    def runaway() -> None:
        done["runaway"] = runner.run(q.coding, "def edit_distance(a, b):\n    while True:\n        pass\n")

    thread = threading.Thread(target=runaway)
    thread.start()
    wait_until(lambda: runner.loaded_runs, 10, interval_s=0.01, what="the runaway's code to be running")
    assert thread.is_alive()
    from interviewer.domain.session import Setup

    state, _ = services.sessions.start("other-session", Setup(level="junior", track="general", questions=2))
    _, events = services.sessions.reply(
        state.id, "A decision tree splits the data on features to reduce impurity."
    )
    assert events and thread.is_alive()  # the other session's turn completed while the runaway still runs
    ok = runner.run(q.coding, q.coding.solution)
    assert ok.all_passed and thread.is_alive()
    thread.join()
    runaway_run = done["runaway"]
    assert runaway_run.status in ("timeout", "cpu_limit") and runaway_run.tests[0].status == "timeout"


def test_runs_of_two_processes_never_share_a_uid(tmp_path):
    """Each app process has its own runner; the uid lease is host-wide (a lock file per uid)."""
    settings = load_settings(data_dir=tmp_path / "data", sandbox_dir=tmp_path / "sandbox")
    first, second = CodeRunner(settings), CodeRunner(settings)
    with first.lease_uid() as a, second.lease_uid() as b, first.lease_uid() as c:
        assert len({a, b, c}) == 3
    with second.lease_uid() as again:
        assert again == a  # released when the run ended
