"""harness.py: what every Python test of the suite shares: the failures
list it reports, check, refused, and the normwise error its tolerances are
stated in. A test imports them (its own folder is on sys.path when meson
runs it as `python3 tests/NAME.py`)."""

import numpy as np

failures = []


def check(cond, what):
    """Counts a failure, printed as FAIL: what, when cond is false."""
    if not cond:
        failures.append(what)
        print("FAIL: " + what)


def refused(call, errors, wants, what):
    """call() must raise one of errors, its message holding every string
    of wants."""
    try:
        call()
        check(False, "%s: not refused" % what)
    except errors as e:
        check(all(w in str(e) for w in wants), "%s: %s" % (what, e))


def _array(a):
    if hasattr(a, "detach"):        # a torch tensor (no torch import here)
        a = a.detach().cpu().numpy()
    return np.asarray(a, dtype=np.float64)


def normwise(got, want):
    """max |got - want| / max |want| (the absolute error where want is
    zero), over every number; numpy arrays, torch tensors or lists."""
    got, want = _array(got), _array(want)
    n = np.abs(want).max() if want.size else 0.0
    d = np.abs(got - want).max() if got.size else 0.0
    return d / n if n > 0 else d
