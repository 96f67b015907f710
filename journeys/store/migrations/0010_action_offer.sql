-- The offer a contact presented (NULL for contacts without one), so the engine can build each
-- customer's offer history for contact policies without parsing every stored request.
ALTER TABLE action_log ADD COLUMN offer TEXT;
