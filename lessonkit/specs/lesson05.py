"""Specs of lesson 05, the use gate."""

from . import Arg, Spec, register

register(Spec("use_gate", (Arg("forgotten", "BH"), Arg("stm", "BH"), Arg("event", "BX"),
                           Arg("W_u", "HH", "weight"), Arg("b_u", "H", "weight"),
                           Arg("W_v", "ZH", "weight"), Arg("b_v", "H", "weight"))))
register(Spec("standard_use_gate", (Arg("ltm", "BH"), Arg("stm", "BH"), Arg("event", "BX"),
                                    Arg("W_v", "ZH", "weight"), Arg("b_v", "H", "weight"))))
