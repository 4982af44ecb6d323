"""What makes the history provable, pure: the hash chain's canonical encoding, the RFC 9162
Merkle tree, C2SP signed checkpoints and the proof claims the standalone verifiers read."""
