"""A tiny reverse-mode automatic differentiation engine on numpy arrays.

In the spirit of micrograd, but every value is a whole array: a ``Tensor`` holds a
numpy array and remembers the operation that made it, so ``loss.backward()`` can
walk the graph back and fill ``.grad`` of every tensor that led to the loss.

    W = Tensor(rng.normal(size=(3, 2)))
    x = Tensor(np.ones((4, 3)))
    loss = cross_entropy(tanh(x @ W), labels)
    loss.backward()          # W.grad now holds dLoss/dW, shape (3, 2)

The operations are the few an RNN or an LSTM needs: ``@``, ``+``, ``-``, ``*``
(numpy broadcasting, as for a bias (H,) added to a batch (B, H)), ``tanh``,
``sigmoid``, ``concat`` along the last axis, slicing ``x[:, a:b]`` and
``cross_entropy``. The tests check every gradient against PyTorch in float64
(relative difference below 1e-10). Nothing here is a graded function of any lesson:
the lessons write their cells with these operations.
"""

import numpy as np


class Tensor:
    """An array that remembers how it was computed.

    value: the numpy array; grad: dLoss/dvalue after ``backward`` (None before, and
    for tensors the loss does not depend on).
    """

    __slots__ = ("value", "grad", "needs_grad", "_parents", "_backward")
    __array_ufunc__ = None  # so ndarray @ Tensor and ndarray + Tensor come here

    def __init__(self, value, parents=(), backward=None):
        self.value = value if isinstance(value, np.ndarray) else np.asarray(value, dtype=np.float64)
        self.grad = None
        self._parents = parents
        self._backward = backward
        # a leaf collects a gradient; a result needs one if any of its inputs does
        needs = not parents
        for p in parents:
            if p.needs_grad:
                needs = True
                break
        self.needs_grad = needs

    @property
    def shape(self):
        return self.value.shape

    def __repr__(self):
        return f"Tensor(shape={self.value.shape})"

    def _add_grad(self, g):
        self.grad = g if self.grad is None else self.grad + g

    # --- operations -------------------------------------------------------------

    def __matmul__(self, other):
        other = as_tensor(other)
        a, b = self, other

        def backward(g):
            if a.needs_grad:
                a._add_grad(g @ b.value.T)
            if b.needs_grad:
                b._add_grad(a.value.T @ g)
        return Tensor(a.value @ b.value, (a, b), backward)

    def __rmatmul__(self, other):
        return as_tensor(other) @ self

    def __add__(self, other):
        other = as_tensor(other)
        a, b = self, other

        def backward(g):
            if a.needs_grad:
                a._add_grad(_unbroadcast(g, a.value.shape))
            if b.needs_grad:
                b._add_grad(_unbroadcast(g, b.value.shape))
        return Tensor(a.value + b.value, (a, b), backward)

    __radd__ = __add__

    def __neg__(self):
        a = self
        return Tensor(-a.value, (a,), lambda g: a._add_grad(-g))

    def __sub__(self, other):
        return self + (-as_tensor(other))

    def __rsub__(self, other):
        return as_tensor(other) + (-self)

    def __mul__(self, other):
        other = as_tensor(other)
        a, b = self, other

        def backward(g):
            if a.needs_grad:
                a._add_grad(_unbroadcast(g * b.value, a.value.shape))
            if b.needs_grad:
                b._add_grad(_unbroadcast(g * a.value, b.value.shape))
        return Tensor(a.value * b.value, (a, b), backward)

    __rmul__ = __mul__

    def __getitem__(self, index):
        """Basic slicing, such as ``x[:, :4]`` or ``x[-1]``."""
        a = self

        def backward(g):
            full = np.zeros_like(a.value)
            full[index] = g
            a._add_grad(full)
        return Tensor(a.value[index], (a,), backward)

    # --- backward ---------------------------------------------------------------

    def backward(self):
        """Set ``.grad`` of every tensor this scalar depends on (afresh: nothing accumulates
        across calls)."""
        if self.value.size != 1:
            raise ValueError(f"backward() starts from a scalar loss, not shape {self.value.shape}")
        order = _topological(self)
        for t in order:
            t.grad = None
        self.grad = np.ones_like(self.value)
        for t in reversed(order):
            if t._backward is not None and t.grad is not None:
                t._backward(t.grad)


def constant(x):
    """A tensor no gradient flows into (data such as events, or a starting memory)."""
    t = Tensor(np.asarray(x, dtype=np.float64))
    t.needs_grad = False
    return t


def as_tensor(x):
    """``x`` if it is a Tensor, else a constant holding it."""
    return x if isinstance(x, Tensor) else constant(x)


def _unbroadcast(g, shape):
    """Sum ``g`` over the axes numpy broadcast to reach it from ``shape``."""
    if g.shape == shape:
        return g
    while g.ndim > len(shape):
        g = g.sum(axis=0)
    for axis, n in enumerate(shape):
        if n == 1 and g.shape[axis] != 1:
            g = g.sum(axis=axis, keepdims=True)
    return g


def _topological(root):
    """Tensors ``root`` depends on, each after all of its parents (iterative DFS)."""
    order, seen = [], set()
    stack = [(root, False)]
    while stack:
        t, done = stack.pop()
        if done:
            order.append(t)
            continue
        if id(t) in seen:
            continue
        seen.add(id(t))
        stack.append((t, True))
        for p in t._parents:
            if id(p) not in seen:
                stack.append((p, False))
    return order


# --- functions ------------------------------------------------------------------

def tanh(x):
    """Elementwise tanh."""
    x = as_tensor(x)
    y = np.tanh(x.value)
    return Tensor(y, (x,), lambda g: x._add_grad(g * (1.0 - y * y)))


def sigmoid(x):
    """Elementwise logistic σ(x) = 1 / (1 + exp(-x)), without overflow warnings."""
    x = as_tensor(x)
    y = np.tanh(0.5 * x.value)  # σ(x) = (1 + tanh(x / 2)) / 2 never overflows
    y *= 0.5
    y += 0.5
    return Tensor(y, (x,), lambda g: x._add_grad(g * y * (1.0 - y)))


def concat(tensors):
    """Join tensors along the last axis: concat([stm, event]) is [stm, event]."""
    tensors = [as_tensor(t) for t in tensors]

    def backward(g):
        start = 0
        for t in tensors:
            width = t.value.shape[-1]
            if t.needs_grad:
                t._add_grad(g[..., start:start + width])
            start += width
    return Tensor(np.concatenate([t.value for t in tensors], axis=-1), tuple(tensors), backward)


def softmax(logits):
    """Row-wise softmax of a (B, C) array (a plain numpy function, no gradient)."""
    logits = np.asarray(logits.value if isinstance(logits, Tensor) else logits)
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


def cross_entropy(logits, labels):
    """Mean of -log softmax(logits)[label] over the batch, a scalar tensor.

    logits (B, C); labels (B,) integers in [0, C).
    """
    logits = as_tensor(logits)
    labels = np.asarray(labels, dtype=np.int64)
    p = softmax(logits.value)
    rows = np.arange(len(labels))
    loss = -np.mean(np.log(np.maximum(p[rows, labels], 1e-300)))

    def backward(g):
        d = p.copy()
        d[rows, labels] -= 1.0
        logits._add_grad(g * d / len(labels))
    return Tensor(np.asarray(loss), (logits,), backward)


def parameters(arrays):
    """A dict of Tensors (leaves that collect gradients) from a dict of arrays."""
    return {k: Tensor(np.array(v, dtype=np.float64)) for k, v in arrays.items()}


def gradients(tensors):
    """The ``.grad`` of each tensor of a dict, as a new dict of arrays (zeros if none)."""
    return {k: (t.grad.copy() if t.grad is not None else np.zeros_like(t.value)) for k, t in tensors.items()}
