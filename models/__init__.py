"""Models over warehouse embeddings: moment retrieval / highlight predictors and heads."""
