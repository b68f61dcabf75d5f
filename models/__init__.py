"""Models over warehouse embeddings: alignment heads, losses and their Lightning training;
moment retrieval / highlight predictors; step alignment."""
