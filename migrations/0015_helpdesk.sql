-- 0015_helpdesk.sql — "talk to the helpdesk" reaches a person. The citizen's question goes to
-- the nodal officers (the district's grievance cell), and each message of the exchange records
-- the other party, so a swipe-reply on either side is forwarded to the right phone without a case.
ALTER TABLE outbound_messages ADD COLUMN about_phone text;
-- Retention (0008) forgets a citizen's helpdesk messages on the officers' side too, by this.
CREATE INDEX outbound_about ON outbound_messages (about_phone) WHERE about_phone IS NOT NULL;
