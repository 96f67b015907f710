-- Who edited a draft since its last submission: none of them may approve the next version
-- (four eyes covers editors, not only the submitter).
CREATE TABLE draft_editors (
    journey_id  TEXT NOT NULL,
    user_name   TEXT NOT NULL,
    PRIMARY KEY (journey_id, user_name)
);

-- The submitter and the draft's editors at submission, as a JSON array of names.
ALTER TABLE journey_versions ADD COLUMN editors TEXT NOT NULL DEFAULT '[]';
