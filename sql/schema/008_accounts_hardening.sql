-- Accounts, hardened: an atomic sign-in budget for each account,
-- re-authentication for a password change and for erasure, a complete data
-- export.
--
-- The functions live in sql/functions/accounts.sql now, with the design of
-- the sign-in budget (at auth.throttle_take).

-- The export and erasure find a user's audit entries by actor and target.
CREATE INDEX audit_log_actor_idx ON audit_log (actor_id);
CREATE INDEX audit_log_target_idx ON audit_log (target_type, target_id);
