-- 0007_clock.sql — "as if the clock read --at" covers the 24-hour window too (SPEC section 3).
-- A scheduler or digest pass sets the transaction-local setting sampark.clock; every outbound
-- row written in that transaction records it in window_at, and the sender judges the
-- customer-service window at the later of window_at and the real time of sending (a window
-- closed at either time means a template: Meta judges it at the real time). Rows written
-- outside such a pass leave window_at NULL and are judged at the time of sending.
ALTER TABLE outbound_messages ADD COLUMN window_at timestamptz
    DEFAULT NULLIF(current_setting('sampark.clock', true), '')::timestamptz;
