"""Specs of lesson 06, the whole cell: lstm_cell and lstm_forward."""

from . import Arg, Spec, register

register(Spec("lstm_cell", (Arg("ltm", "BH"), Arg("stm", "BH"), Arg("event", "BX"),
                            Arg("params", "", "lstm_params")), outputs=("ltm", "stm"),
              variants=({}, {"variant": "standard"})))
register(Spec("lstm_forward", (Arg("events", "TBX"), Arg("ltm0", "BH"), Arg("stm0", "BH"),
                               Arg("params", "", "lstm_params")), outputs=("ltms", "stms"),
              depends=("lstm_cell",), variants=({}, {"variant": "standard"})))
