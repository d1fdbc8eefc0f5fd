"""The pipeline's corrections: the classic and read-level kernels (numpy and compiled), which one runs, the multistripe cut."""
