"""Specs of lesson 09, the GRU."""

from . import Arg, Spec, register

register(Spec("gru_cell", (Arg("h", "BH"), Arg("x", "BX"), Arg("params", kind="gru_params"))))
