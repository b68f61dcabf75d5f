-- How many step annotations a dataset has (0: not a step-grounding dataset).
SELECT count(*) AS n FROM steps WHERE dataset = $dataset;
