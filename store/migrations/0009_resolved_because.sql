-- Why an alert last resolved: revised (the figure was corrected), new_data
-- (other figures changed the verdict), rule_changed (a reload removed or
-- changed its rule); '' if not resolved or resolved before this was kept.
ALTER TABLE alerts ADD COLUMN resolved_because TEXT NOT NULL DEFAULT '';
