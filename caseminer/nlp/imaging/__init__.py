"""Imaging studies: modality vocabulary and gates (`vocab`), descriptors, planes, sequences and
findings (`attrs`), and the spaCy component (`component`, factory `caseminer_imaging`)."""
