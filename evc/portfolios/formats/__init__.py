"""Format adapters: each turns one credential format into a `Claim` plus its verification checks."""
