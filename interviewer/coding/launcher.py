"""The sandbox launcher (stdlib only): builds the run's own root file system, then runs the harness under it.

Run by the runner as `python3 -I -S -B launcher.py JSON`. With `isolate` it runs under
`unshare --net --mount --pid --ipc --uts --fork --kill-child`, as process 1 of a new PID namespace, and:
- builds a new root on a tmpfs (mounted on an empty folder) holding only read-only binds of /usr (and the /bin,
  /lib ... links), the few /etc entries the dynamic loader needs, a /dev of five device nodes, a fresh /proc that
  shows only the run's own processes, and private size- and file-count-limited tmpfs on /tmp, /var/tmp and
  /dev/shm; pivots into it and detaches the old root, so no other folder of the host (data, Gradio's temp files,
  the checkout, /home, /run) exists for the code;
- forks the harness, which applies rlimits, sets no_new_privs, drops to the run's uid and execs Python;
- stays as the namespace's init (still root, so the code cannot signal it), reaps orphans and, when the harness
  ends, exits: the kernel then kills every process left in the namespace, and the tmpfs go with it.
Every step must succeed; on any failure nothing of the candidate's runs (fail closed).
"""

import ctypes
import json
import os
import platform
import resource
import sys

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = (
    1,
    2,
    4,
    8,
    32,
    4096,
    16384,
    1 << 18,
)
MNT_DETACH = 2
PR_SET_NO_NEW_PRIVS = 38
SYS_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41, "riscv64": 41, "ppc64le": 203, "s390x": 217}
LIMITS = {
    "cpu": resource.RLIMIT_CPU,
    "as": resource.RLIMIT_AS,
    "fsize": resource.RLIMIT_FSIZE,
    "nproc": resource.RLIMIT_NPROC,
    "nofile": resource.RLIMIT_NOFILE,
    "core": resource.RLIMIT_CORE,
}
DEVICES = ("null", "zero", "full", "random", "urandom")
ETC = ("ld.so.cache", "ld.so.conf", "alternatives", "localtime")
SCRATCH = {"tmp": "tmp", "var/tmp": "var_tmp", "dev/shm": "dev_shm"}


def fail(fd: int, message: str) -> None:
    os.write(fd, (json.dumps({"event": "launcher_error", "error": message}) + "\n").encode())
    os._exit(111)


class Mounts:
    """mount(2), umount2(2) and pivot_root(2) through libc, raising OSError with the path on failure."""

    def __init__(self) -> None:
        self.libc = ctypes.CDLL(None, use_errno=True)

    def _check(self, rc: int, what: str) -> None:
        if rc != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"{what}: {os.strerror(err)}")

    def mount(self, source: str, target: str, fstype: str = "", flags: int = 0, data: str = "") -> None:
        rc = self.libc.mount(
            source.encode(),
            target.encode(),
            fstype.encode() if fstype else None,
            flags,
            data.encode() or None,
        )
        self._check(rc, f"mount {fstype or 'bind'} on {target}")

    def bind_read_only(self, source: str, target: str, extra: int = MS_NOSUID | MS_NODEV) -> None:
        self.mount(source, target, "", MS_BIND | MS_REC)
        self.mount("none", target, "", MS_BIND | MS_REMOUNT | MS_RDONLY | extra)

    def tmpfs(self, target: str, options: str, flags: int = MS_NOSUID | MS_NODEV) -> None:
        self.mount("tmpfs", target, "tmpfs", flags, options)

    def pivot(self, root: str) -> None:
        """Make `root` the root and detach the old one (chroot where pivot_root's number is unknown)."""
        os.chdir(root)
        number = SYS_PIVOT_ROOT.get(platform.machine())
        if number is None:
            os.chroot(".")
        else:
            self._check(self.libc.syscall(number, b".", b"."), "pivot_root")
            self._check(self.libc.umount2(b".", MNT_DETACH), "detaching the old root")
        os.chdir("/")


def _mirror(m: Mounts, root: str, path: str) -> None:
    """Recreate host `path` under `root`: a link stays a link, a folder becomes a read-only bind, a file too."""
    target = root + path
    if os.path.islink(path):
        os.symlink(os.readlink(path), target)
    elif os.path.isdir(path):
        os.makedirs(target, exist_ok=True)
        m.bind_read_only(path, target)
    elif os.path.isfile(path):
        os.makedirs(os.path.dirname(target), exist_ok=True)
        open(target, "w").close()
        m.bind_read_only(path, target)


def build_root(m: Mounts, cfg: dict, sources: dict[str, str]) -> None:
    """Build the run's file system on the empty folder cfg["new_root"] and pivot into it (see the module
    docstring); `sources` are the harness's files, read before any mount could hide them."""
    uid, gid, sizes, files = cfg["uid"], cfg["gid"], cfg["tmpfs_mb"], int(cfg["max_files"])
    root = cfg["new_root"]  # the tmpfs mounted on it exists only in this run's mount namespace
    m.mount("none", "/", "", MS_REC | MS_PRIVATE)
    m.tmpfs(root, "size=2m,nr_inodes=512,mode=0755")
    for name in ("usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        if os.path.lexists("/" + name):
            _mirror(m, root, "/" + name)
    prefix = os.path.dirname(os.path.dirname(os.path.realpath(cfg["python"])))
    if not os.path.exists(root + prefix):  # an interpreter outside /usr: bring its prefix along, read-only
        _mirror(m, root, prefix)
    os.makedirs(root + "/etc")
    for name in ETC:
        if os.path.lexists("/etc/" + name):
            _mirror(m, root, "/etc/" + name)
    with open(root + "/etc/passwd", "w") as f:
        f.write(f"root:x:0:0::/:/usr/sbin/nologin\nsandbox:x:{uid}:{gid}::/tmp:/usr/sbin/nologin\n")
    with open(root + "/etc/group", "w") as f:
        f.write(f"root:x:0:\nsandbox:x:{gid}:\n")
    os.makedirs(root + "/dev")
    m.tmpfs(root + "/dev", "size=64k,nr_inodes=64,mode=0755")
    for name in DEVICES:  # a bind of the host's node: no mknod, and the mount must allow devices
        open(root + "/dev/" + name, "w").close()
        m.mount("/dev/" + name, root + "/dev/" + name, "", MS_BIND)
        m.mount("none", root + "/dev/" + name, "", MS_BIND | MS_REMOUNT | MS_NOSUID | MS_NOEXEC)
    for name, fd in (("fd", ""), ("stdin", "/0"), ("stdout", "/1"), ("stderr", "/2")):
        os.symlink("/proc/self/fd" + fd, root + "/dev/" + name)
    owner = f"uid={uid},gid={gid}" if uid is not None else ""
    for path, key in SCRATCH.items():
        os.makedirs(root + "/" + path, exist_ok=True)
        mode = "mode=0700" if path == "tmp" else "mode=1777"
        opts = ",".join(o for o in (f"size={int(sizes[key])}m", f"nr_inodes={files}", mode, owner) if o)
        m.tmpfs(root + "/" + path, opts, MS_NOSUID | MS_NODEV | MS_NOEXEC)
    os.makedirs(root + "/proc")
    os.makedirs(root + "/sandbox/libs")
    for name, text in sources.items():
        with open(root + "/sandbox/" + name, "w") as f:
            f.write(text)
    for path in cfg.get(
        "libraries", []
    ):  # numpy, pandas and what pandas imports, for questions that allow them
        target = root + "/sandbox/libs/" + os.path.basename(path)
        if os.path.isdir(path):
            os.makedirs(target)
        else:
            open(target, "w").close()
        m.bind_read_only(path, target)
    m.pivot(root)
    for path in cfg.get("hide", []):  # an app folder configured under /usr would otherwise come along
        if os.path.isdir(path):
            m.tmpfs(path, "size=4k,nr_inodes=4,mode=0555", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)
        elif os.path.lexists(path):
            m.mount("/dev/null", path, "", MS_BIND)
    m.mount("none", "/", "", MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
    try:  # only the run's own processes, and only the per-process entries (kernel 5.8+); else hidepid alone
        m.mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, "hidepid=2,subset=pid")
    except OSError:
        m.mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, "hidepid=2")


def exec_harness(cfg: dict, fd: int, folder: str, harness: str) -> None:
    """Apply the limits, drop to the run's uid and become the harness (never returns)."""
    uid = cfg.get("uid")
    gid = int(cfg.get("gid") or 0)
    os.chdir(folder)
    for name, value in cfg["limits"].items():
        resource.setrlimit(LIMITS[name], (value, value + 1 if name == "cpu" else value))
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
    if uid is not None:
        os.setgroups([])
        os.setresgid(gid, gid, gid)
        os.setresuid(uid, uid, uid)
        if os.getuid() != uid or os.geteuid() != uid or os.getgid() != gid:
            raise OSError("the user switch did not take effect")
        try:
            os.setuid(0)
        except PermissionError:
            pass
        else:
            raise OSError("could switch back to root after dropping privileges")
    os.set_inheritable(fd, True)
    env = {
        "PATH": "/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "HOME": folder,
        "TMPDIR": folder,
        "PYTHONIOENCODING": "utf-8",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }
    python = cfg["python"]
    os.execve(python, [python, "-I", "-S", "-B", harness, str(fd)], env)


def be_init(child: int) -> None:
    """As process 1 of the namespace: reap every orphan until the harness ends, then exit with its status."""
    for stream in (0, 1, 2):
        os.close(stream)
    while True:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            os._exit(112)
        except InterruptedError:
            continue
        if pid == child:
            code = os.waitstatus_to_exitcode(status)
            os._exit(code if code >= 0 else 128 - code)  # a signal n shows as 128 + n, as in a shell


def read_sources() -> dict[str, str]:
    """The harness and the module it imports, as text."""
    here = os.path.dirname(os.path.abspath(__file__))
    sources = {}
    for name in ("harness.py", "wire.py"):
        with open(os.path.join(here, name)) as f:
            sources[name] = f.read()
    return sources


def in_host_folder(cfg: dict, fd: int, sources: dict[str, str]) -> None:
    """Without namespaces: run in the host folder the runner made for this uid, with the uid switch alone."""
    folder = cfg["folder"]
    for name, text in sources.items():
        with open(os.path.join(folder, name), "w") as f:
            f.write(text)
    os.mkdir(os.path.join(folder, "libs"))
    for path in cfg.get("libraries", []):
        os.symlink(path, os.path.join(folder, "libs", os.path.basename(path)))
    exec_harness(cfg, fd, folder, "harness.py")


def main() -> None:
    cfg = json.loads(sys.argv[1])
    fd = int(cfg["result_fd"])
    try:
        sources = read_sources()
        if not cfg.get("isolate"):
            in_host_folder(cfg, fd, sources)
        build_root(Mounts(), cfg, sources)
        child = os.fork()
        if child == 0:
            try:
                exec_harness(cfg, fd, "/tmp", "/sandbox/harness.py")
            except Exception as exc:
                fail(fd, f"{type(exc).__name__}: {exc}")
        os.close(fd)
        be_init(child)
    except Exception as exc:
        fail(fd, f"{type(exc).__name__}: {exc}")


if __name__ == "__main__":
    main()
