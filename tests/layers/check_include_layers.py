#!/usr/bin/env python3
"""Checks that no #include runs up the layers (DESIGN.md §1, CONTRIBUTING.md "Layers").

The layers, bottom first; a component may include itself and any component on a lower level, never
a sibling on its own level or anything above:

  0  base                                  errors, checks, machine facts
  1  kernels | configtool | metrics | store
  2  runtime (rank, device, comm, core, engine, checkpoint, train)
  3  launcher                              the zlaunch CLI

A file's component is the top folder it lives in; an include's component is named by its
"zl/<namespace>/" prefix, and every header under include/zl/<namespace>/ must live in the folder of
that component (a folder named for one layer never holds another's headers). tests/, bench/ and examples/ sit above everything and are not checked.

Usage: check_include_layers.py SOURCE_ROOT    exit 0 when clean, 1 listing every violation
       check_include_layers.py --self-test    proves the check fails on an upward include
"""
import os
import re
import sys
import tempfile

LEVEL = {"base": 0, "kernels": 1, "configtool": 1, "metrics": 1, "store": 1, "runtime": 2, "launcher": 3}
# "zl/<namespace>/" -> component
NAMESPACE = {"base": "base", "kernels": "kernels", "config": "configtool", "metrics": "metrics", "store": "store",
             "rank": "runtime", "device": "runtime", "comm": "runtime", "runtime": "runtime", "engine": "runtime",
             "checkpoint": "runtime", "launcher": "launcher"}
SOURCE_SUFFIXES = (".h", ".cc", ".cu", ".cuh", ".in")
INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]zl/([a-z_]+)/([^">]+)[">]')


def allowed(component, target):
    return target == component or LEVEL[target] < LEVEL[component]


def header_owner(relative_path):
    """The component that owns a public header at this path inside a component folder, or None."""
    parts = relative_path.split(os.sep)
    for i in range(len(parts) - 2):
        if parts[i] == "include" and parts[i + 1] == "zl":
            return NAMESPACE.get(parts[i + 2], "an unknown component")
    return None


def violations(root):
    found = []
    for component in LEVEL:
        top = os.path.join(root, component)
        for folder, _, files in os.walk(top):
            for name in sorted(files):
                if not name.endswith(SOURCE_SUFFIXES):
                    continue
                path = os.path.join(folder, name)
                owner = header_owner(os.path.relpath(path, top))
                if owner is not None and owner != component:
                    found.append(f"{os.path.relpath(path, root)}: a zl/ header of {owner} inside {component}/")
                with open(path, encoding="utf-8", errors="replace") as f:
                    for number, line in enumerate(f, 1):
                        m = INCLUDE.match(line)
                        if not m:
                            continue
                        target = NAMESPACE.get(m.group(1))
                        if target is None:
                            found.append(f"{os.path.relpath(path, root)}:{number}: zl/{m.group(1)}/ names no component")
                        elif not allowed(component, target):
                            found.append(f"{os.path.relpath(path, root)}:{number}: {component} (level "
                                         f"{LEVEL[component]}) includes zl/{m.group(1)}/{m.group(2)} of {target} "
                                         f"(level {LEVEL[target]})")
    return found


def self_test():
    with tempfile.TemporaryDirectory() as root:
        def write(rel, text):
            os.makedirs(os.path.dirname(os.path.join(root, rel)), exist_ok=True)
            with open(os.path.join(root, rel), "w") as f:
                f.write(text)
        write("base/src/a.cc", '#include "zl/base/error.h"\n')
        write("runtime/src/b.cc", '#include "zl/store/store_client.h"\n#include "zl/config/resolve.h"\n')
        assert violations(root) == [], violations(root)
        write("kernels/include/zl/kernels/c.h", '#include "zl/runtime/tensor.h"\n')   # up
        write("configtool/src/d.cc", '#include <zl/metrics/endpoint.h>\n')           # sibling
        write("runtime/comm/src/e.cc", '  #  include "zl/launcher/store_client.h"\n')  # up, odd spacing
        write("runtime/base/include/zl/base/f.h", "// a bottom-layer header in the runtime's folder\n")
        found = violations(root)
        assert len(found) == 4, found
        assert any("runtime/base/include/zl/base/f.h" in v for v in found), found
        assert any("kernels/include/zl/kernels/c.h:1" in v for v in found), found
        assert any("configtool/src/d.cc:1" in v for v in found), found
        assert any("runtime/comm/src/e.cc:1" in v for v in found), found
    print("self-test: the check fails on upward and sibling includes and on misplaced headers")


def main():
    if sys.argv[1:] == ["--self-test"]:
        self_test()
        return 0
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    found = violations(sys.argv[1])
    for v in found:
        print(v)
    if found:
        print(f"{len(found)} include(s) run up the layers: move the code to the layer that owns it "
              "(CONTRIBUTING.md, Layers)")
        return 1
    print("no include runs up the layers")
    return 0


if __name__ == "__main__":
    sys.exit(main())
