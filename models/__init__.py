"""Models over warehouse embeddings: alignment heads and training, moment retrieval /
highlight predictors, step alignment."""
