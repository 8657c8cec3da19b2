"""Reports: charts, exports, PDFs and the background jobs that produce them.

Only ``eduinnov.reports.pdf`` imports WeasyPrint; import it where a PDF is actually made.
"""
