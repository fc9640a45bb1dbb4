/* clock.h — the one clock of Sampark: int64 milliseconds, wall or monotonic.
 * Wall time (Unix ms, UTC) is for what other hosts or the database compare; monotonic time is
 * for every local timer, deadline and duration (a clock step must not stop or stretch them).
 * Metrics that report seconds convert at the edge. Never sleeps, never fails. */
#ifndef SAMPARK_CLOCK_H
#define SAMPARK_CLOCK_H

#include <stdint.h>

/* Unix time in milliseconds (CLOCK_REALTIME). */
int64_t clock_now_ms(void);
/* Milliseconds since an arbitrary start (CLOCK_MONOTONIC): only differences mean anything. */
int64_t clock_mono_ms(void);
/* The same monotonic clock in microseconds, for durations the latency histograms sort into
 * buckets of half a millisecond. */
int64_t clock_mono_us(void);
/* Unix milliseconds of a calendar time in UTC (month 1-12; a day past the month's end carries
 * into the next, as timegm does). */
int64_t clock_utc_ms(int year, int month, int day, int hour, int minute, int second);

#endif
