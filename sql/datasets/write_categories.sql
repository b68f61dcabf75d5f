-- Bulk upsert from the registered Arrow table dataset_categories_in (category_id, name).
INSERT INTO categories (dataset, category_id, name)
SELECT $dataset, category_id, name
FROM dataset_categories_in
ON CONFLICT (dataset, category_id) DO UPDATE SET name = excluded.name;
