"""Reading and writing files: the bounded FITS and ASDF scans, checked reads, exposures, the pipeline's metadata, products and their checks."""
