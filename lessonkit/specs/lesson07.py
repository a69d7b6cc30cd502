"""Specs of lesson 07, backpropagation through time."""

from . import Arg, Spec, register

register(Spec("lstm_cell_backward",
              (Arg("d_ltm", "BH"), Arg("d_stm", "BH"), Arg("ltm", "BH"), Arg("stm", "BH"),
               Arg("event", "BX"), Arg("params", "", "lstm_params")),
              outputs=("d_ltm_prev", "d_stm_prev", "d_event", "grads")))
register(Spec("gradient_check",
              (Arg("f", "", "function"), Arg("x", "BH"), Arg("analytic", "BH"), Arg("h", "", "positive"))))
