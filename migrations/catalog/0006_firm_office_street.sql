-- The street (街道/镇) of a firm's office, optional: matching scores a firm whose office is
-- in a tender's street (same_street). NULL for firms that have not given it.
ALTER TABLE firm ADD COLUMN office_street TEXT;
