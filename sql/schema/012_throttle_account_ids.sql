-- Sign-in budgets keyed on the account (issue 20): an address that names an
-- account now counts against 'acct:' || users.id, whatever the case of its
-- letters, instead of a hash of the address with its ASCII letters in lower
-- case (which gave Élodie and élodie a budget each). auth.account_key() in
-- sql/functions/accounts.sql makes the new keys; the counts of the current
-- window move to them here, so an upgrade gives no account a fresh budget.
-- The old key of an account was that of its address as stored: one row at
-- most, and no new key exists yet to collide with.
UPDATE login_throttle t SET key = 'acct:' || u.id
FROM users u
WHERE t.key = 'acct:' || left(encode(sha256(convert_to(
    lower(u.email COLLATE "C"), 'UTF8')), 'hex'), 32);
