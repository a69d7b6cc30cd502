"""Specs of lesson 08, LSTM against RNN: the pieces of one training step."""

from . import Arg, Spec, register

register(Spec("clip_gradients", (Arg("grads", "", "lstm_params"), Arg("max_norm", "", "positive")),
              outputs=("clipped",)))
register(Spec("sgd_update", (Arg("params", "", "lstm_params"), Arg("grads", "", "lstm_params"),
                             Arg("learning_rate", "", "positive")), outputs=("new params",)))
