"""The course's exercise checks: a notebook asks for `answer`, leaves it blank, and checks it.

    answer = None                                     # the student's cell
    check(lambda a: a.shape == (16, 64, 64, 3), answer, hint="a (frames, H, W, 3) clip")
    #  -> ✗ not yet: a (frames, H, W, 3) clip        (the blank answer never passes)

The check runs on the student's own variable, before the solution; the solution cell comes after
and runs the same check again. `ok` may raise (an `AttributeError` on `None` is a "not yet").
"""


def check(ok, answer, hint: str = "") -> bool:
    """Print "✓ correct" when `ok(answer)` is true, else "✗ not yet: HINT"; return which."""
    if not callable(ok):
        raise ValueError(f"ok must be a function of the answer, got {type(ok).__name__}")
    try:
        passed = bool(ok(answer))
    except Exception as err:  # noqa: BLE001 - a wrong answer may fail in any way
        passed, hint = False, hint or f"{type(err).__name__}: {err}"
    print("✓ correct" if passed else f"✗ not yet: {hint or 'not the answer the exercise asks for'}")
    return passed
