"""Specs of lesson 03, the forget gate."""

from . import Arg, Spec, register

register(Spec("forget_gate", (Arg("ltm", "BH"), Arg("stm", "BH"), Arg("event", "BX"),
                              Arg("W_f", "ZH", "weight"), Arg("b_f", "H", "weight"))))
register(Spec("memory_half_life", (Arg("f", "BH", "factor"),)))
