"""The signed plan as documents (issue 6, R-SIGN-2, R-SIGN-3).

- context.py: a plan version -> the plain dict every renderer reads (DWP-held data through data_access).
- docx.py / pdf.py: that dict -> bytes (docxtpl from docs_templates/, WeasyPrint from templates/documents/).
- seal.py: the portal's keys, the PAdES seal of PDFs and the signed record of every original.
- service.py: the one document service views and jobs call.
- docx_checks.py / pdf_checks.py: the project's own accessibility checkers.
"""
