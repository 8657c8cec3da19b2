"""Cultivation frameworks: OBE tree, courses, support matrix, module structures, IUR partnerships."""
