"""Assembly tasks: reach, pick_place, peg_insert, shaft_insert, bimanual_mount."""
