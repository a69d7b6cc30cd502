"""Specs of lesson 04, the remember gate."""

from . import Arg, Spec, register

register(Spec("remember_gate", (Arg("forgotten", "BH"), Arg("learned", "BH"))))
register(Spec("ltm_track", (Arg("ltm0", "BH"), Arg("forget_factors", "TBH", "factor"),
                            Arg("learned", "TBH")), depends=("remember_gate",)))
