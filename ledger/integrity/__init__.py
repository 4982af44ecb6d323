"""The log's integrity: its SHA-256 hash chain and RFC 9162 Merkle tree written with every
recording, their reads and proofs, signed checkpoints, and export, verify and restore."""
