//! Import audit of payload binaries against what Windows 7 SP1 provides (being written).
