"""The words a student reads when a call fails before its values can be compared.

One source for the visible check, the hidden check and the course's grader, so a
mistake reads the same wherever it is found.
"""


def not_implemented(name):
    return (f"{name} is not implemented yet: replace `raise NotImplementedError()` in its cell "
            "with your code, run that cell, then this one.")


_PRODUCT = ("The shapes of a matrix product do not fit. In this course a row acts on a weight from "
            "the right, [M, E] (B, H + X) @ W (H + X, H), with [M, E] = np.concatenate([memory, event], "
            "axis=1) and W as it is given (not W @ x with column vectors, not transposed); two arrays "
            "of the same shape (B, H) are combined unit by unit with *, not with np.dot or @.")

ERROR_HINTS = (
    ("concatenation axis must match exactly, but along dimension 1",
     "np.concatenate joins along axis 0, the batch, unless told otherwise: put a memory and an "
     "event side by side along the last axis, np.concatenate([memory, event], axis=1), shape (B, H + X)."),
    ("concatenation axis must match exactly, but along dimension 0",
     "The two arrays you joined have different numbers of rows: a memory (B, H) and one step's "
     "events (B, X) have one row per sequence. Time is the first axis of events (T, B, X): "
     "events[t], or `for event in events:`, is one step."),
    ("not aligned", _PRODUCT),
    ("matmul: Input operand", _PRODUCT),
    ("operands could not be broadcast together",
     "Two arrays of different shapes met in one operation: often a sum or max over an axis that "
     "dropped that axis, (B, K) against (B,). Keep the axis you reduced, np.max(x, axis=1, "
     "keepdims=True), so each row is combined with its own result."),
    ("can be converted to Python scalars",
     "A function of the math module (math.exp, math.tanh) takes one number, not an array: use "
     "np.exp or np.tanh, which work entry by entry on arrays of any shape."),
)
"""What to change, by the text of the error: the course's mistakes that raise on most inputs
(a join along axis 0, W from the left, time read from the wrong axis, np.dot for ⊙, math.exp)."""


def raised(name, error):
    """``error`` is "TypeName: text"."""
    hint = next((h for text, h in ERROR_HINTS if text in error), None)
    return f"{name} raised {error}" + (f". {hint}" if hint else "")


WARNING_HINTS = (
    ("overflow encountered in exp",
     "np.exp overflows for arguments above about 709 (for σ: exp(-x) at x below -709, exp(x) above "
     "709). Take exp only of numbers that are never positive, e = np.exp(-np.abs(x)), and remember "
     "that np.where computes both of its branches for every entry, so each must be safe on its own."),
    ("divide by zero encountered",
     "Leave the entries whose denominator is 0 out of the division and give them their answer "
     "directly: np.divide(top, bottom, out=<an array of those answers>, where=bottom != 0) (for "
     "a half-life: where=f < 1, with np.inf elsewhere)."),
    ("invalid value encountered",
     "An entry became NaN (inf - inf, inf / inf or 0 / 0, often right after an overflow): find "
     "the step that produced an infinity and compute it so that it stays finite."),
)
"""What to change, by the text of the warning: the mistakes that are found only by the
warning they print (the naive σ, np.where's two branches, a half-life that divides by ln 1)."""


def warned(name, warning):
    """``warning`` is "Category: text"."""
    hint = next((h for text, h in WARNING_HINTS if text in warning), "compute it in a way that does not warn.")
    return f"{name} printed a warning ({warning}). A graded test that prints a warning scores 0; {hint}"


def not_a_function(name, value):
    return f"{name} should be a function, but it is a {type(value).__name__}"


def changed_input(name, arguments):
    listed = ", ".join(arguments)
    return (f"{name} changed its input {listed} in place. The caller's arrays must be left as they were: "
            f"build a new array (ltm * f rather than ltm *= f), or work on a copy ({arguments[0]}.copy()).")


def right_with_reference(name, depends):
    """``name`` failed with the student's own ``depends`` and passed with the right ones."""
    listed = " and ".join(depends)
    return (f"{name} is right: with the right {listed} in place of yours it gives the right answer, "
            f"so it keeps its points. The fault is in your {listed}: fix it (see its check) and "
            f"{name} will pass as it is.")


def also_wrong(depends):
    """Said after a misconception found with the right ``depends`` replayed."""
    listed = " and ".join(depends)
    return f"(Found with the right {listed} in place of yours: your {listed} is wrong too, see its check.)"
