//! Wine fixture for the end-to-end installer tests.
