// Placeholder until the classifier model lands; the Classification target needs one source file.
