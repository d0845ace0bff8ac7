"""Publishes a stand-in release for tests: pausegate wheels as the release
workflow's maturin builds lay them out (a "bin" wheel: the binary as
{name}-{version}.data/scripts/pausegate, with METADATA, WHEEL and RECORD in
{name}-{version}.dist-info), plus SHA256SUMS in `sha256sum` form.

Usage: publish_release.py OUT_DIR VERSION BINARY PLATFORM_TAG [PLATFORM_TAG...]

The first platform tag's wheel carries BINARY; every other one carries a
script that says it is the wrong platform and exits 9, so an installer that
picks the wrong wheel is caught. Wheel layout: packaging.python.org,
"Binary distribution format"; maturin.rs/bindings.html ("bin").
"""

import base64
import hashlib
import os
import sys
import zipfile

WRONG = b"#!/bin/sh\necho 'this wheel is for another platform' >&2\nexit 9\n"


def record_line(name, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def write_wheel(out_dir, version, binary, tag):
    name = f"pausegate-{version}-py3-none-{tag}.whl"
    dist_info, data_dir = f"pausegate-{version}.dist-info", f"pausegate-{version}.data"
    files = {
        f"{data_dir}/scripts/pausegate": binary,
        f"{dist_info}/METADATA": f"Metadata-Version: 2.4\nName: pausegate\nVersion: {version}\n".encode(),
        f"{dist_info}/WHEEL": f"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: false\nTag: py3-none-{tag}\n".encode(),
    }
    record = "\n".join([record_line(n, d) for n, d in files.items()] + [f"{dist_info}/RECORD,,", ""])
    files[f"{dist_info}/RECORD"] = record.encode()
    path = os.path.join(out_dir, name)
    # Stored, not deflated: the debug binary is large and the test only
    # needs the layout.
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as wheel:
        for member, data in files.items():
            info = zipfile.ZipInfo(member)
            info.external_attr = (0o755 if member.endswith("/pausegate") else 0o644) << 16
            wheel.writestr(info, data)
    return name, path


def main():
    out_dir, version, binary_path, tags = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    os.makedirs(out_dir, exist_ok=True)
    with open(binary_path, "rb") as file:
        binary = file.read()
    sums = []
    for index, tag in enumerate(tags):
        name, path = write_wheel(out_dir, version, binary if index == 0 else WRONG, tag)
        with open(path, "rb") as file:
            sums.append(f"{hashlib.sha256(file.read()).hexdigest()}  {name}")
    with open(os.path.join(out_dir, "SHA256SUMS"), "w") as file:
        file.write("\n".join(sorted(sums, key=lambda line: line.split()[1])) + "\n")


if __name__ == "__main__":
    main()
