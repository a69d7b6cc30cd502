"""The course's reference implementation: the single source of the math.

Pure numpy, float64 unless given float32, batch first: a memory is (B, H), an
event (B, X), a sequence of events (T, B, X). ``[stm, event]`` is concatenation
along the last axis, STM first, and every gate's W (H + X, H) acts on it from the
right. A lesson's graded function has the same name and signature as its
reference here. Lessons never import this package (only their hidden-test cells do,
for stock nbgrader); the autograder and the tests do.
"""

from .activations import sigmoid
from .gates import forget_gate, learn_gate, remember_gate, standard_use_gate, use_gate
from .gradcheck import gradient_check, numeric_gradient, relative_error
from .gru import gru_cell, gru_forward
from .joining import join, linear
from .lstm import (
    lstm_backward, lstm_cell, lstm_cell_backward, lstm_forward, lstm_forward_with_cache,
)
from .params import (
    GATES, LESSON_KEYS, STANDARD_KEYS, init_gru_params, init_params, init_rnn_params,
)
from .rnn import (
    first_event_influence, rnn_backward, rnn_cell, rnn_cell_backward, rnn_forward,
    rnn_forward_with_cache,
)
from .torch_layout import (
    gru_from_torch, gru_to_torch, lstm_from_cs231n, lstm_from_torch, lstm_to_cs231n,
    lstm_to_torch, rnn_from_torch, rnn_to_torch,
)

from .tracks import ltm_track  # noqa: E402
from .fading import memory_half_life  # noqa: E402
from .training import clip_gradients, sgd_update  # noqa: E402
