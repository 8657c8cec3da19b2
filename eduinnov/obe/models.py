"""OBE assessment and achievement-degree models."""
