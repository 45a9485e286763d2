"""jetgen_export: a PyTorch module into a jetgen spec and safetensors weights.

The exporter is python/jetgen/export.py (the Python package's jetgen.export);
this file keeps `import jetgen_export` and `python3 tools/jetgen_export.py`
working from the source tree, with every name of that module:

    import sys; sys.path.insert(0, "tools")
    from jetgen_export import export, ExportError
    export(model, "model.spec")

    /usr/bin/python3 tools/jetgen_export.py MODEL.pt SPEC [--input-names x,t] ...

The package needs its C extension (the activations' registry, the oracle),
which the build makes: the jetgen package importable as it is (installed,
or PYTHONPATH=BUILD/python), else that of the build beside $JETGEN, else
BUILD/python of this tree's `build` folder.
"""

import os
import sys

try:
    import jetgen.export as _export
except ImportError:
    _root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    _builds = [os.path.join(os.path.dirname(os.path.abspath(os.environ["JETGEN"])), "python")] \
        if os.environ.get("JETGEN") else []
    _builds.append(os.path.join(_root, "build", "python"))
    _found = [b for b in _builds if os.path.isdir(os.path.join(b, "jetgen"))]
    if not _found:
        sys.exit("jetgen_export: the jetgen package is not built: run `meson setup build && ninja -C build` "
                 "(or set PYTHONPATH to the build's python folder)")
    sys.path.insert(0, _found[0])
    import jetgen.export as _export  # noqa: E402

globals().update({k: v for k, v in vars(_export).items() if not k.startswith("__")})

if __name__ == "__main__":
    sys.exit(_export.main(sys.argv))
