"""Student achievements: training projects, publications, patents, awards; evidence; verification."""
