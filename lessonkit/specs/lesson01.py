"""Specs of lesson 01, the RNN."""

from . import Arg, Spec, register

register(Spec("rnn_cell", (Arg("memory", "BH"), Arg("event", "BX"), Arg("W", "ZH", "weight"),
                           Arg("b", "H", "weight"))))
register(Spec("rnn_forward", (Arg("events", "TBX"), Arg("memory0", "BH"), Arg("W", "ZH", "weight"),
                              Arg("b", "H", "weight")), depends=("rnn_cell",)))
register(Spec("first_event_influence", (Arg("events", "TBX"), Arg("first_alt", "BX"),
                                        Arg("memory0", "BH"), Arg("W", "ZH", "weight"),
                                        Arg("b", "H", "weight")), depends=("rnn_forward",)))
