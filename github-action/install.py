"""The action's install step: put the `pausegate` binary on PATH for the
steps after this one, taken only from what the project's own release
publishes, checked against a published SHA-256 before anything runs.

Where the file comes from, first match wins:
  INPUT_INSTALL_PATH  a wheel or binary already on the runner (a checksum
                      is checked when INPUT_INSTALL_SHA256 is given);
  INPUT_INSTALL_URL   a wheel or binary on a mirror, with INPUT_INSTALL_SHA256
                      (required: a download is never trusted unchecked);
  otherwise           the release of the action itself:
                      {server}/{action repository}/releases/download/{tag}/,
                      where SHA256SUMS names the wheel for this platform and
                      its SHA-256. The tag is INPUT_RELEASE, or the ref the
                      workflow used the action at.

No package index is ever asked for a name: a name there may belong to
anyone, and this step runs in jobs that hold the API key.

The repository, ref and server come from the `github` context through the
step's `env:` (PAUSEGATE_ACTION_REPOSITORY, PAUSEGATE_ACTION_REF,
PAUSEGATE_SERVER_URL): for composite actions GitHub documents those values
only there, not in `run:` (docs.github.com, "Contexts reference", github
context: "To make this context work with composite actions, reference it
within the env context of the composite action"). Release download URLs:
docs.github.com, "Linking to releases" (/OWNER/REPO/releases/download/TAG/FILE).
Wheel file names and platform tags: packaging.python.org, "Binary
distribution format" and "Platform compatibility tags" (manylinux_X_Y,
musllinux_X_Y, macosx_X_Y_ARCH; maturin's "bin" wheels carry the binary as
{name}-{version}.data/scripts/{binary}: maturin.rs/bindings.html).
"""

import glob
import hashlib
import os
import platform
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
import zipfile

SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")
SHA256 = re.compile(r"^[0-9a-f]{64}$")
DOWNLOAD_TIMEOUT = 120


class InstallError(Exception):
    """A reason to stop, said in one sentence naming the input or file."""


def env(name):
    return os.environ.get(name, "").strip()


def fail(message):
    # `::error::` makes the runner show the line as an annotation on the job.
    print(f"::error title=pausegate install::{message}", flush=True)
    sys.exit(1)


def platform_wanted():
    """(os, arch, libc) of this runner, as wheel platform tags name them."""
    system = platform.system()
    machine = platform.machine().lower()
    arch = {"amd64": "x86_64", "x86_64": "x86_64", "arm64": "aarch64", "aarch64": "aarch64"}.get(machine)
    if system == "Linux" and arch:
        musl = bool(glob.glob("/lib/ld-musl-*.so.1"))
        return ("linux", arch, "musl" if musl else "glibc")
    if system == "Darwin" and arch:
        return ("macos", "arm64" if arch == "aarch64" else "x86_64", None)
    raise InstallError(
        f"no pausegate wheel is built for {system} {machine}; use a Linux (x86_64 or aarch64) "
        "or macOS runner, or install pausegate yourself and set install: none"
    )


def glibc_version():
    name, version = platform.libc_ver()
    if name != "glibc" or not version:
        return None
    return tuple(int(part) for part in version.split(".")[:2])


def fits(tag, wanted):
    """Whether one platform tag of a wheel runs here."""
    system, arch, libc = wanted
    if system == "macos":
        return tag.startswith("macosx_") and (tag.endswith("_" + arch) or tag.endswith("_universal2"))
    if not tag.endswith("_" + arch):
        return False
    if libc == "musl":
        return tag.startswith("musllinux_")
    legacy = {"manylinux1": (2, 5), "manylinux2010": (2, 12), "manylinux2014": (2, 17)}
    match = re.match(r"manylinux_(\d+)_(\d+)_", tag)
    needs = (int(match.group(1)), int(match.group(2))) if match else legacy.get(tag.split("_")[0])
    have = glibc_version()
    return needs is not None and (have is None or needs <= have)


def wheel_for_platform(names, wanted):
    """The pausegate wheel among `names` whose platform tags fit `wanted`."""
    for name in sorted(names):
        parts = name[: -len(".whl")].split("-") if name.endswith(".whl") else []
        if len(parts) < 5 or parts[0] != "pausegate":
            continue
        if any(fits(tag, wanted) for tag in parts[-1].split(".")):
            return name
    return None


def parse_sums(text, source):
    """{file name: sha256} from `sha256sum` output."""
    sums = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        fields = line.split()
        if len(fields) != 2 or not SHA256.match(fields[0].lower()):
            raise InstallError(f"{source} line {number} is not '<sha256>  <file>': {line!r}")
        name = fields[1].lstrip("*")
        if not SAFE_NAME.match(name):
            raise InstallError(f"{source} line {number} names an unsafe file: {name!r}")
        sums[name] = fields[0].lower()
    return sums


def download(url, destination):
    print(f"downloading {url}", flush=True)
    try:
        with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT) as answer, open(destination, "wb") as out:
            shutil.copyfileobj(answer, out)
    except urllib.error.HTTPError as error:
        raise InstallError(f"{url} answered {error.code} {error.reason}") from None
    except (urllib.error.URLError, OSError) as error:
        raise InstallError(f"cannot download {url}: {error}") from None


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check(path, expected, what):
    actual = sha256_of(path)
    if actual != expected:
        raise InstallError(
            f"checksum mismatch for {what}: SHA-256 {actual}, but {expected} was published; "
            "nothing was installed"
        )
    print(f"SHA-256 of {what} matches: {actual}", flush=True)


def from_release(work):
    """Downloads and checks the wheel for this platform from the action's release."""
    repository = env("PAUSEGATE_ACTION_REPOSITORY")
    tag = env("INPUT_RELEASE") or env("PAUSEGATE_ACTION_REF")
    server = (env("PAUSEGATE_SERVER_URL") or "https://github.com").rstrip("/")
    if not repository or not tag:
        raise InstallError(
            "cannot tell which release to install from (the action's repository or ref is "
            "unknown, as when it is used from a local path); set the release input to a tag, "
            "or install-url with install-sha256, or install-path, or install: none"
        )
    if not re.match(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", repository) or not SAFE_NAME.match(tag):
        raise InstallError(f"unexpected action repository or release tag: {repository!r} {tag!r}")
    base = f"{server}/{repository}/releases/download/{tag}"
    sums_path = os.path.join(work, "SHA256SUMS")
    try:
        download(f"{base}/SHA256SUMS", sums_path)
    except InstallError as error:
        raise InstallError(
            f"{error}. Is {tag} a release of {repository}? Pin the action to a release tag "
            "(or set the release input), or use install-url with install-sha256"
        ) from None
    with open(sums_path, encoding="utf-8") as file:
        sums = parse_sums(file.read(), f"SHA256SUMS of {repository} {tag}")
    wanted = platform_wanted()
    name = wheel_for_platform(sums, wanted)
    if name is None:
        raise InstallError(
            f"release {tag} of {repository} has no pausegate wheel for {'/'.join(w for w in wanted if w)}; "
            f"it has: {', '.join(sorted(sums)) or 'nothing'}"
        )
    path = os.path.join(work, name)
    download(f"{base}/{name}", path)
    check(path, sums[name], name)
    return path


def from_url(work):
    url, expected = env("INPUT_INSTALL_URL"), env("INPUT_INSTALL_SHA256").lower()
    if not SHA256.match(expected):
        raise InstallError("install-sha256 must be the 64 hex digits of the file's SHA-256 when install-url is set")
    name = url.rstrip("/").rsplit("/", 1)[-1].split("?")[0]
    path = os.path.join(work, name if SAFE_NAME.match(name) else "pausegate-download")
    download(url, path)
    check(path, expected, url)
    return path


def from_path():
    path, expected = env("INPUT_INSTALL_PATH"), env("INPUT_INSTALL_SHA256").lower()
    if not os.path.isfile(path):
        raise InstallError(f"install-path: no file at {path}")
    if expected:
        if not SHA256.match(expected):
            raise InstallError("install-sha256 must be 64 hex digits")
        check(path, expected, path)
    return path


def place(artifact, bin_dir):
    """The binary from a wheel (or the file itself) as bin_dir/pausegate."""
    os.makedirs(bin_dir, exist_ok=True)
    target = os.path.join(bin_dir, "pausegate")
    if zipfile.is_zipfile(artifact):
        with zipfile.ZipFile(artifact) as wheel:
            members = [m for m in wheel.namelist() if re.fullmatch(r"[^/]+\.data/scripts/pausegate", m)]
            if len(members) != 1:
                raise InstallError(f"{os.path.basename(artifact)} holds no pausegate binary")
            with wheel.open(members[0]) as source, open(target, "wb") as out:
                shutil.copyfileobj(source, out)
    else:
        shutil.copyfile(artifact, target)
    os.chmod(target, os.stat(target).st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return target


def main():
    mode = env("INPUT_INSTALL") or "release"
    if mode != "release":
        fail(f"install: {mode!r} is not a choice; use release (the default) or none")
    temp = env("RUNNER_TEMP") or tempfile.gettempdir()
    bin_dir = os.path.join(temp, "pausegate", "bin")
    try:
        with tempfile.TemporaryDirectory(dir=temp) as work:
            if env("INPUT_INSTALL_PATH") and env("INPUT_INSTALL_URL"):
                raise InstallError("set install-path or install-url, not both")
            if env("INPUT_INSTALL_PATH"):
                artifact = from_path()
            elif env("INPUT_INSTALL_URL"):
                artifact = from_url(work)
            else:
                artifact = from_release(work)
            binary = place(artifact, bin_dir)
    except InstallError as error:
        fail(str(error))
    with open(os.environ["GITHUB_PATH"], "a", encoding="utf-8") as path_file:
        path_file.write(bin_dir + "\n")
    version = subprocess.run([binary, "--version"], capture_output=True, text=True)
    if version.returncode != 0:
        fail(f"the installed {binary} does not run here: {version.stderr.strip() or version.stdout.strip()}")
    print(version.stdout.strip(), flush=True)


if __name__ == "__main__":
    main()
