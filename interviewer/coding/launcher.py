"""The sandbox launcher (stdlib only): mounts, limits, drops privileges, then execs the harness.

Run by the runner, under `unshare --net --mount` when available, as: python3 -I -S -B launcher.py JSON.
Every step that was asked for must succeed; on any failure nothing of the candidate's runs (fail closed).
"""

import ctypes
import json
import os
import resource
import sys

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_BIND, MS_REC, MS_PRIVATE = 1, 2, 4, 8, 4096, 16384, 1 << 18
PR_SET_NO_NEW_PRIVS = 38
LIMITS = {
    "cpu": resource.RLIMIT_CPU,
    "as": resource.RLIMIT_AS,
    "fsize": resource.RLIMIT_FSIZE,
    "nproc": resource.RLIMIT_NPROC,
    "nofile": resource.RLIMIT_NOFILE,
    "core": resource.RLIMIT_CORE,
}


def fail(fd: int, message: str) -> None:
    os.write(
        fd, (json.dumps({"event": "launcher_error", "error": message, "pid": os.getpid()}) + "\n").encode()
    )
    os._exit(111)


def mount(libc: ctypes.CDLL, source: str, target: str, fstype: str, flags: int, data: str) -> None:
    rc = libc.mount(
        source.encode(), target.encode(), fstype.encode() if fstype else None, flags, data.encode()
    )
    if rc != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"mount {fstype or 'bind'} on {target}: {os.strerror(err)}")


def main() -> None:
    cfg = json.loads(sys.argv[1])
    fd = int(cfg["result_fd"])
    folder = cfg["folder"]
    uid, gid = cfg.get("uid"), cfg.get("gid")
    try:
        with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "harness.py")) as src:
            harness = src.read()
        libc = ctypes.CDLL(None, use_errno=True)
        if cfg.get("mount"):
            mount(libc, "none", "/", "", MS_REC | MS_PRIVATE, "")
            for path in cfg.get("hide", []):
                if os.path.isdir(path) and not folder.startswith(os.path.join(path, "")):
                    mount(
                        libc,
                        "tmpfs",
                        path,
                        "tmpfs",
                        MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                        "size=4k,mode=0555",
                    )
                elif os.path.isfile(path):
                    mount(libc, "/dev/null", path, "", MS_BIND, "")
            opts = f"size={int(cfg['tmpfs_mb'])}m,mode=0700" + (
                f",uid={uid},gid={gid}" if uid is not None else ""
            )
            mount(libc, "tmpfs", folder, "tmpfs", MS_NOSUID | MS_NODEV, opts)
        path = os.path.join(folder, "harness.py")
        with open(path, "w") as f:
            f.write(harness)
        os.chmod(path, 0o444)
        os.chdir(folder)
        for name, value in cfg["limits"].items():
            resource.setrlimit(LIMITS[name], (value, value + 1 if name == "cpu" else value))
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
        os.execve(python, [python, "-I", "-S", "-B", "harness.py", str(fd)], env)
    except Exception as exc:
        fail(fd, f"{type(exc).__name__}: {exc}")


if __name__ == "__main__":
    main()
