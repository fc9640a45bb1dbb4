# bench/portal_db.sh — sourced by bench/portal and bench/public: starts the bench PostgreSQL and
# Redis (PG_PORT, REDIS_PORT) and readies the database sampark_portal with CASES generated cases
# (bench/portal_gen.sql), kept between runs and regenerated when its size differs. Sets
# DATABASE_URL, REDIS_URL, gen_s (how long the generation took, or "kept") and events.
portal_db_ready() {
  SP_PG_FSYNC=off sp_start_postgres "$PG_PORT" 2>/dev/null
  sp_start_redis "$REDIS_PORT" 2>/dev/null
  mkdir -p bench/out
  export DATABASE_URL="postgresql://sampark@127.0.0.1:$PG_PORT/sampark_portal"
  export REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
  psql "postgresql://sampark@127.0.0.1:$PG_PORT/postgres" -tAc \
    "SELECT 1 FROM pg_database WHERE datname = 'sampark_portal'" | grep -q 1 ||
    psql "postgresql://sampark@127.0.0.1:$PG_PORT/postgres" -qc "CREATE DATABASE sampark_portal"
  psql "$DATABASE_URL" -qc "ALTER DATABASE sampark_portal RESET ALL" # measured with the defaults
  redis-cli -p "$REDIS_PORT" flushall >/dev/null
  ./build-bench/sampark migrate >/dev/null
  ./build-bench/sampark directory load flows/district.json >/dev/null
  psql "$DATABASE_URL" -q -c "SET client_min_messages = warning" -c "CREATE TABLE IF NOT EXISTS bench_portal_marker (n bigint NOT NULL, generated_at timestamptz NOT NULL)"
  local have
  have=$(psql "$DATABASE_URL" -tAc "SELECT (SELECT n FROM bench_portal_marker) = $CASES AND (SELECT count(*) FROM cases) = $CASES")
  gen_s=kept
  if [ "$have" != t ]; then
    local t0; t0=$(date +%s.%N)
    psql "$DATABASE_URL" -q -v n="$CASES" -f bench/portal_gen.sql >/dev/null
    gen_s=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.0f s", b - a}')
  fi
  events=$(psql "$DATABASE_URL" -tAc "SELECT count(*) FROM case_events")
}
