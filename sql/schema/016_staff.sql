-- Issue 23: the audit log filtered by the server (api.admin_audit in
-- sql/functions/admin.sql): by action, actor and target, newest first.
-- The action index also lists the log's actions with a loose index scan.

CREATE INDEX IF NOT EXISTS audit_log_action_idx ON audit_log (action, id);
CREATE INDEX IF NOT EXISTS audit_log_actor_idx ON audit_log (actor_id, id);
CREATE INDEX IF NOT EXISTS audit_log_target_idx ON audit_log (target_id, id);
