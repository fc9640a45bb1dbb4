/* clock.c — wall and monotonic time in int64 milliseconds; see clock.h. */
#include "clock.h"

#include <time.h>

static int64_t read_clock(clockid_t id, int64_t per_s)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * per_s + (int64_t)ts.tv_nsec / (1000000000 / per_s);
}

int64_t clock_now_ms(void)
{
    return read_clock(CLOCK_REALTIME, 1000);
}

int64_t clock_mono_ms(void)
{
    return read_clock(CLOCK_MONOTONIC, 1000);
}

int64_t clock_mono_us(void)
{
    return read_clock(CLOCK_MONOTONIC, 1000000);
}

int64_t clock_utc_ms(int year, int month, int day, int hour, int minute, int second)
{
    struct tm tm = {0};
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = minute;
    tm.tm_sec = second;
    return (int64_t)timegm(&tm) * 1000;
}
