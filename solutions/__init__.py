"""The course's reference implementation: the single source of the math.

Pure numpy, float64 unless given float32, batch first: a memory is (B, H), an
event (B, X), a sequence of events (T, B, X). ``[stm, event]`` is concatenation
along the last axis, STM first, and every gate's W (H + X, H) acts on it from the
right. A lesson's graded function has the same name and signature as its
reference here. Lessons never import this package (only their hidden-test cells do,
for stock nbgrader); the autograder and the tests do.
"""

# Each module lists its public names in __all__: a new reference is added in one file.
from .activations import *
from .fading import *
from .gates import *
from .gradcheck import *
from .gru import *
from .joining import *
from .layouts import *
from .lstm import *
from .params import *
from .rnn import *
from .tracks import *
from .training import *
from .writing import *
