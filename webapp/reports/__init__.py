"""What renders: the formatting of every quantity (one formatter each, shared by page and PDF), the report rows,
the site map image and the PDF. Nothing here reads the database; services hand over typed results."""
