-- Upsert the step rows of the registered relation steps_in into dataset $dataset.
INSERT OR REPLACE INTO steps (dataset, qid, video_id, step_index, start_s, end_s)
SELECT $dataset, qid, video_id, step_index, start_s, end_s FROM steps_in;
