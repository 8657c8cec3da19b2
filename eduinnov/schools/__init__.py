"""Schools (学院) above programs, their deans, and the school and university roll-ups."""
