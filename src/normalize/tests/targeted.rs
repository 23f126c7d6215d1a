//! Targeted inputs: malformed, hostile and edge-case messages.
