"""jetgen_export: a PyTorch module into a jetgen spec and safetensors weights.

The exporter is python/jetgen/export.py (the Python package's jetgen.export);
this file keeps `import jetgen_export` and `python3 tools/jetgen_export.py`
working from the source tree, with every name of that module:

    import sys; sys.path.insert(0, "tools")
    from jetgen_export import export, ExportError
    export(model, "model.spec")

    /usr/bin/python3 tools/jetgen_export.py MODEL.pt SPEC [--input-names x,t] ...
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "python"))
import jetgen.export as _export  # noqa: E402

globals().update({k: v for k, v in vars(_export).items() if not k.startswith("__")})

if __name__ == "__main__":
    sys.exit(_export.main(sys.argv))
